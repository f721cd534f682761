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
