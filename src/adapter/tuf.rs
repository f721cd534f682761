// SPDX-License-Identifier: Apache-2.0
//! Sigstore's TUF repository through `sigstore-tuf` (the boundary rule keeps
//! the crate here). In: a pinned TUF root, a fetcher (`online/` supplies one
//! over our HTTP client) or a directory of already-fetched metadata, and a
//! clock for the TUF expiry checks. Out: the `trusted_root.json` target TUF
//! authorised, with the versions and expiries of the metadata that did.
//!
//! The crate's futures are driven by one poll with a no-op waker: our
//! transport answers synchronously, so every future is already complete when
//! it is first polled and no executor is needed.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use sigstore_tuf::transport::FetchFuture;
use sigstore_tuf::{
    Error as TE, FileStore, Metadata, MetadataStore, Repository, Timestamp, TrustedMetadataSet,
    Updater,
};

use crate::error::{Error, ErrorKind, Result};

/// The TUF target holding the Sigstore trusted root.
pub const TRUSTED_ROOT_TARGET: &str = "trusted_root.json";

/// Sigstore's online timestamp role is signed for 7 days: its signing time
/// is its expiry minus this.
pub const TIMESTAMP_LIFETIME_SECS: i64 = 7 * 24 * 3600;

/// Fetches files of a TUF repository by path relative to its base URL
/// (`16.root.json`, `timestamp.json`, `targets/<sha256>.trusted_root.json`).
pub trait TufFetch: Send + Sync {
    /// At most `max_len` bytes of `path`; `Ok(None)` when the repository says
    /// the file does not exist (404, 403 or 410).
    ///
    /// # Errors
    /// `NetworkError`, or `InputTooLarge` for a body over `max_len`.
    fn get(&self, path: &str, max_len: u64) -> Result<Option<Vec<u8>>>;
}

/// One role's version and expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleState {
    /// Its version.
    pub version: u64,
    /// When it expires.
    pub expires: jiff::Timestamp,
}

/// What one verification of TUF metadata established.
#[derive(Debug, Clone)]
pub struct TufState {
    /// The trusted TUF root after walking its chain.
    pub root: RoleState,
    /// The timestamp role.
    pub timestamp: RoleState,
    /// The snapshot role.
    pub snapshot: RoleState,
    /// The top-level targets role.
    pub targets: RoleState,
    /// The `trusted_root.json` bytes, whose length and hash targets pins.
    pub trusted_root: Vec<u8>,
}

impl TufState {
    /// When the timestamp was signed: its expiry minus Sigstore's 7-day lifetime.
    #[must_use]
    pub fn signed_at(&self) -> jiff::Timestamp {
        signed_at(self.timestamp.expires)
    }
}

fn signed_at(expires: jiff::Timestamp) -> jiff::Timestamp {
    expires
        .checked_sub(jiff::SignedDuration::from_secs(TIMESTAMP_LIFETIME_SECS))
        .unwrap_or(expires)
}

/// Our fetcher as the crate's transport. Its futures are complete on return.
struct Transport(Arc<dyn TufFetch>);

impl Repository for Transport {
    fn fetch_metadata<'a>(&'a self, name: &'a str, max_length: u64) -> FetchFuture<'a> {
        let res = self.0.get(name, max_length).map_err(transport_error);
        Box::pin(std::future::ready(res))
    }

    fn fetch_target<'a>(&'a self, path: &'a str, max_length: u64) -> FetchFuture<'a> {
        let res = self
            .0
            .get(&format!("targets/{path}"), max_length)
            .map_err(transport_error);
        Box::pin(std::future::ready(res))
    }
}

fn transport_error(e: Error) -> TE {
    TE::transport_with_source(e.detail().to_owned(), e)
}

/// Poll `fut` once; our transport makes every future ready at first poll.
fn run<T>(fut: impl Future<Output = sigstore_tuf::Result<T>>) -> Result<T> {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(r) => r.map_err(|e| map_error(&e)),
        Poll::Pending => Err(Error::new(
            ErrorKind::TrustUpdateFailed,
            "2.6",
            "the TUF client waited on a transport that is not synchronous",
        )),
    }
}

/// The crate's error as one of ours. A transport error carries ours inside.
fn map_error(e: &TE) -> Error {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(ours) = cause.downcast_ref::<Error>() {
            return ours.clone();
        }
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    let kind = match e {
        TE::Expired { .. } => ErrorKind::TrustRootStale,
        TE::Transport { .. } => ErrorKind::NetworkError,
        _ => ErrorKind::TrustUpdateFailed,
    };
    let what = match e {
        TE::Expired { .. } => "TUF metadata expired",
        TE::Rollback { .. } => "TUF rollback refused",
        TE::IntegrityMismatch(_) => "TUF length or hash mismatch",
        TE::ThresholdNotMet { .. } | TE::DuplicateSignature { .. } | TE::Crypto(_) => {
            "TUF signatures do not verify"
        }
        _ => "TUF update failed",
    };
    Error::new(kind, "2.6", format!("{what}: {text}"))
}

fn role<T: sigstore_tuf::metadata::Role>(r: &T) -> RoleState {
    RoleState {
        version: r.version(),
        expires: r.expires(),
    }
}

fn state(set: &TrustedMetadataSet, trusted_root: Vec<u8>) -> Result<TufState> {
    let missing = || {
        Error::new(
            ErrorKind::TrustUpdateFailed,
            "2.6",
            "TUF refresh ended without timestamp, snapshot and targets",
        )
    };
    Ok(TufState {
        root: role(set.root()),
        timestamp: role(set.timestamp().ok_or_else(missing)?),
        snapshot: role(set.snapshot().ok_or_else(missing)?),
        targets: role(set.targets_role("targets").ok_or_else(missing)?),
        trusted_root,
    })
}

/// Run the TUF client workflow against a repository, starting from the
/// pinned `root` and the verified cache in `cache_dir` (created if absent;
/// only verified metadata is ever written to it), with `now` for expiry.
///
/// # Errors
/// `TrustRootStale` (expired metadata), `TrustUpdateFailed` (signatures,
/// rollback, hashes, malformed metadata), `NetworkError`, `InputTooLarge`.
pub(crate) fn refresh(
    root: &[u8],
    fetch: Arc<dyn TufFetch>,
    cache_dir: &Path,
    now: jiff::Timestamp,
) -> Result<TufState> {
    super::provider::install();
    let mut updater = Updater::new(Transport(fetch), root)
        .map_err(|e| map_error(&e))?
        .with_store(FileStore::new(cache_dir));
    run(updater.refresh(now))?;
    let bytes = run(updater.get_target(TRUSTED_ROOT_TARGET, now))?;
    state(updater.trusted(), bytes)
}

/// Re-verify a complete set of TUF metadata offline from the pinned `root`:
/// `load(name)` gives `root_history/N.root.json`, `timestamp.json`,
/// `snapshot.json`, `targets.json` and `targets/trusted_root.json` (the
/// layout of the cache `refresh` writes). Expiry is checked at `clock`, or
/// when `None` at the timestamp's own signing time (expiry minus 7 days):
/// offline use proves authenticity and reports age instead of refusing
/// material only because its online freshness window has passed.
///
/// # Errors
/// As [`refresh`]; `TrustUpdateFailed` when a file is missing.
pub fn verify_set(
    root: &[u8],
    load: &dyn Fn(&str) -> Option<Vec<u8>>,
    clock: Option<jiff::Timestamp>,
) -> Result<TufState> {
    let need = |name: &str| {
        load(name).ok_or_else(|| {
            Error::new(
                ErrorKind::TrustUpdateFailed,
                "2.6",
                format!("the TUF set has no {name}"),
            )
        })
    };
    super::provider::install();
    let wrap = |e: TE| map_error(&e);
    let mut set = TrustedMetadataSet::from_root(root).map_err(wrap)?;
    // Walk the root chain forward as far as the set goes (bounded like the
    // crate's updater).
    for _ in 0..32 {
        let next = set.root().version.saturating_add(1);
        match load(&format!("root_history/{next}.root.json")) {
            Some(bytes) => set.update_root(&bytes).map_err(wrap)?,
            None => break,
        }
    }
    let ts = need("timestamp.json")?;
    let clock = match clock {
        Some(c) => c,
        None => {
            let parsed = Metadata::<Timestamp>::from_slice(&ts).map_err(wrap)?;
            signed_at(parsed.signed().expires)
        }
    };
    set.check_root_expired(clock).map_err(wrap)?;
    set.update_timestamp(&ts, clock).map_err(wrap)?;
    set.update_snapshot(&need("snapshot.json")?, clock)
        .map_err(wrap)?;
    let target = set
        .update_targets(&need("targets.json")?, clock)
        .map_err(wrap)?
        .target(TRUSTED_ROOT_TARGET)
        .cloned()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::TrustUpdateFailed,
                "2.6",
                "the TUF targets role does not list trusted_root.json",
            )
        })?;
    let bytes = need(&format!("targets/{TRUSTED_ROOT_TARGET}"))?;
    check_target(&bytes, target.length, target.hashes.get("sha256"))?;
    state(&set, bytes)
}

fn check_target(bytes: &[u8], length: u64, sha256: Option<&String>) -> Result<()> {
    let bad = |d: String| Error::new(ErrorKind::TrustUpdateFailed, "2.6", d);
    if bytes.len() as u64 != length {
        return Err(bad(format!(
            "TUF length or hash mismatch: trusted_root.json is {} bytes, targets pins {length}",
            bytes.len()
        )));
    }
    let want = sha256.ok_or_else(|| bad("targets pins no sha256 for trusted_root.json".into()))?;
    let got = crate::io::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    if !got.eq_ignore_ascii_case(want) {
        return Err(bad(format!(
            "TUF length or hash mismatch: trusted_root.json has sha256 {got}, targets pins {want}"
        )));
    }
    Ok(())
}

/// A cache directory as a loader for [`verify_set`]: reads are bounded, and
/// names are the fixed ones `verify_set` asks for.
pub fn dir_loader(dir: &Path) -> impl Fn(&str) -> Option<Vec<u8>> + '_ {
    let store = FileStore::new(dir);
    move |name: &str| {
        let path = dir.join(name);
        let len = std::fs::metadata(&path).ok()?.len();
        if len > 5_000_000 {
            return None;
        }
        store.load(name).ok().flatten()
    }
}
