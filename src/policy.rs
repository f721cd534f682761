// SPDX-License-Identifier: Apache-2.0
//! Identity policies on a verified certificate (spec §7.2–§7.4): a raw
//! Sigstore identity, and the PEP 740 Trusted Publishers. The caller's
//! policy decides; nothing here trusts a claim the index made.

use regex::Regex;

use crate::claims::{oid, Claims, SanKind};
use crate::error::{Error, ErrorKind, Result};

pub(crate) const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
pub(crate) const GITLAB_ISSUER: &str = "https://gitlab.com";
pub(crate) const GOOGLE_ISSUER: &str = "https://accounts.google.com";
pub(crate) const CIRCLECI_ISSUER: &str = "https://oidc.circleci.com";

/// Longest identity regex we compile (bounds compile time and memory).
const REGEX_MAX: usize = 4096;

/// How a certificate identity (SAN) is matched (spec §7.3, P6).
#[derive(Debug, Clone)]
pub enum IdentityMatch {
    /// Byte-for-byte equality.
    Exact(String),
    /// A regex matched against the whole SAN (implicitly `^(?:…)$`).
    Regex(Regex),
}

impl IdentityMatch {
    /// A fully anchored regex.
    ///
    /// # Errors
    /// `UsageError` if the pattern is too long or invalid.
    pub fn regex(pattern: &str) -> Result<Self> {
        if pattern.len() > REGEX_MAX {
            return Err(Error::new(
                ErrorKind::UsageError,
                "7.3",
                "identity regex is too long",
            ));
        }
        regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
            .size_limit(1 << 20)
            .build()
            .map(Self::Regex)
            .map_err(|e| {
                Error::new(
                    ErrorKind::UsageError,
                    "7.3",
                    format!("invalid identity regex: {e}"),
                )
            })
    }

    fn matches(&self, san: &str) -> bool {
        match self {
            Self::Exact(s) => s == san,
            Self::Regex(r) => r.is_match(san),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Exact(s) => format!("{s:?}"),
            Self::Regex(r) => format!("a SAN matching /{}/", r.as_str()),
        }
    }
}

/// A PEP 740 Trusted Publisher (spec §7.4), as the caller expects it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    missing_docs,
    reason = "fields are the PEP 740 publisher fields of the same name"
)]
pub enum Publisher {
    /// GitHub Actions: `owner/repo` and the workflow file name.
    GitHub {
        repository: String,
        workflow: String,
        environment: Option<String>,
        /// Fulcio .1.15, when the caller pins it (issue 14).
        repository_id: Option<String>,
        /// Fulcio .1.17, when the caller pins it (issue 14).
        owner_id: Option<String>,
    },
    /// GitLab CI: `namespace/project` and the CI file path.
    GitLab {
        repository: String,
        workflow_filepath: String,
        environment: Option<String>,
        /// Fulcio .1.15, when the caller pins it (issue 14).
        repository_id: Option<String>,
        /// Fulcio .1.17, when the caller pins it (issue 14).
        owner_id: Option<String>,
    },
    /// Google Cloud Build: the service-account e-mail.
    Google { email: String },
    /// CircleCI: project and pipeline definition ids.
    CircleCi {
        project_id: String,
        pipeline_definition_id: String,
        vcs_origin: Option<String>,
        vcs_ref: Option<String>,
    },
}

/// The caller's policy: who must have built the artifact (docs/verifying.md).
#[derive(Debug, Clone)]
pub enum Policy {
    /// A raw Sigstore identity (SAN and issuer).
    Identity {
        /// SAN matcher.
        identity: IdentityMatch,
        /// Exact OIDC issuer.
        issuer: String,
    },
    /// A PEP 740 Trusted Publisher.
    Publisher(Publisher),
    /// slsa-verifier style source and builder expectations.
    Slsa(crate::slsa::SlsaSource),
}

impl Policy {
    /// Parse the JSON form the Python layer sends (`{"kind": "github", …}`).
    ///
    /// # Errors
    /// `UsageError` for an unknown kind, a missing or empty field.
    pub fn from_json(text: &str) -> Result<Self> {
        let value = crate::json::parse(text.as_bytes(), 1 << 16, "policy")
            .map_err(|e| Error::new(ErrorKind::UsageError, "7", e.detail().to_owned()))?;
        let o = crate::json::Obj::new(&value, ErrorKind::UsageError, "7", "policy")?;
        let req = |k: &str| -> Result<String> {
            let v = o.str(k)?;
            if v.is_empty() {
                return Err(o.err(format!("policy field {k} must not be empty")));
            }
            Ok(v.to_owned())
        };
        let opt = |k: &str| -> Result<Option<String>> {
            Ok(o.opt_str(k)?.filter(|v| !v.is_empty()).map(str::to_owned))
        };
        Ok(match o.str("kind")? {
            "identity" => {
                let identity = req("identity")?;
                let identity = if o.opt("regex").and_then(serde_json::Value::as_bool) == Some(true)
                {
                    IdentityMatch::regex(&identity)?
                } else {
                    IdentityMatch::Exact(identity)
                };
                Self::Identity {
                    identity,
                    issuer: req("issuer")?,
                }
            }
            "github" => Self::Publisher(Publisher::GitHub {
                repository: req("repository")?,
                workflow: req("workflow")?,
                environment: opt("environment")?,
                repository_id: opt("repository_id")?,
                owner_id: opt("owner_id")?,
            }),
            "gitlab" => Self::Publisher(Publisher::GitLab {
                repository: req("repository")?,
                workflow_filepath: req("workflow_filepath")?,
                environment: opt("environment")?,
                repository_id: opt("repository_id")?,
                owner_id: opt("owner_id")?,
            }),
            "google" => Self::Publisher(Publisher::Google {
                email: req("email")?,
            }),
            "circleci" => Self::Publisher(Publisher::CircleCi {
                project_id: req("project_id")?,
                pipeline_definition_id: req("pipeline_definition_id")?,
                vcs_origin: opt("vcs_origin")?,
                vcs_ref: opt("vcs_ref")?,
            }),
            "slsa" => Self::Slsa(crate::slsa::SlsaSource {
                source_uri: req("source_uri")?,
                source_tag: opt("source_tag")?,
                source_branch: opt("source_branch")?,
                source_versioned_tag: opt("source_versioned_tag")?,
                builder_id: opt("builder_id")?,
            }),
            other => return Err(o.err(format!("unknown policy kind {other:?}"))),
        })
    }
}

/// Check a raw identity: effective issuer exact, SAN exact or anchored regex.
///
/// # Errors
/// `IssuerMismatch` or `IdentityMismatch`.
pub fn check_identity(claims: &Claims, identity: &IdentityMatch, issuer: &str) -> Result<()> {
    let actual = claims.issuer();
    if actual != Some(issuer) {
        return Err(Error::mismatch(
            ErrorKind::IssuerMismatch,
            "7.3",
            "OIDC issuer",
            &issuer,
            &actual,
        ));
    }
    if !identity.matches(&claims.san) {
        return Err(Error::new(
            ErrorKind::IdentityMismatch,
            "7.3",
            format!(
                "certificate identity: expected {}, found {:?}",
                identity.describe(),
                claims.san
            ),
        ));
    }
    Ok(())
}

/// What the publisher check could not prove from signed evidence alone.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PublisherOutcome {
    /// True when the environment rests on the index's word (§7.4.1.4b).
    pub environment_unchecked: bool,
}

fn mismatch(field: &str, expected: &dyn std::fmt::Debug, actual: &dyn std::fmt::Debug) -> Error {
    Error::mismatch(ErrorKind::PublisherMismatch, "7.4", field, expected, actual)
}

/// Check `claims` against the expected publisher (spec §7.4). `index_environment`
/// is the `environment` of the publisher object that came with the provenance.
///
/// # Errors
/// `PublisherMismatch` naming the failing field.
pub fn check_publisher(
    claims: &Claims,
    expected: &Publisher,
    index_environment: Option<&str>,
) -> Result<PublisherOutcome> {
    match expected {
        Publisher::GitHub {
            repository,
            workflow,
            environment,
            repository_id,
            owner_id,
        } => {
            let issuer = claims.ext(oid::ISSUER);
            if issuer != Some(GITHUB_ISSUER) {
                return Err(mismatch("issuer (.1.8)", &GITHUB_ISSUER, &issuer));
            }
            let repo_uri = format!("https://github.com/{repository}");
            let actual = claims.ext(oid::SOURCE_REPOSITORY_URI);
            if actual != Some(repo_uri.as_str()) {
                return Err(mismatch("source repository (.1.12)", &repo_uri, &actual));
            }
            let base = format!("{repo_uri}/.github/workflows/{workflow}@");
            check_build_config(claims, &base, false)?;
            check_ids(claims, repository_id.as_deref(), owner_id.as_deref())?;
            check_environment(claims, environment.as_deref(), index_environment)
        }
        Publisher::GitLab {
            repository,
            workflow_filepath,
            environment,
            repository_id,
            owner_id,
        } => {
            let issuer = claims.ext(oid::ISSUER);
            if issuer != Some(GITLAB_ISSUER) {
                return Err(mismatch("issuer (.1.8)", &GITLAB_ISSUER, &issuer));
            }
            let repo_uri = format!("https://gitlab.com/{repository}");
            let actual = claims.ext(oid::SOURCE_REPOSITORY_URI);
            if actual != Some(repo_uri.as_str()) {
                return Err(mismatch("source repository (.1.12)", &repo_uri, &actual));
            }
            let base = format!("{repo_uri}//{workflow_filepath}@");
            check_build_config(claims, &base, true)?;
            check_ids(claims, repository_id.as_deref(), owner_id.as_deref())?;
            check_environment(claims, environment.as_deref(), index_environment)
        }
        Publisher::Google { email } => {
            let issuer = claims
                .ext(oid::ISSUER_LEGACY)
                .or_else(|| claims.ext(oid::ISSUER));
            if issuer != Some(GOOGLE_ISSUER) {
                return Err(mismatch("issuer (.1.1)", &GOOGLE_ISSUER, &issuer));
            }
            if claims.san_kind != SanKind::Email || claims.san != *email {
                return Err(mismatch("service account (SAN)", email, &claims.san));
            }
            Ok(PublisherOutcome::default())
        }
        Publisher::CircleCi {
            project_id,
            pipeline_definition_id,
            vcs_origin,
            vcs_ref,
        } => {
            let issuer = claims.issuer();
            if issuer != Some(CIRCLECI_ISSUER) {
                return Err(mismatch("issuer", &CIRCLECI_ISSUER, &issuer));
            }
            let san = format!(
                "https://circleci.com/api/v2/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}"
            );
            if claims.san != san {
                return Err(mismatch("pipeline definition (SAN)", &san, &claims.san));
            }
            if let Some(origin) = vcs_origin {
                let actual = claims.ext(oid::SOURCE_REPOSITORY_URI);
                if actual != Some(origin.as_str()) {
                    return Err(mismatch("VCS origin (.1.12)", origin, &actual));
                }
            }
            if let Some(r) = vcs_ref {
                let actual = claims.ext(oid::SOURCE_REPOSITORY_REF);
                if actual != Some(r.as_str()) {
                    return Err(mismatch("VCS ref (.1.14)", r, &actual));
                }
            }
            Ok(PublisherOutcome::default())
        }
    }
}

/// The repository and owner ids, when the caller pins them (issue 14): a
/// certificate without them fails.
fn check_ids(claims: &Claims, repository_id: Option<&str>, owner_id: Option<&str>) -> Result<()> {
    for (want, n, what) in [
        (
            repository_id,
            oid::SOURCE_REPOSITORY_IDENTIFIER,
            "repository id (.1.15)",
        ),
        (
            owner_id,
            oid::SOURCE_REPOSITORY_OWNER_IDENTIFIER,
            "repository owner id (.1.17)",
        ),
    ] {
        if let Some(want) = want {
            let actual = claims.ext(n);
            if actual != Some(want) {
                return Err(mismatch(what, &want, &actual));
            }
        }
    }
    Ok(())
}

/// §7.4.1.3 / §7.4.2.4: Build Config URI == base + (digest or ref).
fn check_build_config(claims: &Claims, base: &str, need_both: bool) -> Result<()> {
    let digest = claims.ext(oid::SOURCE_REPOSITORY_DIGEST);
    let git_ref = claims.ext(oid::SOURCE_REPOSITORY_REF);
    if need_both && (digest.is_none() || git_ref.is_none()) {
        return Err(mismatch(
            "source digest and ref (.1.13, .1.14)",
            &"both present",
            &(digest, git_ref),
        ));
    }
    if digest.is_none() && git_ref.is_none() {
        return Err(mismatch(
            "source digest or ref (.1.13/.1.14)",
            &"one present",
            &"neither",
        ));
    }
    let actual = claims.ext(oid::BUILD_CONFIG_URI);
    let ok = [digest, git_ref]
        .into_iter()
        .flatten()
        .any(|suffix| actual == Some(format!("{base}{suffix}").as_str()));
    if !ok {
        return Err(mismatch(
            "build config / workflow (.1.18)",
            &format!("{base}<ref or sha>"),
            &actual,
        ));
    }
    Ok(())
}

/// §7.4.1.4: the environment, when the caller names one.
fn check_environment(
    claims: &Claims,
    expected: Option<&str>,
    index: Option<&str>,
) -> Result<PublisherOutcome> {
    let Some(expected) = expected.filter(|e| !e.is_empty()) else {
        return Ok(PublisherOutcome::default());
    };
    if let Some(signed) = claims.ext(oid::DEPLOYMENT_ENVIRONMENT) {
        if signed != expected {
            return Err(mismatch("environment (.1.23)", &expected, &signed));
        }
        return Ok(PublisherOutcome::default());
    }
    if index == Some(expected) {
        return Ok(PublisherOutcome {
            environment_unchecked: true,
        });
    }
    Err(mismatch("environment", &expected, &index))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github(workflow: &str) -> Publisher {
        Publisher::GitHub {
            repository: "o/r".into(),
            workflow: workflow.into(),
            environment: None,
            repository_id: None,
            owner_id: None,
        }
    }

    fn claims(ext: &[(u32, &str)]) -> Claims {
        Claims::for_test(
            "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1",
            SanKind::Uri,
            ext,
        )
    }

    const BASE: &[(u32, &str)] = &[
        (oid::ISSUER, GITHUB_ISSUER),
        (oid::SOURCE_REPOSITORY_URI, "https://github.com/o/r"),
        (
            oid::BUILD_CONFIG_URI,
            "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1",
        ),
    ];

    #[test]
    fn accepts_github_with_ref_only() {
        let c = claims(&[BASE, &[(oid::SOURCE_REPOSITORY_REF, "refs/tags/v1")]].concat());
        assert!(check_publisher(&c, &github("release.yml"), None).is_ok());
    }

    #[test]
    fn rejects_github_without_ref_or_digest() {
        let r = check_publisher(&claims(BASE), &github("release.yml"), None);
        assert_eq!(r.map_err(|e| e.kind()), Err(ErrorKind::PublisherMismatch));
    }

    #[test]
    fn rejects_workflow_suffix_tricks() {
        let c = claims(&[BASE, &[(oid::SOURCE_REPOSITORY_REF, "refs/tags/v1")]].concat());
        for w in ["release.yml.bak", "elease.yml", "release"] {
            let r = check_publisher(&c, &github(w), None);
            assert_eq!(
                r.map_err(|e| e.kind()),
                Err(ErrorKind::PublisherMismatch),
                "{w}"
            );
        }
    }

    #[test]
    fn environment_rests_on_signed_claim_first() {
        let mut ext = [BASE, &[(oid::SOURCE_REPOSITORY_REF, "refs/tags/v1")]].concat();
        let want = Publisher::GitHub {
            repository: "o/r".into(),
            workflow: "release.yml".into(),
            environment: Some("pypi".into()),
            repository_id: None,
            owner_id: None,
        };
        let r = check_publisher(&claims(&ext), &want, Some("pypi"));
        assert_eq!(r.map(|o| o.environment_unchecked), Ok(true));
        assert!(check_publisher(&claims(&ext), &want, Some("")).is_err());
        ext.push((oid::DEPLOYMENT_ENVIRONMENT, "staging"));
        assert_eq!(
            check_publisher(&claims(&ext), &want, Some("pypi")).map_err(|e| e.kind()),
            Err(ErrorKind::PublisherMismatch)
        );
    }
}
