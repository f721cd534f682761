// SPDX-License-Identifier: Apache-2.0
//! Distribution file names (wheel and sdist), PEP 440 versions, PEP 503 names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsa_verify::dist::{normalize, Dist, Version};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = Dist::parse(text) {
        let _ = d.version() == d.version();
    }
    let _ = (Version::parse(text), normalize(text));
});
