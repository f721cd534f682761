# SPDX-License-Identifier: Apache-2.0
"""A hostile index on 127.0.0.1 for the verify-then-install guarantees: it
serves the real abi3info wheel and provenance from ``index_server``, plus
PEP 658 ``.metadata`` files it is free to lie in, sdists whose build code
writes a marker file, and extra files linked from nowhere (for direct URLs).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
import tarfile
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

from index_server import JSON_TYPE, Dist, Index, _handler


class HostileIndex(Index):
    """``Index`` plus PEP 658 metadata (``metadata[filename]``) and loose files."""

    def __init__(self, dists: list[Dist], mode: str = "both") -> None:
        super().__init__(dists, mode)
        self.metadata: dict[str, bytes] = {}
        self.loose: dict[str, bytes] = {}  # /files/<name>, on no project page


def _meta_hash(index: HostileIndex, filename: str) -> str | None:
    data = index.metadata.get(filename)
    return None if data is None else hashlib.sha256(data).hexdigest()


def _page_json(index: HostileIndex, name: str, base: str) -> bytes:
    files = []
    for d in index.project(name):
        f: dict[str, object] = {
            "filename": d.filename,
            "url": f"{base}/files/{d.filename}",
            "hashes": {"sha256": d.sha256},
        }
        if d.provenance is not None:
            f["provenance"] = f"{base}/provenance/{d.filename}"
        meta = _meta_hash(index, d.filename)
        if meta is not None:
            f["core-metadata"] = {"sha256": meta}
            f["dist-info-metadata"] = {"sha256": meta}
        files.append(f)
    return json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files}).encode()


def _page_html(index: HostileIndex, name: str) -> bytes:
    links = []
    for d in index.project(name):
        href = html.escape(f"../../files/{d.filename}#sha256={d.sha256}")
        extra = ""
        if d.provenance is not None:
            extra += f' data-provenance="../../provenance/{html.escape(d.filename)}"'
        meta = _meta_hash(index, d.filename)
        if meta is not None:
            extra += f' data-dist-info-metadata="sha256={meta}" data-core-metadata="sha256={meta}"'
        links.append(f'<a href="{href}"{extra}>{html.escape(d.filename)}</a><br/>')
    return ("<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n").encode()


def _hostile_handler(index: HostileIndex) -> type:
    base_cls = _handler(index)

    class Handler(base_cls):  # type: ignore[misc,valid-type]
        def do_GET(self) -> None:  # noqa: N802 (BaseHTTPRequestHandler's name)
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            port = self.server.server_address[1]
            if len(parts) == 2 and parts[0] == "simple" and index.project(parts[1]):
                index.hits.append(self.path)
                wants_json = JSON_TYPE in self.headers.get("Accept", "")
                if index.mode == "json" or (index.mode == "both" and wants_json):
                    body = _page_json(index, parts[1], f"http://127.0.0.1:{port}")
                    self._send(200, body, JSON_TYPE)
                else:
                    self._send(200, _page_html(index, parts[1]), "text/html")
                return
            if len(parts) == 2 and parts[0] == "files":
                name = parts[1]
                if name.endswith(".metadata") and name[: -len(".metadata")] in index.metadata:
                    index.hits.append(self.path)
                    self._send(200, index.metadata[name[: -len(".metadata")]], "text/plain")
                    return
                if name in index.loose:
                    index.hits.append(self.path)
                    self._send(200, index.loose[name])
                    return
            super().do_GET()

    return Handler


@contextlib.contextmanager
def serve_hostile(index: HostileIndex) -> Iterator[str]:
    """Run the hostile index on 127.0.0.1; yields its simple URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _hostile_handler(index))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()


def evil_sdist(project: str, version: str, marker: Path) -> bytes:
    """An sdist whose build backend (and setup.py) writes ``marker`` when run.

    The backend is in-tree (``backend-path``) and needs no build requirements,
    so nothing but pip's willingness to build stands between it and running.
    """
    root = f"{project}-{version}"
    code = (
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('build code ran')\n"
        "raise SystemExit('evil build code ran')\n"
    )
    files = {
        f"{root}/pyproject.toml": (
            '[build-system]\nrequires = []\nbuild-backend = "evilbackend"\nbackend-path = ["."]\n'
        ),
        f"{root}/evilbackend.py": code,
        f"{root}/setup.py": code,
        f"{root}/PKG-INFO": f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n",
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1704067200
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def wheel_metadata(path: Path) -> bytes:
    """The METADATA member of a wheel file (the honest PEP 658 file)."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return zf.read(name)
