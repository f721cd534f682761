# SPDX-License-Identifier: Apache-2.0
"""Issue 3, acceptance 5: the same verification 1,000 times in one process
does not grow memory, and verification runs from many Python threads at once
(the core releases the GIL; the extension declares itself free-threading safe).
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ASSETS
from slsa_verify import GitHubPublisher, Verification, errors, verify_many, verify_wheel

EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
POLICY = GitHubPublisher(repository="woodruffw/abi3info", workflow="release.yml")
WRONG = GitHubPublisher(repository="woodruffw/other", workflow="release.yml")


def _rss_kib() -> int:
    """Resident set size now (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_thousand_calls_do_not_grow_memory() -> None:
    data = PROVENANCE.read_bytes()
    for _ in range(100):  # warm-up: allocator pools, the parsed trusted root
        verify_wheel(WHEEL, data, policy=POLICY)
    before = _rss_kib()
    for i in range(1000):
        v = verify_wheel(WHEEL, data if i % 2 else PROVENANCE, policy=POLICY)
        assert v.source_ref == "refs/tags/v2024.10.08"
        if i % 10 == 0:  # failures must not leak either
            with pytest.raises(errors.PublisherMismatch):
                verify_wheel(WHEEL, data, policy=WRONG)
    grown = _rss_kib() - before
    # One verification allocates ~1 MiB transiently; a leak of even 1 KiB per
    # call would show as 1,000 KiB here.
    assert grown < 1024, f"RSS grew by {grown} KiB over 1,000 calls"


def test_many_python_threads_at_once() -> None:
    def one(i: int) -> Verification | type[errors.Error]:
        try:
            return verify_wheel(WHEEL, PROVENANCE, policy=WRONG if i % 7 == 0 else POLICY)
        except errors.Error as err:
            return type(err)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(200)))
    for i, r in enumerate(results):
        if i % 7 == 0:
            assert r is errors.PublisherMismatch
        else:
            assert isinstance(r, Verification)
            assert r.sha256.startswith("b0236c67")


def test_verify_many_keeps_order_and_reports_each_failure(tmp_path: Path) -> None:
    tampered = tmp_path / WHEEL.name
    tampered.write_bytes(WHEEL.read_bytes() + b"\0")
    # A wheel with no attestation beside it (a missing file would be a UsageError instead).
    unattested = tmp_path / "unattested" / "unattested-1.0-py3-none-any.whl"
    unattested.parent.mkdir()
    unattested.write_bytes(b"not verified")
    items = [
        (WHEEL, PROVENANCE, POLICY),
        (tampered, PROVENANCE, POLICY),
        (WHEEL, PROVENANCE, WRONG),
        (unattested, None, POLICY),
        (WHEEL, PROVENANCE.read_bytes(), POLICY),
    ] * 20
    for jobs in (1, 2, None):
        results = verify_many(items, jobs=jobs)
        kinds = [type(r).__name__ for r in results[:5]]
        assert kinds == [
            "Verification",
            "DigestMismatch",
            "PublisherMismatch",
            "NoAttestations",
            "Verification",
        ]
        assert [type(r) for r in results] == [type(r) for r in results[:5]] * 20


def test_verify_many_rejects_zero_jobs() -> None:
    with pytest.raises(errors.UsageError):
        verify_many([(WHEEL, PROVENANCE, POLICY)], jobs=0)
