// SPDX-License-Identifier: Apache-2.0
//! The whole verify-bundle path (V1–V14, through the Sigstore adapter) with the
//! embedded production root. Input: `NAME SHA256HEX\n` then the bundle JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsa_verify::{verify_bundle, ArtifactInput, BundleSigner};
use slsa_verify_rs_fuzz::{any_github, header, production};

fuzz_target!(|data: &[u8]| {
    let (_, digest, bundle) = header(data);
    let signer = BundleSigner::Policy(any_github().clone());
    let _ = verify_bundle(
        &ArtifactInput::Digest(digest),
        bundle,
        &signer,
        production(),
    );
});
