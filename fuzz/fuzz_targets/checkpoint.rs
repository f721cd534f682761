// SPDX-License-Identifier: Apache-2.0
//! Signed-note checkpoints (spec §4.4) and the base64 and int64 decoders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsa_verify::bundle::{check_checkpoint, decode_b64, int64};
use slsa_verify::ErrorKind;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = check_checkpoint(text);
    let _ = decode_b64(text, ErrorKind::MalformedEncoding, "0.4.4");
    let _ = int64(&serde_json::Value::from(text), "fuzz");
});
