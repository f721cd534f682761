// SPDX-License-Identifier: Apache-2.0
//! sigstore-conformance bundle cases (half A), through the public Rust API,
//! by path and by digest; `_fail` cases assert their spec §9 kind.

use std::path::{Path, PathBuf};

use serde_json::Value;
use slsa_verify::policy::IdentityMatch;
use slsa_verify::{io, verify_bundle, ArtifactInput, BundleSigner, ErrorKind, Policy, TrustedRoot};

fn base() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assets/conformance")
}

fn load(rel: &str) -> Value {
    let bytes = std::fs::read(base().join(rel)).unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

fn outcome(case: &Value, by_digest: bool) -> Result<(), String> {
    let b = base();
    let s = |k: &str| case.get(k).and_then(Value::as_str);
    let root = match s("trusted_root") {
        Some(p) => TrustedRoot::from_file(&b.join(p)),
        None => TrustedRoot::production(),
    }
    .map_err(|e| e.kind().name().to_owned())?;
    let bundle =
        std::fs::read(b.join(s("bundle").unwrap_or_default())).map_err(|e| e.to_string())?;
    let signer = match s("key") {
        Some(k) => {
            BundleSigner::Key(std::fs::read_to_string(b.join(k)).map_err(|e| e.to_string())?)
        }
        None => BundleSigner::Policy(Policy::Identity {
            identity: IdentityMatch::Exact(s("identity").unwrap_or_default().to_owned()),
            issuer: s("issuer").unwrap_or_default().to_owned(),
        }),
    };
    let artifact = b.join(s("artifact").unwrap_or_default());
    let digest;
    let input = if by_digest {
        digest =
            io::parse_digest_arg(s("digest_arg").unwrap_or_default()).map_err(|e| e.to_string())?;
        ArtifactInput::Digest(digest)
    } else {
        ArtifactInput::Path(&artifact)
    };
    verify_bundle(&input, &bundle, &signer, &root)
        .map(|_| ())
        .map_err(|e| e.kind().name().to_owned())
}

#[test]
fn every_case_gives_its_expected_result_by_path_and_by_digest() {
    let cases = load("cases.json");
    let expected = load("expected-errors.json");
    let list = cases
        .get("cases")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert_eq!(list.len(), 36, "all half-A cases are present");
    let mut failures = Vec::new();
    for case in &list {
        let name = case.get("name").and_then(Value::as_str).unwrap_or_default();
        let want = expected.get(name).and_then(Value::as_str);
        assert_eq!(
            want.is_some(),
            name.ends_with("_fail"),
            "{name}: expectation table is complete"
        );
        for by_digest in [false, true] {
            let got = outcome(case, by_digest);
            let ok = match want {
                None => got.is_ok(),
                Some(kind) => got.as_ref().err().map(String::as_str) == Some(kind),
            };
            if !ok {
                failures.push(format!(
                    "{name} (digest={by_digest}): expected {want:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn error_kind_names_match_the_expectation_table() {
    let expected = load("expected-errors.json");
    let names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
    for (case, kind) in expected.as_object().into_iter().flatten() {
        if let Some(kind) = kind.as_str().filter(|_| !case.starts_with('_')) {
            assert!(names.contains(&kind), "{case}: {kind} is not an ErrorKind");
        }
    }
}
