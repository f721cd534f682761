# SPDX-License-Identifier: Apache-2.0
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

ASSETS = Path(__file__).resolve().parent.parent / "assets"


@pytest.fixture
def assets() -> Path:
    return ASSETS


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Counts per mutant family of test_mutations.py, when it ran."""
    mutate = sys.modules.get("_mutate")
    if mutate is not None and mutate.SUMMARY:
        terminalreporter.section("mutation suite")
        for line in mutate.SUMMARY:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _private_trust_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read or write the user's real TUF cache."""
    monkeypatch.setenv("SLSA_VERIFY_CACHE_DIR", str(tmp_path / "slsa-verify-cache"))
    # Online commands refresh trust daily: never from the internet in tests (a
    # closed loopback port: the refresh fails at once, warns, and goes on).
    monkeypatch.setenv("SLSA_VERIFY_TUF_URL", "http://127.0.0.1:9")
