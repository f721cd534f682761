// SPDX-License-Identifier: Apache-2.0
//! Which trusted root a verification uses (spec §2.6): the embedded
//! public-good production or staging root, parsed once per process, or a
//! caller-supplied `trusted_root.json`.

use std::sync::{Arc, OnceLock};

use crate::adapter::{self, TrustMaterial};
use crate::error::{Error, ErrorKind, Result};
use crate::limits;

/// A validated trusted root, cheap to clone and share between threads.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    inner: Arc<TrustMaterial>,
    name: String,
    tlog_ids: Arc<Vec<Vec<u8>>>,
    tsa_certs: Arc<Vec<Vec<u8>>>,
}

static PRODUCTION: OnceLock<Result<TrustedRoot>> = OnceLock::new();
static STAGING: OnceLock<Result<TrustedRoot>> = OnceLock::new();

impl TrustedRoot {
    /// The Sigstore public-good production root embedded in this build.
    ///
    /// # Errors
    /// `TrustRootInvalid` if the embedded root does not validate (a build defect).
    pub fn production() -> Result<Self> {
        PRODUCTION
            .get_or_init(|| {
                Self::from_json(adapter::PRODUCTION_ROOT.as_bytes(), "embedded production")
            })
            .clone()
    }

    /// The Sigstore public-good staging root embedded in this build.
    ///
    /// # Errors
    /// `TrustRootInvalid` if the embedded root does not validate.
    pub fn staging() -> Result<Self> {
        STAGING
            .get_or_init(|| Self::from_json(adapter::STAGING_ROOT.as_bytes(), "embedded staging"))
            .clone()
    }

    /// Parse a `trusted_root.json` document.
    ///
    /// # Errors
    /// `TrustRootInvalid` (or `InputTooLarge`, `MalformedJson`).
    pub fn from_json(bytes: &[u8], name: &str) -> Result<Self> {
        let value = crate::json::parse_as(
            bytes,
            limits::TRUST_ROOT,
            "trusted root",
            ErrorKind::TrustRootInvalid,
            "2.1",
        )?;
        check_validity_starts(&value)?;
        let text = std::str::from_utf8(bytes)
            .map_err(|e| Error::new(ErrorKind::TrustRootInvalid, "2.1", e.to_string()))?;
        let tlog_ids = value
            .get("tlogs")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|t| t.pointer("/logId/keyId").and_then(|k| k.as_str()))
            .filter_map(|k| crate::bundle::decode_b64(k, ErrorKind::TrustRootInvalid, "2.4").ok())
            .collect();
        // Every certificate of every timestamp authority (DER), for the
        // embedded-certificate rule of RFC 3161 tokens (`tsr.rs`).
        let tsa_certs = value
            .get("timestampAuthorities")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|t| {
                t.pointer("/certChain/certificates")
                    .and_then(|c| c.as_array())
            })
            .flatten()
            .filter_map(|c| c.get("rawBytes").and_then(|r| r.as_str()))
            .map(|r| crate::bundle::decode_b64(r, ErrorKind::TrustRootInvalid, "2.2"))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            inner: Arc::new(TrustMaterial::from_json(text)?),
            name: name.to_owned(),
            tlog_ids: Arc::new(tlog_ids),
            tsa_certs: Arc::new(tsa_certs),
        })
    }

    /// Read and parse a `trusted_root.json` file.
    ///
    /// # Errors
    /// `UsageError` if unreadable; otherwise as [`TrustedRoot::from_json`].
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        let bytes = crate::io::read_limited(path, limits::TRUST_ROOT, "trusted root")?;
        Self::from_json(&bytes, &path.display().to_string())
    }

    /// Where this root came from.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// §4.2: is `log_id` (raw bytes) a transparency log of this root?
    #[must_use]
    pub fn knows_tlog(&self, log_id: &[u8]) -> bool {
        self.tlog_ids.iter().any(|id| id == log_id)
    }

    /// The DER certificates of the root's timestamp authorities.
    pub(crate) fn tsa_certificates(&self) -> &[Vec<u8>] {
        &self.tsa_certs
    }

    pub(crate) fn material(&self) -> &TrustMaterial {
        &self.inner
    }
}

/// §2.2.1: every tlog and ctlog key needs `validFor.start`; a missing start
/// must not be read as "unbounded" (conformance
/// `trust-root-tlog-missing-validity-start_fail`). §2.2.4: a CA or TSA
/// `validFor`, when present, needs its start too.
fn check_validity_starts(root: &serde_json::Value) -> Result<()> {
    let bad = |d: String| Error::new(ErrorKind::TrustRootInvalid, "2.2.1", d);
    for list in ["tlogs", "ctlogs"] {
        for (i, log) in root
            .get(list)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .enumerate()
        {
            let start = log.pointer("/publicKey/validFor/start");
            if start.and_then(|s| s.as_str()).is_none() {
                return Err(bad(format!(
                    "{list}[{i}].publicKey.validFor.start is missing"
                )));
            }
        }
    }
    for list in ["certificateAuthorities", "timestampAuthorities"] {
        for (i, ca) in root
            .get(list)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(vf) = ca.get("validFor") {
                if vf.get("start").and_then(|s| s.as_str()).is_none() {
                    return Err(bad(format!("{list}[{i}].validFor.start is missing")));
                }
            }
        }
    }
    Ok(())
}

/// Sigstore's production TUF repository.
pub const DEFAULT_TUF_URL: &str = "https://tuf-repo-cdn.sigstore.dev";

/// Sigstore's production TUF root this build pins (v16). Every TUF set, the
/// vendored one and any cache, is verified forward from it.
pub const PINNED_TUF_ROOT: &[u8] = include_bytes!("trust/root.json");

/// The TUF metadata that authorises the embedded production `trusted_root.json`.
const VENDORED_SET: [(&str, &[u8]); 3] = [
    ("timestamp.json", include_bytes!("trust/timestamp.json")),
    ("snapshot.json", include_bytes!("trust/snapshot.json")),
    ("targets.json", include_bytes!("trust/targets.json")),
];

pub use crate::adapter::tuf::{RoleState, TufState};

/// Which trust material a verification used, and how old it is.
#[derive(Debug, Clone)]
pub struct TrustStatus {
    /// `cache` (a verified TUF refresh), `vendored` (the set in this build)
    /// or `file` (`--trusted-root`).
    pub source: &'static str,
    /// The cache directory, `embedded`, or the file's path.
    pub location: String,
    /// The TUF repository the cache came from.
    pub tuf_url: Option<String>,
    /// The TUF metadata that authorised the root (none for `file`).
    pub tuf: Option<TufState>,
    /// SHA-256 of the `trusted_root.json` in use (hex).
    pub trusted_root_sha256: String,
    /// Why a cache was not used, and similar.
    pub notes: Vec<String>,
}

impl TrustStatus {
    /// When the TUF timestamp that authorised this root was signed.
    #[must_use]
    pub fn signed_at(&self) -> Option<jiff::Timestamp> {
        self.tuf.as_ref().map(TufState::signed_at)
    }

    /// Whole days between the signing time and `now` (None for `file`).
    #[must_use]
    pub fn age_days(&self, now: jiff::Timestamp) -> Option<i64> {
        self.signed_at()
            .map(|t| now.as_second().saturating_sub(t.as_second()) / 86_400)
    }

    /// Fail with `TrustRootStale` when the material is older than `max_days`.
    ///
    /// # Errors
    /// `TrustRootStale`.
    pub fn check_age(&self, now: jiff::Timestamp, max_days: Option<u32>) -> Result<()> {
        match (self.age_days(now), max_days) {
            (Some(age), Some(max)) if age > i64::from(max) => Err(Error::new(
                ErrorKind::TrustRootStale,
                "2.6",
                format!(
                    "the {} trusted root was signed {age} days ago, more than --max-trust-age {max}; \
                     run `pip-verify trust update`",
                    self.source
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The report `trust show --json` prints; ages are measured at `now`.
    #[must_use]
    pub fn to_json(&self, now: jiff::Timestamp) -> serde_json::Value {
        let role = |r: &RoleState| serde_json::json!({"version": r.version, "expires": r.expires.to_string()});
        serde_json::json!({
            "source": self.source,
            "location": self.location,
            "tuf_url": self.tuf_url,
            "root": self.tuf.as_ref().map(|t| role(&t.root)),
            "timestamp": self.tuf.as_ref().map(|t| role(&t.timestamp)),
            "snapshot": self.tuf.as_ref().map(|t| role(&t.snapshot)),
            "targets": self.tuf.as_ref().map(|t| role(&t.targets)),
            "signed_at": self.signed_at().map(|t| t.to_string()),
            "signed_age_days": self.age_days(now),
            "trusted_root_sha256": self.trusted_root_sha256,
            "notes": self.notes,
        })
    }
}

/// A trusted root with the status of the material it came from.
#[derive(Debug, Clone)]
pub struct Trust {
    /// The root to verify with.
    pub root: TrustedRoot,
    /// Where it came from.
    pub status: TrustStatus,
}

fn sha256_hex(bytes: &[u8]) -> String {
    crate::io::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

static VENDORED: OnceLock<Result<Trust>> = OnceLock::new();

/// The vendored TUF set, re-verified from [`PINNED_TUF_ROOT`] at its own
/// signing time, authorising the embedded production root.
///
/// # Errors
/// `TrustUpdateFailed` if the set does not verify (a build defect).
pub fn vendored() -> Result<Trust> {
    VENDORED
        .get_or_init(|| {
            let load = |name: &str| -> Option<Vec<u8>> {
                if name == "targets/trusted_root.json" {
                    return Some(adapter::PRODUCTION_ROOT.as_bytes().to_vec());
                }
                VENDORED_SET
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, b)| b.to_vec())
            };
            let state = adapter::tuf::verify_set(PINNED_TUF_ROOT, &load, None)?;
            Ok(Trust {
                root: TrustedRoot::production()?,
                status: TrustStatus {
                    source: "vendored",
                    location: "embedded".to_owned(),
                    tuf_url: Some(DEFAULT_TUF_URL.to_owned()),
                    trusted_root_sha256: sha256_hex(&state.trusted_root),
                    tuf: Some(state),
                    notes: Vec::new(),
                },
            })
        })
        .clone()
}

/// Verify a TUF set offline from `pinned` at its timestamp's signing time
/// (see [`current`]); `load` gives each file by its cache name.
///
/// # Errors
/// `TrustUpdateFailed`, `TrustRootStale`.
pub fn verify_tuf_set(pinned: &[u8], load: &dyn Fn(&str) -> Option<Vec<u8>>) -> Result<TufState> {
    adapter::tuf::verify_set(pinned, load, None)
}

/// The directory name of a TUF repository's cache: the URL without a
/// trailing slash, every byte outside `A-Za-z0-9-_.~` percent-encoded.
#[must_use]
pub fn url_dir_name(tuf_url: &str) -> String {
    let mut out = String::new();
    for b in tuf_url.trim_end_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// This tool's cache directory: `base` if given, else `$SLSA_VERIFY_CACHE_DIR`,
/// else the platform's user cache (`$XDG_CACHE_HOME` or `~/.cache` on Linux,
/// `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows) + `slsa-verify-rs`.
#[must_use]
pub fn cache_base(base: Option<&std::path::Path>) -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    if let Some(b) = base {
        return Some(b.to_path_buf());
    }
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = env("SLSA_VERIFY_CACHE_DIR") {
        return Some(d);
    }
    let user = if cfg!(windows) {
        env("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library").join("Caches"))
    } else {
        env("XDG_CACHE_HOME").or_else(|| env("HOME").map(|h| h.join(".cache")))
    };
    user.map(|u| u.join("slsa-verify-rs"))
}

/// Where the verified TUF cache of `tuf_url` lives under `base`.
#[must_use]
pub fn tuf_cache_dir(base: &std::path::Path, tuf_url: &str) -> std::path::PathBuf {
    base.join("tuf").join(url_dir_name(tuf_url))
}

/// A TUF cache directory re-verified offline from [`PINNED_TUF_ROOT`].
///
/// # Errors
/// `TrustUpdateFailed`/`TrustRootStale` if it does not verify;
/// `TrustRootInvalid` if its trusted root does not parse.
pub fn from_cache(dir: &std::path::Path, tuf_url: &str) -> Result<Trust> {
    from_cache_with_root(dir, tuf_url, PINNED_TUF_ROOT)
}

pub(crate) fn from_cache_with_root(
    dir: &std::path::Path,
    tuf_url: &str,
    pinned: &[u8],
) -> Result<Trust> {
    let load = adapter::tuf::dir_loader(dir);
    let state = adapter::tuf::verify_set(pinned, &load, None)?;
    let root =
        TrustedRoot::from_json(&state.trusted_root, &format!("TUF cache {}", dir.display()))?;
    Ok(Trust {
        root,
        status: TrustStatus {
            source: "cache",
            location: dir.display().to_string(),
            tuf_url: Some(tuf_url.to_owned()),
            trusted_root_sha256: sha256_hex(&state.trusted_root),
            tuf: Some(state),
            notes: Vec::new(),
        },
    })
}

/// The freshest verified trust on disk, without the network: the TUF cache
/// of `tuf_url` under `base` (see [`cache_base`]) when it re-verifies from
/// the pinned root and is not older than the vendored set, else the vendored
/// set, with a note saying why the cache was not used.
///
/// # Errors
/// Only if the vendored set fails (a build defect).
pub fn current(base: Option<&std::path::Path>, tuf_url: Option<&str>) -> Result<Trust> {
    let url = tuf_url.unwrap_or(DEFAULT_TUF_URL);
    let mut vendored = vendored()?;
    let Some(dir) = cache_base(base).map(|b| tuf_cache_dir(&b, url)) else {
        return Ok(vendored);
    };
    if !dir.join("timestamp.json").exists() {
        return Ok(vendored);
    }
    let note = match from_cache(&dir, url) {
        Ok(cache) => {
            let newer = |c: &Trust, v: &Trust| match (&c.status.tuf, &v.status.tuf) {
                (Some(c), Some(v)) => c.timestamp.version >= v.timestamp.version,
                _ => false,
            };
            if newer(&cache, &vendored) {
                return Ok(cache);
            }
            format!(
                "the TUF cache {} is older than the vendored trust; using the vendored trust",
                dir.display()
            )
        }
        Err(e) => format!(
            "the TUF cache {} did not verify ({e}); using the vendored trust",
            dir.display()
        ),
    };
    vendored.status.notes.push(note);
    Ok(vendored)
}

/// A caller's `trusted_root.json` file with its status (source `file`).
///
/// # Errors
/// As [`TrustedRoot::from_file`].
pub fn from_file_with_status(path: &std::path::Path) -> Result<Trust> {
    let bytes = crate::io::read_limited(path, limits::TRUST_ROOT, "trusted root")?;
    Ok(Trust {
        root: TrustedRoot::from_json(&bytes, &path.display().to_string())?,
        status: TrustStatus {
            source: "file",
            location: path.display().to_string(),
            tuf_url: None,
            tuf: None,
            trusted_root_sha256: sha256_hex(&bytes),
            notes: Vec::new(),
        },
    })
}
