// SPDX-License-Identifier: Apache-2.0
//! Shared helpers for the fuzz targets.

use std::sync::OnceLock;

use slsa_verify::{Policy, TrustedRoot};

/// The embedded production root, parsed once per process.
pub fn production() -> &'static TrustedRoot {
    static ROOT: OnceLock<TrustedRoot> = OnceLock::new();
    ROOT.get_or_init(|| TrustedRoot::production().expect("the embedded root parses"))
}

/// A policy every GitHub Actions identity satisfies, so the fuzzer can reach
/// the steps after the identity check.
pub fn any_github() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        Policy::from_json(
            r#"{"kind": "identity", "identity": ".*", "regex": true,
                "issuer": "https://token.actions.githubusercontent.com"}"#,
        )
        .expect("the fixed policy parses")
    })
}

/// Split `NAME SHA256HEX\n` off the front of an input: the artifact a seed's
/// attestation is about (so seeds verify), then the document itself. A
/// missing or broken header falls back to a fixed name and digest.
pub fn header(data: &[u8]) -> (&str, [u8; 32], &[u8]) {
    let mut digest = [0u8; 32];
    let Some(nl) = data.iter().position(|b| *b == b'\n') else {
        return ("fuzz-1.0-py3-none-any.whl", digest, data);
    };
    let (head, rest) = data.split_at(nl);
    let head = std::str::from_utf8(head).unwrap_or("");
    let (name, hex) = head.rsplit_once(' ').unwrap_or(("", head));
    if let Ok(d) = slsa_verify::io::parse_digest_arg(&format!("sha256:{hex}")) {
        digest = d;
    }
    let name = if name.is_empty() {
        "fuzz-1.0-py3-none-any.whl"
    } else {
        name
    };
    (name, digest, &rest[1..])
}
