use slsa_verify::*;
fn main() {
    let base = std::path::Path::new("tests/assets/conformance");
    let cases: serde_json::Value = serde_json::from_slice(&std::fs::read(base.join("cases.json")).unwrap()).unwrap();
    for c in cases["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let root = match c["trusted_root"].as_str() { Some(p) => TrustedRoot::from_file(&base.join(p)), None => TrustedRoot::production() };
        let root = match root { Ok(r) => r, Err(e) => { println!("{name}: ROOT {:?} {}", e.kind(), e.detail()); continue; } };
        let bundle = std::fs::read(base.join(c["bundle"].as_str().unwrap())).unwrap();
        let signer = match c["key"].as_str() { Some(k) => BundleSigner::Key(std::fs::read_to_string(base.join(k)).unwrap()),
            None => BundleSigner::Policy(Policy::Identity { identity: policy::IdentityMatch::Exact(c["identity"].as_str().unwrap().into()), issuer: c["issuer"].as_str().unwrap().into() }) };
        let art = base.join(c["artifact"].as_str().unwrap());
        let r1 = verify_bundle(&ArtifactInput::Path(&art), &bundle, &signer, &root);
        let d = io::parse_digest_arg(c["digest_arg"].as_str().unwrap()).unwrap();
        let r2 = verify_bundle(&ArtifactInput::Digest(d), &bundle, &signer, &root);
        let f = |r: &Result<Verification>| match r { Ok(_) => "OK".to_string(), Err(e) => format!("{:?}: {}", e.kind(), e.detail()) };
        println!("{name} [{}]\n   path: {}\n   dig:  {}", c["expected"], f(&r1), f(&r2));
    }
}
