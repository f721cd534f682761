// SPDX-License-Identifier: Apache-2.0
//! Bundle structure checks (spec §1.2–§1.3): `check`, then each part on its own
//! so a failure early in `check` does not hide the later checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsa_verify::bundle::{check, check_checkpoint, check_entry, decode_b64, int64};
use slsa_verify::ErrorKind;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = slsa_verify::json::parse(data, 1 << 20, "bundle") else {
        return;
    };
    let _ = check(&value);
    let entries = value
        .pointer("/verificationMaterial/tlogEntries")
        .and_then(|e| e.as_array());
    for (i, entry) in entries.into_iter().flatten().enumerate() {
        let _ = check_entry(entry, i);
        let _ = entry.get("logIndex").map(|v| int64(v, "logIndex"));
        let _ = entry
            .pointer("/logId/keyId")
            .and_then(|v| v.as_str())
            .map(|s| decode_b64(s, ErrorKind::MalformedEncoding, "0.4.4"));
        if let Some(env) = entry
            .pointer("/inclusionProof/checkpoint/envelope")
            .and_then(|v| v.as_str())
        {
            let _ = check_checkpoint(env);
        }
    }
});
