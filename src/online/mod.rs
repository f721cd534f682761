// SPDX-License-Identifier: Apache-2.0
//! Verify-then-install, the network half (docs/install.md, steps 2–3): for one
//! file pip chose, find its provenance on the index, download the file with
//! a streamed hash, and verify it. The only module that uses ureq.

pub mod github;
pub mod http;
pub mod index;
pub mod rekor;
pub mod release;
pub mod serve;
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
    /// `install -r pylock.toml`: only the locked files, under their pinned identities.
    pub lock: Option<crate::lock::LockFile>,
    /// `--github-attestations OWNER/REPO`: for a named requirement whose
    /// index has no provenance, GitHub's attestations of its digest there.
    pub github: Option<(github::GitHubApi, String)>,
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
    /// The identity the verified certificate proves (what `lock` pins).
    pub identity: Option<crate::lock::Identity>,
}

/// Steps 2–3 for one file: look it up on the index, fetch its provenance,
/// download it into `dir`, verify. Writes `<dir>/<filename>` and, when there
/// is provenance, `<dir>/<filename>.provenance`.
///
/// The index credentials (`https://user:token@host/simple`) are sent as
/// HTTP Basic auth to URLs of the same origin as their index, and removed
/// from every message and from the outcome.
///
/// With no index configured (`--no-index`, find-links), nothing is looked
/// up on the network: a `file://` URL is read from disk with its
/// `<file>.provenance` sidecar, if there is one.
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
    fetch_and_verify_with_progress(http, req, policy, trust, dir, None)
}

/// [`fetch_and_verify`], telling `progress` how the download goes (see
/// [`http::Http::download_with_progress`]; a local file reports nothing).
///
/// # Errors
/// As [`fetch_and_verify`].
pub fn fetch_and_verify_with_progress(
    http: &Http,
    req: &FileRequest,
    policy: &InstallPolicy,
    trust: &TrustedRoot,
    dir: &Path,
    progress: Option<http::Progress<'_>>,
) -> Result<FileOutcome> {
    let auth = http::Credentials::from_urls(&policy.indexes);
    fetch_inner(http, &auth, req, policy, trust, dir, progress)
        .map(|mut o| {
            o.provenance_url = o.provenance_url.map(|u| {
                let clean = url::Url::parse(&u).map_or(u, |p| http::display_url(&p));
                http.redact(&clean, &auth)
            });
            o
        })
        .map_err(|e| http.scrub(e, &auth))
}

/// Where a file's provenance comes from.
enum Provenance {
    /// Fetched from (or missing at) this URL.
    Url(String),
    /// A `<file>.provenance` beside a local file.
    Sidecar(PathBuf),
}

fn fetch_inner(
    http: &Http,
    auth: &http::Credentials,
    req: &FileRequest,
    policy: &InstallPolicy,
    trust: &TrustedRoot,
    dir: &Path,
    progress: Option<http::Progress<'_>>,
) -> Result<FileOutcome> {
    let filename = index::last_segment(&req.url);
    check_filename(&filename)?;
    let want = parse_hex_digest(&req.sha256)?;
    // Step 9.2: with a lock, only its files.
    let locked = policy
        .lock
        .as_ref()
        .map(|l| l.find_file(&req.project, &filename, &req.sha256))
        .transpose()?;
    let pinned = locked.map_or(&[][..], |p| p.attestation_identities.as_slice());
    let local = url::Url::parse(&req.url)
        .ok()
        .filter(|u| u.scheme() == "file")
        .map(|u| {
            u.to_file_path().map_err(|()| {
                Error::new(
                    ErrorKind::UsageError,
                    "online",
                    format!("{}: not a local path", http::redact(&req.url)),
                )
            })
        })
        .transpose()?;
    let sidecar = local
        .as_ref()
        .map(|p| PathBuf::from(format!("{}.provenance", p.display())))
        .filter(|p| p.is_file());
    let (listing, index_url) = if sidecar.is_some() {
        (None, None)
    } else {
        find_on_index(http, auth, req, &filename, &policy.indexes)?
    };
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
    let source = match (&sidecar, &listing, &index_url) {
        (Some(p), _, _) => Some(Provenance::Sidecar(p.clone())),
        (None, Some(f), _) => match &f.provenance {
            Some(p) => p.clone().map(Provenance::Url),
            None => index_url.as_deref().map(|i| {
                Provenance::Url(index::integrity_url(
                    i,
                    &req.project,
                    &req.version,
                    &filename,
                ))
            }),
        },
        (None, None, _) => None,
    };
    let provenance_url = match &source {
        Some(Provenance::Url(u)) => Some(u.clone()),
        _ => None,
    };
    let provenance = match &source {
        None => None,
        Some(Provenance::Sidecar(p)) => Some(crate::io::read_limited(
            p,
            limits::PROVENANCE,
            "provenance",
        )?),
        Some(Provenance::Url(url)) => match http.fetch(
            url,
            "application/vnd.pypi.integrity.v1+json, application/json;q=0.5",
            limits::PROVENANCE as u64,
            "provenance",
            auth,
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
    if provenance.is_none() && !pinned.is_empty() {
        // Step 9.4: a pin is not overridden by --allow-unattested.
        return Err(Error::new(
            ErrorKind::AttestationDowngrade,
            "9.4",
            crate::lock::downgrade_detail(
                &req.project,
                pinned,
                "re-lock with --allow-downgrade NAME",
            ),
        ));
    }
    let allowed = policy
        .allow_unattested
        .iter()
        .any(|a| (a == ":all:" && !explicit_applies) || index::normalize(a) == project)
        || policy
            .lock
            .as_ref()
            .is_some_and(|l| l.locked_unattested(&req.project));
    // `--github-attestations`: a named requirement without provenance on its
    // index is looked up on GitHub by digest, after the download below.
    let from_github = policy
        .github
        .as_ref()
        .filter(|_| provenance.is_none() && explicit_applies && pinned.is_empty());
    if provenance.is_none() && !allowed && from_github.is_none() {
        let place = match (&listing, &provenance_url) {
            (None, _) if policy.indexes.is_empty() => {
                "no index is configured (--no-index or --find-links), and such setups need \
                 a <file>.provenance beside a local file"
                    .to_owned()
            }
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
    let (got, _size) = match &local {
        Some(src) => copy_local(src, &path, ARTIFACT_LIMIT)?,
        None => http.download_with_progress(&req.url, &path, ARTIFACT_LIMIT, auth, progress)?,
    };
    if got != want {
        return Err(Error::mismatch(
            ErrorKind::DigestMismatch,
            "online",
            "sha256 of the downloaded file",
            &req.sha256,
            &hex(&got),
        ));
    }
    if let (Some((api, repo)), Some(explicit)) = (from_github, &policy.explicit) {
        return github_outcome(
            http,
            api,
            repo,
            explicit,
            trust,
            dir,
            filename,
            path,
            &req.sha256,
            &got,
        );
    }
    let Some(data) = provenance else {
        return Ok(FileOutcome {
            filename,
            path,
            provenance_path: None,
            sha256: req.sha256.clone(),
            policy: "unattested-allowed",
            verification: None,
            provenance_url,
            identity: None,
        });
    };
    let (chosen, mut label) = match (&policy.explicit, req.requested) {
        (Some(p), true) => (p.clone(), "explicit"),
        _ => (wheel::index_asserted_policy(&data)?, "index-asserted"),
    };
    let verification = wheel::verify_attestation(&filename, &got, &data, &chosen, trust)?;
    let identity = verification
        .claims
        .as_ref()
        .map(crate::lock::identity_from_claims);
    if !pinned.is_empty() {
        // Step 9.3: the verified identity is one the lock pins.
        let found = identity.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::IdentityChanged,
                "9.3",
                format!(
                    "{}: the attestation has no signing certificate",
                    req.project
                ),
            )
        })?;
        crate::lock::check_identity(&req.project, pinned, found)?;
        label = "lock";
    }
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
        provenance_url,
        identity,
    })
}

/// A downloaded file verified by GitHub's attestations of its digest in
/// `repo` under the caller's policy; what GitHub returned is kept as
/// `<file>.provenance` (`verify` re-checks it offline).
#[allow(clippy::too_many_arguments)]
fn github_outcome(
    http: &Http,
    api: &github::GitHubApi,
    repo: &str,
    explicit: &Policy,
    trust: &TrustedRoot,
    dir: &Path,
    filename: String,
    path: PathBuf,
    sha256: &str,
    digest: &[u8; 32],
) -> Result<FileOutcome> {
    let bundles = github::fetch(http, api, repo, digest)?;
    let verification = github::verify_bundles(&filename, digest, &bundles, explicit, trust)?;
    let provenance_path = dir.join(format!("{filename}.provenance"));
    let doc = serde_json::json!({
        "attestations": bundles
            .iter()
            .map(|b| serde_json::json!({"bundle": b}))
            .collect::<Vec<_>>(),
    });
    std::fs::write(&provenance_path, doc.to_string()).map_err(|e| {
        Error::new(
            ErrorKind::UsageError,
            "online",
            format!("cannot write {}: {e}", provenance_path.display()),
        )
    })?;
    let identity = verification
        .claims
        .as_ref()
        .map(crate::lock::identity_from_claims);
    Ok(FileOutcome {
        filename,
        path,
        provenance_path: Some(provenance_path),
        sha256: sha256.to_owned(),
        policy: "explicit",
        verification: Some(verification),
        provenance_url: Some(format!(
            "{}/repos/{repo}/attestations",
            api.base().trim_end_matches('/')
        )),
        identity,
    })
}

/// Copy a local file (a `file://` URL of a find-links setup) into `dest`,
/// hashing it; at most `limit` bytes.
fn copy_local(src: &Path, dest: &Path, limit: u64) -> Result<([u8; 32], u64)> {
    use std::io::{Read, Write};
    let usage = |d: String| Error::new(ErrorKind::UsageError, "online", d);
    let input = std::fs::File::open(src)
        .map_err(|e| usage(format!("cannot read {}: {e}", src.display())))?;
    let mut reader = input.take(limit.saturating_add(1));
    let mut out = std::fs::File::create(dest)
        .map_err(|e| usage(format!("cannot write {}: {e}", dest.display())))?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| usage(format!("cannot read {}: {e}", src.display())))?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        ctx.update(chunk);
        out.write_all(chunk)
            .map_err(|e| usage(format!("cannot write {}: {e}", dest.display())))?;
        total = total.saturating_add(n as u64);
        if total > limit {
            return Err(usage(format!(
                "{} is larger than the {limit}-byte limit",
                src.display()
            )));
        }
    }
    let mut digest = [0u8; 32];
    digest.copy_from_slice(ctx.finish().as_ref());
    Ok((digest, total))
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

/// `url` parsed, without credentials or fragment, for comparing links.
fn comparable(url: &str) -> Option<String> {
    let mut u = url::Url::parse(url).ok()?;
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_fragment(None);
    Some(u.into())
}

/// Look the file up on the project page of each configured index (and no
/// other); returns the listing and the index that listed it. The index
/// whose page lists the exact URL pip resolved wins; otherwise the first
/// that lists the same file name with the same sha256. Indexes on the file
/// URL's origin are asked first.
fn find_on_index(
    http: &Http,
    auth: &http::Credentials,
    req: &FileRequest,
    filename: &str,
    indexes: &[String],
) -> Result<(Option<index::IndexFile>, Option<String>)> {
    let want_url = comparable(&req.url);
    let file_origin = url::Url::parse(&req.url).ok().map(|u| u.origin());
    let mut ordered: Vec<&String> = indexes.iter().collect();
    // stable: same-origin indexes first, otherwise pip's order
    ordered.sort_by_key(|i| url::Url::parse(i).ok().map(|u| u.origin()) != file_origin);
    let mut fallback = None;
    for base in ordered {
        let page = index::project_url(base, &req.project)?;
        let fetched = match http.fetch(
            page.as_str(),
            index::ACCEPT,
            PAGE_LIMIT,
            "project page",
            auth,
        ) {
            Ok(f) => f,
            Err(http::Miss::NotFound) => continue,
            Err(http::Miss::Failed(e)) => return Err(e),
        };
        let files = index::parse_page(&fetched.body, &fetched.content_type, &fetched.url)?;
        let mut same_file = None;
        for f in files {
            if want_url.is_some() && comparable(&f.url) == want_url {
                return Ok((Some(f), Some(base.clone())));
            }
            if same_file.is_none()
                && f.filename == filename
                && f.sha256.as_deref() == Some(req.sha256.as_str())
            {
                same_file = Some(f);
            }
        }
        if fallback.is_none() {
            fallback = same_file.map(|f| (f, base.clone()));
        }
    }
    Ok(match fallback {
        Some((f, base)) => (Some(f), Some(base)),
        None => (None, None),
    })
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
        assert_eq!(index::last_segment("http://h/p/a%2Fb%2e%2E"), "a/b..");
        assert_eq!(
            check_filename(&index::last_segment("http://h/p/..%2F..%2Fx.whl"))
                .map_err(|e| e.kind()),
            Err(ErrorKind::ArtifactNameInvalid)
        );
    }
}
