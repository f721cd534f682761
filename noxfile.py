# SPDX-License-Identifier: Apache-2.0
"""The only task runner: CI calls these sessions and nothing else."""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

PYTHON_TOOLS = ["maturin>=1.16,<2", "pytest>=8"]


def _develop(session: nox.Session, *features: str) -> None:
    """Build the extension (dev profile: fast to build) into the session venv."""
    args = ["maturin", "develop", "--quiet"]
    if features:
        args += ["--features", ",".join(("python", *features))]
    session.run(*args, env={"CARGO_TERM_COLOR": "never"})


@nox.session
def tests(session: nox.Session) -> None:
    """cargo test (no Python), then pytest against the built extension."""
    session.install(*PYTHON_TOOLS)
    session.run("cargo", "test", "--locked", external=True)
    _develop(session)
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """rustfmt, clippy -D warnings, ruff, and the boundary rule."""
    session.install("ruff==0.17.6")
    session.run("cargo", "fmt", "--check", external=True)
    session.run(
        "cargo",
        "clippy",
        "--locked",
        "--all-targets",
        "--features",
        "python",
        "--",
        "-D",
        "warnings",
        external=True,
    )
    session.run("ruff", "check", "python", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "python", "tests", "noxfile.py")
    boundary(session)


def boundary(session: nox.Session) -> None:
    """pyo3 only in src/python/, sigstore_ only in src/adapter/ (house style)."""
    bad = []
    for root, _, files in os.walk("src"):
        for name in files:
            path = os.path.join(root, name)
            text = open(path, encoding="utf-8").read()
            if "pyo3" in text and not path.startswith(os.path.join("src", "python")):
                bad.append(f"{path}: names pyo3")
            if "sigstore_" in text and not path.startswith(os.path.join("src", "adapter")):
                bad.append(f"{path}: names a sigstore_ crate")
    if bad:
        session.error("boundary rule broken:\n" + "\n".join(bad))


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict and stubtest of the extension's stub."""
    session.install(*PYTHON_TOOLS, "mypy==2.4.1", "nox")
    _develop(session)
    session.run("mypy", "--strict", "python/slsa_verify")
    session.run("python", "-m", "mypy.stubtest", "slsa_verify._core")
