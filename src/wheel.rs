// SPDX-License-Identifier: Apache-2.0
//! `verify_wheel` (docs/verifying.md): detect the attestation format from its
//! content (§1.6–§1.9), verify every candidate, apply the caller's policy,
//! and aggregate (V15).

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::bundle::{self, IN_TOTO, MEDIA_TYPE_V03};
use crate::dist::Dist;
use crate::error::{Error, ErrorKind, Result};
use crate::io;
use crate::json::{self, Obj};
use crate::limits;
use crate::policy::{Policy, Publisher};
use crate::statement::STATEMENT_V1;
use crate::trust_root::TrustedRoot;
use crate::verify::{self, Verification};

const PUBLISH_V1: &str = "https://docs.pypi.org/attestations/publish/v1";
const SLSA_V1: &str = "https://slsa.dev/provenance/v1";

/// Sidecar names tried next to an artifact when no attestation is given.
pub const SIDECARS: &[&str] = &[
    ".provenance",
    ".publish.attestation",
    ".sigstore.json",
    ".sigstore",
];

/// Find the attestation next to `artifact` (docs/verifying.md), or `NoAttestations`.
///
/// # Errors
/// `NoAttestations` when no sidecar exists.
pub fn find_sidecar(artifact: &Path) -> Result<PathBuf> {
    let name = artifact
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = artifact.parent().unwrap_or_else(|| Path::new("."));
    SIDECARS
        .iter()
        .map(|s| dir.join(format!("{name}{s}")))
        .chain(std::iter::once(dir.join("multiple.intoto.jsonl")))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NoAttestations,
                "7.7.3",
                format!(
                    "no attestation next to {name}: looked for {name}{{{}}} and multiple.intoto.jsonl",
                    SIDECARS.join(",")
                ),
            )
        })
}

/// Verify a file at `path` against `attestation` (or its sidecar).
///
/// With `known_digest` the file is not read: `path` only gives the name
/// (and the sidecar's directory), and the digest stands for its bytes, as
/// when the caller holds an index-published hash.
///
/// # Errors
/// The §9 kind of the first failing step.
pub fn verify_wheel(
    path: &Path,
    known_digest: Option<&[u8; 32]>,
    attestation: Option<&[u8]>,
    policy: &Policy,
    trust: &TrustedRoot,
) -> Result<Verification> {
    verify_wheel_with(path, known_digest, attestation, None, policy, trust, None)
}

/// [`verify_wheel`] for legacy envelope lines (§4.9): `provenance` is the
/// file `attestation` was read from (the sidecar when `attestation` is
/// `None`), next to which bundles found in the log are stored as
/// `<provenance>.sigstore.jsonl` and read back (re-verified) by later runs;
/// `lookup` asks the log.
///
/// # Errors
/// The §9 kind of the first failing step.
pub fn verify_wheel_with(
    path: &Path,
    known_digest: Option<&[u8; 32]>,
    attestation: Option<&[u8]>,
    provenance: Option<&Path>,
    policy: &Policy,
    trust: &TrustedRoot,
    lookup: Option<&crate::legacy::Lookup<'_>>,
) -> Result<Verification> {
    // §1.1: a missing or unreadable artifact is the caller's error, naming the
    // path, before any sidecar search could report it as `NoAttestations`.
    let digest = match known_digest {
        Some(d) => *d,
        None => io::sha256_file(path)?,
    };
    let owned;
    let sidecar;
    let (data, provenance) = match attestation {
        Some(d) => (d, provenance),
        None => {
            sidecar = find_sidecar(path)?;
            owned = io::read_limited(&sidecar, limits::ATTESTATION_FILE, "attestation")?;
            (owned.as_slice(), Some(sidecar.as_path()))
        }
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut src = crate::legacy::LegacySources {
        lookup,
        ..Default::default()
    };
    let beside = provenance.map(crate::legacy::store_path);
    // Where an earlier run stored what the log gave: beside the provenance,
    // else (that folder was not writable) the user cache, keyed by the
    // provenance's sha256. Either way untrusted: re-verified on use.
    let cached = crate::legacy::cache_store_path(data);
    let store = beside
        .clone()
        .filter(|p| p.is_file())
        .or_else(|| cached.clone().filter(|p| p.is_file()));
    if let Some(store) = store.as_deref() {
        match io::read_limited(store, limits::ATTESTATION_FILE, "stored bundles") {
            Ok(bytes) => {
                (src.stored, src.stored_notes) = crate::legacy::entries_from_bundles(&bytes);
            }
            Err(e) => src.stored_notes.push(format!(
                "{} could not be read and was ignored: {}",
                store.display(),
                e.detail()
            )),
        }
    }
    let mut v = verify_attestation_with(&name, &digest, data, policy, trust, &src)?;
    let found = src.found.into_inner().unwrap_or_default();
    if !found.is_empty() {
        if let Some(w) = store_found(beside.as_deref(), cached.as_deref(), &found) {
            v.warnings.push(w);
        }
    }
    Ok(v)
}

/// Store the bundles found in the log beside the provenance, else in the
/// user cache; a warning when neither could be written.
fn store_found(beside: Option<&Path>, cached: Option<&Path>, found: &[String]) -> Option<String> {
    let mut failed = Vec::new();
    for place in [beside, cached].into_iter().flatten() {
        let wrote = place
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| write_store(place, found));
        match wrote {
            Ok(()) => return None,
            Err(e) => failed.push(format!("{}: {e}", place.display())),
        }
    }
    (!failed.is_empty()).then(|| {
        format!(
            "the log entries found were not stored ({})",
            failed.join("; ")
        )
    })
}

/// Add `bundles` (JSON lines) to the store file, keeping the lines it has.
fn write_store(store: &Path, bundles: &[String]) -> std::io::Result<()> {
    let old = std::fs::read_to_string(store).unwrap_or_default();
    let mut lines: Vec<String> = old
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    for b in bundles {
        if !lines.contains(b) {
            lines.push(b.clone());
        }
    }
    let tmp = store.with_extension("jsonl.tmp");
    std::fs::write(&tmp, lines.join("\n") + "\n")?;
    std::fs::rename(&tmp, store)
}

/// One item of [`verify_many`].
#[derive(Debug, Clone)]
pub struct Item {
    /// The artifact (read and hashed unless `digest` is given).
    pub path: PathBuf,
    /// A known SHA-256 standing for the artifact's bytes.
    pub digest: Option<[u8; 32]>,
    /// The attestation; `None` = sidecar discovery.
    pub attestation: Option<Attestation>,
    /// Who must have built it.
    pub policy: Policy,
}

/// An attestation given as a file or as its content.
#[derive(Debug, Clone)]
pub enum Attestation {
    /// Read with the attestation size limit.
    Path(PathBuf),
    /// The content itself.
    Bytes(Vec<u8>),
}

impl Item {
    fn verify(&self, trust: &TrustedRoot) -> Result<Verification> {
        let owned;
        let (data, provenance) = match &self.attestation {
            None => (None, None),
            Some(Attestation::Bytes(b)) => (Some(b.as_slice()), None),
            Some(Attestation::Path(p)) => {
                owned = io::read_limited(p, limits::ATTESTATION_FILE, "attestation")?;
                (Some(owned.as_slice()), Some(p.as_path()))
            }
        };
        verify_wheel_with(
            &self.path,
            self.digest.as_ref(),
            data,
            provenance,
            &self.policy,
            trust,
            None,
        )
    }
}

/// Verify many items on up to `jobs` threads (0 = every core). Results come
/// back in input order, one per item; one item's failure never stops others.
#[must_use]
pub fn verify_many(items: &[Item], jobs: usize, trust: &TrustedRoot) -> Vec<Result<Verification>> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let jobs = if jobs == 0 { cores } else { jobs }.clamp(1, items.len().max(1));
    if jobs == 1 {
        return items.iter().map(|i| i.verify(trust)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<Verification>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, item.verify(trust)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join().unwrap_or_else(|_| {
                    // A worker cannot panic (panics are denied in the core);
                    // if one did, its items are reported below as missing.
                    Vec::new()
                })
            })
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    let mut out: Vec<Result<Verification>> = Vec::with_capacity(items.len());
    let mut it = results.into_iter().peekable();
    for i in 0..items.len() {
        match it.next_if(|(j, _)| *j == i) {
            Some((_, r)) => out.push(r),
            None => out.push(Err(Error::new(
                ErrorKind::UsageError,
                "0.6",
                "internal error: a verification worker stopped",
            ))),
        }
    }
    out
}

/// Verify an attestation for an artifact known by file name and SHA-256.
///
/// # Errors
/// The §9 kind of the first failing step.
pub fn verify_attestation(
    name: &str,
    digest: &[u8; 32],
    data: &[u8],
    policy: &Policy,
    trust: &TrustedRoot,
) -> Result<Verification> {
    verify_attestation_with(
        name,
        digest,
        data,
        policy,
        trust,
        &crate::legacy::LegacySources::default(),
    )
}

/// [`verify_attestation`] with a Rekor look-up for legacy envelope lines (§4.9).
///
/// # Errors
/// The §9 kind of the first failing step.
pub fn verify_attestation_with(
    name: &str,
    digest: &[u8; 32],
    data: &[u8],
    policy: &Policy,
    trust: &TrustedRoot,
    legacy: &crate::legacy::LegacySources<'_>,
) -> Result<Verification> {
    let ctx = LineCtx { legacy };
    if data.len() > limits::ATTESTATION_FILE {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            "0.5",
            "attestation exceeds 32 MiB",
        ));
    }
    let trimmed = trim(data);
    // §1.8.1: a whole-file JSON object first; otherwise JSON Lines.
    let whole =
        if trimmed.first() == Some(&b'{') && !trimmed.contains(&b'\n') || is_single_json(trimmed) {
            Some(json::parse(trimmed, limits::PROVENANCE, "attestation")?)
        } else {
            None
        };
    match whole {
        Some(v) if v.get("attestation_bundles").is_some() => {
            provenance(name, digest, &v, policy, trust)
        }
        Some(v) if v.get("verification_material").is_some() && v.get("envelope").is_some() => {
            let checked = pep740_attestation(name, digest, &v, trust)?;
            let warnings = pep740_policy(&checked, policy, None)?;
            Ok(verify::report(
                name.to_owned(),
                digest,
                "pep740-attestation",
                &checked,
                None,
                warnings,
            ))
        }
        Some(v) if v.get("attestations").is_some() => {
            let lines: Vec<Value> = v
                .get("attestations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|a| a.get("bundle").cloned().unwrap_or(Value::Null))
                .collect();
            any_line(
                name,
                digest,
                &lines,
                &[],
                policy,
                trust,
                "github-attestations",
                &ctx,
            )
        }
        Some(v) => any_line(
            name,
            digest,
            &[v],
            &[trimmed],
            policy,
            trust,
            "sigstore-bundle",
            &ctx,
        ),
        None => {
            let mut lines = Vec::new();
            let mut raws: Vec<&[u8]> = Vec::new();
            for line in data.split(|b| *b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if trim(line).is_empty() {
                    continue;
                }
                if lines.len() == limits::JSONL_LINES {
                    return Err(Error::new(
                        ErrorKind::InputTooLarge,
                        "0.5",
                        "more than 1000 JSON lines",
                    ));
                }
                let v = json::parse_as(
                    line,
                    limits::DOC,
                    "JSON line",
                    ErrorKind::ProvenanceFileInvalid,
                    "1.8.1",
                )?;
                if !v.is_object() {
                    return Err(Error::new(
                        ErrorKind::ProvenanceFileInvalid,
                        "1.8.1",
                        "a line is not a JSON object",
                    ));
                }
                lines.push(v);
                raws.push(line);
            }
            any_line(
                name,
                digest,
                &lines,
                &raws,
                policy,
                trust,
                "intoto-jsonl",
                &ctx,
            )
        }
    }
}

fn trim(data: &[u8]) -> &[u8] {
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    let end = data
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    data.get(start..end).unwrap_or_default()
}

fn is_single_json(data: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok()
}

/// What a line may use besides the file: the §4.9 Rekor look-up.
struct LineCtx<'a, 'b> {
    legacy: &'a crate::legacy::LegacySources<'b>,
}

/// §1.8.3 / §1.9: at least one line verifies with a matching subject.
/// `raws` holds the exact bytes of each line when known (§4.9.2).
#[allow(clippy::too_many_arguments)]
fn any_line(
    name: &str,
    digest: &[u8; 32],
    lines: &[Value],
    raws: &[&[u8]],
    policy: &Policy,
    trust: &TrustedRoot,
    format: &'static str,
    ctx: &LineCtx<'_, '_>,
) -> Result<Verification> {
    let mut first_err = None;
    for (i, line) in lines.iter().enumerate() {
        let result = if line.get("mediaType").is_some() {
            verify::check_bundle(trust, line, digest, None).and_then(|checked| {
                let warnings = verify::apply_policy(&checked, policy, None)?;
                Ok(verify::report(
                    name.to_owned(),
                    digest,
                    format,
                    &checked,
                    None,
                    warnings,
                ))
            })
        } else if line.get("payloadType").is_some() || line.get("signatures").is_some() {
            match raws.get(i) {
                Some(raw) if ctx.legacy.active() => {
                    crate::legacy::verify_line(trust, raw, name, digest, policy, ctx.legacy)
                }
                _ => Err(Error::new(
                    ErrorKind::OnlineLookupRequired,
                    "1.8.1",
                    crate::legacy::OFFLINE_DETAIL,
                )),
            }
        } else if line.is_null() {
            Err(Error::new(
                ErrorKind::OnlineLookupRequired,
                "1.9",
                "an attestation has no inline bundle; fetch it with `gh attestation download`",
            ))
        } else {
            Err(Error::new(
                ErrorKind::ProvenanceFileInvalid,
                "1.8.1",
                "a line is neither a Sigstore bundle nor a DSSE envelope",
            ))
        };
        match result {
            Ok(v) => return Ok(v),
            Err(e) => {
                if first_err.is_none() {
                    first_err = Some(e.at_attestation(i));
                }
            }
        }
    }
    Err(first_err.unwrap_or_else(|| {
        Error::new(
            ErrorKind::NoAttestations,
            "7.7.3",
            "the attestation file is empty",
        )
    }))
}

/// §1.6: PEP 740 attestation → v0.3 bundle, then the §6.5/§6.6 binding.
fn pep740_attestation(
    name: &str,
    digest: &[u8; 32],
    v: &Value,
    trust: &TrustedRoot,
) -> Result<verify::CheckedBundle> {
    let bad = ErrorKind::AttestationObjectInvalid;
    let a = Obj::new(v, bad, "1.6", "attestation")?;
    if a.req("version")?.as_u64() != Some(1) || !a.req("version")?.is_u64() {
        return Err(a.err("attestation version must be 1".into()));
    }
    let vm = a.obj("verification_material")?;
    let entries = vm.arr("transparency_entries", limits::TLOG)?;
    if entries.is_empty() {
        return Err(a.err("transparency_entries is empty".into()));
    }
    // §0.4.7: unknown entry fields are ignored, never read.
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            e.as_object().map_or(Value::Null, |m| {
                Value::Object(
                    m.iter()
                        .filter(|(k, _)| bundle::ENTRY_FIELDS.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<Map<_, _>>(),
                )
            })
        })
        .collect();
    let env = a.obj("envelope")?;
    let mut material = json!({
        "certificate": {"rawBytes": vm.str("certificate")?},
        "tlogEntries": entries,
    });
    if let Some(ts) = vm.opt("timestamps") {
        let list = ts
            .as_array()
            .ok_or_else(|| a.err("timestamps must be an array".into()))?;
        if !list.is_empty() {
            if let Some(m) = material.as_object_mut() {
                m.insert(
                    "timestampVerificationData".to_owned(),
                    json!({"rfc3161Timestamps": list.iter().map(|t| json!({"signedTimestamp": t})).collect::<Vec<_>>()}),
                );
            }
        }
    }
    let bundle = json!({
        "mediaType": MEDIA_TYPE_V03,
        "verificationMaterial": material,
        "dsseEnvelope": {"payload": env.str("statement")?, "payloadType": IN_TOTO, "signatures": [{"sig": env.str("signature")?}]},
    });
    let checked = verify::check_bundle(trust, &bundle, digest, None)?;
    let st = checked
        .statement
        .as_ref()
        .ok_or_else(|| a.err("no statement".into()))?;
    // §6.4.2: PEP 740 accepts Statement v1 only.
    if st.statement_type != STATEMENT_V1 {
        return Err(Error::new(
            ErrorKind::StatementTypeUnsupported,
            "6.4.2",
            "PEP 740 needs in-toto Statement v1",
        ));
    }
    // §6.7
    if st.predicate_type != PUBLISH_V1 && st.predicate_type != SLSA_V1 {
        return Err(Error::new(
            ErrorKind::PredicateTypeNotAllowed,
            "6.7",
            format!(
                "predicate type {:?} is not allowed in PEP 740",
                st.predicate_type
            ),
        ));
    }
    // §6.5.3 and §6.6
    let [subject] = st.subjects.as_slice() else {
        return Err(Error::new(
            ErrorKind::SubjectCountInvalid,
            "6.5.3",
            format!(
                "PEP 740 needs exactly one subject, found {}",
                st.subjects.len()
            ),
        ));
    };
    let artifact = Dist::parse(name)?;
    let subject_name = subject.name.as_deref().unwrap_or("");
    let same = Dist::parse(subject_name).is_ok_and(|d| d == artifact);
    if !same {
        return Err(Error::mismatch(
            ErrorKind::SubjectMismatch,
            "6.6",
            "subject name",
            &name,
            &subject_name,
        ));
    }
    Ok(checked)
}

/// §7.4 / §7.7 for one PEP 740 attestation; `index_publisher` is the
/// provenance's publisher object, if any.
fn pep740_policy(
    checked: &verify::CheckedBundle,
    policy: &Policy,
    index_publisher: Option<&Value>,
) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    if let (Policy::Publisher(expected), Some(p)) = (policy, index_publisher) {
        check_index_publisher(expected, p)?;
    }
    let env = index_publisher
        .and_then(|p| p.get("environment"))
        .and_then(Value::as_str);
    warnings.extend(verify::apply_policy(checked, policy, env)?);
    if let Some(st) = &checked.statement {
        if st.predicate_type == PUBLISH_V1
            && st.predicate.as_object().is_some_and(|o| !o.is_empty())
        {
            warnings.push(
                "PredicateNotEmpty: the publish/v1 predicate is not empty; it was ignored"
                    .to_owned(),
            );
        }
    }
    Ok(warnings)
}

/// The publisher a PyPI provenance object names (its first bundle's), as a
/// policy: what `pip-verify install` checks a file against when the caller
/// gave no policy for it (docs/install.md). Every bundle must then name the same
/// publisher (§7.7.2), and the certificate must match it (§7.4).
///
/// # Errors
/// `AttestationObjectInvalid` when the document is not a provenance object
/// or names no publisher; `PublisherKindUnsupported` for an unknown kind.
pub fn index_asserted_policy(data: &[u8]) -> Result<Policy> {
    let bad = |d: String| Error::new(ErrorKind::AttestationObjectInvalid, "1.7", d);
    let v = json::parse(trim(data), limits::PROVENANCE, "provenance")?;
    let mut p = v
        .pointer("/attestation_bundles/0/publisher")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| bad("the provenance names no publisher".into()))?;
    let kind = p.get("kind").and_then(Value::as_str).unwrap_or("");
    let lower = match kind {
        "GitHub" | "GitLab" | "Google" | "CircleCI" => kind.to_ascii_lowercase(),
        other => {
            return Err(Error::new(
                ErrorKind::PublisherKindUnsupported,
                "7.4.5",
                format!("unknown publisher kind {other:?}"),
            ))
        }
    };
    p.insert("kind".into(), Value::from(lower));
    // The same constructor as a caller's policy; its complaints (a missing
    // or empty field) are about the index's document here.
    Policy::from_json(&Value::Object(p).to_string())
        .map_err(|e| bad(format!("the index publisher: {}", e.detail())))
}

/// §7.7.2: the index's publisher object must name the expected publisher.
fn check_index_publisher(expected: &Publisher, p: &Value) -> Result<()> {
    let kind = p.get("kind").and_then(Value::as_str).unwrap_or("");
    let field = |k: &str| p.get(k).and_then(Value::as_str);
    let (want_kind, pairs): (&str, Vec<(&str, &str)>) = match expected {
        Publisher::GitHub {
            repository,
            workflow,
            ..
        } => (
            "GitHub",
            vec![
                ("repository", repository.as_str()),
                ("workflow", workflow.as_str()),
            ],
        ),
        Publisher::GitLab {
            repository,
            workflow_filepath,
            ..
        } => (
            "GitLab",
            vec![
                ("repository", repository.as_str()),
                ("workflow_filepath", workflow_filepath.as_str()),
            ],
        ),
        Publisher::Google { email } => ("Google", vec![("email", email.as_str())]),
        Publisher::CircleCi {
            project_id,
            pipeline_definition_id,
            vcs_origin,
            vcs_ref,
        } => {
            // The optional VCS fields, when the caller gives them, are part
            // of the expected publisher too (field by field, §7.7.2).
            let mut pairs = vec![
                ("project_id", project_id.as_str()),
                ("pipeline_definition_id", pipeline_definition_id.as_str()),
            ];
            if let Some(origin) = vcs_origin {
                pairs.push(("vcs_origin", origin.as_str()));
            }
            if let Some(r) = vcs_ref {
                pairs.push(("vcs_ref", r.as_str()));
            }
            ("CircleCI", pairs)
        }
    };
    if !matches!(kind, "GitHub" | "GitLab" | "Google" | "CircleCI") {
        return Err(Error::new(
            ErrorKind::PublisherKindUnsupported,
            "7.4.5",
            format!("unknown publisher kind {kind:?}"),
        ));
    }
    if kind != want_kind {
        return Err(Error::mismatch(
            ErrorKind::PublisherMismatch,
            "7.7.2",
            "publisher kind",
            &want_kind,
            &kind,
        ));
    }
    for (k, want) in pairs {
        if field(k) != Some(want) {
            return Err(Error::mismatch(
                ErrorKind::PublisherMismatch,
                "7.7.2",
                &format!("index publisher {k}"),
                &want,
                &field(k),
            ));
        }
    }
    Ok(())
}

/// §1.7: a PyPI provenance object; every attestation must verify and one
/// publish/v1 attestation must satisfy the policy (V15, §1.7.4).
fn provenance(
    name: &str,
    digest: &[u8; 32],
    v: &Value,
    policy: &Policy,
    trust: &TrustedRoot,
) -> Result<Verification> {
    let bad = ErrorKind::AttestationObjectInvalid;
    let p = Obj::new(v, bad, "1.7.1", "provenance")?;
    if p.req("version")?.as_u64() != Some(1) {
        return Err(p.err("provenance version must be 1".into()));
    }
    let bundles = p.arr("attestation_bundles", limits::BUNDLES)?;
    if bundles.is_empty() {
        return Err(p.err("attestation_bundles is empty".into()));
    }
    let mut result = None;
    let mut index = 0;
    for b in bundles {
        let b = Obj::new(b, bad, "1.7.1", "attestation bundle")?;
        let publisher = b.obj("publisher")?;
        publisher.str("kind")?;
        let atts = b.arr("attestations", limits::ATTESTATIONS)?;
        if atts.is_empty() {
            return Err(b.err("attestations is empty".into()));
        }
        for a in atts {
            let checked =
                pep740_attestation(name, digest, a, trust).map_err(|e| e.at_attestation(index))?;
            let warnings = pep740_policy(&checked, policy, b.opt("publisher"))
                .map_err(|e| e.at_attestation(index))?;
            let is_publish = checked
                .statement
                .as_ref()
                .is_some_and(|s| s.predicate_type == PUBLISH_V1);
            if result.is_none() || is_publish {
                let publisher_value = b.opt("publisher").cloned();
                result = Some((
                    is_publish,
                    verify::report(
                        name.to_owned(),
                        digest,
                        "pep740-provenance",
                        &checked,
                        publisher_value,
                        warnings,
                    ),
                ));
            }
            index += 1;
        }
    }
    match result {
        Some((true, v)) => Ok(v),
        _ => Err(Error::new(
            ErrorKind::PredicateTypeNotAllowed,
            "1.7.4",
            "the provenance has no publish/v1 attestation",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_bundles_go_beside_else_to_the_cache_else_a_warning(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("svr-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        // A path whose parent is a file: nothing can be written there.
        std::fs::write(dir.join("file"), b"x")?;
        let blocked = dir.join("file").join("p.sigstore.jsonl");
        let beside = dir.join("ok").join("p.sigstore.jsonl");
        let cached = dir
            .join("cache")
            .join("legacy-bundles")
            .join("d.sigstore.jsonl");
        let found = vec!["{\"a\":1}".to_owned()];
        assert!(store_found(Some(&beside), Some(&cached), &found).is_none());
        assert_eq!(std::fs::read_to_string(&beside)?, "{\"a\":1}\n");
        assert!(!cached.exists());
        assert!(store_found(Some(&blocked), Some(&cached), &found).is_none());
        assert_eq!(std::fs::read_to_string(&cached)?, "{\"a\":1}\n");
        let w = store_found(Some(&blocked), Some(&blocked), &found).ok_or("no warning")?;
        assert!(w.contains("were not stored"), "{w}");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    #[test]
    fn index_publisher_must_name_every_expected_field() {
        let want = Publisher::GitHub {
            repository: "o/r".into(),
            workflow: "release.yml".into(),
            environment: None,
            repository_id: None,
            owner_id: None,
        };
        let full = json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"});
        assert!(check_index_publisher(&want, &full).is_ok());
        let kind = |p: Value| check_index_publisher(&want, &p).map_err(|e| e.kind());
        // A field the index leaves out is not the expected one (§7.7.2, fail closed).
        assert_eq!(
            kind(json!({"kind": "GitHub", "repository": "o/r"})),
            Err(ErrorKind::PublisherMismatch)
        );
        assert_eq!(
            kind(json!({"kind": "GitHub", "repository": "o/r", "workflow": "other.yml"})),
            Err(ErrorKind::PublisherMismatch)
        );
        assert_eq!(
            kind(json!({"kind": "GitLab"})),
            Err(ErrorKind::PublisherMismatch)
        );
        assert_eq!(
            kind(json!({"kind": "ActiveState"})),
            Err(ErrorKind::PublisherKindUnsupported)
        );
    }

    #[test]
    fn index_publisher_must_carry_the_expected_circleci_vcs_fields() {
        let want = Publisher::CircleCi {
            project_id: "p".into(),
            pipeline_definition_id: "d".into(),
            vcs_origin: Some("github.com/o/r".into()),
            vcs_ref: Some("refs/heads/main".into()),
        };
        let full = json!({"kind": "CircleCI", "project_id": "p", "pipeline_definition_id": "d",
                          "vcs_origin": "github.com/o/r", "vcs_ref": "refs/heads/main"});
        assert!(check_index_publisher(&want, &full).is_ok());
        let kind = |p: Value| check_index_publisher(&want, &p).map_err(|e| e.kind());
        let with = |k: &str, v: Option<&str>| {
            let mut p = full.clone();
            if let Some(m) = p.as_object_mut() {
                match v {
                    Some(v) => m.insert(k.to_owned(), json!(v)),
                    None => m.remove(k),
                };
            }
            p
        };
        assert_eq!(
            kind(with("vcs_origin", Some("github.com/o/R"))),
            Err(ErrorKind::PublisherMismatch)
        );
        assert_eq!(
            kind(with("vcs_ref", Some("refs/heads/mainx"))),
            Err(ErrorKind::PublisherMismatch)
        );
        assert_eq!(
            kind(with("vcs_ref", None)),
            Err(ErrorKind::PublisherMismatch)
        );
        // Without VCS expectations the index's VCS fields are not compared.
        let loose = Publisher::CircleCi {
            project_id: "p".into(),
            pipeline_definition_id: "d".into(),
            vcs_origin: None,
            vcs_ref: None,
        };
        let no_vcs = json!({"kind": "CircleCI", "project_id": "p", "pipeline_definition_id": "d"});
        assert!(check_index_publisher(&loose, &no_vcs).is_ok());
    }
}
