// SPDX-License-Identifier: Apache-2.0
//! The strict JSON parser (spec §0.4) and the object walker every reader uses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsa_verify::json::{parse, Obj};
use slsa_verify::ErrorKind;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = parse(data, 1 << 20, "fuzz") else {
        return;
    };
    if let Ok(o) = Obj::new(&value, ErrorKind::MalformedJson, "0.4", "fuzz") {
        let _ = o.only(&["a", "b", "mediaType"]);
        for key in o.map().keys() {
            let _ = (o.str(key), o.opt_str(key), o.obj(key), o.arr(key, 8));
        }
    }
});
