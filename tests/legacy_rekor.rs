// SPDX-License-Identifier: Apache-2.0
//! Spec §4.9 on the nine real (envelope, certificate, Rekor entry) triples in
//! tests/assets/legacy-rekor/: the locally computed body equals the logged
//! one byte for byte, the UUID matches, the SET verifies with the production
//! Rekor key; a changed certificate, payload or signature changes the UUID
//! and is never accepted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use base64::Engine as _;
use serde_json::Value;
use slsa_verify::legacy::{self, LegacyEnvelope, LegacyKind, LogEntry};
use slsa_verify::{ErrorKind, TrustedRoot};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/assets/legacy-rekor")
}

struct Triple {
    name: String,
    envelope: Vec<u8>,
    cert: Vec<u8>,
    entry: LogEntry,
    manifest: Value,
}

fn hex32(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for i in 0..32 {
        out[i] = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn triples() -> Vec<Triple> {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir().join("manifest.json")).unwrap()).unwrap();
    let list = manifest.as_array().unwrap();
    assert_eq!(list.len(), 9);
    list.iter()
        .map(|m| {
            let name = m["dir"].as_str().unwrap().to_owned();
            let d = dir().join(&name);
            let rb: Value =
                serde_json::from_slice(&std::fs::read(d.join("cosign-rekor-bundle.json")).unwrap())
                    .unwrap();
            let p = &rb["Payload"];
            let entry = LogEntry {
                body: B64.decode(p["body"].as_str().unwrap()).unwrap(),
                integrated_time: p["integratedTime"].as_i64().unwrap(),
                log_index: p["logIndex"].as_i64().unwrap(),
                log_id: hex32(p["logID"].as_str().unwrap()),
                set: B64
                    .decode(rb["SignedEntryTimestamp"].as_str().unwrap())
                    .unwrap(),
                inclusion_proof: None,
            };
            Triple {
                name,
                envelope: std::fs::read(d.join("envelope.dsse.json")).unwrap(),
                cert: std::fs::read(d.join("cert.pem")).unwrap(),
                entry,
                manifest: m.clone(),
            }
        })
        .collect()
}

fn prod() -> TrustedRoot {
    TrustedRoot::production().unwrap()
}

fn kind_of(m: &Value) -> LegacyKind {
    match m["rekor"]["kind_version"].as_str().unwrap() {
        "intoto/0.0.1" => LegacyKind::Intoto001,
        "dsse/0.0.1" => LegacyKind::Dsse001,
        other => panic!("unexpected kind {other}"),
    }
}

#[test]
fn computed_bodies_equal_logged_bodies_and_sets_verify() {
    let trust = prod();
    for t in triples() {
        let env = LegacyEnvelope::parse(&t.envelope, Some(&t.cert)).unwrap();
        let cands = env.candidates();
        let want = kind_of(&t.manifest);
        let c = cands.iter().find(|c| c.kind == want).unwrap();
        assert_eq!(c.body, t.entry.body, "{}: body differs", t.name);
        assert_eq!(
            c.uuid,
            t.manifest["rekor"]["uuid_leaf_hash"].as_str().unwrap(),
            "{}: uuid",
            t.name
        );
        assert_eq!(c.uuid, legacy::entry_uuid(&t.entry.body));
        // The other kind's body is different, so only one UUID can match.
        assert!(cands.iter().filter(|c| c.body == t.entry.body).count() == 1);
        let got = legacy::check_entry(&trust, &cands, &t.entry)
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(got, want, "{}", t.name);
    }
}

/// Replace the first occurrence of `from` in `data` by `to` (same length).
fn edit(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let pos = data.windows(from.len()).position(|w| w == from).unwrap();
    let mut out = data.to_vec();
    out[pos..pos + from.len()].copy_from_slice(to);
    out
}

fn flip_b64(c: u8) -> u8 {
    if c == b'A' {
        b'B'
    } else {
        b'A'
    }
}

#[test]
fn changed_certificate_payload_or_signature_is_never_accepted() {
    let trust = prod();
    for t in triples() {
        let env: Value = serde_json::from_slice(&t.envelope).unwrap();
        let good = LegacyEnvelope::parse(&t.envelope, Some(&t.cert)).unwrap();
        let good_uuids: Vec<String> = good.candidates().into_iter().map(|c| c.uuid).collect();

        // A changed payload: one base64 character of the payload text.
        let payload = env["payloadType"].as_str().unwrap().len(); // any offset into the payload
        let p = env["payload"].as_str().unwrap().as_bytes();
        let idx = 40 + payload % 7;
        let mut p2 = p.to_vec();
        p2[idx] = flip_b64(p2[idx]);
        let changed_payload = edit(&t.envelope, p, &p2);

        // A changed signature: one base64 character of `sig` (not the last,
        // whose low bits may be padding).
        let s = env["signatures"][0]["sig"].as_str().unwrap().as_bytes();
        let mut s2 = s.to_vec();
        s2[10] = flip_b64(s2[10]);
        let changed_sig = edit(&t.envelope, s, &s2);

        // A changed certificate: the Fulcio intermediate instead of the leaf,
        // and the leaf PEM with one byte changed.
        let chain = std::fs::read(dir().join(&t.name).join("chain.pem")).unwrap();
        let mut cert2 = t.cert.clone();
        cert2[100] = flip_b64(cert2[100]);

        let variants: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
            ("payload", changed_payload, t.cert.clone()),
            ("signature", changed_sig, t.cert.clone()),
            ("certificate (other)", t.envelope.clone(), chain),
            ("certificate (edited)", t.envelope.clone(), cert2),
            (
                "whitespace",
                [t.envelope.as_slice(), b" "].concat(),
                t.cert.clone(),
            ),
        ];
        for (what, line, cert) in variants {
            let e = LegacyEnvelope::parse(&line, Some(&cert)).unwrap();
            let cands = e.candidates();
            for c in &cands {
                assert!(
                    !good_uuids.contains(&c.uuid),
                    "{}: changed {what} kept a UUID",
                    t.name
                );
            }
            let err = legacy::check_entry(&trust, &cands, &t.entry).unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::TlogEntryMismatch,
                "{}: {what}: {err}",
                t.name
            );
        }
        // (The dsse body binds the signature; the intoto body binds it
        // through the envelope hash.)
    }
}

#[test]
fn entry_of_another_envelope_is_refused() {
    let trust = prod();
    let all = triples();
    for (i, t) in all.iter().enumerate() {
        let other = &all[(i + 1) % all.len()];
        let env = LegacyEnvelope::parse(&t.envelope, Some(&t.cert)).unwrap();
        let err = legacy::check_entry(&trust, &env.candidates(), &other.entry).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TlogEntryMismatch, "{}", t.name);
    }
}

#[test]
fn changed_set_fields_fail_the_set() {
    let trust = prod();
    let t = &triples()[0];
    let env = LegacyEnvelope::parse(&t.envelope, Some(&t.cert)).unwrap();
    let cands = env.candidates();
    let mut e = t.entry.clone();
    e.log_index += 1;
    let err = legacy::check_entry(&trust, &cands, &e).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TlogInclusionPromiseInvalid);
    let mut e = t.entry.clone();
    e.integrated_time += 1;
    let err = legacy::check_entry(&trust, &cands, &e).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TlogInclusionPromiseInvalid);
    let mut e = t.entry.clone();
    let n = e.set.len();
    e.set[n - 3] ^= 1;
    let err = legacy::check_entry(&trust, &cands, &e).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TlogInclusionPromiseInvalid);
    let mut e = t.entry.clone();
    e.log_id[0] ^= 1;
    let err = legacy::check_entry(&trust, &cands, &e).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TlogUnknownLog);
    // Staging does not know the production log.
    let err = legacy::check_entry(&TrustedRoot::staging().unwrap(), &cands, &t.entry).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TlogUnknownLog);
}

#[test]
fn dsse_entries_verify_end_to_end_as_bundles() {
    let trust = prod();
    let mut n = 0;
    for t in triples() {
        if kind_of(&t.manifest) != LegacyKind::Dsse001 {
            continue;
        }
        let env = LegacyEnvelope::parse(&t.envelope, Some(&t.cert)).unwrap();
        let st: Value = serde_json::from_slice(&env.payload).unwrap();
        let hex = st["subject"][0]["digest"]["sha256"].as_str().unwrap();
        let digest = hex32(hex);
        let (bundle, v) = legacy::verify_with_entry(&trust, &env, &t.entry, "image", &digest, None)
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(
            bundle["mediaType"],
            "application/vnd.dev.sigstore.bundle+json;version=0.1"
        );
        assert_eq!(v.identity, t.manifest["cert_san"].as_str().unwrap());
        assert_eq!(v.log_index, t.manifest["rekor"]["logIndex"].as_i64());
        // Another digest: the statement does not name it.
        let mut wrong = digest;
        wrong[0] ^= 1;
        let err =
            legacy::verify_with_entry(&trust, &env, &t.entry, "image", &wrong, None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DigestMismatch, "{}", t.name);
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn envelope_shape_errors() {
    let no_cert = br#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AAAA"}]}"#;
    let err = LegacyEnvelope::parse(no_cert, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OnlineLookupRequired);
    let two =
        br#"{"payloadType":"x","payload":"e30=","signatures":[{"sig":"AAAA"},{"sig":"AAAA"}]}"#;
    let err = LegacyEnvelope::parse(two, Some(b"pem")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DsseSignatureCountInvalid);
    let bad_sig = br#"{"payloadType":"x","payload":"e30=","signatures":[{"sig":"A\"AA"}]}"#;
    let err = LegacyEnvelope::parse(bad_sig, Some(b"pem")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MalformedEncoding);
    let err = legacy::parse_log_answer(b"[1]").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TlogEntryInvalid);
    let err = legacy::parse_log_answer(b"not json").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TlogEntryInvalid);
}
