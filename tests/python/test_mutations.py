# SPDX-License-Identifier: Apache-2.0
"""Deterministic mutation suite (issue 10): every verifying fixture in
tests/assets (and examples/) is mutated field by field, and every mutant must
be refused with a ``VerificationError`` subclass: never accepted, never a
``NetworkError``, never another exception. Policy mutants must be refused with
the policy kind of their family. The unmutated fixture must verify first, so
the suite cannot pass for the wrong reason.

Mutations the spec says change nothing (an ignored field, a second source of
verified time, ...) are skipped, each with its reason in ``_NEUTRAL``.
Fixtures that share a directory and a builder share their structure: the
first gets every mutant, the others every ``STRIDE``-th. The counts per family
appear in the terminal summary ("mutation suite"). Mutant generation is in
``_mutate.py``; nothing is random.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import _mutate as m
import pytest
from conftest import ASSETS, load_json
from slsa_verify import (
    CircleCIPublisher,
    GitHubPublisher,
    GitLabPublisher,
    GooglePublisher,
    Identity,
    Policy,
    SlsaSource,
    TrustedRoot,
    errors,
    verify_bundle,
    verify_wheel,
)

EXAMPLES = ASSETS.parent.parent / "examples"
CONF = ASSETS / "conformance"
SLSA = ASSETS / "slsa"
PEP740 = ASSETS / "pep740"
CPY = ASSETS / "sigstore-real" / "cpython"
PRODUCTION = TrustedRoot.from_file(ASSETS / "trust" / "production" / "trusted_root.json")
STAGING = TrustedRoot.staging()
JOBS = 4


@dataclasses.dataclass(frozen=True)
class Fixture:
    """One verifying fixture and how to verify it."""

    group: str
    name: str
    attestation: bytes
    policy: Policy | None
    api: str  # "bundle" (verify_bundle) or "wheel" (verify_wheel)
    artifact: Path | None = None  # the real file (None: by digest)
    digest: str | None = None  # hex sha256 when verified by digest
    artifact_name: str | None = None  # the name a wheel-API artifact is presented under
    key: bytes | None = None
    root: TrustedRoot | None = None
    pep740: bool = False  # PEP 740 objects ignore unknown fields (spec 0.4.7)
    all_policies: tuple[Policy, ...] = ()

    @property
    def container(self) -> bool:
        return self.attestation.lstrip().startswith(b'{"attestations"')


# ---------------------------------------------------------------- fixtures


def _conformance() -> Iterator[Fixture]:
    for case in load_json(CONF / "cases.json")["cases"]:
        if case["expected"] != "pass":
            continue
        key = (CONF / case["key"]).read_bytes() if case.get("key") else None
        policy = None if key else Identity(case["identity"], case["issuer"])
        root = (
            TrustedRoot.from_file(CONF / case["trusted_root"])
            if case.get("trusted_root")
            else PRODUCTION
        )
        yield Fixture(
            "conformance",
            case["name"],
            (CONF / case["bundle"]).read_bytes(),
            policy,
            "bundle",
            artifact=CONF / case["artifact"],
            key=key,
            root=root,
            all_policies=(policy,) if policy else (),
        )


def _cpython() -> Iterator[Fixture]:
    for entry in load_json(CPY / "manifest.json")["entries"]:
        policy = Identity(entry["identity"], entry["issuer"])
        yield Fixture(
            "cpython",
            entry["bundle"],
            (CPY / entry["bundle"]).read_bytes(),
            policy,
            "bundle",
            digest=entry["digest_arg"].removeprefix("sha256:"),
            root=PRODUCTION,
            all_policies=(policy,),
        )
    # examples/: the README's bundle and provenance
    for bundle in sorted(EXAMPLES.glob("*.sigstore.json")):
        entry = next(
            e for e in load_json(CPY / "manifest.json")["entries"] if e["bundle"] == bundle.name
        )
        policy = Identity(entry["identity"], entry["issuer"])
        yield Fixture(
            "examples",
            bundle.name,
            bundle.read_bytes(),
            policy,
            "bundle",
            digest=entry["digest_arg"].removeprefix("sha256:"),
            root=PRODUCTION,
            all_policies=(policy,),
        )
    wheel = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
    policy = GitHubPublisher("woodruffw/abi3info", "release.yml")
    yield Fixture(
        "examples",
        wheel.name + ".provenance",
        wheel.with_name(wheel.name + ".provenance").read_bytes(),
        policy,
        "wheel",
        artifact=wheel,
        artifact_name=wheel.name,
        root=PRODUCTION,
        pep740=True,
        all_policies=(policy,),
    )


_PUBLISHERS: dict[str, Any] = {
    "github": GitHubPublisher,
    "gitlab": GitLabPublisher,
    "google": GooglePublisher,
    "circleci": CircleCIPublisher,
}


def _pep740_policy(p: dict[str, Any]) -> Policy:
    if p.get("publisher"):
        fields = dict(p["publisher"])
        return _PUBLISHERS[fields.pop("kind").lower()](**fields)  # type: ignore[no-any-return]
    return Identity(p["identity"], p["issuer"])


def _pep740() -> Iterator[Fixture]:
    files = {
        hashlib.sha256(p.read_bytes()).hexdigest(): p
        for p in [*PEP740.rglob("*"), *EXAMPLES.glob("*")]
        if p.is_file()
    }
    for entry in load_json(PEP740 / "manifest.json")["entries"]:
        if entry["file"].endswith(".pem"):
            continue
        passing = [c["policy"] for c in entry.get("checks") or [] if c["expected"] == "pass"]
        if not passing:
            continue
        p = passing[0]
        attests = entry.get("attests") or {}
        name = p.get("dist_name") or attests["name"]
        sha = p.get("dist_sha256") or attests["sha256"]
        text = (PEP740 / entry["file"]).read_bytes()
        yield Fixture(
            "pep740",
            entry["file"],
            text,
            _pep740_policy(p),
            "wheel",
            artifact=files.get(sha),
            digest=None if sha in files else sha,
            artifact_name=name,
            root=STAGING if p.get("trust_root") == "staging" else PRODUCTION,
            pep740=text.lstrip().startswith(b"{") and b'"verification_material"' in text,
            all_policies=tuple(
                _pep740_policy(q)
                for q in passing
                if (q.get("dist_name") or attests["name"]) == name
            ),
        )


def _slsa_policy(p: dict[str, Any]) -> SlsaSource:
    return SlsaSource(
        p["source_uri"],
        source_tag=p.get("source_tag"),
        source_branch=p.get("source_branch"),
        source_versioned_tag=p.get("source_versioned_tag"),
        builder_id=p.get("builder_id"),
    )


def _slsa() -> Iterator[Fixture]:
    deviations = load_json(SLSA / "expected-errors.json")["deviations"]
    for entry in load_json(SLSA / "manifest.json")["entries"]:
        if not entry["offline_verifiable"]:
            continue
        passing = [
            c["policy"]
            for i, c in enumerate(entry["checks"])
            if c["expected"] == "pass" and f"{entry['provenance']}#{i}" not in deviations
        ]
        if not passing:
            continue
        text = (SLSA / entry["provenance"]).read_bytes()
        if passing[0]:
            yield Fixture(
                "slsa",
                entry["provenance"],
                text,
                _slsa_policy(passing[0]),
                "wheel",
                artifact=SLSA / entry["artifact"],
                artifact_name=Path(entry["artifact"]).name,
                root=PRODUCTION,
                all_policies=tuple(_slsa_policy(p) for p in passing),
            )
        else:  # bundle unit fixtures: the Sigstore layer alone
            att = entry["attestations"][0]
            policy = Identity(att["cert_san"], att["cert_issuer"])
            yield Fixture(
                "slsa-bundle",
                entry["provenance"],
                text,
                policy,
                "bundle",
                digest=att["subjects"][0]["digest"],
                root=PRODUCTION,
                all_policies=(policy,),
            )


FIXTURES = [*_conformance(), *_cpython(), *_pep740(), *_slsa()]
GROUPS = sorted({f.group for f in FIXTURES})


# ---------------------------------------------------------------- running


def _verify(  # noqa: PLR0917 (mirrors Case's fields)
    fx: Fixture,
    tmp: Path,
    attestation: bytes | None = None,
    policy: Policy | None = None,
    artifact: bytes | None = None,
    digest: str | None = None,
) -> str:
    """'pass', or the error kind raised; anything but our own errors is
    reported as 'CRASH:<type>: <text>'."""
    att = fx.attestation if attestation is None else attestation
    pol = fx.policy if policy is None else policy
    path = fx.artifact
    if artifact is not None:
        path = tmp / (fx.artifact_name or (fx.artifact.name if fx.artifact else "artifact"))
        path.write_bytes(artifact)
    sha = digest or fx.digest
    try:
        if fx.api == "bundle":
            target: str | Path = f"sha256:{sha}" if sha else path  # type: ignore[assignment]
            verify_bundle(target, att, policy=pol, key=fx.key, trusted_root=fx.root)
        else:
            if sha is not None:
                wheel_path = tmp / (fx.artifact_name or "artifact")
            elif path is not None and fx.artifact_name and path.name != fx.artifact_name:
                wheel_path = tmp / fx.artifact_name
                shutil.copy(path, wheel_path)
            else:
                wheel_path = path  # type: ignore[assignment]
            assert pol is not None
            verify_wheel(wheel_path, att, policy=pol, trusted_root=fx.root, sha256=sha)
    except errors.Error as err:
        return type(err).__name__
    except BaseException as err:  # noqa: BLE001 (a crash is the finding)
        return f"CRASH:{type(err).__name__}: {err}"
    return "pass"


@dataclasses.dataclass(frozen=True)
class Case:
    fixture: Fixture
    family: str
    where: str
    attestation: bytes | None = None
    policy: Policy | None = None
    artifact: bytes | None = None
    digest: str | None = None
    expected: frozenset[str] | None = None  # None: any VerificationError


def _run(cases: list[Case], tmp: Path) -> list[str]:
    def one(ic: tuple[int, Case]) -> str:
        i, c = ic
        d = tmp / str(i)
        d.mkdir(exist_ok=True)
        return _verify(c.fixture, d, c.attestation, c.policy, c.artifact, c.digest)

    with ThreadPoolExecutor(JOBS) as pool:
        return list(pool.map(one, enumerate(cases)))


def _verdict(case: Case, got: str) -> str | None:
    """None if the mutant was refused as required, else what went wrong."""
    if got == "pass":
        return "accepted"
    if got.startswith("CRASH:"):
        return got
    cls = getattr(errors, got, None)
    if cls is None or not issubclass(cls, errors.VerificationError):
        return f"not a VerificationError: {got}"
    if case.expected is not None and got not in case.expected:
        return f"{got} (want one of {sorted(case.expected)})"
    return None


# ---------------------------------------------------------------- mutants


# Mutations the spec says change nothing (each with its reason); they are
# counted as skipped, not run.
def _has_set(fx: Fixture) -> bool:
    return b"signedEntryTimestamp" in fx.attestation


def _has_tsa(fx: Fixture) -> bool:
    return b"signedTimestamp" in fx.attestation or b'"timestamps":["' in fx.attestation.replace(
        b" ", b""
    )


def _removes_tsa(fam: str, path: tuple[Any, ...]) -> bool:
    removing = fam.startswith(("field-removed:", "list-drop:"))
    return removing and any(
        k in path for k in ("timestampVerificationData", "rfc3161Timestamps", "timestamps")
    )


_NEUTRAL: list[tuple[Callable[[Fixture, str, tuple[Any, ...]], bool], str]] = [
    (lambda _f, _fam, p: "keyid" in p, "DSSE keyid is ignored (spec 1.2.8)"),
    (
        lambda _f, fam, p: fam.startswith("field-removed:") and p[-1] == "messageDigest",
        "messageDigest is an optional hint (spec 1.2.7)",
    ),
    (
        lambda _f, fam, p: (
            "x509CertificateChain" in p
            and ((len(p) > 3 and isinstance(p[3], int) and p[3] > 0) or fam.startswith("list-dup:"))
        ),
        "chain entries after the leaf are ignored (spec 1.2.3, D-15)",
    ),
    (
        lambda f, fam, p: (
            fam.startswith("field-removed:")
            and p[-1] == "inclusionProof"
            and b"version=0.1" in f.attestation
        ),
        "inclusion proof optional in v0.1 bundles (spec 1.2.6, D-1)",
    ),
    (
        lambda _f, fam, _p: (
            fam.startswith("checkpoint-sig") and not fam.startswith("checkpoint-sig0")
        ),
        "checkpoint lines from other keys (witness cosignatures) are ignored (spec 4.4.5)",
    ),
    (
        lambda _f, _fam, p: "publicKey" in p and "hint" in p,
        "the caller's key is used; the bundle's key hint is not read (spec 1.2.3)",
    ),
    (
        lambda f, fam, p: _has_set(f) and _removes_tsa(fam, p),
        "a verified SET still gives the signing time (spec 1.2.6, 5.9)",
    ),
    (
        lambda f, fam, p: (
            fam.startswith("field-removed:")
            and p[-1] == "inclusionPromise"
            and _has_tsa(f)
            and b"version=0.1" not in f.attestation
        ),
        "SET optional when a TSA timestamp is present (spec 1.2.6)",
    ),
    (
        lambda f, _fam, p: f.pep740 and "publisher" in p and "claims" in p,
        "PEP 740 publisher claims are never used (spec 1.7.2)",
    ),
    (
        lambda f, _fam, p: (
            f.pep740
            and "publisher" in p
            and "environment" in p
            and getattr(f.policy, "environment", None) is None
        ),
        "publisher environment is only checked when the caller gives one (spec 7.4.1.4)",
    ),
    (
        lambda f, fam, _p: (
            f.pep740
            and fam in {"list-dup:attestation_bundles", "list-dup:attestation_bundles.attestations"}
        ),
        "a copy of an attestation that verifies also verifies (spec 1.7.4 aggregation)",
    ),
]


def _container_neutral(fx: Fixture, path: tuple[Any, ...]) -> bool:
    """GitHub attestation containers (``{"attestations": [{"bundle": ...}]}``):
    the file verifies when one element does (spec 1.8.3, 1.9); elements other
    than the verifying one, their order and count, and every field outside
    ``bundle`` are never read."""
    if not path or path[0] != "attestations":
        return False
    if len(path) < 3 or path[2] != "bundle":
        return True
    return path[1] != _verifying_element(fx)


def _neutral(fx: Fixture, family: str, path: tuple[Any, ...]) -> str | None:
    if fx.container and _container_neutral(fx, path):
        return (
            "attestation container: only the verifying element's bundle is read (spec 1.8.3, 1.9)"
        )
    for pred, reason in _NEUTRAL:
        if pred(fx, family, path):
            return reason
    return None


DONOR_KEYS = ("tlogEntries", "transparency_entries", "hashes", "certificates", "rfc3161Timestamps")


def _docs(fx: Fixture) -> list[Any]:
    text = fx.attestation.decode()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 and all(ln.lstrip().startswith("{") for ln in lines):
        try:
            return [json.loads(ln) for ln in lines]
        except ValueError:
            pass
    return [json.loads(text)]


def _donors() -> dict[str, dict[str, list[Any]]]:
    """Per fixture name, lists (by key) from the other fixtures."""
    by_fixture: dict[str, dict[str, list[Any]]] = {}
    for fx in FIXTURES:
        found: dict[str, list[Any]] = {}
        for doc in _docs(fx):
            for path, node in m.walk(doc):
                if isinstance(node, list) and path and path[-1] in DONOR_KEYS and node:
                    found.setdefault(str(path[-1]), node)
        by_fixture[fx.name] = found
    out: dict[str, dict[str, list[Any]]] = {}
    for fx in FIXTURES:
        donors: dict[str, list[Any]] = defaultdict(list)
        for other, found in by_fixture.items():
            if other != fx.name:
                for k, v in found.items():
                    donors[k].append(v)
        out[fx.name] = dict(donors)
    return out


DONORS = _donors()


@functools.cache
def _verifying_element(fx: Fixture) -> int:
    """For a container fixture, the one element that verifies alone."""
    doc = json.loads(fx.attestation)
    with tempfile.TemporaryDirectory() as tmp:
        ok = [
            i
            for i, item in enumerate(doc["attestations"])
            if _verify(fx, Path(tmp), attestation=m.dumps({"attestations": [item]})) == "pass"
        ]
    assert len(ok) == 1, (fx.name, ok)
    return ok[0]


def _family(op: str, path: tuple[Any, ...]) -> str:
    """Families are named operation:field (``int-plus1:inclusionProof.treeSize``);
    mutations inside a decoded field name that field first
    (``dsseEnvelope.payload>str-suffix:predicate.buildType``)."""
    if "<decoded>" in path:
        cut = path.index("<decoded>")
        return f"{m.field_of(path[:cut])}>{op}:{m.field_of(path[cut + 1 :])}"
    return f"{op}:{m.field_of(path)}"


# Siblings (same directory, same builder) share their structure: the first
# fixture of each directory gets every mutant, the others every STRIDE-th one
# (a different slice each), which keeps the run short.
STRIDE = 12


def _representatives() -> set[str]:
    seen: set[tuple[str, str]] = set()
    out = set()
    for fx in FIXTURES:
        if fx.group in {"slsa", "slsa-bundle"}:
            key = (fx.group, str(Path(fx.name).parent))
        elif fx.group == "pep740":  # one of each format and publisher
            key = (fx.group, f"{fx.name.split('.')[-1]} {type(fx.policy).__name__}")
        elif fx.group == "cpython":  # bundle v0.1, v0.2, v0.3
            key = (fx.group, json.loads(fx.attestation)["mediaType"])
        else:
            key = (fx.group, fx.name)
        if key not in seen:
            seen.add(key)
            out.add(fx.name)
    return out


REPRESENTATIVES = _representatives()


def _sample(fx: Fixture, cases: list[Case]) -> list[Case]:
    if fx.name in REPRESENTATIVES:
        return cases
    offset = FIXTURES.index(fx) % STRIDE
    return cases[offset::STRIDE]


def attestation_cases(fx: Fixture) -> tuple[list[Case], Counter[str]]:
    cases: list[Case] = []
    skipped: Counter[str] = Counter()
    docs = _docs(fx)
    multi = len(docs) > 1

    def encode(new_docs: list[Any]) -> bytes:
        if multi:
            return b"\n".join(m.dumps(d) for d in new_docs) + b"\n"
        return m.dumps(new_docs[0])

    def unknown_ok(p: tuple[Any, ...]) -> bool:
        # PEP 740 objects ignore unknown fields (spec 0.4.7); so does a
        # GitHub attestation container outside each inline bundle.
        if fx.pep740:
            return False
        return not fx.container or (len(p) > 2 and p[2] == "bundle")

    for d, doc in enumerate(docs):
        for fam, path, mutated in m.json_mutants(
            doc, unknown_fields=unknown_ok, donors=DONORS[fx.name]
        ):
            family = _family(fam, path)
            if (reason := _neutral(fx, family, path)) is not None:
                skipped[reason] += 1
                continue
            new = [*docs]
            new[d] = mutated
            cases.append(Case(fx, family, m.path_str(path), attestation=encode(new)))
    if multi:
        cases.append(Case(fx, "jsonl-line-dup", "line 0", attestation=encode([docs[0], *docs])))
        cases.extend(
            Case(fx, "jsonl-line-drop", f"line {i}", attestation=encode(docs[:i] + docs[i + 1 :]))
            for i in range(len(docs))
        )
    return cases, skipped


def artifact_cases(fx: Fixture) -> list[Case]:
    if fx.artifact is None and fx.digest is None:
        return []
    if fx.artifact is not None and fx.digest is None:
        data = fx.artifact.read_bytes()
        out = [Case(fx, "artifact-appended", "+\\0", artifact=data + b"\0")]
        if data:  # (one SLSA fixture's artifact is the empty file)
            out.append(Case(fx, "artifact-truncated", "-1 byte", artifact=data[:-1]))
            out.append(
                Case(fx, "artifact-flip", "middle byte", artifact=m.flip_bit(data, len(data) // 2))
            )
        return out
    assert fx.digest is not None
    flipped = fx.digest[:-1] + ("0" if fx.digest[-1] != "0" else "1")
    return [Case(fx, "artifact-digest-flip", "last hex digit", digest=flipped)]


def _affix(value: str) -> list[tuple[str, str]]:
    out = [("prefix", "x" + value), ("suffix", value + "x")]
    if value.swapcase() != value:
        out.append(("case", value.swapcase()))
    return out


def _owner_repo(value: str) -> list[tuple[str, str]]:
    """Mutate the owner and the repository parts of 'owner/repo' (or of a
    'github.com/owner/repo' URI) separately."""
    head, _, rest = value.rpartition("/")
    prefix, _, owner = head.rpartition("/")
    pre = prefix + "/" if prefix else ""
    out = [(f"owner-{k}", f"{pre}{v}/{rest}") for k, v in _affix(owner)]
    out += [(f"repo-{k}", f"{pre}{owner}/{v}") for k, v in _affix(rest)]
    return out


def _bump_version(text: str) -> list[tuple[str, str]]:
    """Version mutants: each number in turn + 1."""
    return [
        (f"num{mt.start()}+1", text[: mt.start()] + str(int(mt.group()) + 1) + text[mt.end() :])
        for mt in re.finditer(r"\d+", text)
    ]


POLICY_KINDS = {
    "identity": {"IdentityMismatch"},
    "issuer": {"IssuerMismatch"},
    "publisher": {"PublisherMismatch"},
    "google": {"PublisherMismatch", "IdentityMismatch"},
    "source": {"SourceMismatch"},
    "builder": {"BuilderIdMismatch", "UntrustedBuilder"},
    "builder-version": {"BuilderIdMismatch"},
    "tag": {"TagMismatch"},
    "branch": {"BranchMismatch"},
    "versioned-tag": {"VersionedTagMismatch"},
}


def _policy_mutants(p: Policy) -> Iterator[tuple[str, str, Policy]]:
    """(family, detail, mutated policy); the family's second part names the kind set."""
    rep = dataclasses.replace
    if isinstance(p, Identity):
        for k, v in _affix(p.identity):
            yield "policy-identity", k, rep(p, identity=v)
        for k, v in _affix(p.issuer):
            yield "policy-issuer", k, rep(p, issuer=v)
    elif isinstance(p, (GitHubPublisher, GitLabPublisher)):
        for k, v in _owner_repo(p.repository):
            yield "policy-publisher-repository", k, rep(p, repository=v)
        field = "workflow" if isinstance(p, GitHubPublisher) else "workflow_filepath"
        for k, v in _affix(getattr(p, field)):
            yield "policy-publisher-workflow", k, rep(p, **{field: v})
        yield "policy-publisher-environment", "added", rep(p, environment="mutant-env")
    elif isinstance(p, GooglePublisher):
        for k, v in _affix(p.email):
            yield "policy-google-email", k, rep(p, email=v)
    elif isinstance(p, CircleCIPublisher):
        for field in ("project_id", "pipeline_definition_id", "vcs_origin", "vcs_ref"):
            value = getattr(p, field)
            if value is None:
                continue
            for k, v in _affix(value):
                yield f"policy-publisher-{field}", k, rep(p, **{field: v})
    elif isinstance(p, SlsaSource):
        for k, v in _owner_repo(p.source_uri):
            yield "policy-source", k, rep(p, source_uri=v)
        if p.builder_id:
            name, at, version = p.builder_id.partition("@")
            for k, v in _affix(name):
                yield "policy-builder", k, rep(p, builder_id=v + at + version)
            if at:
                for k, v in [*_bump_version(version), ("suffix", version + "x")]:
                    yield "policy-builder-version", k, rep(p, builder_id=f"{name}@{v}")
            else:
                # a version no fixture's builder has (bcr's really is v0.0.1)
                yield (
                    "policy-builder-version",
                    "added @v99.0.0",
                    rep(p, builder_id=f"{name}@v99.0.0"),
                )
        if p.source_tag:
            for k, v in _affix(p.source_tag):
                yield "policy-tag", k, rep(p, source_tag=v)
        if p.source_branch:
            for k, v in _affix(p.source_branch):
                yield "policy-branch", k, rep(p, source_branch=v)
        if p.source_versioned_tag:
            for k, v in _bump_version(p.source_versioned_tag):
                yield "policy-versioned-tag", k, rep(p, source_versioned_tag=v)


def _policy_kinds(family: str) -> frozenset[str]:
    kind = family.removeprefix("policy-")
    if kind.startswith("publisher"):
        kind = "publisher"
    elif kind.startswith("google"):
        kind = "google"
    return frozenset(POLICY_KINDS[kind])


def policy_cases(fx: Fixture) -> tuple[list[Case], Counter[str]]:
    cases: list[Case] = []
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    for base in fx.all_policies:
        for family, detail, mutated in _policy_mutants(base):
            key = repr(mutated)
            if key in seen or mutated == base:
                continue
            seen.add(key)
            if (
                family == "policy-source"
                and detail.endswith("-case")
                and fx.name.startswith("bcr/")
            ):
                # GitHub attestations: owner/repo compare case-insensitively (spec 7.6.2)
                skipped["GitHub attestation owner/repo are case-insensitive (spec 7.6.2)"] += 1
                continue
            cases.append(
                Case(fx, family, f"{detail}: {key}", policy=mutated, expected=_policy_kinds(family))
            )
    return cases, skipped


# ---------------------------------------------------------------- tests


def _report(group: str, cases: list[Case], got: list[str], skipped: Counter[str]) -> None:
    """Counts per family, kept in ``_mutate.SUMMARY`` for the terminal
    summary (conftest.py) and printed (visible with ``pytest -s``)."""
    per_family: Counter[str] = Counter(c.family.split(":")[0] for c in cases)
    kinds: Counter[str] = Counter(got)
    lines = [f"{group}: {len(cases)} mutants, {sum(skipped.values())} neutral skipped"]
    lines += [f"  {fam:44} {n}" for fam, n in sorted(per_family.items())]
    lines.append("  results: " + ", ".join(f"{k}={n}" for k, n in kinds.most_common()))
    lines += [f"  skipped {n}: {reason}" for reason, n in sorted(skipped.items())]
    m.SUMMARY.extend(lines)
    print("\n[mutations] " + "\n".join(lines))


@pytest.mark.parametrize("group", GROUPS)
def test_mutants_are_refused(group: str, tmp_path: Path) -> None:
    fixtures = [f for f in FIXTURES if f.group == group]
    assert fixtures
    # Guard: each unmutated fixture verifies (also re-serialized, as mutants are).
    for fx in fixtures:
        assert _verify(fx, tmp_path) == "pass", fx.name
        for pol in fx.all_policies:
            assert _verify(fx, tmp_path, policy=pol) == "pass", (fx.name, pol)
        reencoded = b"\n".join(m.dumps(d) for d in _docs(fx))
        assert _verify(fx, tmp_path, attestation=reencoded) == "pass", fx.name
    cases: list[Case] = []
    skipped: Counter[str] = Counter()
    for fx in fixtures:
        att, s1 = attestation_cases(fx)
        pol, s2 = policy_cases(fx)
        cases += _sample(fx, att) + pol + artifact_cases(fx)
        skipped += s1 + s2
    got = _run(cases, tmp_path)
    _report(group, cases, got, skipped)
    failures = []
    for case, result in zip(cases, got, strict=True):
        if (why := _verdict(case, result)) is None:
            continue
        line = f"{case.fixture.name} {case.family} {case.where[:160]}: {why}"
        failures.append(line)
    for line in failures[:400]:
        print("  UNEXPECTED " + line)
    assert failures == [], (
        f"{len(failures)} mutants not refused as required (first: {failures[:5]})"
    )
