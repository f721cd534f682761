// SPDX-License-Identifier: Apache-2.0
//! Bounded HTTP GETs (ureq, blocking): timeouts on connect and on every
//! read, retries with backoff, a size limit on every body, TLS roots from
//! the platform (which honours `SSL_CERT_FILE`/`SSL_CERT_DIR`) or from the
//! caller's `--cert` bundle, proxies from the environment.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::ResponseExt;

use crate::error::{Error, ErrorKind, Result};

/// How to reach the network.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Connect timeout, and the longest wait for any single read.
    pub timeout: Duration,
    /// Extra attempts for a failed GET (connection error, timeout, 429, 5xx).
    pub retries: u32,
    /// A PEM bundle to trust instead of the platform's roots (pip's `--cert`).
    pub cert_pem: Option<Vec<u8>>,
    /// An explicit proxy URL (pip's `--proxy`); otherwise the environment's.
    pub proxy: Option<String>,
    /// First backoff; doubled for each retry.
    pub backoff: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            retries: 3,
            cert_pem: None,
            proxy: None,
            backoff: Duration::from_millis(500),
        }
    }
}

/// A configured HTTP client.
#[derive(Debug)]
pub struct Http {
    agent: ureq::Agent,
    cfg: HttpConfig,
}

/// A fetched body with its content type and final URL (after redirects).
#[derive(Debug)]
pub struct Fetched {
    /// The body, never more than the caller's limit.
    pub body: Vec<u8>,
    /// `Content-Type` without parameters, lower-case.
    pub content_type: String,
    /// The URL that answered.
    pub url: String,
}

/// What a GET gave when it did not give a body.
#[derive(Debug)]
pub enum Miss {
    /// 404 or 410: the resource does not exist.
    NotFound,
    /// Anything else; already a `NetworkError`.
    Failed(Error),
}

pub(crate) fn net(detail: String) -> Error {
    Error::new(ErrorKind::NetworkError, "online", redact(&detail))
}

/// Remove credentials (`https://user:token@host`) from URLs in `text`, so
/// index passwords never reach an error message or the JSON output.
#[must_use]
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"')
            .unwrap_or(tail.len());
        let authority = tail.get(..authority_end).unwrap_or("");
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***@");
                out.push_str(authority.get(at + 1..).unwrap_or(""));
            }
            None => out.push_str(authority),
        }
        rest = tail.get(authority_end..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn cannot_write(dest: &Path, e: &std::io::Error) -> Error {
    Error::new(
        ErrorKind::UsageError,
        "online",
        format!("cannot write {}: {e}", dest.display()),
    )
}

/// The longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Retries left and the next wait: doubling from the configured backoff,
/// capped at [`MAX_BACKOFF`]. One per retry loop.
struct Backoff {
    delay: Duration,
    left: u32,
    attempts: u32,
}

impl Backoff {
    fn new(cfg: &HttpConfig) -> Self {
        Self {
            delay: cfg.backoff,
            left: cfg.retries,
            attempts: 1,
        }
    }

    /// Sleep before the next attempt; false when no retry is left.
    fn wait(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        self.attempts += 1;
        std::thread::sleep(self.delay);
        self.delay = self.delay.saturating_mul(2).min(MAX_BACKOFF);
        true
    }
}

impl Http {
    /// Build the client.
    ///
    /// # Errors
    /// `UsageError` for an unreadable certificate bundle or a bad proxy URL.
    pub fn new(cfg: HttpConfig) -> Result<Self> {
        let roots = match &cfg.cert_pem {
            None => RootCerts::PlatformVerifier,
            Some(pem) => {
                let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(pem)
                    .filter_map(|item| match item {
                        Ok(PemItem::Certificate(c)) => Some(c),
                        _ => None,
                    })
                    .collect();
                if certs.is_empty() {
                    return Err(Error::new(
                        ErrorKind::UsageError,
                        "online",
                        "the --cert bundle holds no PEM certificate",
                    ));
                }
                RootCerts::new_with_certs(&certs)
            }
        };
        let proxy = match &cfg.proxy {
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| {
                Error::new(ErrorKind::UsageError, "online", format!("--proxy {p}: {e}"))
            })?),
            None => ureq::Proxy::try_from_env(),
        };
        let agent = ureq::Agent::config_builder()
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .proxy(proxy)
            .http_status_as_error(false)
            .https_only(false)
            .max_redirects(10)
            .user_agent(concat!("slsa-verify-rs/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(cfg.timeout))
            .timeout_recv_response(Some(cfg.timeout))
            .timeout_per_read(Some(cfg.timeout))
            .build()
            .new_agent();
        Ok(Self { agent, cfg })
    }

    /// GET with retries; returns the response once its status is known.
    ///
    /// `deadline` bounds one whole attempt (headers and body), for documents;
    /// artifacts have none (they can be GiBs), only the per-read timeout.
    fn get(
        &self,
        url: &str,
        accept: &str,
        deadline: Option<Duration>,
    ) -> std::result::Result<ureq::http::Response<ureq::Body>, Miss> {
        self.get_with(url, accept, deadline, &[404, 410])
    }

    /// [`Http::get`] with the statuses that mean "not found".
    fn get_with(
        &self,
        url: &str,
        accept: &str,
        deadline: Option<Duration>,
        missing: &[u16],
    ) -> std::result::Result<ureq::http::Response<ureq::Body>, Miss> {
        let mut backoff = Backoff::new(&self.cfg);
        loop {
            let result = self
                .agent
                .get(url)
                .header("Accept", accept)
                .config()
                .timeout_global(deadline)
                .build()
                .call();
            let retry = match &result {
                Ok(r) => {
                    let s = r.status().as_u16();
                    if missing.contains(&s) {
                        return Err(Miss::NotFound);
                    }
                    if (200..300).contains(&s) {
                        return result.map_err(|e| Miss::Failed(net(e.to_string())));
                    }
                    s == 429 || s >= 500
                }
                Err(e) => !matches!(
                    e,
                    ureq::Error::BadUri(_) | ureq::Error::InvalidProxyUrl | ureq::Error::Tls(_)
                ),
            };
            if !(retry && backoff.wait()) {
                let why = match result {
                    Ok(r) => format!("HTTP {}", r.status()),
                    Err(e) => e.to_string(),
                };
                let tries = backoff.attempts;
                return Err(Miss::Failed(net(format!(
                    "GET {url}: {why} (after {tries} attempt{})",
                    if tries == 1 { "" } else { "s" }
                ))));
            }
        }
    }

    /// GET a document of at most `limit` bytes.
    ///
    /// # Errors
    /// [`Miss::NotFound`] for 404/410; otherwise a `NetworkError` for a
    /// status, a timeout, a body over `limit` or a truncated body.
    pub fn fetch(
        &self,
        url: &str,
        accept: &str,
        limit: u64,
        what: &str,
    ) -> std::result::Result<Fetched, Miss> {
        let mut backoff = Backoff::new(&self.cfg);
        loop {
            // A whole document must arrive within 20 read timeouts (5 min by
            // default): a server dripping a byte per timeout cannot hang us.
            let resp = self.get(url, accept, Some(self.cfg.timeout.saturating_mul(20)))?;
            let final_url = resp.get_uri().to_string();
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            match resp
                .into_body()
                .into_with_config()
                .limit(limit)
                .read_to_vec()
            {
                Ok(body) => {
                    return Ok(Fetched {
                        body,
                        content_type,
                        url: final_url,
                    })
                }
                Err(ureq::Error::BodyExceedsLimit(_)) => {
                    return Err(Miss::Failed(net(format!(
                        "{what} from {url} is larger than the {limit}-byte limit"
                    ))))
                }
                // a truncated or stalled body: try again while retries last
                Err(_) if backoff.wait() => {}
                Err(e) => {
                    return Err(Miss::Failed(net(format!(
                        "{what} from {url} did not arrive whole: {e}"
                    ))))
                }
            }
        }
    }

    /// GET one file of a TUF repository: at most `limit` bytes, `None` for
    /// 404, 403 or 410 (object stores answer 403 for a missing object; TUF
    /// clients treat both as "no next root").
    ///
    /// # Errors
    /// `InputTooLarge` for a body over `limit`; otherwise `NetworkError`.
    pub fn fetch_tuf(&self, url: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        let mut backoff = Backoff::new(&self.cfg);
        loop {
            let deadline = Some(self.cfg.timeout.saturating_mul(20));
            let resp = match self.get_with(url, "application/json, */*", deadline, &[403, 404, 410])
            {
                Ok(r) => r,
                Err(Miss::NotFound) => return Ok(None),
                Err(Miss::Failed(e)) => return Err(e),
            };
            let too_large = || {
                Error::new(
                    ErrorKind::InputTooLarge,
                    "2.6",
                    format!("{} is larger than the {limit}-byte TUF limit", redact(url)),
                )
            };
            if resp.body().content_length().is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            // ureq refuses a body that reaches its limit; allow one byte more
            // and enforce `limit` here.
            let cap = limit.saturating_add(1);
            match resp.into_body().into_with_config().limit(cap).read_to_vec() {
                Ok(body) if body.len() as u64 > limit => return Err(too_large()),
                Ok(body) => return Ok(Some(body)),
                Err(ureq::Error::BodyExceedsLimit(_)) => return Err(too_large()),
                Err(_) if backoff.wait() => {}
                Err(e) => return Err(net(format!("{url} did not arrive whole: {e}"))),
            }
        }
    }

    /// Stream `url` into `dest` (created new), hashing as it goes; returns
    /// the SHA-256 and size. The body may not exceed `limit` bytes.
    ///
    /// # Errors
    /// `NetworkError` (status, timeout, truncation, over `limit`);
    /// `UsageError` if `dest` cannot be written.
    pub fn download(&self, url: &str, dest: &Path, limit: u64) -> Result<([u8; 32], u64)> {
        let mut backoff = Backoff::new(&self.cfg);
        loop {
            // Only a body that broke off is tried again here: `get` has already
            // retried the request, and not-found or over-limit never change.
            match self.download_once(url, dest, limit) {
                Err((_, true)) if backoff.wait() => {}
                Err((e, _)) => return Err(e),
                Ok(v) => return Ok(v),
            }
        }
    }

    /// One download; an error says whether trying again could help.
    fn download_once(
        &self,
        url: &str,
        dest: &Path,
        limit: u64,
    ) -> std::result::Result<([u8; 32], u64), (Error, bool)> {
        let resp = match self.get(url, "*/*", None) {
            Ok(r) => r,
            Err(Miss::NotFound) => return Err((net(format!("GET {url}: not found")), false)),
            Err(Miss::Failed(e)) => return Err((e, false)),
        };
        let expected_len = resp.body().content_length();
        if expected_len.is_some_and(|n| n > limit) {
            return Err((
                net(format!("{url} is larger than the {limit}-byte limit")),
                false,
            ));
        }
        let mut reader = resp.into_body().into_with_config().limit(limit).reader();
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(dest)
            .map_err(|e| (cannot_write(dest, &e), false))?;
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        let mut buf = vec![0u8; 1 << 20];
        let mut total: u64 = 0;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) if total >= limit => {
                    let msg = format!("{url} is larger than the {limit}-byte limit");
                    return Err((net(msg), false));
                }
                Err(e) => return Err((net(format!("{url}: the download broke off: {e}")), true)),
            };
            let chunk = buf.get(..n).unwrap_or_default();
            ctx.update(chunk);
            file.write_all(chunk)
                .map_err(|e| (cannot_write(dest, &e), false))?;
            total = total.saturating_add(n as u64);
        }
        if expected_len.is_some_and(|n| n != total) {
            let msg = format!(
                "{url}: the body ended after {total} bytes of {}",
                expected_len.unwrap_or_default()
            );
            return Err((net(msg), true));
        }
        file.flush()
            .and_then(|()| file.sync_all())
            .map_err(|e| (cannot_write(dest, &e), false))?;
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        Ok((out, total))
    }
}
