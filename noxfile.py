# SPDX-License-Identifier: Apache-2.0
"""The only task runner: CI calls these sessions and nothing else."""

from __future__ import annotations

import hashlib
import json
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


def _develop(session: nox.Session, *features: str) -> None:
    """Build the extension (dev profile: fast to build) into the session venv."""
    args = ["maturin", "develop", "--quiet"]
    if features:
        args += ["--features", ",".join(("python", *features))]
    session.run(*args, env={"CARGO_TERM_COLOR": "never"})


@nox.session
def tests(session: nox.Session) -> None:
    """cargo test (no Python), then pytest against the built extension."""
    # uv: test_serve.py installs through `pip-verify serve` with it as well as with pip;
    # cryptography: test_legacy_positive.py builds its own CA, CT log and Rekor log.
    session.install(*PYTHON_TOOLS, "uv==0.13.9", "cryptography==50.0.2")
    session.run("cargo", "test", "--locked", "--features", "online", external=True)
    _develop(session)
    session.run("pytest", "-q", *session.posargs)


# Exact pins: a new release of any of them cannot change or break the documentation build.
DOCS_TOOLS = [
    "mkdocs==1.6.1",
    "mkdocs-material==9.8.2",
    "mkdocstrings[python]==1.0.8",
    "mkdocstrings-python==2.0.11",
]


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation into site/: the CLI page must match the parser; warnings fail.

    Offline: no plugin fetches anything (no social cards, no privacy plugin, system fonts).
    """
    session.install(*PYTHON_TOOLS, *DOCS_TOOLS)
    _develop(session)
    session.run("python", "docs/gen_cli.py", "--check")
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--clean",
        "--site-dir",
        "site",
        env={"NO_MKDOCS_2_WARNING": "1"},  # mkdocs-material's end-of-life banner, not a warning
    )


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
    session.run("ruff", "check", "python", "tests", "benchmarks", "docs/gen_cli.py", "noxfile.py")
    session.run(
        "ruff",
        "format",
        "--check",
        "python",
        "tests",
        "benchmarks",
        "docs/gen_cli.py",
        "noxfile.py",
    )
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


# The release toolchain (rust, maturin, ziglang), defined only there; release.yml reads it too.
BUILD_TOOLS_FILE = Path(".github") / "build-tools.toml"
BUILD_TOOL_LINE = re.compile(
    r'(?P<name>rust|maturin|ziglang) = "(?P<version>[0-9]+\.[0-9]+\.[0-9]+)"'
)


def _build_tools() -> dict[str, str]:
    """{tool: version} from BUILD_TOOLS_FILE: `name = "X.Y.Z"` lines, comments, nothing else."""
    tools: dict[str, str] = {}
    for number, line in enumerate(BUILD_TOOLS_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = BUILD_TOOL_LINE.fullmatch(line)
        if not match or match["name"] in tools:
            raise ValueError(f"{BUILD_TOOLS_FILE}:{number}: not a tool = X.Y.Z line: {line!r}")
        tools[match["name"]] = match["version"]
    if set(tools) != {"rust", "maturin", "ziglang"}:
        raise ValueError(
            f"{BUILD_TOOLS_FILE}: needs rust, maturin and ziglang, has {sorted(tools)}"
        )
    return tools


def _in_ci() -> bool:
    """GitHub Actions (and most CI systems) set CI=true."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false"}


def _rust_env(session: nox.Session, rust: str) -> dict[str, str]:
    """RUSTUP_TOOLCHAIN=<rust> if rustup already has that toolchain (it is never downloaded)."""
    if "RUSTUP_TOOLCHAIN" in os.environ or not shutil.which("rustup"):
        return {}
    listed = session.run("rustup", "toolchain", "list", external=True, silent=True)
    names = [line.split()[0] for line in str(listed).splitlines() if line.strip()]
    return {"RUSTUP_TOOLCHAIN": rust} if any(n.startswith(f"{rust}-") for n in names) else {}


def _check_toolchain(session: nox.Session, tools: dict[str, str], env: dict[str, str]) -> dict:
    """The versions this build uses; a Rust other than the release's warns, or fails in CI."""
    rustc = str(session.run("rustc", "--version", env=env, external=True, silent=True)).strip()
    maturin = str(session.run("maturin", "--version", silent=True)).strip()
    zig = "import importlib.metadata as m; print(m.version('ziglang'))"
    ziglang = str(session.run("python", "-c", zig, silent=True)).strip()
    if maturin != f"maturin {tools['maturin']}" or ziglang != tools["ziglang"]:
        session.error(f"{maturin}, ziglang {ziglang}: not the pins of {BUILD_TOOLS_FILE}")
    matches = rustc.startswith(f"rustc {tools['rust']} ")
    if not matches:
        message = (
            f"{rustc} is not the release's Rust {tools['rust']} ({BUILD_TOOLS_FILE}): these "
            f"wheels cannot be byte-identical to the released ones; `rustup toolchain install "
            f"{tools['rust']}` and nox uses it"
        )
        if _in_ci():
            session.error(message)
        session.warn(message)
    return {
        "rustc": rustc,
        "maturin": maturin,
        "ziglang": ziglang,
        "release_toolchain": tools,
        "matches_release_toolchain": matches,
    }


# Every build clones into this same path: maturin's SBOM records the source directory
# (`path+file://…`), so a wheel is reproducible only together with its build path.
BUILD_SRC = Path(tempfile.gettempdir()) / "slsa-verify-rs-build" / "src"


def _build_clean(
    session: nox.Session, workdir: Path, commit: str, epoch: str, rust_env: dict[str, str]
) -> Path:
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
        **rust_env,
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

    The toolchain is the release's (.github/build-tools.toml): pinned maturin and zig, and the
    pinned Rust if rustup has it; another Rust warns, or fails when CI is set. dist/BUILD-INFO.json
    records the versions used. `nox -s build -- check` builds twice, each from a fresh clone in
    the same directory with the same emptied CARGO_TARGET_DIR, and fails unless the two wheels
    are byte-identical (RELEASING.md, reproducible builds).
    """
    tools = _build_tools()
    session.install(f"maturin=={tools['maturin']}", f"ziglang=={tools['ziglang']}")
    rust_env = _rust_env(session, tools["rust"])
    info = _check_toolchain(session, tools, rust_env)
    if session.run("git", "status", "--porcelain", external=True, silent=True).strip():
        session.warn("the work tree has uncommitted changes: building the last commit only")
    runs = 2 if "check" in session.posargs else 1
    commit = session.run("git", "rev-parse", "HEAD", external=True, silent=True).strip()
    epoch = session.run("git", "log", "-1", "--format=%ct", commit, external=True, silent=True)
    with tempfile.TemporaryDirectory(prefix="slsa-verify-build-") as tmp:
        built, wheels, sdists = [], [], []
        for n in range(1, runs + 1):
            start = time.monotonic()
            out = _build_clean(session, Path(tmp) / f"build-{n}", commit, epoch.strip(), rust_env)
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
    info = {"commit": commit, "source_date_epoch": epoch.strip(), **info}
    info["files"] = {path.name: _sha256(path) for path in sorted(Path("dist").iterdir())}
    Path("dist", "BUILD-INFO.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    session.log(f"toolchain: {info['rustc']}, {info['maturin']}, ziglang {info['ziglang']}")


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
    # the install row (issue 15): pip-verify install / serve against plain pip and uv
    session.install("uv")
    session.run("python", "benchmarks/install_bench.py")


TRUST_REFRESH = """
import hashlib, shutil, sys
from pathlib import Path
import slsa_verify
from slsa_verify import _core
cache = Path(sys.argv[1])
doc = slsa_verify.refresh_trust(None, cache)
tuf = cache / "tuf" / "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
out = Path("src/trust")
for name in ("root.json", "timestamp.json", "snapshot.json", "targets.json"):
    shutil.copyfile(tuf / name, out / name)
embedded = _core.TrustedRoot.current(cache / "none").export_json()
fresh = (tuf / "targets" / "trusted_root.json").read_bytes()
root_v, ts_v = doc["root"]["version"], doc["timestamp"]["version"]
print(f"refreshed src/trust/: root v{root_v}, timestamp v{ts_v}")
if hashlib.sha256(fresh).digest() != hashlib.sha256(embedded or b"").digest():
    sys.exit("TUF now authorises another trusted_root.json than the embedded one: bump "
             "sigstore-trust-root so that the vendored set authorises the embedded root")
"""


@nox.session(default=False, name="trust-refresh")
def trust_refresh(session: nox.Session) -> None:
    """Network: refresh src/trust/ (the vendored TUF set) through our own TUF client.

    Fails on any TUF error, or when TUF authorises a trusted_root.json other than
    the embedded one. By hand and in the release workflow; never in .ci/run.
    """
    session.install(*PYTHON_TOOLS)
    _develop(session)
    with tempfile.TemporaryDirectory() as tmp:
        session.run("python", "-c", TRUST_REFRESH, tmp)
    session.log("rebuild and run `cargo test --features online --test tuf` to re-verify the set")


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
    "zip",
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
