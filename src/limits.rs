// SPDX-License-Identifier: Apache-2.0
//! Every bound on untrusted input (spec §0.5), each with its source.

/// One bundle, attestation or JSONL line: 16 MiB (real bundles are 5–50 KiB;
/// SLSA v0.2 provenance embeds the whole GitHub event payload).
pub const DOC: usize = 16 << 20;
/// One PyPI provenance response: 32 MiB (spec §0.5).
pub const PROVENANCE: usize = 32 << 20;
/// A whole `.intoto.jsonl` or attestation file read from disk: as many lines
/// as [`JSONL_LINES`] could hold is far beyond any real file, so we cap the
/// file at the provenance limit.
pub const ATTESTATION_FILE: usize = PROVENANCE;
/// Lines in one `.jsonl` file (spec §0.5).
pub const JSONL_LINES: usize = 1_000;
/// JSON nesting depth (spec §0.5).
pub const JSON_DEPTH: usize = 64;
/// Decoded DSSE payload: 8 MiB (spec §0.5).
pub const PAYLOAD: usize = 8 << 20;
/// Statement subjects (sigstore-go `maxAllowedSubjects`).
pub const SUBJECTS: usize = 1_024;
/// Digest entries per subject (sigstore-go `maxAllowedSubjectDigests`).
pub const DIGESTS: usize = 32;
/// Transparency-log entries per bundle (sigstore-go `internal/limits`).
pub const TLOG: usize = 32;
/// RFC 3161 timestamps per bundle (sigstore-go, sigstore-python `MAX_ALLOWED_TIMESTAMP`).
pub const TSA: usize = 32;
/// One DER certificate: 32 KiB (spec §0.5).
pub const CERT: usize = 32 << 10;
/// Certificates in `x509CertificateChain` (spec §0.5).
pub const CHAIN: usize = 10;
/// Merkle audit-path hashes: a tree of < 2^63 leaves needs ≤ 63.
pub const PROOF: usize = 64;
/// Checkpoint envelope text (spec §0.5).
pub const CHECKPOINT: usize = 64 << 10;
/// One `TimeStampResp` (spec §0.5).
pub const TSR: usize = 64 << 10;
/// Attestation bundles per provenance object (spec §0.5).
pub const BUNDLES: usize = 16;
/// Attestations per provenance bundle (spec §0.5).
pub const ATTESTATIONS: usize = 64;
/// A trusted root file: real ones are ~10 KiB.
pub const TRUST_ROOT: usize = 4 << 20;
/// A PEM public key file for `--key`.
pub const KEY_FILE: usize = 64 << 10;
/// A layer zip read by `verify-layer`: 256 MiB (AWS Lambda caps a function
/// and its layers at 250 MB unzipped, so a real layer zip is smaller).
pub const LAYER_ZIP: usize = 256 << 20;
/// The sum of a layer's uncompressed sizes: the same 256 MiB (Lambda's cap).
pub const LAYER_UNZIPPED: usize = 256 << 20;
/// Entries in a layer zip (the most a zip without zip64 can hold).
pub const LAYER_ENTRIES: usize = 65_535;
/// A `pylock.toml` file: 4 MiB (a lock of thousands of packages is far smaller).
pub const LOCK_FILE: usize = 4 << 20;
/// Packages in one lock.
pub const LOCK_PACKAGES: usize = 10_000;
