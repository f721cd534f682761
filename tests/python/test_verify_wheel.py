# SPDX-License-Identifier: Apache-2.0
"""verify_wheel() and ``pip-verify verify`` on the real abi3info wheel and
its real PyPI provenance; sidecar discovery; legacy SLSA envelopes."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import ASSETS
from slsa_verify import (
    GitHubPublisher,
    Identity,
    Policy,
    SlsaSource,
    TrustedRoot,
    errors,
    verify_wheel,
)
from slsa_verify._cli import main

EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
POLICY = GitHubPublisher(repository="woodruffw/abi3info", workflow="release.yml")


def test_real_wheel_verifies_with_explicit_provenance() -> None:
    v = verify_wheel(WHEEL, PROVENANCE, policy=POLICY)
    assert v.sha256 == "b0236c6707783f93971274101e119055192cef0925f5b7cebdad03c69dc5a499"
    assert v.format == "pep740-provenance"
    assert v.source_repository == "https://github.com/woodruffw/abi3info"
    assert v.source_ref == "refs/tags/v2024.10.08"
    assert v.predicate_type == "https://docs.pypi.org/attestations/publish/v1"
    assert v.publisher is not None
    assert v.publisher["repository"] == "woodruffw/abi3info"
    assert v.signed_at.year == 2024


def test_provenance_as_bytes() -> None:
    v = verify_wheel(WHEEL, PROVENANCE.read_bytes(), policy=POLICY)
    assert v.artifact_name == WHEEL.name


@pytest.mark.parametrize(
    ("policy", "kind"),
    [
        (GitHubPublisher("woodruffw/other", "release.yml"), errors.PublisherMismatch),
        (GitHubPublisher("woodruffw/abi3info", "publish.yml"), errors.PublisherMismatch),
        (GitHubPublisher("woodruffw/abi3info", "release.yml", "pypi"), errors.PublisherMismatch),
    ],
)
def test_wrong_publisher(policy: GitHubPublisher, kind: type[Exception]) -> None:
    with pytest.raises(kind):
        verify_wheel(WHEEL, PROVENANCE, policy=policy)


def test_tampered_wheel_is_digest_mismatch(tmp_path: Path) -> None:
    bad = tmp_path / WHEEL.name
    bad.write_bytes(WHEEL.read_bytes() + b"\0")
    with pytest.raises(errors.DigestMismatch):
        verify_wheel(bad, PROVENANCE, policy=POLICY)


def test_renamed_wheel_is_subject_mismatch(tmp_path: Path) -> None:
    other = tmp_path / "abi3info-2024.10.9-py3-none-any.whl"
    shutil.copy(WHEEL, other)
    with pytest.raises(errors.SubjectMismatch):
        verify_wheel(other, PROVENANCE, policy=POLICY)


def test_non_distribution_name_is_artifact_name_invalid(tmp_path: Path) -> None:
    other = tmp_path / "abi3info.bin"
    shutil.copy(WHEEL, other)
    with pytest.raises(errors.ArtifactNameInvalid):
        verify_wheel(other, PROVENANCE, policy=POLICY)


RFC8785 = ASSETS / "pep740" / "pypi-attestations" / "rfc8785-0.1.2-py3-none-any.whl"
RFC8785_SIGNER = Identity("william@yossarian.net", "https://github.com/login/oauth")
GENERIC = ASSETS / "slsa" / "gha_generic" / "v2.1.0"


@pytest.mark.parametrize(
    ("artifact", "attestation", "sidecar", "policy", "root", "fmt"),
    [
        (WHEEL, PROVENANCE, f"{WHEEL.name}.provenance", POLICY, None, "pep740-provenance"),
        (
            RFC8785,
            RFC8785.with_name(RFC8785.name + ".publish.attestation"),
            f"{RFC8785.name}.publish.attestation",
            RFC8785_SIGNER,
            "staging",
            "pep740-attestation",
        ),
        (
            RFC8785,
            RFC8785.with_name(RFC8785.name + ".sigstore"),
            f"{RFC8785.name}.sigstore.json",
            RFC8785_SIGNER,
            "staging",
            "sigstore-bundle",
        ),
        (
            RFC8785,
            RFC8785.with_name(RFC8785.name + ".sigstore"),
            f"{RFC8785.name}.sigstore",
            RFC8785_SIGNER,
            "staging",
            "sigstore-bundle",
        ),
        (
            GENERIC / "binary-linux-amd64-workflow_dispatch",
            GENERIC / "binary-linux-amd64-workflow_dispatch.intoto.jsonl",
            "multiple.intoto.jsonl",
            SlsaSource("github.com/slsa-framework/example-package", source_branch="main"),
            None,
            "sigstore-bundle",  # one line: detected as a whole-file bundle (spec 1.8.1)
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and "." in v else None,
)
def test_sidecar_discovery(  # noqa: PLR0917 (one parameter per column)
    tmp_path: Path,
    artifact: Path,
    attestation: Path,
    sidecar: str,
    policy: Policy,
    root: str | None,
    fmt: str,
) -> None:
    shutil.copy(artifact, tmp_path / artifact.name)
    shutil.copy(attestation, tmp_path / sidecar)
    trusted_root = TrustedRoot.staging() if root else None
    v = verify_wheel(tmp_path / artifact.name, policy=policy, trusted_root=trusted_root)
    assert (v.artifact_name, v.format) == (artifact.name, fmt)
    # The same through the CLI, which finds the sidecar the same way.
    out = io.StringIO()
    argv = ["verify", str(tmp_path / artifact.name), "--json"]
    argv += ["--staging"] if root else []
    argv += (
        ["--source-uri", "github.com/slsa-framework/example-package"]
        if isinstance(policy, SlsaSource)
        else [
            "--cert-identity",
            RFC8785_SIGNER.identity,
            "--cert-oidc-issuer",
            RFC8785_SIGNER.issuer,
        ]
        if isinstance(policy, Identity)
        else ["--repository", "woodruffw/abi3info", "--workflow", "release.yml"]
    )
    assert main(argv, out=out, errout=io.StringIO()) == 0
    assert json.loads(out.getvalue())["results"][0]["format"] == fmt


def test_no_sidecar_is_no_attestations_exit_3(tmp_path: Path) -> None:
    shutil.copy(WHEEL, tmp_path / WHEEL.name)
    with pytest.raises(errors.NoAttestations):
        verify_wheel(tmp_path / WHEEL.name, policy=POLICY)
    err = io.StringIO()
    argv = [
        "verify",
        str(tmp_path / WHEEL.name),
        "--repository",
        "woodruffw/abi3info",
        "--workflow",
        "release.yml",
    ]
    assert main(argv, out=io.StringIO(), errout=err) == 3
    assert err.getvalue().startswith("FAILED  NoAttestations:")


@pytest.mark.parametrize(
    "name", ["binary-linux-amd64-untrusted-builder.intoto.jsonl", "annotated-tag.intoto.jsonl"]
)
def test_legacy_slsa_envelope_needs_online_lookup(name: str, tmp_path: Path) -> None:
    artifact = tmp_path / "binary-linux-amd64"
    artifact.write_bytes(b"anything")
    jsonl = ASSETS / "slsa" / name
    with pytest.raises(errors.OnlineLookupRequired) as exc:
        verify_wheel(artifact, jsonl, policy=SlsaSource("github.com/slsa-framework/example"))
    assert "slsa-verifier" in exc.value.detail
    err = io.StringIO()
    argv = [
        "verify",
        str(artifact),
        "--provenance-path",
        str(jsonl),
        "--source-uri",
        "github.com/slsa-framework/example",
    ]
    assert main(argv, out=io.StringIO(), errout=err) == 1
    assert err.getvalue().startswith("FAILED  OnlineLookupRequired:")


def test_cli_verify_human_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    out = io.StringIO()
    argv = ["verify", WHEEL.name, "--repository", "woodruffw/abi3info", "--workflow", "release.yml"]
    assert main(argv, out=out) == 0
    assert out.getvalue().startswith(f"OK  {WHEEL.name}  sha256:b0236c670778")
    out = io.StringIO()
    assert main([*argv, "--json"], out=out) == 0
    doc = json.loads(out.getvalue())
    assert doc["schema_version"] == 1
    assert doc["results"][0]["source_ref"] == "refs/tags/v2024.10.08"


def test_cli_requires_exactly_one_policy() -> None:
    err = io.StringIO()
    assert main(["verify", str(WHEEL)], out=io.StringIO(), errout=err) == 2
    assert "exactly one policy" in err.getvalue()
