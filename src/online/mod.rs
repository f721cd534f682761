// SPDX-License-Identifier: Apache-2.0
//! Verify-then-install, the network half (product.md, steps 2–3): for one
//! file pip chose, find its provenance on the index, download the file with
//! a streamed hash, and verify it. The only module that uses ureq.

pub mod http;
pub mod index;
pub mod release;
pub mod tuf;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::io::hex;
use crate::limits;
use crate::policy::Policy;
use crate::trust_root::TrustedRoot;
use crate::verify::Verification;
use crate::wheel;

pub use http::{Http, HttpConfig};

/// Project pages can be large (every file of every release).
const PAGE_LIMIT: u64 = 64 << 20;
/// No distribution we download may exceed this (the largest wheels on PyPI
/// are a few GiB).
pub const ARTIFACT_LIMIT: u64 = 16 << 30;

/// One file of pip's resolution (its `--report`).
#[derive(Debug, Clone)]
pub struct FileRequest {
    /// The project name as pip reports it.
    pub project: String,
    /// The version pip chose.
    pub version: String,
    /// `download_info.url`.
    pub url: String,
    /// `download_info.archive_info.hashes.sha256` (lower-case hex).
    pub sha256: String,
    /// Whether the user named this requirement (pip's `requested`).
    pub requested: bool,
}

/// The caller's choices that apply to every file.
#[derive(Debug, Clone)]
pub struct InstallPolicy {
    /// Policy for the requirements the user named; `None` = index-asserted.
    pub explicit: Option<Policy>,
    /// Normalised project names allowed without provenance; `:all:` = any.
    pub allow_unattested: Vec<String>,
    /// The simple-index URLs to look the file up on, in pip's order.
    pub indexes: Vec<String>,
}

/// What happened to one file.
#[derive(Debug, Serialize)]
pub struct FileOutcome {
    /// The file name.
    pub filename: String,
    /// Where the verified bytes are.
    pub path: PathBuf,
    /// Where its provenance was written (`<path>.provenance`), if any.
    pub provenance_path: Option<PathBuf>,
    /// sha256 of the downloaded bytes (equal to the index's).
    pub sha256: String,
    /// `explicit`, `index-asserted` or `unattested-allowed`.
    pub policy: &'static str,
    /// The verification, absent for an allowed unattested file.
    pub verification: Option<Verification>,
    /// Where the provenance came from.
    pub provenance_url: Option<String>,
}

/// Steps 2–3 for one file: look it up on the index, fetch its provenance,
/// download it into `dir`, verify. Writes `<dir>/<filename>` and, when there
/// is provenance, `<dir>/<filename>.provenance`.
///
/// # Errors
/// `NoAttestations` (no provenance and not allowed), `NetworkError`
/// (index unreachable, HTTP status, timeout, size limit, truncation),
/// `DigestMismatch` (the bytes are not the ones the index lists), or the
/// verification's kind.
pub fn fetch_and_verify(
    http: &Http,
    req: &FileRequest,
    policy: &InstallPolicy,
    trust: &TrustedRoot,
    dir: &Path,
) -> Result<FileOutcome> {
    let tail = req
        .url
        .split(['#', '?'])
        .next()
        .and_then(|u| u.rsplit('/').next())
        .unwrap_or("");
    let filename = percent_decode(tail);
    check_filename(&filename)?;
    let want = parse_hex_digest(&req.sha256)?;
    let (listing, index_url) = find_on_index(http, req, &filename, &policy.indexes)?;
    if let Some(listed) = listing.as_ref().and_then(|f| f.sha256.as_deref()) {
        if listed != req.sha256 {
            return Err(Error::mismatch(
                ErrorKind::DigestMismatch,
                "online",
                "index sha256",
                &req.sha256,
                &listed,
            ));
        }
    }
    let provenance_url = match (&listing, &index_url) {
        (Some(f), _) => match &f.provenance {
            Some(p) => p.clone(),
            None => index_url
                .as_deref()
                .map(|i| index::integrity_url(i, &req.project, &req.version, &filename)),
        },
        (None, _) => None,
    };
    let provenance = match &provenance_url {
        None => None,
        Some(url) => match http.fetch(
            url,
            "application/vnd.pypi.integrity.v1+json, application/json;q=0.5",
            limits::PROVENANCE as u64,
            "provenance",
        ) {
            Ok(f) => Some(f.body),
            Err(http::Miss::NotFound) => None,
            Err(http::Miss::Failed(e)) => return Err(e),
        },
    };
    let project = index::normalize(&req.project);
    // `:all:` never covers a requirement the caller gave a policy for: only
    // naming it does (§7.7.3, "the policy for that project").
    let explicit_applies = policy.explicit.is_some() && req.requested;
    let allowed = policy
        .allow_unattested
        .iter()
        .any(|a| (a == ":all:" && !explicit_applies) || index::normalize(a) == project);
    if provenance.is_none() && !allowed {
        let place = match (&listing, &provenance_url) {
            (None, _) => "it is not listed on any configured index".to_owned(),
            (Some(_), None) => "its index lists no provenance".to_owned(),
            (Some(_), Some(u)) => format!("{} does not exist", http::redact(u)),
        };
        return Err(Error::new(
            ErrorKind::NoAttestations,
            "7.7.3",
            format!(
                "{filename} has no provenance: {place}. Pass --allow-unattested {} to install it unverified",
                req.project
            ),
        ));
    }
    let path = dir.join(&filename);
    let (got, _size) = http.download(&req.url, &path, ARTIFACT_LIMIT)?;
    if got != want {
        return Err(Error::mismatch(
            ErrorKind::DigestMismatch,
            "online",
            "sha256 of the downloaded file",
            &req.sha256,
            &hex(&got),
        ));
    }
    let Some(data) = provenance else {
        return Ok(FileOutcome {
            filename,
            path,
            provenance_path: None,
            sha256: req.sha256.clone(),
            policy: "unattested-allowed",
            verification: None,
            provenance_url: provenance_url.as_deref().map(http::redact),
        });
    };
    let (chosen, label) = match (&policy.explicit, req.requested) {
        (Some(p), true) => (p.clone(), "explicit"),
        _ => (wheel::index_asserted_policy(&data)?, "index-asserted"),
    };
    let verification = wheel::verify_attestation(&filename, &got, &data, &chosen, trust)?;
    let provenance_path = dir.join(format!("{filename}.provenance"));
    std::fs::write(&provenance_path, &data).map_err(|e| {
        Error::new(
            ErrorKind::UsageError,
            "online",
            format!("cannot write {}: {e}", provenance_path.display()),
        )
    })?;
    Ok(FileOutcome {
        filename,
        path,
        provenance_path: Some(provenance_path),
        sha256: req.sha256.clone(),
        policy: label,
        verification: Some(verification),
        provenance_url: provenance_url.as_deref().map(http::redact),
    })
}

/// A file name we write into our directory and into pip's requirements file:
/// non-empty, not hidden, only the characters distribution names use (so no
/// separators, drive letters, spaces, `#` comments or `${VAR}` expansion).
///
/// # Errors
/// `ArtifactNameInvalid` otherwise.
pub(crate) fn check_filename(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '!'));
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::ArtifactNameInvalid,
            "1.1.2",
            format!("unsafe file name {name:?}"),
        ))
    }
}

fn parse_hex_digest(s: &str) -> Result<[u8; 32]> {
    crate::io::parse_digest_arg(&format!("sha256:{s}")).map_err(|_| {
        Error::new(
            ErrorKind::UsageError,
            "online",
            format!("pip reported no usable sha256 ({s:?})"),
        )
    })
}

/// Look the file up on each index's project page, in order; returns the
/// listing and the index that listed it.
fn find_on_index(
    http: &Http,
    req: &FileRequest,
    filename: &str,
    indexes: &[String],
) -> Result<(Option<index::IndexFile>, Option<String>)> {
    let want_url = req.url.split('#').next().unwrap_or(&req.url);
    for base in indexes {
        let page = format!(
            "{}/{}/",
            base.trim_end_matches('/'),
            index::normalize(&req.project)
        );
        let fetched = match http.fetch(&page, index::ACCEPT, PAGE_LIMIT, "project page") {
            Ok(f) => f,
            Err(http::Miss::NotFound) => continue,
            Err(http::Miss::Failed(e)) => return Err(e),
        };
        let files = index::parse_page(&fetched.body, &fetched.content_type, &fetched.url)?;
        let hit = files.into_iter().find(|f| {
            f.url == want_url
                || (f.filename == filename && f.sha256.as_deref() == Some(req.sha256.as_str()))
        });
        if let Some(f) = hit {
            return Ok((Some(f), Some(base.clone())));
        }
    }
    Ok((None, None))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hexpair = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hexpair) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_checked_after_decoding() {
        assert!(check_filename("abi3info-2024.10.8-py3-none-any.whl").is_ok());
        assert!(check_filename("pkg-1.0+local.tar.gz").is_ok());
        for bad in [
            "",
            ".",
            "..",
            ".hidden.whl",
            "a/b.whl",
            "a\\b.whl",
            "C:x.whl",
            "a b.whl",
            "a#b.whl",
            "${HOME}.whl",
            "a\u{0}.whl",
            "é.whl",
        ] {
            assert_eq!(
                check_filename(bad).map_err(|e| e.kind()),
                Err(ErrorKind::ArtifactNameInvalid),
                "{bad:?}"
            );
        }
        assert_eq!(percent_decode("a%2Fb%2e%2E"), "a/b..");
        assert_eq!(
            check_filename(&percent_decode("..%2F..%2Fx.whl")).map_err(|e| e.kind()),
            Err(ErrorKind::ArtifactNameInvalid)
        );
    }
}
