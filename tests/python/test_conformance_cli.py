# SPDX-License-Identifier: Apache-2.0
"""sigstore-conformance half A driven through ``pip-verify verify-bundle``
exactly as the conformance harness does (same argv, both forms)."""

from __future__ import annotations

import io

import pytest
from conftest import ASSETS, load_json
from slsa_verify._cli import main

CONF = ASSETS / "conformance"
CASES = load_json(CONF / "cases.json")["cases"]
EXPECTED = load_json(CONF / "expected-errors.json")


@pytest.mark.parametrize("form", ["harness_argv_path", "harness_argv_digest"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, object], form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CONF)
    out, err = io.StringIO(), io.StringIO()
    argv = case[form]
    assert isinstance(argv, list)
    code = main(argv, out=out, errout=err)
    kind = EXPECTED.get(case["name"])
    if kind is None:
        assert code == 0, err.getvalue()
        assert out.getvalue().startswith("OK  ")
    else:
        assert code != 0
        assert err.getvalue().startswith(f"FAILED  {kind}:"), err.getvalue()
        assert code == (2 if kind == "UsageError" else 1)
