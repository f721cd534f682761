// SPDX-License-Identifier: Apache-2.0
//! Every attestation container `verify_attestation` sniffs (spec §1.6–§1.9):
//! PEP 740 attestation objects and Integrity API provenance, `.intoto.jsonl`,
//! GitHub attestation lists, plain bundles; and the index-asserted publisher.
//! Input: `NAME SHA256HEX\n` then the attestation file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsa_verify::wheel::{index_asserted_policy, verify_attestation};
use slsa_verify_rs_fuzz::{any_github, header, production};

fuzz_target!(|data: &[u8]| {
    let (name, digest, file) = header(data);
    let _ = verify_attestation(name, &digest, file, any_github(), production());
    let _ = index_asserted_policy(file);
});
