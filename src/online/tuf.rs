// SPDX-License-Identifier: Apache-2.0
//! Refresh Sigstore's trust through TUF (issue 12): our HTTP client as the
//! TUF transport; the verification itself is `sigstore-tuf`, behind the
//! adapter. Only verified metadata reaches the cache.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::adapter::tuf::{self, TufFetch};
use crate::error::{Error, ErrorKind, Result};
use crate::online::Http;
use crate::trust_root::{self, Trust, TrustStatus, TrustedRoot};

/// The file (ours, not TUF's) whose mtime records the last successful refresh.
pub const LAST_REFRESH: &str = "last-refresh";

/// The suffix of the file (ours, beside the cache folder, never inside it:
/// a failed refresh writes nothing into the cache) whose mtime records the
/// last failed refresh: online commands wait [`RETRY_AFTER_FAILURE`] before trying again, so a network
/// that silently drops traffic costs one timeout per hour, not one per run.
pub const LAST_FAILURE: &str = ".last-failed-refresh";

fn failure_marker(dir: &Path) -> PathBuf {
    let mut name = dir.as_os_str().to_owned();
    name.push(LAST_FAILURE);
    PathBuf::from(name)
}

/// How long online commands wait after a failed refresh before the next
/// automatic try (`pip-verify trust update` always tries).
pub const RETRY_AFTER_FAILURE: std::time::Duration = std::time::Duration::from_secs(3600);

struct Fetcher {
    http: Arc<Http>,
    base: String,
}

impl TufFetch for Fetcher {
    fn get(&self, path: &str, max_len: u64) -> Result<Option<Vec<u8>>> {
        self.http
            .fetch_tuf(&format!("{}/{path}", self.base), max_len)
    }
}

/// Where a refresh writes: `cache_dir` (see [`trust_root::cache_base`]) +
/// `tuf/<url>`.
///
/// # Errors
/// `UsageError` when no cache directory can be found (no `HOME`).
pub fn cache_dir_for(cache_base: Option<&Path>, tuf_url: &str) -> Result<PathBuf> {
    trust_root::cache_base(cache_base)
        .map(|b| trust_root::tuf_cache_dir(&b, tuf_url))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::UsageError,
                "2.6",
                "no cache directory: set SLSA_VERIFY_CACHE_DIR or pass --trust-cache",
            )
        })
}

/// Refresh the trust of `tuf_url` (default Sigstore's production TUF CDN)
/// into its cache under `cache_base`, verifying from `pinned` (default the
/// pinned production root) with `now` for the TUF expiry checks.
///
/// # Errors
/// `TrustRootStale` (expired metadata), `TrustUpdateFailed` (signatures,
/// rollback, hashes), `InputTooLarge`, `NetworkError`, `TrustRootInvalid`
/// if the authorised target is not a usable trusted root, `UsageError`.
pub fn refresh(
    http: Arc<Http>,
    tuf_url: Option<&str>,
    cache_base: Option<&Path>,
    now: jiff::Timestamp,
    pinned: Option<&[u8]>,
) -> Result<Trust> {
    let url = tuf_url.unwrap_or(trust_root::DEFAULT_TUF_URL);
    let dir = cache_dir_for(cache_base, url)?;
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::new(
            ErrorKind::UsageError,
            "2.6",
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    let fetch = Arc::new(Fetcher {
        http,
        base: url.trim_end_matches('/').to_owned(),
    });
    let pinned = pinned.unwrap_or(trust_root::PINNED_TUF_ROOT);
    let outcome = tuf::refresh(pinned, fetch, &dir, now).and_then(|state| {
        TrustedRoot::from_json(&state.trusted_root, &format!("TUF cache {}", dir.display()))
            .map(|root| (state, root))
    });
    // Scheduling hints only (when to try next), never trust input.
    let (state, root) = match outcome {
        Ok(ok) => {
            let _ = std::fs::remove_file(failure_marker(&dir));
            let _ = std::fs::write(dir.join(LAST_REFRESH), now.to_string());
            ok
        }
        Err(e) => {
            let _ = std::fs::write(failure_marker(&dir), e.kind().code());
            return Err(e);
        }
    };
    Ok(Trust {
        root,
        status: TrustStatus {
            source: "cache",
            location: dir.display().to_string(),
            tuf_url: Some(url.to_owned()),
            trusted_root_sha256: crate::io::hex(
                ring::digest::digest(&ring::digest::SHA256, &state.trusted_root).as_ref(),
            ),
            tuf: Some(state),
            notes: Vec::new(),
        },
    })
}

/// How long until the next automatic refresh may be tried, when the last
/// try failed less than [`RETRY_AFTER_FAILURE`] ago; `None` otherwise.
#[must_use]
pub fn retry_wait(cache_base: Option<&Path>, tuf_url: Option<&str>) -> Option<std::time::Duration> {
    let url = tuf_url.unwrap_or(trust_root::DEFAULT_TUF_URL);
    let dir = cache_dir_for(cache_base, url).ok()?;
    let age = std::fs::metadata(failure_marker(&dir))
        .and_then(|m| m.modified())
        .ok()?
        .elapsed()
        .ok()?;
    RETRY_AFTER_FAILURE
        .checked_sub(age)
        .filter(|w| !w.is_zero())
}

/// Whether the last successful refresh of this cache was more than
/// `max_age` ago (or never happened).
#[must_use]
pub fn refresh_due(
    cache_base: Option<&Path>,
    tuf_url: Option<&str>,
    max_age: std::time::Duration,
) -> bool {
    let url = tuf_url.unwrap_or(trust_root::DEFAULT_TUF_URL);
    let Ok(dir) = cache_dir_for(cache_base, url) else {
        return true;
    };
    std::fs::metadata(dir.join(LAST_REFRESH))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_none_or(|age| age > max_age)
}
