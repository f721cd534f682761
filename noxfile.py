# SPDX-License-Identifier: Apache-2.0
"""The only task runner: CI calls these sessions and nothing else."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

PYTHON_TOOLS = ["maturin>=1.16,<2", "pytest>=8"]
BUILD_TOOLS = ["maturin>=1.16,<2", "ziglang==0.17.1"]


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
    session.run("cargo", "test", "--locked", "--features", "online", external=True)
    _develop(session)
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """rustfmt, clippy -D warnings, ruff, the boundary rule, zizmor on the workflows."""
    session.install("ruff==0.17.6", "zizmor==1.32.0")
    session.run("cargo", "fmt", "--check", external=True)
    session.run(
        "cargo",
        "clippy",
        "--locked",
        "--all-targets",
        "--features",
        "python,online",
        "--",
        "-D",
        "warnings",
        external=True,
    )
    session.run("ruff", "check", "python", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "python", "tests", "benchmarks", "noxfile.py")
    # GitHub Actions audit; --offline: no GitHub access here, so online audits are skipped.
    session.run("zizmor", "--offline", "--no-progress", ".github")
    boundary(session)


# A use of a sigstore crate in code (`use sigstore_x`, `sigstore_x::path`), not a mention in prose.
SIGSTORE_CRATE = re.compile(r"\buse\s+sigstore_\w+|\bsigstore_\w+::")


def boundary(session: nox.Session) -> None:
    """pyo3 only in src/python/, sigstore_ only in src/adapter/ (house style)."""
    bad = []
    for root, _, files in os.walk("src"):
        for name in files:
            path = os.path.join(root, name)
            text = open(path, encoding="utf-8").read()
            if "pyo3" in text and not path.startswith(os.path.join("src", "python")):
                bad.append(f"{path}: names pyo3")
            if SIGSTORE_CRATE.search(text) and not path.startswith(os.path.join("src", "adapter")):
                bad.append(f"{path}: names a sigstore_ crate")
    if bad:
        session.error("boundary rule broken:\n" + "\n".join(bad))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Every build clones into this same path: maturin's SBOM records the source directory
# (`path+file://…`), so a wheel is reproducible only together with its build path.
BUILD_SRC = Path(tempfile.gettempdir()) / "slsa-verify-rs-build" / "src"


def _build_clean(session: nox.Session, workdir: Path, commit: str, epoch: str) -> Path:
    """Build `commit` from a fresh clone with an empty CARGO_TARGET_DIR; return the dist dir.

    A clone of the commit, not the work tree, is built: uncommitted edits never reach a release
    file, and SOURCE_DATE_EPOCH (the commit's time) dates exactly what is built. On Linux the
    wheel is manylinux2014 via zig, so the host glibc does not leak into the tag.
    """
    src, out, target = BUILD_SRC, workdir / "dist", BUILD_SRC.parent / "target"
    # The target path is fixed too, and emptied: C code built by aws-lc-sys may record paths.
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    session.run("git", "clone", "--quiet", "--no-checkout", ".", str(src), external=True)
    session.run("git", "-C", str(src), "checkout", "--quiet", "--detach", commit, external=True)
    env = {
        "SOURCE_DATE_EPOCH": epoch,
        "CARGO_TARGET_DIR": str(target),
        "CARGO_TERM_COLOR": "never",
    }
    wheel = ["maturin", "build", "--release", "--out", str(out), "-m", str(src / "Cargo.toml")]
    if sys.platform.startswith("linux"):
        wheel += ["--zig", "--compatibility", "manylinux2014"]
    session.log(f"building {commit[:12]} in {src}, SOURCE_DATE_EPOCH={epoch}, target {target}")
    session.run(*wheel, env=env)
    session.run("maturin", "sdist", "--out", str(out), "-m", str(src / "Cargo.toml"), env=env)
    shutil.rmtree(src)
    shutil.rmtree(target)
    return out


def _to_dist(session: nox.Session, built: Path) -> None:
    """Replace ./dist with the built files and print their sha256 (the release notes list)."""
    shutil.rmtree("dist", ignore_errors=True)
    shutil.copytree(built, "dist")
    for path in sorted(Path("dist").iterdir()):
        session.log(f"{_sha256(path)}  {path}")


@nox.session(default=False)
def build(session: nox.Session) -> None:
    """Release files in dist/: abi3 wheel (manylinux2014 on Linux) and sdist, built from clean.

    `nox -s build -- check` builds twice, each from its own clone and CARGO_TARGET_DIR, and
    fails unless the two wheels are byte-identical (RELEASING.md, reproducible builds).
    """
    session.install(*BUILD_TOOLS)
    if session.run("git", "status", "--porcelain", external=True, silent=True).strip():
        session.warn("the work tree has uncommitted changes: building the last commit only")
    runs = 2 if "check" in session.posargs else 1
    commit = session.run("git", "rev-parse", "HEAD", external=True, silent=True).strip()
    epoch = session.run("git", "log", "-1", "--format=%ct", commit, external=True, silent=True)
    with tempfile.TemporaryDirectory(prefix="slsa-verify-build-") as tmp:
        built, wheels, sdists = [], [], []
        for n in range(1, runs + 1):
            start = time.monotonic()
            out = _build_clean(session, Path(tmp) / f"build-{n}", commit, epoch.strip())
            took = time.monotonic() - start
            (wheel,) = out.glob("*.whl")
            (sdist,) = out.glob("*.tar.gz")
            wheels.append(_sha256(wheel))
            sdists.append(_sha256(sdist))
            built.append(out)
            session.log(f"build {n}: sha256 {wheels[-1]}  {wheel.name}  ({took:.0f} s)")
            session.log(f"build {n}: sha256 {sdists[-1]}  {sdist.name}")
        if len(set(wheels)) != 1:
            session.error(f"wheels differ between clean builds: {wheels[0]} != {wheels[1]}")
        if len(set(sdists)) != 1:
            session.warn(
                "the sdists differ between clean builds (only wheels are required to match)"
            )
        if runs == 2:
            session.log(f"reproducible: both clean builds gave sha256 {wheels[0]}")
        _to_dist(session, built[0])


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict and stubtest of the extension's stub."""
    session.install(*PYTHON_TOOLS, "mypy==2.4.1", "nox")
    _develop(session)
    session.run("mypy", "--strict", "python/slsa_verify")
    session.run("python", "-m", "mypy.stubtest", "slsa_verify._core")


# Release builds get their own target dir: cargo's lock on target/ would
# otherwise stall a dev build running at the same time.
BENCH_TARGET_DIR = os.environ.get("BENCH_CARGO_TARGET_DIR", "/tmp/target-bench")  # noqa: S108


@nox.session
def bench(session: nox.Session) -> None:
    """Release timings against pypi-attestations and the signature floor; reports only."""
    session.install("maturin>=1.16,<2", "pypi-attestations==0.0.30")
    env = {"CARGO_TARGET_DIR": BENCH_TARGET_DIR, "CARGO_TERM_COLOR": "never"}
    tmp = session.create_tmp()
    # A wheel, not `maturin develop`: an editable install writes the release
    # .so into python/slsa_verify/, which every dev venv imports too.
    wheels = os.path.join(tmp, "wheels")
    os.makedirs(wheels, exist_ok=True)
    for old in os.listdir(wheels):
        os.remove(os.path.join(wheels, old))
    session.run("maturin", "build", "--release", "--quiet", "--out", wheels, env=env)
    built = [os.path.join(wheels, name) for name in os.listdir(wheels)]
    session.install("--force-reinstall", "--no-deps", *built)
    floors = []
    for backend, features in (
        ("ring", ["--no-default-features", "--features", "ring-backend"]),
        ("aws-lc", []),
    ):
        out = os.path.join(tmp, f"floor-{backend}.json")
        if os.path.exists(out):
            os.remove(out)
        try:
            session.run(
                "cargo",
                "bench",
                "--locked",
                "--bench",
                "floor",
                *features,
                env={**env, "SLSA_VERIFY_FLOOR_JSON": out},
                external=True,
            )
        except nox.command.CommandFailed:
            session.warn(f"floor {backend}: skipped, cargo bench failed (its error is above)")
            continue
        floors += ["--floor", out]
    session.run("python", "benchmarks/bench.py", *floors, *session.posargs)


FUZZ_TARGETS = [
    "verify_bundle",
    "attestation",
    "bundle",
    "json",
    "index_page",
    "slsa",
    "checkpoint",
    "trust_root",
    "dist",
]
FUZZ_STAT = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
FUZZ_COV = re.compile(r"cov: (\d+) ft: (\d+)")


@nox.session(default=False)
def fuzz(session: nox.Session) -> None:
    """cargo-fuzz: each target for SECONDS (default 60); fails on any crash, panic, timeout, OOM.

    Needs `cargo install cargo-fuzz` and a nightly toolchain. Seeds come from tests/assets
    (fuzz/seed.py); corpora, crashes and logs stay in fuzz/ (git-ignored).
    """
    if session.posargs and not session.posargs[0].isdigit():
        session.error("usage: nox -s fuzz -- [SECONDS [TARGET ...]]")
    seconds = int(session.posargs[0]) if session.posargs else 60
    targets = session.posargs[1:] or FUZZ_TARGETS
    fuzz_dir = Path("fuzz").resolve()
    session.run(sys.executable, str(fuzz_dir / "seed.py"), *targets, external=True)
    # No sanitizer: the core forbids unsafe code; what we hunt is panics, hangs and
    # memory blow-ups, and ASan would halve the executions.
    session.run("cargo", "+nightly", "fuzz", "build", "-s", "none", external=True)
    binaries = fuzz_dir / "target" / "x86_64-unknown-linux-gnu" / "release"
    failed = []
    for target in targets:
        artifacts = fuzz_dir / "artifacts" / target
        artifacts.mkdir(parents=True, exist_ok=True)
        log = fuzz_dir / "artifacts" / f"{target}.log"
        session.log(f"fuzzing {target} for {seconds} s (log: {log})")
        with log.open("w") as out:
            rc = subprocess.call(
                [
                    str(binaries / target),
                    str(fuzz_dir / "corpus" / target),
                    f"-dict={fuzz_dir / 'sigstore.dict'}",
                    f"-max_total_time={seconds}",
                    "-rss_limit_mb=2048",
                    "-timeout=10",
                    f"-artifact_prefix={artifacts}/",
                    "-print_final_stats=1",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        text = log.read_text(errors="replace")
        execs = FUZZ_STAT.findall(text)
        cov = FUZZ_COV.findall(text)
        crashes = sorted(p.name for p in artifacts.iterdir())
        summary = (
            f"{target}: {execs[-1] if execs else '?'} executions, "
            f"cov {cov[-1][0] if cov else '?'} ft {cov[-1][1] if cov else '?'}, exit {rc}"
        )
        session.log(summary)
        if rc != 0 or crashes:
            failed.append(f"{summary}; artifacts: {crashes}; see {log}")
    if failed:
        session.error("fuzzing found problems:\n" + "\n".join(failed))
