# SPDX-License-Identifier: Apache-2.0
"""A hostile or demanding package index on 127.0.0.1, built on index_server:
HTTP Basic auth on every request, a project page replaced by any bytes, a
fixed status for chosen paths, and a record of every request's
``Authorization`` header.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

from index_server import Dist, Index, _handler


class HostileIndex(Index):
    """An Index with the extra behaviours; ``requests`` holds (path, Authorization)."""

    def __init__(self, dists: list[Dist], mode: str = "json") -> None:
        super().__init__(dists, mode)
        self.auth: str | None = None  # the Authorization value every request needs
        self.page: bytes | None = None  # served for every /simple/<project>/ request
        self.page_type = "application/vnd.pypi.simple.v1+json"
        self.status: dict[str, int] = {}  # path prefix -> status
        self.requests: list[tuple[str, str | None]] = []


def _hostile_handler(index: HostileIndex) -> type:
    base = _handler(index)

    class Handler(base):  # type: ignore[misc,valid-type]
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            auth = self.headers.get("Authorization")
            index.requests.append((self.path, auth))
            if index.auth is not None and auth != index.auth:
                index.hits.append(self.path)
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="test"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            for prefix, status in index.status.items():
                if self.path.startswith(prefix):
                    index.hits.append(self.path)
                    self._send(status, b"no", "text/plain")
                    return
            if index.page is not None and self.path.startswith("/simple/"):
                index.hits.append(self.path)
                self._send(200, index.page, index.page_type)
                return
            super().do_GET()

    return Handler


@contextlib.contextmanager
def serve_hostile(index: HostileIndex) -> Iterator[str]:
    """Run the index on 127.0.0.1; yields its base URL (``http://127.0.0.1:PORT``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _hostile_handler(index))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
