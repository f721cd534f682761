// SPDX-License-Identifier: Apache-2.0
//! The slsa-verifier rules (spec §7.5, §7.6.5) on an unsigned statement and a
//! real leaf certificate. Input: `{"cert": base64 DER, "statement": {...},
//! "policy": {"kind": "slsa", ...}}`; without a policy the expectation is the
//! certificate's own repository.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsa_verify::bundle::{decode_b64, IN_TOTO};
use slsa_verify::claims::Claims;
use slsa_verify::slsa::{check, SlsaSource};
use slsa_verify::statement::Statement;
use slsa_verify::{ErrorKind, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = slsa_verify::json::parse(data, 1 << 20, "fuzz") else {
        return;
    };
    let cert = v.get("cert").and_then(|c| c.as_str()).unwrap_or("");
    let Ok(der) = decode_b64(cert, ErrorKind::MalformedEncoding, "fuzz") else {
        return;
    };
    let Ok(claims) = Claims::from_der(&der) else {
        return;
    };
    let st = serde_json::to_vec(v.get("statement").unwrap_or(&v)).unwrap_or_default();
    let Ok(statement) = Statement::from_envelope(IN_TOTO, &st) else {
        return;
    };
    let expected = match v.get("policy").map(|p| Policy::from_json(&p.to_string())) {
        Some(Ok(Policy::Slsa(s))) => s,
        _ => SlsaSource {
            source_uri: claims.source_repository_uri().unwrap_or_default(),
            source_tag: None,
            source_branch: None,
            source_versioned_tag: None,
            builder_id: None,
        },
    };
    let _ = check(&claims, &statement, &expected);
});
