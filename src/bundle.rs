// SPDX-License-Identifier: Apache-2.0
//! Sigstore bundle structure (spec §1.2–§1.4), checked on the strict JSON
//! value before any cryptography. The checks here are the ones the
//! `sigstore-verify` crate does not make, or makes with a less specific error:
//! exact media types, unknown fields, signature counts, per-version log
//! requirements, duplicate entries and every §0.5 count limit.

use std::collections::HashSet;

use base64::Engine as _;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::json::{self, Obj};
use crate::limits;

/// Bundle format version (spec §1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleVersion {
    /// `…bundle+json;version=0.1`
    V01,
    /// `…bundle+json;version=0.2`
    V02,
    /// `…bundle+json;version=0.3` or `…bundle.v0.3+json`
    V03,
}

/// What the structural pass learned about a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleShape {
    /// The format version.
    pub version: BundleVersion,
    /// DSSE envelope (true) or message signature (false).
    pub dsse: bool,
    /// Signed with a managed key (`verificationMaterial.publicKey`).
    pub managed_key: bool,
}

/// The in-toto payload type, the only one we accept (spec §6.3.3).
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// The v0.3 media type we emit when we synthesise bundles (PEP 740, §1.6.4).
pub const MEDIA_TYPE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

const STEP: &str = "1.2";

/// Check `value` against §1.2–§1.4.
///
/// # Errors
/// The specific §9 kind of the first rule broken.
pub fn check(value: &Value) -> Result<BundleShape> {
    let top = Obj::new(value, ErrorKind::BundleInvalid, STEP, "bundle")?;
    let media = top.str("mediaType")?;
    let version = match media {
        "application/vnd.dev.sigstore.bundle+json;version=0.1" => BundleVersion::V01,
        "application/vnd.dev.sigstore.bundle+json;version=0.2" => BundleVersion::V02,
        "application/vnd.dev.sigstore.bundle+json;version=0.3" | MEDIA_TYPE_V03 => {
            BundleVersion::V03
        }
        other => {
            return Err(Error::new(
                ErrorKind::UnsupportedMediaType,
                "1.2.1",
                format!("unsupported bundle media type {other:?}"),
            ))
        }
    };
    top.only(&[
        "mediaType",
        "verificationMaterial",
        "messageSignature",
        "dsseEnvelope",
    ])?;
    let dsse = match (top.opt("messageSignature"), top.opt("dsseEnvelope")) {
        (Some(m), None) => {
            check_message_signature(m)?;
            false
        }
        (None, Some(d)) => {
            check_envelope(d)?;
            true
        }
        _ => {
            return Err(
                top.err("exactly one of messageSignature and dsseEnvelope is required".into())
            )
        }
    };

    let vm = top.obj("verificationMaterial")?;
    vm.only(&[
        "x509CertificateChain",
        "certificate",
        "publicKey",
        "tlogEntries",
        "timestampVerificationData",
    ])?;
    let present: Vec<&str> = ["x509CertificateChain", "certificate", "publicKey"]
        .into_iter()
        .filter(|k| vm.opt(k).is_some())
        .collect();
    let managed_key = match present.as_slice() {
        ["x509CertificateChain"] => {
            if version == BundleVersion::V03 {
                return Err(
                    vm.err("a v0.3 bundle must carry a single certificate, not a chain".into())
                );
            }
            let chain = vm.obj("x509CertificateChain")?;
            chain.only(&["certificates"])?;
            let certs = chain.arr("certificates", limits::CHAIN)?;
            if certs.is_empty() {
                return Err(vm.err("x509CertificateChain.certificates is empty".into()));
            }
            for c in certs {
                check_raw_bytes(c, "certificate")?;
            }
            false
        }
        ["certificate"] => {
            if version != BundleVersion::V03 {
                return Err(vm.err("verificationMaterial.certificate needs bundle v0.3".into()));
            }
            check_raw_bytes(vm.req("certificate")?, "certificate")?;
            false
        }
        ["publicKey"] => {
            // PublicKeyIdentifier { hint } (§1.2.3); unknown fields refused (§0.4.7).
            vm.obj("publicKey")?.only(&["hint"])?;
            true
        }
        _ => {
            return Err(vm.err(
                "exactly one of x509CertificateChain, certificate and publicKey is required".into(),
            ))
        }
    };

    let timestamps = check_timestamps(&vm)?;
    let entries = match vm.opt("tlogEntries") {
        Some(_) => vm.arr("tlogEntries", limits::TLOG)?.as_slice(),
        None => &[],
    };
    if entries.is_empty() {
        return Err(Error::new(
            ErrorKind::TlogEntryMissing,
            "1.2.4",
            "the bundle has no transparency-log entry",
        ));
    }
    let mut seen = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let key = check_entry(entry, i)?;
        if !seen.insert(key) {
            return Err(Error::new(
                ErrorKind::TlogDuplicateEntry,
                "1.3.6",
                format!("tlog entry {i} repeats an earlier (logId, logIndex)"),
            ));
        }
        check_version_rules(entry, i, version, timestamps > 0)?;
    }
    Ok(BundleShape {
        version,
        dsse,
        managed_key,
    })
}

fn check_raw_bytes(v: &Value, what: &str) -> Result<()> {
    let o = Obj::new(v, ErrorKind::BundleInvalid, STEP, what)?;
    o.only(&["rawBytes"])?;
    let raw = o.opt_str("rawBytes")?.unwrap_or("");
    if raw.is_empty() {
        return Err(o.err(format!("{what}.rawBytes is empty")));
    }
    if raw.len() / 4 * 3 > limits::CERT {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            "0.5",
            format!("{what} exceeds {} bytes", limits::CERT),
        ));
    }
    decode_b64(raw, ErrorKind::MalformedEncoding, "0.4.4")?;
    Ok(())
}

fn check_message_signature(v: &Value) -> Result<()> {
    let m = Obj::new(v, ErrorKind::BundleInvalid, "1.2.7", "messageSignature")?;
    m.only(&["messageDigest", "signature"])?;
    let sig = m.opt_str("signature")?.unwrap_or("");
    if sig.is_empty() {
        return Err(m.err("messageSignature.signature is empty".into()));
    }
    decode_b64(sig, ErrorKind::MalformedEncoding, "0.4.4")?;
    if m.opt("messageDigest").is_some() {
        let d = m.obj("messageDigest")?;
        d.only(&["algorithm", "digest"])?;
        let alg = d.str("algorithm")?;
        let digest = decode_b64(d.str("digest")?, ErrorKind::MalformedEncoding, "0.4.4")?;
        if alg != "SHA2_256" || digest.len() != 32 {
            return Err(d.err(format!(
                "messageDigest must be SHA2_256 with 32 bytes, found {alg:?} with {} bytes",
                digest.len()
            )));
        }
    }
    Ok(())
}

fn check_envelope(v: &Value) -> Result<()> {
    let e = Obj::new(v, ErrorKind::BundleInvalid, "1.2.8", "dsseEnvelope")?;
    e.only(&["payload", "payloadType", "signatures"])?;
    e.str("payloadType")?;
    let payload = e.str("payload")?;
    if payload.len() / 4 * 3 > limits::PAYLOAD {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            "0.5",
            "DSSE payload exceeds the 8 MiB limit",
        ));
    }
    decode_b64(payload, ErrorKind::MalformedEncoding, "0.4.4")?;
    let sigs = e
        .opt("signatures")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if sigs != 1 {
        return Err(Error::new(
            ErrorKind::DsseSignatureCountInvalid,
            "1.2.8",
            format!("a DSSE envelope must carry exactly one signature, found {sigs}"),
        ));
    }
    let sig = Obj::new(
        e.arr("signatures", 1)?.first().unwrap_or(&Value::Null),
        ErrorKind::BundleInvalid,
        "1.2.8",
        "dsseEnvelope.signatures[0]",
    )?;
    sig.only(&["sig", "keyid"])?;
    let raw_sig = sig.opt_str("sig")?.unwrap_or("");
    if raw_sig.is_empty() {
        return Err(Error::new(
            ErrorKind::DsseSignatureCountInvalid,
            "1.2.8",
            "the DSSE signature is empty",
        ));
    }
    decode_b64(raw_sig, ErrorKind::MalformedEncoding, "0.4.4")?;
    Ok(())
}

fn check_timestamps(vm: &Obj<'_>) -> Result<usize> {
    let Some(tvd) = vm.opt("timestampVerificationData") else {
        return Ok(0);
    };
    let tvd = Obj::new(
        tvd,
        ErrorKind::BundleInvalid,
        "1.2.5",
        "timestampVerificationData",
    )?;
    tvd.only(&["rfc3161Timestamps"])?;
    let Some(_) = tvd.opt("rfc3161Timestamps") else {
        return Ok(0);
    };
    let list = tvd.arr("rfc3161Timestamps", limits::TSA)?;
    let mut seen = HashSet::new();
    for t in list {
        let t = Obj::new(t, ErrorKind::BundleInvalid, "1.2.5", "rfc3161Timestamps[]")?;
        t.only(&["signedTimestamp"])?;
        let raw = t.str("signedTimestamp")?;
        if raw.len() / 4 * 3 > limits::TSR {
            return Err(Error::new(
                ErrorKind::InputTooLarge,
                "0.5",
                "a timestamp response exceeds 64 KiB",
            ));
        }
        let bytes = decode_b64(raw, ErrorKind::MalformedEncoding, "0.4.4")?;
        if !seen.insert(bytes) {
            return Err(Error::new(
                ErrorKind::TimestampDuplicate,
                "5.2",
                "two identical RFC 3161 timestamps",
            ));
        }
    }
    Ok(list.len())
}

/// The fields of a `TransparencyLogEntry` (protobuf-specs `sigstore_rekor.proto`).
pub const ENTRY_FIELDS: &[&str] = &[
    "logIndex",
    "logId",
    "kindVersion",
    "integratedTime",
    "inclusionPromise",
    "inclusionProof",
    "canonicalizedBody",
];

/// Check one transparency-log entry (spec §1.3); returns its (logId, logIndex).
/// Unknown fields are refused (§0.4.7); PEP 740 callers drop them first.
///
/// # Errors
/// `TlogEntryInvalid`, `UnsupportedLogEntryKind`, `TlogInclusionProofInvalid`,
/// `TlogCheckpointInvalid`, `TlogCheckpointMismatch` (proof and checkpoint
/// disagree on size or root), `MalformedEncoding` or `InputTooLarge`.
pub fn check_entry(v: &Value, i: usize) -> Result<(String, i64)> {
    let path = format!("tlogEntries[{i}]");
    let e = Obj::new(v, ErrorKind::TlogEntryInvalid, "1.3.1", &path)?;
    e.only(ENTRY_FIELDS)?;
    let log_index = int64(e.req("logIndex")?, &format!("{path}.logIndex"))?;
    if log_index < 0 {
        return Err(e.err(format!("{path}.logIndex is negative")));
    }
    if let Some(t) = e.opt("integratedTime") {
        if int64(t, &format!("{path}.integratedTime"))? < 0 {
            return Err(e.err(format!("{path}.integratedTime is negative")));
        }
    }
    let log_id_obj = e.obj("logId")?;
    log_id_obj.only(&["keyId"])?;
    let log_id = log_id_obj.str("keyId")?.to_owned();
    decode_b64(&log_id, ErrorKind::MalformedEncoding, "0.4.4")?;
    if let Some(promise) = e.opt("inclusionPromise") {
        let promise = Obj::new(
            promise,
            ErrorKind::TlogEntryInvalid,
            "1.3.2",
            &format!("{path}.inclusionPromise"),
        )?;
        promise.only(&["signedEntryTimestamp"])?;
        decode_b64(
            promise.str("signedEntryTimestamp")?,
            ErrorKind::MalformedEncoding,
            "0.4.4",
        )?;
    }
    let kv = e.obj("kindVersion")?;
    kv.only(&["kind", "version"])?;
    let (kind, version) = (kv.str("kind")?, kv.str("version")?);
    if !matches!(
        (kind, version),
        ("hashedrekord", "0.0.1" | "0.0.2") | ("dsse", "0.0.1") | ("intoto", "0.0.2")
    ) {
        return Err(Error::new(
            ErrorKind::UnsupportedLogEntryKind,
            "1.3.5",
            format!("{path} has unsupported kind {kind:?} version {version:?}"),
        ));
    }
    let body_b64 = e.str("canonicalizedBody")?;
    if body_b64.len() / 4 * 3 > limits::DOC {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            "0.5",
            format!("{path}.canonicalizedBody is too large"),
        ));
    }
    let body = decode_b64(body_b64, ErrorKind::MalformedEncoding, "0.4.4")?;
    let body = json::parse(&body, limits::DOC, "log entry body").map_err(|err| {
        Error::new(
            ErrorKind::TlogEntryInvalid,
            "1.3.4",
            err.detail().to_owned(),
        )
    })?;
    let b = Obj::new(
        &body,
        ErrorKind::TlogEntryInvalid,
        "1.3.4",
        "log entry body",
    )?;
    b.only(&["apiVersion", "kind", "spec"])?;
    if b.str("kind")? != kind || b.str("apiVersion")? != version {
        return Err(e.err(format!(
            "{path}: kindVersion says {kind}/{version} but the body is {:?}/{:?}",
            b.opt_str("kind")?.unwrap_or(""),
            b.opt_str("apiVersion")?.unwrap_or("")
        )));
    }
    if let Some(p) = e.opt("inclusionProof") {
        check_proof(
            p,
            &path,
            log_index,
            kind == "hashedrekord" && version == "0.0.2",
        )?;
    }
    Ok((log_id, log_index))
}

/// §1.3.3 and §4.3–§4.4 on one inclusion proof, before any cryptography:
/// field syntax, the checkpoint note's syntax, and the consistency of the
/// proof with the checkpoint it names. `sigstore-verify` 0.15.1 then checks
/// the checkpoint's signature and the Merkle path, but it compares only the
/// root (Rekor v1) or nothing (Rekor v2, where it uses the checkpoint's own
/// size and root) and does not bound the number of hashes; so an edited
/// `rootHash`, a `treeSize` off by one or a padded path used to verify.
/// Once the crate has verified the checkpoint's signature, the values
/// compared here are all authenticated.
fn check_proof(v: &Value, path: &str, log_index: i64, rekor_v2: bool) -> Result<()> {
    let p = Obj::new(
        v,
        ErrorKind::TlogInclusionProofInvalid,
        "1.3.3",
        &format!("{path}.inclusionProof"),
    )?;
    p.only(&["logIndex", "rootHash", "treeSize", "hashes", "checkpoint"])?;
    let mut hashes = 0_usize;
    if p.opt("hashes").is_some() {
        for h in p.arr("hashes", limits::PROOF)? {
            // §0.5 L_PROOF; each hash is protobuf-JSON bytes (§0.4.4)
            let h = h
                .as_str()
                .ok_or_else(|| p.err("a proof hash is not a string".into()))?;
            if decode_b64(h, ErrorKind::MalformedEncoding, "0.4.4")?.len() != 32 {
                return Err(p.err("a proof hash is not 32 bytes".into()));
            }
            hashes += 1;
        }
    }
    let root = decode_b64(p.str("rootHash")?, ErrorKind::MalformedEncoding, "0.4.4")?;
    if root.len() != 32 {
        return Err(p.err("the proof's rootHash is not 32 bytes".into()));
    }
    let size = int64(p.req("treeSize")?, "inclusionProof.treeSize")?;
    let idx = int64(p.req("logIndex")?, "inclusionProof.logIndex")?;
    let cp = p.obj("checkpoint")?;
    cp.only(&["envelope"])?;
    let env = cp.str("envelope")?;
    if env.is_empty() {
        return Err(p.err("the checkpoint is empty".into()));
    }
    if env.len() > limits::CHECKPOINT {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            "0.5",
            "checkpoint exceeds 64 KiB",
        ));
    }
    let note = check_checkpoint(env)?;
    // §4.4.6: the proof's size and root are the checkpoint's (checked
    // first, so an edited size is reported as what it is).
    let mismatch = |what: &str| {
        Error::new(
            ErrorKind::TlogCheckpointMismatch,
            "4.4.6",
            format!("{path}: the inclusion proof's {what} differs from the signed checkpoint's"),
        )
    };
    if u64::try_from(size).ok() != Some(note.size) {
        return Err(mismatch("treeSize"));
    }
    if root != note.root {
        return Err(mismatch("rootHash"));
    }
    if size < 1 || idx < 0 || idx >= size {
        return Err(p.err(format!(
            "inclusion proof index {idx} is outside tree size {size}"
        )));
    }
    // §4.3.1: Rekor v2 has one index space; the proof's index is the entry's.
    if rekor_v2 && idx != log_index {
        return Err(p.err(format!(
            "Rekor v2 inclusion proof index {idx} differs from the entry's logIndex {log_index}"
        )));
    }
    // §4.3.3: exactly the path length of (index, size), no more, no fewer.
    let want = proof_len(idx.unsigned_abs(), size.unsigned_abs());
    if u64::try_from(hashes).ok() != Some(want) {
        return Err(p.err(format!(
            "the proof has {hashes} hashes; index {idx} in a tree of {size} needs {want}"
        )));
    }
    Ok(())
}

/// RFC 9162 §2.1.3: the number of hashes in the inclusion path of leaf
/// `index` in a tree of `size` leaves (`index < size`).
fn proof_len(index: u64, size: u64) -> u64 {
    let inner = u64::BITS - (index ^ size.saturating_sub(1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    u64::from(inner + border)
}

/// The parts of a checkpoint note the proof is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointNote {
    /// The origin line.
    pub origin: String,
    /// The tree size line.
    pub size: u64,
    /// The decoded root hash line (32 bytes).
    pub root: Vec<u8>,
}

/// §4.4.1–§4.4.3: the checkpoint's note and signature-line syntax; returns
/// its origin, size and root (not yet authenticated: the signature is
/// checked by the adapter). Base64 goes through [`decode_b64`]; a bad line
/// is a checkpoint syntax error (§4.4.2–§4.4.3).
///
/// # Errors
/// `TlogCheckpointInvalid` naming the broken rule.
pub fn check_checkpoint(env: &str) -> Result<CheckpointNote> {
    let bad = |d: &str| {
        Error::new(
            ErrorKind::TlogCheckpointInvalid,
            "4.4",
            format!("checkpoint: {d}"),
        )
    };
    let b64 = |s: &str| decode_b64(s, ErrorKind::TlogCheckpointInvalid, "4.4");
    if !env.ends_with('\n') {
        return Err(bad("does not end with a newline"));
    }
    let mut parts = env.split("\n\n");
    let (Some(note), Some(sigs), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad(
            "needs exactly one blank line between note and signatures",
        ));
    };
    if note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(bad("contains control characters"));
    }
    let lines: Vec<&str> = note.split('\n').collect();
    let [origin, size, root, ..] = lines.as_slice() else {
        return Err(bad("needs origin, tree size and root hash lines"));
    };
    if origin.is_empty() {
        return Err(bad("origin line is empty"));
    }
    let size_ok = !size.is_empty()
        && size.bytes().all(|b| b.is_ascii_digit())
        && (*size == "0" || !size.starts_with('0'));
    let size = size
        .parse::<u64>()
        .ok()
        .filter(|_| size_ok)
        .ok_or_else(|| bad("tree size line is not a decimal number"))?;
    let root = b64(root)
        .ok()
        .filter(|r| r.len() == 32)
        .ok_or_else(|| bad("root hash line is not base64 of 32 bytes"))?;
    if lines.iter().skip(3).any(|l| l.is_empty()) {
        return Err(bad("empty extension line"));
    }
    let sig_lines: Vec<&str> = sigs
        .strip_suffix('\n')
        .unwrap_or(sigs)
        .split('\n')
        .collect();
    if sig_lines.is_empty() || sig_lines.len() > 64 {
        return Err(bad("needs 1 to 64 signature lines"));
    }
    for line in sig_lines {
        let mut f = line.strip_prefix("\u{2014} ").unwrap_or("").splitn(2, ' ');
        let (name, sig) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
        let decoded = b64(sig).map(|s| s.len());
        if name.is_empty() || name.contains('+') || !matches!(decoded, Ok(n) if n >= 5) {
            return Err(bad("malformed signature line"));
        }
    }
    Ok(CheckpointNote {
        origin: (*origin).to_owned(),
        size,
        root,
    })
}

/// §1.2.6: per-version proof and promise requirements.
fn check_version_rules(v: &Value, i: usize, version: BundleVersion, has_tsa: bool) -> Result<()> {
    let e = Obj::new(v, ErrorKind::TlogEntryInvalid, "1.2.6", "tlog entry")?;
    let v2 = e.obj("kindVersion")?.str("version")? == "0.0.2"
        && e.obj("kindVersion")?.str("kind")? == "hashedrekord";
    let proof = e.opt("inclusionProof").is_some();
    let promise = e.opt("inclusionPromise").is_some();
    if (version >= BundleVersion::V02 || v2) && !proof {
        return Err(Error::new(
            ErrorKind::TlogInclusionProofMissing,
            "1.2.6",
            format!("tlog entry {i} has no inclusion proof, which bundle {version:?} requires"),
        ));
    }
    if !v2 && !promise && (version == BundleVersion::V01 || !has_tsa) {
        return Err(Error::new(
            ErrorKind::TlogInclusionPromiseMissing,
            "1.2.6",
            format!("tlog entry {i} has no inclusion promise and the bundle has no timestamp"),
        ));
    }
    Ok(())
}

/// Parse a protobuf-JSON int64: a decimal string or a JSON integer (§0.4.3).
///
/// # Errors
/// `MalformedEncoding` for signs, leading zeros, fractions, out-of-range values.
pub fn int64(v: &Value, what: &str) -> Result<i64> {
    let bad = || {
        Error::new(
            ErrorKind::MalformedEncoding,
            "0.4.3",
            format!("{what} is not a valid int64"),
        )
    };
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(bad),
        Value::String(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            let canonical = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'));
            if !canonical {
                return Err(bad());
            }
            s.parse::<i64>().map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// Decode every base64 field we read (§0.4.4, issue 10): the RFC 4648 §4
/// standard alphabet with canonical `=` padding and zero trailing bits; no
/// whitespace, line breaks, URL-safe characters or missing/short padding.
/// The spec allows URL-safe and unpadded text too, but no genuine bundle,
/// PEP 740 attestation, SLSA provenance, GitHub attestation or trusted root
/// in the test data uses either, so we fail closed on both. This is the only
/// base64 decoder of the crate: fields we only hand on to `sigstore-verify`
/// (which decodes leniently) are decoded here first so it never sees a
/// spelling we would refuse.
///
/// # Errors
/// `kind` if the text is not canonical standard base64.
pub fn decode_b64(s: &str, kind: ErrorKind, step: &'static str) -> Result<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const CFG: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(false);
    const STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, CFG);
    STD.decode(s)
        .map_err(|e| Error::new(kind, step, format!("invalid base64 ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int64_rules() {
        assert_eq!(
            int64(&Value::from("147137139"), "x").ok(),
            Some(147_137_139)
        );
        for bad in ["+1", "01", "1.0", "1e3", "", "9223372036854775808", " 1"] {
            assert_eq!(
                int64(&Value::from(bad), "x").map_err(|e| e.kind()),
                Err(ErrorKind::MalformedEncoding),
                "{bad}"
            );
        }
    }

    #[test]
    fn base64_rules() {
        let dec = |s: &str| decode_b64(s, ErrorKind::MalformedEncoding, "t").map_err(|e| e.kind());
        assert_eq!(dec("aGk="), Ok(b"hi".to_vec()));
        assert_eq!(dec("aGk+"), Ok(vec![0x68, 0x69, 0x3e]));
        assert_eq!(dec(""), Ok(Vec::new()));
        // Issue 10: canonical standard alphabet and padding only.
        for bad in [
            "aG k=", "aGk=\n", "aGl=", "+-__", "aGk", "-_8", "-_8=", "aA=", "aA", "aA===", "aGk==",
            " aGk=", "aGk=\r\n", "aG\tk=", "YQ==YQ==", "aGk=a", "=aGk",
        ] {
            assert_eq!(dec(bad), Err(ErrorKind::MalformedEncoding), "{bad:?}");
        }
    }

    #[test]
    fn proof_lengths() {
        assert_eq!(proof_len(0, 1), 0);
        assert_eq!(proof_len(0, 2), 1);
        assert_eq!(proof_len(2, 3), 1);
        assert_eq!(proof_len(0, 3), 2);
        assert_eq!(proof_len(735, 736), 8);
        assert_eq!(proof_len(75_408_392, 75_408_393), 11);
        assert_eq!(proof_len(0, 8), 3);
        assert_eq!(proof_len(5, 7), 3);
        assert_eq!(proof_len(6, 7), 2);
    }
}
