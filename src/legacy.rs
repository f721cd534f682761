// SPDX-License-Identifier: Apache-2.0
//! Spec §4.9: legacy slsa-github-generator envelopes (v1.x, v2.0.x), whose
//! Rekor v1 entry is not in the provenance file.
//!
//! The logged body depends only on the exact bytes of the envelope line and
//! the signing certificate, so we compute the candidate bodies ourselves
//! (`intoto/0.0.1` for generator v1.x, `dsse/0.0.1` for v2.0.x), derive the
//! entry UUIDs `hex(SHA256(0x00 || body))`, and accept an entry the log
//! returns only if its body equals one of ours byte for byte and its SET
//! verifies with a Rekor key of the trusted root. That equality binds the
//! entry to the envelope hash, payload hash, certificate and (dsse) the
//! signature. A `dsse/0.0.1` entry is then turned into an ordinary v0.1
//! Sigstore bundle ([`to_bundle`]) for the usual chain/SCT/DSSE/policy checks.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::io;
use crate::json::{self, Obj};
use crate::limits;
use crate::trust_root::TrustedRoot;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The Rekor v1 entry kinds a bare DSSE envelope was logged as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyKind {
    /// `intoto/0.0.1` (slsa-github-generator v1.x).
    Intoto001,
    /// `dsse/0.0.1` (slsa-github-generator v2.0.x).
    Dsse001,
}

impl LegacyKind {
    /// `kind/version` as Rekor names it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Intoto001 => "intoto/0.0.1",
            Self::Dsse001 => "dsse/0.0.1",
        }
    }
}

/// A legacy envelope line, parsed strictly.
#[derive(Debug, Clone)]
pub struct LegacyEnvelope {
    /// The exact line bytes (terminator removed, nothing else trimmed).
    pub line: Vec<u8>,
    /// `payloadType`.
    pub payload_type: String,
    /// The payload base64 text, as in the line.
    pub payload_b64: String,
    /// The decoded payload.
    pub payload: Vec<u8>,
    /// `signatures[0].sig`, as in the line (strict base64).
    pub sig_b64: String,
    /// The PEM certificate text the entry names.
    pub cert_pem: Vec<u8>,
}

/// One body the log may hold for an envelope.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its kind.
    pub kind: LegacyKind,
    /// The canonical body bytes.
    pub body: Vec<u8>,
    /// `hex(SHA256(0x00 || body))`, the Rekor entry UUID.
    pub uuid: String,
}

/// A Rekor v1 entry as the log (an untrusted party) returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The decoded body.
    pub body: Vec<u8>,
    /// `integratedTime`.
    pub integrated_time: i64,
    /// `logIndex`.
    pub log_index: i64,
    /// `logID`, decoded from hex.
    pub log_id: [u8; 32],
    /// The decoded `verification.signedEntryTimestamp`.
    pub set: Vec<u8>,
    /// `verification.inclusionProof`, untouched (checked by the bundle path).
    pub inclusion_proof: Option<Value>,
}

fn bad(detail: impl Into<String>) -> Error {
    Error::new(ErrorKind::ProvenanceFileInvalid, "4.9.1", detail)
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, data).as_ref());
    out
}

/// `hex(SHA256(0x00 || body))`: the RFC 6962 leaf hash, Rekor's entry UUID.
#[must_use]
pub fn entry_uuid(body: &[u8]) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(&[0]);
    ctx.update(body);
    io::hex(ctx.finish().as_ref())
}

impl LegacyEnvelope {
    /// Parse one line (§4.9.1). `cert_pem` is the certificate when it
    /// travels outside the envelope (cosign annotations); otherwise
    /// `signatures[0].cert` must carry it.
    ///
    /// # Errors
    /// `ProvenanceFileInvalid`, `MalformedEncoding`, `DsseSignatureCountInvalid`,
    /// or `OnlineLookupRequired` when no certificate is known.
    pub fn parse(line: &[u8], cert_pem: Option<&[u8]>) -> Result<Self> {
        let v = json::parse_as(
            line,
            limits::DOC,
            "legacy envelope",
            ErrorKind::ProvenanceFileInvalid,
            "4.9.1",
        )?;
        let o = Obj::new(&v, ErrorKind::ProvenanceFileInvalid, "4.9.1", "envelope")?;
        let payload_type = o.str("payloadType")?.to_owned();
        let payload_b64 = o.str("payload")?.to_owned();
        let payload =
            crate::bundle::decode_b64(&payload_b64, ErrorKind::MalformedEncoding, "0.4.4")?;
        let sigs = o.arr("signatures", limits::TLOG)?;
        let [sig] = sigs.as_slice() else {
            return Err(Error::new(
                ErrorKind::DsseSignatureCountInvalid,
                "1.2.8",
                format!("the envelope has {} signatures, not 1", sigs.len()),
            ));
        };
        let s = Obj::new(
            sig,
            ErrorKind::ProvenanceFileInvalid,
            "4.9.1",
            "signatures[0]",
        )?;
        let sig_b64 = s.str("sig")?.to_owned();
        crate::bundle::decode_b64(&sig_b64, ErrorKind::MalformedEncoding, "0.4.4")?;
        let cert_pem = match (cert_pem, s.opt_str("cert")?) {
            (Some(pem), _) => pem.to_vec(),
            (None, Some(pem)) if !pem.is_empty() => pem.as_bytes().to_vec(),
            _ => {
                return Err(Error::new(
                    ErrorKind::OnlineLookupRequired,
                    "4.9.1",
                    "the envelope carries no certificate, so its log entry cannot be computed",
                ))
            }
        };
        if cert_pem.len() > limits::CERT * 2 {
            return Err(bad("the envelope's certificate is too large"));
        }
        Ok(Self {
            line: line.to_vec(),
            payload_type,
            payload_b64,
            payload,
            sig_b64,
            cert_pem,
        })
    }

    /// §4.9.2: the candidate bodies, canonicalised as Rekor logs them (keys
    /// sorted, no whitespace; every value is ASCII hex or base64, so no
    /// escaping is ever needed).
    #[must_use]
    pub fn candidates(&self) -> Vec<Candidate> {
        let env_hash = io::hex(&sha256(&self.line));
        let payload_hash = io::hex(&sha256(&self.payload));
        let pem_b64 = B64.encode(&self.cert_pem);
        let intoto = format!(
            "{{\"apiVersion\":\"0.0.1\",\"kind\":\"intoto\",\"spec\":{{\"content\":{{\"hash\":{{\"algorithm\":\"sha256\",\"value\":\"{env_hash}\"}},\"payloadHash\":{{\"algorithm\":\"sha256\",\"value\":\"{payload_hash}\"}}}},\"publicKey\":\"{pem_b64}\"}}}}"
        );
        let dsse = format!(
            "{{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{{\"envelopeHash\":{{\"algorithm\":\"sha256\",\"value\":\"{env_hash}\"}},\"payloadHash\":{{\"algorithm\":\"sha256\",\"value\":\"{payload_hash}\"}},\"signatures\":[{{\"signature\":\"{}\",\"verifier\":\"{pem_b64}\"}}]}}}}",
            self.sig_b64
        );
        [(LegacyKind::Intoto001, intoto), (LegacyKind::Dsse001, dsse)]
            .into_iter()
            .map(|(kind, body)| Candidate {
                kind,
                uuid: entry_uuid(body.as_bytes()),
                body: body.into_bytes(),
            })
            .collect()
    }

    /// The certificate's DER (first PEM block).
    ///
    /// # Errors
    /// `CertificateMalformed` when the PEM text is not one certificate block.
    pub fn cert_der(&self) -> Result<Vec<u8>> {
        let bad = |d: &str| Error::new(ErrorKind::CertificateMalformed, "3.1.1", d.to_owned());
        let text = std::str::from_utf8(&self.cert_pem).map_err(|_| bad("PEM is not UTF-8"))?;
        let start = text
            .find("-----BEGIN CERTIFICATE-----")
            .ok_or_else(|| bad("no PEM certificate block"))?;
        let rest = text.get(start + 27..).unwrap_or_default();
        let end = rest
            .find("-----END CERTIFICATE-----")
            .ok_or_else(|| bad("unterminated PEM certificate block"))?;
        let b64: String = rest
            .get(..end)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        B64.decode(b64).map_err(|_| bad("PEM body is not base64"))
    }
}

/// Parse the log's answer to `GET /api/v1/log/entries/{uuid}` (an object
/// keyed by UUID) or `POST /api/v1/log/entries/retrieve` (an array of such
/// objects). Entries are returned with their UUID key.
///
/// # Errors
/// `TlogEntryInvalid` for any shape error (the answer is untrusted input).
pub fn parse_log_answer(bytes: &[u8]) -> Result<Vec<(String, LogEntry)>> {
    let v = json::parse_as(
        bytes,
        limits::DOC,
        "Rekor answer",
        ErrorKind::TlogEntryInvalid,
        "4.9.3",
    )?;
    let maps: Vec<&Value> = match &v {
        Value::Array(items) if items.len() <= limits::TLOG => items.iter().collect(),
        Value::Object(_) => vec![&v],
        _ => {
            return Err(Error::new(
                ErrorKind::TlogEntryInvalid,
                "4.9.3",
                "the Rekor answer is neither an object nor a short array",
            ))
        }
    };
    let mut out = Vec::new();
    for m in maps {
        let Some(obj) = m.as_object() else {
            return Err(Error::new(
                ErrorKind::TlogEntryInvalid,
                "4.9.3",
                "a Rekor answer item is not an object",
            ));
        };
        for (uuid, entry) in obj {
            if out.len() >= limits::TLOG {
                return Err(Error::new(
                    ErrorKind::InputTooLarge,
                    "0.5",
                    "the Rekor answer holds too many entries",
                ));
            }
            out.push((uuid.clone(), parse_log_entry(entry)?));
        }
    }
    Ok(out)
}

/// One entry object of the Rekor v1 API.
///
/// # Errors
/// `TlogEntryInvalid` or `MalformedEncoding`.
pub fn parse_log_entry(v: &Value) -> Result<LogEntry> {
    let e = Obj::new(v, ErrorKind::TlogEntryInvalid, "4.9.3", "Rekor entry")?;
    let body = crate::bundle::decode_b64(e.str("body")?, ErrorKind::MalformedEncoding, "0.4.4")?;
    let int = |key: &str| -> Result<i64> {
        e.req(key)?
            .as_i64()
            .filter(|n| *n >= 0)
            .ok_or_else(|| e.err(format!("{key} is not a non-negative integer")))
    };
    let integrated_time = int("integratedTime")?;
    let log_index = int("logIndex")?;
    let id_hex = e.str("logID")?;
    let log_id = decode_hex32(id_hex).ok_or_else(|| e.err("logID is not 64 hex digits".into()))?;
    let ver = e.obj("verification")?;
    let set = crate::bundle::decode_b64(
        ver.str("signedEntryTimestamp")?,
        ErrorKind::MalformedEncoding,
        "0.4.4",
    )?;
    Ok(LogEntry {
        body,
        integrated_time,
        log_index,
        log_id,
        set,
        inclusion_proof: ver.opt("inclusionProof").cloned(),
    })
}

fn decode_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    // Lowercase only, as Rekor writes it.
    (s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(out)
}

/// §4.9.4, first steps: the entry's body equals one of the candidates byte
/// for byte, its log id is a Rekor v1 key of the trusted root valid at
/// `integratedTime`, and its SET verifies. Returns the matching kind.
///
/// # Errors
/// `TlogEntryMismatch` (body for another envelope/certificate),
/// `TlogUnknownLog`, `TlogKeyNotValidAtTime`, `TlogInclusionPromiseInvalid`.
pub fn check_entry(
    trust: &TrustedRoot,
    candidates: &[Candidate],
    entry: &LogEntry,
) -> Result<LegacyKind> {
    let kind = candidates
        .iter()
        .find(|c| c.body == entry.body)
        .map(|c| c.kind)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::TlogEntryMismatch,
                "4.9.4",
                format!(
                    "the log returned entry {} whose body is not the one computed from this envelope and certificate",
                    entry_uuid(&entry.body)
                ),
            )
        })?;
    crate::adapter::verify_set(
        trust.material(),
        &crate::adapter::SetInput {
            body: &entry.body,
            integrated_time: entry.integrated_time,
            log_index: entry.log_index,
            log_id: &entry.log_id,
            set: &entry.set,
        },
    )?;
    Ok(kind)
}

/// A v0.1 Sigstore bundle (v0.2 when the log returned an inclusion proof)
/// from a legacy envelope and its checked `dsse/0.0.1` entry, for the usual
/// bundle verification (chain and SCT at `integratedTime`, DSSE signature,
/// statement, policy). `intoto/0.0.1` has no bundle form the Sigstore
/// libraries accept.
///
/// # Errors
/// `UnsupportedLogEntryKind` for `intoto/0.0.1`; `CertificateMalformed`.
pub fn to_bundle(env: &LegacyEnvelope, kind: LegacyKind, entry: &LogEntry) -> Result<Value> {
    if kind != LegacyKind::Dsse001 {
        return Err(Error::new(
            ErrorKind::UnsupportedLogEntryKind,
            "4.9.4",
            "intoto/0.0.1 entries are checked by body equality and SET only; no bundle form",
        ));
    }
    let mut tlog = json!({
        "logIndex": entry.log_index.to_string(),
        "logId": {"keyId": B64.encode(entry.log_id)},
        "kindVersion": {"kind": "dsse", "version": "0.0.1"},
        "integratedTime": entry.integrated_time.to_string(),
        "inclusionPromise": {"signedEntryTimestamp": B64.encode(&entry.set)},
        "canonicalizedBody": B64.encode(&entry.body),
    });
    let media = if let (Some(p), Some(m)) = (&entry.inclusion_proof, tlog.as_object_mut()) {
        m.insert("inclusionProof".into(), rekor_proof_to_bundle(p)?);
        "application/vnd.dev.sigstore.bundle+json;version=0.2"
    } else {
        "application/vnd.dev.sigstore.bundle+json;version=0.1"
    };
    Ok(json!({
        "mediaType": media,
        "verificationMaterial": {
            "x509CertificateChain": {"certificates": [{"rawBytes": B64.encode(env.cert_der()?)}]},
            "tlogEntries": [tlog],
        },
        "dsseEnvelope": {
            "payload": env.payload_b64,
            "payloadType": env.payload_type,
            "signatures": [{"sig": env.sig_b64, "keyid": ""}],
        },
    }))
}

/// Rekor API inclusion proof (hex hashes, `checkpoint` text) → bundle form.
fn rekor_proof_to_bundle(p: &Value) -> Result<Value> {
    let o = Obj::new(p, ErrorKind::TlogEntryInvalid, "4.9.3", "inclusionProof")?;
    let hex_to_b64 = |s: &str| -> Result<String> {
        decode_hex32(s)
            .map(|h| B64.encode(h))
            .ok_or_else(|| o.err("a proof hash is not 64 lowercase hex digits".into()))
    };
    let hashes = o
        .arr("hashes", limits::PROOF)?
        .iter()
        .map(|h| {
            h.as_str()
                .ok_or_else(|| o.err("a proof hash is not a string".into()))
                .and_then(hex_to_b64)
        })
        .collect::<Result<Vec<_>>>()?;
    let int = |key: &str| -> Result<String> {
        o.req(key)?
            .as_i64()
            .map(|n| n.to_string())
            .ok_or_else(|| o.err(format!("{key} is not an integer")))
    };
    Ok(json!({
        "logIndex": int("logIndex")?,
        "rootHash": hex_to_b64(o.str("rootHash")?)?,
        "treeSize": int("treeSize")?,
        "hashes": hashes,
        "checkpoint": {"envelope": o.str("checkpoint")?},
    }))
}

/// §4.9.4 for a `dsse/0.0.1` entry, end to end: [`check_entry`], then the
/// bundle built by [`to_bundle`] through the ordinary bundle verification
/// (which also checks any inclusion proof, the chain and SCT at
/// `integratedTime`, the DSSE signature and the subject digest), then the
/// caller's policy when one is given.
///
/// # Errors
/// The §9 kind of the first failing step.
pub fn verify_with_entry(
    trust: &TrustedRoot,
    env: &LegacyEnvelope,
    entry: &LogEntry,
    artifact_name: &str,
    digest: &[u8; 32],
    policy: Option<&crate::Policy>,
) -> Result<(Value, crate::Verification)> {
    let kind = check_entry(trust, &env.candidates(), entry)?;
    let bundle = to_bundle(env, kind, entry)?;
    let checked = crate::verify::check_bundle(trust, &bundle, digest, None)?;
    let warnings = match policy {
        Some(p) => crate::verify::apply_policy(&checked, p, None)?,
        None => Vec::new(),
    };
    let report = crate::verify::report(
        artifact_name.to_owned(),
        digest,
        "intoto-jsonl+rekor",
        &checked,
        None,
        warnings,
    );
    Ok((bundle, report))
}

/// Fetches the log entries of an envelope's candidate bodies (§4.9.3);
/// the answer is untrusted.
pub type Lookup<'a> = dyn Fn(&LegacyEnvelope) -> Result<Vec<LogEntry>> + Sync + 'a;

/// The offline answer for a legacy line (§1.8.1).
pub(crate) const OFFLINE_DETAIL: &str = "this is a legacy slsa-github-generator envelope (v1.x, v2.0.x): its transparency-log entry is not in the file, so it cannot be verified offline. Run with --rekor-lookup (verify_wheel(..., rekor_lookup=True)) to fetch the entry from Rekor, verify it with slsa-verifier, or ask the publisher for provenance from slsa-github-generator v2.1.0 or later (Sigstore bundle lines)";

/// What a legacy line may use (§4.9.5): a live look-up, the entries of
/// bundles stored by an earlier run (untrusted: re-verified and re-bound to
/// the line every time), and where the bundles found online are collected.
#[derive(Default)]
pub struct LegacySources<'a> {
    /// The Rekor look-up, when the caller allowed it.
    pub lookup: Option<&'a Lookup<'a>>,
    /// Entries read from `<provenance>.sigstore.jsonl`.
    pub stored: Vec<LogEntry>,
    /// Stored lines that could not be read (reported as warnings).
    pub stored_notes: Vec<String>,
    /// Bundles (one JSON line each) verified from the log in this run.
    pub found: std::sync::Mutex<Vec<String>>,
}

impl std::fmt::Debug for LegacySources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacySources")
            .field("lookup", &self.lookup.is_some())
            .field("stored", &self.stored.len())
            .finish_non_exhaustive()
    }
}

impl LegacySources<'_> {
    /// Whether a legacy line can be verified at all.
    #[must_use]
    pub fn active(&self) -> bool {
        self.lookup.is_some() || !self.stored.is_empty() || !self.stored_notes.is_empty()
    }
}

/// The entries of stored bundles (one JSON bundle per line), each reduced
/// to what the log signed; everything else in them is rebuilt from the
/// legacy line when used. Unreadable lines are returned as notes.
#[must_use]
pub fn entries_from_bundles(data: &[u8]) -> (Vec<LogEntry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut notes = Vec::new();
    for (i, line) in data
        .split(|b| *b == b'\n')
        .enumerate()
        .take(limits::JSONL_LINES)
    {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match entry_from_bundle(line) {
            Ok(e) => entries.push(e),
            Err(e) => notes.push(format!(
                "stored bundle line {} is unreadable and was ignored: {}",
                i + 1,
                e.detail()
            )),
        }
    }
    (entries, notes)
}

fn entry_from_bundle(line: &[u8]) -> Result<LogEntry> {
    let v = json::parse_as(
        line,
        limits::DOC,
        "stored bundle",
        ErrorKind::BundleInvalid,
        "4.9.5",
    )?;
    let e = v
        .pointer("/verificationMaterial/tlogEntries/0")
        .ok_or_else(|| Error::new(ErrorKind::BundleInvalid, "4.9.5", "no tlog entry"))?;
    let o = Obj::new(e, ErrorKind::BundleInvalid, "4.9.5", "tlog entry")?;
    let dec = |s: &str| crate::bundle::decode_b64(s, ErrorKind::MalformedEncoding, "0.4.4");
    let log_id: [u8; 32] = dec(o.obj("logId")?.str("keyId")?)?
        .try_into()
        .map_err(|_| o.err("logId is not 32 bytes".into()))?;
    Ok(LogEntry {
        body: dec(o.str("canonicalizedBody")?)?,
        integrated_time: crate::bundle::int64(o.req("integratedTime")?, "integratedTime")?,
        log_index: crate::bundle::int64(o.req("logIndex")?, "logIndex")?,
        log_id,
        set: dec(o.obj("inclusionPromise")?.str("signedEntryTimestamp")?)?,
        inclusion_proof: None,
    })
}

/// `<provenance>.sigstore.jsonl`.
#[must_use]
pub fn store_path(provenance: &std::path::Path) -> std::path::PathBuf {
    let mut p = provenance.as_os_str().to_owned();
    p.push(".sigstore.jsonl");
    std::path::PathBuf::from(p)
}

/// The user-cache copy of the bundles for a provenance document whose own
/// folder is not writable: `<cache>/legacy-bundles/<sha256 of the document>.sigstore.jsonl`.
#[must_use]
pub fn cache_store_path(provenance: &[u8]) -> Option<std::path::PathBuf> {
    let digest = ring::digest::digest(&ring::digest::SHA256, provenance);
    crate::trust_root::cache_base(None).map(|b| {
        b.join("legacy-bundles").join(format!(
            "{}.sigstore.jsonl",
            crate::io::hex(digest.as_ref())
        ))
    })
}

/// One checked entry, fully verified for this line.
fn verify_entry(
    trust: &TrustedRoot,
    env: &LegacyEnvelope,
    kind: LegacyKind,
    entry: &LogEntry,
    name: &str,
    digest: &[u8; 32],
    policy: &crate::Policy,
) -> Result<(Value, crate::Verification)> {
    if kind == LegacyKind::Intoto001 {
        // Fail closed: the Sigstore libraries have no bundle form for
        // intoto/0.0.1, and the chain/SCT/DSSE checks are not yet done
        // outside a bundle.
        return Err(Error::new(
            ErrorKind::UnsupportedLogEntryKind,
            "4.9.4",
            format!(
                "the log entry {} (intoto/0.0.1, slsa-github-generator v1.x) matches this envelope and its SET verifies, but certificate-chain verification for intoto/0.0.1 entries is not implemented yet",
                entry_uuid(&entry.body)
            ),
        ));
    }
    verify_with_entry(trust, env, entry, name, digest, Some(policy))
}

/// The earliest entry of `entries` that passes [`check_entry`], or the
/// first error.
fn earliest<'e>(
    trust: &TrustedRoot,
    candidates: &[Candidate],
    entries: &'e [LogEntry],
) -> Option<Result<(LegacyKind, &'e LogEntry)>> {
    let mut first_err = None;
    let mut best: Option<(LegacyKind, &LogEntry)> = None;
    for e in entries {
        match check_entry(trust, candidates, e) {
            Ok(kind) => {
                if best.is_none_or(|(_, b)| e.integrated_time < b.integrated_time) {
                    best = Some((kind, e));
                }
            }
            Err(err) => {
                first_err.get_or_insert(err);
            }
        }
    }
    best.map(Ok).or_else(|| first_err.map(Err))
}

/// §4.9 for one legacy line: first the stored bundles bound to this line
/// (re-verified fully; one that fails is reported and ignored), then the
/// log when a look-up is allowed: compute the candidates, ask the log,
/// accept the earliest entry that passes [`check_entry`], then verify it as
/// a bundle with the caller's policy. What the log gave is kept in
/// `src.found` for storing.
///
/// # Errors
/// `OnlineLookupRequired` without a look-up and a usable stored bundle;
/// `TlogEntryMissing` when the log holds none of the candidate UUIDs; the
/// first entry's error when none passes; the bundle path's kinds.
pub fn verify_line(
    trust: &TrustedRoot,
    line: &[u8],
    name: &str,
    digest: &[u8; 32],
    policy: &crate::Policy,
    src: &LegacySources<'_>,
) -> Result<crate::Verification> {
    let env = LegacyEnvelope::parse(line, None)?;
    let candidates = env.candidates();
    let mut notes: Vec<String> = src.stored_notes.clone();
    let mine: Vec<LogEntry> = src
        .stored
        .iter()
        .filter(|e| candidates.iter().any(|c| c.body == e.body))
        .cloned()
        .collect();
    if !mine.is_empty() {
        let stored = earliest(trust, &candidates, &mine).map(|r| {
            r.and_then(|(kind, e)| verify_entry(trust, &env, kind, e, name, digest, policy))
        });
        match stored {
            Some(Ok((_, mut v))) => {
                v.format = "intoto-jsonl+stored-bundle";
                v.warnings.extend(notes);
                return Ok(v);
            }
            Some(Err(e)) => notes.push(format!(
                "the stored bundle for this envelope failed ({}: {}) and was ignored",
                e.kind().name(),
                e.detail()
            )),
            None => {}
        }
    }
    let Some(lookup) = src.lookup else {
        let mut detail = OFFLINE_DETAIL.to_owned();
        for n in &notes {
            detail.push_str("; ");
            detail.push_str(n);
        }
        return Err(Error::new(ErrorKind::OnlineLookupRequired, "1.8.1", detail));
    };
    let entries = lookup(&env)?;
    if entries.is_empty() {
        let asked: Vec<String> = candidates
            .iter()
            .map(|c| format!("{} ({})", c.uuid, c.kind.name()))
            .collect();
        return Err(Error::new(
            ErrorKind::TlogEntryMissing,
            "4.9.4",
            format!(
                "the transparency log holds no entry for this envelope; asked for {}",
                asked.join(", ")
            ),
        ));
    }
    let (kind, entry) = match earliest(trust, &candidates, &entries) {
        Some(r) => r?,
        None => {
            return Err(Error::new(
                ErrorKind::TlogEntryMissing,
                "4.9.4",
                "no log entry",
            ));
        }
    };
    let (bundle, mut v) = verify_entry(trust, &env, kind, entry, name, digest, policy)?;
    v.warnings.extend(notes);
    if let (Ok(text), Ok(mut found)) = (serde_json::to_string(&bundle), src.found.lock()) {
        found.push(text);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex32() {
        assert!(decode_hex32(&"ab".repeat(32)).is_some());
        assert!(decode_hex32(&"AB".repeat(32)).is_none());
        assert!(decode_hex32(&"ab".repeat(31)).is_none());
    }

    #[test]
    fn uuid_is_rfc6962_leaf_hash() {
        // SHA256(0x00) — the leaf hash of the empty body.
        assert_eq!(
            entry_uuid(b""),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
