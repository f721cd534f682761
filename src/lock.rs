// SPDX-License-Identifier: Apache-2.0
//! PEP 751 lock files that pin verified attestation identities (issue 14).
//!
//! `pip-verify lock` writes an identity into `[[packages.attestation-identities]]`
//! only after the attestation verified, from the verified certificate (never
//! from the index's publisher object); `install -r pylock.toml` compares the
//! identity of each verified file with the pinned ones here. Never the ref or
//! the commit: those change with every release.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::claims::{oid, Claims, SanKind};
use crate::dist::normalize;
use crate::error::{Error, ErrorKind, Result};
use crate::limits;
use crate::policy::{CIRCLECI_ISSUER, GITHUB_ISSUER, GITLAB_ISSUER, GOOGLE_ISSUER};

/// Our `[tool.…]` table name.
pub const TOOL: &str = "slsa-verify-rs";

/// One pinned identity: the publisher kind and PyPI's spelling of its fields,
/// plus the immutable repository and owner ids from the certificate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[expect(
    missing_docs,
    reason = "fields are PyPI's publisher fields of the same name"
)]
pub struct Identity {
    /// `GitHub`, `GitLab`, `Google`, `CircleCI`, or `Sigstore` (a raw SAN and issuer).
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_filepath: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_definition_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs_origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Fulcio .1.15 (GitHub and GitLab).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_id: Option<String>,
    /// Fulcio .1.17 (GitHub and GitLab).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_owner_id: Option<String>,
    /// Fields this tool does not know (another tool's lock). A pin with any
    /// never matches: a condition we cannot check is not a condition met.
    #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, toml::Value>,
}

impl Identity {
    /// `GitHub woodruffw/abi3info release.yml (repository_id "…", …)`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut out = self.kind.clone();
        for v in [
            &self.repository,
            &self.workflow,
            &self.workflow_filepath,
            &self.email,
            &self.project_id,
            &self.pipeline_definition_id,
            &self.vcs_origin,
            &self.identity,
            &self.issuer,
        ]
        .into_iter()
        .flatten()
        {
            out.push(' ');
            out.extend(v.escape_debug());
        }
        let ids: Vec<String> = [
            ("repository_id", &self.repository_id),
            ("repository_owner_id", &self.repository_owner_id),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v:?}")))
        .chain(self.other.iter().map(|(k, v)| format!("{k:?} = {v}")))
        .collect();
        if !ids.is_empty() {
            out.push_str(&format!(" ({})", ids.join(", ")));
        }
        out
    }

    fn names(&self) -> Self {
        Self {
            repository_id: None,
            repository_owner_id: None,
            ..self.clone()
        }
    }

    /// Does `found` (from a verified certificate) satisfy this pin? Every name
    /// field equal; each id, when pinned, equal (a certificate without it fails).
    #[must_use]
    pub fn admits(&self, found: &Self) -> bool {
        let id_ok = |pinned: &Option<String>, got: &Option<String>| {
            pinned.is_none() || pinned.as_deref() == got.as_deref()
        };
        self.other.is_empty()
            && self.names() == found.names()
            && id_ok(&self.repository_id, &found.repository_id)
            && id_ok(&self.repository_owner_id, &found.repository_owner_id)
    }
}

/// The identity a verified certificate proves, in PyPI's publisher terms.
/// CI publishers whose claims do not have the expected shape, and people,
/// are pinned by their raw SAN and issuer (`kind = "Sigstore"`).
#[must_use]
pub fn identity_from_claims(claims: &Claims) -> Identity {
    let ext = |n: u32| claims.ext(n).map(str::to_owned);
    let issuer = claims.issuer();
    let repo_uri = claims.ext(oid::SOURCE_REPOSITORY_URI);
    let config = claims.ext(oid::BUILD_CONFIG_URI);
    // The workflow (file path) between "<repo>/<sep>" and the '@' of the ref.
    let workflow = |host: &str, sep: &str| -> Option<(String, String)> {
        let repo = repo_uri?.strip_prefix(host)?;
        let rest = config?.strip_prefix(&format!("{}{sep}", repo_uri?))?;
        let (file, _) = rest.split_once('@')?;
        (!repo.is_empty() && !file.is_empty()).then(|| (repo.to_owned(), file.to_owned()))
    };
    match issuer {
        Some(GITHUB_ISSUER) => {
            if let Some((repository, wf)) = workflow("https://github.com/", "/.github/workflows/") {
                return Identity {
                    kind: "GitHub".into(),
                    repository: Some(repository),
                    workflow: Some(wf),
                    repository_id: ext(oid::SOURCE_REPOSITORY_IDENTIFIER),
                    repository_owner_id: ext(oid::SOURCE_REPOSITORY_OWNER_IDENTIFIER),
                    ..Identity::default()
                };
            }
        }
        Some(GITLAB_ISSUER) => {
            if let Some((repository, wf)) = workflow("https://gitlab.com/", "//") {
                return Identity {
                    kind: "GitLab".into(),
                    repository: Some(repository),
                    workflow_filepath: Some(wf),
                    repository_id: ext(oid::SOURCE_REPOSITORY_IDENTIFIER),
                    repository_owner_id: ext(oid::SOURCE_REPOSITORY_OWNER_IDENTIFIER),
                    ..Identity::default()
                };
            }
        }
        Some(GOOGLE_ISSUER) if claims.san_kind == SanKind::Email => {
            return Identity {
                kind: "Google".into(),
                email: Some(claims.san.clone()),
                ..Identity::default()
            };
        }
        Some(CIRCLECI_ISSUER) => {
            let ids = claims
                .san
                .strip_prefix("https://circleci.com/api/v2/projects/")
                .and_then(|r| r.split_once("/pipeline-definitions/"))
                .filter(|(p, d)| !p.is_empty() && !d.is_empty() && !d.contains('/'));
            if let Some((project, pipeline)) = ids {
                return Identity {
                    kind: "CircleCI".into(),
                    project_id: Some(project.to_owned()),
                    pipeline_definition_id: Some(pipeline.to_owned()),
                    vcs_origin: ext(oid::SOURCE_REPOSITORY_URI),
                    ..Identity::default()
                };
            }
        }
        _ => {}
    }
    Identity {
        kind: "Sigstore".into(),
        identity: Some(claims.san.clone()),
        issuer: issuer.map(str::to_owned),
        ..Identity::default()
    }
}

/// Step 9.3: the verified identity must satisfy one of the pinned ones.
///
/// # Errors
/// `IdentityChanged` showing the pinned and the found identity side by side.
pub fn check_identity(project: &str, pinned: &[Identity], found: &Identity) -> Result<()> {
    if pinned.is_empty() || pinned.iter().any(|p| p.admits(found)) {
        return Ok(());
    }
    let locked: Vec<String> = pinned.iter().map(Identity::describe).collect();
    let mut detail = format!(
        "{}: the lock pins {}; the attestation was signed by {}",
        project.escape_debug(),
        locked.join(" or "),
        found.describe()
    );
    if let Some(same) = pinned.iter().find(|p| {
        p.repository_id.is_some()
            && p.repository_id == found.repository_id
            && p.repository_owner_id == found.repository_owner_id
    }) {
        if same.names() != found.names() {
            detail.push_str(" (same repository id, new name: the repository or its workflow was renamed or moved)");
        }
    } else if pinned.iter().any(|p| {
        p.names() == found.names()
            && p.repository_id.is_some()
            && p.repository_id != found.repository_id
    }) {
        detail.push_str(
            " (same name, another repository id: the repository was deleted and re-created, \
             possibly by someone else)",
        );
    }
    detail.push_str(". If the change is legitimate, re-lock with --accept-identity NAME");
    Err(Error::new(ErrorKind::IdentityChanged, "9.3", detail))
}

/// One file of a locked package (PEP 751 `[[packages.wheels]]` / `[packages.sdist]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LockedFile {
    /// The file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where it was fetched from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A local path (other tools' locks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `{sha256 = "…"}`.
    #[serde(default)]
    pub hashes: BTreeMap<String, String>,
}

impl LockedFile {
    /// The file name: `name`, else the last segment of `url` or `path`.
    #[must_use]
    pub fn filename(&self) -> Option<&str> {
        self.name.as_deref().or_else(|| {
            let from = self.url.as_deref().or(self.path.as_deref())?;
            let clean = from.split(['#', '?']).next().unwrap_or(from);
            clean.rsplit('/').next()
        })
    }
}

/// One `[[packages]]` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LockedPackage {
    /// Normalised project name.
    pub name: String,
    /// Exact version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Environment marker (other tools' multi-environment locks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// The index it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// The sdist, when locked (`--allow-sdist` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdist: Option<LockedFile>,
    /// The wheels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wheels: Vec<LockedFile>,
    /// The pinned identities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestation_identities: Vec<Identity>,
}

impl LockedPackage {
    fn files(&self) -> impl Iterator<Item = &LockedFile> {
        self.wheels.iter().chain(self.sdist.iter())
    }
}

/// A change a person accepted while re-locking, kept for reviewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The package.
    pub name: String,
    /// `identity` (`--accept-identity`) or `downgrade` (`--allow-downgrade`).
    pub change: String,
    /// What the lock pinned before.
    pub locked: String,
    /// What was found and is pinned now.
    pub found: String,
}

/// `[tool.slsa-verify-rs]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolTable {
    /// Packages locked without provenance (allowed with `--allow-unattested`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unattested: Vec<String>,
    /// Accepted identity changes and downgrades.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<Accepted>,
    /// The platform the lock was resolved for (`lock --platform …`); absent
    /// for the machine that ran `lock`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

impl Target {
    /// Every value is what pip takes for that option (tags are ASCII
    /// letters, digits, `_` and `.`): the lock is shared, and these values
    /// become pip arguments and table lines.
    ///
    /// # Errors
    /// `LockMismatch` naming the bad field.
    pub fn check(&self) -> Result<()> {
        let tag = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        };
        let fields = self
            .platforms
            .iter()
            .map(|p| ("platforms", p.as_str()))
            .chain(self.abis.iter().map(|a| ("abis", a.as_str())))
            .chain(
                self.python_version
                    .iter()
                    .map(|v| ("python-version", v.as_str())),
            )
            .chain(
                self.implementation
                    .iter()
                    .map(|i| ("implementation", i.as_str())),
            );
        for (field, value) in fields {
            if !tag(value) {
                return Err(lock_err(
                    "9.1",
                    format!("[tool.{TOOL}.target] {field}: {value:?} is not a pip tag"),
                ));
            }
        }
        if self.platforms.len() > 64 || self.abis.len() > 64 {
            return Err(lock_err(
                "9.1",
                format!("[tool.{TOOL}.target]: too many tags"),
            ));
        }
        Ok(())
    }
}

/// pip's target-platform options a lock was resolved for (issue 17).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Target {
    /// `--platform` tags, in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// `--python-version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_version: Option<String>,
    /// `--implementation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<String>,
    /// `--abi` values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub abis: Vec<String>,
}

/// A PEP 751 lock file, as far as this tool reads and writes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LockFile {
    /// `"1.0"`.
    pub lock_version: String,
    /// Markers of the environments the lock is for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// The Python versions the lock is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    /// The tool that wrote it.
    pub created_by: String,
    /// The packages.
    #[serde(default)]
    pub packages: Vec<LockedPackage>,
    /// `[tool]`: ours is typed, others' kept as they are.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tool: BTreeMap<String, toml::Value>,
}

fn lock_err(step: &'static str, detail: impl Into<String>) -> Error {
    Error::new(ErrorKind::LockMismatch, step, detail)
}

impl LockFile {
    /// Parse and check a lock file (step 9.1): at most 4 MiB of UTF-8 TOML,
    /// `lock-version` 1.x, at most 10,000 packages, each named once with
    /// sha256 hashes for its files.
    ///
    /// # Errors
    /// `InputTooLarge` over the limit, `LockMismatch` for anything else.
    pub fn parse(data: &[u8]) -> Result<Self> {
        if data.len() > limits::LOCK_FILE {
            return Err(Error::new(
                ErrorKind::InputTooLarge,
                "0.5",
                "a lock file is at most 4 MiB",
            ));
        }
        let text =
            std::str::from_utf8(data).map_err(|_| lock_err("9.1", "lock file is not UTF-8"))?;
        let lock: Self = toml::from_str(text).map_err(|e| {
            lock_err(
                "9.1",
                format!("lock file is not a PEP 751 lock: {}", e.message()),
            )
        })?;
        if lock.lock_version.split('.').next() != Some("1") {
            return Err(lock_err(
                "9.1",
                format!("unsupported lock-version {:?}", lock.lock_version),
            ));
        }
        if lock.packages.len() > limits::LOCK_PACKAGES {
            return Err(Error::new(
                ErrorKind::InputTooLarge,
                "0.5",
                "a lock file has at most 10,000 packages",
            ));
        }
        let mut seen = BTreeSet::new();
        for p in &lock.packages {
            if p.marker.is_none() && !seen.insert(normalize(&p.name)) {
                return Err(lock_err(
                    "9.1",
                    format!("package {:?} is locked twice", p.name),
                ));
            }
            for f in p.files() {
                let ok = f
                    .hashes
                    .get("sha256")
                    .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
                if !ok || f.filename().is_none() {
                    return Err(lock_err(
                        "9.1",
                        format!("a file of {:?} has no name or no sha256", p.name),
                    ));
                }
            }
        }
        lock.ours()?;
        Ok(lock)
    }

    /// Our `[tool.slsa-verify-rs]` table, if any.
    ///
    /// # Errors
    /// `LockMismatch` when it is not the expected shape.
    pub fn ours(&self) -> Result<Option<ToolTable>> {
        let table = self
            .tool
            .get(TOOL)
            .map(|v| {
                v.clone()
                    .try_into::<ToolTable>()
                    .map_err(|e| lock_err("9.1", format!("[tool.{TOOL}]: {}", e.message())))
            })
            .transpose()?;
        if let Some(t) = table.as_ref().and_then(|t| t.target.as_ref()) {
            t.check()?;
        }
        Ok(table)
    }

    /// The package `project` (normalised) whose files include `filename`
    /// with `sha256` (step 9.2).
    ///
    /// # Errors
    /// `LockMismatch` when the lock has no such package or file.
    pub fn find_file(&self, project: &str, filename: &str, sha256: &str) -> Result<&LockedPackage> {
        let name = normalize(project);
        let candidates: Vec<&LockedPackage> = self
            .packages
            .iter()
            .filter(|p| normalize(&p.name) == name)
            .collect();
        if candidates.is_empty() {
            return Err(Error::new(
                ErrorKind::LockMismatch,
                "9.2",
                format!("{project:?} is not in the lock file (pip picked {filename:?})"),
            ));
        }
        for p in &candidates {
            for f in p.files() {
                if f.filename() == Some(filename)
                    && f.hashes
                        .get("sha256")
                        .map(|h| h.to_ascii_lowercase())
                        .as_deref()
                        == Some(sha256)
                {
                    return Ok(p);
                }
            }
        }
        let locked: Vec<String> = candidates
            .iter()
            .flat_map(|p| p.files())
            .map(|f| {
                format!(
                    "{} sha256:{}",
                    f.filename().unwrap_or("?"),
                    f.hashes.get("sha256").map_or("?", String::as_str)
                )
            })
            .collect();
        Err(Error::new(
            ErrorKind::LockMismatch,
            "9.2",
            format!(
                "{project:?}: the file offered is {filename:?} sha256:{sha256}, the lock has {}",
                locked.join(", ")
            ),
        ))
    }

    /// Is `project` recorded by this tool as locked without provenance?
    #[must_use]
    pub fn locked_unattested(&self, project: &str) -> bool {
        let name = normalize(project);
        self.ours()
            .ok()
            .flatten()
            .is_some_and(|t| t.unattested.iter().any(|u| normalize(u) == name))
    }

    /// `--require-identities`: every package the lock does not record as
    /// unattested must pin an identity.
    ///
    /// # Errors
    /// `LockMismatch` naming the packages without one.
    pub fn require_identities(&self) -> Result<()> {
        let missing: Vec<&str> = self
            .packages
            .iter()
            .filter(|p| p.attestation_identities.is_empty() && !self.locked_unattested(&p.name))
            .map(|p| p.name.as_str())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(lock_err(
            "9.1",
            format!("--require-identities: the lock pins no attestation identity for {missing:?}"),
        ))
    }
}

/// What `pip-verify lock` verified for one package.
#[derive(Debug, Clone, Deserialize)]
pub struct NewPackage {
    /// Project name (normalised here).
    pub name: String,
    /// Exact version.
    pub version: String,
    /// The index the file was listed on.
    pub index: Option<String>,
    /// The verified file.
    pub file: LockedFile,
    /// True for an sdist.
    #[serde(default)]
    pub sdist: bool,
    /// The identity from the verified certificate; `None` for an unattested file.
    pub identity: Option<Identity>,
}

/// The environment the lock is for.
#[derive(Debug, Clone, Deserialize)]
pub struct LockMeta {
    /// `created-by`.
    pub created_by: String,
    /// `requires-python`.
    pub requires_python: Option<String>,
    /// The exact target marker(s).
    pub environments: Vec<String>,
    /// pip's target-platform options, when not this machine.
    #[serde(default)]
    pub target: Option<Target>,
}

/// Re-lock rules (steps 9.4, 9.5) and the deterministic lock text.
///
/// Over a `previous` lock, each package's pinned identities are kept (trust on
/// first use): the same identity keeps the pin; another one is refused unless
/// its name is in `accept_identity`; attested before and unattested now is
/// refused unless in `allow_downgrade`. Accepted changes are recorded.
///
/// # Errors
/// `IdentityChanged` or `AttestationDowngrade` (every refused package named).
pub fn write(
    meta: &LockMeta,
    new: &[NewPackage],
    previous: Option<&LockFile>,
    accept_identity: &[String],
    allow_downgrade: &[String],
) -> Result<String> {
    let listed = |names: &[String], n: &str| names.iter().any(|a| normalize(a) == n);
    let prev_tool = previous
        .map(LockFile::ours)
        .transpose()?
        .flatten()
        .unwrap_or_default();
    let mut tool = ToolTable {
        unattested: Vec::new(),
        accepted: prev_tool.accepted,
        target: None,
    };
    let mut refused: Vec<Error> = Vec::new();
    let mut packages: Vec<LockedPackage> = Vec::with_capacity(new.len());
    for n in new {
        let name = normalize(&n.name);
        let pinned: &[Identity] = previous
            .and_then(|l| {
                l.packages
                    .iter()
                    .find(|p| p.marker.is_none() && normalize(&p.name) == name)
            })
            .map_or(&[], |p| p.attestation_identities.as_slice());
        let mut identities: Vec<Identity> = n.identity.iter().cloned().collect();
        match (&n.identity, pinned.is_empty()) {
            (_, true) => {}
            (Some(found), false) => {
                if let Some(keep) = pinned.iter().find(|p| p.admits(found)) {
                    // Keep the pin as written (it may pin several identities).
                    let _ = keep;
                    identities = pinned.to_vec();
                } else if listed(accept_identity, &name) {
                    tool.accepted.push(Accepted {
                        name: name.clone(),
                        change: "identity".into(),
                        locked: pinned
                            .iter()
                            .map(Identity::describe)
                            .collect::<Vec<_>>()
                            .join(" or "),
                        found: found.describe(),
                    });
                } else if let Err(e) = check_identity(&name, pinned, found) {
                    refused.push(e);
                }
            }
            (None, false) => {
                if listed(allow_downgrade, &name) {
                    tool.accepted.push(Accepted {
                        name: name.clone(),
                        change: "downgrade".into(),
                        locked: pinned
                            .iter()
                            .map(Identity::describe)
                            .collect::<Vec<_>>()
                            .join(" or "),
                        found: "no provenance".into(),
                    });
                } else {
                    refused.push(Error::new(
                        ErrorKind::AttestationDowngrade,
                        "9.5",
                        downgrade_detail(&name, pinned, "--allow-downgrade NAME"),
                    ));
                }
            }
        }
        if n.identity.is_none() {
            tool.unattested.push(name.clone());
        }
        let mut file = n.file.clone();
        file.hashes = file
            .hashes
            .into_iter()
            .map(|(k, v)| (k, v.to_ascii_lowercase()))
            .collect();
        packages.push(LockedPackage {
            name,
            version: Some(n.version.clone()),
            marker: None,
            index: n.index.clone(),
            sdist: n.sdist.then(|| file.clone()),
            wheels: if n.sdist { Vec::new() } else { vec![file] },
            attestation_identities: identities,
        });
    }
    if let Some(first) = refused.first() {
        let kind = first.kind();
        let step = first.step();
        let detail: Vec<&str> = refused.iter().map(Error::detail).collect();
        return Err(Error::new(kind, step, detail.join("\n")));
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));
    tool.unattested.sort();
    tool.unattested.dedup();
    tool.target = meta.target.clone();
    let mut tables = previous.map(|l| l.tool.clone()).unwrap_or_default();
    tables.remove(TOOL);
    if !(tool.unattested.is_empty() && tool.accepted.is_empty() && tool.target.is_none()) {
        let value = toml::Value::try_from(&tool)
            .map_err(|e| Error::new(ErrorKind::UsageError, "9.5", e.to_string()))?;
        tables.insert(TOOL.to_owned(), value);
    }
    let lock = LockFile {
        lock_version: "1.0".into(),
        environments: meta.environments.clone(),
        requires_python: meta.requires_python.clone(),
        created_by: meta.created_by.clone(),
        packages,
        tool: tables,
    };
    toml::to_string(&lock).map_err(|e| Error::new(ErrorKind::UsageError, "9.5", e.to_string()))
}

/// The detail of `AttestationDowngrade` for a pinned package without provenance now.
#[must_use]
pub fn downgrade_detail(project: &str, pinned: &[Identity], how: &str) -> String {
    let locked: Vec<String> = pinned.iter().map(Identity::describe).collect();
    format!(
        "{}: the lock pins {}, but the index serves no provenance for it now; \
         --allow-unattested does not override a pin ({how} to accept it knowingly)",
        project.escape_debug(),
        locked.join(" or ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gh(repo: &str, wf: &str, id: &str) -> Identity {
        Identity {
            kind: "GitHub".into(),
            repository: Some(repo.into()),
            workflow: Some(wf.into()),
            repository_id: Some(id.into()),
            repository_owner_id: Some("1".into()),
            ..Identity::default()
        }
    }

    #[test]
    fn pins_compare_names_and_ids() {
        let pin = gh("o/r", "release.yml", "42");
        let pins = std::slice::from_ref(&pin);
        assert!(check_identity("p", pins, &gh("o/r", "release.yml", "42")).is_ok());
        for (found, note) in [
            (gh("o/r", "other.yml", "42"), "same repository id, new name"),
            (
                gh("o/x", "release.yml", "42"),
                "same repository id, new name",
            ),
            (
                gh("o/r", "release.yml", "43"),
                "same name, another repository id",
            ),
        ] {
            let r = check_identity("p", pins, &found);
            assert_eq!(
                r.as_ref().map_err(Error::kind),
                Err(ErrorKind::IdentityChanged)
            );
            let detail = r.err().map(|e| e.detail().to_owned()).unwrap_or_default();
            assert!(detail.contains(note), "{detail}");
            assert!(detail.contains("\"42\""), "{detail}");
        }
        // A certificate without the pinned id fails closed.
        let mut bare = gh("o/r", "release.yml", "42");
        bare.repository_id = None;
        assert_eq!(
            check_identity("p", pins, &bare).map_err(|e| e.kind()),
            Err(ErrorKind::IdentityChanged)
        );
    }

    #[test]
    fn unknown_pin_fields_never_match() {
        let mut pin = gh("o/r", "release.yml", "42");
        pin.other
            .insert("environment".into(), toml::Value::from("pypi"));
        assert_eq!(
            check_identity("p", &[pin], &gh("o/r", "release.yml", "42")).map_err(|e| e.kind()),
            Err(ErrorKind::IdentityChanged)
        );
    }

    #[test]
    fn parse_limits_and_shape() {
        assert_eq!(
            LockFile::parse(&vec![b' '; limits::LOCK_FILE + 1]).map_err(|e| e.kind()),
            Err(ErrorKind::InputTooLarge)
        );
        for bad in [
            "",
            "lock-version = \"2.0\"\ncreated-by = \"x\"",
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\n[[packages.wheels]]\nname = \"a-1-py3-none-any.whl\"\nhashes = {md5 = \"0\"}",
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\n[[packages]]\nname = \"A\"",
            "\u{feff}[",
        ] {
            assert_eq!(
                LockFile::parse(bad.as_bytes()).map_err(|e| e.kind()),
                Err(ErrorKind::LockMismatch),
                "{bad:?}"
            );
        }
    }
}
