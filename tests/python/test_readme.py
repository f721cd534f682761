# SPDX-License-Identifier: Apache-2.0
"""The README's Quickstart verification runs as written and prints what it shows."""

from __future__ import annotations

import io
import shlex
from pathlib import Path

from slsa_verify._cli import main

ROOT = Path(__file__).resolve().parent.parent.parent


def test_quickstart_command_prints_the_documented_output(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quickstart", 1)[1].split("## ", 1)[0]
    line = next(x for x in quick.splitlines() if x.startswith("python3 -m pip install . && "))
    command = shlex.split(line.split(" && ", 1)[1])
    assert command[0] == "pip-verify"
    documented = quick.split("prints what it proved:\n\n```\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    assert main(command[1:], out=out) == 0
    assert out.getvalue() == documented
