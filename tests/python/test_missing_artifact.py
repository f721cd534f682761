# SPDX-License-Identifier: Apache-2.0
"""A missing or unreadable artifact is a usage error naming the path (exit 2).

Before the fix, `pip-verify verify missing.whl …` looked for sidecar files first and reported
`NoAttestations` (exit 3), which sends the user looking for an attestation instead of a typo.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from slsa_verify import GitHubPublisher, errors, verify_many, verify_wheel
from slsa_verify._cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
WHEEL = ROOT / "examples" / "abi3info-2024.10.8-py3-none-any.whl"
POLICY = ["--repository", "woodruffw/abi3info", "--workflow", "release.yml"]
PUBLISHER = GitHubPublisher(repository="woodruffw/abi3info", workflow="release.yml")


def test_api_missing_artifact_is_a_usage_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing-1.0-py3-none-any.whl"
    with pytest.raises(errors.UsageError) as caught:
        verify_wheel(missing, policy=PUBLISHER)
    assert type(caught.value) is errors.UsageError
    assert str(missing) in caught.value.detail
    assert caught.value.code == "usage_error"
    assert caught.value.exit_code == 2
    assert caught.value.step == "1.1"


def test_api_missing_artifact_next_to_a_sidecar_is_still_a_usage_error(tmp_path: Path) -> None:
    # A provenance file is there, the wheel is not: the wheel's absence is what is reported.
    name = WHEEL.name
    shutil.copy(ROOT / "examples" / f"{name}.provenance", tmp_path / f"{name}.provenance")
    with pytest.raises(errors.UsageError) as caught:
        verify_wheel(tmp_path / name, policy=PUBLISHER)
    assert str(tmp_path / name) in caught.value.detail


def test_api_verify_many_reports_the_missing_item_only(tmp_path: Path) -> None:
    missing = tmp_path / "missing-1.0-py3-none-any.whl"
    results = verify_many([(missing, None, PUBLISHER), (WHEEL, None, PUBLISHER)], jobs=2)
    assert type(results[0]) is errors.UsageError
    assert str(missing) in results[0].detail
    assert not isinstance(results[1], Exception)
    assert results[1].artifact_name == WHEEL.name


def test_api_directory_as_artifact_is_a_usage_error(tmp_path: Path) -> None:
    folder = tmp_path / "notafile-1.0-py3-none-any.whl"
    folder.mkdir()
    with pytest.raises(errors.UsageError) as caught:
        verify_wheel(folder, policy=PUBLISHER)
    assert str(folder) in caught.value.detail


def test_cli_missing_artifact_exits_2_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.whl"
    out, err = io.StringIO(), io.StringIO()
    assert main(["verify", str(missing), *POLICY], out=out, errout=err) == 2
    text = err.getvalue()
    assert text.startswith("FAILED  UsageError: ")
    assert str(missing) in text
    assert "NoAttestations" not in text
    assert "step 1.1: " in text
    assert out.getvalue() == ""


def test_cli_missing_artifact_json(tmp_path: Path) -> None:
    missing = tmp_path / "missing.whl"
    out = io.StringIO()
    assert main(["verify", str(missing), *POLICY, "--json"], out=out, errout=io.StringIO()) == 2
    doc = json.loads(out.getvalue())
    assert doc["ok"] is False
    assert doc["error"]["kind"] == "UsageError"
    assert doc["error"]["code"] == "usage_error"
    assert str(missing) in doc["error"]["detail"]


def test_cli_one_missing_among_several(tmp_path: Path) -> None:
    missing = tmp_path / "missing.whl"
    err = io.StringIO()
    code = main(["verify", str(WHEEL), str(missing), *POLICY], out=io.StringIO(), errout=err)
    assert code == 2
    assert f"{missing}: UsageError: " in err.getvalue()
    assert "1 of 2 verified" in err.getvalue()


@pytest.mark.skipif(
    shutil.which("pip-verify", path=str(Path(sys.executable).parent)) is None,
    reason="console script not installed next to this interpreter",
)
def test_console_script_exit_status(tmp_path: Path) -> None:
    missing = tmp_path / "missing.whl"
    script = shutil.which("pip-verify", path=str(Path(sys.executable).parent))
    assert script is not None
    run = subprocess.run(
        [script, "verify", str(missing), *POLICY],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert run.returncode == 2, run.stderr
    assert str(missing) in run.stderr
    assert "Traceback" not in run.stderr


def test_module_entry_point_exit_status(tmp_path: Path) -> None:
    missing = tmp_path / "missing.whl"
    run = subprocess.run(
        [sys.executable, "-m", "slsa_verify", "verify", str(missing), *POLICY],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert str(missing) in run.stderr
