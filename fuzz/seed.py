# SPDX-License-Identifier: Apache-2.0
r"""Seed the fuzz corpora from tests/assets (stdlib only; `nox -s fuzz` runs it).

Writes fuzz/corpus/<target>/seed-*: nothing here is committed. Seeds of the
attestation and verify_bundle targets start with `NAME SHA256HEX\\n`, the
artifact the document is about, so that a seed verifies and the fuzzer starts
from the end of the verification path rather than its first check.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "tests" / "assets"
MAX_SEED = 256 << 10
DOC_SUFFIXES = (".json", ".jsonl", ".slsa", ".sigstore", ".provenance", ".attestation")


def documents() -> Iterator[tuple[Path, bytes]]:
    """Attestation-like files under tests/assets (not manifests or trust roots)."""
    for path in sorted(ASSETS.rglob("*")):
        name = path.name
        is_doc = name.endswith(DOC_SUFFIXES) or ".attestation" in name
        if not path.is_file() or not is_doc or path.stat().st_size > MAX_SEED:
            continue
        if name in {"manifest.json", "expected-errors.json", "cases.json"} or "trust" in path.parts:
            continue
        if "root" in name or "signing_config" in name:
            continue
        yield path, path.read_bytes()


def loads(data: bytes) -> object:
    """Parsed JSON, or None."""
    try:
        return json.loads(data)
    except ValueError:
        return None


def json_values(data: bytes) -> list[object]:
    """The whole file as JSON, else its JSON lines."""
    whole = loads(data)
    if whole is not None:
        return [whole]
    return [v for v in (loads(line) for line in data.splitlines() if line.strip()) if v is not None]


def walk(v: object) -> Iterator[object]:
    """Every value inside `v`, `v` first."""
    yield v
    if isinstance(v, dict):
        for x in v.values():
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)


def b64(s: str) -> bytes | None:
    """Standard or URL-safe base64, padding optional."""
    try:
        return base64.b64decode(
            s + "=" * (-len(s) % 4), altchars=b"-_" if "-" in s or "_" in s else None
        )
    except ValueError:
        return None


def statements(v: object) -> Iterator[dict[str, Any]]:
    """In-toto statements inside DSSE envelopes and PEP 740 attestations."""
    for node in walk(v):
        if isinstance(node, dict):
            for key in ("payload", "statement"):
                raw = node.get(key)
                decoded = b64(raw) if isinstance(raw, str) else None
                st = loads(decoded) if decoded else None
                if isinstance(st, dict) and "subject" in st:
                    yield st


def bundles(v: object) -> Iterator[dict[str, Any]]:
    """Sigstore bundles inside `v`."""
    for node in walk(v):
        if isinstance(node, dict) and "mediaType" in node and "verificationMaterial" in node:
            yield node


def header(v: object) -> bytes:
    r"""`NAME SHA256HEX\\n` for the artifact a document attests."""
    for st in statements(v):
        for s in st.get("subject") or []:
            digest = (s.get("digest") or {}).get("sha256")
            if isinstance(digest, str):
                return f"{s.get('name') or 'artifact'} {digest}\n".encode()
    for node in walk(v):
        if isinstance(node, dict) and isinstance(node.get("messageDigest"), dict):
            raw = b64(node["messageDigest"].get("digest", ""))
            if raw:
                return f"artifact {raw.hex()}\n".encode()
    return b"artifact " + b"0" * 64 + b"\n"


def leaf_cert(bundle: dict[str, Any]) -> str | None:
    """The signing certificate's base64 DER."""
    vm = bundle.get("verificationMaterial") or {}
    if "certificate" in vm:
        return (vm["certificate"] or {}).get("rawBytes")
    chain = (vm.get("x509CertificateChain") or {}).get("certificates") or []
    return chain[0].get("rawBytes") if chain else None


def slsa_policies() -> dict[str, list[dict[str, Any]]]:
    """The slsa-verifier flag sets the SLSA manifest checks, per provenance file."""
    manifest = json.loads((ASSETS / "slsa" / "manifest.json").read_text())
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in manifest["entries"]:
        pols = [c["policy"] for c in entry.get("checks", []) if isinstance(c.get("policy"), dict)]
        out[entry["provenance"]] = pols
    return out


def index_pages() -> list[bytes]:
    """A PEP 691 JSON page and PEP 503 HTML pages listing the asset file names."""
    names = sorted(p.name for p in ASSETS.rglob("*") if p.name.endswith((".whl", ".tar.gz")))
    digest = "0" * 64
    files = [
        {"filename": n, "url": f"../../files/{n}", "hashes": {"sha256": digest}, "provenance": None}
        for n in names
    ]
    if files:
        files[0]["provenance"] = "https://pypi.example/integrity/x/1/x.whl/provenance"
    links = "".join(
        f'<a href="../../files/{n}#sha256={digest}" data-dist-info-metadata="true" '
        f'data-provenance="https://pypi.example/p?a=1&amp;b=2">{n}</a><br/>\n'
        for n in names
    )
    html = f"<!DOCTYPE html><html><body><h1>Links</h1>\n{links}</body></html>\n"
    page = {"meta": {"api-version": "1.1"}, "name": "fuzz", "files": files}
    return [json.dumps(page).encode(), html.encode(), b"<A HREF='/f/x-1.0.tar.gz'>x</A>"]


def seeds() -> dict[str, list[bytes]]:
    """Seeds per target."""
    out: dict[str, list[bytes]] = {t: [] for t in TARGETS}
    policies = slsa_policies()
    for path, data in documents():
        values = json_values(data)
        if not values:
            continue
        out["attestation"].append(header(values[0]) + data)
        out["json"].append(data)
        rel = path.relative_to(ASSETS / "slsa").as_posix() if "slsa" in path.parts else ""
        for v in values:
            for bundle in bundles(v):
                text = json.dumps(bundle, separators=(",", ":")).encode()
                out["bundle"].append(text)
                out["verify_bundle"].append(header(bundle) + text)
                for node in walk(bundle):
                    if isinstance(node, dict) and isinstance(node.get("envelope"), str):
                        out["checkpoint"].append(node["envelope"].encode())
                cert = leaf_cert(bundle)
                for st in statements(bundle) if cert else ():
                    base = {"cert": cert, "statement": st}
                    out["slsa"].append(json.dumps(base).encode())
                    for pol in policies.get(rel, [])[:4]:
                        want = {
                            "kind": "slsa",
                            **{k: x for k, x in pol.items() if isinstance(x, str)},
                        }
                        out["slsa"].append(json.dumps({**base, "policy": want}).encode())
    roots = list(ASSETS.rglob("trusted_root*.json"))
    out["trust_root"] = [p.read_bytes() for p in sorted(roots)]
    out["json"] += out["trust_root"][:2]
    out["index_page"] = index_pages()
    names = {p.name for p in ASSETS.rglob("*") if p.name.endswith((".whl", ".tar.gz", ".zip"))}
    names |= {
        "Foo.Bar-1.0.post1.dev2+local.7-1-cp312-abi3-manylinux_2_17_x86_64.whl",
        "a-1!2.0rc1.tar.gz",
    }
    out["dist"] = [n.encode() for n in sorted(names)]
    wheels = sorted([*ASSETS.rglob("*.whl"), *(ROOT / "examples").glob("*.whl")])
    out["zip"] = [p.read_bytes() for p in wheels]
    return out


TARGETS = [
    "json",
    "bundle",
    "checkpoint",
    "verify_bundle",
    "attestation",
    "slsa",
    "index_page",
    "trust_root",
    "dist",
    "zip",
]


def main(targets: list[str]) -> None:
    """Write the seeds of `targets` (all when empty)."""
    all_seeds = seeds()
    for target in targets or TARGETS:
        corpus = ROOT / "fuzz" / "corpus" / target
        corpus.mkdir(parents=True, exist_ok=True)
        unique = {
            hashlib.sha256(s).hexdigest()[:16]: s for s in all_seeds[target] if len(s) <= MAX_SEED
        }
        for key, data in unique.items():
            (corpus / f"seed-{key}").write_bytes(data)
        print(f"{target}: {len(unique)} seeds")


if __name__ == "__main__":
    main(sys.argv[1:])
