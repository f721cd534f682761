# SPDX-License-Identifier: Apache-2.0
"""GitHub's artifact attestation API on 127.0.0.1 for the online tests:
``GET /repos/OWNER/REPO/attestations/sha256:<hex>`` answered from
``GitHub.attestations``, in pages of ``page_size`` joined by ``Link`` headers
as GitHub does, with faults (rate limits, malformed answers, redirects, a
next page on another origin). Every request's path and ``Authorization``
header is recorded.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclasses.dataclass
class GitHub:
    """The served attestations: ``(OWNER/REPO, sha256 hex) -> [bundle JSON]``."""

    attestations: dict[tuple[str, str], list[dict[str, Any]]] = dataclasses.field(
        default_factory=dict
    )
    page_size: int = 100
    # A fault to answer with instead: rate-limit (a 403), 429, malformed,
    # wrong-shape, redirect, 500, or next-elsewhere (next page on next_elsewhere).
    fault: str | None = None
    next_elsewhere: str = ""
    requests: list[tuple[str, str | None]] = dataclasses.field(default_factory=list)

    def add(self, repo: str, bundle_line: bytes, digest: str | None = None) -> None:
        """Serve one bundle (a JSON line) for ``digest`` (default: its first subject's)."""
        bundle = json.loads(bundle_line)
        if digest is None:
            digest = subject_digest(bundle)
        self.attestations.setdefault((repo, digest), []).append(bundle)


def subject_digest(bundle: dict[str, Any]) -> str:
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    return str(statement["subject"][0]["digest"]["sha256"])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def answer(handler: BaseHTTPRequestHandler, gh: GitHub, base: str) -> bool:  # noqa: PLR0911
    """Answer ``handler``'s request if it is an attestation list; False otherwise."""
    url = urlsplit(handler.path)
    parts = [p for p in url.path.split("/") if p]
    match parts:
        case ["repos", owner, repo, "attestations", subject]:
            pass
        case _:
            return False
    gh.requests.append((handler.path, handler.headers.get("Authorization")))

    def send(status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(body)

    if gh.fault == "rate-limit":
        send(
            403,
            b'{"message": "API rate limit exceeded for 127.0.0.1."}',
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1767225600"},
        )
        return True
    if gh.fault == "429":
        send(429, b'{"message": "secondary rate limit"}', {"retry-after": "60"})
        return True
    if gh.fault == "500":
        send(500, b'{"message": "oops"}')
        return True
    if gh.fault == "redirect":
        send(302, b"", {"Location": gh.next_elsewhere or "https://example.invalid/"})
        return True
    if gh.fault == "malformed":
        send(200, b'{"attestations": [{"bundle": ')
        return True
    if gh.fault == "wrong-shape":
        send(200, b'{"attestation": []}')
        return True
    digest = subject.removeprefix("sha256:")
    bundles = gh.attestations.get((f"{owner}/{repo}", digest))
    if not subject.startswith("sha256:") or not bundles:
        send(404, b'{"message": "Not Found", "status": "404"}')
        return True
    page = int(parse_qs(url.query).get("page", ["1"])[0])
    size = gh.page_size
    chunk = bundles[(page - 1) * size : page * size]
    headers = {}
    if page * size < len(bundles):
        nxt = f"{base}/repos/{owner}/{repo}/attestations/{subject}?per_page={size}&page={page + 1}"
        if gh.fault == "next-elsewhere":
            nxt = gh.next_elsewhere
        headers["Link"] = f'<{nxt}>; rel="next", <{base}{url.path}?page=1>; rel="first"'
    body = {"attestations": [{"bundle": b, "repository_id": 1} for b in chunk]}
    send(200, json.dumps(body).encode(), headers)
    return True


@contextlib.contextmanager
def serve(gh: GitHub) -> Iterator[str]:
    """Run the API on 127.0.0.1; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: object) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if not answer(self, gh, base):
                gh.requests.append((self.path, self.headers.get("Authorization")))
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
