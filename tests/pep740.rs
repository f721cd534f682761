// SPDX-License-Identifier: Apache-2.0
//! Every check of `tests/assets/pep740/manifest.json` through the public Rust
//! API; failing checks assert their spec §9 kind.

#![expect(
    clippy::indexing_slicing,
    reason = "known fixture JSON; a panic is a test failure"
)]

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::Value;
use slsa_verify::claims::Claims;
use slsa_verify::policy::{self, Publisher};
use slsa_verify::{io, wheel, ErrorKind, Policy, TrustedRoot};

fn base() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assets/pep740")
}

fn policy_of(p: &Value) -> Option<Policy> {
    let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
    if let Some(pubr) = p.get("publisher").filter(|v| !v.is_null()) {
        let mut obj = pubr.clone();
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_lowercase();
        obj["kind"] = Value::from(kind);
        return Policy::from_json(&obj.to_string()).ok();
    }
    let identity = s("identity")?;
    Some(Policy::Identity {
        identity: policy::IdentityMatch::Exact(identity),
        issuer: s("issuer")?,
    })
}

/// The spec §9 kind each failing check must raise (`expected-errors.json`,
/// shared with the Python and CLI tests).
fn expected_kind(expected: &Value, key: &str) -> Option<ErrorKind> {
    let name = expected["fail"][key].as_str()?;
    ErrorKind::ALL.iter().copied().find(|k| k.name() == name)
}

fn run(entry: &Value, check: &Value) -> Result<(), ErrorKind> {
    let file = entry
        .get("file")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let p = &check["policy"];
    let policy = policy_of(p).ok_or(ErrorKind::UsageError)?;
    if file.ends_with(".pem") {
        // A bare certificate: the publisher policy on its claims alone.
        let pem = std::fs::read_to_string(base().join(file)).unwrap_or_default();
        let b64: String = pem
            .lines()
            .skip_while(|l| !l.starts_with("-----BEGIN"))
            .skip(1)
            .take_while(|l| !l.starts_with("-----END"))
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap_or_default();
        let claims = Claims::from_der(&der).map_err(|e| e.kind())?;
        let Policy::Publisher(expected) = &policy else {
            return Err(ErrorKind::UsageError);
        };
        return policy::check_publisher(&claims, expected, None)
            .map(|_| ())
            .map_err(|e| e.kind());
    }
    let root = match p.get("trust_root").and_then(Value::as_str) {
        Some("staging") => TrustedRoot::staging(),
        _ => TrustedRoot::production(),
    }
    .map_err(|e| e.kind())?;
    let attests = &entry["attests"];
    let name = p
        .get("dist_name")
        .or(attests.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let sha = p
        .get("dist_sha256")
        .or(attests.get("sha256"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let digest = io::parse_digest_arg(&format!("sha256:{sha}")).map_err(|e| e.kind())?;
    let data = std::fs::read(base().join(file)).unwrap_or_default();
    wheel::verify_attestation(name, &digest, &data, &policy, &root)
        .map(|_| ())
        .map_err(|e| e.kind())
}

#[test]
fn every_manifest_check_gives_its_expected_outcome() {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(base().join("manifest.json")).unwrap_or_default())
            .unwrap_or(Value::Null);
    let expected: Value = serde_json::from_slice(
        &std::fs::read(base().join("expected-errors.json")).unwrap_or_default(),
    )
    .unwrap_or(Value::Null);
    let mut failures = Vec::new();
    let mut count = 0;
    for entry in manifest["entries"].as_array().into_iter().flatten() {
        let file = entry["file"].as_str().unwrap_or_default();
        for (i, check) in entry["checks"].as_array().into_iter().flatten().enumerate() {
            count += 1;
            let why = check["why"].as_str().unwrap_or_default();
            if why.starts_with("(synthetic") {
                // The described certificate (no ref and no digest claim) does
                // not exist as a file; policy::tests::rejects_github_without_ref_or_digest
                // covers it on constructed claims.
                continue;
            }
            let got = run(entry, check);
            let want = (check["expected"] == "fail")
                .then(|| expected_kind(&expected, &format!("{file}#{i}")));
            let ok = match want {
                None => got.is_ok(),
                Some(Some(k)) => got == Err(k),
                Some(None) => false, // a failing check with no listed kind
            };
            if !ok {
                failures.push(format!("{file} [{why}]: expected {want:?}, got {got:?}"));
            }
        }
    }
    assert_eq!(count, 66);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn an_sdist_provenance_never_verifies_the_wheel() {
    let data = std::fs::read(base().join("real/abi3info/abi3info-2024.10.8.tar.gz.provenance"))
        .unwrap_or_default();
    let wheel_digest = io::parse_digest_arg(
        "sha256:b0236c6707783f93971274101e119055192cef0925f5b7cebdad03c69dc5a499",
    )
    .unwrap_or([0; 32]);
    let policy = Policy::Publisher(Publisher::GitHub {
        repository: "woodruffw/abi3info".into(),
        workflow: "release.yml".into(),
        environment: None,
        repository_id: None,
        owner_id: None,
    });
    let root = TrustedRoot::production().map_err(|e| e.kind());
    let got = root.and_then(|r| {
        wheel::verify_attestation(
            "abi3info-2024.10.8-py3-none-any.whl",
            &wheel_digest,
            &data,
            &policy,
            &r,
        )
        .map_err(|e| e.kind())
    });
    assert_eq!(got.map(|_| ()), Err(ErrorKind::DigestMismatch));
}
