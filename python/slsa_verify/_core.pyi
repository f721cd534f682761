# SPDX-License-Identifier: Apache-2.0
# Hand-written stub for the Rust extension; checked by stubtest (nox -s typing).
import os
from typing import final

__all__ = [
    "Fetcher",
    "TrustedRoot",
    "__version__",
    "check_layer",
    "crypto_backend",
    "error_kinds",
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
    ) -> Fetcher: ...
    def fetch(self, project: str, version: str, url: str, sha256: str, requested: bool) -> str: ...

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
) -> list[tuple[str, str | None, str | BaseException]]: ...
