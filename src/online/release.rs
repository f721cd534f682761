// SPDX-License-Identifier: Apache-2.0
//! `pip-verify verify-release OWNER/REPO TAG`: every `*.intoto.jsonl` asset of
//! a GitHub release (slsa-github-generator provenance; wheels built after the
//! release are attested in later files) against the release's files on the
//! package index, with the source URI and tag taken from the arguments.

use std::path::Path;

use serde_json::Value;

use super::http::{net, Credentials, Http, Miss};
use super::index;
use crate::dist::{Dist, Version};
use crate::error::{Error, ErrorKind, Result};
use crate::io::hex;
use crate::limits;
use crate::policy::Policy;
use crate::slsa::SlsaSource;
use crate::trust_root::TrustedRoot;
use crate::verify::Verification;
use crate::wheel;

/// At most this many `*.intoto.jsonl` assets, and bytes in all of them.
const MAX_ASSETS: usize = 64;
const MAX_ASSET_BYTES: usize = 128 << 20;

/// What `verify_release` is asked.
#[derive(Debug, Clone)]
pub struct ReleaseRequest {
    /// GitHub API base, e.g. `https://api.github.com`.
    pub api: String,
    /// `OWNER/REPO`.
    pub repository: String,
    /// The release tag, e.g. `v1.2.3`.
    pub tag: String,
    /// The project on the index (default: the repository name).
    pub package: Option<String>,
    /// Simple-index URLs, in order.
    pub indexes: Vec<String>,
}

/// One release file and its result.
#[derive(Debug)]
pub struct ReleaseFile {
    /// The file name on the index.
    pub filename: String,
    /// Which provenance asset verified it.
    pub asset: Option<String>,
    /// The verification, or why it failed.
    pub result: Result<Verification>,
}

/// Fetch the release's provenance assets and files, verify each file.
///
/// Index credentials go only to their index's origin and never appear in
/// an error (the same boundary as [`super::fetch_and_verify`]).
///
/// # Errors
/// `UsageError` for a malformed repository or tag or a release with no
/// files on the index; `NetworkError` when GitHub or the index fails;
/// `NoAttestations` when the release has no `*.intoto.jsonl` asset.
pub fn verify_release(
    http: &Http,
    req: &ReleaseRequest,
    trust: &TrustedRoot,
    dir: &Path,
) -> Result<Vec<ReleaseFile>> {
    let auth = Credentials::from_urls(&req.indexes);
    let files = release_inner(http, &auth, req, trust, dir).map_err(|e| http.scrub(e, &auth))?;
    Ok(files
        .into_iter()
        .map(|f| ReleaseFile {
            result: f.result.map_err(|e| http.scrub(e, &auth)),
            ..f
        })
        .collect())
}

fn release_inner(
    http: &Http,
    auth: &Credentials,
    req: &ReleaseRequest,
    trust: &TrustedRoot,
    dir: &Path,
) -> Result<Vec<ReleaseFile>> {
    let usage = |d: String| Error::new(ErrorKind::UsageError, "online", d);
    let (owner, repo) = req
        .repository
        .split_once('/')
        .filter(|(o, r)| valid_name(o) && valid_name(r))
        .ok_or_else(|| usage(format!("{:?} is not OWNER/REPO", req.repository)))?;
    if req.tag.is_empty() || req.tag.contains(['?', '#', '%', ' ', '\\']) {
        return Err(usage(format!("{:?} is not a tag name", req.tag)));
    }
    let assets = provenance_assets(http, auth, req, owner, repo)?;
    let policy = Policy::Slsa(SlsaSource {
        source_uri: format!("github.com/{owner}/{repo}"),
        source_tag: Some(req.tag.trim_start_matches("refs/tags/").to_owned()),
        source_branch: None,
        source_versioned_tag: None,
        builder_id: None,
    });
    let package = req.package.clone().unwrap_or_else(|| repo.to_owned());
    let files = release_files(http, auth, req, &package)?;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let result = check_file(http, auth, &f, &assets, &policy, trust, dir);
        let (asset, result) = match result {
            Ok((a, v)) => (Some(a), Ok(v)),
            Err(e) => (None, Err(e)),
        };
        out.push(ReleaseFile {
            filename: f.filename,
            asset,
            result,
        });
    }
    Ok(out)
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Every `*.intoto.jsonl` asset: (name, content).
fn provenance_assets(
    http: &Http,
    auth: &Credentials,
    req: &ReleaseRequest,
    owner: &str,
    repo: &str,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut api = url::Url::parse(&req.api)
        .ok()
        .filter(|u| !u.cannot_be_a_base())
        .ok_or_else(|| net(format!("{}: not a valid API URL", req.api)))?;
    if let Ok(mut segs) = api.path_segments_mut() {
        // one segment: a `/` in the tag is sent as %2F
        segs.pop_if_empty().extend([
            "repos",
            owner,
            repo,
            "releases",
            "tags",
            req.tag.trim_start_matches("refs/tags/"),
        ]);
    }
    let url = String::from(api);
    let release = match http.fetch(
        &url,
        "application/vnd.github+json",
        16 << 20,
        "release",
        auth,
    ) {
        Ok(f) => f,
        Err(Miss::NotFound) => {
            return Err(net(format!(
                "{}: no release tagged {} ({url})",
                req.repository, req.tag
            )))
        }
        Err(Miss::Failed(e)) => return Err(e),
    };
    let doc = crate::json::parse(&release.body, 16 << 20, "release")
        .map_err(|e| net(format!("{url}: {}", e.detail())))?;
    let mut assets = Vec::new();
    let mut total = 0usize;
    for a in doc
        .get("assets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(name), Some(link)) = (
            a.get("name").and_then(Value::as_str),
            a.get("browser_download_url").and_then(Value::as_str),
        ) else {
            continue;
        };
        if !name.ends_with(".intoto.jsonl") {
            continue;
        }
        if assets.len() >= MAX_ASSETS || total >= MAX_ASSET_BYTES {
            return Err(net(format!(
                "release {} has more provenance than this tool reads \
                 ({MAX_ASSETS} files or {MAX_ASSET_BYTES} bytes)",
                req.tag
            )));
        }
        let body = match http.fetch(
            link,
            "application/octet-stream",
            limits::ATTESTATION_FILE as u64,
            "provenance asset",
            auth,
        ) {
            Ok(f) => f.body,
            Err(Miss::NotFound) => return Err(net(format!("{link}: not found"))),
            Err(Miss::Failed(e)) => return Err(e),
        };
        total = total.saturating_add(body.len());
        assets.push((name.to_owned(), body));
    }
    if assets.is_empty() {
        return Err(Error::new(
            ErrorKind::NoAttestations,
            "7.7.3",
            format!(
                "release {} of {} has no *.intoto.jsonl asset",
                req.tag, req.repository
            ),
        ));
    }
    Ok(assets)
}

/// The index's files of the version the tag names (`v1.2.3` → 1.2.3).
fn release_files(
    http: &Http,
    auth: &Credentials,
    req: &ReleaseRequest,
    package: &str,
) -> Result<Vec<index::IndexFile>> {
    let raw = req.tag.trim_start_matches("refs/tags/");
    let raw = raw.strip_prefix(['v', 'V']).unwrap_or(raw);
    let version = Version::parse(raw).ok_or_else(|| {
        Error::new(
            ErrorKind::UsageError,
            "online",
            format!("tag {:?} does not name a version", req.tag),
        )
    })?;
    for base in &req.indexes {
        let page = index::project_url(base, package)?;
        let fetched = match http.fetch(page.as_str(), index::ACCEPT, 64 << 20, "project page", auth)
        {
            Ok(f) => f,
            Err(Miss::NotFound) => continue,
            Err(Miss::Failed(e)) => return Err(e),
        };
        // The version's distributions, and any file whose name we cannot parse
        // (`.tar.bz2`, odd wheel names) but that mentions the version: such a
        // file is verified too rather than silently left out.
        let files: Vec<index::IndexFile> =
            index::parse_page(&fetched.body, &fetched.content_type, &fetched.url)?
                .into_iter()
                .filter(|f| match Dist::parse(&f.filename) {
                    Ok(d) => d.version() == &version,
                    Err(_) => f.filename.contains(&format!("-{raw}")),
                })
                .collect();
        if !files.is_empty() {
            return Ok(files);
        }
    }
    Err(Error::new(
        ErrorKind::UsageError,
        "online",
        format!("no index lists files of {package} {raw} (give --package or --index-url)"),
    ))
}

/// Download one file (its sha256 must equal the index's) and find the
/// provenance asset that verifies it.
fn check_file(
    http: &Http,
    auth: &Credentials,
    f: &index::IndexFile,
    assets: &[(String, Vec<u8>)],
    policy: &Policy,
    trust: &TrustedRoot,
    dir: &Path,
) -> Result<(String, Verification)> {
    let listed = f.sha256.as_deref().ok_or_else(|| {
        net(format!(
            "the index lists no sha256 for {}; refusing to trust its bytes",
            f.filename
        ))
    })?;
    super::check_filename(&f.filename)?;
    let (digest, _) = http.download(&f.url, &dir.join(&f.filename), super::ARTIFACT_LIMIT, auth)?;
    if hex(&digest) != listed {
        return Err(Error::mismatch(
            ErrorKind::DigestMismatch,
            "online",
            "sha256 of the downloaded file",
            &listed,
            &hex(&digest),
        ));
    }
    let mut first_real_failure = None;
    for (name, data) in assets {
        match wheel::verify_attestation(&f.filename, &digest, data, policy, trust) {
            Ok(v) => return Ok((name.clone(), v)),
            Err(e) if e.kind() == ErrorKind::DigestMismatch => {}
            Err(e) => {
                first_real_failure.get_or_insert(e);
            }
        }
    }
    Err(first_real_failure.unwrap_or_else(|| {
        Error::new(
            ErrorKind::NoAttestations,
            "7.7.3",
            format!(
                "no provenance asset of the release covers {} ({})",
                f.filename,
                assets
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    }))
}
