// SPDX-License-Identifier: Apache-2.0
//! Simple-index project pages: PEP 691 JSON when the input starts with `{`,
//! PEP 503 HTML otherwise (base href, entities, URL joining); then the URL
//! helpers on what they yield.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slsa_verify::online::index::{integrity_url, last_segment, parse_page, project_url};

fuzz_target!(|data: &[u8]| {
    let ct = if data.first() == Some(&b'{') {
        "application/vnd.pypi.simple.v1+json"
    } else {
        "text/html"
    };
    let page = "https://pypi.example/simple/fuzz/";
    let Ok(files) = parse_page(data, ct, page) else {
        return;
    };
    for f in files {
        let _ = last_segment(&f.url);
        let _ = project_url(&f.url, &f.filename);
        let _ = integrity_url(&f.url, &f.filename, "1.0", &f.filename);
    }
});
