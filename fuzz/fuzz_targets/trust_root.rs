// SPDX-License-Identifier: Apache-2.0
//! `trusted_root.json` parsing and validation (spec §2).
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsa_verify::TrustedRoot;

fuzz_target!(|data: &[u8]| {
    if let Ok(root) = TrustedRoot::from_json(data, "fuzz") {
        let _ = root.knows_tlog(data.get(..32).unwrap_or(data));
    }
});
