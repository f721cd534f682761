# SPDX-License-Identifier: Apache-2.0
"""Every check of tests/assets/slsa/manifest.json (slsa-verifier's own regression
data: slsa-github-generator provenance, BYOB builders, GitHub attestations and
bundle unit fixtures), through the Python API and through ``pip-verify``.

A failing check must raise the kind listed in expected-errors.json; files
without transparency evidence (offline_verifiable=false) must raise
OnlineLookupRequired whatever the policy, since offline they cannot pass.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ASSETS, load_json
from slsa_verify import Identity, SlsaSource, errors, verify_bundle, verify_wheel
from slsa_verify._cli import main

SLSA = ASSETS / "slsa"
MANIFEST = load_json(SLSA / "manifest.json")
EXPECTED = load_json(SLSA / "expected-errors.json")
ENTRIES = MANIFEST["entries"]


def _expected(entry: dict[str, Any], i: int, check: dict[str, Any]) -> str:
    """'pass' or the error kind this check must raise."""
    key = f"{entry['provenance']}#{i}"
    if key in EXPECTED["deviations"]:
        return str(EXPECTED["deviations"][key]["kind"])
    if not entry["offline_verifiable"]:
        return "OnlineLookupRequired"
    if check["expected"] == "pass":
        return "pass"
    return str(EXPECTED["fail"][key])


def _artifact(entry: dict[str, Any]) -> Path:
    # Five large artifacts of DSSE-only files were not copied (MANIFEST.md);
    # those files fail before the digest matters, so any file stands in.
    return SLSA / entry["artifact"] if entry.get("artifact") else SLSA / "MANIFEST.md"


def _api(entry: dict[str, Any], check: dict[str, Any]) -> str:
    p = check["policy"]
    try:
        if p:
            policy = SlsaSource(
                p["source_uri"],
                source_tag=p.get("source_tag"),
                source_branch=p.get("source_branch"),
                source_versioned_tag=p.get("source_versioned_tag"),
                builder_id=p.get("builder_id"),
            )
            verify_wheel(_artifact(entry), SLSA / entry["provenance"], policy=policy)
        else:
            # bundle unit fixtures: the Sigstore layer alone, for the signer's identity
            att = entry["attestations"][0]
            verify_bundle(
                "sha256:" + att["subjects"][0]["digest"],
                SLSA / entry["provenance"],
                policy=Identity(att["cert_san"], att["cert_issuer"]),
            )
    except errors.VerificationError as err:
        return type(err).__name__
    return "pass"


def _cli(entry: dict[str, Any], check: dict[str, Any]) -> tuple[str, int]:
    p = check["policy"]
    if p:
        argv = [
            "verify",
            str(_artifact(entry)),
            "--provenance-path",
            str(SLSA / entry["provenance"]),
        ]
        for key in (
            "source_uri",
            "source_tag",
            "source_branch",
            "source_versioned_tag",
            "builder_id",
        ):
            if p.get(key):
                argv += ["--" + key.replace("_", "-"), p[key]]
    else:
        att = entry["attestations"][0]
        argv = [
            "verify-bundle",
            "--bundle",
            str(SLSA / entry["provenance"]),
            "--certificate-identity",
            att["cert_san"],
            "--certificate-oidc-issuer",
            att["cert_issuer"],
            "sha256:" + att["subjects"][0]["digest"],
        ]
    out = io.StringIO()
    code = main([*argv, "--json"], out=out, errout=io.StringIO())
    doc = json.loads(out.getvalue())
    return ("pass" if doc["ok"] else doc["error"]["kind"]), code


def _checks(entry: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    # build_workflow_inputs is slsa-verifier's --build-workflow-input; it only
    # appears on DSSE-only files, which fail before any policy applies.
    return list(enumerate(entry["checks"]))


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["provenance"] for e in ENTRIES])
def test_python_api(entry: dict[str, Any]) -> None:
    wrong = [
        (i, check["why"], want, got)
        for i, check in _checks(entry)
        if (got := _api(entry, check)) != (want := _expected(entry, i, check))
    ]
    assert wrong == []


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["provenance"] for e in ENTRIES])
def test_cli(entry: dict[str, Any]) -> None:
    wrong = []
    for i, check in _checks(entry):
        want = _expected(entry, i, check)
        got, code = _cli(entry, check)
        want_code = 0 if want == "pass" else 1
        if (got, code) != (want, want_code):
            wrong.append((i, check["why"], want, got, code))
    assert wrong == []


def test_every_listed_kind_is_a_real_check() -> None:
    """The expectations file names only checks that exist, and only failing ones."""
    keys = {f"{e['provenance']}#{i}": c for e in ENTRIES for i, c in enumerate(e["checks"])}
    for key in EXPECTED["fail"]:
        assert keys[key]["expected"] == "fail", key
        assert issubclass(getattr(errors, EXPECTED["fail"][key]), errors.VerificationError)
    assert set(EXPECTED["deviations"]) <= set(keys)


def test_counts() -> None:
    """The suite covers the whole manifest: 513 offline checks and 76 online-only."""
    offline = sum(len(e["checks"]) for e in ENTRIES if e["offline_verifiable"])
    online = sum(len(e["checks"]) for e in ENTRIES if not e["offline_verifiable"])
    assert (offline, online) == (513, 76)
    assert len(EXPECTED["fail"]) == sum(
        1
        for e in ENTRIES
        if e["offline_verifiable"]
        for c in e["checks"]
        if c["expected"] == "fail"
    )
