# SPDX-License-Identifier: Apache-2.0
"""A package index on 127.0.0.1 for the online tests: PEP 691 JSON and/or
PEP 503 HTML project pages with PEP 740 provenance links, the files, an
Integrity API, and faults (HTTP 500, truncated bodies, huge bodies, stalls).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import dataclasses
import hashlib
import html
import io
import json
import ssl
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from github_server import GitHub
from github_server import answer as answer_attestations

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclasses.dataclass
class Dist:
    """One file on the index."""

    project: str
    version: str
    filename: str
    data: bytes
    provenance: bytes | None = None
    # "link": page links /provenance/<file>; "integrity": page omits the
    # link, the Integrity API serves it; "null": JSON says provenance: null.
    provenance_via: str = "link"
    # None, "500", "truncate", "huge", "stall" for the provenance body;
    # "file-truncate", "file-stall" for the file body.
    fault: str | None = None
    listed_sha256: str | None = None  # what the index lists; default: the real hash
    # Faults that only hit requests after pip's own resolution download, so
    # they reach our downloader: "truncate" or other bytes.
    later_fault: str | None = None
    later_data: bytes | None = None
    file_gets: int = 0
    # more keys for this file's PEP 691 entry (requires-python, yanked, core-metadata)
    json_extra: dict[str, Any] | None = None

    @property
    def sha256(self) -> str:
        return self.listed_sha256 or hashlib.sha256(self.data).hexdigest()


def normalize(name: str) -> str:
    out, sep = [], False
    for c in name:
        if c in "-_.":
            sep = True
            continue
        if sep and out:
            out.append("-")
        sep = False
        out.append(c.lower())
    return "".join(out)


class Index:
    """The served content; ``mode`` is "json", "html" or "both"."""

    def __init__(self, dists: list[Dist], mode: str = "both") -> None:
        self.dists = dists
        self.mode = mode
        self.hits: list[str] = []
        self.stall_seconds = 30.0
        # GitHub releases: (owner/repo, tag) -> [(asset name, bytes)]
        self.releases: dict[tuple[str, str], list[tuple[str, bytes]]] = {}
        # GitHub's attestation API, served beside the releases (issue 13)
        self.github: GitHub | None = None

    def project(self, name: str) -> list[Dist]:
        return [d for d in self.dists if normalize(d.project) == name]


def _page_json(index: Index, name: str, base: str) -> bytes:
    files = []
    for d in index.project(name):
        f: dict[str, Any] = {
            "filename": d.filename,
            "url": f"{base}/files/{d.filename}",
            "hashes": {"sha256": d.sha256},
        }
        if d.provenance is not None and d.provenance_via == "link":
            f["provenance"] = f"{base}/provenance/{d.filename}"
        elif d.provenance_via == "null":
            f["provenance"] = None
        f.update(d.json_extra or {})
        files.append(f)
    doc = {"meta": {"api-version": "1.1"}, "name": name, "files": files}
    return json.dumps(doc).encode()


def _page_html(index: Index, name: str) -> bytes:
    links = []
    for d in index.project(name):
        # relative links, as pypiserver and devpi write them
        href = html.escape(f"../../files/{d.filename}#sha256={d.sha256}")
        extra = ""
        if d.provenance is not None and d.provenance_via == "link":
            extra = f' data-provenance="{html.escape(f"../../provenance/{d.filename}")}"'
        links.append(f'<a href="{href}"{extra}>{html.escape(d.filename)}</a><br/>')
    body = "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"
    return body.encode()


def _handler(index: Index) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: object) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/octet-stream") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self, body: bytes, fault: str | None, ctype: str) -> None:
            if fault == "500":
                self._send(500, b"internal error", "text/plain")
            elif fault == "truncate":
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
            elif fault == "stall":
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:10])
                self.wfile.flush()
                time.sleep(index.stall_seconds)
                self.close_connection = True
            elif fault == "huge":
                size = 100 * 1024 * 1024
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                chunk = b" " * (1 << 20)
                with contextlib.suppress(OSError):
                    for _ in range(100):
                        self.wfile.write(chunk)
                self.close_connection = True
            else:
                self._send(200, body, ctype)

        def do_HEAD(self) -> None:
            # uv asks for range support with HEAD first; 405 makes it GET the whole file
            self._send(405, b"", "text/plain")

        def do_GET(self) -> None:  # noqa: PLR0911 (one return per route)
            index.hits.append(self.path)
            tls = isinstance(self.server.socket, ssl.SSLSocket)
            port = self.server.server_address[1]
            base = f"https://localhost:{port}" if tls else f"http://127.0.0.1:{port}"
            if index.github is not None and answer_attestations(self, index.github, base):
                return
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            match parts:
                case ["simple", name]:
                    if not index.project(name):
                        self._send(404, b"not found", "text/plain")
                        return
                    wants_json = JSON_TYPE in self.headers.get("Accept", "")
                    if index.mode == "json" or (index.mode == "both" and wants_json):
                        self._send(200, _page_json(index, name, base), JSON_TYPE)
                    else:
                        self._send(200, _page_html(index, name), "text/html")
                case ["files", filename]:
                    d = self._dist(filename)
                    if d is None:
                        return
                    d.file_gets += 1
                    fault = (
                        d.fault.removeprefix("file-")
                        if d.fault and d.fault.startswith("file-")
                        else None
                    )
                    data = d.data
                    if d.file_gets > 1:
                        fault = d.later_fault or fault
                        data = d.later_data or data
                    self._body(data, fault, "application/octet-stream")
                case ["provenance", filename]:
                    d = self._dist(filename)
                    if d is None or d.provenance is None:
                        self._send(404, b"no provenance", "text/plain")
                        return
                    self._provenance(d)
                case ["integrity", _, _, filename, "provenance"]:
                    d = self._dist(filename)
                    if d is None or d.provenance is None or d.provenance_via != "integrity":
                        self._send(404, b"no provenance", "text/plain")
                        return
                    self._provenance(d)
                case ["repos", owner, repo, "releases", "tags", tag]:
                    assets = index.releases.get((f"{owner}/{repo}", tag))
                    if assets is None:
                        self._send(404, b'{"message": "Not Found"}', "application/json")
                        return
                    doc = {
                        "tag_name": tag,
                        "assets": [
                            {
                                "name": name,
                                "size": len(data),
                                "browser_download_url": f"{base}/assets/{owner}/{repo}/{tag}/{name}",
                            }
                            for name, data in assets
                        ],
                    }
                    self._send(200, json.dumps(doc).encode(), "application/json")
                case ["assets", owner, repo, tag, name]:
                    for asset, data in index.releases.get((f"{owner}/{repo}", tag), []):
                        if asset == name:
                            self._send(200, data)
                            return
                    self._send(404, b"not found", "text/plain")
                case _:
                    self._send(404, b"not found", "text/plain")

        def _dist(self, filename: str) -> Dist | None:
            for d in index.dists:
                if d.filename == filename:
                    return d
            self._send(404, b"not found", "text/plain")
            return None

        def _provenance(self, d: Dist) -> None:
            fault = None if d.fault is None or d.fault.startswith("file-") else d.fault
            self._body(d.provenance or b"", fault, "application/vnd.pypi.integrity.v1+json")

    return Handler


@contextlib.contextmanager
def serve(index: Index, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Run the index on 127.0.0.1 (HTTPS with ``tls=(cert, key)``); yields its simple URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(index))
    scheme = "http"
    if tls is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # HTTPS by name: pip 24 on Python 3.13 cannot verify an IP-address host
        # ("check_hostname requires server_hostname"); localhost is loopback too.
        host = "localhost" if tls is not None else "127.0.0.1"
        yield f"{scheme}://{host}:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()


def make_wheel(project: str, version: str, requires: list[str] | None = None) -> Dist:
    """A minimal pure-Python wheel, built in memory (no provenance)."""
    dist = project.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    files = {
        f"{dist}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n"
            + "".join(f"Requires-Dist: {r}\n" for r in requires or [])
        ).encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    buf = io.BytesIO()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            writer.writerow([name, f"sha256={digest}", len(data)])
        writer.writerow([f"{info}/RECORD", "", ""])
        zf.writestr(zipfile.ZipInfo(f"{info}/RECORD", (2024, 1, 1, 0, 0, 0)), record.getvalue())
    return Dist(project, version, f"{dist}-{version}-py3-none-any.whl", buf.getvalue())


def real_dist(path: Path, provenance: Path, project: str, version: str) -> Dist:
    return Dist(project, version, path.name, path.read_bytes(), provenance.read_bytes())


def make_tls(tmp: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a 127.0.0.1 server certificate it signed: (ca, cert, key)."""
    ca_key, ca, key, csr, cert = (
        tmp / n for n in ("ca.key", "ca.pem", "key.pem", "srv.csr", "cert.pem")
    )
    ext = tmp / "ext.cnf"
    ext.write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run(
        "req",
        "-x509",
        *ec,
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
        "-days",
        "2",
        "-subj",
        "/CN=test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    )
    run("req", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    run(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-out",
        str(cert),
        "-days",
        "2",
        "-extfile",
        str(ext),
    )
    return ca, cert, key
