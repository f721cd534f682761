// SPDX-License-Identifier: Apache-2.0
//! Lock identities (issue 14) from real PEP 740 attestations: what `lock`
//! pins for each CI publisher, and that `install -r pylock.toml` enforces it.

use std::path::{Path, PathBuf};

use slsa_verify::lock::{check_identity, identity_from_claims, Identity, LockFile, NewPackage};
use slsa_verify::{io, wheel, ErrorKind, Policy, TrustedRoot, Verification};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn asset(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/assets")
        .join(rel)
}

fn verified(dist: &str, attestation: &str, publisher: &str) -> TestResult<Verification> {
    let data = std::fs::read(asset(attestation))?;
    let digest = io::sha256_file(&asset(dist))?;
    let name = Path::new(dist)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let policy = Policy::from_json(publisher)?;
    let root = TrustedRoot::production()?;
    Ok(wheel::verify_attestation(
        name, &digest, &data, &policy, &root,
    )?)
}

fn found(v: &Verification) -> TestResult<Identity> {
    Ok(v.claims
        .as_ref()
        .map(identity_from_claims)
        .ok_or("no certificate")?)
}

fn gitlab() -> TestResult<Verification> {
    verified(
        "pep740/pypi-attestations/gitlab_oidc_project-0.0.3.tar.gz",
        "pep740/pypi-attestations/gitlab_oidc_project-0.0.3.tar.gz.publish.attestation",
        r#"{"kind":"gitlab","repository":"facutuesca/gitlab-oidc-project","workflow_filepath":".gitlab-ci.yml"}"#,
    )
}

fn circleci() -> TestResult<Verification> {
    let whl =
        "pep740/pypi-attestations/circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl";
    verified(
        whl,
        &format!("{whl}.provenance"),
        r#"{"kind":"circleci","project_id":"fdd9283f-e619-46af-8f9c-851f7d3e8b2b","pipeline_definition_id":"8e4f8ab2-8d7c-4827-9f15-de076d6d647f"}"#,
    )
}

fn abi3info() -> TestResult<Verification> {
    verified(
        "../../examples/abi3info-2024.10.8-py3-none-any.whl",
        "../../examples/abi3info-2024.10.8-py3-none-any.whl.provenance",
        r#"{"kind":"github","repository":"woodruffw/abi3info","workflow":"release.yml"}"#,
    )
}

fn kind<T>(r: slsa_verify::Result<T>) -> Result<T, ErrorKind> {
    r.map_err(|e| e.kind())
}

#[test]
fn github_identity_carries_the_certificate_ids() -> TestResult {
    let v = abi3info()?;
    assert_eq!(v.source_repository_id.as_deref(), Some("538293197"));
    assert_eq!(v.source_repository_owner_id.as_deref(), Some("3059210"));
    let id = found(&v)?;
    assert_eq!(id.kind, "GitHub");
    assert_eq!(id.repository.as_deref(), Some("woodruffw/abi3info"));
    assert_eq!(id.workflow.as_deref(), Some("release.yml"));
    assert_eq!(id.repository_id.as_deref(), Some("538293197"));
    assert_eq!(id.repository_owner_id.as_deref(), Some("3059210"));
    Ok(())
}

#[test]
fn gitlab_identity_is_locked_and_enforced() -> TestResult {
    let v = gitlab()?;
    let id = found(&v)?;
    assert_eq!(id.kind, "GitLab");
    assert_eq!(
        id.repository.as_deref(),
        Some("facutuesca/gitlab-oidc-project")
    );
    assert_eq!(id.workflow_filepath.as_deref(), Some(".gitlab-ci.yml"));
    // GitLab's certificate carries the project and namespace ids.
    assert!(id
        .repository_id
        .as_deref()
        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())));
    assert_eq!(id.repository_id, v.source_repository_id);
    assert!(id.repository_owner_id.is_some());
    let pins = std::slice::from_ref(&id);
    assert!(check_identity("gitlab-oidc-project", pins, &id).is_ok());
    let mut other = id.clone();
    other.workflow_filepath = Some("release.gitlab-ci.yml".into());
    assert_eq!(
        kind(check_identity("gitlab-oidc-project", &[other], &id)),
        Err(ErrorKind::IdentityChanged)
    );
    // A GitHub-signed attestation under a GitLab pin fails, both sides shown.
    let r = check_identity("gitlab-oidc-project", pins, &found(&abi3info()?)?);
    let detail = r
        .as_ref()
        .err()
        .map(|e| e.detail().to_owned())
        .unwrap_or_default();
    assert_eq!(kind(r), Err(ErrorKind::IdentityChanged));
    assert!(
        detail.contains("GitLab facutuesca/gitlab-oidc-project"),
        "{detail}"
    );
    assert!(detail.contains("GitHub woodruffw/abi3info"), "{detail}");
    Ok(())
}

#[test]
fn circleci_identity_is_locked_and_enforced() -> TestResult {
    let id = found(&circleci()?)?;
    assert_eq!(id.kind, "CircleCI");
    assert_eq!(
        id.project_id.as_deref(),
        Some("fdd9283f-e619-46af-8f9c-851f7d3e8b2b")
    );
    assert_eq!(
        id.pipeline_definition_id.as_deref(),
        Some("8e4f8ab2-8d7c-4827-9f15-de076d6d647f")
    );
    assert!(id.repository_id.is_none());
    let pins = std::slice::from_ref(&id);
    assert!(check_identity("circleci-sign-publish-example", pins, &id).is_ok());
    let mut other = id.clone();
    other.pipeline_definition_id = Some("00000000-0000-0000-0000-000000000000".into());
    assert_eq!(
        kind(check_identity(
            "circleci-sign-publish-example",
            &[other],
            &id
        )),
        Err(ErrorKind::IdentityChanged)
    );
    assert_eq!(
        kind(check_identity("x", pins, &found(&gitlab()?)?)),
        Err(ErrorKind::IdentityChanged)
    );
    Ok(())
}

#[test]
fn pins_round_trip_through_a_written_lock() -> TestResult {
    let meta = serde_json::from_str(
        r#"{"created_by":"t","requires_python":"==3.12.*","environments":["sys_platform == 'linux'"]}"#,
    )?;
    let both = [
        ("gitlab-oidc-project", gitlab()?),
        ("circleci-sign-publish-example", circleci()?),
    ];
    let mut new: Vec<NewPackage> = Vec::new();
    for (name, v) in &both {
        new.push(serde_json::from_value(serde_json::json!({
            "name": name, "version": "1", "index": null,
            "file": {"name": format!("{name}-1.tar.gz"), "hashes": {"sha256": v.sha256}},
            "sdist": true, "identity": found(v)?,
        }))?);
    }
    let text = slsa_verify::lock::write(&meta, &new, None, &[], &[])?;
    assert_eq!(text, slsa_verify::lock::write(&meta, &new, None, &[], &[])?);
    let lock = LockFile::parse(text.as_bytes())?;
    for (name, v) in &both {
        let p = lock.find_file(name, &format!("{name}-1.tar.gz"), &v.sha256)?;
        assert!(check_identity(name, &p.attestation_identities, &found(v)?).is_ok());
    }
    // Re-locking with another identity is refused, and accepted by name.
    let mut swapped = new.clone();
    if let Some(first) = swapped.first_mut() {
        first.identity = Some(found(&circleci()?)?);
    }
    assert_eq!(
        kind(slsa_verify::lock::write(
            &meta,
            &swapped,
            Some(&lock),
            &[],
            &[]
        )),
        Err(ErrorKind::IdentityChanged)
    );
    let accepted = slsa_verify::lock::write(
        &meta,
        &swapped,
        Some(&lock),
        &["gitlab_oidc_project".into()],
        &[],
    )?;
    assert!(accepted.contains("change = \"identity\""), "{accepted}");
    if let Some(first) = swapped.first_mut() {
        first.identity = None;
    }
    assert_eq!(
        kind(slsa_verify::lock::write(
            &meta,
            &swapped,
            Some(&lock),
            &[],
            &[]
        )),
        Err(ErrorKind::AttestationDowngrade)
    );
    Ok(())
}

#[test]
fn publisher_policies_can_pin_the_ids() -> TestResult {
    let policy = |id: &str, owner: &str| {
        format!(
            r#"{{"kind":"github","repository":"woodruffw/abi3info","workflow":"release.yml","repository_id":"{id}","owner_id":"{owner}"}}"#
        )
    };
    let whl = "../../examples/abi3info-2024.10.8-py3-none-any.whl";
    let prov = "../../examples/abi3info-2024.10.8-py3-none-any.whl.provenance";
    assert!(verified(whl, prov, &policy("538293197", "3059210")).is_ok());
    for (id, owner) in [("538293198", "3059210"), ("538293197", "1")] {
        let data = std::fs::read(asset(prov))?;
        let digest = io::sha256_file(&asset(whl))?;
        let r = wheel::verify_attestation(
            "abi3info-2024.10.8-py3-none-any.whl",
            &digest,
            &data,
            &Policy::from_json(&policy(id, owner))?,
            &TrustedRoot::production()?,
        );
        assert_eq!(
            kind(r.map(|_| ())),
            Err(ErrorKind::PublisherMismatch),
            "{id} {owner}"
        );
    }
    Ok(())
}

#[test]
fn a_target_platform_is_recorded_in_our_tool_table_and_read_back() -> TestResult {
    let meta = serde_json::from_str(
        r#"{"created_by":"t","requires_python":"==3.12.*","environments":["python_version == '3.12'"],
            "target":{"platforms":["manylinux2014_aarch64"],"python-version":"3.12","implementation":null,"abis":[]}}"#,
    )?;
    let v = gitlab()?;
    let new: Vec<NewPackage> = vec![serde_json::from_value(serde_json::json!({
        "name": "gitlab-oidc-project", "version": "1", "index": null,
        "file": {"name": "gitlab-oidc-project-1.tar.gz", "hashes": {"sha256": v.sha256}},
        "sdist": true, "identity": found(&v)?,
    }))?];
    let text = slsa_verify::lock::write(&meta, &new, None, &[], &[])?;
    assert!(text.contains("[tool.slsa-verify-rs.target]"), "{text}");
    let lock = LockFile::parse(text.as_bytes())?;
    let ours = lock.ours()?.unwrap_or_default();
    let target = ours.target.unwrap_or_default();
    assert_eq!(target.platforms, ["manylinux2014_aarch64"]);
    assert_eq!(target.python_version.as_deref(), Some("3.12"));
    assert!(target.implementation.is_none() && target.abis.is_empty());
    Ok(())
}

#[test]
fn a_target_that_is_not_pip_tags_is_refused() {
    for bad in [
        "platforms = [\"linux\\u001b[31m\"]",
        "platforms = [\"a b\"]",
        "python-version = \"3.12\\n\"",
        "abis = [\"--index-url=http://evil\"]",
        "platforms = []\nimplementation = \"\"",
    ] {
        let text = format!(
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[tool.slsa-verify-rs.target]\n{bad}\n"
        );
        let err = LockFile::parse(text.as_bytes()).and_then(|l| l.ours().map(|_| ()));
        assert_eq!(kind(err), Err(ErrorKind::LockMismatch), "{bad}");
    }
}
