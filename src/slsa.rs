// SPDX-License-Identifier: Apache-2.0
//! slsa-verifier rules for slsa-github-generator provenance (spec §7.5) and
//! the GitHub artifact attestation cross-checks (§7.6.5).

use serde_json::Value;

use crate::claims::{oid, Claims};
use crate::error::{Error, ErrorKind, Result};
use crate::statement::Statement;

const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
const GENERATOR: &str =
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/";
/// Trusted slsa-github-generator builders (slsa-verifier `common/builders.go`).
const TRUSTED_BUILDERS: &[&str] = &[
    "generator_generic_slsa3.yml",
    "builder_go_slsa3.yml",
    "builder_container-based_slsa3.yml",
];
const DELEGATORS: &[&str] = &[
    "delegator_generic_slsa3.yml",
    "delegator_lowperms-generic_slsa3.yml",
];
const PROVENANCE_V02: &str = "https://slsa.dev/provenance/v0.2";
const PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
const GITHUB_BUILD_TYPE: &str = "https://actions.github.io/buildtypes/workflow/v1";

/// The caller's expectations, with slsa-verifier's flag semantics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlsaSource {
    /// `github.com/owner/repo` (optionally `git+https://`).
    pub source_uri: String,
    /// Exact tag (`v1.2.3`).
    pub source_tag: Option<String>,
    /// Branch name (`main`).
    pub source_branch: Option<String>,
    /// Semver prefix (`v1`, `v1.2`, `v1.2.3`).
    pub source_versioned_tag: Option<String>,
    /// Builder id `name[@version]`.
    pub builder_id: Option<String>,
}

fn err(kind: ErrorKind, step: &'static str, detail: String) -> Error {
    Error::new(kind, step, detail)
}

/// `github.com/owner/repo`, `https://github.com/owner/repo`, `git+https://…` → `owner/repo`.
fn repo_of(uri: &str) -> &str {
    let s = uri.strip_prefix("git+").unwrap_or(uri);
    let s = s.strip_prefix("https://").unwrap_or(s);
    let s = s.strip_prefix("github.com/").unwrap_or(s);
    s.trim_end_matches('/')
}

/// The caller's builder id `name[@version]`, split.
fn split_builder_id(id: &str) -> (&str, Option<&str>) {
    id.split_once('@').map_or((id, None), |(n, v)| (n, Some(v)))
}

/// §7.5.4 / §7.6.3: a builder ref satisfies the caller's version `v` only
/// if it is exactly `v` or `refs/tags/<v>` (slsa-verifier; issue 10: no
/// prefix, suffix or semver matching).
fn builder_version_matches(builder_ref: &str, v: &str) -> bool {
    builder_ref == v || builder_ref.strip_prefix("refs/tags/") == Some(v)
}

/// Is `r` `refs/tags/vX.Y.Z` (or `vX.Y.Z`) with exactly three numeric parts?
fn is_builder_tag(r: &str) -> bool {
    let Some(v) = r.strip_prefix("refs/tags/v") else {
        return false;
    };
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (*p == "0" || !p.starts_with('0'))
        })
}

/// Which kind of provenance a verified statement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvenanceKind {
    /// slsa-github-generator (generic, Go, container) SLSA v0.2.
    GeneratorV02,
    /// slsa-github-generator BYOB / container-based, SLSA v1.
    GeneratorV1,
    /// `actions/attest-build-provenance`, SLSA v1 with the GitHub workflow build type.
    GitHubAttestation,
}

/// Apply the §7.5 / §7.6 rules to a verified SLSA statement.
///
/// # Errors
/// The §9 policy kind of the first failing rule.
pub fn check(
    claims: &Claims,
    statement: &Statement,
    expected: &SlsaSource,
) -> Result<ProvenanceKind> {
    // §7.5.2
    let issuer = claims.issuer();
    if issuer != Some(GITHUB_ISSUER) {
        return Err(Error::mismatch(
            ErrorKind::IssuerMismatch,
            "7.5.2",
            "OIDC issuer",
            &GITHUB_ISSUER,
            &issuer,
        ));
    }
    check_workflow_identity(claims)?;
    let kind = match statement.predicate_type.as_str() {
        PROVENANCE_V02 => ProvenanceKind::GeneratorV02,
        PROVENANCE_V1 => {
            let bt = statement
                .predicate
                .pointer("/buildDefinition/buildType")
                .and_then(Value::as_str);
            if bt == Some(GITHUB_BUILD_TYPE) {
                ProvenanceKind::GitHubAttestation
            } else {
                ProvenanceKind::GeneratorV1
            }
        }
        other => {
            return Err(err(
                ErrorKind::PredicateTypeNotAllowed,
                "6.7",
                format!("predicate type {other:?} is not SLSA provenance"),
            ))
        }
    };
    // §7.5.6: source repository from the certificate.
    let want_repo = repo_of(&expected.source_uri);
    let cert_repo = claims.source_repository_uri();
    let cert_repo_short = cert_repo.as_deref().map(repo_of);
    let same_repo = match kind {
        // §7.6.2: GitHub names are case-insensitive.
        ProvenanceKind::GitHubAttestation => {
            cert_repo_short.is_some_and(|r| r.eq_ignore_ascii_case(want_repo))
        }
        _ => cert_repo_short == Some(want_repo),
    };
    if !same_repo {
        return Err(Error::mismatch(
            ErrorKind::SourceMismatch,
            "7.5.6",
            "source repository",
            &want_repo,
            &cert_repo_short,
        ));
    }
    match kind {
        ProvenanceKind::GitHubAttestation => check_github(claims, statement, expected)?,
        _ => check_generator(claims, statement, expected, kind)?,
    }
    Ok(kind)
}

/// §7.5.1: the certificate's workflow claims must agree with each other: the
/// source commit is the build-config commit, and the build config is a
/// single `…@ref` inside the source repository.
fn check_workflow_identity(claims: &Claims) -> Result<()> {
    let conflict = |d: String| Error::new(ErrorKind::CertificateProfileInvalid, "7.5.1", d);
    let source_digest = claims.source_digest();
    let config_digest = claims.ext(oid::BUILD_CONFIG_DIGEST);
    if let (Some(s), Some(c)) = (source_digest, config_digest) {
        if s != c {
            return Err(conflict(format!(
                "source digest {s:?} differs from build config digest {c:?}"
            )));
        }
    }
    if let Some(config) = claims.ext(oid::BUILD_CONFIG_URI) {
        let repo = claims.source_repository_uri().unwrap_or_default();
        let in_repo = config.starts_with(&format!("{repo}/"));
        if config.matches('@').count() != 1 || !in_repo {
            return Err(conflict(format!(
                "build config {config:?} is not one workflow@ref in {repo:?}"
            )));
        }
    }
    Ok(())
}

/// §7.5.3–§7.5.8 for slsa-github-generator.
fn check_generator(
    claims: &Claims,
    st: &Statement,
    expected: &SlsaSource,
    kind: ProvenanceKind,
) -> Result<()> {
    // §7.5.3: builder name and ref from the SAN.
    let san = claims.san.as_str();
    let (name, builder_ref) = san
        .rsplit_once('@')
        .filter(|(n, r)| n.starts_with("https://github.com/") && !r.is_empty() && n.len() > 19)
        .ok_or_else(|| {
            err(
                ErrorKind::CertificateProfileInvalid,
                "7.5.3",
                format!("SAN {san:?} is not a workflow@ref"),
            )
        })?;
    let file = name.strip_prefix(GENERATOR);
    let is_delegator = file.is_some_and(|f| DELEGATORS.contains(&f));
    // §7.5.4: builder trust.
    match &expected.builder_id {
        None => {
            if !file.is_some_and(|f| TRUSTED_BUILDERS.contains(&f) || DELEGATORS.contains(&f)) {
                return Err(err(
                    ErrorKind::UntrustedBuilder,
                    "7.5.4",
                    format!("builder {name:?} is not a trusted slsa-github-generator workflow"),
                ));
            }
        }
        // A BYOB delegator defers the match to the provenance's builder id
        // (§7.5.7, v1 provenance); for anything else the certificate's
        // workflow is the builder and must match name and version.
        Some(id) if !is_delegator || kind == ProvenanceKind::GeneratorV02 => {
            let (want_name, want_ver) = split_builder_id(id);
            if want_name != name {
                return Err(Error::mismatch(
                    ErrorKind::BuilderIdMismatch,
                    "7.5.4",
                    "builder",
                    &want_name,
                    &name,
                ));
            }
            if let Some(v) = want_ver {
                if !builder_version_matches(builder_ref, v) {
                    return Err(Error::mismatch(
                        ErrorKind::BuilderIdMismatch,
                        "7.5.4",
                        "builder version",
                        &v,
                        &builder_ref,
                    ));
                }
            }
        }
        Some(_) => {}
    }
    // §7.5.5
    if !is_builder_tag(builder_ref) {
        return Err(err(
            ErrorKind::BuilderRefInvalid,
            "7.5.5",
            format!("builder ref {builder_ref:?} is not refs/tags/vX.Y.Z"),
        ));
    }
    let p = &st.predicate;
    let want_repo = repo_of(&expected.source_uri);
    // §7.5.7 / §7.5.8
    let (trigger, material, env): (Option<String>, Option<&str>, Env<'_>) = match kind {
        ProvenanceKind::GeneratorV02 => {
            let builder_id = p.pointer("/builder/id").and_then(Value::as_str);
            let full = format!("{name}@{builder_ref}");
            let alt = format!("{name}@{}", builder_ref.trim_start_matches("refs/tags/"));
            if builder_id != Some(full.as_str()) && builder_id != Some(alt.as_str()) {
                return Err(Error::mismatch(
                    ErrorKind::BuilderIdMismatch,
                    "7.5.7",
                    "predicate.builder.id",
                    &full,
                    &builder_id,
                ));
            }
            if p.get("buildType")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(err(
                    ErrorKind::PredicateInvalid,
                    "7.5.7",
                    "predicate.buildType is missing".into(),
                ));
            }
            (
                p.pointer("/invocation/configSource/uri")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                p.pointer("/materials/0/uri").and_then(Value::as_str),
                Env::V02(p.pointer("/invocation/environment")),
            )
        }
        _ => {
            let builder_id = p
                .pointer("/runDetails/builder/id")
                .and_then(Value::as_str)
                .unwrap_or("");
            let (_, bref) = builder_id.rsplit_once('@').unwrap_or(("", ""));
            if !is_builder_tag(bref) && !is_builder_tag(&format!("refs/tags/{bref}")) {
                return Err(err(
                    ErrorKind::BuilderRefInvalid,
                    "7.5.7",
                    format!("runDetails.builder.id {builder_id:?} has no vX.Y.Z tag"),
                ));
            }
            if expected.builder_id.is_none() && !builder_id.starts_with(GENERATOR) {
                return Err(err(
                    ErrorKind::UntrustedBuilder,
                    "7.5.7",
                    format!("builder {builder_id:?} is not slsa-github-generator"),
                ));
            }
            if let Some(id) = &expected.builder_id {
                // §7.5.4 / §7.5.7: the provenance's builder is `name@ref`;
                // the name must be the caller's and, when the caller gave a
                // version, the ref must be exactly it (issue 10: BYOB
                // builders used to accept any version).
                let (want, want_ver) = split_builder_id(id);
                let (got_name, got_ref) = builder_id.rsplit_once('@').unwrap_or((builder_id, ""));
                let version_ok = want_ver.is_none_or(|v| builder_version_matches(got_ref, v));
                if got_name != want || !version_ok {
                    return Err(Error::mismatch(
                        ErrorKind::BuilderIdMismatch,
                        "7.5.7",
                        "runDetails.builder.id",
                        &id,
                        &builder_id,
                    ));
                }
            }
            let internal = p.pointer("/buildDefinition/internalParameters");
            let wf_ref = internal
                .and_then(|i| i.get("GITHUB_WORKFLOW_REF"))
                .and_then(Value::as_str);
            let trig = wf_ref.and_then(|w| {
                let (repo_path, r) = w.split_once('@')?;
                let repo = repo_path.split('/').take(2).collect::<Vec<_>>().join("/");
                Some(format!("git+https://github.com/{repo}@{r}"))
            });
            (
                trig,
                p.pointer("/buildDefinition/resolvedDependencies/0/uri")
                    .and_then(Value::as_str),
                Env::V1(internal),
            )
        }
    };
    let trigger = trigger.ok_or_else(|| {
        err(
            ErrorKind::SourceMismatch,
            "7.5.8",
            "the provenance names no trigger source".into(),
        )
    })?;
    let (trig_repo, _) = trigger
        .rsplit_once('@')
        .filter(|(_, r)| !r.is_empty())
        .ok_or_else(|| {
            err(
                ErrorKind::SourceMismatch,
                "7.5.8",
                format!("trigger {trigger:?} has no ref"),
            )
        })?;
    if !trig_repo.starts_with("git+https://github.com/") || repo_of(trig_repo) != want_repo {
        return Err(Error::mismatch(
            ErrorKind::SourceMismatch,
            "7.5.8",
            "provenance source",
            &want_repo,
            &trig_repo,
        ));
    }
    let material = material.ok_or_else(|| {
        err(
            ErrorKind::SourceMismatch,
            "7.5.8",
            "the provenance has no source material".into(),
        )
    })?;
    let mat_repo = material.split_once('@').map_or(material, |(r, _)| r);
    let byob_ok =
        kind == ProvenanceKind::GeneratorV1 && !material.contains('@') && mat_repo == trig_repo;
    if repo_of(mat_repo) != want_repo || (material != trigger && !byob_ok) {
        return Err(Error::mismatch(
            ErrorKind::SourceMismatch,
            "7.5.8",
            "source material",
            &trigger,
            &material,
        ));
    }
    check_refs(&env, expected)
}

enum Env<'a> {
    V02(Option<&'a Value>),
    V1(Option<&'a Value>),
}

impl Env<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match self {
            Env::V02(v) => v.and_then(|v| v.get(key.to_lowercase())),
            Env::V1(v) => v.and_then(|v| v.get(key.to_uppercase())),
        }
        .and_then(Value::as_str)
    }

    fn event(&self) -> Option<&Value> {
        match self {
            Env::V02(v) => v.and_then(|v| v.get("github_event_payload")),
            Env::V1(v) => v.and_then(|v| v.get("GITHUB_EVENT_PAYLOAD")),
        }
    }
}

/// §7.5.10: branch, tag and versioned-tag expectations.
fn check_refs(env: &Env<'_>, expected: &SlsaSource) -> Result<()> {
    let github_ref = env.get("github_ref").unwrap_or("");
    let ref_type = env.get("github_ref_type").unwrap_or("");
    let tag_ref = (ref_type == "tag").then_some(github_ref);
    let branch_ref = if ref_type == "branch" {
        Some(github_ref.to_owned())
    } else {
        // Tag builds: the branch the tag was made from, if the event says.
        env.get("github_base_ref")
            .filter(|b| !b.is_empty())
            .map(str::to_owned)
            .or_else(|| {
                let ev = env.event()?;
                match env.get("github_event_name")? {
                    "push" => ev
                        .get("base_ref")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    "release" => ev
                        .pointer("/release/target_commitish")
                        .and_then(Value::as_str)
                        .map(|b| format!("refs/heads/{b}")),
                    _ => None,
                }
            })
    };
    check_ref_expectations(expected, tag_ref, branch_ref.as_deref())
}

/// §7.5.10: the caller's branch, tag and versioned-tag expectations against
/// the build's tag ref (`refs/tags/…`, tag builds only) and branch ref.
fn check_ref_expectations(
    expected: &SlsaSource,
    tag_ref: Option<&str>,
    branch_ref: Option<&str>,
) -> Result<()> {
    if let Some(branch) = &expected.source_branch {
        if branch_ref.and_then(|r| r.strip_prefix("refs/heads/")) != Some(branch.as_str()) {
            return Err(Error::mismatch(
                ErrorKind::BranchMismatch,
                "7.5.10",
                "source branch",
                branch,
                &branch_ref,
            ));
        }
    }
    if let Some(tag) = &expected.source_tag {
        let want = format!("refs/tags/{tag}");
        if tag_ref != Some(want.as_str()) {
            return Err(Error::mismatch(
                ErrorKind::TagMismatch,
                "7.5.10",
                "source tag",
                &want,
                &tag_ref,
            ));
        }
    }
    if let Some(vt) = &expected.source_versioned_tag {
        let tag = tag_ref.and_then(|r| r.strip_prefix("refs/tags/"));
        if !tag.is_some_and(|t| versioned_tag_matches(vt, t)) {
            return Err(Error::mismatch(
                ErrorKind::VersionedTagMismatch,
                "7.5.10",
                "versioned tag",
                vt,
                &tag,
            ));
        }
    }
    Ok(())
}

/// `v1` accepts `v1.4.2`; `v1.2` accepts `v1.2.9`; `v1.2.3` accepts `v1.2.3[+build]`.
fn versioned_tag_matches(expected: &str, actual: &str) -> bool {
    fn parts(s: &str) -> Option<(Vec<u64>, String)> {
        let s = s.strip_prefix('v')?;
        let s = s.split_once('+').map_or(s, |(a, _)| a);
        let (core, pre) = s
            .split_once('-')
            .map_or((s, String::new()), |(c, p)| (c, p.to_owned()));
        let nums = core
            .split('.')
            .map(|p| p.parse::<u64>().ok())
            .collect::<Option<Vec<_>>>()?;
        (1..=3).contains(&nums.len()).then_some((nums, pre))
    }
    let (Some((want, want_pre)), Some((mut got, got_pre))) = (parts(expected), parts(actual))
    else {
        return false;
    };
    // slsa-verifier canonicalises semver: `v14` is `v14.0.0`.
    got.resize(3, 0);
    let prefix_ok = want.iter().zip(&got).all(|(a, b)| a == b);
    prefix_ok && (want.len() < 3 || want_pre == got_pre)
}

/// §7.6.5 (and §7.6.1–§7.6.3 via `check`): the predicate of a GitHub artifact
/// attestation must agree with the certificate.
fn check_github(claims: &Claims, st: &Statement, expected: &SlsaSource) -> Result<()> {
    // §7.6.3: any workflow of the repository can make these; as slsa-verifier
    // does, the caller must name the signer workflow (builder id).
    if expected.builder_id.is_none() {
        return Err(Error::new(
            ErrorKind::UntrustedBuilder,
            "7.6.3",
            format!(
                "GitHub artifact attestations need an explicit --builder-id (the signer workflow); this one was signed by {:?}",
                claims.san
            ),
        ));
    }
    let p = &st.predicate;
    let m = |what: &str, want: Option<&str>, got: Option<&str>| -> Result<()> {
        if want.is_some() && want == got {
            Ok(())
        } else {
            Err(Error::mismatch(
                ErrorKind::ProvenanceCertificateMismatch,
                "7.6.5",
                what,
                &want,
                &got,
            ))
        }
    };
    let s = |ptr: &str| p.pointer(ptr).and_then(Value::as_str);
    m(
        "runDetails.builder.id",
        Some(claims.san.as_str()),
        s("/runDetails/builder/id"),
    )?;
    let repo = claims.ext(oid::SOURCE_REPOSITORY_URI);
    m(
        "externalParameters.workflow.repository",
        repo,
        s("/buildDefinition/externalParameters/workflow/repository"),
    )?;
    let config = claims.ext(oid::BUILD_CONFIG_URI).unwrap_or("");
    let after_repo = repo
        .and_then(|r| config.strip_prefix(r))
        .and_then(|c| c.strip_prefix('/'));
    let (path, wref) = after_repo.and_then(|c| c.split_once('@')).unzip();
    m(
        "externalParameters.workflow.path",
        path,
        s("/buildDefinition/externalParameters/workflow/path"),
    )?;
    m(
        "externalParameters.workflow.ref",
        wref,
        s("/buildDefinition/externalParameters/workflow/ref"),
    )?;
    let dep = repo
        .zip(claims.ext(oid::SOURCE_REPOSITORY_REF))
        .map(|(r, rf)| format!("git+{r}@{rf}"));
    m(
        "resolvedDependencies[0].uri",
        dep.as_deref(),
        s("/buildDefinition/resolvedDependencies/0/uri"),
    )?;
    // Predicate fields that must equal one certificate extension each.
    let same_as_extension = [
        (
            "resolvedDependencies[0].digest.gitCommit",
            oid::SOURCE_REPOSITORY_DIGEST,
            "/buildDefinition/resolvedDependencies/0/digest/gitCommit",
        ),
        (
            "github.event_name",
            oid::BUILD_TRIGGER,
            "/buildDefinition/internalParameters/github/event_name",
        ),
        (
            "github.repository_id",
            oid::SOURCE_REPOSITORY_IDENTIFIER,
            "/buildDefinition/internalParameters/github/repository_id",
        ),
        (
            "github.repository_owner_id",
            oid::SOURCE_REPOSITORY_OWNER_IDENTIFIER,
            "/buildDefinition/internalParameters/github/repository_owner_id",
        ),
        (
            "github.runner_environment",
            oid::RUNNER_ENVIRONMENT,
            "/buildDefinition/internalParameters/github/runner_environment",
        ),
        (
            "runDetails.metadata.invocationId",
            oid::RUN_INVOCATION_URI,
            "/runDetails/metadata/invocationId",
        ),
    ];
    for (what, ext, ptr) in same_as_extension {
        m(what, claims.ext(ext), s(ptr))?;
    }
    // §7.5.10 expectations, from the certificate's source ref (.1.14).
    let cert_ref = claims.ext(oid::SOURCE_REPOSITORY_REF);
    check_ref_expectations(
        expected,
        cert_ref.filter(|r| r.starts_with("refs/tags/")),
        cert_ref.filter(|r| r.starts_with("refs/heads/")),
    )?;
    if let Some(id) = &expected.builder_id {
        // §7.6.3: the SAN split at its first `@` is the signer workflow and
        // its ref; a caller's version must be exactly that ref (issue 10).
        let (want, want_ver) = split_builder_id(id);
        let (san_name, san_ref) = claims
            .san
            .split_once('@')
            .unwrap_or((claims.san.as_str(), ""));
        let version_ok = want_ver.is_none_or(|v| builder_version_matches(san_ref, v));
        if san_name != want || !version_ok {
            return Err(Error::mismatch(
                ErrorKind::BuilderIdMismatch,
                "7.6.3",
                "signer workflow",
                &id,
                &claims.san,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_tags() {
        assert!(versioned_tag_matches("v1", "v1.4.2"));
        assert!(versioned_tag_matches("v1.2", "v1.2.9"));
        assert!(versioned_tag_matches("v1.2.3", "v1.2.3+build"));
        assert!(!versioned_tag_matches("v1.2.3", "v1.2.4"));
        assert!(!versioned_tag_matches("v2", "v1.4.2"));
        assert!(!versioned_tag_matches("v1", "release-1"));
        assert!(versioned_tag_matches("v14", "v14"));
        assert!(versioned_tag_matches("v14.0", "v14"));
        assert!(!versioned_tag_matches("v14.1", "v14"));
    }

    #[test]
    fn builder_versions_match_exactly() {
        assert!(builder_version_matches("refs/tags/v2.1.0", "v2.1.0"));
        assert!(builder_version_matches(
            "refs/tags/v2.1.0",
            "refs/tags/v2.1.0"
        ));
        assert!(builder_version_matches("v2.1.0", "v2.1.0"));
        for wrong in [
            "v2.1",
            "v2",
            "2.1.0",
            "v2.1.0.0",
            "v2.1.1",
            "",
            "refs/heads/v2.1.0",
            "tags/v2.1.0",
        ] {
            assert!(
                !builder_version_matches("refs/tags/v2.1.0", wrong),
                "{wrong}"
            );
        }
        assert_eq!(split_builder_id("a/b.yml@v1"), ("a/b.yml", Some("v1")));
        assert_eq!(split_builder_id("a/b.yml"), ("a/b.yml", None));
        assert_eq!(
            split_builder_id("a@refs/tags/p@1"),
            ("a", Some("refs/tags/p@1"))
        );
    }

    #[test]
    fn builder_tags() {
        assert!(is_builder_tag("refs/tags/v2.1.0"));
        assert!(!is_builder_tag("refs/heads/main"));
        assert!(!is_builder_tag("refs/tags/v2.1.0-rc.1"));
        assert!(!is_builder_tag("refs/tags/v2.1"));
    }

    #[test]
    fn rejects_conflicting_workflow_claims() {
        use crate::claims::SanKind;
        let base = [
            (oid::SOURCE_REPOSITORY_URI, "https://github.com/o/r"),
            (
                oid::BUILD_CONFIG_URI,
                "https://github.com/o/r/.github/workflows/b.yml@refs/tags/v1",
            ),
            (oid::SOURCE_REPOSITORY_DIGEST, "aaaa"),
        ];
        let claims = |extra: &[(u32, &str)]| {
            Claims::for_test(
                "https://github.com/x",
                SanKind::Uri,
                &[&base[..], extra].concat(),
            )
        };
        assert!(check_workflow_identity(&claims(&[(oid::BUILD_CONFIG_DIGEST, "aaaa")])).is_ok());
        let kind = |c: &Claims| check_workflow_identity(c).map_err(|e| e.kind());
        assert_eq!(
            kind(&claims(&[(oid::BUILD_CONFIG_DIGEST, "bbbb")])),
            Err(ErrorKind::CertificateProfileInvalid)
        );
        let other_repo = Claims::for_test(
            "https://github.com/x",
            SanKind::Uri,
            &[
                (oid::SOURCE_REPOSITORY_URI, "https://github.com/o/r"),
                (
                    oid::BUILD_CONFIG_URI,
                    "https://github.com/o/r2/.github/workflows/b.yml@main",
                ),
            ],
        );
        assert_eq!(kind(&other_repo), Err(ErrorKind::CertificateProfileInvalid));
    }

    #[test]
    fn ref_expectations_name_the_failing_rule() {
        let want = |tag: Option<&str>, branch: Option<&str>, vt: Option<&str>| SlsaSource {
            source_uri: "github.com/o/r".into(),
            source_tag: tag.map(Into::into),
            source_branch: branch.map(Into::into),
            source_versioned_tag: vt.map(Into::into),
            builder_id: None,
        };
        let check = |e: &SlsaSource, t, b| check_ref_expectations(e, t, b).map_err(|e| e.kind());
        let tag = Some("refs/tags/v1.2.3");
        let main = Some("refs/heads/main");
        assert_eq!(
            check(&want(Some("v1.2.3"), Some("main"), Some("v1")), tag, main),
            Ok(())
        );
        assert_eq!(
            check(&want(Some("v1.2.4"), None, None), tag, main),
            Err(ErrorKind::TagMismatch)
        );
        assert_eq!(
            check(&want(Some("v1.2.3"), None, None), None, main),
            Err(ErrorKind::TagMismatch)
        );
        assert_eq!(
            check(&want(None, Some("dev"), None), tag, main),
            Err(ErrorKind::BranchMismatch)
        );
        assert_eq!(
            check(&want(None, None, Some("v2")), tag, main),
            Err(ErrorKind::VersionedTagMismatch)
        );
    }

    #[test]
    fn repo_forms() {
        assert_eq!(repo_of("github.com/o/r"), "o/r");
        assert_eq!(repo_of("git+https://github.com/o/r"), "o/r");
        assert_eq!(repo_of("https://github.com/o/r"), "o/r");
    }
}
