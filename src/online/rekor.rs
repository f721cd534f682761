// SPDX-License-Identifier: Apache-2.0
//! Spec §4.9.3: ask a Rekor v1 log for the entries of a legacy envelope.
//! Only the transport lives here; every answer is untrusted input that
//! `legacy::check_entry` and the bundle path then verify.

use url::Url;

use super::http::{display_url, net, Credentials, Http, Miss};
use crate::error::{Error, ErrorKind, Result};
use crate::legacy::{self, LegacyEnvelope, LogEntry};

/// The public-good Rekor v1 log.
pub const DEFAULT_REKOR_URL: &str = "https://rekor.sigstore.dev";

/// The most a Rekor entry answer may weigh.
const ENTRY_LIMIT: u64 = 1 << 20;

/// Check `--rekor-url`: https, or http to 127.0.0.1 (tests); no userinfo,
/// query or fragment.
///
/// # Errors
/// `UsageError`.
pub fn check_url(rekor_url: &str) -> Result<Url> {
    let usage = |d: String| Error::new(ErrorKind::UsageError, "4.9.3", d);
    let u = Url::parse(rekor_url).map_err(|e| usage(format!("--rekor-url {rekor_url}: {e}")))?;
    let loopback = u.scheme() == "http" && u.host_str() == Some("127.0.0.1");
    if u.scheme() != "https" && !loopback {
        return Err(usage(format!(
            "--rekor-url must be an https URL (http only to 127.0.0.1), not {}",
            display_url(&u)
        )));
    }
    if !u.username().is_empty() || u.password().is_some() || u.query().is_some() {
        return Err(usage(
            "--rekor-url takes no credentials and no query".into(),
        ));
    }
    Ok(u)
}

/// `verify_wheel` with the §4.9 look-up: legacy envelope lines are bound
/// to their entry in the Rekor log at `rekor_url` (checked by [`check_url`]).
///
/// # Errors
/// As `wheel::verify_wheel_with`, plus `UsageError` for an unusable URL.
pub fn verify_wheel(
    artifact: &std::path::Path,
    digest: Option<&[u8; 32]>,
    data: Option<&[u8]>,
    provenance: Option<&std::path::Path>,
    policy: &crate::Policy,
    root: &crate::TrustedRoot,
    rekor_url: &str,
) -> Result<crate::Verification> {
    check_url(rekor_url)?;
    let http = Http::new(super::HttpConfig::default())?;
    let find = |env: &LegacyEnvelope| lookup(&http, rekor_url, env);
    crate::wheel::verify_wheel_with(
        artifact,
        digest,
        data,
        provenance,
        policy,
        root,
        Some(&find),
    )
}

/// GET `/api/v1/log/entries/{uuid}` for every candidate body of `env`.
/// Returns the entries the log answered (possibly none); 404 means "no
/// such entry". A redirect, a status other than 200/404, an oversized or
/// unparsable answer is a `NetworkError`: nothing is trusted from it.
///
/// # Errors
/// `UsageError` (URL), `NetworkError`.
pub fn lookup(http: &Http, rekor_url: &str, env: &LegacyEnvelope) -> Result<Vec<LogEntry>> {
    let base = check_url(rekor_url)?;
    let none = Credentials::default();
    let mut found = Vec::new();
    for c in env.candidates() {
        let mut url = base.clone();
        let path = format!(
            "{}/api/v1/log/entries/{}",
            base.path().trim_end_matches('/'),
            c.uuid
        );
        url.set_path(&path);
        let requested = url.to_string();
        let fetched = match http.fetch(
            &requested,
            "application/json",
            ENTRY_LIMIT,
            "Rekor entry",
            &none,
        ) {
            Ok(f) => f,
            Err(Miss::NotFound) => continue,
            Err(Miss::Failed(e)) => return Err(e),
        };
        if fetched.url != requested {
            return Err(net(format!(
                "Rekor entry {}: the log redirected to {}; redirects are refused",
                c.uuid, fetched.url
            )));
        }
        let entries = legacy::parse_log_answer(&fetched.body).map_err(|e| {
            net(format!(
                "Rekor at {} answered something that is not a log entry: {}",
                display_url(&base),
                e.detail()
            ))
        })?;
        found.extend(entries.into_iter().map(|(_, e)| e));
    }
    Ok(found)
}
