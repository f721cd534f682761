# SPDX-License-Identifier: Apache-2.0
"""Exceptions raised by slsa_verify.

Every failure is a subclass of :class:`Error`. Verification failures are
:class:`VerificationError` subclasses, one per way a verification can fail, each
with a stable ``code``. Names and codes are API: never renamed, only added.

``step`` names the verification step that failed (``"6.5"``); ``docs_url`` is
its explanation in the project's documentation (``docs/checks.md`` in the source
repository), and ``docs/errors.md`` describes every class below.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ArtifactNameInvalid",
    "AttestationDowngrade",
    "AttestationObjectInvalid",
    "BranchMismatch",
    "BuilderIdMismatch",
    "BuilderRefInvalid",
    "BundleInvalid",
    "CertificateChainInvalid",
    "CertificateError",
    "CertificateMalformed",
    "CertificateNotValidAtTime",
    "CertificateProfileInvalid",
    "DigestMismatch",
    "DsseSignatureCountInvalid",
    "DsseSignatureInvalid",
    "Error",
    "ExtensionMismatch",
    "IdentityChanged",
    "IdentityMismatch",
    "InputError",
    "InputTooLarge",
    "InstallError",
    "InstalledMismatch",
    "InsufficientVerifiedTime",
    "IssuerMismatch",
    "LayerInvalid",
    "LayerMismatch",
    "LockMismatch",
    "MalformedEncoding",
    "MalformedJson",
    "MetadataMismatch",
    "NetworkError",
    "NoAttestations",
    "OnlineLookupRequired",
    "PayloadTypeMismatch",
    "PolicyError",
    "PredicateInvalid",
    "PredicateTypeNotAllowed",
    "ProvenanceCertificateMismatch",
    "ProvenanceFileInvalid",
    "PublisherKindUnsupported",
    "PublisherMismatch",
    "SctInvalid",
    "SctMissing",
    "SignatureError",
    "SignatureInvalid",
    "SourceDisagreement",
    "SourceMismatch",
    "StatementError",
    "StatementMalformed",
    "StatementTypeUnsupported",
    "SubjectCountInvalid",
    "SubjectMismatch",
    "TagMismatch",
    "TimestampDuplicate",
    "TimestampError",
    "TimestampImprintMismatch",
    "TimestampMalformed",
    "TimestampOutsideAuthorityValidity",
    "TimestampSignatureInvalid",
    "TimestampUntrustedAuthority",
    "TlogCheckpointInvalid",
    "TlogCheckpointMismatch",
    "TlogCheckpointSignatureInvalid",
    "TlogDuplicateEntry",
    "TlogEntryInvalid",
    "TlogEntryMismatch",
    "TlogEntryMissing",
    "TlogInclusionPromiseInvalid",
    "TlogInclusionPromiseMissing",
    "TlogInclusionProofInvalid",
    "TlogInclusionProofMissing",
    "TlogKeyNotValidAtTime",
    "TlogUnknownLog",
    "TransparencyLogError",
    "TrustRootError",
    "TrustRootInvalid",
    "TrustRootStale",
    "TrustUpdateFailed",
    "UnsupportedKeyAlgorithm",
    "UnsupportedLogEntryKind",
    "UnsupportedMediaType",
    "UntrustedBuilder",
    "UsageError",
    "VerificationError",
    "VersionedTagMismatch",
]


#: The project's documentation: the ``docs/`` folder of the source repository.
DOCS_URL = "https://github.com/slsa-verify-rs/slsa-verify-rs/blob/main/docs"


def step_url(step: str) -> str:
    """The explanation of verification step ``step`` (``"6.5"``) in the documentation."""
    return f"{DOCS_URL}/checks.md#step-{step.replace('.', '-')}"


class Error(Exception):
    """Base class of every slsa_verify error."""

    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        detail: str,
        *,
        step: str = "",
        attestation_index: int | None = None,
    ) -> None:
        """Record the detail text, the verification step and the attestation index."""
        super().__init__(detail)
        self.detail = detail
        self.step = step
        self.attestation_index = attestation_index

    @property
    def docs_url(self) -> str:
        """Where the documentation explains this failure: its step, else its class."""
        if self.step:
            return step_url(self.step)
        return f"{DOCS_URL}/errors.md#{type(self).__name__.lower()}"

    def diagnostics(self) -> str:
        """A multi-line explanation for humans: kind, step, detail, where to read more."""
        where = f" (step {self.step})" if self.step else ""
        index = (
            f"\nattestation: #{self.attestation_index}"
            if self.attestation_index is not None
            else ""
        )
        return f"{type(self).__name__}{where}\n{self.detail}{index}\nsee {self.docs_url}"


class UsageError(Error):
    """The caller's input is wrong: arguments, an unreadable file, a bad key."""

    code = "usage_error"
    exit_code = 2


class NetworkError(Error):
    """Fetching an index page, a provenance or a release asset failed."""

    code = "network_error"
    exit_code = 4


class InstallError(Error):
    """pip failed to install files that had all verified."""

    code = "install_error"
    exit_code = 5


class VerificationError(Error):
    """Do not trust the artifact. Abstract: a subclass is always raised."""

    code = "verification_error"


class InputError(VerificationError):
    """Category of verification errors (abstract)."""

    code = "input_error"


class TrustRootError(VerificationError):
    """Category of verification errors (abstract)."""

    code = "trust_root_error"


class TransparencyLogError(VerificationError):
    """Category of verification errors (abstract)."""

    code = "transparency_log_error"


class TimestampError(VerificationError):
    """Category of verification errors (abstract)."""

    code = "timestamp_error"


class CertificateError(VerificationError):
    """Category of verification errors (abstract)."""

    code = "certificate_error"


class SignatureError(VerificationError):
    """Category of verification errors (abstract)."""

    code = "signature_error"


class StatementError(VerificationError):
    """Category of verification errors (abstract)."""

    code = "statement_error"


class PolicyError(VerificationError):
    """Category of verification errors (abstract)."""

    code = "policy_error"


class LayerInvalid(InputError):
    """A layer zip is malformed or unsafe, or a wheel RECORD in it is (steps 8.1, 8.2)."""

    code = "layer_invalid"


class LayerMismatch(VerificationError):
    """A file in a layer zip was changed, removed or added after it was built (steps 8.3-8.6)."""

    code = "layer_mismatch"


class IdentityChanged(VerificationError):
    """The attestation identity differs from the one the lock file pinned (steps 9.3, 9.5)."""

    code = "identity_changed"


class AttestationDowngrade(VerificationError):
    """A package the lock file pinned as attested has no provenance now (steps 9.4, 9.5)."""

    code = "attestation_downgrade"


class LockMismatch(VerificationError):
    """A lock file is malformed, or a file is not the one it locked (steps 9.1, 9.2)."""

    code = "lock_mismatch"


class SourceDisagreement(VerificationError):
    """Two verified sources of one file name other source repositories or commits (step 10.1)."""

    code = "source_disagreement"


class InputTooLarge(InputError):
    """A §0.5 limit was exceeded."""

    code = "input_too_large"


class MalformedJson(InputError):
    """Invalid UTF-8/JSON, BOM, duplicate key, depth, trailing data."""

    code = "malformed_json"


class MalformedEncoding(InputError):
    """Bad base64, hex, int64 string, timestamp string."""

    code = "malformed_encoding"


class UnsupportedMediaType(InputError):
    """Bundle media type not in §1.2.1."""

    code = "unsupported_media_type"


class BundleInvalid(InputError):
    """Bundle structure or version rule broken (§1.2)."""

    code = "bundle_invalid"


class AttestationObjectInvalid(InputError):
    """PEP 740 attestation or provenance schema broken (§1.6–§1.7)."""

    code = "attestation_object_invalid"


class ProvenanceFileInvalid(InputError):
    """`.intoto.jsonl` line or format not recognised (§1.8)."""

    code = "provenance_file_invalid"


class ArtifactNameInvalid(InputError):
    """Artifact filename is not a distribution filename (§1.1.2)."""

    code = "artifact_name_invalid"


class OnlineLookupRequired(InputError):
    """Data needed is not in the input and offline mode is on (§1.10)."""

    code = "online_lookup_required"


class TrustRootInvalid(TrustRootError):
    """Trusted root malformed or inconsistent (§2.2)."""

    code = "trust_root_invalid"


class TrustRootStale(TrustRootError):
    """TUF metadata expired, or the trust material is older than --max-trust-age."""

    code = "trust_root_stale"


class TrustUpdateFailed(TrustRootError):
    """TUF metadata refused: signature threshold, rollback, length or hash, malformed."""

    code = "trust_update_failed"


class TlogEntryMissing(TransparencyLogError):
    """No (or too few) verified log entries (§1.2.4, §4.8)."""

    code = "tlog_entry_missing"


class TlogEntryInvalid(TransparencyLogError):
    """Entry fields malformed, kind/body disagree, unknown body fields (§1.3, §1.4)."""

    code = "tlog_entry_invalid"


class UnsupportedLogEntryKind(TransparencyLogError):
    """Kind/version not supported (§1.3.5)."""

    code = "unsupported_log_entry_kind"


class TlogDuplicateEntry(TransparencyLogError):
    """Same (logId, logIndex) twice (§1.3.6)."""

    code = "tlog_duplicate_entry"


class TlogUnknownLog(TransparencyLogError):
    """No entry's log id is in the trusted root (§4.2)."""

    code = "tlog_unknown_log"


class TlogKeyNotValidAtTime(TransparencyLogError):
    """Log key window excludes the integrated or TSA time (§2.5, §4.5.1)."""

    code = "tlog_key_not_valid_at_time"


class TlogInclusionPromiseMissing(TransparencyLogError):
    """SET required but absent (§1.2.6)."""

    code = "tlog_inclusion_promise_missing"


class TlogInclusionPromiseInvalid(TransparencyLogError):
    """SET does not verify (§4.5)."""

    code = "tlog_inclusion_promise_invalid"


class TlogInclusionProofMissing(TransparencyLogError):
    """Proof or checkpoint absent (§1.2.6)."""

    code = "tlog_inclusion_proof_missing"


class TlogInclusionProofInvalid(TransparencyLogError):
    """Merkle audit path does not reach the root (§4.3)."""

    code = "tlog_inclusion_proof_invalid"


class TlogCheckpointInvalid(TransparencyLogError):
    """Checkpoint text or signature lines malformed, or origin wrong (§4.4.1–§4.4.4)."""

    code = "tlog_checkpoint_invalid"


class TlogCheckpointSignatureInvalid(TransparencyLogError):
    """No valid signature by the expected log key and name (§4.4.5)."""

    code = "tlog_checkpoint_signature_invalid"


class TlogCheckpointMismatch(TransparencyLogError):
    """Checkpoint size or root differs from the proof (§4.4.6)."""

    code = "tlog_checkpoint_mismatch"


class TlogEntryMismatch(TransparencyLogError):
    """Log body does not match artifact, signature, certificate or envelope (§4.6)."""

    code = "tlog_entry_mismatch"


class TimestampMalformed(TimestampError):
    """TimeStampResp, TSTInfo or CMS structure invalid, weak hash (§5.3)."""

    code = "timestamp_malformed"


class TimestampDuplicate(TimestampError):
    """Identical timestamp tokens (§5.2)."""

    code = "timestamp_duplicate"


class TimestampImprintMismatch(TimestampError):
    """Imprint is not the hash of the bundle signature (§5.4)."""

    code = "timestamp_imprint_mismatch"


class TimestampSignatureInvalid(TimestampError):
    """CMS signature, signed attributes or ESS cert id invalid (§5.5)."""

    code = "timestamp_signature_invalid"


class TimestampUntrustedAuthority(TimestampError):
    """Signer does not chain to a trusted TSA at genTime (§5.6–§5.7)."""

    code = "timestamp_untrusted_authority"


class TimestampOutsideAuthorityValidity(TimestampError):
    """genTime outside the TSA's validFor (§5.8)."""

    code = "timestamp_outside_authority_validity"


class InsufficientVerifiedTime(TimestampError):
    """Verified-time thresholds not met (§5.9.3)."""

    code = "insufficient_verified_time"


class CertificateMalformed(CertificateError):
    """DER/X.509 parse failure (§3.1.1)."""

    code = "certificate_malformed"


class CertificateProfileInvalid(CertificateError):
    """CA flag, KU/EKU, SAN count, critical extensions, extension encodings (§3.2, §7.1)."""

    code = "certificate_profile_invalid"


class CertificateNotValidAtTime(CertificateError):
    """Leaf validity excludes a verified time (§3.3.1)."""

    code = "certificate_not_valid_at_time"


class CertificateChainInvalid(CertificateError):
    """No path to a Fulcio CA valid at the time (§3.3)."""

    code = "certificate_chain_invalid"


class SctMissing(CertificateError):
    """No embedded SCT list (§3.4.1)."""

    code = "sct_missing"


class SctInvalid(CertificateError):
    """No SCT verified by a trusted CT log (§3.4)."""

    code = "sct_invalid"


class UnsupportedKeyAlgorithm(SignatureError):
    """Leaf key type not allowed (§3.2.6)."""

    code = "unsupported_key_algorithm"


class SignatureInvalid(SignatureError):
    """Message signature does not verify (§6.2)."""

    code = "signature_invalid"


class DsseSignatureCountInvalid(SignatureError):
    """Envelope signature count is not 1 (§1.2.8)."""

    code = "dsse_signature_count_invalid"


class DsseSignatureInvalid(SignatureError):
    """PAE signature does not verify (§6.3.2)."""

    code = "dsse_signature_invalid"


class PayloadTypeMismatch(SignatureError):
    """payloadType is not in-toto (§6.3.3)."""

    code = "payload_type_mismatch"


class StatementMalformed(StatementError):
    """Payload is not a valid statement (§6.4)."""

    code = "statement_malformed"


class StatementTypeUnsupported(StatementError):
    """`_type` not accepted in this context (§6.4.2)."""

    code = "statement_type_unsupported"


class SubjectCountInvalid(StatementError):
    """PEP 740 needs exactly one subject (§6.5.3)."""

    code = "subject_count_invalid"


class SubjectMismatch(StatementError):
    """Subject name not equivalent to the artifact filename (§6.5.3, §6.6)."""

    code = "subject_mismatch"


class DigestMismatch(StatementError):
    """No subject or hint digest equals the artifact digest (§6.2, §6.5)."""

    code = "digest_mismatch"


class PredicateTypeNotAllowed(StatementError):
    """predicateType not allowed here (§6.7)."""

    code = "predicate_type_not_allowed"


class PredicateInvalid(StatementError):
    """Predicate fails structural or buildType checks (§7.5.7)."""

    code = "predicate_invalid"


class IssuerMismatch(PolicyError):
    """OIDC issuer differs or is absent (§7.3, §7.5.2)."""

    code = "issuer_mismatch"


class IdentityMismatch(PolicyError):
    """SAN differs (§7.2, §7.3, §7.6.3)."""

    code = "identity_mismatch"


class ExtensionMismatch(PolicyError):
    """A required Fulcio extension differs or is absent (§7.3, §7.6)."""

    code = "extension_mismatch"


class PublisherMismatch(PolicyError):
    """PEP 740 Trusted Publisher check failed (§7.4, §7.7.2)."""

    code = "publisher_mismatch"


class PublisherKindUnsupported(PolicyError):
    """Provenance names an unknown publisher kind (§7.4.5)."""

    code = "publisher_kind_unsupported"


class UntrustedBuilder(PolicyError):
    """Builder workflow not trusted (§7.5.4)."""

    code = "untrusted_builder"


class BuilderIdMismatch(PolicyError):
    """Builder id differs between expectation, certificate, provenance (§7.5.4, §7.5.7)."""

    code = "builder_id_mismatch"


class BuilderRefInvalid(PolicyError):
    """Builder not referenced at `refs/tags/vX.Y.Z` (§7.5.5)."""

    code = "builder_ref_invalid"


class SourceMismatch(PolicyError):
    """Source repository differs (§7.5.6, §7.5.8)."""

    code = "source_mismatch"


class BranchMismatch(PolicyError):
    """Source branch differs (§7.5.10)."""

    code = "branch_mismatch"


class TagMismatch(PolicyError):
    """Source tag differs (§7.5.10)."""

    code = "tag_mismatch"


class VersionedTagMismatch(PolicyError):
    """Semver tag outside the expected major/minor/patch (§7.5.10)."""

    code = "versioned_tag_mismatch"


class ProvenanceCertificateMismatch(PolicyError):
    """Predicate contradicts the certificate (§7.6.5)."""

    code = "provenance_certificate_mismatch"


class NoAttestations(PolicyError):
    """Nothing to verify where the policy requires attestations (§7.7.3)."""

    code = "no_attestations"
    exit_code = 3


class MetadataMismatch(VerificationError):
    """A verified wheel's METADATA differs from the metadata pip resolved with.

    pip resolves dependencies from the index's unsigned PEP 658 ``.metadata``
    file; ``pip-verify install``/``download`` compare it with the verified
    wheel's own METADATA (name, version, Requires-Dist, Requires-Python,
    Provides-Extra) before anything is installed.
    """

    code = "metadata_mismatch"


class InstalledMismatch(VerificationError):
    """An installed file differs from the verified wheel's member.

    Checked after ``pip-verify install`` for every file pip copies verbatim
    into site-packages; symbolic links are never followed.
    """

    code = "installed_mismatch"
