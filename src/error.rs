// SPDX-License-Identifier: Apache-2.0
//! The error model (spec §9): one [`Error`] with an [`ErrorKind`] whose
//! [`ErrorKind::code`] is a stable identifier, never renamed or reused.

use std::fmt;

macro_rules! kinds {
    ($( $(#[$doc:meta])* $name:ident => $code:literal, $parent:literal; )*) => {
        /// Every way a verification can fail (spec §9), plus `NetworkError`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $( $(#[$doc])* $name, )*
        }

        impl ErrorKind {
            /// All kinds, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$name,)*];

            /// The stable snake_case identifier (`digest_mismatch`).
            #[must_use]
            pub const fn code(self) -> &'static str {
                match self { $(ErrorKind::$name => $code,)* }
            }

            /// The class name, identical in Rust and Python (`DigestMismatch`).
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(ErrorKind::$name => stringify!($name),)* }
            }

            /// The abstract category class this kind belongs to (spec §9 tree).
            #[must_use]
            pub const fn parent(self) -> &'static str {
                match self { $(ErrorKind::$name => $parent,)* }
            }
        }
    };
}

kinds! {
    /// A §0.5 limit was exceeded.
    InputTooLarge => "input_too_large", "InputError";
    /// Invalid UTF-8/JSON, BOM, duplicate key, depth, trailing data.
    MalformedJson => "malformed_json", "InputError";
    /// Bad base64, hex, int64 string, timestamp string.
    MalformedEncoding => "malformed_encoding", "InputError";
    /// Bundle media type not in §1.2.1.
    UnsupportedMediaType => "unsupported_media_type", "InputError";
    /// Bundle structure or version rule broken (§1.2).
    BundleInvalid => "bundle_invalid", "InputError";
    /// PEP 740 attestation or provenance schema broken (§1.6–§1.7).
    AttestationObjectInvalid => "attestation_object_invalid", "InputError";
    /// `.intoto.jsonl` line or format not recognised (§1.8).
    ProvenanceFileInvalid => "provenance_file_invalid", "InputError";
    /// Artifact filename is not a distribution filename (§1.1.2).
    ArtifactNameInvalid => "artifact_name_invalid", "InputError";
    /// Data needed is not in the input and offline mode is on (§1.10).
    OnlineLookupRequired => "online_lookup_required", "InputError";
    /// Trusted root malformed or inconsistent (§2.2).
    TrustRootInvalid => "trust_root_invalid", "TrustRootError";
    /// TUF metadata expired, or the trust material is older than `--max-trust-age`.
    TrustRootStale => "trust_root_stale", "TrustRootError";
    /// TUF metadata refused: signature threshold, rollback, length or hash, malformed.
    TrustUpdateFailed => "trust_update_failed", "TrustRootError";
    /// No (or too few) verified log entries (§1.2.4, §4.8).
    TlogEntryMissing => "tlog_entry_missing", "TransparencyLogError";
    /// Entry fields malformed, kind/body disagree, unknown body fields (§1.3, §1.4).
    TlogEntryInvalid => "tlog_entry_invalid", "TransparencyLogError";
    /// Kind/version not supported (§1.3.5).
    UnsupportedLogEntryKind => "unsupported_log_entry_kind", "TransparencyLogError";
    /// Same (logId, logIndex) twice (§1.3.6).
    TlogDuplicateEntry => "tlog_duplicate_entry", "TransparencyLogError";
    /// No entry's log id is in the trusted root (§4.2).
    TlogUnknownLog => "tlog_unknown_log", "TransparencyLogError";
    /// Log key window excludes the integrated or TSA time (§2.5, §4.5.1).
    TlogKeyNotValidAtTime => "tlog_key_not_valid_at_time", "TransparencyLogError";
    /// SET required but absent (§1.2.6).
    TlogInclusionPromiseMissing => "tlog_inclusion_promise_missing", "TransparencyLogError";
    /// SET does not verify (§4.5).
    TlogInclusionPromiseInvalid => "tlog_inclusion_promise_invalid", "TransparencyLogError";
    /// Proof or checkpoint absent (§1.2.6).
    TlogInclusionProofMissing => "tlog_inclusion_proof_missing", "TransparencyLogError";
    /// Merkle audit path does not reach the root (§4.3).
    TlogInclusionProofInvalid => "tlog_inclusion_proof_invalid", "TransparencyLogError";
    /// Checkpoint text or signature lines malformed, or origin wrong (§4.4.1–§4.4.4).
    TlogCheckpointInvalid => "tlog_checkpoint_invalid", "TransparencyLogError";
    /// No valid signature by the expected log key and name (§4.4.5).
    TlogCheckpointSignatureInvalid => "tlog_checkpoint_signature_invalid", "TransparencyLogError";
    /// Checkpoint size or root differs from the proof (§4.4.6).
    TlogCheckpointMismatch => "tlog_checkpoint_mismatch", "TransparencyLogError";
    /// Log body does not match artifact, signature, certificate or envelope (§4.6).
    TlogEntryMismatch => "tlog_entry_mismatch", "TransparencyLogError";
    /// TimeStampResp, TSTInfo or CMS structure invalid, weak hash (§5.3).
    TimestampMalformed => "timestamp_malformed", "TimestampError";
    /// Identical timestamp tokens (§5.2).
    TimestampDuplicate => "timestamp_duplicate", "TimestampError";
    /// Imprint is not the hash of the bundle signature (§5.4).
    TimestampImprintMismatch => "timestamp_imprint_mismatch", "TimestampError";
    /// CMS signature, signed attributes or ESS cert id invalid (§5.5).
    TimestampSignatureInvalid => "timestamp_signature_invalid", "TimestampError";
    /// Signer does not chain to a trusted TSA at genTime (§5.6–§5.7).
    TimestampUntrustedAuthority => "timestamp_untrusted_authority", "TimestampError";
    /// genTime outside the TSA's validFor (§5.8).
    TimestampOutsideAuthorityValidity => "timestamp_outside_authority_validity", "TimestampError";
    /// Verified-time thresholds not met (§5.9.3).
    InsufficientVerifiedTime => "insufficient_verified_time", "TimestampError";
    /// DER/X.509 parse failure (§3.1.1).
    CertificateMalformed => "certificate_malformed", "CertificateError";
    /// CA flag, KU/EKU, SAN count, critical extensions, extension encoding or conflicts (§3.2, §7.1).
    CertificateProfileInvalid => "certificate_profile_invalid", "CertificateError";
    /// Leaf validity excludes a verified time (§3.3.1).
    CertificateNotValidAtTime => "certificate_not_valid_at_time", "CertificateError";
    /// No path to a Fulcio CA valid at the time (§3.3).
    CertificateChainInvalid => "certificate_chain_invalid", "CertificateError";
    /// No embedded SCT list (§3.4.1).
    SctMissing => "sct_missing", "CertificateError";
    /// No SCT verified by a trusted CT log (§3.4).
    SctInvalid => "sct_invalid", "CertificateError";
    /// Leaf key type not allowed (§3.2.6).
    UnsupportedKeyAlgorithm => "unsupported_key_algorithm", "SignatureError";
    /// Message signature does not verify (§6.2).
    SignatureInvalid => "signature_invalid", "SignatureError";
    /// Envelope signature count is not 1 (§1.2.8).
    DsseSignatureCountInvalid => "dsse_signature_count_invalid", "SignatureError";
    /// PAE signature does not verify (§6.3.2).
    DsseSignatureInvalid => "dsse_signature_invalid", "SignatureError";
    /// payloadType is not in-toto (§6.3.3).
    PayloadTypeMismatch => "payload_type_mismatch", "SignatureError";
    /// Payload is not a valid statement (§6.4).
    StatementMalformed => "statement_malformed", "StatementError";
    /// `_type` not accepted in this context (§6.4.2).
    StatementTypeUnsupported => "statement_type_unsupported", "StatementError";
    /// PEP 740 needs exactly one subject (§6.5.3).
    SubjectCountInvalid => "subject_count_invalid", "StatementError";
    /// Subject name not equivalent to the artifact filename (§6.5.3, §6.6).
    SubjectMismatch => "subject_mismatch", "StatementError";
    /// No subject or hint digest equals the artifact digest (§6.2, §6.5).
    DigestMismatch => "digest_mismatch", "StatementError";
    /// predicateType not allowed here (§6.7).
    PredicateTypeNotAllowed => "predicate_type_not_allowed", "StatementError";
    /// Predicate fails structural or buildType checks (§7.5.7).
    PredicateInvalid => "predicate_invalid", "StatementError";
    /// OIDC issuer differs or is absent (§7.3, §7.5.2).
    IssuerMismatch => "issuer_mismatch", "PolicyError";
    /// SAN differs (§7.2, §7.3, §7.6.3).
    IdentityMismatch => "identity_mismatch", "PolicyError";
    /// A required Fulcio extension differs or is absent (§7.3, §7.6).
    ExtensionMismatch => "extension_mismatch", "PolicyError";
    /// PEP 740 Trusted Publisher check failed (§7.4, §7.7.2).
    PublisherMismatch => "publisher_mismatch", "PolicyError";
    /// Provenance names an unknown publisher kind (§7.4.5).
    PublisherKindUnsupported => "publisher_kind_unsupported", "PolicyError";
    /// Builder workflow not trusted (§7.5.4).
    UntrustedBuilder => "untrusted_builder", "PolicyError";
    /// Builder id differs between expectation, certificate, provenance (§7.5.4, §7.5.7).
    BuilderIdMismatch => "builder_id_mismatch", "PolicyError";
    /// Builder not referenced at `refs/tags/vX.Y.Z` (§7.5.5).
    BuilderRefInvalid => "builder_ref_invalid", "PolicyError";
    /// Source repository differs (§7.5.6, §7.5.8).
    SourceMismatch => "source_mismatch", "PolicyError";
    /// Source branch differs (§7.5.10).
    BranchMismatch => "branch_mismatch", "PolicyError";
    /// Source tag differs (§7.5.10).
    TagMismatch => "tag_mismatch", "PolicyError";
    /// Semver tag outside the expected major/minor/patch (§7.5.10).
    VersionedTagMismatch => "versioned_tag_mismatch", "PolicyError";
    /// Predicate contradicts the certificate (§7.6.5).
    ProvenanceCertificateMismatch => "provenance_certificate_mismatch", "PolicyError";
    /// Nothing to verify where the policy requires attestations (§7.7.3).
    NoAttestations => "no_attestations", "PolicyError";
    /// A verified wheel's METADATA differs from the metadata pip resolved with (install).
    MetadataMismatch => "metadata_mismatch", "VerificationError";
    /// An installed file differs from the verified wheel's member (install).
    InstalledMismatch => "installed_mismatch", "VerificationError";
    /// A layer zip is malformed or unsafe, or a wheel RECORD in it is (steps 8.1, 8.2).
    LayerInvalid => "layer_invalid", "InputError";
    /// A file in a layer zip was changed, removed or added after it was built (steps 8.3-8.6).
    LayerMismatch => "layer_mismatch", "VerificationError";
    /// The attestation identity differs from the one the lock file pinned (steps 9.3, 9.5).
    IdentityChanged => "identity_changed", "VerificationError";
    /// A package the lock file pinned as attested has no provenance now (steps 9.4, 9.5).
    AttestationDowngrade => "attestation_downgrade", "VerificationError";
    /// A lock file is malformed, or a file is not the one it locked (steps 9.1, 9.2).
    LockMismatch => "lock_mismatch", "VerificationError";
    /// Two verified sources of one file name other source repositories or commits (step 10.1).
    SourceDisagreement => "source_disagreement", "VerificationError";
    /// DNS, TLS, timeout, HTTP status or body limit (online feature).
    NetworkError => "network_error", "Error";
    /// A caller error: bad arguments, unreadable file, empty policy.
    UsageError => "usage_error", "Error";
}

/// A failed verification: what kind, at which spec step, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    step: &'static str,
    detail: String,
    attestation_index: Option<usize>,
}

impl Error {
    /// A new error of `kind`, raised at spec section `step` (e.g. `"6.5"`).
    #[must_use]
    pub fn new(kind: ErrorKind, step: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind,
            step,
            detail: detail.into(),
            attestation_index: None,
        }
    }

    /// An "expected X, found Y" mismatch; untrusted values are printed with `{:?}`.
    #[must_use]
    pub fn mismatch(
        kind: ErrorKind,
        step: &'static str,
        what: &str,
        expected: &dyn fmt::Debug,
        actual: &dyn fmt::Debug,
    ) -> Self {
        Self::new(
            kind,
            step,
            format!("{what}: expected {expected:?}, found {actual:?}"),
        )
    }

    /// Record which attestation (0-based) of a container failed.
    #[must_use]
    pub fn at_attestation(mut self, index: usize) -> Self {
        if self.attestation_index.is_none() {
            self.attestation_index = Some(index);
        }
        self
    }

    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The spec section that raised it.
    #[must_use]
    pub fn step(&self) -> &'static str {
        self.step
    }

    /// Human text: expected vs actual where it applies.
    #[must_use]
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Index of the failing attestation inside a multi-attestation container.
    #[must_use]
    pub fn attestation_index(&self) -> Option<usize> {
        self.attestation_index
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (step {}): {}",
            self.kind.name(),
            self.step,
            self.detail
        )
    }
}

impl std::error::Error for Error {}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            assert!(seen.insert(kind.code()), "duplicate code {}", kind.code());
            assert!(kind
                .code()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }
}
