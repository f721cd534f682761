# SPDX-License-Identifier: Apache-2.0
"""Verify-then-install end to end (issue 4): every test starts its own index on
127.0.0.1 and a fresh target venv, runs ``pip-verify install``/``download``,
and checks what landed in the venv (``pip list`` before and after).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest
from conftest import ASSETS
from github_server import GitHub, sha256
from index_server import Dist, Index, make_tls, make_wheel, real_dist, serve
from slsa_verify._cli import main

EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
OLD_PROVENANCE = ASSETS / "pep740/real/abi3info/abi3info-2024.10.3-py3-none-any.whl.provenance"
CIRCLECI = (
    ASSETS / "pep740/pypi-attestations/circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl"
)
POLICY = ["--repository", "woodruffw/abi3info", "--workflow", "release.yml"]


def abi3info() -> Dist:
    return real_dist(WHEEL, PROVENANCE, "abi3info", "2024.10.8")


def circleci() -> Dist:
    prov = CIRCLECI.with_name(CIRCLECI.name + ".provenance")
    return real_dist(CIRCLECI, prov, "circleci-sign-publish-example", "0.0.1.dev137")


@pytest.fixture(autouse=True)
def hermetic_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip sees only the test's index: no config, find-links, cache or index env."""
    for var in list(os.environ):
        if var.startswith("PIP_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")


@pytest.fixture
def target(tmp_path: Path) -> str:
    """A fresh, empty venv to install into (pip runs from outside it, --python)."""
    venv.create(tmp_path / "target", with_pip=False)
    bindir = "Scripts" if sys.platform == "win32" else "bin"
    return str(tmp_path / "target" / bindir / "python")


def pip_list(python: str) -> list[dict[str, str]]:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(json.loads(out), key=lambda p: p["name"])


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, errout=err)
    return code, out.getvalue(), err.getvalue()


def imports(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], check=False).returncode == 0


@pytest.mark.parametrize("mode", ["json", "html"])
def test_real_wheel_installs_and_imports(target: str, mode: str) -> None:
    index = Index([abi3info()], mode=mode)
    with serve(index) as url:
        code, out, err = run(
            "install", "abi3info==2024.10.8", "--index-url", url, "--python", target, *POLICY
        )
    assert code == 0, err
    assert "woodruffw/abi3info@refs/tags/v2024.10.08" in out
    assert "(you)" in out  # the explicit policy, not the index's word
    assert imports(target, "abi3info")
    assert any(p.endswith("/provenance/abi3info-2024.10.8-py3-none-any.whl") for p in index.hits)


def test_python_m_download_and_install(target: str) -> None:
    with serve(Index([abi3info()])) as url:
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "slsa_verify", "download-and-install"),
                *("abi3info==2024.10.8", "--index-url", url, "--python", target, "--json"),
                *POLICY,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["schema_version"], doc["ok"], doc["installed"]) == (1, True, True)
    (f,) = doc["files"]
    assert (f["policy"], f["verification"]["source_ref"]) == ("explicit", "refs/tags/v2024.10.08")
    assert imports(target, "abi3info")


def test_without_flags_the_index_publisher_is_used_and_reported(target: str) -> None:
    with serve(Index([abi3info(), circleci()])) as url:
        code, out, err = run(
            "install",
            "abi3info==2024.10.8",
            "circleci-sign-publish-example==0.0.1.dev137",
            "--index-url",
            url,
            "--python",
            target,
        )
    assert code == 0, err
    assert out.count("(index)") == 2
    assert "CircleCI fdd9283f" in out
    assert imports(target, "abi3info")


# --- faults: nothing changes in the target, the documented exit code -------


def _fault(target: str, dists: list[Dist], *extra: str, mode: str = "both") -> tuple[int, str]:
    before = pip_list(target)
    with serve(Index(dists, mode=mode)) as url:
        code, out, err = run("install", "--index-url", url, "--python", target, *extra)
    assert pip_list(target) == before, "the target environment changed"
    return code, out + err


def test_tampered_wheel_with_matching_index_hash(target: str) -> None:
    evil = make_wheel("abi3info", "2024.10.8")  # same name, other bytes, its own hash listed
    evil.provenance = PROVENANCE.read_bytes()
    code, text = _fault(target, [evil], "abi3info==2024.10.8", *POLICY)
    assert code == 1
    assert "DigestMismatch" in text
    assert "nothing was installed" in text


def test_index_hash_differs_from_the_bytes(target: str) -> None:
    d = abi3info()
    d.listed_sha256 = "0" * 64
    code, text = _fault(target, [d], "abi3info==2024.10.8", *POLICY)
    # pip's resolution download already refuses it; reported as an index error
    assert code == 4
    assert "DO NOT MATCH THE HASHES" in text


def test_other_bytes_on_our_download_are_digest_mismatch(target: str) -> None:
    d = abi3info()
    d.later_data = make_wheel("abi3info", "2024.10.8").data  # pip saw the real file
    code, text = _fault(target, [d], "abi3info==2024.10.8", *POLICY)
    assert code == 1
    assert "DigestMismatch: sha256 of the downloaded file" in text


def test_no_provenance_is_exit_3_and_allow_unattested_installs(target: str) -> None:
    d = abi3info()
    d.provenance = None
    code, text = _fault(target, [d], "abi3info==2024.10.8", *POLICY)
    assert code == 3
    assert "NoAttestations" in text
    assert "--allow-unattested abi3info" in text
    with serve(Index([d])) as url:
        code, out, err = run(
            "install",
            "abi3info==2024.10.8",
            "--index-url",
            url,
            "--python",
            target,
            "--allow-unattested",
            "abi3info",
        )
    assert code == 0, err
    assert "(unattested, allowed)" in out
    assert imports(target, "abi3info")


def test_json_null_provenance_is_no_attestations(target: str) -> None:
    d = abi3info()
    d.provenance_via = "null"
    code, text = _fault(target, [d], "abi3info==2024.10.8", *POLICY, mode="json")
    assert code == 3
    assert "its index lists no provenance" in text


def test_wrong_publisher(target: str) -> None:
    code, text = _fault(
        target,
        [abi3info()],
        "abi3info==2024.10.8",
        "--repository",
        "evil/abi3info",
        "--workflow",
        "release.yml",
    )
    assert code == 1
    assert "PublisherMismatch" in text


def test_provenance_for_another_file(target: str) -> None:
    d = abi3info()
    d.provenance = OLD_PROVENANCE.read_bytes()  # the 2024.10.3 wheel's
    code, text = _fault(target, [d], "abi3info==2024.10.8", *POLICY)
    assert code == 1
    assert "DigestMismatch" in text


@pytest.mark.parametrize("fault", ["500", "truncate"])
def test_provenance_http_failures_are_exit_4(target: str, fault: str) -> None:
    d = abi3info()
    d.fault = fault
    code, text = _fault(target, [d], "abi3info==2024.10.8", *POLICY, "--retries", "1")
    assert code == 4
    assert "NetworkError" in text
    assert ("HTTP 500" in text) if fault == "500" else ("did not arrive whole" in text)


def test_huge_provenance_is_refused_with_bounded_memory(target: str) -> None:
    d = abi3info()
    d.fault = "huge"
    code, text = _fault(target, [d], "abi3info==2024.10.8", *POLICY)
    assert code == 4
    assert "larger than the 33554432-byte limit" in text


def test_huge_provenance_memory_stays_bounded(tmp_path: Path) -> None:
    """The 100 MB body is cut at the 32 MiB limit: peak RSS of the process
    doing the fetch stays far below 100 MB (it would exceed it if buffered)."""
    d = abi3info()
    d.fault = "huge"
    script = (
        "import sys\n"
        "from slsa_verify import _core, errors\n"
        f"f = _core.Fetcher(directory={str(tmp_path)!r}, indexes=[sys.argv[1]], retries=0)\n"
        "try:\n"
        f"    f.fetch('abi3info', '2024.10.8', sys.argv[1].replace('/simple', '/files/{WHEEL.name}'), {d.sha256!r}, True)\n"
        "except errors.NetworkError as e:\n"
        "    print('NetworkError', e.detail)\n"
        "for line in open('/proc/self/status'):\n"
        "    if line.startswith('VmHWM'):\n"
        "        print(line.split()[1])\n"
    )
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    with serve(Index([d])) as url:
        proc = subprocess.run(
            [sys.executable, "-c", script, url], capture_output=True, text=True, check=True
        )
    first, peak_kib = proc.stdout.splitlines()
    assert first.startswith("NetworkError")
    assert int(peak_kib) < 90 * 1024, f"peak RSS {peak_kib} KiB"


def test_stalled_server_is_bounded_in_time(target: str) -> None:
    d = abi3info()
    d.fault = "stall"
    started = time.monotonic()
    code, text = _fault(
        target, [d], "abi3info==2024.10.8", *POLICY, "--timeout", "1", "--retries", "1"
    )
    assert code == 4
    assert "NetworkError" in text
    assert time.monotonic() - started < 20


def test_truncated_file_body_is_exit_4(target: str) -> None:
    d = abi3info()
    d.later_fault = "truncate"  # pip's resolution download is whole; ours is cut
    code, text = _fault(target, [d], "abi3info==2024.10.8", *POLICY, "--retries", "0")
    assert code == 4
    assert "NetworkError" in text
    assert "body ended after" in text or "broke off" in text


def test_one_unattested_dependency_installs_nothing(target: str) -> None:
    app = make_wheel("app", "1.0", requires=["abi3info==2024.10.8", "helper==1.0"])
    helper = make_wheel("helper", "1.0")
    code, text = _fault(target, [app, helper, abi3info()], "app==1.0", "--allow-unattested", "app")
    assert code == 3
    assert "helper-1.0-py3-none-any.whl has no provenance" in text
    assert "nothing was installed" in text
    # allowing it too installs all three, abi3info checked against its index publisher
    with serve(Index([app, helper, abi3info()])) as url:
        code, out, err = run(
            "install",
            "app==1.0",
            "--index-url",
            url,
            "--python",
            target,
            "--allow-unattested",
            "app",
            "--allow-unattested",
            "helper",
        )
    assert code == 0, err
    assert "woodruffw/abi3info/release.yml (index)" in out
    assert imports(target, "abi3info")
    assert imports(target, "helper")


# --- where the index comes from ---------------------------------------------


def test_pip_index_url_environment(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(Index([abi3info()])) as url:
        monkeypatch.setenv("PIP_INDEX_URL", url)
        code, _, err = run("install", "abi3info==2024.10.8", "--python", target, *POLICY)
    assert code == 0, err
    assert imports(target, "abi3info")


def test_extra_index_url(target: str) -> None:
    with serve(Index([])) as empty, serve(Index([abi3info()], mode="html")) as extra:
        code, _, err = run(
            "install",
            "abi3info==2024.10.8",
            "--index-url",
            empty,
            "--extra-index-url",
            extra,
            "--python",
            target,
            *POLICY,
        )
    assert code == 0, err
    assert imports(target, "abi3info")


def test_integrity_api_fallback(target: str) -> None:
    d = abi3info()
    d.provenance_via = "integrity"  # the page has no provenance link
    index = Index([d], mode="html")
    with serve(index) as url:
        code, _, err = run(
            "install", "abi3info==2024.10.8", "--index-url", url, "--python", target, *POLICY
        )
    assert code == 0, err
    assert (
        "/integrity/abi3info/2024.10.8/abi3info-2024.10.8-py3-none-any.whl/provenance" in index.hits
    )


# --- download -d: a verified wheelhouse --------------------------------------


def test_download_writes_a_wheelhouse_that_verifies_offline(tmp_path: Path, target: str) -> None:
    house = tmp_path / "house"
    with serve(Index([abi3info()])) as url:
        code, out, err = run(
            "download",
            "abi3info==2024.10.8",
            "-d",
            str(house),
            "--index-url",
            url,
            "--python",
            target,
            *POLICY,
        )
    assert code == 0, err
    assert sorted(p.name for p in house.iterdir()) == [WHEEL.name, WHEEL.name + ".provenance"]
    assert pip_list(target) == []  # download installs nothing
    code, out, _ = run("verify", str(house / WHEEL.name), *POLICY)
    assert code == 0
    assert out.startswith(f"OK  {WHEEL.name}")


def test_usage_errors() -> None:
    for argv, why in [
        (("install",), "name at least one requirement"),
        (("install", "x", "--repository", "a/b"), "--repository and --workflow go together"),
        (
            ("verify", "x.whl", "--repository", "a/b", "--workflow", "w.yml", "--", "-U"),
            "only goes with install",
        ),
    ]:
        code, _, err = run(*argv)
        assert code == 2, argv
        assert err.startswith("FAILED  UsageError:"), err
        assert why in err


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_ctrl_c_interrupts_at_once_and_cleans_up(target: str, tmp_path: Path) -> None:
    import signal

    d = abi3info()
    d.fault = "stall"  # the provenance body stalls for 30 s
    index = Index([d])
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with serve(index) as url:
        # A run started in the background (`cmd &` without job control) inherits
        # SIGINT ignored, and Python keeps ignoring it; the child re-arms the
        # handler a terminal user's `python -m slsa_verify` has, then runs it.
        argv = ["install", "abi3info==2024.10.8", "--index-url", url, "--python", target, *POLICY]
        launcher = (
            "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            f"sys.argv = ['slsa_verify', *{argv!r}]; runpy.run_module('slsa_verify', run_name='__main__')"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", launcher],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": str(scratch)},
        )
        deadline = time.monotonic() + 60
        while not any(h.startswith("/provenance/") for h in index.hits):
            assert time.monotonic() < deadline, "the fetch never started"
            time.sleep(0.05)
        assert any(p.name.startswith("pip-verify-") for p in scratch.iterdir())
        time.sleep(0.3)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:  # never leak a running child into later tests
                proc.kill()
                proc.communicate()
        took = time.monotonic() - sent
    assert proc.returncode == 130
    assert "interrupted" in err
    assert "Traceback" not in err
    assert took < 10, f"took {took:.1f} s to stop"
    assert not [p for p in scratch.iterdir() if p.name.startswith("pip-verify-")]
    assert pip_list(target) == []


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a test CA")
def test_https_index_trusted_through_cert(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An HTTPS index signed by a private CA: refused without --cert (exit 4),
    installed with it (pip and the Rust downloader both use the bundle)."""
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # would override pip's --cert
        monkeypatch.delenv(var, raising=False)
    ca, cert, key = make_tls(tmp_path)
    with serve(Index([abi3info()]), tls=(cert, key)) as url:
        code, out, err = run(
            "install",
            "abi3info==2024.10.8",
            "--index-url",
            url,
            "--python",
            target,
            *POLICY,
            "--retries",
            "0",
        )
        assert code == 4, out + err
        code, out, err = run(
            "install",
            "abi3info==2024.10.8",
            "--index-url",
            url,
            "--python",
            target,
            *POLICY,
            "--cert",
            str(ca),
        )
    assert code == 0, out + err
    assert imports(target, "abi3info")


def test_sdists_are_not_resolved_unless_allowed(target: str) -> None:
    """Resolving an sdist would run its build code before verification: by
    default pip may only pick wheels, so an sdist-only project fails (exit 4)
    without its sdist ever being fetched."""
    sdist = Dist("buildme", "1.0", "buildme-1.0.tar.gz", b"not even a tarball")
    index = Index([sdist])
    before = pip_list(target)
    with serve(index) as url:
        code, _, err = run("install", "buildme==1.0", "--index-url", url, "--python", target)
    assert code == 4
    assert "NetworkError" in err
    assert "pip could not resolve" in err
    assert not any(h.startswith("/files/") for h in index.hits)
    assert pip_list(target) == before


def test_all_does_not_cover_a_requirement_with_a_policy(target: str) -> None:
    d = abi3info()
    d.provenance = None
    code, text = _fault(target, [d], "abi3info==2024.10.8", *POLICY, "--allow-unattested", ":all:")
    assert code == 3
    assert "NoAttestations" in text


def test_retries_are_bounded() -> None:
    code, _, err = run("install", "x==1", "--retries", "99")
    assert code == 2
    assert "--retries must be between 0 and 10" in err


def _pep740_as_bundle(provenance: Path) -> bytes:
    """The provenance's first attestation as the Sigstore bundle it stands for.

    The same signature, certificate and log entry, in the form GitHub's
    attestation API serves.
    """
    att = json.loads(provenance.read_bytes())["attestation_bundles"][0]["attestations"][0]
    vm = att["verification_material"]
    bundle = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": {"rawBytes": vm["certificate"]},
            "tlogEntries": vm["transparency_entries"],
        },
        "dsseEnvelope": {
            "payload": att["envelope"]["statement"],
            "payloadType": "application/vnd.in-toto+json",
            "signatures": [{"sig": att["envelope"]["signature"]}],
        },
    }
    return json.dumps(bundle).encode()


def _github_install(target: str, *extra: str, command: str = "install") -> tuple[int, str, str]:
    d = abi3info()
    d.provenance = None  # the index has none: GitHub has an attestation
    index = Index([d])
    index.github = GitHub()
    index.github.add("woodruffw/abi3info", _pep740_as_bundle(PROVENANCE), sha256(d.data))
    with serve(index) as url:
        api = ["--github-api", url.removesuffix("/simple")]
        return run(
            command,
            "abi3info==2024.10.8",
            "--index-url",
            url,
            "--python",
            target,
            *(api if "--github-attestations" in extra else []),
            *extra,
        )


def test_github_attestations_stand_in_for_missing_provenance(target: str, tmp_path: Path) -> None:
    code, _, err = _github_install(target, *POLICY, "--github-attestations", "woodruffw/abi3info")
    assert code == 0, err
    assert imports(target, "abi3info")
    # without the flag the file has no provenance
    assert _github_install(target, *POLICY)[0] == 3
    # another repository's API has nothing for it
    code, _, err = _github_install(target, *POLICY, "--github-attestations", "woodruffw/other")
    assert code == 3
    assert "GitHub has no attestation" in err
    # a policy the attestation does not satisfy
    code, _, err = _github_install(
        target,
        "--repository",
        "woodruffw/abi3info",
        "--workflow",
        "other.yml",
        "--github-attestations",
        "woodruffw/abi3info",
    )
    assert code == 1
    assert "PublisherMismatch" in err
    # the wheelhouse keeps what GitHub returned, and verify re-checks it offline
    house = tmp_path / "house"
    code, _, err = _github_install(
        target,
        *POLICY,
        "--github-attestations",
        "woodruffw/abi3info",
        "-d",
        str(house),
        command="download",
    )
    assert code == 0, err
    assert run("verify", str(house / WHEEL.name), *POLICY)[0] == 0


def test_github_attestations_need_a_policy(target: str) -> None:
    code, _, err = _github_install(target, "--github-attestations", "woodruffw/abi3info")
    assert code == 2
    assert "--github-attestations needs a POLICY" in err
