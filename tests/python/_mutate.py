# SPDX-License-Identifier: Apache-2.0
"""Deterministic mutants of verifying fixtures (test helper for test_mutations.py).

Every function here is pure: the same fixture always gives the same mutants in
the same order (no randomness). A mutant is a ``Mutant``: its family (the
summary groups by it), a human-readable location, and the mutated attestation
bytes.

Mutations are made on the parsed JSON and re-serialized; inside base64 fields
they act on the decoded bytes (bit flips) or on the text (non-canonical
encodings); base64 fields that hold JSON (DSSE payloads, PEP 740 statements,
Rekor bodies) are decoded, mutated as JSON and re-encoded canonically, so the
signature over them must then fail.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Json = Any

#: Summary lines of the mutation run, printed at the end of the session.
SUMMARY: list[str] = []

#: Fields whose string value is standard base64 (bundle, PEP 740 and Rekor bodies).
B64_KEYS = frozenset(
    {
        "rawBytes",
        "certificate",
        "signature",
        "statement",
        "payload",
        "sig",
        "signedEntryTimestamp",
        "rootHash",
        "keyId",
        "canonicalizedBody",
        "signedTimestamp",
        "digest",
        "content",
        "verifier",
        "hashes",
    }
)
#: Fields holding int64 values (protobuf JSON strings or JSON integers).
INT_KEYS = frozenset({"logIndex", "integratedTime", "treeSize", "version"})
#: Base64 fields whose decoded bytes are DER (flip a byte in the middle of the DER).
DER_KEYS = frozenset({"rawBytes", "certificate", "signedTimestamp"})
_B64_RE = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_HEX_RE = re.compile(r"^[0-9a-f]{40,128}$")
_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@dataclass(frozen=True)
class Mutant:
    family: str
    where: str
    data: bytes


Path_ = tuple[Any, ...]


def dumps(doc: Json) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes | None:
    if len(text) < 4 or len(text) % 4 or not _B64_RE.match(text):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        return None


def path_str(path: Path_) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) or "."


def get(doc: Json, path: Path_) -> Json:
    for p in path:
        doc = doc[p]
    return doc


def replaced(doc: Json, path: Path_, value: Json) -> Json:
    """A deep copy of ``doc`` with the node at ``path`` set to ``value``."""
    out = copy.deepcopy(doc)
    if not path:
        return value
    get(out, path[:-1])[path[-1]] = value
    return out


def removed(doc: Json, path: Path_) -> Json:
    out = copy.deepcopy(doc)
    parent = get(out, path[:-1])
    del parent[path[-1]]
    return out


def walk(doc: Json, path: Path_ = ()) -> Iterator[tuple[Path_, Json]]:
    """Every node, pre-order, with its path."""
    yield path, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from walk(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from walk(v, (*path, i))


def key_of(path: Path_) -> str:
    """The nearest dict key on the path (list items inherit their list's key)."""
    for p in reversed(path):
        if isinstance(p, str):
            return p
    return ""


def field_of(path: Path_) -> str:
    """The last two dict keys on the path (``inclusionProof.treeSize``): the
    field a family is named after."""
    keys = [p for p in path if isinstance(p, str)]
    return ".".join(keys[-2:])


def _der_tlv(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """(tag, start of value, end of value) of the DER element at ``pos``."""
    if pos + 2 > len(data):
        return None
    tag, length = data[pos], data[pos + 1]
    start = pos + 2
    if length & 0x80:
        n = length & 0x7F
        if n == 0 or n > 4 or start + n > len(data):
            return None
        length = int.from_bytes(data[start : start + n], "big")
        start += n
    if start + length > len(data):
        return None
    return tag, start, start + length


def _der_children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    pos = start
    while pos < end:
        tlv = _der_tlv(data, pos)
        if tlv is None:
            break
        out.append(tlv)
        pos = tlv[2]
    return out


def tsa_regions(token: bytes) -> dict[str, tuple[int, int]]:
    """Byte ranges of an RFC 3161 TimeStampResp: the TSTInfo (signed content),
    the embedded certificates and the signer info (signature)."""
    out: dict[str, tuple[int, int]] = {}
    resp = _der_tlv(token, 0)
    if resp is None:
        return out
    kids = _der_children(token, resp[1], resp[2])
    if len(kids) < 2:
        return out
    content_info = _der_children(token, kids[1][1], kids[1][2])  # contentType, [0]
    if len(content_info) < 2:
        return out
    signed = _der_children(token, content_info[1][1], content_info[1][2])
    if not signed:
        return out
    for tag, s, e in _der_children(token, signed[0][1], signed[0][2]):
        if tag == 0x30 and "tstinfo" not in out:  # encapContentInfo
            out["tstinfo"] = (s, e)
        elif tag == 0xA0:
            out["certs"] = (s, e)
        elif tag == 0x31:
            out["signerinfo"] = (s, e)  # the last SET is signerInfos
    return out


def flip_bit(data: bytes, index: int, bit: int = 0) -> bytes:
    b = bytearray(data)
    b[index] ^= 1 << bit
    return bytes(b)


def flip_positions(data: bytes, key: str) -> list[tuple[str, int]]:
    """(operation, byte index) to flip: first, middle and last byte; DER
    values a byte in the middle and one a quarter in (inside the signed TBS
    part of a certificate); RFC 3161 tokens the middle of each region."""
    n = len(data)
    if n == 0:
        return []
    if key == "signedTimestamp":
        regions = tsa_regions(data)
        if regions:
            return [(f"flip-tsa-{name}", (s + e) // 2) for name, (s, e) in sorted(regions.items())]
    if key in DER_KEYS:
        return [("flip-mid", n // 2), ("flip-quarter", n // 4)]
    if key == "hashes":
        return [("flip-mid", n // 2)]
    return [("flip-first", 0), ("flip-mid", n // 2), ("flip-last", n - 1)]


def noncanonical_b64(text: str) -> list[tuple[str, str]]:
    """Non-canonical spellings of one canonical base64 value (same bytes for a
    lenient decoder): each must be refused (spec 0.4: strict base64)."""
    out: list[tuple[str, str]] = []
    stripped = text.rstrip("=")
    pad = len(text) - len(stripped)
    if pad == 2:
        out.append(("b64-short-padding", text[:-1]))
    if pad:
        out.append(("b64-no-padding", stripped))
        # Set an unused trailing bit of the last data character.
        last = _B64_ALPHABET.index(stripped[-1])
        unused = 4 if pad == 2 else 2  # bits of the last char that carry nothing
        bumped = last | 1
        if bumped != last and bumped & ((1 << unused) - 1):
            out.append(("b64-trailing-bits", stripped[:-1] + _B64_ALPHABET[bumped] + "=" * pad))
    else:
        out.append(("b64-extra-padding", text + "=="))
    mid = len(text) // 2
    out.append(("b64-space", text[:mid] + " " + text[mid:]))
    out.append(("b64-newline", text[:mid] + "\n" + text[mid:]))
    if "+" in text or "/" in text:
        out.append(("b64-urlsafe", text.replace("+", "-").replace("/", "_")))
    return out


def _str_variants(value: str) -> list[tuple[str, str]]:
    out = [("str-suffix", value + "x"), ("str-prefix", "x" + value)]
    swapped = value.swapcase()
    if swapped != value:
        out.append(("str-case", swapped))
    return out


def _int_variants(value: Json) -> list[tuple[str, Json]]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [("int-plus1", value + 1), ("int-minus1", value - 1)]
    if isinstance(value, str) and value.isdigit():
        n = int(value)
        return [("int-plus1", str(n + 1)), ("int-minus1", str(n - 1))]
    return []


def json_mutants(
    doc: Json,
    *,
    prefix: str = "",
    unknown_fields: Callable[[Path_], bool] = lambda _p: True,
    donors: dict[str, list[Json]] | None = None,
    depth: int = 0,
) -> Iterator[tuple[str, Path_, Json]]:
    """(family, path, mutated document) for every node of ``doc``.

    ``unknown_fields(path)`` says whether an unknown field added to the object
    at ``path`` must be refused (false where the spec says to ignore them).
    ``donors`` maps a list's key to lists from other fixtures: one item is
    swapped in (``list-foreign``).
    """
    for path, node in walk(doc):
        key = key_of(path)
        # Inside decoded (signed) JSON every change breaks the signature the
        # same way: structural mutants near the root only, one edit per leaf.
        shallow = depth == 0 or len(path) <= 2
        if isinstance(node, dict):
            for k in node if shallow else ():
                yield f"{prefix}field-removed", (*path, k), removed(doc, (*path, k))
            if shallow and unknown_fields(path):
                yield (
                    f"{prefix}field-unknown",
                    path,
                    replaced(doc, path, {**node, "mutantUnknownField": "x"}),
                )
        elif isinstance(node, list) and shallow:
            for i in range(len(node)):
                yield f"{prefix}list-drop", (*path, i), removed(doc, (*path, i))
            if node:
                yield f"{prefix}list-dup", (*path, 0), replaced(doc, path, [node[0], *node])
            if len(node) >= 2 and node[0] != node[1]:
                swapped = [node[1], node[0], *node[2:]]
                yield f"{prefix}list-swap", (*path, 0), replaced(doc, path, swapped)
            for other in (donors or {}).get(key, []):
                if other and other[0] not in node and node:
                    yield (
                        f"{prefix}list-foreign",
                        (*path, 0),
                        replaced(doc, path, [other[0], *node[1:]]),
                    )
                    break
        elif isinstance(node, (int, str)) and key in INT_KEYS and _int_variants(node):
            for fam, v in _int_variants(node):
                yield f"{prefix}{fam}", path, replaced(doc, path, v)
        elif isinstance(node, str) and key in B64_KEYS and (raw := unb64(node)) is not None:
            yield from _b64_mutants(doc, path, node, raw, prefix, key, depth)
        elif isinstance(node, str) and key == "envelope" and "\n" in node:
            for fam, v in checkpoint_variants(node):
                yield f"{prefix}{fam}", path, replaced(doc, path, v)
        elif isinstance(node, str) and _HEX_RE.match(node):
            flipped = ("0" if node[len(node) // 2] != "0" else "1").join(
                (node[: len(node) // 2], node[len(node) // 2 + 1 :])
            )
            yield f"{prefix}hex-flip", path, replaced(doc, path, flipped)
        elif isinstance(node, str):
            variants = _str_variants(node)
            for fam, v in variants if depth == 0 else variants[:1]:
                yield f"{prefix}{fam}", path, replaced(doc, path, v)


def _b64_mutants(  # noqa: PLR0917 (one call site, all positional)
    doc: Json, path: Path_, text: str, raw: bytes, prefix: str, key: str, depth: int
) -> Iterator[tuple[str, Path_, Json]]:
    for op, i in flip_positions(raw, key):
        yield f"{prefix}{op}", path, replaced(doc, path, b64(flip_bit(raw, i)))
    # One flip per proof hash; the spellings on the first hash only; inside
    # decoded JSON a changed spelling is just changed signed bytes.
    if (key != "hashes" or path[-1] == 0) and depth == 0:
        for fam, v in noncanonical_b64(text):
            yield f"{prefix}{fam}", path, replaced(doc, path, v)
    if depth == 0 and raw[:1] == b"{":
        try:
            inner = json.loads(raw)
        except ValueError:
            return
        # The signed JSON itself: every field, re-encoded canonically.
        for fam, ipath, mutated in json_mutants(inner, prefix="", depth=depth + 1):
            yield (
                f"{prefix}{fam}",
                (*path, "<decoded>", *ipath),
                replaced(doc, path, b64(dumps(mutated))),
            )


def checkpoint_variants(text: str) -> list[tuple[str, str]]:
    """Mutants of a signed note (C2SP checkpoint): origin, size, root hash,
    each signature line."""
    lines = text.split("\n")
    out: list[tuple[str, str]] = []
    try:
        blank = lines.index("")
    except ValueError:
        return [("checkpoint-suffix", text + "x")]
    body, sigs = lines[:blank], lines[blank + 1 :]

    def join(b: list[str], s: list[str]) -> str:
        return "\n".join([*b, "", *s])

    if body:
        out.append(("checkpoint-origin", join([body[0] + "x", *body[1:]], sigs)))
    if len(body) > 1 and body[1].isdigit():
        n = int(body[1])
        out.append(("checkpoint-size+1", join([body[0], str(n + 1), *body[2:]], sigs)))
        out.append(("checkpoint-size-1", join([body[0], str(n - 1), *body[2:]], sigs)))
    if len(body) > 2 and (root := unb64(body[2])) is not None:
        out.append(
            ("checkpoint-root-flip", join([*body[:2], b64(flip_bit(root, 0)), *body[3:]], sigs))
        )
    out.append(("checkpoint-extra-body-line", join([*body, "extra"], sigs)))
    for i, line in enumerate(sigs):
        parts = line.rsplit(" ", 1)
        if len(parts) == 2 and (sig := unb64(parts[1])) is not None:
            flipped = [*sigs]
            flipped[i] = parts[0] + " " + b64(flip_bit(sig, len(sig) - 1))
            out.append((f"checkpoint-sig{i}-flip", join(body, flipped)))
    return out
