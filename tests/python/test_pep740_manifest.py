# SPDX-License-Identifier: Apache-2.0
"""Every check of tests/assets/pep740/manifest.json (PEP 740 attestations and
provenance for real PyPI files, from pypi-attestations and PyPI), through the
Python API and through ``pip-verify verify``.

Where the distribution's bytes are in tests/assets (or examples/), the real
file is verified, copied under the name the check presents; otherwise the
check's digest stands for it (``sha256=`` / ``--sha256``). Failing checks
assert the kind in expected-errors.json. The bare-certificate checks (.pem)
are policy checks on a certificate alone; tests/pep740.rs runs those.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ASSETS, load_json
from slsa_verify import (
    CircleCIPublisher,
    GitHubPublisher,
    GitLabPublisher,
    GooglePublisher,
    Identity,
    Policy,
    TrustedRoot,
    errors,
    verify_wheel,
)
from slsa_verify._cli import main

PEP740 = ASSETS / "pep740"
MANIFEST = load_json(PEP740 / "manifest.json")
EXPECTED = load_json(PEP740 / "expected-errors.json")["fail"]
FILES = {
    hashlib.sha256(p.read_bytes()).hexdigest(): p
    for p in [*PEP740.rglob("*"), *(ASSETS.parent.parent / "examples").glob("*")]
    if p.is_file()
}
PUBLISHERS: dict[str, Any] = {
    "github": GitHubPublisher,
    "gitlab": GitLabPublisher,
    "google": GooglePublisher,
    "circleci": CircleCIPublisher,
}
CHECKS = [
    (entry, i, check)
    for entry in MANIFEST["entries"]
    if not entry["file"].endswith(".pem")
    for i, check in enumerate(entry.get("checks") or [])
]
IDS = [f"{entry['file']}#{i}" for entry, i, _ in CHECKS]


def _policy(p: dict[str, Any]) -> Policy | None:
    if p.get("publisher"):
        fields = dict(p["publisher"])
        return PUBLISHERS[fields.pop("kind").lower()](**fields)  # type: ignore[no-any-return]
    if "identity" in p:
        return Identity(p["identity"], p["issuer"])
    return None


def _target(entry: dict[str, Any], check: dict[str, Any], tmp: Path) -> tuple[Path, str | None]:
    """The artifact path, and the digest to pass when its bytes are not here."""
    p, attests = check["policy"], entry.get("attests") or {}
    name = p.get("dist_name") or attests["name"]
    sha = p.get("dist_sha256") or attests["sha256"]
    if sha in FILES:
        shutil.copy(FILES[sha], tmp / name)
        return tmp / name, None
    return tmp / name, sha


def _want(entry: dict[str, Any], i: int, check: dict[str, Any]) -> str:
    return "pass" if check["expected"] == "pass" else str(EXPECTED[f"{entry['file']}#{i}"])


@pytest.mark.parametrize(("entry", "i", "check"), CHECKS, ids=IDS)
def test_python_api(entry: dict[str, Any], i: int, check: dict[str, Any], tmp_path: Path) -> None:
    policy = _policy(check["policy"])
    root = TrustedRoot.staging() if check["policy"].get("trust_root") == "staging" else None
    artifact, sha = _target(entry, check, tmp_path)
    if policy is None:
        # The API cannot be called without a policy (it is a required argument);
        # test_cli runs this check: no policy flag is a usage error there.
        assert _want(entry, i, check) == "UsageError"
        return
    try:
        verify_wheel(artifact, PEP740 / entry["file"], policy=policy, trusted_root=root, sha256=sha)
        got = "pass"
    except errors.Error as err:
        got = type(err).__name__
    assert got == _want(entry, i, check)


def _policy_flags(p: dict[str, Any]) -> list[str]:
    if p.get("identity"):
        return ["--cert-identity", p["identity"], "--cert-oidc-issuer", p["issuer"]]
    pub = p.get("publisher") or {}
    flags = {
        "repository": "--repository",
        "workflow": "--workflow",
        "environment": "--environment",
        "workflow_filepath": "--workflow-filepath",
        "email": "--google-email",
        "project_id": "--circleci-project",
        "pipeline_definition_id": "--circleci-pipeline",
        "vcs_origin": "--circleci-vcs-origin",
        "vcs_ref": "--circleci-vcs-ref",
    }
    out: list[str] = []
    for key, value in pub.items():
        if key == "kind" or value is None:
            continue
        if key == "repository" and pub["kind"].lower() == "gitlab":
            out += ["--gitlab-project", value]
        elif key in flags:
            out += [flags[key], value]
    return out


@pytest.mark.parametrize(("entry", "i", "check"), CHECKS, ids=IDS)
def test_cli(entry: dict[str, Any], i: int, check: dict[str, Any], tmp_path: Path) -> None:
    artifact, sha = _target(entry, check, tmp_path)
    argv = ["verify", str(artifact), "--attestation", str(PEP740 / entry["file"]), "--json"]
    argv += _policy_flags(check["policy"])
    if sha is not None:
        argv += ["--sha256", sha]
    if check["policy"].get("trust_root") == "staging":
        argv.append("--staging")
    out = io.StringIO()
    code = main(argv, out=out, errout=io.StringIO())
    doc = json.loads(out.getvalue())
    want = _want(entry, i, check)
    got = "pass" if doc["ok"] else doc["error"]["kind"]
    assert (got, code) == (want, 0 if want == "pass" else getattr(errors, want).exit_code)


def test_every_non_certificate_check_runs() -> None:
    # 66 checks, 6 of them on bare certificates (.pem)
    assert len(CHECKS) == 60
