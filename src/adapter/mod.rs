// SPDX-License-Identifier: Apache-2.0
//! The only module that names `sigstore_*` crates (house style, boundary rule 1).
//!
//! In: a bundle that `bundle::check` accepted, the artifact's SHA-256, a
//! trusted root, and for managed-key bundles a PEM key. Out: a
//! [`VerifiedBundle`] or one of our [`ErrorKind`]s. The Sigstore steps of the
//! spec (§2–§6: chain, SCT, Rekor proofs and promises, RFC 3161, signatures,
//! log-body consistency) are all one call to `sigstore_verify::Verifier`.
//! Before it, `bundle::check` decodes every base64 field strictly and
//! compares each inclusion proof with its checkpoint, and `tsr::check`
//! re-reads every RFC 3161 token as strict DER (issue 10), because the crate
//! is more lenient on all three.

pub(crate) mod floor;
pub(crate) mod provider;
pub(crate) mod tuf;

use sigstore_trust_root::TrustedRoot as SigstoreRoot;
use sigstore_types::{Bundle, DerPublicKey, Sha256Hash, SignatureContent};
use sigstore_verify::{
    CertificateError as CE, Error as SE, PublicKeyVerificationPolicy, TimestampError as TE,
    TransparencyLogError as TLE, VerificationPolicy, Verifier,
};

use crate::error::{Error, ErrorKind, Result};

/// A parsed, validated trusted root with its prepared key stores (spec V0).
pub struct TrustMaterial {
    verifier: Verifier,
    /// The Rekor v1 keys with their `validFor` windows (for §4.9 SETs).
    rekor: sigstore_crypto::Keyring,
}

impl std::fmt::Debug for TrustMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrustMaterial")
    }
}

/// The embedded Sigstore public-good production root (sigstore-trust-root).
pub(crate) const PRODUCTION_ROOT: &str = sigstore_trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT;
/// The embedded Sigstore public-good staging root.
pub(crate) const STAGING_ROOT: &str = sigstore_trust_root::SIGSTORE_STAGING_TRUSTED_ROOT;

impl TrustMaterial {
    /// Parse and validate a `trusted_root.json` (spec §2).
    ///
    /// # Errors
    /// `TrustRootInvalid` for any §2.2 rule the crate or we reject.
    pub(crate) fn from_json(json: &str) -> Result<Self> {
        provider::install();
        let bad = |d: String| Error::new(ErrorKind::TrustRootInvalid, "2.2", d);
        let root = SigstoreRoot::from_json(json).map_err(|e| bad(e.to_string()))?;
        let verifier = Verifier::new(&root).map_err(|e| bad(e.to_string()))?;
        let rekor = root.rekor_keys().map_err(|e| bad(e.to_string()))?;
        Ok(Self { verifier, rekor })
    }
}

/// What a successful Sigstore verification proved.
#[derive(Debug, Clone)]
pub(crate) struct VerifiedBundle {
    /// DER of the signing certificate (None for managed-key bundles).
    pub leaf_der: Option<Vec<u8>>,
    /// `(payloadType, payload)` of a DSSE envelope; None for message signatures.
    pub envelope: Option<(String, Vec<u8>)>,
    /// Every authenticated signing time (SET-verified integrated times, TSA times).
    pub times: Vec<jiff::Timestamp>,
    /// Global index of the first log entry.
    pub log_index: Option<i64>,
}

/// Verify `bundle_json` over an artifact with SHA-256 `digest`.
///
/// `key_pem` selects the managed-key path; otherwise the bundle must carry a
/// Fulcio certificate. Identity policy is ours (`policy.rs`): the crate gets
/// no identity, so every accepted signer is then checked by our code.
///
/// # Errors
/// The most specific §9 kind for the crate's failure.
pub(crate) fn verify(
    trust: &TrustMaterial,
    bundle_json: &str,
    digest: &[u8; 32],
    key_pem: Option<&str>,
) -> Result<VerifiedBundle> {
    provider::install();
    let bundle = Bundle::from_json(bundle_json)
        .map_err(|e| Error::new(ErrorKind::BundleInvalid, "1.2", format!("{e}")))?;
    let artifact = Sha256Hash::new(*digest);
    let result = match key_pem {
        Some(pem) => {
            let key = DerPublicKey::from_pem(pem).map_err(|e| {
                Error::new(
                    ErrorKind::UsageError,
                    "0.1",
                    format!("the --key file is not a PEM public key: {e}"),
                )
            })?;
            trust
                .verifier
                .verify(artifact, &bundle, &PublicKeyVerificationPolicy::new(key))
        }
        // A bundle without a certificate fails in the crate (BundleInvalid);
        // `verify::check_bundle` refuses managed-key bundles without --key first.
        None => trust
            .verifier
            .verify(artifact, &bundle, &VerificationPolicy::any_identity()),
    }
    .map_err(|e| map_error(&e))?;

    let mut times: Vec<jiff::Timestamp> = result.verified_timestamps().to_vec();
    if let Some(t) = result.integrated_time() {
        if !times.contains(&t) {
            times.push(t);
        }
    }
    times.sort();
    if times.is_empty() {
        // Spec §5.9.3: at least one verified time. The crate always
        // establishes one for keyless bundles; a managed-key bundle whose
        // entries carry no promise and no TSA token has none.
        return Err(Error::new(
            ErrorKind::InsufficientVerifiedTime,
            "5.9.3",
            "no signing time was proven by a transparency log or timestamp authority",
        ));
    }
    let envelope = match &bundle.content {
        SignatureContent::DsseEnvelope(env) => {
            Some((env.payload_type.clone(), env.payload.as_bytes().to_vec()))
        }
        _ => None,
    };
    Ok(VerifiedBundle {
        leaf_der: bundle.signing_certificate().map(|c| c.as_bytes().to_vec()),
        envelope,
        times,
        log_index: bundle
            .verification_material
            .tlog_entries
            .first()
            .map(|e| e.log_index.as_i64()),
    })
}

/// Map the crate's error to the most specific §9 kind. The crate's detail
/// strings are only used to refine a category the enum already gives.
fn map_error(e: &SE) -> Error {
    use ErrorKind as K;
    let text = e.to_string();
    let low = text.to_lowercase();
    let has = |s: &str| low.contains(s);
    let (kind, step) = match e {
        SE::IdentityMismatch { .. } => (K::IdentityMismatch, "7.3"),
        SE::IssuerMismatch { .. } => (K::IssuerMismatch, "7.3"),
        SE::SignatureInvalid(_) if has("dsse") => (K::DsseSignatureInvalid, "6.3.2"),
        SE::SignatureInvalid(_) => (K::SignatureInvalid, "6.2"),
        // The crate's log-body consistency check reports a body for another
        // artifact as an artifact mismatch; the spec calls it §4.6.
        SE::ArtifactMismatch(_) if has("entry") => (K::TlogEntryMismatch, "4.6"),
        SE::ArtifactMismatch(_) => (K::DigestMismatch, "6.5"),
        SE::Certificate(c) => match c {
            CE::Malformed(_) => (K::CertificateMalformed, "3.1"),
            CE::ChainInvalid(_) if has("certexpired") || has("certnotvalidyet") => {
                (K::CertificateNotValidAtTime, "3.3.1")
            }
            CE::ChainInvalid(_) | CE::NoValidAuthority { .. } => {
                (K::CertificateChainInvalid, "3.3")
            }
            CE::NotYetValid { .. } | CE::Expired { .. } => (K::CertificateNotValidAtTime, "3.3.1"),
            CE::Sct(_) if has("missing sct extension") => (K::SctMissing, "3.4.1"),
            CE::Sct(_) => (K::SctInvalid, "3.4"),
            _ => (K::CertificateChainInvalid, "3.3"),
        },
        SE::TransparencyLog(t) => match t {
            TLE::UnknownLog { .. } => (K::TlogUnknownLog, "4.2"),
            TLE::InclusionProof(_) if has("missing") => (K::TlogInclusionProofMissing, "1.2.6"),
            TLE::InclusionProof(_) => (K::TlogInclusionProofInvalid, "4.3"),
            TLE::Checkpoint(_) if has("root") && (has("mismatch") || has("does not match")) => {
                (K::TlogCheckpointMismatch, "4.4.6")
            }
            TLE::Checkpoint(_) if has("signature") || has("key") => {
                (K::TlogCheckpointSignatureInvalid, "4.4.5")
            }
            TLE::Checkpoint(_) => (K::TlogCheckpointInvalid, "4.4"),
            TLE::InclusionPromise(_) if has("missing") => (K::TlogInclusionPromiseMissing, "1.2.6"),
            TLE::InclusionPromise(_) if has("validity") || has("valid at") => {
                (K::TlogKeyNotValidAtTime, "4.5.1")
            }
            TLE::InclusionPromise(_) => (K::TlogInclusionPromiseInvalid, "4.5"),
            TLE::EntryMismatch(_) => (K::TlogEntryMismatch, "4.6"),
            TLE::IntegratedTime(_) => (K::CertificateNotValidAtTime, "3.3.1"),
            TLE::MalformedEntry(_) if has("unsupported") => (K::UnsupportedLogEntryKind, "1.3.5"),
            // An intoto/0.0.2 signature that does not decode to the envelope's.
            TLE::MalformedEntry(_) if has("decode rekor signature") => {
                (K::TlogEntryMismatch, "4.6.3")
            }
            _ => (K::TlogEntryInvalid, "1.3"),
        },
        SE::Timestamp(t) => match t {
            TE::OutsideAuthorityValidity { .. } => (K::TimestampOutsideAuthorityValidity, "5.8"),
            TE::NoVerifiedTimestamp(_) => (K::InsufficientVerifiedTime, "5.9.3"),
            TE::Invalid(_) if has("imprint") || has("message") && has("match") => {
                (K::TimestampImprintMismatch, "5.4")
            }
            TE::Invalid(_) if has("does not match any trusted") || has("untrusted") => {
                (K::TimestampUntrustedAuthority, "5.6")
            }
            TE::Invalid(_) if has("parse") || has("malformed") || has("decode") => {
                (K::TimestampMalformed, "5.3")
            }
            TE::Invalid(_) if has("signature") => (K::TimestampSignatureInvalid, "5.5"),
            _ => (K::TimestampUntrustedAuthority, "5.7"),
        },
        SE::InvalidBundle(_) | SE::Bundle(_) | SE::Types(_) => (K::BundleInvalid, "1.2"),
        SE::UnsupportedBundle(_) if has("key") || has("algorithm") => {
            (K::UnsupportedKeyAlgorithm, "3.2.6")
        }
        SE::UnsupportedBundle(_) => (K::BundleInvalid, "1.2"),
        SE::InvalidTrustRoot(_) | SE::TrustRoot(_) | SE::TrustedCertificate(_) => {
            (K::TrustRootInvalid, "2.2")
        }
        SE::Crypto(_) if has("unsupported") => (K::UnsupportedKeyAlgorithm, "3.2.6"),
        SE::Crypto(_) => (K::SignatureInvalid, "6.1"),
        SE::UnsupportedArtifact(_) => (K::UnsupportedKeyAlgorithm, "6.1"),
        _ => (K::BundleInvalid, "1.2"),
    };
    Error::new(kind, step, text)
}

/// A Rekor v1 signed entry timestamp, as the log returned it (spec §4.5).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SetInput<'a> {
    /// The logged body (decoded).
    pub body: &'a [u8],
    /// `integratedTime`, Unix seconds.
    pub integrated_time: i64,
    /// `logIndex`.
    pub log_index: i64,
    /// The log id (SHA-256 of the log key's SPKI).
    pub log_id: &'a [u8; 32],
    /// The DER ECDSA signature (decoded `signedEntryTimestamp`).
    pub set: &'a [u8],
}

/// §4.5: verify a SET with the Rekor key of `log_id` valid at the entry's
/// `integratedTime` (§4.2, §4.5.1). The signed payload is the fixed JCS
/// template of §4.5.2 (all values ASCII: base64, hex, decimal).
///
/// # Errors
/// `TlogUnknownLog`, `TlogKeyNotValidAtTime`, `TlogInclusionPromiseInvalid`.
pub(crate) fn verify_set(trust: &TrustMaterial, input: &SetInput<'_>) -> Result<()> {
    use base64::Engine as _;
    provider::install();
    let key_id = Sha256Hash::new(*input.log_id);
    if trust.rekor.key(&key_id).is_none() {
        return Err(Error::new(
            ErrorKind::TlogUnknownLog,
            "4.2",
            format!(
                "log id {} is not a Rekor v1 log of the trusted root",
                crate::io::hex(input.log_id)
            ),
        ));
    }
    let time = jiff::Timestamp::from_second(input.integrated_time).map_err(|e| {
        Error::new(
            ErrorKind::TlogEntryInvalid,
            "1.3",
            format!(
                "integratedTime {} is out of range: {e}",
                input.integrated_time
            ),
        )
    })?;
    let key = trust.rekor.key_at(&key_id, time).ok_or_else(|| {
        Error::new(
            ErrorKind::TlogKeyNotValidAtTime,
            "4.5.1",
            format!("the log key was not valid at integratedTime {time}"),
        )
    })?;
    let payload = format!(
        "{{\"body\":\"{}\",\"integratedTime\":{},\"logID\":\"{}\",\"logIndex\":{}}}",
        base64::engine::general_purpose::STANDARD.encode(input.body),
        input.integrated_time,
        crate::io::hex(input.log_id),
        input.log_index
    );
    key.verify(
        payload.as_bytes(),
        &sigstore_types::SignatureBytes::new(input.set.to_vec()),
    )
    .map_err(|e| {
        Error::new(
            ErrorKind::TlogInclusionPromiseInvalid,
            "4.5",
            format!("the signed entry timestamp does not verify: {e}"),
        )
    })
}

/// Name of the crypto backend in use.
#[must_use]
pub(crate) fn backend_name() -> &'static str {
    provider::backend_name()
}
