# SPDX-License-Identifier: Apache-2.0
# ruff: noqa: INP001  (a script run by `nox -s bench`, not a package)
"""Install timings (issue 15), reports only.

`pip-verify install` and `pip install` through `pip-verify serve` against plain
`pip install`, and `uv pip install` through `serve` against plain uv when uv is
installed, on one loopback index holding the real abi3info wheel and provenance;
a fresh target venv per run, runs interleaved, medians reported.

    python benchmarks/install_bench.py [--pairs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "python"))

from index_server import Index, real_dist, serve  # noqa: E402

EXAMPLES = ROOT / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
REQ = "abi3info==2024.10.8"
POLICY = ["--repository", "woodruffw/abi3info", "--workflow", "release.yml"]
GOAL = 1.3  # issue 15: pip-verify install at most 1.3x plain pip install


def _fresh(tmp: Path, n: int) -> str:
    d = tmp / f"v{n}"
    venv.create(d, with_pip=False)
    return str(d / ("Scripts" if sys.platform == "win32" else "bin") / "python")


def _timed(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, check=False, capture_output=True, text=True)  # noqa: S603
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout}{proc.stderr}")
    return time.perf_counter() - start


def main() -> None:
    """Print one row per installer and path."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=5)
    pairs = parser.parse_args().pairs
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        UV_NO_CACHE="1",
        UV_NO_CONFIG="1",
        SLSA_VERIFY_TUF_URL="http://127.0.0.1:9",
    )
    os.environ.clear()
    os.environ.update(env)
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    prov = WHEEL.with_name(WHEEL.name + ".provenance")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        os.environ["SLSA_VERIFY_CACHE_DIR"] = str(tmp / "cache")
        with serve(Index([real_dist(WHEEL, prov, "abi3info", "2024.10.8")])) as url:
            proc = subprocess.Popen(  # noqa: S603 (argv list)
                [
                    sys.executable,
                    "-m",
                    "slsa_verify",
                    "serve",
                    "--upstream",
                    url,
                    "--port",
                    "0",
                    "--no-trust-refresh",
                    *POLICY,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            try:
                assert proc.stdout is not None
                served = proc.stdout.readline().strip()
                rows: dict[str, list[float]] = {}
                n = 0
                pip = [sys.executable, "-m", "pip"]
                for k in range(pairs):
                    cases = {
                        "pip install": lambda p: [
                            *pip,
                            "--python",
                            p,
                            "install",
                            "--index-url",
                            url,
                            REQ,
                        ],
                        "pip-verify install": lambda p: [
                            sys.executable,
                            "-m",
                            "slsa_verify",
                            "install",
                            REQ,
                            "--index-url",
                            url,
                            "--python",
                            p,
                            "--no-trust-refresh",
                            *POLICY,
                        ],
                        "pip install via serve": lambda p: [
                            *pip,
                            "--python",
                            p,
                            "install",
                            "--index-url",
                            served,
                            REQ,
                        ],
                    }
                    if uv:
                        cases["uv pip install"] = lambda p: [
                            uv,
                            "pip",
                            "install",
                            "--python",
                            p,
                            "--index-url",
                            url,
                            REQ,
                        ]
                        cases["uv pip install via serve"] = lambda p: [
                            uv,
                            "pip",
                            "install",
                            "--python",
                            p,
                            "--index-url",
                            served,
                            REQ,
                        ]
                    # every other pair runs in reverse order: no case always goes first
                    order = list(cases.items())
                    for name, argv in order if k % 2 == 0 else order[::-1]:
                        n += 1
                        rows.setdefault(name, []).append(_timed(argv(_fresh(tmp, n))))
            finally:
                proc.terminate()
                proc.wait()
                if proc.stdout is not None:
                    proc.stdout.close()
    report(rows, pairs, uv_found=uv is not None)


def report(rows: dict[str, list[float]], pairs: int, *, uv_found: bool) -> None:
    """Medians, each row's ratio to its plain installer, and the median of per-pair ratios."""
    print(f"install timings, median of {pairs} interleaved runs (fresh venv each):")
    for name, times in rows.items():
        base = rows["uv pip install" if name.startswith("uv") else "pip install"]
        med, ref = statistics.median(times), statistics.median(base)
        pair = statistics.median(t / b for t, b in zip(times, base, strict=True))
        print(f"  {name:28} {med:6.2f} s   {med / ref:4.2f}x of medians   {pair:4.2f}x median pair")
    if not uv_found:
        print("  uv pip install rows: skipped, uv is not on PATH (pip install uv to add them)")
    ours = statistics.median(
        t / b for t, b in zip(rows["pip-verify install"], rows["pip install"], strict=True)
    )
    verdict = "meets" if ours <= GOAL else "MISSES"
    print(
        f"pip-verify install: {ours:.2f}x plain pip install (median pair ratio), "
        f"{verdict} the {GOAL}x goal"
    )


if __name__ == "__main__":
    main()
