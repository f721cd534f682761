# SPDX-License-Identifier: Apache-2.0
"""Verify-then-install against a hostile index (issue 11), network half:
credentials never leak and go only to their index's origin, permanent errors
are not retried, only the configured indexes are asked, and a setup without
an index makes no request at all. Every test runs its own 127.0.0.1 server.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from pathlib import Path

import pytest
from conftest import ASSETS
from hostile_server import HostileIndex, serve_hostile
from index_server import Dist, real_dist
from slsa_verify import _core, errors

EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
SECRET = "s3cret-T0KEN"  # noqa: S105 (a test value that must never leak)


def abi3info() -> Dist:
    return real_dist(WHEEL, PROVENANCE, "abi3info", "2024.10.8")


def with_creds(base: str, user: str = "user", password: str = SECRET) -> str:
    return base.replace("http://", f"http://{user}:{password}@", 1)


def fetch(tmp: Path, indexes: list[str], url: str, d: Dist, **kw: object) -> str:
    out = tmp / "files"
    out.mkdir(exist_ok=True)
    f = _core.Fetcher(directory=str(out), indexes=indexes, retries=kw.pop("retries", 0), **kw)  # type: ignore[arg-type]
    return f.fetch(d.project, d.version, url, d.sha256, True)


def page(files: list[dict[str, object]]) -> bytes:
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "abi3info", "files": files}).encode()


def test_malformed_page_from_an_index_with_credentials(tmp_path: Path) -> None:
    d = abi3info()
    idx = HostileIndex([d])
    idx.page = b'{"files": [ {"filename": "x", oops'
    with serve_hostile(idx) as base, pytest.raises(errors.NetworkError) as exc:
        fetch(tmp_path, [with_creds(base) + "/simple"], f"{base}/files/{WHEEL.name}", d)
    assert SECRET not in str(exc.value)
    assert "user:" not in str(exc.value)


def test_provenance_url_with_credentials_never_reaches_the_outcome(tmp_path: Path) -> None:
    d = abi3info()
    idx = HostileIndex([d])
    with serve_hostile(idx) as base:
        prov = with_creds(base, "prov", "pr0v-" + SECRET) + f"/provenance/{WHEEL.name}"
        idx.page = page(
            [
                {
                    "filename": WHEEL.name,
                    "url": f"{base}/files/{WHEEL.name}",
                    "hashes": {"sha256": d.sha256},
                    "provenance": prov,
                }
            ]
        )
        text = fetch(tmp_path, [base + "/simple"], f"{base}/files/{WHEEL.name}", d)
        outcome = json.loads(text)
        assert outcome["verification"] is not None
        assert SECRET not in text
        assert outcome["provenance_url"] == f"{base}/provenance/{WHEEL.name}"
        # the same link failing: the error carries no secret either
        idx.status["/provenance/"] = 500
        shutil.rmtree(tmp_path / "files")
        with pytest.raises(errors.NetworkError) as exc:
            fetch(tmp_path, [base + "/simple"], f"{base}/files/{WHEEL.name}", d)
    assert SECRET not in str(exc.value)


def test_bad_proxy_password_is_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(errors.UsageError) as exc:
        _core.Fetcher(directory=str(tmp_path), indexes=[], proxy=f"http://u:{SECRET}@[bad")
    assert SECRET not in str(exc.value)


def test_basic_auth_goes_to_the_index_origin_only(tmp_path: Path) -> None:
    d = abi3info()
    private = HostileIndex([d])
    private.auth = "Basic " + base64.b64encode(f"user:{SECRET}".encode()).decode()
    elsewhere = HostileIndex([d])
    with serve_hostile(private) as base, serve_hostile(elsewhere) as other:
        index = with_creds(base) + "/simple"
        # page, provenance and file on the private index: every request authenticated
        outcome = json.loads(fetch(tmp_path, [index], f"{base}/files/{WHEEL.name}", d))
        assert outcome["verification"] is not None
        assert private.requests
        assert all(auth == private.auth for _, auth in private.requests)
        # the file on another origin: no Authorization header
        private.page = page(
            [
                {
                    "filename": WHEEL.name,
                    "url": f"{other}/files/{WHEEL.name}",
                    "hashes": {"sha256": d.sha256},
                    "provenance": f"{base}/provenance/{WHEEL.name}",
                }
            ]
        )
        shutil.rmtree(tmp_path / "files")
        outcome = json.loads(fetch(tmp_path, [index], f"{other}/files/{WHEEL.name}", d))
        assert outcome["verification"] is not None
    assert [p for p, _ in elsewhere.requests] == [f"/files/{WHEEL.name}"]
    assert all(auth is None for _, auth in elsewhere.requests)


def test_only_the_configured_index_is_asked(tmp_path: Path) -> None:
    d = abi3info()
    first, second = HostileIndex([d]), HostileIndex([d])
    with serve_hostile(first) as a, serve_hostile(second) as _b:
        json.loads(fetch(tmp_path, [a + "/simple"], f"{a}/files/{WHEEL.name}", d))
    assert any(p.startswith("/simple/abi3info") for p, _ in first.requests)
    assert second.requests == []


def test_exact_url_wins_over_an_earlier_index_listing_the_same_file(tmp_path: Path) -> None:
    d = abi3info()
    decoy, real = HostileIndex([d]), HostileIndex([d])
    with serve_hostile(decoy) as a, serve_hostile(real) as b:
        decoy.status["/provenance/"] = 500  # would fail if its listing were used
        text = fetch(tmp_path, [a + "/simple", b + "/simple"], f"{b}/files/{WHEEL.name}", d)
    assert json.loads(text)["provenance_url"] == f"{b}/provenance/{WHEEL.name}"
    assert not any(p.startswith("/provenance/") for p, _ in decoy.requests)


def test_no_index_makes_no_request(tmp_path: Path) -> None:
    d = abi3info()
    idx = HostileIndex([d])
    with serve_hostile(idx) as base, pytest.raises(errors.NoAttestations) as exc:
        fetch(tmp_path, [], f"{base}/files/{WHEEL.name}", d)
    assert idx.requests == []
    assert "--no-index" in str(exc.value)


def test_no_index_verifies_a_local_file_with_its_sidecar(tmp_path: Path) -> None:
    d = abi3info()
    links = tmp_path / "links"
    links.mkdir()
    shutil.copy(WHEEL, links / WHEEL.name)
    shutil.copy(PROVENANCE, links / PROVENANCE.name)
    outcome = json.loads(fetch(tmp_path, [], (links / WHEEL.name).as_uri(), d))
    assert outcome["verification"] is not None
    assert outcome["policy"] == "index-asserted"
    (links / PROVENANCE.name).unlink()
    shutil.rmtree(tmp_path / "files")
    with pytest.raises(errors.NoAttestations):
        fetch(tmp_path, [], (links / WHEEL.name).as_uri(), d)


def test_malformed_provenance_url_fails_at_once(tmp_path: Path) -> None:
    d = abi3info()
    idx = HostileIndex([d])
    with serve_hostile(idx) as base:
        idx.page = page(
            [
                {
                    "filename": WHEEL.name,
                    "url": f"{base}/files/{WHEEL.name}",
                    "hashes": {"sha256": d.sha256},
                    "provenance": "http://[bad",
                }
            ]
        )
        started = time.monotonic()
        with pytest.raises(errors.NetworkError) as exc:
            fetch(tmp_path, [base + "/simple"], f"{base}/files/{WHEEL.name}", d, retries=3)
    assert time.monotonic() - started < 2
    assert "after 1 attempt" in str(exc.value)


@pytest.mark.parametrize("status", [403, 404, 401])
def test_permanent_statuses_are_one_request(tmp_path: Path, status: int) -> None:
    d = abi3info()
    idx = HostileIndex([d])
    idx.status["/provenance/"] = status
    with (
        serve_hostile(idx) as base,
        pytest.raises((errors.NetworkError, errors.NoAttestations)) as exc,
    ):
        fetch(tmp_path, [base + "/simple"], f"{base}/files/{WHEEL.name}", d, retries=3)
    expected = errors.NoAttestations if status == 404 else errors.NetworkError
    assert type(exc.value) is expected
    assert [p for p, _ in idx.requests if p.startswith("/provenance/")] == [
        f"/provenance/{WHEEL.name}"
    ]


def test_server_errors_are_retried(tmp_path: Path) -> None:
    d = abi3info()
    idx = HostileIndex([d])
    idx.status["/provenance/"] = 503
    with serve_hostile(idx) as base, pytest.raises(errors.NetworkError):
        fetch(tmp_path, [base + "/simple"], f"{base}/files/{WHEEL.name}", d, retries=2)
    assert len([p for p, _ in idx.requests if p.startswith("/provenance/")]) == 3


def test_verify_release_redacts_and_authenticates_like_install(tmp_path: Path) -> None:
    d = abi3info()
    idx = HostileIndex([d])
    idx.auth = "Basic " + base64.b64encode(f"user:{SECRET}".encode()).decode()
    idx.releases[("o/abi3info", "v2024.10.8")] = [("a.intoto.jsonl", b"{}")]
    idx.page = b"{broken"
    with serve_hostile(idx) as base, pytest.raises(errors.NetworkError) as exc:
        _core.verify_release(
            api=with_creds(base),
            repository="o/abi3info",
            tag="v2024.10.8",
            indexes=[with_creds(base) + "/simple"],
            directory=str(tmp_path),
            retries=0,
        )
    assert SECRET not in str(exc.value)
    # the release, its asset and the project page were all asked with the credentials
    paths = [p for p, _ in idx.requests]
    assert paths[0].startswith("/repos/o/abi3info/releases/tags/")
    assert any(p.startswith("/simple/abi3info") for p in paths)
    assert all(auth == idx.auth for _, auth in idx.requests)
