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
