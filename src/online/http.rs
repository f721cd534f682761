// SPDX-License-Identifier: Apache-2.0
//! Bounded HTTP GETs (ureq, blocking): timeouts on connect and on every
//! read, retries with backoff, a size limit on every body, TLS roots from
//! the platform (which honours `SSL_CERT_FILE`/`SSL_CERT_DIR`) or from the
//! caller's `--cert` bundle, proxies from the environment.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::ResponseExt;
use url::Url;

use crate::error::{Error, ErrorKind, Result};

/// How to reach the network.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Connect timeout, and the longest wait for any single read.
    pub timeout: Duration,
    /// Extra attempts for a transient failure (connection error, timeout,
    /// 408, 429, 5xx); permanent ones (malformed URL, TLS, other 4xx, size
    /// limit) are never retried.
    pub retries: u32,
    /// A PEM bundle to trust instead of the platform's roots (pip's `--cert`).
    pub cert_pem: Option<Vec<u8>>,
    /// An explicit proxy URL (pip's `--proxy`); otherwise the environment's.
    pub proxy: Option<String>,
    /// First backoff; doubled for each retry.
    pub backoff: Duration,
    /// The most a document (project page, provenance, release JSON) may
    /// take in all, retries and backoff included: [`DOCUMENT_BUDGET`].
    pub document_budget: Duration,
    /// The slowest artifact download we keep waiting for.
    pub min_rate: MinRate,
}

/// A document (project page, provenance, release metadata) must arrive
/// whole within 120 s, every attempt and backoff included, or the fetch
/// fails; raised to the read timeout when that is longer.
pub const DOCUMENT_BUDGET: Duration = Duration::from_secs(120);

/// The minimum throughput of an artifact download, so a server that drips
/// a byte before each read timeout cannot hold a download open forever.
///
/// After the first `grace` period, every `window` must bring at least
/// `bytes`. The defaults (30 s grace, then 256 KiB per 30 s window, about
/// 8.5 KiB/s or 68 kbit/s) are below a 2G EDGE link; a download slower
/// than that fails with a `NetworkError` and is not retried.
#[derive(Debug, Clone, Copy)]
pub struct MinRate {
    /// How long a download may run before the rule applies.
    pub grace: Duration,
    /// The measuring window.
    pub window: Duration,
    /// The fewest bytes each window must bring.
    pub bytes: u64,
}

impl Default for MinRate {
    fn default() -> Self {
        Self {
            grace: Duration::from_secs(30),
            window: Duration::from_secs(30),
            bytes: 256 << 10,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            retries: 3,
            cert_pem: None,
            proxy: None,
            backoff: Duration::from_millis(500),
            document_budget: DOCUMENT_BUDGET,
            min_rate: MinRate::default(),
        }
    }
}

/// A configured HTTP client.
#[derive(Debug)]
pub struct Http {
    agent: ureq::Agent,
    cfg: HttpConfig,
    /// Secrets of the proxy URL, removed from every message.
    proxy_secrets: Vec<String>,
}

/// A fetched body with its content type and final URL (after redirects).
#[derive(Debug)]
pub struct Fetched {
    /// The body, never more than the caller's limit.
    pub body: Vec<u8>,
    /// `Content-Type` without parameters, lower-case.
    pub content_type: String,
    /// The URL that answered (without credentials).
    pub url: String,
}

/// An API answer of any status ([`Http::api_get`]).
#[derive(Debug)]
pub(crate) struct ApiAnswer {
    /// The HTTP status (never 3xx).
    pub status: u16,
    /// The headers the caller reads.
    pub headers: ApiHeaders,
    /// The body, within the limit.
    pub body: Vec<u8>,
}

/// The response headers of a JSON API that matter: pagination and rate limits.
#[derive(Debug, Default)]
pub(crate) struct ApiHeaders {
    /// `Link` (RFC 8288).
    pub link: Option<String>,
    /// `x-ratelimit-remaining`.
    pub ratelimit_remaining: Option<String>,
    /// `x-ratelimit-reset` (Unix seconds).
    pub ratelimit_reset: Option<String>,
    /// `retry-after` (seconds).
    pub retry_after: Option<String>,
}

/// What a GET gave when it did not give a body.
#[derive(Debug)]
pub enum Miss {
    /// 404 or 410: the resource does not exist.
    NotFound,
    /// Anything else; already a `NetworkError`.
    Failed(Error),
}

/// The one constructor of network errors: URLs in `detail` lose their
/// credentials here.
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

/// `url` without its user name and password, for messages and requests.
#[must_use]
pub fn display_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.into()
}

/// The secret parts of a URL's userinfo (percent-decoded and raw): the
/// password, or the user name when there is no password (a token).
fn secrets_of(url: &Url) -> Vec<String> {
    let raw = match url.password() {
        Some(p) if !p.is_empty() => p,
        _ => url.username(),
    };
    if raw.len() < 4 {
        return Vec::new(); // too short to replace as text; the URL form is redacted
    }
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned();
    let mut out = vec![raw.to_owned()];
    if decoded != raw {
        out.push(decoded);
    }
    out
}

/// HTTP Basic credentials of the configured indexes, sent only to URLs of
/// the same origin (scheme, host, port) as the index they came with, as pip
/// does; never to another origin.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    entries: Vec<(url::Origin, String)>,
    secrets: Vec<String>,
}

impl Credentials {
    /// The userinfo of each URL that has one (unparsable URLs are skipped).
    #[must_use]
    pub fn from_urls<'a>(urls: impl IntoIterator<Item = &'a String>) -> Self {
        let mut out = Self::default();
        for u in urls {
            let Ok(u) = Url::parse(u) else { continue };
            if let Some(header) = basic_header(&u) {
                out.secrets.extend(secrets_of(&u));
                out.entries.push((u.origin(), header));
            }
        }
        out
    }

    /// The `Authorization` value for `url`: its own userinfo, else that of
    /// the first index with the same origin.
    fn header_for(&self, url: &Url) -> Option<String> {
        basic_header(url).or_else(|| {
            let origin = url.origin();
            self.entries
                .iter()
                .find(|(o, _)| *o == origin)
                .map(|(_, h)| h.clone())
        })
    }

    /// `text` with every known secret replaced and URL userinfo removed.
    #[must_use]
    pub fn redact(&self, text: &str) -> String {
        let mut out = redact(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

/// `Basic base64(user:password)` from a URL's userinfo (percent-decoded).
fn basic_header(url: &Url) -> Option<String> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let pair = format!(
        "{}:{}",
        dec(url.username()),
        dec(url.password().unwrap_or(""))
    );
    Some(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    ))
}

/// Whether trying again could help: connection trouble and timeouts. A
/// TLS failure (a bad or untrusted certificate, a server that does not
/// speak TLS) reaches us as an I/O error of kind `InvalidData` and is
/// permanent, like other invalid-input errors.
fn transient(e: &ureq::Error) -> bool {
    use std::io::ErrorKind as Io;
    if let ureq::Error::Io(io) = e {
        return !matches!(
            io.kind(),
            Io::InvalidData | Io::InvalidInput | Io::Unsupported
        );
    }
    matches!(
        e,
        ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

/// Whether a status is worth another attempt: 408, 429 and 5xx.
fn transient_status(s: u16) -> bool {
    s == 408 || s == 429 || s >= 500
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

    /// Sleep before the next attempt; false when no retry is left or the
    /// wait would pass `deadline`.
    fn wait(&mut self, deadline: Option<Instant>) -> bool {
        if self.left == 0 || deadline.is_some_and(|d| Instant::now() + self.delay >= d) {
            return false;
        }
        self.left -= 1;
        self.attempts += 1;
        std::thread::sleep(self.delay);
        self.delay = self.delay.saturating_mul(2).min(MAX_BACKOFF);
        true
    }

    fn tries(&self) -> String {
        let n = self.attempts;
        format!("after {n} attempt{}", if n == 1 { "" } else { "s" })
    }
}

/// A URL we may request: http(s), parsed, without credentials or fragment,
/// and the `Authorization` header it gets.
fn target(url: &str, auth: &Credentials) -> Result<(String, Option<String>)> {
    let parsed = Url::parse(url).map_err(|e| {
        net(format!(
            "GET {}: malformed URL ({e}; after 1 attempt, not retried)",
            auth.redact(url)
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(net(format!(
            "GET {}: only http and https URLs are fetched (after 1 attempt, not retried)",
            display_url(&parsed)
        )));
    }
    let header = auth.header_for(&parsed);
    let mut clean = Url::parse(&display_url(&parsed)).unwrap_or(parsed);
    clean.set_fragment(None);
    Ok((clean.into(), header))
}

/// A download's progress callback: (bytes so far, the announced length).
pub type Progress<'a> = &'a dyn Fn(u64, Option<u64>);

/// The least time between two progress reports of one download.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(200);

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
        let proxy_secrets = cfg
            .proxy
            .as_deref()
            .and_then(|p| Url::parse(p).ok())
            .map(|u| secrets_of(&u))
            .unwrap_or_default();
        let proxy = match &cfg.proxy {
            Some(p) => Some(ureq::Proxy::new(p).map_err(|e| {
                // never echo userinfo, even of a URL too broken to parse
                let shown = match p.rfind('@') {
                    Some(at) => format!("***@{}", p.get(at + 1..).unwrap_or("")),
                    None => p.clone(),
                };
                Error::new(
                    ErrorKind::UsageError,
                    "online",
                    format!("--proxy {shown}: {e}"),
                )
            })?),
            None => ureq::Proxy::try_from_env(),
        };
        let agent = ureq::Agent::config_builder()
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .proxy(proxy)
            .http_status_as_error(false)
            .https_only(false)
            .max_redirects(10)
            // Authorization survives a redirect only to the same host over https.
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .user_agent(concat!("slsa-verify-rs/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(cfg.timeout))
            .timeout_recv_response(Some(cfg.timeout))
            .timeout_per_read(Some(cfg.timeout))
            .build()
            .new_agent();
        Ok(Self {
            agent,
            cfg,
            proxy_secrets,
        })
    }

    /// The boundary every error of the online module passes on its way
    /// out: URL userinfo, index credentials and proxy secrets removed.
    #[must_use]
    pub fn scrub(&self, e: Error, auth: &Credentials) -> Error {
        let mut detail = auth.redact(e.detail());
        for s in &self.proxy_secrets {
            detail = detail.replace(s.as_str(), "***");
        }
        if detail == e.detail() {
            return e;
        }
        let out = Error::new(e.kind(), e.step(), detail);
        match e.attestation_index() {
            Some(i) => out.at_attestation(i),
            None => out,
        }
    }

    /// `text` with every secret this client knows removed.
    #[must_use]
    pub fn redact(&self, text: &str, auth: &Credentials) -> String {
        let mut out = auth.redact(text);
        for s in &self.proxy_secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }

    /// GET with retries of transient failures only; returns the response
    /// once its status is known.
    ///
    /// `deadline` bounds all attempts (headers and body), for documents;
    /// artifacts have none (they can be GiBs), only the per-read timeout
    /// and the minimum throughput.
    fn get(
        &self,
        url: &str,
        accept: &str,
        auth: &Credentials,
        deadline: Option<Instant>,
    ) -> std::result::Result<ureq::http::Response<ureq::Body>, Miss> {
        self.get_with(url, accept, auth, deadline, &[404, 410])
    }

    /// [`Http::get`] with the statuses that mean "not found".
    fn get_with(
        &self,
        url: &str,
        accept: &str,
        auth: &Credentials,
        deadline: Option<Instant>,
        missing: &[u16],
    ) -> std::result::Result<ureq::http::Response<ureq::Body>, Miss> {
        let (target, header) = target(url, auth).map_err(Miss::Failed)?;
        let mut backoff = Backoff::new(&self.cfg);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) {
                return Err(Miss::Failed(net(format!(
                    "GET {target}: no answer within {} s ({})",
                    self.cfg.document_budget.as_secs(),
                    backoff.tries()
                ))));
            }
            let mut req = self.agent.get(&target).header("Accept", accept);
            if let Some(h) = &header {
                req = req.header("Authorization", h);
            }
            let result = req.config().timeout_global(left).build().call();
            let retry = match &result {
                Ok(r) => {
                    let s = r.status().as_u16();
                    if missing.contains(&s) {
                        return Err(Miss::NotFound);
                    }
                    if (200..300).contains(&s) {
                        return result.map_err(|e| Miss::Failed(net(e.to_string())));
                    }
                    transient_status(s)
                }
                Err(e) => transient(e),
            };
            if !(retry && backoff.wait(deadline)) {
                let why = match result {
                    Ok(r) => format!("HTTP {}", r.status()),
                    Err(e) => e.to_string(),
                };
                let not = if retry { "" } else { ", not retried" };
                return Err(Miss::Failed(net(format!(
                    "GET {target}: {why} ({}{not})",
                    backoff.tries()
                ))));
            }
        }
    }

    /// GET one page of a JSON API (GitHub's) and return it whatever its
    /// status, without following a redirect (a 3xx is a `NetworkError`).
    /// `bearer` is sent as `Authorization: Bearer`; the caller decides for
    /// which URLs. Connection trouble, 408 and 5xx are retried within the
    /// document budget; 4xx answers (404, 403, 429) are returned at once.
    /// A 2xx body may hold `limit` bytes, any other at most 64 KiB.
    ///
    /// # Errors
    /// `NetworkError` for a malformed URL, a redirect, a transient failure
    /// that outlived the retries, a body over its limit or cut short.
    pub(crate) fn api_get(
        &self,
        url: &str,
        accept: &str,
        bearer: Option<&str>,
        limit: u64,
    ) -> Result<ApiAnswer> {
        let none = Credentials::default();
        let (target, _) = target(url, &none)?;
        let budget = self.cfg.document_budget.max(self.cfg.timeout);
        let deadline = Instant::now() + budget;
        let mut backoff = Backoff::new(&self.cfg);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left == Duration::ZERO {
                return Err(net(format!(
                    "GET {target}: no answer within {} s ({})",
                    budget.as_secs(),
                    backoff.tries()
                )));
            }
            let mut req = self.agent.get(&target).header("Accept", accept);
            if let Some(token) = bearer {
                req = req.header("Authorization", &format!("Bearer {token}"));
            }
            let resp = match req
                .config()
                .max_redirects(0)
                .timeout_global(Some(left))
                .build()
                .call()
            {
                Ok(r) => r,
                Err(e) if transient(&e) && backoff.wait(Some(deadline)) => continue,
                Err(e) => {
                    return Err(net(format!("GET {target}: {e} ({})", backoff.tries())));
                }
            };
            let status = resp.status().as_u16();
            if (300..400).contains(&status) {
                let to = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("?");
                return Err(net(format!(
                    "GET {target}: HTTP {status}, a redirect to {}; redirects are refused \
                     (after 1 attempt, not retried)",
                    redact(to)
                )));
            }
            if (status == 408 || status >= 500) && backoff.wait(Some(deadline)) {
                continue;
            }
            if status == 408 || status >= 500 {
                return Err(net(format!(
                    "GET {target}: HTTP {status} ({})",
                    backoff.tries()
                )));
            }
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let headers = ApiHeaders {
                link: header("link"),
                ratelimit_remaining: header("x-ratelimit-remaining"),
                ratelimit_reset: header("x-ratelimit-reset"),
                retry_after: header("retry-after"),
            };
            let cap = if (200..300).contains(&status) {
                limit
            } else {
                64 << 10
            };
            match resp.into_body().into_with_config().limit(cap).read_to_vec() {
                Ok(body) => {
                    return Ok(ApiAnswer {
                        status,
                        headers,
                        body,
                    })
                }
                Err(ureq::Error::BodyExceedsLimit(_)) => {
                    return Err(net(format!(
                        "GET {target}: the answer is larger than the {cap}-byte limit \
                         (not retried)"
                    )))
                }
                Err(e) if transient(&e) && backoff.wait(Some(deadline)) => {}
                Err(e) => {
                    return Err(net(format!(
                        "GET {target}: the answer did not arrive whole: {e} ({})",
                        backoff.tries()
                    )))
                }
            }
        }
    }

    /// GET a document of at most `limit` bytes, within the document budget.
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
        auth: &Credentials,
    ) -> std::result::Result<Fetched, Miss> {
        let budget = self.cfg.document_budget.max(self.cfg.timeout);
        let deadline = Instant::now() + budget;
        let mut backoff = Backoff::new(&self.cfg);
        loop {
            let resp = self.get(url, accept, auth, Some(deadline))?;
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
                // a truncated or stalled body: try again while retries and budget last
                Err(e) if transient(&e) && backoff.wait(Some(deadline)) => {}
                Err(e) => {
                    return Err(Miss::Failed(net(format!(
                        "{what} from {url} did not arrive whole within {} s: {e} ({})",
                        budget.as_secs(),
                        backoff.tries()
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
        let deadline = Instant::now() + self.cfg.document_budget.max(self.cfg.timeout);
        let none = Credentials::default();
        let mut backoff = Backoff::new(&self.cfg);
        loop {
            let resp = match self.get_with(
                url,
                "application/json, */*",
                &none,
                Some(deadline),
                &[403, 404, 410],
            ) {
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
                Err(e) if transient(&e) && backoff.wait(Some(deadline)) => {}
                Err(e) => return Err(net(format!("{} did not arrive whole: {e}", redact(url)))),
            }
        }
    }

    /// Stream `url` into `dest` (created new), hashing as it goes; returns
    /// the SHA-256 and size. The body may not exceed `limit` bytes and must
    /// keep the [`MinRate`].
    ///
    /// # Errors
    /// `NetworkError` (status, timeout, truncation, over `limit`, too
    /// slow); `UsageError` if `dest` cannot be written.
    pub fn download(
        &self,
        url: &str,
        dest: &Path,
        limit: u64,
        auth: &Credentials,
    ) -> Result<([u8; 32], u64)> {
        self.download_with_progress(url, dest, limit, auth, None)
    }

    /// [`Self::download`], telling `progress` (bytes so far, the length the
    /// server announced) at most every [`PROGRESS_EVERY`] and once at the end.
    ///
    /// # Errors
    /// As [`Self::download`].
    pub fn download_with_progress(
        &self,
        url: &str,
        dest: &Path,
        limit: u64,
        auth: &Credentials,
        progress: Option<Progress<'_>>,
    ) -> Result<([u8; 32], u64)> {
        let mut backoff = Backoff::new(&self.cfg);
        loop {
            // Only a body that broke off is tried again here: `get` has already
            // retried the request, and not-found or over-limit never change.
            match self.download_once(url, dest, limit, auth, progress) {
                Err((_, true)) if backoff.wait(None) => {}
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
        auth: &Credentials,
        progress: Option<Progress<'_>>,
    ) -> std::result::Result<([u8; 32], u64), (Error, bool)> {
        let shown = auth.redact(url);
        let resp = match self.get(url, "*/*", auth, None) {
            Ok(r) => r,
            Err(Miss::NotFound) => return Err((net(format!("GET {shown}: not found")), false)),
            Err(Miss::Failed(e)) => return Err((e, false)),
        };
        let expected_len = resp.body().content_length();
        if expected_len.is_some_and(|n| n > limit) {
            return Err((
                net(format!("{shown} is larger than the {limit}-byte limit")),
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
        let rate = self.cfg.min_rate;
        let mut window_start = Instant::now() + rate.grace;
        let mut window_total: u64 = 0;
        let mut last_report: Option<Instant> = None;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) if total >= limit => {
                    let msg = format!("{shown} is larger than the {limit}-byte limit");
                    return Err((net(msg), false));
                }
                Err(e) => return Err((net(format!("{shown}: the download broke off: {e}")), true)),
            };
            let chunk = buf.get(..n).unwrap_or_default();
            ctx.update(chunk);
            file.write_all(chunk)
                .map_err(|e| (cannot_write(dest, &e), false))?;
            total = total.saturating_add(n as u64);
            let now = Instant::now();
            if let Some(report) = progress {
                if last_report.is_none_or(|t| now.duration_since(t) >= PROGRESS_EVERY) {
                    report(total, expected_len);
                    last_report = Some(now);
                }
            }
            if now >= window_start {
                window_total = window_total.saturating_add(n as u64);
                if now.duration_since(window_start) >= rate.window {
                    if window_total < rate.bytes {
                        let msg = format!(
                            "{shown}: the download is too slow ({window_total} bytes in {} s, \
                             the least accepted is {} bytes per {} s; not retried)",
                            now.duration_since(window_start).as_secs(),
                            rate.bytes,
                            rate.window.as_secs()
                        );
                        return Err((net(msg), false));
                    }
                    window_start = now;
                    window_total = 0;
                }
            }
        }
        if expected_len.is_some_and(|n| n != total) {
            let msg = format!(
                "{shown}: the body ended after {total} bytes of {}",
                expected_len.unwrap_or_default()
            );
            return Err((net(msg), true));
        }
        file.flush()
            .and_then(|()| file.sync_all())
            .map_err(|e| (cannot_write(dest, &e), false))?;
        if let Some(report) = progress {
            report(total, expected_len);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        Ok((out, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};

    /// A loopback server: each request's head is recorded, then `reply`
    /// writes the whole answer on the stream.
    struct Server {
        base: String,
        heads: Arc<Mutex<Vec<String>>>,
    }

    type Reply = dyn Fn(&str, &mut TcpStream) + Send + Sync;

    fn serve(reply: Arc<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| unreachable!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&heads);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = Arc::clone(&seen);
                let reply = Arc::clone(&reply);
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let mut head = String::new();
                    let mut reader = std::io::BufReader::new(&mut stream);
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        head.push_str(&line);
                    }
                    if let Ok(mut v) = seen.lock() {
                        v.push(head.clone());
                    }
                    reply(&head, &mut stream);
                });
            }
        });
        Server {
            base: format!("http://127.0.0.1:{port}"),
            heads,
        }
    }

    impl Server {
        fn heads(&self) -> Vec<String> {
            self.heads.lock().map(|v| v.clone()).unwrap_or_default()
        }
    }

    fn status(code: u16) -> Arc<Reply> {
        Arc::new(move |_, s| {
            let _ = write!(
                s,
                "HTTP/1.1 {code} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        })
    }

    fn quick() -> HttpConfig {
        HttpConfig {
            timeout: Duration::from_secs(5),
            retries: 3,
            backoff: Duration::from_millis(50),
            ..HttpConfig::default()
        }
    }

    fn http(cfg: HttpConfig) -> Http {
        Http::new(cfg).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn failed<T>(r: std::result::Result<T, Miss>) -> Error {
        match r {
            Err(Miss::Failed(e)) => e,
            Err(Miss::NotFound) => unreachable!("not found"),
            Ok(_) => unreachable!("succeeded"),
        }
    }

    #[test]
    fn malformed_urls_fail_at_once() {
        let h = http(HttpConfig {
            backoff: Duration::from_secs(2),
            ..quick()
        });
        let none = Credentials::default();
        for url in [
            "http://[bad",
            "http://u:s3cret@[bad/x",
            "not a url",
            "ftp://h/x",
        ] {
            let started = Instant::now();
            let e = failed(h.fetch(url, "*/*", 10, "doc", &none));
            assert_eq!(e.kind(), ErrorKind::NetworkError);
            assert!(e.detail().contains("after 1 attempt"), "{}", e.detail());
            assert!(!e.detail().contains("s3cret"), "{}", e.detail());
            assert!(started.elapsed() < Duration::from_secs(1));
        }
    }

    #[test]
    fn permanent_statuses_are_one_request_transient_ones_are_retried() {
        let h = http(quick());
        let none = Credentials::default();
        for (code, requests) in [
            (404, 1),
            (403, 1),
            (400, 1),
            (500, 4),
            (503, 4),
            (408, 4),
            (429, 4),
        ] {
            let srv = serve(status(code));
            let r = h.fetch(&format!("{}/x", srv.base), "*/*", 10, "doc", &none);
            match r {
                Err(Miss::NotFound) => assert_eq!(code, 404),
                Err(Miss::Failed(e)) => assert_eq!(e.kind(), ErrorKind::NetworkError),
                Ok(_) => unreachable!("HTTP {code} succeeded"),
            }
            assert_eq!(srv.heads().len(), requests, "HTTP {code}");
        }
    }

    #[test]
    fn basic_auth_only_to_the_index_origin() {
        let index = serve(status(200));
        let other = serve(status(200));
        let idx = index.base.replace("http://", "http://user:pa%40ss@") + "/simple/";
        let auth = Credentials::from_urls(&[idx]);
        let h = http(quick());
        for path in ["/simple/a/", "/provenance/a", "/files/a.whl"] {
            assert!(h
                .fetch(&format!("{}{path}", index.base), "*/*", 10, "doc", &auth)
                .is_ok());
        }
        let dir = std::env::temp_dir().join(format!("netsec-auth-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let got = h.download(
            &format!("{}/files/b.whl", other.base),
            &dir.join("b.whl"),
            10,
            &auth,
        );
        assert!(got.is_ok());
        let _ = std::fs::remove_dir_all(&dir);
        // base64("user:pa@ss")
        for head in index.heads() {
            assert!(
                head.to_ascii_lowercase()
                    .contains("authorization: basic dxnlcjpwyubzcw=="),
                "{head}"
            );
            assert!(!head.contains("user:"), "{head}");
        }
        let heads = other.heads();
        assert_eq!(heads.len(), 1);
        assert!(
            heads
                .iter()
                .all(|h| !h.to_ascii_lowercase().contains("authorization")),
            "{heads:?}"
        );
    }

    #[test]
    fn download_progress_is_rate_limited_and_sees_the_last_byte() {
        // 12 pieces of 10 000 bytes, 50 ms apart: about 600 ms of body.
        let srv = serve(Arc::new(|_, s| {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: 120000\r\nConnection: close\r\n\r\n"
            );
            for _ in 0..12 {
                if s.write_all(&[b'y'; 10_000])
                    .and_then(|()| s.flush())
                    .is_err()
                {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }));
        let h = http(quick());
        let dir = std::env::temp_dir().join(format!("netsec-progress-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let calls = std::sync::Mutex::new(Vec::new());
        let report = |done: u64, total: Option<u64>| {
            if let Ok(mut c) = calls.lock() {
                c.push((Instant::now(), done, total));
            }
        };
        let got = h.download_with_progress(
            &format!("{}/f.whl", srv.base),
            &dir.join("f.whl"),
            1 << 30,
            &Credentials::default(),
            Some(&report),
        );
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(got.ok().map(|(_, n)| n), Some(120_000));
        let calls = calls.into_inner().unwrap_or_default();
        // Far fewer reports than reads, the last one complete.
        assert!(calls.len() >= 2, "{calls:?}");
        assert!(calls.len() <= 6, "{} reports", calls.len());
        assert_eq!(
            calls.last().map(|c| (c.1, c.2)),
            Some((120_000, Some(120_000)))
        );
        // Every report but the final one is at least PROGRESS_EVERY after the one before.
        let timed = calls.get(..calls.len() - 1).unwrap_or_default();
        for pair in timed.windows(2) {
            if let [a, b] = pair {
                assert!(b.0.duration_since(a.0) >= PROGRESS_EVERY, "{calls:?}");
                assert!(b.1 >= a.1);
            }
        }
        assert!(calls.iter().all(|c| c.2 == Some(120_000)));
    }

    /// Headers, then one byte every `every` for ever.
    fn drip(every: Duration) -> Arc<Reply> {
        Arc::new(move |_, s| {
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n"
            );
            for _ in 0..100_000 {
                if s.write_all(b"x").and_then(|()| s.flush()).is_err() {
                    return;
                }
                std::thread::sleep(every);
            }
        })
    }

    #[test]
    fn a_dripping_document_ends_within_its_budget() {
        let srv = serve(drip(Duration::from_millis(50)));
        let h = http(HttpConfig {
            timeout: Duration::from_millis(500),
            document_budget: Duration::from_secs(2),
            ..quick()
        });
        let started = Instant::now();
        let e = failed(h.fetch(
            &format!("{}/p", srv.base),
            "*/*",
            1 << 30,
            "doc",
            &Credentials::default(),
        ));
        let took = started.elapsed();
        assert_eq!(e.kind(), ErrorKind::NetworkError);
        assert!(took < Duration::from_secs(4), "{took:?}");
    }

    #[test]
    fn a_dripping_download_fails_the_minimum_throughput() {
        let srv = serve(drip(Duration::from_millis(20)));
        let h = http(HttpConfig {
            min_rate: MinRate {
                grace: Duration::from_millis(500),
                window: Duration::from_millis(500),
                bytes: 10_000,
            },
            ..quick()
        });
        let dir = std::env::temp_dir().join(format!("netsec-drip-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let started = Instant::now();
        let r = h.download(
            &format!("{}/f.whl", srv.base),
            &dir.join("f.whl"),
            1 << 30,
            &Credentials::default(),
        );
        let took = started.elapsed();
        let _ = std::fs::remove_dir_all(&dir);
        let e = r.err().unwrap_or_else(|| unreachable!("the drip finished"));
        assert_eq!(e.kind(), ErrorKind::NetworkError);
        assert!(e.detail().contains("too slow"), "{}", e.detail());
        assert!(took < Duration::from_secs(4), "{took:?}");
        // not retried
        assert_eq!(srv.heads().len(), 1);
    }

    #[test]
    fn proxy_passwords_never_reach_messages() {
        for proxy in ["http://u:pw-s3cret@[bad", "u:pw-s3cret@[bad"] {
            let e = Http::new(HttpConfig {
                proxy: Some(proxy.to_owned()),
                ..quick()
            })
            .err()
            .unwrap_or_else(|| unreachable!("a bad proxy was accepted"));
            assert_eq!(e.kind(), ErrorKind::UsageError);
            assert!(!e.detail().contains("s3cret"), "{}", e.detail());
        }
    }

    #[test]
    fn scrub_removes_known_secrets_in_any_form() {
        let h = http(quick());
        let auth =
            Credentials::from_urls(&["https://__token__:tok%2Fs3cret@h.example/simple".to_owned()]);
        let e = net("x tok/s3cret y tok%2Fs3cret https://a:b@h/".to_owned());
        let e = h.scrub(e, &auth);
        assert_eq!(e.kind(), ErrorKind::NetworkError);
        assert!(!e.detail().contains("s3cret"), "{}", e.detail());
        assert!(!e.detail().contains("a:b@"), "{}", e.detail());
    }

    #[test]
    fn tls_failures_are_not_retried() {
        // a server that answers plain HTTP at once to whatever it is sent
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| unreachable!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let accepted = Arc::new(Mutex::new(0u32));
        let count = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                if let Ok(mut n) = count.lock() {
                    *n += 1;
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let h = http(quick());
        let e = failed(h.fetch(
            &format!("https://127.0.0.1:{port}/x"),
            "*/*",
            10,
            "doc",
            &Credentials::default(),
        ));
        assert_eq!(e.kind(), ErrorKind::NetworkError);
        assert!(e.detail().contains("after 1 attempt"), "{}", e.detail());
        assert_eq!(accepted.lock().map(|n| *n).unwrap_or_default(), 1);
    }
}
