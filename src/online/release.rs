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
    /// The Rekor v1 log asked for the entries of legacy envelope lines
    /// (§4.9); `None`: no look-up (`--no-rekor-lookup`).
    pub rekor_url: Option<String>,
}

/// One release file and its result.
#[derive(Debug)]
pub struct ReleaseFile {
    /// The file name on the index.
    pub filename: String,
    /// Which provenance asset verified it.
    pub asset: Option<String>,
    /// The verification, or why it failed (the agreement of the sources
    /// included, see [`decide`]).
    pub result: Result<Verification>,
    /// Every source asked for this file, with its own result.
    pub sources: Vec<SourceResult>,
}

/// Where a file's attestation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A `*.intoto.jsonl` asset of the release.
    ReleaseAsset,
    /// The index's PEP 740 provenance.
    IndexProvenance,
    /// GitHub's attestation API, by the file's digest.
    GitHubAttestations,
}

impl SourceKind {
    /// The stable name in the JSON output.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::ReleaseAsset => "release-asset",
            Self::IndexProvenance => "index-provenance",
            Self::GitHubAttestations => "github-attestations",
        }
    }
}

/// One source of one file: which, where, and its result. A source that has
/// nothing for the file fails with `NoAttestations`.
#[derive(Debug)]
pub struct SourceResult {
    /// Which source.
    pub kind: SourceKind,
    /// The asset name, provenance URL, or `OWNER/REPO #index` it came from.
    pub location: Option<String>,
    /// Its own verification, or why it gave none.
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
            sources: f
                .sources
                .into_iter()
                .map(|s| SourceResult {
                    result: s.result.map_err(|e| http.scrub(e, &auth)),
                    location: s.location.map(|l| http.redact(&l, &auth)),
                    ..s
                })
                .collect(),
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
    // GitHub's attestation API lives beside the release API; credentials in
    // that URL are the index's business, GitHub's token comes from GH_TOKEN.
    // An API URL it cannot use leaves that source failed for every file.
    let clean_api = url::Url::parse(&req.api)
        .map_or_else(|_| req.api.clone(), |u| super::http::display_url(&u));
    let github = super::github::GitHubApi::from_env(Some(&clean_api));
    // A release without `*.intoto.jsonl` assets may still have files the
    // other sources attest; it fails as a whole only when none does.
    let (assets, no_assets) = match provenance_assets(http, auth, req, owner, repo) {
        Ok(a) => (a, None),
        Err(e) if e.kind() == ErrorKind::NoAttestations => (Vec::new(), Some(e)),
        Err(e) => return Err(e),
    };
    let policy = Policy::Slsa(SlsaSource {
        source_uri: format!("github.com/{owner}/{repo}"),
        source_tag: Some(req.tag.trim_start_matches("refs/tags/").to_owned()),
        source_branch: None,
        source_versioned_tag: None,
        builder_id: None,
    });
    let package = req.package.clone().unwrap_or_else(|| repo.to_owned());
    // Legacy envelope lines (generator v1.x, v2.0.x) are looked up in Rekor
    // automatically: this command is online anyway (§4.9).
    let rekor = req
        .rekor_url
        .as_deref()
        .map(super::rekor::check_url)
        .transpose()?;
    let rekor_url = rekor.as_ref().map_or("", url::Url::as_str);
    let find = |env: &crate::legacy::LegacyEnvelope| super::rekor::lookup(http, rekor_url, env);
    // No look-up without a URL: the line then fails with OnlineLookupRequired.
    let legacy = crate::legacy::LegacySources {
        lookup: rekor.as_ref().map(|_| &find as &crate::legacy::Lookup<'_>),
        ..Default::default()
    };
    let (files, index_base, version) = release_files(http, auth, req, &package)?;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let result = check_file(http, auth, &f, &assets, &policy, trust, dir, &legacy);
        let (asset, result) = match result {
            Ok((a, v)) => (Some(a), Ok(v)),
            // `verify`'s hint names its own flag; here the look-up was turned off.
            Err(e) if e.kind() == ErrorKind::OnlineLookupRequired && rekor.is_none() => (
                None,
                Err(Error::new(
                    ErrorKind::OnlineLookupRequired,
                    e.step(),
                    "a legacy slsa-github-generator envelope (v1.x, v2.0.x) covers this file: \
                     its transparency-log entry lives only in Rekor, and --no-rekor-lookup \
                     turned the look-up off",
                )),
            ),
            Err(e) => (None, Err(e)),
        };
        let mut sources = vec![SourceResult {
            kind: SourceKind::ReleaseAsset,
            location: asset.clone(),
            result,
        }];
        let digest = downloaded_digest(&f, &sources);
        if let Some(digest) = digest {
            let ctx = OtherSources {
                http,
                auth,
                github: &github,
                repository: &req.repository,
                package: &package,
                version: &version,
                index: &index_base,
                trust,
            };
            sources.extend(other_sources(&ctx, &f, &digest));
        }
        let result = match digest {
            Some(_) => decide(&sources, owner, repo, &req.tag),
            // the bytes never matched the index's hash: nothing else counts
            None => sources
                .first()
                .map_or_else(|| Err(net("no result".into())), |s| s.result.clone()),
        };
        out.push(ReleaseFile {
            filename: f.filename,
            asset,
            result,
            sources,
        });
    }
    if let Some(e) = no_assets {
        let any_verified = out
            .iter()
            .any(|f| f.sources.iter().any(|s| s.result.is_ok()));
        if !any_verified {
            return Err(e);
        }
    }
    Ok(out)
}

/// The digest of a file whose download matched the index's sha256, known
/// from the release-asset result: a download, hash or name failure means
/// the bytes are not the index's, and no source is asked about them.
fn downloaded_digest(f: &index::IndexFile, sources: &[SourceResult]) -> Option<[u8; 32]> {
    let asset = sources.first()?;
    if let Err(e) = &asset.result {
        let before_verifying = matches!(
            e.kind(),
            ErrorKind::NetworkError | ErrorKind::ArtifactNameInvalid | ErrorKind::UsageError
        ) || (e.kind() == ErrorKind::DigestMismatch && e.step() == "online");
        if before_verifying {
            return None;
        }
    }
    let listed = f.sha256.as_deref()?;
    crate::io::parse_digest_arg(&format!("sha256:{listed}")).ok()
}

/// What [`other_sources`] needs.
struct OtherSources<'a> {
    http: &'a Http,
    auth: &'a Credentials,
    github: &'a Result<super::github::GitHubApi>,
    repository: &'a str,
    package: &'a str,
    version: &'a str,
    index: &'a str,
    trust: &'a TrustedRoot,
}

/// The sources besides the release's assets (issue 13): the index's PEP 740
/// provenance, verified against the publisher it names, and GitHub's
/// attestations for `digest` in the release's repository, verified as
/// signed by a GitHub Actions workflow (each verified bundle is one entry).
/// Whether they are the release's is [`decide`]'s question.
fn other_sources(
    ctx: &OtherSources<'_>,
    f: &index::IndexFile,
    digest: &[u8; 32],
) -> Vec<SourceResult> {
    let mut out = vec![index_source(ctx, f, digest)];
    let at = |i: usize| Some(format!("{} #{i}", ctx.repository));
    match github_source(ctx, &f.filename, digest) {
        Ok(found) => out.extend(found.into_iter().map(|(i, v)| SourceResult {
            kind: SourceKind::GitHubAttestations,
            location: at(i),
            result: Ok(v),
        })),
        Err(e) => out.push(SourceResult {
            kind: SourceKind::GitHubAttestations,
            location: e
                .attestation_index()
                .map_or_else(|| Some(ctx.repository.to_owned()), at),
            result: Err(e),
        }),
    }
    out
}

/// The index's PEP 740 provenance of `f`, verified against the publisher
/// it names (which [`decide`] then compares with the other sources).
fn index_source(ctx: &OtherSources<'_>, f: &index::IndexFile, digest: &[u8; 32]) -> SourceResult {
    let url = match &f.provenance {
        Some(Some(u)) => Some(u.clone()),
        Some(None) => None,
        None => Some(index::integrity_url(
            ctx.index,
            ctx.package,
            ctx.version,
            &f.filename,
        )),
    };
    let absent = |why: String| Err(Error::new(ErrorKind::NoAttestations, "7.7.3", why));
    let result = match &url {
        None => absent(format!("the index lists no provenance for {}", f.filename)),
        Some(u) => match ctx.http.fetch(
            u,
            "application/vnd.pypi.integrity.v1+json, application/json;q=0.5",
            limits::PROVENANCE as u64,
            "provenance",
            ctx.auth,
        ) {
            Err(Miss::NotFound) => absent(format!(
                "the index serves no provenance for {} ({u})",
                f.filename
            )),
            Err(Miss::Failed(e)) => Err(e),
            Ok(doc) => wheel::index_asserted_policy(&doc.body).and_then(|p| {
                wheel::verify_attestation(&f.filename, digest, &doc.body, &p, ctx.trust)
            }),
        },
    };
    SourceResult {
        kind: SourceKind::IndexProvenance,
        location: url,
        result,
    }
}

/// GitHub's attestations for `digest` in the release's repository: every
/// bundle that verifies as signed by a GitHub Actions workflow.
fn github_source(
    ctx: &OtherSources<'_>,
    name: &str,
    digest: &[u8; 32],
) -> Result<Vec<(usize, Verification)>> {
    let policy = Policy::Identity {
        identity: crate::policy::IdentityMatch::regex(r"https://github\.com/.+")?,
        issuer: crate::policy::GITHUB_ISSUER.to_owned(),
    };
    let api = ctx.github.as_ref().map_err(Clone::clone)?;
    let bundles = super::github::fetch(ctx.http, api, ctx.repository, digest)?;
    super::github::verify_all(name, digest, &bundles, &policy, ctx.trust)
}

/// A repository URI as compared: no scheme, lower case (GitHub names are
/// case-insensitive), no trailing `.git` or `/`.
fn repo_key(uri: &str) -> String {
    let s = uri
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("git+https://")
        .trim_end_matches('/');
    s.strip_suffix(".git").unwrap_or(s).to_ascii_lowercase()
}

fn describe(s: &SourceResult, v: &Verification) -> String {
    format!(
        "{} {}: {}@{}",
        s.kind.name(),
        s.location.as_deref().unwrap_or("-"),
        v.source_repository.as_deref().unwrap_or("?"),
        v.source_digest.as_deref().unwrap_or("?")
    )
}

/// The file's result from all its sources (docs/checks.md, steps 10.1 and
/// 10.2): every two verified sources must name the same source repository
/// and, when both name one, the same commit (`SourceDisagreement`). Then
/// the release asset's verification counts, as before; without one, a
/// verified source built from the release's repository at its tag; a
/// verified source from elsewhere is `SourceMismatch`. With nothing
/// verified, the most telling failure.
///
/// # Errors
/// `SourceDisagreement`, `SourceMismatch`, `TagMismatch`, or a source's own.
pub fn decide(
    sources: &[SourceResult],
    owner: &str,
    repo: &str,
    tag: &str,
) -> Result<Verification> {
    let verified: Vec<(&SourceResult, &Verification)> = sources
        .iter()
        .filter_map(|s| s.result.as_ref().ok().map(|v| (s, v)))
        .collect();
    for (i, (sa, a)) in verified.iter().enumerate() {
        for (sb, b) in verified.iter().skip(i + 1) {
            let repos = (
                a.source_repository.as_deref().map(repo_key),
                b.source_repository.as_deref().map(repo_key),
            );
            let commits = (
                a.source_digest.as_deref().map(str::to_ascii_lowercase),
                b.source_digest.as_deref().map(str::to_ascii_lowercase),
            );
            let repo_differs = repos.0 != repos.1;
            let commit_differs = matches!(&commits, (Some(x), Some(y)) if x != y);
            if repo_differs || commit_differs {
                return Err(Error::new(
                    ErrorKind::SourceDisagreement,
                    "10.1",
                    format!(
                        "the sources disagree on the {}: {} but {}",
                        if repo_differs {
                            "source repository"
                        } else {
                            "source commit"
                        },
                        describe(sa, a),
                        describe(sb, b)
                    ),
                ));
            }
        }
    }
    if let Some((_, v)) = verified
        .iter()
        .find(|(s, _)| s.kind == SourceKind::ReleaseAsset)
    {
        return Ok((*v).clone());
    }
    let want_repo = format!("github.com/{owner}/{repo}").to_ascii_lowercase();
    let want_ref = format!("refs/tags/{}", tag.trim_start_matches("refs/tags/"));
    if let Some((s, v)) = verified.first() {
        let got_repo = v.source_repository.as_deref().map(repo_key);
        if got_repo.as_deref() != Some(want_repo.as_str()) {
            return Err(Error::mismatch(
                ErrorKind::SourceMismatch,
                "10.2",
                &format!("source repository of {}", s.kind.name()),
                &want_repo,
                &v.source_repository,
            ));
        }
        if let Some((_, v)) = verified
            .iter()
            .find(|(_, v)| v.source_ref.as_deref() == Some(want_ref.as_str()))
        {
            return Ok((*v).clone());
        }
        return Err(Error::mismatch(
            ErrorKind::TagMismatch,
            "10.2",
            &format!("source ref of {}", s.kind.name()),
            &want_ref,
            &v.source_ref,
        ));
    }
    // Nothing verified: the asset's failure unless it only says "not
    // covered" and another source says more.
    let asset = sources
        .iter()
        .find(|s| s.kind == SourceKind::ReleaseAsset)
        .and_then(|s| s.result.as_ref().err());
    let other = sources
        .iter()
        .filter(|s| s.kind != SourceKind::ReleaseAsset)
        .filter_map(|s| s.result.as_ref().err())
        .find(|e| e.kind() != ErrorKind::NoAttestations);
    let chosen = match (asset, other) {
        (Some(a), Some(o)) if a.kind() == ErrorKind::NoAttestations => o,
        (Some(a), _) => a,
        (None, Some(o)) => o,
        (None, None) => {
            return Err(Error::new(
                ErrorKind::NoAttestations,
                "7.7.3",
                "no source attests this file",
            ))
        }
    };
    Err(chosen.clone())
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
) -> Result<(Vec<index::IndexFile>, String, String)> {
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
            return Ok((files, base.clone(), raw.to_owned()));
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
#[expect(clippy::too_many_arguments, reason = "the release's whole context")]
fn check_file(
    http: &Http,
    auth: &Credentials,
    f: &index::IndexFile,
    assets: &[(String, Vec<u8>)],
    policy: &Policy,
    trust: &TrustedRoot,
    dir: &Path,
    legacy: &crate::legacy::LegacySources<'_>,
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
        match wheel::verify_attestation_with(&f.filename, &digest, data, policy, trust, legacy) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(repo: &str, commit: Option<&str>, git_ref: &str) -> Verification {
        Verification {
            artifact_name: "f.whl".into(),
            sha256: "00".repeat(32),
            format: "test",
            predicate_type: None,
            predicate: None,
            identity: "id".into(),
            issuer: None,
            source_repository: Some(repo.into()),
            source_ref: Some(git_ref.into()),
            source_digest: commit.map(str::to_owned),
            source_repository_id: None,
            source_repository_owner_id: None,
            publisher: None,
            log_index: None,
            signed_at: String::new(),
            warnings: Vec::new(),
            claims: None,
        }
    }

    fn src(kind: SourceKind, result: Result<Verification>) -> SourceResult {
        SourceResult {
            kind,
            location: None,
            result,
        }
    }

    fn absent() -> Result<Verification> {
        Err(Error::new(ErrorKind::NoAttestations, "7.7.3", "none"))
    }

    const R: &str = "https://github.com/o/r";
    const TAG: &str = "refs/tags/v1";

    fn kind(sources: &[SourceResult]) -> std::result::Result<String, ErrorKind> {
        decide(sources, "o", "r", "v1")
            .map(|v| v.format.to_owned())
            .map_err(|e| e.kind())
    }

    #[test]
    fn verified_sources_must_agree_on_repository_and_commit() {
        use SourceKind::{GitHubAttestations as Gh, IndexProvenance as Idx, ReleaseAsset as Asset};
        let ok = |repo: &str, c: Option<&str>| Ok(verified(repo, c, TAG));
        // agreeing (case and a missing commit do not matter)
        let agree = [
            src(Asset, ok(R, Some("abc"))),
            src(Idx, ok("https://github.com/O/R", Some("ABC"))),
            src(Gh, ok(R, None)),
        ];
        assert_eq!(kind(&agree), Ok("test".into()));
        for other in [
            ok("https://github.com/o/x", Some("abc")),
            ok(R, Some("def")),
            ok("https://github.com/o/x", None),
        ] {
            let s = [src(Asset, ok(R, Some("abc"))), src(Idx, other)];
            assert_eq!(kind(&s), Err(ErrorKind::SourceDisagreement));
            // whichever two disagree, asset or not
            let s = [
                src(Asset, absent()),
                src(Gh, ok(R, Some("abc"))),
                src(Gh, ok("https://github.com/o/x", Some("def"))),
            ];
            assert_eq!(kind(&s), Err(ErrorKind::SourceDisagreement));
        }
        // a failed source does not count
        let s = [
            src(Asset, ok(R, Some("abc"))),
            src(
                Idx,
                Err(Error::new(ErrorKind::SignatureInvalid, "6.2", "x")),
            ),
        ];
        assert_eq!(kind(&s), Ok("test".into()));
    }

    #[test]
    fn without_an_asset_a_source_must_be_the_releases() {
        use SourceKind::{GitHubAttestations as Gh, IndexProvenance as Idx, ReleaseAsset as Asset};
        let at = |repo: &str, r: &str| Ok(verified(repo, Some("abc"), r));
        assert_eq!(
            kind(&[src(Asset, absent()), src(Idx, at(R, TAG))]),
            Ok("test".into())
        );
        assert_eq!(
            kind(&[
                src(Asset, absent()),
                src(Idx, at("https://github.com/o/x", TAG))
            ]),
            Err(ErrorKind::SourceMismatch)
        );
        assert_eq!(
            kind(&[src(Asset, absent()), src(Gh, at(R, "refs/heads/main"))]),
            Err(ErrorKind::TagMismatch)
        );
        // one at the tag is enough when all agree
        assert_eq!(
            kind(&[
                src(Asset, absent()),
                src(Gh, at(R, "refs/heads/main")),
                src(Gh, at(R, TAG))
            ]),
            Ok("test".into())
        );
    }

    #[test]
    fn with_nothing_verified_the_most_telling_failure() {
        use SourceKind::{GitHubAttestations as Gh, IndexProvenance as Idx, ReleaseAsset as Asset};
        let net = || Err(net("rate limit".into()));
        let tag = || Err(Error::new(ErrorKind::TagMismatch, "7.5.10", "t"));
        assert_eq!(
            kind(&[src(Asset, tag()), src(Gh, net())]),
            Err(ErrorKind::TagMismatch)
        );
        assert_eq!(
            kind(&[src(Asset, absent()), src(Idx, absent()), src(Gh, net())]),
            Err(ErrorKind::NetworkError)
        );
        assert_eq!(
            kind(&[src(Asset, absent()), src(Idx, absent()), src(Gh, absent())]),
            Err(ErrorKind::NoAttestations)
        );
    }
}
