# SPDX-License-Identifier: Apache-2.0
"""``pip-verify serve``: a verifying simple index on 127.0.0.1 for any installer.

Orchestration only. Which files a page lists, where their URLs point, and
whether a file or its metadata may be served are decided in Rust
(``_core.Server``); this module routes HTTP requests to it and sends the
bytes of files it returned as verified, or 403 with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from slsa_verify import _core, _fmt, errors

if TYPE_CHECKING:
    from slsa_verify import _api

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"
_JSON_TYPES = {JSON_TYPE, "application/vnd.pypi.simple.latest+json"}
_HTML_TYPES = {HTML_TYPE, "application/vnd.pypi.simple.latest+html", "text/html"}


def negotiate(accept: str | None) -> str:
    """The page type for an ``Accept`` header (PEP 691): JSON unless HTML is preferred.

    q-values decide; a tie, ``*/*`` or no header gets JSON (the server's choice).
    Returns the Content-Type to answer with.
    """
    best = {"json": 0.0, "html": 0.0}
    html_type = "text/html"
    for item in (accept or "").split(",")[:32]:
        media, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        media = media.lower()
        if media in _JSON_TYPES:
            best["json"] = max(best["json"], q)
        elif media in _HTML_TYPES and q > best["html"]:
            best["html"] = q
            html_type = HTML_TYPE if media != "text/html" else "text/html"
    if best["html"] > best["json"]:
        return f"{html_type}; charset=utf-8" if html_type == "text/html" else html_type
    return JSON_TYPE


DEFAULT_PORT = 8740
_CLIENT_TIMEOUT = 120  # seconds a client may take to send its request


def add_parser(sub: argparse._SubParsersAction[Any]) -> argparse.ArgumentParser:
    """The ``serve`` subcommand; the policy and trust-root flags are added by the caller."""
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="run a verifying package index on 127.0.0.1 for pip, uv, Poetry or PDM",
        description=(
            "Serve PEP 691 JSON (or PEP 503 HTML, as the installer's Accept header prefers) "
            "project pages built from the upstream index, every file URL "
            "pointing back here. A file is fetched with its PEP 740 provenance and verified "
            "(against POLICY, else the publisher its index asserts) before any byte of it is "
            "served; otherwise the installer gets 403 with the reason, also printed here. "
            "Verified files are cached per user, keyed by sha256. With --lock FILE, only the "
            "lock's files are served, each against the identity the lock pins."
        ),
        epilog=(
            "examples:\n"
            "  pip-verify serve --repository woodruffw/abi3info --workflow release.yml\n"
            "  pip-verify serve --lock pylock.toml\n"
            "  pip install --index-url http://127.0.0.1:8740/simple/ abi3info\n"
            "  uv pip install --index-url http://127.0.0.1:8740/simple/ abi3info\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="URL",
        help="a simple index to serve from, repeatable (default: pip's configured index)",
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, metavar="N", help="default 8740; 0 = any free"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help="address to listen on (default 127.0.0.1; another only if you mean it)",
    )
    p.add_argument(
        "--allow-unattested",
        action="append",
        default=[],
        metavar="NAME",
        help="serve NAME (or :all:) without provenance; repeatable",
    )
    p.add_argument(
        "--allow-sdist",
        action="store_true",
        help="list and serve sdists too (verified like wheels); by default wheels only",
    )
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where verified files are kept (default: $SLSA_VERIFY_CACHE_DIR or the user cache)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="SEC",
        help="upstream connect and per-read timeout (default 15)",
    )
    p.add_argument(
        "--retries", type=int, default=3, metavar="N", help="retries per upstream GET (default 3)"
    )
    p.add_argument("--cert", metavar="PEM", help="CA bundle to trust for the upstream")
    p.add_argument("--proxy", metavar="URL", help="proxy for the upstream")
    p.add_argument(
        "--lock",
        metavar="FILE",
        help="serve only the files of this pylock.toml, each checked against the identity "
        "it pins (instead of POLICY flags; see `pip-verify lock`)",
    )
    return p


def _shown(url: str) -> str:
    """``url`` without credentials, for the console."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _reason(err: errors.Error) -> str:
    return f"{type(err).__name__}: {err.detail}"


_EMPTY_ROOT = (
    b'<!DOCTYPE html>\n<html>\n<head>\n<meta name="pypi:repository-version" content="1.1">\n'
    b"<title>Simple index</title>\n</head>\n<body>\n</body>\n</html>\n"
)


class _Console:
    """One line per event, whole lines only (request threads write at once)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):
            self._stream.write(text + "\n")
            self._stream.flush()


def _handler(  # noqa: C901 (one method per route, kept together)
    core: _core.Server, console: _Console
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "pip-verify-serve"
        timeout = _CLIENT_TIMEOUT

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib's name)
            """Only our own lines reach the console."""

        def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _base(self) -> str:
            return cast("_Server", self.server).base

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            parts = [urllib.parse.unquote(p) for p in path.split("/") if p]
            try:
                match parts:
                    case ["simple"]:
                        ctype = negotiate(self.headers.get("Accept"))
                        if ctype == JSON_TYPE:
                            doc = {"meta": {"api-version": "1.1"}, "projects": []}
                            self._send(200, json.dumps(doc).encode(), ctype)
                        else:
                            self._send(200, _EMPTY_ROOT, ctype)
                    case ["simple", project]:
                        self._page(project)
                    case ["files", project, sha256, filename]:
                        self._file(project, sha256, filename)
                    case _:
                        self._send(404, b"not found\n")
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _page(self, project: str) -> None:
            ctype = negotiate(self.headers.get("Accept"))
            try:
                page = core.page(project, self._base(), html=ctype != JSON_TYPE)
            except errors.Error as err:
                console.line(f"upstream failed for {project}: {_reason(err)}")
                self._send(502, f"{_reason(err)}\n".encode())
                return
            if page is None:
                self._send(404, b"not found\n")
                return
            self._send(200, page.encode(), ctype)

        def _file(self, project: str, sha256: str, filename: str) -> None:
            metadata = filename.endswith(".metadata")
            name = filename.removesuffix(".metadata")
            try:
                if metadata:
                    body = core.metadata(project, sha256, name)
                else:
                    path = core.file(project, sha256, name)
            except errors.Error as err:
                what = f"{name}.metadata" if metadata else name
                console.line(f"REFUSED {what}: {_reason(err)}")
                self._send(403, f"pip-verify serve refused {what}: {_reason(err)}\n".encode())
                return
            if metadata:
                self._send(200, body)
                return
            with path.open("rb") as f:
                size = path.stat().st_size
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                if self.command != "HEAD":
                    shutil.copyfileobj(f, self.wfile, 1 << 20)
            console.line(f"served {name} (verified)")

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    base = ""  # http://HOST:PORT, set once bound


def default_upstreams(args: argparse.Namespace) -> list[str]:
    """The indexes pip is configured with (``--index-url``, ``--extra-index-url``, pip.conf)."""
    from slsa_verify import _install  # noqa: PLC0415 (lazy)

    opts = _install.Options(
        requirements=[],
        requirement_files=[],
        index_url=None,
        extra_index_urls=[],
        policy=None,
        allow_unattested=[],
        python=sys.executable,
        timeout=args.timeout,
        retries=args.retries,
        cert=args.cert,
        proxy=args.proxy,
        trusted_root=None,
        pip_args=[],
    )
    return _install.apply_pip_settings(opts)


def run(
    args: argparse.Namespace,
    policy: _api.Policy | None,
    trusted_root: _api.TrustedRoot | None,
    *,
    out: TextIO,
    errout: TextIO,
) -> int:
    """Serve until interrupted."""
    if not 0 <= args.retries <= 10:
        raise errors.UsageError("--retries must be between 0 and 10")
    if not 0 <= args.port <= 65535:
        raise errors.UsageError("--port must be between 0 and 65535")
    if ":" in args.host:
        raise errors.UsageError("--host takes an IPv4 address or a host name")
    upstreams = args.upstream or default_upstreams(args)
    if not upstreams:
        raise errors.UsageError("no upstream index: give --upstream URL")
    lock = None
    if args.lock:
        from slsa_verify import _lock  # noqa: PLC0415 (only with --lock)

        try:
            lock = _lock._read_lock(Path(args.lock))
        except OSError as err:
            raise errors.UsageError(f"cannot read --lock {args.lock}: {err.strerror}") from err
    core = _core.Server(
        lock=lock,
        upstreams=upstreams,
        policy=policy._to_json() if policy is not None else None,
        allow_unattested=args.allow_unattested,
        allow_sdist=args.allow_sdist,
        cache_dir=args.cache_dir,
        timeout=args.timeout,
        retries=args.retries,
        cert=args.cert,
        proxy=args.proxy,
        trusted_root=trusted_root,
    )
    console = _Console(errout)
    try:
        httpd = _Server((args.host, args.port), _handler(core, console))
    except OSError as err:
        raise errors.UsageError(f"cannot listen on {args.host}:{args.port}: {err}") from err
    with httpd:
        host, port = args.host, httpd.server_port
        httpd.base = f"http://{host}:{port}"
        out.write(f"http://{host}:{port}/simple/\n")
        out.flush()
        console.line(
            f"pip-verify serve: verifying index on http://{host}:{port}/simple/ for "
            + ", ".join(_shown(u) for u in upstreams)
            + (
                f" (policy: {policy})"
                if policy is not None
                else f" (the identities {_fmt.escape(args.lock)} pins)"
                if lock is not None
                else " (index-asserted publishers)"
            )
            + f"; cache {core.cache_dir}; Ctrl-C stops"
        )
        httpd.serve_forever()
    return 0
