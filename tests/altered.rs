// SPDX-License-Identifier: Apache-2.0
//! Issue 10: altered copies of real, verifying attestations must fail with
//! the specific kind. Each test edits a genuine fixture (sigstore-conformance
//! bundles on Rekor v1 and Rekor v2, slsa-verifier provenance) in memory:
//! builder-id versions, inclusion proof versus checkpoint, strict base64 and
//! RFC 3161 tokens.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use slsa_verify::policy::IdentityMatch;
use slsa_verify::slsa::SlsaSource;
use slsa_verify::{
    verify_bundle, wheel, ArtifactInput, BundleSigner, ErrorKind, Policy, TrustedRoot,
};

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const GITHUB: &str = "https://token.actions.githubusercontent.com";

/// Rekor v1, hashedrekord/0.0.1, message signature, SET + proof.
const V1_MESSAGE: &str = "happy-path-v0.3";
/// Rekor v1, dsse/0.0.1, DSSE envelope.
const V1_DSSE: &str = "happy-path-intoto-in-dsse-v3";
/// Rekor v2, hashedrekord/0.0.2, message signature, RFC 3161 token embedding the TSA leaf.
const V2_MESSAGE: &str = "rekor2-happy-path";
/// Rekor v2, DSSE, RFC 3161 token without embedded certificates.
const V2_DSSE: &str = "rekor2-dsse-happy-path";
/// Rekor v2, RFC 3161 token embedding the TSA leaf.
const V2_EMBEDDED: &str = "rekor2-timestamp-with-embedded-cert";

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assets")
}

fn case_dir(case: &str) -> PathBuf {
    assets().join("conformance/bundle-verify").join(case)
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

fn bundle(case: &str) -> Value {
    let v = read_json(&case_dir(case).join("bundle.sigstore.json"));
    assert!(v.is_object(), "fixture {case} missing");
    v
}

fn root(case: &str) -> TrustedRoot {
    let own = case_dir(case).join("trusted_root.json");
    let r = if own.is_file() {
        TrustedRoot::from_file(&own)
    } else {
        TrustedRoot::production()
    };
    r.unwrap_or_else(|e| unreachable!("trusted root of {case}: {e}"))
}

/// Verify a (possibly edited) conformance bundle over `a.txt`.
fn verify(case: &str, b: &Value) -> Result<(), ErrorKind> {
    let artifact = assets().join("conformance/bundle-verify/a.txt");
    let signer = BundleSigner::Policy(Policy::Identity {
        identity: IdentityMatch::Exact(BEACON.to_owned()),
        issuer: GITHUB.to_owned(),
    });
    let bytes = serde_json::to_vec(b).unwrap_or_default();
    verify_bundle(
        &ArtifactInput::Path(&artifact),
        &bytes,
        &signer,
        &root(case),
    )
    .map(|_| ())
    .map_err(|e| e.kind())
}

fn at<'a>(b: &'a mut Value, ptr: &str) -> &'a mut Value {
    b.pointer_mut(ptr)
        .unwrap_or_else(|| unreachable!("no {ptr} in fixture"))
}

fn text(b: &Value, ptr: &str) -> String {
    b.pointer(ptr)
        .and_then(Value::as_str)
        .unwrap_or_else(|| unreachable!("no string at {ptr}"))
        .to_owned()
}

fn decode(s: &str) -> Vec<u8> {
    STANDARD
        .decode(s)
        .unwrap_or_else(|e| unreachable!("fixture base64: {e}"))
}

const ENTRY: &str = "/verificationMaterial/tlogEntries/0";
const PROOF: &str = "/verificationMaterial/tlogEntries/0/inclusionProof";
const TOKEN: &str =
    "/verificationMaterial/timestampVerificationData/rfc3161Timestamps/0/signedTimestamp";

#[test]
fn genuine_fixtures_verify() {
    for case in [V1_MESSAGE, V1_DSSE, V2_MESSAGE, V2_DSSE, V2_EMBEDDED] {
        assert_eq!(verify(case, &bundle(case)), Ok(()), "{case}");
    }
}

// ---- class 2: inclusion proof versus checkpoint --------------------------

#[test]
fn edited_root_hash_is_a_checkpoint_mismatch() {
    for case in [V1_MESSAGE, V1_DSSE, V2_MESSAGE, V2_DSSE] {
        let mut b = bundle(case);
        let mut root = decode(&text(&b, &format!("{PROOF}/rootHash")));
        if let Some(x) = root.get_mut(7) {
            *x ^= 0x01;
        }
        *at(&mut b, &format!("{PROOF}/rootHash")) = Value::from(STANDARD.encode(&root));
        assert_eq!(
            verify(case, &b),
            Err(ErrorKind::TlogCheckpointMismatch),
            "{case}"
        );
    }
}

#[test]
fn tree_size_off_by_one_is_a_checkpoint_mismatch() {
    for case in [V1_MESSAGE, V1_DSSE, V2_MESSAGE, V2_DSSE] {
        for delta in [-1_i64, 1] {
            let mut b = bundle(case);
            let size: i64 = text(&b, &format!("{PROOF}/treeSize"))
                .parse()
                .unwrap_or_default();
            *at(&mut b, &format!("{PROOF}/treeSize")) = Value::from((size + delta).to_string());
            assert_eq!(
                verify(case, &b),
                Err(ErrorKind::TlogCheckpointMismatch),
                "{case} {delta:+}"
            );
        }
    }
}

#[test]
fn a_hash_more_or_fewer_is_an_invalid_proof() {
    for case in [V1_MESSAGE, V1_DSSE, V2_MESSAGE, V2_DSSE] {
        let mut more = bundle(case);
        let hashes = at(&mut more, &format!("{PROOF}/hashes"));
        let last = hashes.as_array().and_then(|h| h.last()).cloned();
        if let (Some(list), Some(last)) = (hashes.as_array_mut(), last) {
            list.push(last);
        }
        assert_eq!(
            verify(case, &more),
            Err(ErrorKind::TlogInclusionProofInvalid),
            "{case} +1"
        );
        let mut fewer = bundle(case);
        if let Some(list) = at(&mut fewer, &format!("{PROOF}/hashes")).as_array_mut() {
            list.pop();
        }
        assert_eq!(
            verify(case, &fewer),
            Err(ErrorKind::TlogInclusionProofInvalid),
            "{case} -1"
        );
    }
}

#[test]
fn rekor_v2_log_index_must_be_the_proof_index() {
    for case in [V2_MESSAGE, V2_DSSE] {
        for ptr in [format!("{ENTRY}/logIndex"), format!("{PROOF}/logIndex")] {
            let mut b = bundle(case);
            let idx: i64 = text(&b, &ptr).parse().unwrap_or_default();
            *at(&mut b, &ptr) = Value::from((idx - 1).to_string());
            assert_eq!(
                verify(case, &b),
                Err(ErrorKind::TlogInclusionProofInvalid),
                "{case} {ptr}"
            );
        }
    }
}

#[test]
fn rekor_v1_proof_index_is_checked_by_the_merkle_path() {
    for case in [V1_MESSAGE, V1_DSSE] {
        let mut b = bundle(case);
        let ptr = format!("{PROOF}/logIndex");
        let idx: i64 = text(&b, &ptr).parse().unwrap_or_default();
        *at(&mut b, &ptr) = Value::from((idx - 2).to_string());
        assert_eq!(
            verify(case, &b),
            Err(ErrorKind::TlogInclusionProofInvalid),
            "{case}"
        );
    }
}

// ---- class 3: strict base64 ------------------------------------------------

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Non-canonical spellings of the canonical base64 text `s`.
fn spellings(s: &str) -> Vec<(String, &'static str)> {
    let (head, tail) = s.split_at(4.min(s.len()));
    let mut out = vec![
        (format!("{head}\n{tail}"), "line break"),
        (format!("{head}\r\n{tail}"), "CRLF"),
        (format!("{head} {tail}"), "space"),
        (format!("{head}\t{tail}"), "tab"),
        (format!("{s}\n"), "trailing newline"),
        (format!(" {s}"), "leading space"),
        (format!("{s}===="), "extra padding"),
    ];
    let data = s.trim_end_matches('=');
    if data.len() != s.len() {
        out.push((data.to_owned(), "no padding"));
        if s.ends_with("==") {
            out.push((format!("{data}="), "short padding"));
        }
        // With padding the last symbol's low bits are zero; set one.
        let last = data.bytes().last().unwrap_or(b'A');
        let pos = ALPHABET.iter().position(|c| *c == last).unwrap_or(0);
        let next = char::from(ALPHABET.get(pos + 1).copied().unwrap_or(b'B'));
        let pad = &s[data.len()..];
        out.push((
            format!("{}{next}{pad}", &data[..data.len() - 1]),
            "trailing bits",
        ));
    } else {
        out.push((format!("{s}="), "padding on a full group"));
    }
    if s.contains(['+', '/']) {
        out.push((s.replace('+', "-").replace('/', "_"), "URL-safe alphabet"));
    }
    out
}

fn assert_spellings_fail(case: &str, ptr: &str, kind: ErrorKind) {
    let canonical = text(&bundle(case), ptr);
    for (bad, what) in spellings(&canonical) {
        let mut b = bundle(case);
        *at(&mut b, ptr) = Value::from(bad);
        assert_eq!(verify(case, &b), Err(kind), "{case} {ptr}: {what}");
    }
}

#[test]
fn every_base64_field_of_a_rekor_v1_bundle_is_strict() {
    for ptr in [
        "/messageSignature/signature",
        "/messageSignature/messageDigest/digest",
        "/verificationMaterial/certificate/rawBytes",
        "/verificationMaterial/tlogEntries/0/logId/keyId",
        "/verificationMaterial/tlogEntries/0/canonicalizedBody",
        "/verificationMaterial/tlogEntries/0/inclusionPromise/signedEntryTimestamp",
        "/verificationMaterial/tlogEntries/0/inclusionProof/rootHash",
        "/verificationMaterial/tlogEntries/0/inclusionProof/hashes/0",
    ] {
        assert_spellings_fail(V1_MESSAGE, ptr, ErrorKind::MalformedEncoding);
    }
    for ptr in ["/dsseEnvelope/payload", "/dsseEnvelope/signatures/0/sig"] {
        assert_spellings_fail(V1_DSSE, ptr, ErrorKind::MalformedEncoding);
    }
}

#[test]
fn every_base64_field_of_a_rekor_v2_bundle_is_strict() {
    for ptr in [
        "/messageSignature/signature",
        "/verificationMaterial/certificate/rawBytes",
        "/verificationMaterial/tlogEntries/0/logId/keyId",
        "/verificationMaterial/tlogEntries/0/canonicalizedBody",
        "/verificationMaterial/tlogEntries/0/inclusionProof/rootHash",
        "/verificationMaterial/tlogEntries/0/inclusionProof/hashes/0",
        TOKEN,
    ] {
        assert_spellings_fail(V2_MESSAGE, ptr, ErrorKind::MalformedEncoding);
    }
    for ptr in [
        "/dsseEnvelope/payload",
        "/dsseEnvelope/signatures/0/sig",
        TOKEN,
    ] {
        assert_spellings_fail(V2_DSSE, ptr, ErrorKind::MalformedEncoding);
    }
}

#[test]
fn a_short_padded_signature_no_longer_verifies() {
    // The case from the issue: the crate decodes the signature leniently.
    // Fixtures whose signature ends in padding: "…=" (v1 v0.3), "…==" (v1
    // v0.1), "…=" (v2 DSSE).
    for (case, ptr) in [
        (V1_MESSAGE, "/messageSignature/signature"),
        ("happy-path-v0.1", "/messageSignature/signature"),
        (V2_DSSE, "/dsseEnvelope/signatures/0/sig"),
    ] {
        let mut b = bundle(case);
        let sig = text(&b, ptr);
        assert!(sig.ends_with('='), "{case}: fixture signature is padded");
        *at(&mut b, ptr) = Value::from(sig.strip_suffix('=').unwrap_or(&sig));
        assert_eq!(
            verify(case, &b),
            Err(ErrorKind::MalformedEncoding),
            "{case}"
        );
    }
}

#[test]
fn checkpoint_base64_lines_are_strict() {
    for case in [V1_MESSAGE, V2_MESSAGE] {
        let ptr = format!("{PROOF}/checkpoint/envelope");
        let env = text(&bundle(case), &ptr);
        let lines: Vec<&str> = env.split('\n').collect();
        let root_line = lines.get(2).copied().unwrap_or_default();
        let sig_line = lines.get(4).copied().unwrap_or_default();
        let sig_b64 = sig_line.rsplit(' ').next().unwrap_or_default();
        for (old, canonical) in [(root_line, root_line), (sig_line, sig_b64)] {
            for (bad, what) in spellings(canonical) {
                if bad.contains(['\n', '\r']) {
                    continue; // changes the note's line structure instead
                }
                let mut b = bundle(case);
                let replaced = old.replace(canonical, &bad);
                *at(&mut b, &ptr) = Value::from(env.replacen(old, &replaced, 1));
                assert_eq!(
                    verify(case, &b),
                    Err(ErrorKind::TlogCheckpointInvalid),
                    "{case} checkpoint {what}"
                );
            }
        }
    }
}

// ---- class 4: RFC 3161 tokens ---------------------------------------------

fn tsa_leaf(case: &str) -> Vec<u8> {
    let r = read_json(&case_dir(case).join("trusted_root.json"));
    decode(&text(
        &r,
        "/timestampAuthorities/0/certChain/certificates/0/rawBytes",
    ))
}

fn with_token(case: &str, token: &[u8]) -> Value {
    let mut b = bundle(case);
    *at(&mut b, TOKEN) = Value::from(STANDARD.encode(token));
    b
}

#[test]
fn a_changed_byte_in_an_embedded_tsa_certificate_is_untrusted() {
    for case in [V2_EMBEDDED, V2_MESSAGE] {
        let token = decode(&text(&bundle(case), TOKEN));
        let leaf = tsa_leaf(case);
        let start = token
            .windows(leaf.len())
            .position(|w| w == leaf.as_slice())
            .unwrap_or_else(|| unreachable!("{case}: the token embeds the TSA leaf"));
        // A letter of the subject name (inside a string, so still DER) and
        // the last byte of the certificate's signature.
        let name = leaf
            .windows(12)
            .position(|w| w == b"sigstore-tsa")
            .unwrap_or_else(|| unreachable!("{case}: leaf names sigstore-tsa"));
        for offset in [name + 3, leaf.len() - 1] {
            let mut t = token.clone();
            if let Some(x) = t.get_mut(start + offset) {
                *x ^= 0x01;
            }
            assert_eq!(
                verify(case, &with_token(case, &t)),
                Err(ErrorKind::TimestampUntrustedAuthority),
                "{case} +{offset}"
            );
        }
    }
}

#[test]
fn a_token_that_is_not_strict_der_is_malformed() {
    for case in [V2_EMBEDDED, V2_MESSAGE, V2_DSSE] {
        let token = decode(&text(&bundle(case), TOKEN));
        // Trailing bytes after the TimeStampResp.
        let mut trailing = token.clone();
        trailing.extend_from_slice(&[0x00, 0x00]);
        // The outer length in a longer form than needed (0x82 → 0x83 0x00).
        let mut long_len = token.clone();
        assert_eq!(token.get(1), Some(&0x82), "{case}: two-byte outer length");
        if let Some(x) = long_len.get_mut(1) {
            *x = 0x83;
        }
        long_len.insert(2, 0x00);
        // Truncated.
        let truncated = token.get(..token.len() - 1).unwrap_or_default().to_vec();
        for (t, what) in [
            (trailing, "trailing"),
            (long_len, "long length"),
            (truncated, "truncated"),
        ] {
            assert_eq!(
                verify(case, &with_token(case, &t)),
                Err(ErrorKind::TimestampMalformed),
                "{case} {what}"
            );
        }
    }
}

// ---- class 1: builder id with a version -------------------------------------

fn slsa(provenance: &str, artifact: &str, source: &str, builder_id: &str) -> Result<(), ErrorKind> {
    let base = assets().join("slsa");
    let trust = TrustedRoot::from_file(&assets().join("trust/production/trusted_root.json"))
        .unwrap_or_else(|e| unreachable!("production root: {e}"));
    let data = std::fs::read(base.join(provenance)).unwrap_or_default();
    let policy = Policy::Slsa(SlsaSource {
        source_uri: source.to_owned(),
        source_tag: None,
        source_branch: None,
        source_versioned_tag: None,
        builder_id: Some(builder_id.to_owned()),
    });
    wheel::verify_wheel(&base.join(artifact), None, Some(&data), &policy, &trust)
        .map(|_| ())
        .map_err(|e| e.kind())
}

const GENERATOR: &str =
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/";

/// (provenance, artifact, source, builder name, its real version)
fn builders() -> Vec<(String, String, &'static str, String, &'static str)> {
    let generator = |dir: &str, file: &str, builder: &str| {
        (
            format!("{dir}/v2.1.0/binary-linux-amd64-workflow_dispatch.{file}"),
            format!("{dir}/v2.1.0/binary-linux-amd64-workflow_dispatch"),
            "github.com/slsa-framework/example-package",
            builder.to_owned(),
            "v2.1.0",
        )
    };
    let ours = |b: &str| format!("{GENERATOR}{b}");
    vec![
        // SAN is the builder (v0.2 and v1 provenance).
        generator("gha_generic", "intoto.jsonl", &ours("generator_generic_slsa3.yml")),
        generator("gha_go", "intoto.jsonl", &ours("builder_go_slsa3.yml")),
        generator(
            "gha_container-based",
            "intoto.build.slsa",
            &ours("builder_container-based_slsa3.yml"),
        ),
        // BYOB: SAN is a delegator, the builder is named by the provenance.
        generator(
            "gha_delegator",
            "build.slsa",
            "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml",
        ),
        generator("gha_gradle", "build.slsa", &ours("builder_gradle_slsa3.yml")),
        generator("gha_maven", "build.slsa", &ours("builder_maven_slsa3.yml")),
        // GitHub artifact attestation (actions/attest-build-provenance).
        (
            "bcr/MODULE.bazel.intoto.jsonl".into(),
            "bcr/MODULE.bazel".into(),
            "github.com/aspect-build/rules_lint",
            "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml".into(),
            "v0.0.1",
        ),
    ]
}

#[test]
fn a_builder_version_must_be_exactly_the_builders_ref() {
    for (prov, artifact, source, name, version) in builders() {
        // The real version, in both spellings slsa-verifier accepts, and no version.
        for ok in [
            name.clone(),
            format!("{name}@{version}"),
            format!("{name}@refs/tags/{version}"),
        ] {
            assert_eq!(slsa(&prov, &artifact, source, &ok), Ok(()), "{prov}: {ok}");
        }
        let bare = version.trim_start_matches('v');
        for wrong in [
            "v0.0.0".to_owned(),
            "v2.1.1".to_owned(),
            "v9.9.9".to_owned(),
            bare.to_owned(),
            format!("{version}.0"),
            format!("{version}-rc.1"),
            format!("refs/heads/{version}"),
            format!("refs/tags/{bare}"),
            "refs/heads/main".to_owned(),
            format!("tags/{version}"),
            String::new(),
        ] {
            assert_eq!(
                slsa(&prov, &artifact, source, &format!("{name}@{wrong}")),
                Err(ErrorKind::BuilderIdMismatch),
                "{prov}: @{wrong}"
            );
        }
    }
}
