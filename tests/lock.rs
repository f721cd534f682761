// SPDX-License-Identifier: Apache-2.0
//! Lock identities (issue 14) from real PEP 740 attestations: what `lock`
//! pins for each CI publisher, and that `install -r pylock.toml` enforces it.

use std::path::{Path, PathBuf};

use slsa_verify::lock::{check_identity, identity_from_claims, Identity, LockFile};
use slsa_verify::{io, wheel, ErrorKind, Policy, TrustedRoot, Verification};

fn asset(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/assets")
        .join(rel)
}

fn verified(dist: &str, attestation: &str, publisher: &str) -> Verification {
    let data = std::fs::read(asset(attestation)).expect("attestation");
    let digest = io::sha256_file(&asset(dist)).expect("dist");
    let name = Path::new(dist)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let policy = Policy::from_json(publisher).expect("policy");
    let root = TrustedRoot::production().expect("root");
    wheel::verify_attestation(name, &digest, &data, &policy, &root).expect("verifies")
}

fn found(v: &Verification) -> Identity {
    identity_from_claims(v.claims.as_ref().expect("a certificate"))
}

fn gitlab() -> Verification {
    verified(
        "pep740/pypi-attestations/gitlab_oidc_project-0.0.3.tar.gz",
        "pep740/pypi-attestations/gitlab_oidc_project-0.0.3.tar.gz.publish.attestation",
        r#"{"kind":"gitlab","repository":"facutuesca/gitlab-oidc-project","workflow_filepath":".gitlab-ci.yml"}"#,
    )
}

fn circleci() -> Verification {
    let whl =
        "pep740/pypi-attestations/circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl";
    verified(
        whl,
        &format!("{whl}.provenance"),
        r#"{"kind":"circleci","project_id":"fdd9283f-e619-46af-8f9c-851f7d3e8b2b","pipeline_definition_id":"8e4f8ab2-8d7c-4827-9f15-de076d6d647f"}"#,
    )
}

fn abi3info() -> Verification {
    verified(
        "../../examples/abi3info-2024.10.8-py3-none-any.whl",
        "../../examples/abi3info-2024.10.8-py3-none-any.whl.provenance",
        r#"{"kind":"github","repository":"woodruffw/abi3info","workflow":"release.yml"}"#,
    )
}

#[test]
fn github_identity_carries_the_certificate_ids() {
    let v = abi3info();
    assert_eq!(v.source_repository_id.as_deref(), Some("538293197"));
    assert_eq!(v.source_repository_owner_id.as_deref(), Some("3059210"));
    let id = found(&v);
    assert_eq!(id.kind, "GitHub");
    assert_eq!(id.repository.as_deref(), Some("woodruffw/abi3info"));
    assert_eq!(id.workflow.as_deref(), Some("release.yml"));
    assert_eq!(id.repository_id.as_deref(), Some("538293197"));
    assert_eq!(id.repository_owner_id.as_deref(), Some("3059210"));
}

#[test]
fn gitlab_identity_is_locked_and_enforced() {
    let v = gitlab();
    let id = found(&v);
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
        .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit())));
    assert_eq!(id.repository_id, v.source_repository_id);
    assert!(id.repository_owner_id.is_some());
    assert!(check_identity("gitlab-oidc-project", &[id.clone()], &id).is_ok());
    let mut other = id.clone();
    other.workflow_filepath = Some("release.gitlab-ci.yml".into());
    let err = check_identity("gitlab-oidc-project", &[other], &id).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IdentityChanged);
    // A GitHub-signed attestation under a GitLab pin fails.
    let err = check_identity("gitlab-oidc-project", &[id], &found(&abi3info())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IdentityChanged);
    assert!(
        err.detail()
            .contains("GitLab facutuesca/gitlab-oidc-project"),
        "{}",
        err.detail()
    );
    assert!(
        err.detail().contains("GitHub woodruffw/abi3info"),
        "{}",
        err.detail()
    );
}

#[test]
fn circleci_identity_is_locked_and_enforced() {
    let id = found(&circleci());
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
    assert!(check_identity("circleci-sign-publish-example", &[id.clone()], &id).is_ok());
    let mut other = id.clone();
    other.pipeline_definition_id = Some("00000000-0000-0000-0000-000000000000".into());
    assert_eq!(
        check_identity("circleci-sign-publish-example", &[other], &id).map_err(|e| e.kind()),
        Err(ErrorKind::IdentityChanged)
    );
    assert_eq!(
        check_identity("x", &[id], &found(&gitlab())).map_err(|e| e.kind()),
        Err(ErrorKind::IdentityChanged)
    );
}

#[test]
fn pins_round_trip_through_a_written_lock() {
    let meta = serde_json::from_str(
        r#"{"created_by":"t","requires_python":"==3.12.*","environments":["sys_platform == 'linux'"]}"#,
    )
    .expect("meta");
    let mut new = Vec::new();
    for (name, v) in [
        ("gitlab-oidc-project", gitlab()),
        ("circleci-sign-publish-example", circleci()),
    ] {
        new.push(
            serde_json::from_value(serde_json::json!({
                "name": name, "version": "1", "index": null,
                "file": {"name": format!("{name}-1.tar.gz"), "hashes": {"sha256": v.sha256}},
                "sdist": true, "identity": found(&v),
            }))
            .expect("package"),
        );
    }
    let text = slsa_verify::lock::write(&meta, &new, None, &[], &[]).expect("written");
    let again = slsa_verify::lock::write(&meta, &new, None, &[], &[]).expect("written");
    assert_eq!(text, again);
    let lock = LockFile::parse(text.as_bytes()).expect("parses");
    for (name, v) in [
        ("gitlab-oidc-project", gitlab()),
        ("circleci-sign-publish-example", circleci()),
    ] {
        let p = lock
            .find_file(name, &format!("{name}-1.tar.gz"), &v.sha256)
            .expect("locked");
        assert!(check_identity(name, &p.attestation_identities, &found(&v)).is_ok());
    }
    // Re-locking with the identities swapped is refused, and accepted by name.
    let mut swapped = new.clone();
    swapped[0].identity = Some(found(&circleci()));
    let err = slsa_verify::lock::write(&meta, &swapped, Some(&lock), &[], &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IdentityChanged);
    let accepted = slsa_verify::lock::write(
        &meta,
        &swapped,
        Some(&lock),
        &["gitlab_oidc_project".into()],
        &[],
    )
    .expect("accepted");
    assert!(accepted.contains("change = \"identity\""), "{accepted}");
    swapped[0].identity = None;
    let err = slsa_verify::lock::write(&meta, &swapped, Some(&lock), &[], &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AttestationDowngrade);
}
