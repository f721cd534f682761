# SPDX-License-Identifier: Apache-2.0
"""Download progress on stderr: only on a terminal, never with --json or --quiet, or when piped.

A 12 MiB wheel on a loopback index, served slowly (about 2 s) to our
downloader, while pip's own resolution download of it goes at full speed.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from index_server import Dist, Index, _handler

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")

PAD = 12 * 1024 * 1024
CHUNK = 256 * 1024
PAUSE = 0.04  # 48 chunks: about 2 s


def big_wheel() -> Dist:
    """A valid pure-Python wheel carrying 12 MiB of incompressible data."""
    info = "bigwheel-1.0.dist-info"
    files = {
        "bigwheel/__init__.py": b"",
        "bigwheel/pad.bin": os.urandom(PAD),
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: bigwheel\nVersion: 1.0\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    buf = io.BytesIO()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            writer.writerow([name, f"sha256={digest}", len(data)])
        writer.writerow([f"{info}/RECORD", "", ""])
        zf.writestr(zipfile.ZipInfo(f"{info}/RECORD", (2024, 1, 1, 0, 0, 0)), record.getvalue())
    return Dist("bigwheel", "1.0", "bigwheel-1.0-py3-none-any.whl", buf.getvalue())


@contextlib.contextmanager
def serve_slowly(index: Index) -> Iterator[str]:
    """The index, but every large body after the first goes out in slow chunks."""
    base = _handler(index)
    sent = {"big": 0}

    class Slow(base):  # type: ignore[valid-type,misc]
        def _body(self, body: bytes, fault: str | None, ctype: str) -> None:
            if fault is not None or len(body) < PAD:
                super()._body(body, fault, ctype)
                return
            sent["big"] += 1
            if sent["big"] == 1:  # pip's resolution download
                super()._body(body, fault, ctype)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):
                for i in range(0, len(body), CHUNK):
                    self.wfile.write(body[i : i + CHUNK])
                    self.wfile.flush()
                    time.sleep(PAUSE)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def wheel() -> Dist:
    d = big_wheel()
    assert len(d.data) > 10 * 1024 * 1024
    return d


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env |= {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    return env


def _argv(url: str, dest: Path, *extra: str) -> list[str]:
    return [
        *(sys.executable, "-m", "slsa_verify", "download", "bigwheel==1.0"),
        *("--index-url", url, "--allow-unattested", "bigwheel", "-d", str(dest)),
        *("--no-trust-refresh", *extra),
    ]


def run_on_terminal(wheel: Dist, tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    """Run ``download`` with stderr on a pseudo-terminal: (code, stdout, stderr as read)."""
    import pty  # POSIX only

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO once the child and we closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with serve_slowly(Index([wheel])) as url:
        try:
            proc = subprocess.run(
                _argv(url, tmp_path / "dest", *extra),
                stdout=subprocess.PIPE,
                stderr=slave,
                env=_env(),
                timeout=120,
                check=False,
            )
        finally:
            os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    return proc.returncode, proc.stdout.decode(), b"".join(chunks).decode(errors="replace")


def test_terminal_shows_progress(wheel: Dist, tmp_path: Path) -> None:
    code, out, err = run_on_terminal(wheel, tmp_path)
    assert code == 0, out + err
    assert (tmp_path / "dest" / wheel.filename).read_bytes() == wheel.data
    # An updating line: rewritten with \r, sizes and a rate, then the file's status line.
    assert "MiB/s" in err, err
    assert "\r[1/1] bigwheel-1.0-py3-none-any.whl  " in err, err
    assert "/12.0 MiB" in err, err
    assert "… allowed (12.0 MiB, " in err, err
    # The status line comes last, clearing what the progress line left.
    assert err.rstrip().endswith(" s)\x1b[K"), err


def test_json_never_mixes_in_progress(wheel: Dist, tmp_path: Path) -> None:
    code, out, err = run_on_terminal(wheel, tmp_path, "--json")
    assert code == 0, out + err
    doc = json.loads(out)
    assert doc["ok"] is True
    assert "MiB" not in err
    assert "\r" not in err.replace("\r\n", "\n")
    assert "[1/1]" not in err


def test_quiet_silences_progress_and_per_file_lines(wheel: Dist, tmp_path: Path) -> None:
    code, out, err = run_on_terminal(wheel, tmp_path, "--quiet")
    assert code == 0, out + err
    assert "MiB" not in err
    assert "[1/1]" not in err
    assert (tmp_path / "dest" / wheel.filename).is_file()


def test_piped_stderr_shows_no_progress(wheel: Dist, tmp_path: Path) -> None:
    with serve_slowly(Index([wheel])) as url:
        proc = subprocess.run(
            _argv(url, tmp_path / "dest"),
            capture_output=True,
            text=True,
            env=_env(),
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    assert "MiB/s" not in proc.stderr
    assert "\r" not in proc.stderr
    assert "[1/1]" not in proc.stderr
    assert (tmp_path / "dest" / wheel.filename).read_bytes() == wheel.data
