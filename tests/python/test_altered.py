# SPDX-License-Identifier: Apache-2.0
"""Issue 10 through the Python API and ``pip-verify``: altered copies of real,
verifying PEP 740 attestations, SLSA ``.intoto.jsonl`` provenance, GitHub
attestations and Rekor v2 bundles must fail with the specific kind.

Each test edits a genuine fixture in memory (JSON field edits) and checks
first that the unedited fixture verifies with the same policy.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ASSETS, load_json
from slsa_verify import (
    GitHubPublisher,
    Identity,
    SlsaSource,
    TrustedRoot,
    errors,
    verify_bundle,
    verify_wheel,
)
from slsa_verify._cli import main

EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
PEP740 = ASSETS / "pep740" / "pypi-attestations"
SDIST = PEP740 / "pypi_attestations-0.0.19.tar.gz"
WITH_TSA = PEP740 / "pypi_attestations-0.0.19.tar.gz.publish.attestation.with_timestamp"
SLSA = ASSETS / "slsa"
PRODUCTION = ASSETS / "trust" / "production" / "trusted_root.json"
CONFORMANCE = ASSETS / "conformance" / "bundle-verify"
BEACON = Identity(
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
    "https://token.actions.githubusercontent.com",
)
GENERATOR = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
EXAMPLE_PACKAGE = "github.com/slsa-framework/example-package"

Edit = Callable[[Any], None]


def _set(path: list[str | int], value: Any) -> Edit:
    def edit(doc: Any) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def _get(doc: Any, path: list[str | int]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _bad_spellings(text: str) -> dict[str, str]:
    """Non-canonical base64 spellings of the canonical ``text``."""
    out = {
        "line break": text[:4] + "\n" + text[4:],
        "space": text[:4] + " " + text[4:],
        "trailing newline": text + "\n",
        "extra padding": text + "====",
    }
    data = text.rstrip("=")
    if data != text:
        out["no padding"] = data
        if text.endswith("=="):
            out["short padding"] = data + "="
    if "+" in text or "/" in text:
        out["url-safe"] = text.replace("+", "-").replace("/", "_")
    return out


# ---- PEP 740 ----------------------------------------------------------------

ATT = ["attestation_bundles", 0, "attestations", 0]
PEP740_FIELDS = [
    [*ATT, "envelope", "signature"],
    [*ATT, "envelope", "statement"],
    [*ATT, "verification_material", "certificate"],
    [*ATT, "verification_material", "transparency_entries", 0, "canonicalizedBody"],
    [*ATT, "verification_material", "transparency_entries", 0, "logId", "keyId"],
    [
        *ATT,
        "verification_material",
        "transparency_entries",
        0,
        "inclusionPromise",
        "signedEntryTimestamp",
    ],
    [*ATT, "verification_material", "transparency_entries", 0, "inclusionProof", "rootHash"],
    [*ATT, "verification_material", "transparency_entries", 0, "inclusionProof", "hashes", 0],
]


def _provenance(edit: Edit | None = None) -> bytes:
    doc = load_json(PROVENANCE)
    if edit:
        edit(doc)
    return json.dumps(doc).encode()


def _pep740_policy() -> GitHubPublisher:
    return GitHubPublisher(repository="woodruffw/abi3info", workflow="release.yml")


def test_genuine_pep740_provenance_verifies() -> None:
    assert verify_wheel(WHEEL, _provenance(), policy=_pep740_policy()).format == "pep740-provenance"


@pytest.mark.parametrize("path", PEP740_FIELDS, ids=lambda p: ".".join(map(str, p[4:])))
def test_pep740_base64_fields_are_strict(path: list[str | int]) -> None:
    canonical = _get(load_json(PROVENANCE), path)
    for bad in _bad_spellings(canonical).values():
        with pytest.raises(errors.MalformedEncoding):
            verify_wheel(WHEEL, _provenance(_set(path, bad)), policy=_pep740_policy())


def _with_tsa(edit: Edit | None = None) -> bytes:
    doc = load_json(WITH_TSA)
    if edit:
        edit(doc)
    return json.dumps(doc).encode()


TSA_POLICY = Identity("jku@goto.fi", "https://github.com/login/oauth")
TOKEN = ["verification_material", "timestamps", 0]


def test_genuine_pep740_attestation_with_timestamp_verifies() -> None:
    verify_wheel(SDIST, _with_tsa(), policy=TSA_POLICY, trusted_root=PRODUCTION)


def test_pep740_timestamp_base64_is_strict() -> None:
    canonical = _get(load_json(WITH_TSA), TOKEN)
    for bad in _bad_spellings(canonical).values():
        with pytest.raises(errors.MalformedEncoding):
            verify_wheel(SDIST, _with_tsa(_set(TOKEN, bad)), policy=TSA_POLICY)


def _token_edit(change: Callable[[bytes], bytes]) -> Edit:
    def edit(doc: Any) -> None:
        raw = base64.b64decode(_get(doc, TOKEN))
        _set(TOKEN, base64.b64encode(change(raw)).decode())(doc)

    return edit


def _tsa_leaf(token: bytes) -> tuple[int, bytes]:
    root = load_json(PRODUCTION)
    for tsa in root["timestampAuthorities"]:
        for cert in tsa["certChain"]["certificates"]:
            der = base64.b64decode(cert["rawBytes"])
            if (at := token.find(der)) >= 0:
                return at, der
    raise AssertionError("the fixture token embeds no trusted TSA certificate")


def test_pep740_token_with_a_changed_embedded_certificate_is_untrusted() -> None:
    raw = base64.b64decode(_get(load_json(WITH_TSA), TOKEN))
    at, leaf = _tsa_leaf(raw)

    def flip_last_cert_byte(t: bytes) -> bytes:
        i = at + len(leaf) - 1
        return t[:i] + bytes([t[i] ^ 1]) + t[i + 1 :]

    with pytest.raises(errors.TimestampUntrustedAuthority):
        verify_wheel(SDIST, _with_tsa(_token_edit(flip_last_cert_byte)), policy=TSA_POLICY)


@pytest.mark.parametrize(
    "change",
    [lambda t: t + b"\x00", lambda t: t[:-1]],
    ids=["trailing-byte", "truncated"],
)
def test_pep740_token_not_strict_der_is_malformed(change: Callable[[bytes], bytes]) -> None:
    with pytest.raises(errors.TimestampMalformed):
        verify_wheel(SDIST, _with_tsa(_token_edit(change)), policy=TSA_POLICY)


PEP740_PROOF = [*ATT, "verification_material", "transparency_entries", 0, "inclusionProof"]


def test_pep740_edited_root_hash_and_tree_size_are_checkpoint_mismatches() -> None:
    proof = _get(load_json(PROVENANCE), PEP740_PROOF)
    root = bytearray(base64.b64decode(proof["rootHash"]))
    root[0] ^= 1
    edits = [
        _set([*PEP740_PROOF, "rootHash"], base64.b64encode(bytes(root)).decode()),
        _set([*PEP740_PROOF, "treeSize"], str(int(proof["treeSize"]) + 1)),
        _set([*PEP740_PROOF, "treeSize"], str(int(proof["treeSize"]) - 1)),
    ]
    for edit in edits:
        with pytest.raises(errors.TlogCheckpointMismatch):
            verify_wheel(WHEEL, _provenance(edit), policy=_pep740_policy())


def test_pep740_extra_proof_hash_is_an_invalid_proof() -> None:
    def edit(doc: Any) -> None:
        hashes = _get(doc, [*PEP740_PROOF, "hashes"])
        hashes.append(hashes[-1])

    with pytest.raises(errors.TlogInclusionProofInvalid):
        verify_wheel(WHEEL, _provenance(edit), policy=_pep740_policy())


# ---- SLSA .intoto.jsonl and GitHub attestations ---------------------------------

GENERIC = SLSA / "gha_generic/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.jsonl"
GENERIC_ARTIFACT = SLSA / "gha_generic/v2.1.0/binary-linux-amd64-workflow_dispatch"
GENERIC_POLICY = SlsaSource(EXAMPLE_PACKAGE, builder_id=GENERATOR + "generator_generic_slsa3.yml")


def _jsonl(path: Path, edit: Edit | None = None) -> bytes:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if edit:
        edit(lines[0])
    return "\n".join(json.dumps(x) for x in lines).encode() + b"\n"


def test_genuine_slsa_jsonl_verifies() -> None:
    verify_wheel(GENERIC_ARTIFACT, _jsonl(GENERIC), policy=GENERIC_POLICY)


@pytest.mark.parametrize(
    "path",
    [
        ["dsseEnvelope", "payload"],
        ["dsseEnvelope", "signatures", 0, "sig"],
        ["verificationMaterial", "certificate", "rawBytes"],
        ["verificationMaterial", "tlogEntries", 0, "canonicalizedBody"],
        ["verificationMaterial", "tlogEntries", 0, "inclusionPromise", "signedEntryTimestamp"],
    ],
    ids=lambda p: ".".join(map(str, p)),
)
def test_slsa_jsonl_base64_fields_are_strict(path: list[str | int]) -> None:
    canonical = _get(json.loads(GENERIC.read_text().splitlines()[0]), path)
    for bad in _bad_spellings(canonical).values():
        with pytest.raises(errors.MalformedEncoding):
            verify_wheel(GENERIC_ARTIFACT, _jsonl(GENERIC, _set(path, bad)), policy=GENERIC_POLICY)


def test_slsa_jsonl_tree_size_off_by_one_is_a_checkpoint_mismatch() -> None:
    proof = ["verificationMaterial", "tlogEntries", 0, "inclusionProof"]
    size = int(_get(json.loads(GENERIC.read_text().splitlines()[0]), [*proof, "treeSize"]))
    with pytest.raises(errors.TlogCheckpointMismatch):
        verify_wheel(
            GENERIC_ARTIFACT,
            _jsonl(GENERIC, _set([*proof, "treeSize"], str(size + 1))),
            policy=GENERIC_POLICY,
        )


BUILDERS = [
    # (provenance, artifact, source, builder name, real version)
    (
        "gha_delegator/v2.1.0/binary-linux-amd64-workflow_dispatch.build.slsa",
        "gha_delegator/v2.1.0/binary-linux-amd64-workflow_dispatch",
        EXAMPLE_PACKAGE,
        "https://github.com/slsa-framework/example-trw/.github/workflows/builder_high-perms_slsa3.yml",
        "v2.1.0",
    ),
    (
        "gha_gradle/v2.1.0/binary-linux-amd64-workflow_dispatch.build.slsa",
        "gha_gradle/v2.1.0/binary-linux-amd64-workflow_dispatch",
        EXAMPLE_PACKAGE,
        GENERATOR + "builder_gradle_slsa3.yml",
        "v2.1.0",
    ),
    (
        "gha_maven/v2.1.0/binary-linux-amd64-workflow_dispatch.build.slsa",
        "gha_maven/v2.1.0/binary-linux-amd64-workflow_dispatch",
        EXAMPLE_PACKAGE,
        GENERATOR + "builder_maven_slsa3.yml",
        "v2.1.0",
    ),
    (
        "gha_container-based/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.build.slsa",
        "gha_container-based/v2.1.0/binary-linux-amd64-workflow_dispatch",
        EXAMPLE_PACKAGE,
        GENERATOR + "builder_container-based_slsa3.yml",
        "v2.1.0",
    ),
    (
        "bcr/MODULE.bazel.intoto.jsonl",
        "bcr/MODULE.bazel",
        "github.com/aspect-build/rules_lint",
        "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml",
        "v0.0.1",
    ),
]


@pytest.mark.parametrize("builder", BUILDERS, ids=[b[0].split("/")[0] for b in BUILDERS])
def test_builder_id_version_must_match_exactly(builder: tuple[str, str, str, str, str]) -> None:
    prov, artifact, source, name, version = builder
    for ok in (name, f"{name}@{version}", f"{name}@refs/tags/{version}"):
        verify_wheel(SLSA / artifact, SLSA / prov, policy=SlsaSource(source, builder_id=ok))
    bare = version.lstrip("v")
    for wrong in ("v0.0.0", "v9.9.9", bare, f"{version}.1", f"refs/heads/{version}", ""):
        with pytest.raises(errors.BuilderIdMismatch):
            verify_wheel(
                SLSA / artifact,
                SLSA / prov,
                policy=SlsaSource(source, builder_id=f"{name}@{wrong}"),
            )


@pytest.mark.parametrize("builder", BUILDERS[:2] + BUILDERS[-1:], ids=["byob", "gradle", "github"])
def test_cli_builder_id_with_a_wrong_version(builder: tuple[str, str, str, str, str]) -> None:
    prov, artifact, source, name, _ = builder
    out = io.StringIO()
    argv = [
        "verify",
        str(SLSA / artifact),
        "--provenance-path",
        str(SLSA / prov),
        "--source-uri",
        source,
        "--builder-id",
        f"{name}@v0.0.9",
        "--json",
    ]
    assert main(argv, out=out, errout=io.StringIO()) == 1
    assert json.loads(out.getvalue())["error"]["kind"] == "BuilderIdMismatch"


# ---- Rekor v2 bundles (sigstore-conformance) ----------------------------------

REKOR2 = CONFORMANCE / "rekor2-timestamp-with-embedded-cert"


def _rekor2(edit: Edit | None = None) -> bytes:
    doc = load_json(REKOR2 / "bundle.sigstore.json")
    if edit:
        edit(doc)
    return json.dumps(doc).encode()


def _verify_rekor2(bundle: bytes) -> None:
    verify_bundle(
        CONFORMANCE / "a.txt",
        bundle,
        policy=BEACON,
        trusted_root=TrustedRoot.from_file(REKOR2 / "trusted_root.json"),
    )


def test_genuine_rekor2_bundle_verifies() -> None:
    _verify_rekor2(_rekor2())


def test_rekor2_proof_edits() -> None:
    proof = ["verificationMaterial", "tlogEntries", 0, "inclusionProof"]
    doc = load_json(REKOR2 / "bundle.sigstore.json")
    p = _get(doc, proof)
    root = bytearray(base64.b64decode(p["rootHash"]))
    root[-1] ^= 0x80
    cases: list[tuple[Edit, type[Exception]]] = [
        (
            _set([*proof, "rootHash"], base64.b64encode(bytes(root)).decode()),
            errors.TlogCheckpointMismatch,
        ),
        (_set([*proof, "treeSize"], str(int(p["treeSize"]) + 1)), errors.TlogCheckpointMismatch),
        (_set([*proof, "treeSize"], str(int(p["treeSize"]) - 1)), errors.TlogCheckpointMismatch),
        (_set([*proof, "logIndex"], str(int(p["logIndex"]) - 1)), errors.TlogInclusionProofInvalid),
        (
            _set([*proof, "hashes"], [*p["hashes"], p["hashes"][0]]),
            errors.TlogInclusionProofInvalid,
        ),
    ]
    for edit, kind in cases:
        with pytest.raises(kind):
            _verify_rekor2(_rekor2(edit))


def test_rekor2_token_with_a_changed_embedded_certificate_is_untrusted() -> None:
    path = [
        "verificationMaterial",
        "timestampVerificationData",
        "rfc3161Timestamps",
        0,
        "signedTimestamp",
    ]
    raw = base64.b64decode(_get(load_json(REKOR2 / "bundle.sigstore.json"), path))
    leaf = base64.b64decode(
        load_json(REKOR2 / "trusted_root.json")["timestampAuthorities"][0]["certChain"][
            "certificates"
        ][0]["rawBytes"]
    )
    at = raw.find(leaf)
    assert at > 0
    i = at + len(leaf) - 2
    changed = raw[:i] + bytes([raw[i] ^ 0x10]) + raw[i + 1 :]
    with pytest.raises(errors.TimestampUntrustedAuthority):
        _verify_rekor2(_rekor2(_set(path, base64.b64encode(changed).decode())))
    with pytest.raises(errors.TimestampMalformed):
        _verify_rekor2(_rekor2(_set(path, base64.b64encode(raw + b"\x00").decode())))
