# SPDX-License-Identifier: Apache-2.0
"""``pip-verify serve`` (issue 15): a verifying index on 127.0.0.1 in front of the
loopback index of ``index_server``, used by real installers (pip, and uv when
it is installed) to install into a fresh venv.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import ASSETS
from index_server import Dist, Index, make_wheel, real_dist, serve
from slsa_verify import errors

EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
POLICY = ["--repository", "woodruffw/abi3info", "--workflow", "release.yml"]
ABI3INFO = "abi3info-2024.10.8-py3-none-any.whl"


def abi3info() -> Dist:
    return real_dist(WHEEL, PROVENANCE, "abi3info", "2024.10.8")


def six() -> Dist:
    return make_wheel("six", "1.16.0")  # no provenance


@pytest.fixture(autouse=True)
def hermetic_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip and uv see only the test's index: no config, cache or index env."""
    for var in list(os.environ):
        if var.startswith(("PIP_", "UV_")):
            monkeypatch.delenv(var)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("UV_NO_CACHE", "1")
    monkeypatch.setenv("UV_NO_CONFIG", "1")


@pytest.fixture
def target(tmp_path: Path) -> str:
    venv.create(tmp_path / "target", with_pip=False)
    bindir = "Scripts" if sys.platform == "win32" else "bin"
    return str(tmp_path / "target" / bindir / "python")


def pip_list(python: str) -> list[dict[str, str]]:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(json.loads(out), key=lambda p: p["name"])


class Serve:
    """A running ``pip-verify serve`` process."""

    def __init__(self, proc: subprocess.Popen[str], url: str, log: Path) -> None:
        self.proc = proc
        self.url = url
        self.log = log

    def console(self) -> str:
        return self.log.read_text()

    def file_url(self, project: str, dist: Dist) -> str:
        return f"{self.url.removesuffix('/simple/')}/files/{project}/{dist.sha256}/{dist.filename}"


@contextlib.contextmanager
def pip_verify_serve(upstream: str, tmp: Path, *extra: str) -> Iterator[Serve]:
    log = tmp / f"serve-{time.monotonic_ns()}.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "slsa_verify",
                "serve",
                "--upstream",
                upstream,
                "--port",
                "0",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://"), log.read_text()
        yield Serve(proc, url, log)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def pip_install(target: str, url: str, *reqs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", target, "install", "--index-url", url, *reqs],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def get(url: str, timeout: float = 60) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def uv() -> str | None:
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if found:
        return found
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found]
    except ImportError:
        return None
    return str(find_uv_bin())


def test_pip_installs_through_serve_bound_to_loopback(target: str, tmp_path: Path) -> None:
    index = Index([abi3info()])
    with serve(index) as upstream, pip_verify_serve(upstream, tmp_path, *POLICY) as s:
        assert s.url.startswith("http://127.0.0.1:")
        proc = pip_install(target, s.url, "abi3info==2024.10.8")
        assert proc.returncode == 0, proc.stderr + s.console()
        assert f"served {ABI3INFO} (verified)" in s.console()
    assert subprocess.run([target, "-c", "import abi3info"], check=False).returncode == 0
    assert any(p.endswith(f"/provenance/{ABI3INFO}") for p in index.hits)


def test_default_host_is_loopback() -> None:
    from slsa_verify._cli import build_parser

    args = build_parser().parse_args(["serve", "--upstream", "http://127.0.0.1:9/simple"])
    assert args.host == "127.0.0.1"


def test_uv_installs_through_serve(target: str, tmp_path: Path) -> None:
    uv_bin = uv()
    if uv_bin is None:
        pytest.skip("uv is not installed (pip install uv)")
    with serve(Index([abi3info()])) as upstream, pip_verify_serve(upstream, tmp_path, *POLICY) as s:
        proc = subprocess.run(
            [
                uv_bin,
                "pip",
                "install",
                "--python",
                target,
                "--index-url",
                s.url,
                "abi3info==2024.10.8",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr + s.console()
    assert subprocess.run([target, "-c", "import abi3info"], check=False).returncode == 0


def uv_install(target: str, url: str, *reqs: str) -> subprocess.CompletedProcess[str]:
    uv_bin = uv()
    if uv_bin is None:
        pytest.skip("uv is not installed (pip install uv)")
    return subprocess.run(
        [uv_bin, "pip", "install", "--python", target, "--index-url", url, *reqs],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


INSTALLERS = {"pip": pip_install, "uv": uv_install}


def _refused(
    installer: str, target: str, tmp: Path, dists: list[Dist], req: str, *flags: str
) -> str:
    before = pip_list(target)
    with serve(Index(dists)) as upstream, pip_verify_serve(upstream, tmp, *flags) as s:
        proc = INSTALLERS[installer](target, s.url, req)
        assert proc.returncode != 0, proc.stdout + proc.stderr
        assert "403" in proc.stderr + proc.stdout
        console = s.console()
    assert pip_list(target) == before, "the target environment changed"
    return console


@pytest.mark.parametrize("installer", INSTALLERS)
def test_tampered_wheel_is_refused(installer: str, target: str, tmp_path: Path) -> None:
    evil = make_wheel("abi3info", "2024.10.8")  # other bytes, their own hash listed
    evil.provenance = PROVENANCE.read_bytes()
    console = _refused(installer, target, tmp_path, [evil], "abi3info==2024.10.8", *POLICY)
    assert f"REFUSED {ABI3INFO}: DigestMismatch" in console


@pytest.mark.parametrize("installer", INSTALLERS)
def test_wrong_repository_is_refused(installer: str, target: str, tmp_path: Path) -> None:
    wrong = ["--repository", "evil/abi3info", "--workflow", "release.yml"]
    console = _refused(installer, target, tmp_path, [abi3info()], "abi3info==2024.10.8", *wrong)
    assert f"REFUSED {ABI3INFO}: PublisherMismatch" in console


@pytest.mark.parametrize("installer", INSTALLERS)
def test_unattested_six_needs_allow_unattested(installer: str, target: str, tmp_path: Path) -> None:
    console = _refused(installer, target, tmp_path, [six()], "six==1.16.0")
    assert "REFUSED six-1.16.0-py3-none-any.whl: NoAttestations" in console
    assert "--allow-unattested six" in console
    with (
        serve(Index([six()])) as upstream,
        pip_verify_serve(upstream, tmp_path, "--allow-unattested", "six") as s,
    ):
        proc = INSTALLERS[installer](target, s.url, "six==1.16.0")
        assert proc.returncode == 0, proc.stderr + s.console()
    assert [p["name"] for p in pip_list(target)] == ["six"]


def test_failed_file_is_never_served_even_on_retry(tmp_path: Path) -> None:
    evil = make_wheel("abi3info", "2024.10.8")
    evil.provenance = PROVENANCE.read_bytes()
    with serve(Index([evil])) as upstream, pip_verify_serve(upstream, tmp_path, *POLICY) as s:
        url = s.file_url("abi3info", evil)
        first = get(url)
        gets = evil.file_gets
        second = get(url)
        assert first[0] == second[0] == 403
        assert b"DigestMismatch" in first[1]
        assert first[1] == second[1]
        assert evil.file_gets == gets, "the failed file was fetched again"
    cache = Path(os.environ["SLSA_VERIFY_CACHE_DIR"]) / "serve"
    assert not list(cache.rglob(ABI3INFO)), "unverified bytes were written to the cache"


def test_verified_file_is_served_from_the_cache(tmp_path: Path) -> None:
    d = abi3info()
    with serve(Index([d])) as upstream:
        with pip_verify_serve(upstream, tmp_path, *POLICY) as s:
            url = s.file_url("abi3info", d)
            assert get(url) == (200, d.data)
            assert d.file_gets == 1
            assert get(url) == (200, d.data)
            assert d.file_gets == 1
        # a new process with the same per-user cache
        with pip_verify_serve(upstream, tmp_path, *POLICY) as s:
            assert get(url.replace(url.split("/files/")[0], s.url.removesuffix("/simple/"))) == (
                200,
                d.data,
            )
        assert d.file_gets == 1
    cached = list((Path(os.environ["SLSA_VERIFY_CACHE_DIR"]) / "serve").rglob(ABI3INFO))
    assert [p.parent.name for p in cached] == [d.sha256]


def test_a_cached_file_is_not_served_under_another_policy(tmp_path: Path) -> None:
    d = abi3info()
    with serve(Index([d])) as upstream:
        with pip_verify_serve(upstream, tmp_path, *POLICY) as s:
            assert get(s.file_url("abi3info", d))[0] == 200
        wrong = ["--repository", "evil/abi3info", "--workflow", "release.yml"]
        with pip_verify_serve(upstream, tmp_path, *wrong) as s:
            status, body = get(s.file_url("abi3info", d))
    assert status == 403
    assert b"PublisherMismatch" in body


def test_page_points_back_and_keeps_hashes(tmp_path: Path) -> None:
    d = abi3info()
    with serve(Index([d, six()])) as upstream, pip_verify_serve(upstream, tmp_path) as s:
        req = urllib.request.Request(
            s.url + "abi3info/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.headers["Content-Type"] == "application/vnd.pypi.simple.v1+json"
            page = json.loads(r.read())
        assert get(s.url + "no-such-project/")[0] == 404
    [f] = page["files"]
    assert f["filename"] == ABI3INFO
    assert f["hashes"] == {"sha256": d.sha256}
    assert f["url"] == s.file_url("abi3info", d)
    assert "provenance" not in f


def test_100_concurrent_requests_and_a_stalled_upstream(tmp_path: Path) -> None:
    d = abi3info()
    stalled = make_wheel("stalls", "1.0")
    stalled.provenance = PROVENANCE.read_bytes()
    stalled.fault = "file-stall"
    index = Index([d, stalled])
    index.stall_seconds = 30.0
    with (
        serve(index) as upstream,
        pip_verify_serve(upstream, tmp_path, *POLICY, "--timeout", "2", "--retries", "0") as s,
    ):
        url = s.file_url("abi3info", d)
        with ThreadPoolExecutor(max_workers=101) as pool:
            stall = pool.submit(get, s.file_url("stalls", stalled))
            results = list(pool.map(lambda _: get(url), range(100)))
            start = time.monotonic()
            status, body = stall.result()
        assert all(r == (200, d.data) for r in results)
        assert d.file_gets == 1, "concurrent requests fetched the file more than once"
        assert status == 403
        assert b"NetworkError" in body
        assert time.monotonic() - start < 30
        # still serving afterwards
        assert get(url) == (200, d.data)
        assert s.proc.poll() is None


def test_ctrl_c_stops_the_server(tmp_path: Path) -> None:
    with serve(Index([abi3info()])) as upstream, pip_verify_serve(upstream, tmp_path) as s:
        s.proc.send_signal(signal.SIGINT)
        assert s.proc.wait(timeout=10) == 130
        assert "interrupted" in s.console()


def _json_page(url: str) -> dict[str, object]:
    req = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        doc: dict[str, object] = json.loads(r.read())
        return doc


def _metadata_of(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read("abi3info-2024.10.8.dist-info/METADATA")


def test_metadata_served_is_the_verified_wheels(target: str, tmp_path: Path) -> None:
    meta = _metadata_of(WHEEL)
    d = abi3info()
    d.json_extra = {
        "core-metadata": {"sha256": hashlib.sha256(meta).hexdigest()},
        "requires-python": ">=3.8",
        "yanked": "a reason",
    }
    with serve(Index([d])) as upstream, pip_verify_serve(upstream, tmp_path, *POLICY) as s:
        [f] = _json_page(s.url + "abi3info/")["files"]  # type: ignore[misc]
        assert f["core-metadata"] == {"sha256": hashlib.sha256(meta).hexdigest()}
        assert f["requires-python"] == ">=3.8"
        assert f["yanked"] == "a reason"
        assert get(s.file_url("abi3info", d) + ".metadata") == (200, meta)
        # pip resolves from that metadata, then installs the verified wheel
        proc = pip_install(target, s.url, "abi3info==2024.10.8")
        assert proc.returncode == 0, proc.stderr + s.console()


def test_metadata_hash_that_is_not_the_verified_wheels_is_refused(tmp_path: Path) -> None:
    d = abi3info()
    d.json_extra = {"core-metadata": {"sha256": "0" * 64}}
    with serve(Index([d])) as upstream, pip_verify_serve(upstream, tmp_path, *POLICY) as s:
        status, body = get(s.file_url("abi3info", d) + ".metadata")
        console = s.console()
    assert status == 403
    assert b"MetadataMismatch" in body
    assert f"REFUSED {ABI3INFO}.metadata: MetadataMismatch" in console


def test_direct_url_dependency_is_refused(tmp_path: Path) -> None:
    evil = make_wheel(
        "evil", "1.0", requires=["dep @ https://example.invalid/dep-1.0-py3-none-any.whl"]
    )
    with (
        serve(Index([evil])) as upstream,
        pip_verify_serve(upstream, tmp_path, "--allow-unattested", "evil") as s,
    ):
        status, body = get(s.file_url("evil", evil))
    assert status == 403
    assert b"UsageError" in body
    assert b"direct URL" in body


def test_sdists_only_with_allow_sdist(tmp_path: Path) -> None:
    sdist = Dist("abi3info", "2024.10.8", "abi3info-2024.10.8.tar.gz", b"not really a tarball")
    with serve(Index([abi3info(), sdist])) as upstream:
        with pip_verify_serve(upstream, tmp_path, *POLICY) as s:
            names = [f["filename"] for f in _json_page(s.url + "abi3info/")["files"]]  # type: ignore[attr-defined]
            status, body = get(s.file_url("abi3info", sdist))
        assert names == [ABI3INFO]
        assert status == 403
        assert b"--allow-sdist" in body
        with pip_verify_serve(upstream, tmp_path, *POLICY, "--allow-sdist") as s:
            names = [f["filename"] for f in _json_page(s.url + "abi3info/")["files"]]  # type: ignore[attr-defined]
            status, body = get(s.file_url("abi3info", sdist))
        assert names == [ABI3INFO, sdist.filename]
        assert status == 403  # listed, but it has no provenance: never served unverified
        assert b"NoAttestations" in body


def test_upstream_credentials_never_appear(tmp_path: Path) -> None:
    with serve(Index([abi3info(), six()])) as upstream:
        secret = upstream.replace("http://", "http://alice:s3cr3t-t0ken@")
        with pip_verify_serve(secret, tmp_path) as s:
            page = get(s.url + "abi3info/")[1] + get(s.url + "six/")[1]
            refused = get(s.file_url("six", six()))
            console = s.console()
    assert refused[0] == 403
    for text in (page, refused[1], console.encode()):
        assert b"s3cr3t" not in text
        assert b"alice" not in text


# --- serve --lock -------------------------------------------------------------------


def _make_lock(upstream: str, lock: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "slsa_verify", "lock", "abi3info==2024.10.8", "-o", str(lock),
         "--index-url", upstream, *POLICY],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("installer", INSTALLERS)
def test_serve_lock_serves_the_locked_files_under_their_pins(
    installer: str, target: str, tmp_path: Path
) -> None:
    lock = tmp_path / "pylock.toml"
    with serve(Index([abi3info(), six()])) as upstream:
        _make_lock(upstream, lock)
        with pip_verify_serve(upstream, tmp_path, "--lock", str(lock)) as s:
            proc = INSTALLERS[installer](target, s.url, "abi3info==2024.10.8")
            assert proc.returncode == 0, proc.stderr + s.console()
            # six is not in the lock: refused even though it is on the index.
            status, body = get(s.file_url("six", six()))
            console = s.console()
    assert f"served {ABI3INFO} (verified)" in console
    assert "pylock.toml pins)" in console
    assert status == 403
    assert b"LockMismatch" in body
    assert "REFUSED six-1.16.0-py3-none-any.whl: LockMismatch" in console
    assert subprocess.run([target, "-c", "import abi3info"], check=False).returncode == 0


def test_serve_lock_refuses_a_file_whose_identity_changed(target: str, tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    with serve(Index([abi3info()])) as upstream:
        _make_lock(upstream, lock)
        text = lock.read_text()
        assert 'repository = "woodruffw/abi3info"' in text
        lock.write_text(text.replace('repository = "woodruffw/abi3info"', 'repository = "a/b"'))
        before = pip_list(target)
        with pip_verify_serve(upstream, tmp_path, "--lock", str(lock)) as s:
            proc = pip_install(target, s.url, "abi3info==2024.10.8")
            console = s.console()
    assert proc.returncode != 0
    assert f"REFUSED {ABI3INFO}: IdentityChanged" in console
    assert pip_list(target) == before


def test_serve_lock_refuses_a_changed_file(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    with serve(Index([abi3info()])) as upstream:
        _make_lock(upstream, lock)
    evil = make_wheel("abi3info", "2024.10.8")  # other bytes under the same name
    evil.provenance = PROVENANCE.read_bytes()
    with (
        serve(Index([evil])) as upstream,
        pip_verify_serve(upstream, tmp_path, "--lock", str(lock)) as s,
    ):
        status, body = get(s.file_url("abi3info", evil))
        console = s.console()
    assert status == 403
    assert b"LockMismatch" in body
    assert f"REFUSED {ABI3INFO}: LockMismatch" in console


def test_serve_lock_and_policy_flags_do_not_mix(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    with serve(Index([abi3info()])) as upstream:
        _make_lock(upstream, lock)
        proc = subprocess.run(
            [sys.executable, "-m", "slsa_verify", "serve", "--upstream", upstream, "--port", "0",
             "--lock", str(lock), *POLICY],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
    assert proc.returncode == errors.UsageError.exit_code, proc.stderr
    assert "do not go with --lock" in proc.stderr


# --- PEP 503 HTML pages ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "want"),
    [
        (None, "json"),
        ("*/*", "json"),
        ("application/vnd.pypi.simple.v1+json", "json"),
        ("text/html", "html"),
        ("application/vnd.pypi.simple.v1+html", "html"),
        ("application/vnd.pypi.simple.latest+html", "html"),
        # pip's header: JSON first
        (
            (
                "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
                "text/html; q=0.01"
            ),
            "json",
        ),
        ("application/vnd.pypi.simple.v1+json; q=0.2, text/html; q=0.9", "html"),
        ("text/html; q=0.5, application/vnd.pypi.simple.latest+json; q=0.5", "json"),  # a tie
        ("text/html; q=nonsense, application/vnd.pypi.simple.v1+json; q=0.1", "json"),
    ],
)
def test_accept_header_chooses_the_page_format(accept: str | None, want: str) -> None:
    from slsa_verify._serve import JSON_TYPE, negotiate

    got = negotiate(accept)
    assert (got == JSON_TYPE) == (want == "json"), got


def _get_with(url: str, accept: str) -> tuple[str, bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.headers["Content-Type"], r.read()


def test_html_pages_point_back_and_escape_hostile_upstream_values(tmp_path: Path) -> None:
    dist = abi3info()
    dist.json_extra = {
        "requires-python": '>=3.8"><script>alert(1)</script>',
        "yanked": "<img src=x onerror=alert(1)> & more",
    }
    with serve(Index([dist])) as upstream, pip_verify_serve(upstream, tmp_path, *POLICY) as s:
        ctype, body = _get_with(s.url + "abi3info/", "text/html")
        root_type, root = _get_with(s.url, "text/html")
    html = body.decode()
    assert ctype.startswith("text/html")
    assert root_type.startswith("text/html")
    assert b"<body>" in root
    assert "<script>" not in html
    assert "<img" not in html
    assert 'data-requires-python="&gt;=3.8&quot;&gt;&lt;script&gt;' in html
    assert 'data-yanked="&lt;img src=x onerror=alert(1)&gt; &amp; more"' in html
    assert f'href="{s.file_url("abi3info", dist)}#sha256={dist.sha256}"' in html
    assert f">{ABI3INFO}</a>" in html


def test_pip_installs_from_html_pages(target: str, tmp_path: Path) -> None:
    """pip with only HTML: an installer that cannot read PEP 691 JSON still gets verified files."""
    with serve(Index([abi3info()])) as upstream, pip_verify_serve(upstream, tmp_path, *POLICY) as s:
        # A proxy that asks for HTML only, as an old client would.
        import http.server
        import threading

        class Proxy(http.server.BaseHTTPRequestHandler):
            seen: ClassVar[list[str]] = []

            def do_GET(self) -> None:
                req = urllib.request.Request(
                    s.url.removesuffix("/simple/") + self.path, headers={"Accept": "text/html"}
                )
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        status, ctype, body = r.status, r.headers["Content-Type"], r.read()
                except urllib.error.HTTPError as e:
                    status, ctype, body = e.code, "text/plain", e.read()
                Proxy.seen.append(ctype)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        thread = threading.Thread(target=proxy.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{proxy.server_address[1]}/simple/"
            proc = pip_install(target, url, "abi3info==2024.10.8")
        finally:
            proxy.shutdown()
            proxy.server_close()
        assert proc.returncode == 0, proc.stderr + s.console()
        assert any(c.startswith("text/html") for c in Proxy.seen), Proxy.seen
        assert f"served {ABI3INFO} (verified)" in s.console()
    assert subprocess.run([target, "-c", "import abi3info"], check=False).returncode == 0
