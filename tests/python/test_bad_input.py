# SPDX-License-Identifier: Apache-2.0
"""Hostile input gets a specific error, exit 1 and bounded memory; never a
panic or a traceback (issue 2, acceptance 4)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ASSETS
from slsa_verify import Identity, errors, verify_bundle

CONF = ASSETS / "conformance" / "bundle-verify"
GOOD = json.loads((CONF / "happy-path-v0.3" / "bundle.sigstore.json").read_text())
POLICY = Identity(
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
    "https://token.actions.githubusercontent.com",
)
DIGEST = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"


def run_cli(tmp_path: Path, bundle: bytes | Path) -> subprocess.CompletedProcess[str]:
    if isinstance(bundle, Path):
        path = bundle
    else:
        path = tmp_path / "bundle.json"
        path.write_bytes(bundle)
    code = (
        "import sys\n"
        "from slsa_verify._cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print('MAXRSS_KB', hwm, file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    return subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "verify-bundle",
            "--bundle",
            str(path),
            "--certificate-identity",
            POLICY.identity,
            "--certificate-oidc-issuer",
            POLICY.issuer,
            DIGEST,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def mutate(**changes: object) -> bytes:
    doc = json.loads(json.dumps(GOOD))
    doc.update(changes)
    return json.dumps(doc).encode()


def bad_b64() -> bytes:
    doc = json.loads(json.dumps(GOOD))
    doc["messageSignature"]["signature"] = "not*base64!"
    return json.dumps(doc).encode()


CASES = {
    "truncated": (json.dumps(GOOD).encode()[:500], "MalformedJson"),
    "deep_nesting": (b"[" * 10_000 + b"]" * 10_000, "MalformedJson"),
    "invalid_base64": (bad_b64(), "MalformedEncoding"),
    "unknown_media_type": (
        mutate(mediaType="application/vnd.dev.sigstore.bundle.v9+json"),
        "UnsupportedMediaType",
    ),
    "duplicate_key": (b'{"mediaType": "a", "mediaType": "b"}', "MalformedJson"),
    "unknown_field": (mutate(extra=1), "BundleInvalid"),
    "not_utf8": (b'{"mediaType": "\xff"}', "MalformedJson"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_api_raises_specific_kind(name: str) -> None:
    data, kind = CASES[name]
    with pytest.raises(errors.VerificationError) as exc:
        verify_bundle(DIGEST, data, policy=POLICY)
    assert type(exc.value).__name__ == kind


@pytest.mark.parametrize("name", list(CASES))
def test_cli_exit_1_without_traceback(name: str, tmp_path: Path) -> None:
    data, kind = CASES[name]
    proc = run_cli(tmp_path, data)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith(f"FAILED  {kind}:")
    assert "Traceback" not in proc.stderr
    assert "panicked" not in proc.stderr


def test_100_mb_bundle_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.write(b'{"mediaType": "')
        chunk = b"A" * (1024 * 1024)
        for _ in range(100):
            f.write(chunk)
        f.write(b'"}')
    proc = run_cli(tmp_path, big)
    assert proc.returncode == 1
    assert proc.stderr.startswith("FAILED  InputTooLarge:")
    rss_kb = int(proc.stderr.rsplit("MAXRSS_KB", 1)[1].split()[0])
    # The file is never read past the 32 MiB attestation limit.
    assert rss_kb < 80 * 1024, rss_kb


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    from slsa_verify._cli import main

    assert main(["verify-bundle", "--bundle", "x", DIGEST]) == 2
    assert (
        main(["verify-bundle", "--bundle", str(tmp_path / "missing.json"), "--key", "k", DIGEST])
        == 2
    )
    assert main(["no-such-command"]) == 2


def test_oversized_key_file_is_a_usage_error(tmp_path: Path) -> None:
    import io

    from slsa_verify._cli import main

    key = tmp_path / "key.pub"
    key.write_bytes(b"A" * (64 * 1024 + 1))
    err = io.StringIO()
    argv = ["verify-bundle", "--bundle", str(tmp_path / "b.json"), "--key", str(key), DIGEST]
    assert main(argv, out=io.StringIO(), errout=err) == 2
    assert err.getvalue().startswith("FAILED  UsageError:")
    assert "under 64 KiB" in err.getvalue()
