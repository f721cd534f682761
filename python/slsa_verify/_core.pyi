# SPDX-License-Identifier: Apache-2.0
# Hand-written stub for the Rust extension; checked by stubtest (nox -s typing).
import os
from typing import final

__all__ = [
    "TrustedRoot",
    "__version__",
    "crypto_backend",
    "error_kinds",
    "verify_bundle",
    "verify_many",
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
