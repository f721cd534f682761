# SPDX-License-Identifier: Apache-2.0
"""Issue 12: `refresh_trust`, `TrustedRoot.current()` and `pip-verify trust`
against a loopback server serving the real Sigstore production TUF snapshot.

The snapshot's timestamp expires 2026-08-28T19:25:56Z: calls that must
succeed pin the TUF clock to 2026-08-22; the real clock (later) must fail
with an "expired" TrustRootStale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import io
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import slsa_verify
from slsa_verify import _cli, errors

TUF = Path(__file__).resolve().parent.parent / "assets" / "tuf"
SNAPSHOT = TUF / "prod-2026-08-21"
TARGET_SHA = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66"
TARGET = f"targets/{TARGET_SHA}.trusted_root.json"
CLOCK = dt.datetime(2026, 8, 22, tzinfo=dt.timezone.utc)


class TufServer:
    """A static server on 127.0.0.1: counts requests, files can be swapped."""

    def __init__(self) -> None:
        self.files = {
            p.relative_to(SNAPSHOT).as_posix(): p.read_bytes()
            for p in SNAPSHOT.rglob("*")
            if p.is_file()
        }
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.lstrip("/")
                server.requests.append(path)
                body = server.files.get(path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def take(self) -> list[str]:
        out, self.requests = self.requests, []
        return out

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[TufServer]:
    s = TufServer()
    yield s
    s.stop()


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = _cli.main(list(argv), out=out, errout=err)
    return code, out.getvalue(), err.getvalue()


def cache_files(cache: Path) -> set[str]:
    return {p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()}


def test_update_with_the_real_clock_fails_expired(server: TufServer, tmp_path: Path) -> None:
    code, _, err = run_cli(
        "trust", "update", "--tuf-url", server.url, "--trust-cache", str(tmp_path)
    )
    assert code == errors.TrustRootStale.exit_code != 0
    assert "TrustRootStale" in err
    assert "expired" in err
    assert "timestamp.json" not in cache_files(tmp_path)


def test_refresh_then_show_names_the_cache(server: TufServer, tmp_path: Path) -> None:
    doc = slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)
    assert server.take() == [
        "17.root.json",
        "timestamp.json",
        "165.snapshot.json",
        "14.targets.json",
        TARGET,
    ]
    assert doc["source"] == "cache"
    assert doc["root"]["version"] == 16
    assert doc["timestamp"] == {"version": 762, "expires": "2026-08-28T19:25:56Z"}
    assert doc["signed_at"] == "2026-08-21T19:25:56Z"
    assert doc["signed_age_days"] == 0
    assert doc["trusted_root_sha256"] == TARGET_SHA

    code, out, _ = run_cli(
        "trust", "show", "--json", "--tuf-url", server.url, "--trust-cache", str(tmp_path)
    )
    assert code == 0
    shown = json.loads(out)["trust"]
    assert shown["source"] == "cache"
    assert shown["timestamp"]["version"] == 762
    assert shown["notes"] == []
    assert server.take() == []  # show is offline

    root = slsa_verify.TrustedRoot.current(tmp_path, server.url)
    assert "TUF cache" in root.name

    # Warm cache: the next root (absent) and the timestamp (unchanged).
    slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)
    assert server.take() == ["17.root.json", "timestamp.json"]


def test_show_without_cache_is_the_vendored_set(tmp_path: Path) -> None:
    code, out, _ = run_cli("trust", "show", "--trust-cache", str(tmp_path))
    assert code == 0
    assert "source:        vendored (embedded)" in out
    assert f"sha256:{TARGET_SHA}" in out
    assert "timestamp:     v762, expires 2026-08-28T19:25:56Z" in out
    # Signed 2026-08-21: more than 90 days before any real run of this suite.
    assert "warning: the trusted root was signed" in out


def test_export_writes_the_authorised_target(tmp_path: Path) -> None:
    dest = tmp_path / "trusted_root.json"
    code, _, err = run_cli("trust", "export", str(dest), "--trust-cache", str(tmp_path))
    assert code == 0
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == TARGET_SHA
    assert "trust: vendored" in err
    assert slsa_verify.TrustedRoot.from_file(dest).name == str(dest)


def test_flipped_byte_in_the_target(server: TufServer, tmp_path: Path) -> None:
    body = bytearray(server.files[TARGET])
    body[100] ^= 1
    server.files[TARGET] = bytes(body)
    with pytest.raises(errors.TrustUpdateFailed, match="hash"):
        slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)
    assert not any(
        f.startswith("tuf/") and f.endswith("trusted_root.json") for f in cache_files(tmp_path)
    )


def test_version_edited_timestamp(server: TufServer, tmp_path: Path) -> None:
    ts = server.files["timestamp.json"]
    assert b'"version": 762' in ts
    server.files["timestamp.json"] = ts.replace(b'"version": 762', b'"version": 763')
    with pytest.raises(errors.TrustUpdateFailed, match="signature"):
        slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)
    assert not any(f.endswith("/timestamp.json") for f in cache_files(tmp_path))


def test_oversized_timestamp(server: TufServer, tmp_path: Path) -> None:
    server.files["timestamp.json"] += b" " * 17_000
    with pytest.raises(errors.InputTooLarge):
        slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)


def test_rollback_after_newer_timestamp_cached(server: TufServer, tmp_path: Path) -> None:
    slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)
    server.files["timestamp.json"] = (TUF / "timestamp.v761.json").read_bytes()
    with pytest.raises(errors.TrustUpdateFailed, match="rollback"):
        slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)
    # The cache still holds v762 and still verifies.
    doc = slsa_verify.trust_status(slsa_verify.TrustedRoot.current(tmp_path, server.url))
    assert (doc["source"], doc["timestamp"]["version"]) == ("cache", 762)


def test_corrupted_cache_falls_back_to_vendored(server: TufServer, tmp_path: Path) -> None:
    slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)
    (target,) = [p for p in tmp_path.rglob("trusted_root.json") if p.parent.name == "targets"]
    target.write_bytes(target.read_bytes().replace(b"rekor", b"rekoR", 1))
    code, out, _ = run_cli(
        "trust", "show", "--json", "--tuf-url", server.url, "--trust-cache", str(tmp_path)
    )
    assert code == 0
    doc = json.loads(out)["trust"]
    assert doc["source"] == "vendored"
    assert "did not verify" in doc["notes"][0]
    assert "TrustUpdateFailed" in doc["notes"][0]


def test_offline_use_of_the_cache(server: TufServer, tmp_path: Path) -> None:
    slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)
    url = server.url
    server.stop()
    root = slsa_verify.TrustedRoot.current(tmp_path, url)
    assert slsa_verify.trust_status(root)["source"] == "cache"
    with pytest.raises(errors.TrustRootStale, match="max-trust-age"):
        slsa_verify.TrustedRoot.current(tmp_path, url, max_age_days=30)


def test_server_down_is_a_network_error(tmp_path: Path) -> None:
    s = TufServer()
    url = s.url
    s.stop()
    with pytest.raises(errors.NetworkError):
        slsa_verify.refresh_trust(url, tmp_path, now=CLOCK)


def test_now_must_be_aware(tmp_path: Path) -> None:
    with pytest.raises(errors.UsageError, match="timezone"):
        slsa_verify.refresh_trust("http://127.0.0.1:9", tmp_path, now=dt.datetime(2026, 8, 22))  # noqa: DTZ001


ROOT = Path(__file__).resolve().parent.parent.parent
WHEEL = ROOT / "examples" / "abi3info-2024.10.8-py3-none-any.whl"
VERIFY = ["verify", str(WHEEL), "--repository", "woodruffw/abi3info", "--workflow", "release.yml"]


def test_verify_reports_the_trust_it_used(server: TufServer, tmp_path: Path) -> None:
    code, out, err = run_cli(*VERIFY, "--trust-cache", str(tmp_path))
    assert code == 0, err
    assert out.startswith("OK  abi3info-2024.10.8-py3-none-any.whl")
    assert "trust: vendored, signed 2026-08-21T19:25:56Z" in err
    assert "over 90" in err  # the vendored set is older than 90 days today

    slsa_verify.refresh_trust(server.url, tmp_path, now=CLOCK)
    # `verify` reads the default repository's cache: point it at the loopback one.
    src = tmp_path / "tuf" / server.url.replace(":", "%3A").replace("/", "%2F")
    dst = tmp_path / "tuf" / "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
    src.rename(dst)
    code, out, err = run_cli(*VERIFY, "--trust-cache", str(tmp_path), "--json")
    assert code == 0, err
    trust = json.loads(out)["trust"]
    assert (trust["source"], trust["location"]) == ("cache", str(dst))
    assert trust["timestamp"]["version"] == 762


def test_max_trust_age_turns_the_warning_into_a_failure() -> None:
    code, _, err = run_cli(*VERIFY, "--max-trust-age", "30")
    assert code == errors.TrustRootStale.exit_code
    assert "TrustRootStale" in err
    assert "trust update" in err


def test_trusted_root_file_always_wins(tmp_path: Path) -> None:
    dest = tmp_path / "root.json"
    assert run_cli("trust", "export", str(dest))[0] == 0
    code, _, err = run_cli(*VERIFY, "--trusted-root", str(dest), "--max-trust-age", "1")
    assert code == 0, err
    assert f"trust: file {dest}, signed unknown" in err


def test_unknown_log_hint_suggests_trust_update() -> None:
    # A production bundle against the staging root: its log is unknown there.
    code, _, err = run_cli(*VERIFY, "--staging")
    assert code == errors.TlogUnknownLog.exit_code
    assert "FAILED  TlogUnknownLog" in err
    assert "run `pip-verify trust update`" in err


@pytest.fixture
def hermetic_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip sees only the test's index: no config, cache or index env."""
    for var in list(os.environ):
        if var.startswith("PIP_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")


@pytest.mark.usefixtures("hermetic_pip")
def test_online_commands_refresh_at_most_daily(server: TufServer, tmp_path: Path) -> None:
    from index_server import Index, real_dist, serve

    provenance = WHEEL.with_name(WHEEL.name + ".provenance")
    dist = real_dist(WHEEL, provenance, "abi3info", "2024.10.8")
    cache = tmp_path / "cache"
    slsa_verify.refresh_trust(server.url, cache, now=CLOCK)
    server.take()

    def download(house: str, *extra: str) -> tuple[int, str, str]:
        return run_cli(
            "download", "abi3info==2024.10.8", "-d", str(tmp_path / house),
            "--index-url", index_url, "--tuf-url", server.url, "--trust-cache", str(cache),
            "--repository", "woodruffw/abi3info", "--workflow", "release.yml", *extra,
        )  # fmt: skip

    with serve(Index([dist])) as index_url:
        # Refreshed less than a day ago: no TUF request, the cache is used.
        code, _, err = download("h1")
        assert code == 0, err
        assert server.take() == []
        assert "trust refresh" not in err

        # A day later: one refresh. Today the snapshot has expired, so it
        # warns with the kind and the install goes on with the verified cache.
        marker = next(cache.rglob("last-refresh"))
        old = marker.stat().st_mtime - 25 * 3600
        os.utime(marker, (old, old))
        code, _, err = download("h2")
        assert code == 0, err
        assert server.take()[:2] == ["17.root.json", "timestamp.json"]
        assert "warning: trust refresh failed (TrustRootStale" in err

        # --require-fresh-trust makes that a failure; --no-trust-refresh skips it.
        code, _, err = download("h3", "--require-fresh-trust")
        assert code == errors.TrustRootStale.exit_code
        assert "TrustRootStale" in err
        server.take()
        code, _, err = download("h4", "--no-trust-refresh")
        assert code == 0, err
        assert server.take() == []

        # A refresh failed less than an hour ago: no new try (a network that
        # drops traffic costs one timeout per hour, not one per run).
        code, _, err = download("h4b")
        assert code == 0, err
        assert server.take() == []
        assert "trust: the last refresh failed; not trying again for" in err
        failed = next(cache.rglob("*.last-failed-refresh"))
        old = failed.stat().st_mtime - 3601
        os.utime(failed, (old, old))

        # The TUF server down: a warning, exit 0.
        server.stop()
        code, _, err = download("h5")
        assert code == 0, err
        assert "warning: trust refresh failed (NetworkError" in err
