# SPDX-License-Identifier: Apache-2.0
"""Real CPython release bundles (hashedrekord, bundle v0.1-v0.3) by digest."""

from __future__ import annotations

import pytest
from conftest import ASSETS, load_json
from slsa_verify import Identity, TrustedRoot, errors, verify_bundle

CPY = ASSETS / "sigstore-real" / "cpython"
ENTRIES = load_json(CPY / "manifest.json")["entries"]
ROOT = TrustedRoot.from_file(ASSETS / "trust" / "production" / "trusted_root.json")


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["bundle"] for e in ENTRIES])
def test_verifies_with_recorded_identity(entry: dict[str, str]) -> None:
    v = verify_bundle(
        entry["digest_arg"],
        CPY / entry["bundle"],
        policy=Identity(entry["identity"], entry["issuer"]),
        trusted_root=ROOT,
    )
    assert v.sha256 == entry["artifact_sha256"]
    assert v.identity == entry["identity"]
    assert v.issuer == entry["issuer"]
    assert v.log_index == int(entry["logIndex"])


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["bundle"] for e in ENTRIES])
def test_other_identity_is_identity_mismatch(entry: dict[str, str]) -> None:
    with pytest.raises(errors.IdentityMismatch) as exc:
        verify_bundle(
            entry["digest_arg"],
            CPY / entry["bundle"],
            policy=Identity("someone-else@python.org", entry["issuer"]),
        )
    assert exc.value.code == "identity_mismatch"
    assert "someone-else@python.org" in exc.value.detail


@pytest.mark.parametrize("entry", ENTRIES[:3], ids=[e["bundle"] for e in ENTRIES[:3]])
def test_other_issuer_is_issuer_mismatch(entry: dict[str, str]) -> None:
    with pytest.raises(errors.IssuerMismatch):
        verify_bundle(
            entry["digest_arg"],
            CPY / entry["bundle"],
            policy=Identity(entry["identity"], "https://token.actions.githubusercontent.com"),
        )


def test_identity_regex_is_anchored() -> None:
    entry = ENTRIES[0]
    ok = Identity(r"[a-z]+@python\.org", entry["issuer"], regex=True)
    verify_bundle(entry["digest_arg"], CPY / entry["bundle"], policy=ok)
    # Unanchored use would accept this prefix; the anchored match must not.
    with pytest.raises(errors.IdentityMismatch):
        verify_bundle(
            entry["digest_arg"],
            CPY / entry["bundle"],
            policy=Identity("pablogsal", entry["issuer"], regex=True),
        )
