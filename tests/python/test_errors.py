# SPDX-License-Identifier: Apache-2.0
"""Every Rust ErrorKind has its Python class, parent and code (house style)."""

from __future__ import annotations

import pytest
from slsa_verify import _core, errors

KINDS = _core.error_kinds()


@pytest.mark.parametrize(("name", "code", "parent"), KINDS, ids=[k[0] for k in KINDS])
def test_kind_maps_to_class(name: str, code: str, parent: str) -> None:
    cls = getattr(errors, name)
    assert cls.code == code
    assert cls.__mro__[1].__name__ == parent
    assert issubclass(cls, errors.Error)
    assert name in errors.__all__


def test_verification_errors_and_exit_codes() -> None:
    assert issubclass(errors.DigestMismatch, errors.StatementError)
    assert issubclass(errors.StatementError, errors.VerificationError)
    assert errors.NoAttestations.exit_code == 3
    assert errors.NetworkError.exit_code == 4
    assert errors.InstallError.exit_code == 5
    assert not issubclass(errors.NetworkError, errors.VerificationError)
    e = errors.DigestMismatch("expected a, found b", step="6.5")
    assert "DigestMismatch" in e.diagnostics()
    assert "6.5" in e.diagnostics()
