# SPDX-License-Identifier: Apache-2.0
# ruff: noqa: INP001  (a script run by `nox -s bench`, not a package)
"""Release timings of slsa-verify-rs, side by side with pypi-attestations (issue 5).

Run by ``nox -s bench``, in a venv holding a release build of slsa-verify-rs and
pypi-attestations from PyPI. Reports only: a missed target is marked MISS, never
an error. Every figure is the median of N runs, with [min, max].

Both sides verify the same files offline: the real PEP 740 attestation of
``pypi_attestations-0.0.19.tar.gz`` (GitHub publisher trailofbits/pypi-attestations,
release.yml, production root) and the PyPI provenance of
``abi3info-2024.10.8-py3-none-any.whl`` (woodruffw/abi3info, release.yml).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pypi_attestations as pa
import slsa_verify
from slsa_verify import errors

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "tests" / "assets" / "pep740" / "pypi-attestations"
SDIST = ASSETS / "pypi_attestations-0.0.19.tar.gz"
SDIST_ATT = ASSETS / "pypi_attestations-0.0.19.tar.gz.publish.attestation"
REPO, WORKFLOW = "trailofbits/pypi-attestations", "release.yml"
# The certificate SAN (tests/assets/pep740/manifest.json): what the peer's CLI checks.
SAN = f"https://github.com/{REPO}/.github/workflows/{WORKFLOW}@refs/tags/v0.0.19"
WHEEL = ROOT / "examples" / "abi3info-2024.10.8-py3-none-any.whl"
WHEEL_PROV = ROOT / "examples" / "abi3info-2024.10.8-py3-none-any.whl.provenance"
WHEEL_REPO = "woodruffw/abi3info"

GIB = 1 << 30
MIB = 1 << 20
BIN = Path(sys.executable).parent


@dataclasses.dataclass(frozen=True)
class Stats:
    """Median, min and max of a list of samples (seconds, or any unit)."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        """Summarise ``samples``."""
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))

    def ms(self) -> str:
        """``1.23 ms [1.10, 1.50]`` for samples in seconds."""
        return f"{self.median * 1e3:.3f} ms [{self.low * 1e3:.3f}, {self.high * 1e3:.3f}]"


@dataclasses.dataclass(frozen=True)
class Row:
    """One line of the summary table."""

    figure: str
    ours: str
    peer: str
    ratio: str
    target: str
    ok: bool | None  # None: reported only

    def cells(self) -> tuple[str, ...]:
        """The printed cells; the last is PASS, MISS, or a dash for report-only figures."""
        result = "-" if self.ok is None else ("PASS" if self.ok else "MISS")
        return (self.figure, self.ours, self.peer, self.ratio, self.target, result)


ROWS: list[Row] = []


def row(*cells: str, ok: bool | None) -> None:
    """Add a summary line: figure, ours, peer, ratio, target (``ok`` None: no target)."""
    figure, ours, peer, ratio, target = cells
    ROWS.append(Row(figure, ours, peer, ratio, target, ok))


def timed(call: Callable[[], object], n: int, warmup: int = 3) -> Stats:
    """Wall time of ``n`` calls of ``call`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return Stats.of(samples)


def timed_pair(
    ours: Callable[[], object], peer: Callable[[], object], n: int, warmup: int = 3
) -> tuple[Stats, Stats]:
    """Like :func:`timed` for two calls, alternated so that both see the same load."""
    for _ in range(warmup):
        ours()
        peer()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for call, out in ((ours, samples[0]), (peer, samples[1])):
            start = time.perf_counter()
            call()
            out.append(time.perf_counter() - start)
    return Stats.of(samples[0]), Stats.of(samples[1])


def run(argv: Sequence[str], *, cwd: Path | None = None, expect: int = 0) -> tuple[float, str]:
    """Run a command; return its wall time and stderr. A wrong exit code is fatal."""
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603 (our own argv)
    elapsed = time.perf_counter() - start
    if proc.returncode != expect:
        sys.exit(
            f"bench: {' '.join(argv)} exited {proc.returncode}, expected {expect}\n"
            f"{proc.stdout}{proc.stderr}"
        )
    return elapsed, proc.stderr


def run_timed(argv: Sequence[str], n: int, *, cwd: Path | None = None, expect: int = 0) -> Stats:
    """Wall time of ``n`` runs of a command after one untimed run."""
    run(argv, cwd=cwd, expect=expect)
    return Stats.of([run(argv, cwd=cwd, expect=expect)[0] for _ in range(n)])


def peak_rss(argv: Sequence[str], expect: int, says: str) -> int:
    """Peak resident set (bytes) of a console script run in a fresh interpreter.

    The child reports its own ``VmHWM`` at exit: ``ru_maxrss`` from ``wait4`` would
    include this (large) parent's resident set, which a forked child inherits.
    """
    _, err = run([sys.executable, "-c", RSS_WRAPPER, *argv], expect=expect)
    if says not in err:
        sys.exit(f"bench: {' '.join(argv)} did not report {says!r}:\n{err}")
    kib = [line.split()[1] for line in err.splitlines() if line.startswith("VMHWM_KB ")]
    return int(kib[-1]) * 1024


RSS_WRAPPER = """
import atexit, runpy, sys
def hwm():
    with open("/proc/self/status") as f:
        kib = [line.split()[1] for line in f if line.startswith("VmHWM:")]
    sys.stderr.write("\\nVMHWM_KB %s\\n" % kib[0])
atexit.register(hwm)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


# --- the two sides -------------------------------------------------------------------


def ours_sdist() -> slsa_verify.Verification:
    """Our in-process verification of the pypi-attestations sdist."""
    return slsa_verify.verify_wheel(
        SDIST, SDIST_ATT, policy=slsa_verify.GitHubPublisher(REPO, WORKFLOW)
    )


def peer_sdist(publisher: str = REPO) -> None:
    """pypi-attestations doing the same work: read both files, parse, hash, verify."""
    att = pa.Attestation.model_validate_json(SDIST_ATT.read_bytes())
    dist = pa.Distribution.from_file(SDIST)
    att.verify(pa.GitHubPublisher(repository=publisher, workflow=WORKFLOW), dist, offline=True)


def ours_wheel() -> slsa_verify.Verification:
    """Our in-process verification of the abi3info wheel and its provenance."""
    return slsa_verify.verify_wheel(
        WHEEL, WHEEL_PROV, policy=slsa_verify.GitHubPublisher(WHEEL_REPO, WORKFLOW)
    )


def peer_wheel() -> None:
    """pypi-attestations verifying every attestation of the abi3info provenance."""
    prov = pa.Provenance.model_validate_json(WHEEL_PROV.read_bytes())
    dist = pa.Distribution.from_file(WHEEL)
    publisher = pa.GitHubPublisher(repository=WHEEL_REPO, workflow=WORKFLOW)
    for bundle in prov.attestation_bundles:
        for att in bundle.attestations:
            att.verify(publisher, dist, offline=True)


def check_same_verdicts() -> None:
    """Both sides accept the right publisher and reject another repository."""
    ours_sdist()
    peer_sdist()
    ours_wheel()
    peer_wheel()
    try:
        slsa_verify.verify_wheel(
            SDIST, SDIST_ATT, policy=slsa_verify.GitHubPublisher("other/repo", WORKFLOW)
        )
        sys.exit("bench: slsa_verify accepted the wrong repository")
    except errors.VerificationError:
        pass
    try:
        peer_sdist("other/repo")
        sys.exit("bench: pypi-attestations accepted the wrong repository")
    except pa.VerificationError:
        pass


# --- the sections ----------------------------------------------------------------------


def in_process(n: int, floor_ms: float | None) -> float:
    """Section 1: per-call verification in one process. Returns the peer's median (s)."""
    print("\n== 1. in-process verification, offline, per call ==")
    check_same_verdicts()
    print("   (both sides accept the right publisher and reject other/repo)")
    print(f"{SDIST.name} + .publish.attestation, GitHubPublisher({REPO}, {WORKFLOW})")
    ours, peer = timed_pair(ours_sdist, peer_sdist, n)
    att = pa.Attestation.model_validate_json(SDIST_ATT.read_bytes())
    dist = pa.Distribution.from_file(SDIST)
    pub = pa.GitHubPublisher(repository=REPO, workflow=WORKFLOW)
    peer_verify = timed(lambda: att.verify(pub, dist, offline=True), n // 2)
    ratio = peer.median / ours.median
    print(f"  slsa_verify.verify_wheel                      {ours.ms()}  (n={ours.n})")
    print(f"  pypi-attestations parse+hash+verify           {peer.ms()}  (alternated)")
    print(f"  pypi-attestations Attestation.verify only     {peer_verify.ms()}")
    print(
        f"  pypi-attestations / slsa_verify               {ratio:.1f}x "
        f"(of the minima: {peer.low / ours.low:.1f}x)"
    )
    row(
        "in-process verify (sdist, PEP 740)",
        f"{ours.median * 1e3:.3f} ms",
        f"{peer.median * 1e3:.3f} ms",
        f"{ratio:.1f}x",
        ">=5x faster (aim 10x)",
        ok=ratio >= 5,
    )

    print(f"{WHEEL.name} + .provenance, GitHubPublisher({WHEEL_REPO}, {WORKFLOW})")
    ours_w, peer_w = timed_pair(ours_wheel, peer_wheel, n // 2)
    ratio_w = peer_w.median / ours_w.median
    print(f"  slsa_verify.verify_wheel                      {ours_w.ms()}")
    print(f"  pypi-attestations Provenance, every bundle    {peer_w.ms()}")
    print(
        f"  pypi-attestations / slsa_verify               {ratio_w:.1f}x "
        f"(of the minima: {peer_w.low / ours_w.low:.1f}x)"
    )
    row(
        "in-process verify (wheel, provenance)",
        f"{ours_w.median * 1e3:.3f} ms",
        f"{peer_w.median * 1e3:.3f} ms",
        f"{ratio_w:.1f}x",
        ">=5x faster (aim 10x)",
        ok=ratio_w >= 5,
    )
    if floor_ms is not None:
        over = ours.median * 1e3 / floor_ms
        print(
            f"  slsa_verify (sdist) / signature floor in use ({floor_ms:.3f} ms)  {over:.2f}x "
            f"(our minimum: {ours.low * 1e3 / floor_ms:.2f}x)"
        )
        row(
            "in-process verify vs signature floor",
            f"{ours.median * 1e3:.3f} ms",
            f"{floor_ms:.3f} ms (floor)",
            f"{over:.2f}x",
            "<=1.5x the floor",
            ok=over <= 1.5,
        )
    return peer.median


def cli(n: int, tmp: Path) -> None:
    """Section 2: whole-process verification on the command line."""
    print(f"\n== 2. command line, end to end (subprocess wall time, n={n}) ==")
    pair = tmp / "pair"
    pair.mkdir()
    # Only the .publish.attestation sidecar: the peer's CLI would also verify a
    # .slsa.attestation next to the file, which our command is not given.
    for f in (SDIST, SDIST_ATT):
        shutil.copy(f, pair)
    ours_argv = [
        str(BIN / "pip-verify"),
        "verify",
        SDIST.name,
        "--attestation",
        SDIST_ATT.name,
        "--repository",
        REPO,
        "--workflow",
        WORKFLOW,
    ]
    peer_argv = [
        str(BIN / "pypi-attestations"),
        "verify",
        "attestation",
        "--offline",
        "--identity",
        SAN,
        SDIST.name,
    ]
    ours = run_timed(ours_argv, n, cwd=pair)
    peer = run_timed(peer_argv, n, cwd=pair)
    ratio = peer.median / ours.median
    print(f"  {' '.join(ours_argv[1:5])} ...")
    print(f"      {ours.ms()}")
    print(f"  pypi-attestations {' '.join(peer_argv[1:4])} --identity ... {SDIST.name}")
    print(f"      {peer.ms()}")
    print(f"  pypi-attestations / pip-verify  {ratio:.1f}x")
    print("  (theirs checks the certificate SAN; ours the GitHub publisher: both one policy check)")
    row(
        "CLI verify, end to end",
        f"{ours.median * 1e3:.1f} ms",
        f"{peer.median * 1e3:.1f} ms",
        f"{ratio:.1f}x",
        ">=5x faster",
        ok=ratio >= 5,
    )


def startup(n: int) -> None:
    """CLI start-up: import time of the CLI module and ``--version`` wall time."""
    print(f"\n== start-up (n={n}) ==")

    def import_us(module: str) -> float:
        _, err = run([sys.executable, "-X", "importtime", "-c", f"import {module}"])
        total = 0
        for line in err.splitlines():
            parts = line.split("|")
            if line.startswith("import time:") and parts[0].split()[-1].isdigit():
                total += int(parts[0].split()[-1])
        return total / 1e6

    ours_imp = Stats.of([import_us("slsa_verify._cli") for _ in range(n // 2 or 1)])
    peer_imp = Stats.of([import_us("pypi_attestations._cli") for _ in range(n // 2 or 1)])
    ours = run_timed([str(BIN / "pip-verify"), "--version"], n)
    peer = run_timed([str(BIN / "pypi-attestations"), "--version"], n)
    print("  python -X importtime -c 'import M' (sum of self times)")
    print(f"      slsa_verify._cli         {ours_imp.ms()}")
    print(f"      pypi_attestations._cli   {peer_imp.ms()}")
    print("  --version, wall time")
    print(f"      pip-verify               {ours.ms()}")
    print(f"      pypi-attestations        {peer.ms()}")
    row(
        "import time of the CLI module",
        f"{ours_imp.median * 1e3:.1f} ms",
        f"{peer_imp.median * 1e3:.1f} ms",
        f"{peer_imp.median / ours_imp.median:.1f}x",
        "report only",
        ok=None,
    )
    row(
        "CLI --version, wall time",
        f"{ours.median * 1e3:.1f} ms",
        f"{peer.median * 1e3:.1f} ms",
        f"{peer.median / ours.median:.1f}x",
        "report only",
        ok=None,
    )


def make_big(tmp: Path) -> Path:
    """Write a 1 GiB pseudo-random file named like the attested sdist.

    Verifying it hashes it all, then fails with DigestMismatch.
    """
    big_dir = tmp / "big"
    big_dir.mkdir()
    big = big_dir / SDIST.name
    chunk = os.urandom(MIB)
    with big.open("wb") as f:
        for i in range(GIB // MIB):
            # Vary every chunk cheaply: no two MiB alike, nothing to compress.
            f.write(i.to_bytes(8, "little") + chunk[8:])
    shutil.copy(SDIST_ATT, big_dir / SDIST_ATT.name)
    return big


def verify_big(big: Path) -> None:
    """Verify the 1 GiB file; only DigestMismatch is the expected outcome."""
    try:
        slsa_verify.verify_wheel(
            big, big.with_name(SDIST_ATT.name), policy=slsa_verify.GitHubPublisher(REPO, WORKFLOW)
        )
    except errors.DigestMismatch:
        return
    sys.exit("bench: verifying the 1 GiB file did not raise DigestMismatch")


def hashing(n: int, big: Path) -> None:
    """Section 3: SHA-256 throughput on 1 GiB, against ``openssl dgst``."""
    print(f"\n== 3. SHA-256 of a 1 GiB file (page cache warm, n={n}) ==")
    ours = timed(lambda: verify_big(big), n, warmup=1)
    openssl = shutil.which("openssl")
    if openssl is None:
        print("  openssl: not found; no peer figure")
        peer = None
    else:
        peer = run_timed([openssl, "dgst", "-sha256", str(big)], n)
    gbps = GIB / ours.median / 1e9
    print(f"  verify_wheel until DigestMismatch   {ours.ms()}  = {gbps:.2f} GB/s")
    if peer is None:
        row("SHA-256, 1 GiB", f"{gbps:.2f} GB/s", "n/a", "-", ">=90% of openssl", ok=None)
        return
    peer_gbps = GIB / peer.median / 1e9
    share = gbps / peer_gbps
    print(f"  openssl dgst -sha256                {peer.ms()}  = {peer_gbps:.2f} GB/s")
    print(f"  slsa_verify / openssl               {share:.0%}")
    row(
        "SHA-256 throughput, 1 GiB",
        f"{gbps:.2f} GB/s",
        f"{peer_gbps:.2f} GB/s",
        f"{share:.0%}",
        ">=90% of openssl",
        ok=share >= 0.9,
    )


def batch(rounds: int) -> None:
    """Section 4: verify_many on 200 items, one thread against every core."""
    cores = os.cpu_count() or 1
    print(f"\n== 4. verify_many, 200 items ({cores} cores, n={rounds}) ==")
    items: list[tuple[Path, Path, slsa_verify.GitHubPublisher]] = [
        (SDIST, SDIST_ATT, slsa_verify.GitHubPublisher(REPO, WORKFLOW))
        if i % 2 == 0
        else (WHEEL, WHEEL_PROV, slsa_verify.GitHubPublisher(WHEEL_REPO, WORKFLOW))
        for i in range(200)
    ]
    results = slsa_verify.verify_many(items)
    failed = [r for r in results if not isinstance(r, slsa_verify.Verification)]
    if failed:
        sys.exit(f"bench: verify_many failed {len(failed)} items: {failed[0]!r}")
    one = timed(lambda: slsa_verify.verify_many(items, jobs=1), rounds, warmup=1)
    every = timed(lambda: slsa_verify.verify_many(items), rounds, warmup=1)
    speedup = one.median / every.median
    print(f"  jobs=1      {one.ms()}  ({one.median / 200 * 1e3:.3f} ms/item)")
    print(f"  jobs=None   {every.ms()}  ({every.median / 200 * 1e3:.3f} ms/item)")
    print(f"  speed-up    {speedup:.2f}x")
    row(
        f"verify_many 200 items, {cores} cores",
        f"{every.median * 1e3:.0f} ms",
        f"{one.median * 1e3:.0f} ms (jobs=1)",
        f"{speedup:.2f}x",
        ">=1.8x on 2 cores",
        ok=speedup >= 1.8 if cores == 2 else None,
    )


def memory(big: Path) -> None:
    """Section 5: peak RSS of each command line verifying the 1 GiB file."""
    print("\n== 5. peak RSS (VmHWM), the command line verifying the 1 GiB file ==")
    att = big.with_name(SDIST_ATT.name)
    ours_cmd = [str(BIN / "pip-verify"), "verify", str(big), "--attestation", str(att)]
    ours = peak_rss([*ours_cmd, "--repository", REPO, "--workflow", WORKFLOW], 1, "DigestMismatch")
    ours_base = peak_rss([str(BIN / "pip-verify"), "--version"], 0, "")
    # The peer's CLI finds the .publish.attestation sidecar; a digest mismatch exits 1.
    peer_cmd = [str(BIN / "pypi-attestations"), "verify", "attestation", "--offline"]
    peer = peak_rss([*peer_cmd, "--identity", SAN, str(big)], 1, "digest")
    peer_base = peak_rss([str(BIN / "pypi-attestations"), "--version"], 0, "")
    print(f"  pip-verify --version                   {ours_base / MIB:6.1f} MiB")
    print(f"  pip-verify verify (1 GiB)              {ours / MIB:6.1f} MiB")
    print(f"  pypi-attestations --version            {peer_base / MIB:6.1f} MiB")
    print(f"  pypi-attestations verify (1 GiB)       {peer / MIB:6.1f} MiB")
    row(
        "peak RSS, CLI verifying 1 GiB",
        f"{ours / MIB:.1f} MiB",
        f"{peer / MIB:.1f} MiB",
        f"{peer / ours:.1f}x",
        "< 64 MiB",
        ok=ours < 64 * MIB,
    )


def load_floors(paths: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """The signature floors that ``cargo bench --bench floor`` wrote, by backend."""
    found = {}
    for p in paths:
        if p.is_file():
            data = json.loads(p.read_text())
            found[data["backend"]] = data
    return found


def floors(found: dict[str, dict[str, Any]], peer_s: float) -> None:
    """Section 6: the signature-check floor of each backend.

    ``peer_s`` is the peer's in-process median: peer / floor is the best
    in-process ratio a backend allows, even with zero overhead on top of it.
    """
    print("\n== 6. signature-check floor: 1x ECDSA P-384 + 4x P-256, per set ==")
    for name in ("ring+p256/p384", "aws-lc-rs"):
        data = found.get(name)
        if data is None:
            print(f"  {name:16} not measured (its cargo bench run failed or was skipped)")
            continue
        bound = peer_s * 1e3 / data["median_ms"]
        print(
            f"  {name:16} {data['median_ms']:.3f} ms "
            f"[{data['min_ms']:.3f}, {data['max_ms']:.3f}] "
            f"(median of {data['rounds']} rounds x {data['sets_per_round']} sets)"
        )
        print(f"  {'':16} pypi-attestations / this floor = {bound:.1f}x (best possible ratio)")
        row(
            f"floor {name} (bound on in-process)",
            f"{data['median_ms']:.3f} ms",
            f"{peer_s * 1e3:.3f} ms",
            f"{bound:.1f}x",
            "report only",
            ok=None,
        )
    ring, aws = found.get("ring+p256/p384"), found.get("aws-lc-rs")
    if ring and aws:
        rel = ring["median_ms"] / aws["median_ms"]
        print(f"  ring / aws-lc-rs  {rel:.2f}x")
        row(
            "signature floor, ring vs aws-lc-rs",
            f"{ring['median_ms']:.3f} ms",
            f"{aws['median_ms']:.3f} ms (aws-lc-rs)",
            f"{rel:.2f}x",
            "report only",
            ok=None,
        )


def load() -> str:
    """The 1, 5 and 15 minute load averages: other work skews every figure."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def summary() -> None:
    """The final table."""
    heads = ("figure", "slsa-verify-rs", "peer", "ratio", "target", "result")
    cells = [heads, *(r.cells() for r in ROWS)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(heads))]
    print(f"\n== summary (backend {slsa_verify._core.crypto_backend()}, load average {load()}) ==")
    for i, c in enumerate(cells):
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: Sequence[str] | None = None) -> None:
    """Run every section, then print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--floor",
        action="append",
        type=Path,
        default=[],
        metavar="JSON",
        help="a file written by cargo bench --bench floor (SLSA_VERIFY_FLOOR_JSON); repeatable",
    )
    parser.add_argument("--quick", action="store_true", help="fewer runs (for trying the script)")
    args = parser.parse_args(argv)
    scale = 4 if args.quick else 1
    # sigstore-python warns on every offline Verifier; once is enough to know.
    logging.getLogger("sigstore").setLevel(logging.ERROR)

    where = Path(slsa_verify.__file__).resolve().parent
    if where.is_relative_to(ROOT / "python"):
        print(f"WARNING: measuring the build in {where}, which any dev build overwrites")
    print(
        f"slsa-verify-rs {slsa_verify.__version__} ({slsa_verify._core.crypto_backend()}), "
        f"pypi-attestations {pa.__version__}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores, load average {load()}"
    )
    found = load_floors(args.floor)
    in_use = found.get(slsa_verify._core.crypto_backend())  # the floor of the backend measured
    peer_s = in_process(300 // scale, in_use["median_ms"] if in_use else None)
    with tempfile.TemporaryDirectory(prefix="slsa-bench-") as name:
        tmp = Path(name)
        cli(20 // scale, tmp)
        startup(20 // scale)
        big = make_big(tmp)
        hashing(max(5 // scale, 2), big)
        batch(max(5 // scale, 2))
        memory(big)
    floors(found, peer_s)
    summary()


if __name__ == "__main__":
    main()
