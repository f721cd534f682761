# SPDX-License-Identifier: Apache-2.0
# Hand-written stub for the Rust extension; checked by stubtest (nox -s typing).
import os
from collections.abc import Callable
from pathlib import Path
from typing import final

__all__ = [
    "Fetcher",
    "Server",
    "TrustedRoot",
    "__version__",
    "check_installed",
    "check_layer",
    "check_metadata",
    "crypto_backend",
    "error_kinds",
    "lock_read",
    "lock_write",
    "refresh_trust",
    "trust_refresh_due",
    "trust_retry_wait",
    "verify_bundle",
    "verify_many",
    "verify_release",
    "verify_wheel",
]

__version__: str

@final
class TrustedRoot:
    @classmethod
    def production(cls) -> TrustedRoot: ...
    @classmethod
    def staging(cls) -> TrustedRoot: ...
    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> TrustedRoot: ...
    @classmethod
    def from_json(cls, data: bytes) -> TrustedRoot: ...
    @classmethod
    def current(
        cls,
        cache_dir: str | os.PathLike[str] | None = None,
        tuf_url: str | None = None,
        max_age_days: int | None = None,
    ) -> TrustedRoot: ...
    @classmethod
    def from_file_with_status(cls, path: str | os.PathLike[str]) -> TrustedRoot: ...
    def status_json(self, now: str | None = None) -> str | None: ...
    def export_json(self) -> bytes | None: ...
    @property
    def name(self) -> str: ...

def verify_bundle(
    bundle: bytes | str | os.PathLike[str],
    *,
    artifact: str | os.PathLike[str] | None = None,
    digest: str | None = None,
    policy: str | None = None,
    key: str | None = None,
    trusted_root: TrustedRoot | None = None,
) -> str: ...
def check_metadata(wheel: str | os.PathLike[str], metadata: str) -> None: ...
def check_installed(
    wheel: str | os.PathLike[str], purelib: str | os.PathLike[str], platlib: str | os.PathLike[str]
) -> int: ...
def check_layer(
    path: str | os.PathLike[str],
    *,
    require_manifest: bool = True,
    expected_manifest: bytes | str | os.PathLike[str] | None = None,
) -> str: ...
def crypto_backend() -> str: ...
def error_kinds() -> list[tuple[str, str, str]]: ...
def verify_wheel(
    artifact: str | os.PathLike[str],
    attestation: bytes | str | os.PathLike[str] | None = None,
    *,
    policy: str,
    trusted_root: TrustedRoot | None = None,
    sha256: str | None = None,
    rekor_url: str | None = None,
    github_repository: str | None = None,
    github_api: str | None = None,
) -> str: ...
def verify_many(
    items: list[tuple[str, str | None, bytes | str | None, str]],
    *,
    jobs: int = 0,
    trusted_root: TrustedRoot | None = None,
) -> list[str | BaseException]: ...

@final
class Fetcher:
    def __new__(
        cls,
        *,
        directory: str | os.PathLike[str],
        indexes: list[str],
        policy: str | None = None,
        allow_unattested: list[str] = ...,
        timeout: float = 15.0,
        retries: int = 3,
        cert: str | os.PathLike[str] | None = None,
        proxy: str | None = None,
        trusted_root: TrustedRoot | None = None,
        lock: bytes | None = None,
        github_repository: str | None = None,
        github_api: str | None = None,
    ) -> Fetcher: ...
    def fetch(
        self,
        project: str,
        version: str,
        url: str,
        sha256: str,
        requested: bool,
        progress: Callable[[int, int | None], object] | None = None,
    ) -> str: ...

@final
class Server:
    def __new__(
        cls,
        *,
        upstreams: list[str],
        policy: str | None = None,
        allow_unattested: list[str] = ...,
        allow_sdist: bool = False,
        cache_dir: str | os.PathLike[str] | None = None,
        timeout: float = 15.0,
        retries: int = 3,
        cert: str | os.PathLike[str] | None = None,
        proxy: str | None = None,
        trusted_root: TrustedRoot | None = None,
        lock: bytes | None = None,
    ) -> Server: ...
    @property
    def cache_dir(self) -> Path: ...
    def page(self, project: str, base: str, *, html: bool = False) -> str | None: ...
    def file(self, project: str, sha256: str, filename: str) -> Path: ...
    def metadata(self, project: str, sha256: str, filename: str) -> bytes: ...

def verify_release(
    *,
    api: str,
    repository: str,
    tag: str,
    indexes: list[str],
    directory: str | os.PathLike[str],
    package: str | None = None,
    timeout: float = 15.0,
    retries: int = 3,
    cert: str | os.PathLike[str] | None = None,
    proxy: str | None = None,
    trusted_root: TrustedRoot | None = None,
    rekor_url: str | None = None,
) -> list[
    tuple[str, str | None, str | BaseException, list[tuple[str, str | None, str | BaseException]]]
]: ...
def refresh_trust(
    tuf_url: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    now: str | None = None,
    timeout: float = 15.0,
    retries: int = 3,
    cert: str | os.PathLike[str] | None = None,
    proxy: str | None = None,
) -> TrustedRoot: ...
def trust_refresh_due(
    tuf_url: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    max_age_secs: float = 86400.0,
) -> bool: ...
def trust_retry_wait(
    tuf_url: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> float | None: ...
def lock_read(data: bytes, *, require_identities: bool = False) -> str: ...
def lock_write(
    packages: str,
    meta: str,
    *,
    previous: bytes | None = None,
    accept_identity: list[str] = ...,
    allow_downgrade: list[str] = ...,
) -> str: ...
