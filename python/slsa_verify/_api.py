# SPDX-License-Identifier: Apache-2.0
"""Typed wrappers around the Rust core (``slsa_verify._core``).

Python here only converts: every check and every decision is made in Rust.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterable
from typing import Any, TypeAlias, Union

from slsa_verify import _core, _legacy, errors
from slsa_verify._core import TrustedRoot

__all__ = [
    "CircleCIPublisher",
    "GitHubPublisher",
    "GitLabPublisher",
    "GooglePublisher",
    "Identity",
    "Item",
    "Policy",
    "SlsaSource",
    "TrustedRoot",
    "Verification",
    "refresh_trust",
    "trust_status",
    "verify_bundle",
    "verify_many",
    "verify_wheel",
]

StrPath = Union[str, "os.PathLike[str]"]


@dataclasses.dataclass(frozen=True)
class GitHubPublisher:
    """A GitHub Actions Trusted Publisher: ``owner/repo`` and a workflow file."""

    repository: str
    workflow: str
    environment: str | None = None
    repository_id: str | None = None  # Fulcio .1.15 (issue 14)
    owner_id: str | None = None  # Fulcio .1.17

    def _to_json(self) -> str:
        return json.dumps({"kind": "github", **dataclasses.asdict(self)})


@dataclasses.dataclass(frozen=True)
class GitLabPublisher:
    """A GitLab CI Trusted Publisher: ``namespace/project`` and the CI file path."""

    repository: str
    workflow_filepath: str
    environment: str | None = None
    repository_id: str | None = None  # Fulcio .1.15 (issue 14)
    owner_id: str | None = None  # Fulcio .1.17

    def _to_json(self) -> str:
        return json.dumps({"kind": "gitlab", **dataclasses.asdict(self)})


@dataclasses.dataclass(frozen=True)
class GooglePublisher:
    """A Google Cloud Build Trusted Publisher: the service-account e-mail."""

    email: str

    def _to_json(self) -> str:
        return json.dumps({"kind": "google", **dataclasses.asdict(self)})


@dataclasses.dataclass(frozen=True)
class CircleCIPublisher:
    """A CircleCI Trusted Publisher: project and pipeline-definition ids."""

    project_id: str
    pipeline_definition_id: str
    vcs_origin: str | None = None
    vcs_ref: str | None = None

    def _to_json(self) -> str:
        return json.dumps({"kind": "circleci", **dataclasses.asdict(self)})


@dataclasses.dataclass(frozen=True)
class Identity:
    """A raw Sigstore identity: certificate SAN and OIDC issuer.

    With ``regex=True`` the identity is a regular expression that must match
    the whole SAN (it is anchored at both ends).
    """

    identity: str
    issuer: str
    _: dataclasses.KW_ONLY
    regex: bool = False

    def _to_json(self) -> str:
        return json.dumps({"kind": "identity", **dataclasses.asdict(self)})


@dataclasses.dataclass(frozen=True)
class SlsaSource:
    """slsa-verifier style expectations for SLSA provenance.

    ``source_uri`` is ``github.com/OWNER/REPO``. At most one of ``source_tag``,
    ``source_branch`` and ``source_versioned_tag`` is usually given.
    """

    source_uri: str
    _: dataclasses.KW_ONLY
    source_tag: str | None = None
    source_branch: str | None = None
    source_versioned_tag: str | None = None
    builder_id: str | None = None

    def _to_json(self) -> str:
        return json.dumps({"kind": "slsa", **dataclasses.asdict(self)})


Policy: TypeAlias = (
    GitHubPublisher | GitLabPublisher | GooglePublisher | CircleCIPublisher | Identity | SlsaSource
)

#: One ``verify_many`` item: (artifact, attestation or None for its sidecar, policy).
Item: TypeAlias = tuple[StrPath, StrPath | bytes | None, Policy]


@dataclasses.dataclass(frozen=True)
class Verification:
    """What a successful verification proved.

    Every field comes from verified data, except ``publisher``: that is what
    the index asserted, reported for reference.
    """

    artifact_name: str
    sha256: str
    format: str
    predicate_type: str | None
    predicate: dict[str, Any] | None
    identity: str
    issuer: str | None
    source_repository: str | None
    source_ref: str | None
    source_digest: str | None
    source_repository_id: str | None
    source_repository_owner_id: str | None
    publisher: dict[str, Any] | None
    log_index: int | None
    signed_at: dt.datetime
    warnings: tuple[str, ...]

    @classmethod
    def _from_json(cls, text: str) -> Verification:
        raw = json.loads(text)
        raw["signed_at"] = dt.datetime.fromisoformat(raw["signed_at"].replace("Z", "+00:00"))
        raw["warnings"] = tuple(raw["warnings"])
        return cls(**raw)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``signed_at`` as RFC 3339 text)."""
        out = dataclasses.asdict(self)
        out["signed_at"] = self.signed_at.isoformat().replace("+00:00", "Z")
        out["warnings"] = list(self.warnings)
        return out


def _root(trusted_root: TrustedRoot | StrPath | None) -> TrustedRoot | None:
    if trusted_root is None or isinstance(trusted_root, TrustedRoot):
        return trusted_root
    return TrustedRoot.from_file(os.fspath(trusted_root))


def _source(data: StrPath | bytes) -> str | bytes:
    return data if isinstance(data, bytes) else os.fspath(data)


def verify_bundle(
    artifact_or_digest: StrPath,
    bundle: StrPath | bytes,
    *,
    policy: Policy | None = None,
    key: bytes | None = None,
    trusted_root: TrustedRoot | StrPath | None = None,
) -> Verification:
    """Verify a Sigstore bundle over a file, or over ``"sha256:<hex>"``.

    Give exactly one of ``policy`` (who must have signed) and ``key`` (PEM
    public key bytes, for managed-key bundles). Raises a
    :class:`slsa_verify.errors.VerificationError` subclass on any failure.
    """
    target = os.fspath(artifact_or_digest)
    is_digest = isinstance(target, str) and target.startswith("sha256:")
    text = _core.verify_bundle(
        _source(bundle),
        artifact=None if is_digest else target,
        digest=target if is_digest else None,
        policy=policy._to_json() if policy is not None else None,
        key=key.decode("utf-8", "replace") if key is not None else None,
        trusted_root=_root(trusted_root),
    )
    return Verification._from_json(text)


def verify_wheel(  # noqa: PLR0913 (product contract: keyword-only options)
    artifact: StrPath,
    attestation: StrPath | bytes | None = None,
    *,
    policy: Policy,
    trusted_root: TrustedRoot | StrPath | None = None,
    sha256: str | None = None,
    rekor_lookup: bool = False,
    rekor_url: str | None = None,
    github_repository: str | None = None,
    github_api: str | None = None,
) -> Verification:
    """Verify that ``artifact`` was built as ``policy`` says.

    ``attestation`` is a path or the content: a PEP 740 provenance or
    attestation, a Sigstore bundle, an ``.intoto.jsonl`` file or GitHub
    attestations; the format is detected from the content. When ``None``,
    the sidecar files next to the artifact are used (``<artifact>.provenance``,
    ``.publish.attestation``, ``.sigstore.json``, ``.sigstore``,
    ``multiple.intoto.jsonl``), and ``NoAttestations`` is raised if none exists.

    ``sha256`` (64 hex digits): verify by digest instead of reading the file,
    as when you hold the hash an index published; ``artifact`` then only gives
    the file name. Raises a :class:`slsa_verify.errors.VerificationError`
    subclass on any failure.

    ``rekor_lookup=True``: a legacy slsa-github-generator envelope line (no
    log entry in the file) is looked up in the Rekor v1 log (``rekor_url``,
    default ``https://rekor.sigstore.dev``); the answer is verified as
    untrusted input. Off (the default), such a line raises
    ``OnlineLookupRequired``.

    ``github_repository="OWNER/REPO"``: instead of an attestation, ask
    GitHub's attestation API (``github_api``, default ``$GITHUB_API_URL`` or
    ``https://api.github.com``) for the artifact's sha256 and verify each
    bundle it returns against ``policy``; one that verifies is enough.
    ``GH_TOKEN`` or ``GITHUB_TOKEN`` is sent to that API host only. No
    attestation: ``NoAttestations``; rate limits and other network failures:
    ``NetworkError``.
    """
    if rekor_url is not None and not rekor_lookup:
        raise errors.UsageError("rekor_url needs rekor_lookup=True")
    if github_repository is not None and (attestation is not None or rekor_lookup):
        raise errors.UsageError(
            "github_repository looks attestations up by digest: "
            "give no attestation and no rekor_lookup with it"
        )
    if github_api is not None and github_repository is None:
        raise errors.UsageError("github_api needs github_repository")
    text = _core.verify_wheel(
        os.fspath(artifact),
        None if attestation is None else _source(attestation),
        policy=policy._to_json(),
        trusted_root=_root(trusted_root),
        sha256=sha256,
        rekor_url=(rekor_url or _legacy.DEFAULT_REKOR_URL) if rekor_lookup else None,
        github_repository=github_repository,
        github_api=github_api,
    )
    return Verification._from_json(text)


def verify_many(
    items: Iterable[Item],
    *,
    jobs: int | None = None,
    trusted_root: TrustedRoot | StrPath | None = None,
) -> list[Verification | errors.Error]:
    """Verify many ``(artifact, attestation, policy)`` items in parallel.

    The work runs on ``jobs`` threads in Rust (default: every core) with the
    GIL released. Returns one :class:`Verification` or one exception object
    per item, in order; a single item's failure never raises.
    """
    if jobs is not None and not 1 <= jobs <= 1024:
        raise errors.UsageError("jobs must be between 1 and 1024")
    raw = _core.verify_many(
        [
            (
                os.fspath(artifact),
                None,
                None if attestation is None else _source(attestation),
                policy._to_json(),
            )
            for artifact, attestation, policy in items
        ],
        jobs=jobs or 0,
        trusted_root=_root(trusted_root),
    )
    return [Verification._from_json(r) if isinstance(r, str) else _error(r) for r in raw]


def _error(exc: BaseException) -> errors.Error:
    if isinstance(exc, errors.Error):
        return exc
    raise exc  # not one of ours: a bug, never a verification result


def _rfc3339(now: dt.datetime | str | None) -> str | None:
    if now is None or isinstance(now, str):
        return now
    if now.tzinfo is None:
        raise errors.UsageError("now must be timezone-aware")
    return now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def trust_status(root: TrustedRoot, *, now: dt.datetime | str | None = None) -> dict[str, Any]:
    """What ``pip-verify trust show`` reports for ``root``.

    Source, versions, signed age, expiries and the sha256 of its
    trusted_root.json. Roots from :meth:`TrustedRoot.current`, :func:`refresh_trust` or a file
    with status carry one; others raise :class:`~slsa_verify.errors.UsageError`.
    """
    text = root.status_json(_rfc3339(now))
    if text is None:
        raise errors.UsageError(f"{root.name}: no trust status (not from TUF or a file)")
    doc: dict[str, Any] = json.loads(text)
    return doc


def refresh_trust(
    tuf_url: str | None = None,
    cache_dir: StrPath | None = None,
    *,
    now: dt.datetime | str | None = None,
) -> dict[str, Any]:
    """Refresh Sigstore's trusted root through TUF into the verified cache.

    ``tuf_url`` defaults to Sigstore's production TUF repository and
    ``cache_dir`` to ``$SLSA_VERIFY_CACHE_DIR`` or the user cache directory.
    ``now`` only pins the clock of the TUF expiry checks (for tests); it never
    affects certificate validity. Returns what ``pip-verify trust show``
    reports. Raises :class:`~slsa_verify.errors.TrustRootStale`,
    :class:`~slsa_verify.errors.TrustUpdateFailed`,
    :class:`~slsa_verify.errors.NetworkError` and friends.
    """
    pinned = _rfc3339(now)
    root = _core.refresh_trust(tuf_url, cache_dir, now=pinned)
    return trust_status(root, now=pinned)
