// SPDX-License-Identifier: Apache-2.0
//! The zip reader that opens wheels (install) and Lambda layers: every
//! member is read back, bounded, with its CRC checked.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use slsa_verify::zip::{Archive, Rules};
use slsa_verify::ErrorKind;

const RULES: Rules = Rules {
    invalid: ErrorKind::LayerInvalid,
    step: "8.1",
    max_entries: 1_000,
    max_central_dir: 1 << 20,
    max_member: 4 << 20,
    max_total: 16 << 20,
};

fuzz_target!(|data: &[u8]| {
    let Ok(mut zip) = Archive::new(Cursor::new(data), "fuzz.zip", RULES) else {
        return;
    };
    let entries = zip.entries().to_vec();
    for e in &entries {
        let _ = zip.read(e, 4 << 20);
        let mut seen = 0_usize;
        let _ = zip.stream(e, &mut |b| seen += b.len());
        assert!(seen as u64 <= e.size, "stream passed out more than the declared size");
    }
});
