// SPDX-License-Identifier: Apache-2.0
//! THE orchestrator (spec §0.6): steps V0–V15 in order. The Sigstore steps
//! (V3–V9, V11–V12) are one adapter call; everything else is ours.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::adapter;
use crate::bundle;
use crate::claims::Claims;
use crate::error::{Error, ErrorKind, Result};
use crate::io;
use crate::json;
use crate::limits;
use crate::policy::{self, Policy};
use crate::statement::Statement;
use crate::trust_root::TrustedRoot;

/// What a successful verification proved (the Python API's `Verification`).
/// Every field is derived from verified data, except `publisher`, which is
/// the index's claim and is reported as such.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The artifact's file name (or the digest argument).
    pub artifact_name: String,
    /// Lowercase hex SHA-256 of the artifact bytes.
    pub sha256: String,
    /// The attestation format that was verified.
    pub format: &'static str,
    /// The statement's predicate type (DSSE only).
    pub predicate_type: Option<String>,
    /// The statement's predicate (DSSE only).
    pub predicate: Option<Value>,
    /// The certificate SAN (or `key` for managed-key bundles).
    pub identity: String,
    /// The certificate's effective OIDC issuer.
    pub issuer: Option<String>,
    /// Source repository URI from the certificate.
    pub source_repository: Option<String>,
    /// Source ref from the certificate.
    pub source_ref: Option<String>,
    /// Source commit from the certificate.
    pub source_digest: Option<String>,
    /// The source repository's immutable id (Fulcio .1.15), GitHub and GitLab.
    pub source_repository_id: Option<String>,
    /// The source repository owner's immutable id (Fulcio .1.17), GitHub and GitLab.
    pub source_repository_owner_id: Option<String>,
    /// The publisher object the index asserted, when there was one.
    pub publisher: Option<Value>,
    /// Global index of the first transparency-log entry.
    pub log_index: Option<i64>,
    /// The earliest verified signing time, RFC 3339 UTC.
    pub signed_at: String,
    /// Non-security observations (spec §9 "Warnings").
    pub warnings: Vec<String>,
    /// The verified certificate's claims (for lock identities; not serialised).
    #[serde(skip)]
    pub claims: Option<Claims>,
}

/// What the artifact is: a file to hash, or a digest given by the caller.
#[derive(Debug, Clone)]
pub enum ArtifactInput<'a> {
    /// A file, hashed as a stream.
    Path(&'a Path),
    /// `sha256:<hex>` from the caller (verify-bundle only).
    Digest([u8; 32]),
}

impl ArtifactInput<'_> {
    fn resolve(&self) -> Result<(String, [u8; 32])> {
        match self {
            Self::Path(p) => {
                let name = p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                Ok((name, io::sha256_file(p)?))
            }
            Self::Digest(d) => Ok((format!("sha256:{}", io::hex(d)), *d)),
        }
    }
}

/// Who must have signed a plain bundle: a policy, or a managed key.
#[derive(Debug, Clone)]
pub enum BundleSigner {
    /// A certificate policy (identity, publisher or SLSA source).
    Policy(Policy),
    /// A PEM public key for `verificationMaterial.publicKey` bundles.
    Key(String),
}

/// A bundle that passed the Sigstore checks, with its certificate claims.
pub(crate) struct CheckedBundle {
    pub claims: Option<Claims>,
    pub statement: Option<Statement>,
    pub verified: adapter::VerifiedBundle,
}

/// V2–V12 for one bundle JSON value: structure, Sigstore checks, claims,
/// statement parse. The identity policy is the caller's next step.
pub(crate) fn check_bundle(
    trust: &TrustedRoot,
    value: &Value,
    digest: &[u8; 32],
    key_pem: Option<&str>,
) -> Result<CheckedBundle> {
    // V2–V3: structure, media type, counts and per-version rules.
    let shape = bundle::check(value)?;
    if shape.managed_key && key_pem.is_none() {
        return Err(Error::new(
            ErrorKind::BundleInvalid,
            "1.2.3",
            "the bundle is signed with a bare public key, not a Sigstore certificate. \
             For a plain bundle, verify-bundle --key KEY.pub checks it; attestations \
             (PEP 740, SLSA, GitHub) must carry a Fulcio certificate, so key-signed ones \
             (such as npm's registry signature) are refused",
        ));
    }
    // V4 (§4.2): at least one entry must come from a log the root knows.
    let known = value
        .pointer("/verificationMaterial/tlogEntries")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.pointer("/logId/keyId").and_then(Value::as_str))
        .filter_map(|k| bundle::decode_b64(k, ErrorKind::TlogEntryInvalid, "1.3.1").ok())
        .any(|id| trust.knows_tlog(&id));
    if !known {
        return Err(Error::new(
            ErrorKind::TlogUnknownLog,
            "4.2",
            format!(
                "no transparency-log entry comes from a log in the trusted root ({})",
                trust.name()
            ),
        ));
    }
    // V5 (§5.3, §5.6): every RFC 3161 token is strict DER and embeds only
    // the trusted root's TSA certificates; the crate checks the rest.
    for token in value
        .pointer("/verificationMaterial/timestampVerificationData/rfc3161Timestamps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text = token
            .get("signedTimestamp")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let der = bundle::decode_b64(text, ErrorKind::MalformedEncoding, "0.4.4")?;
        crate::tsr::check(&der, trust.tsa_certificates())?;
    }
    // V4–V9, V11–V12: the Sigstore verification proper.
    let text = serde_json::to_string(value)
        .map_err(|e| Error::new(ErrorKind::BundleInvalid, "1.2", e.to_string()))?;
    let verified = adapter::verify(trust.material(), &text, digest, key_pem)?;
    // V9–V10 input: the leaf's claims, strictly decoded.
    let claims = verified
        .leaf_der
        .as_deref()
        .map(Claims::from_der)
        .transpose()?;
    // V13: the statement of a DSSE envelope.
    let statement = match &verified.envelope {
        Some((payload_type, payload)) => {
            let st = Statement::from_envelope(payload_type, payload)?;
            st.matching_subject(&io::hex(digest))?;
            Some(st)
        }
        None => None,
    };
    Ok(CheckedBundle {
        claims,
        statement,
        verified,
    })
}

/// Verify a plain Sigstore bundle (the Python API's `verify_bundle`).
///
/// # Errors
/// The §9 kind of the first failing step.
pub fn verify_bundle(
    artifact: &ArtifactInput<'_>,
    bundle_bytes: &[u8],
    signer: &BundleSigner,
    trust: &TrustedRoot,
) -> Result<Verification> {
    // V1: hash the artifact.
    let (artifact_name, digest) = artifact.resolve()?;
    // V2: strict JSON.
    let value = json::parse(bundle_bytes, limits::DOC, "bundle")?;
    let key = match signer {
        BundleSigner::Key(pem) => Some(pem.as_str()),
        BundleSigner::Policy(_) => None,
    };
    let checked = check_bundle(trust, &value, &digest, key)?;
    // V10, V14: the caller's policy.
    let mut warnings = Vec::new();
    if let BundleSigner::Policy(p) = signer {
        warnings = apply_policy(&checked, p, None)?;
    }
    Ok(report(
        artifact_name,
        &digest,
        "sigstore-bundle",
        &checked,
        None,
        warnings,
    ))
}

/// V10 and V14: the caller's policy on a checked bundle. `index_publisher`
/// is the publisher object a PEP 740 provenance carried (index's claim).
/// Returns warnings.
pub(crate) fn apply_policy(
    checked: &CheckedBundle,
    policy: &Policy,
    index_environment: Option<&str>,
) -> Result<Vec<String>> {
    let claims = checked.claims.as_ref().ok_or_else(|| {
        Error::new(
            ErrorKind::BundleInvalid,
            "1.2.3",
            "a certificate policy needs a certificate-signed bundle",
        )
    })?;
    match policy {
        Policy::Identity { identity, issuer } => policy::check_identity(claims, identity, issuer)?,
        Policy::Publisher(p) => {
            if policy::check_publisher(claims, p, index_environment)?.environment_unchecked {
                return Ok(vec![
                    "EnvironmentUnchecked: the certificate has no environment claim; the expected environment rests on the index's publisher record".to_owned(),
                ]);
            }
        }
        Policy::Slsa(source) => {
            let st = checked.statement.as_ref().ok_or_else(|| {
                Error::new(
                    ErrorKind::PredicateTypeNotAllowed,
                    "6.7",
                    "an SLSA policy needs a DSSE bundle with SLSA provenance",
                )
            })?;
            crate::slsa::check(claims, st, source)?;
        }
    }
    Ok(Vec::new())
}

/// Build the public result from a checked bundle.
pub(crate) fn report(
    artifact_name: String,
    digest: &[u8; 32],
    format: &'static str,
    checked: &CheckedBundle,
    publisher: Option<Value>,
    warnings: Vec<String>,
) -> Verification {
    let claims = checked.claims.as_ref();
    let signed_at = checked
        .verified
        .times
        .first()
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    Verification {
        artifact_name,
        sha256: io::hex(digest),
        format,
        predicate_type: checked.statement.as_ref().map(|s| s.predicate_type.clone()),
        predicate: checked.statement.as_ref().map(|s| s.predicate.clone()),
        identity: claims.map_or_else(|| "key".to_owned(), |c| c.san.clone()),
        issuer: claims.and_then(|c| c.issuer().map(str::to_owned)),
        source_repository: claims.and_then(Claims::source_repository_uri),
        source_ref: claims.and_then(|c| c.source_ref().map(str::to_owned)),
        source_digest: claims.and_then(|c| c.source_digest().map(str::to_owned)),
        source_repository_id: claims
            .and_then(|c| c.ext(crate::claims::oid::SOURCE_REPOSITORY_IDENTIFIER))
            .map(str::to_owned),
        source_repository_owner_id: claims
            .and_then(|c| c.ext(crate::claims::oid::SOURCE_REPOSITORY_OWNER_IDENTIFIER))
            .map(str::to_owned),
        publisher,
        log_index: checked.verified.log_index,
        signed_at,
        warnings,
        claims: claims.cloned(),
    }
}
