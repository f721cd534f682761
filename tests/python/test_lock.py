# SPDX-License-Identifier: Apache-2.0
"""``pip-verify lock`` and ``install -r pylock.toml`` (issue 14), end to end.

Every test starts its own index on 127.0.0.1 serving the real abi3info wheel
and its real PyPI provenance, and installs into a fresh venv.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomllib
from conftest import ASSETS
from index_server import Dist, Index, real_dist, serve
from slsa_verify import _core, errors
from slsa_verify._cli import main

EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
SHA256 = hashlib.sha256(WHEEL.read_bytes()).hexdigest()
IDENTITY = {
    "kind": "GitHub",
    "repository": "woodruffw/abi3info",
    "workflow": "release.yml",
    "repository_id": "538293197",
    "repository_owner_id": "3059210",
}


@pytest.fixture(autouse=True)
def hermetic_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip sees only the test's index: no config, find-links, cache or index env."""
    for var in list(os.environ):
        if var.startswith("PIP_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")


def _venv(where: Path) -> str:
    venv.create(where, with_pip=False)
    return str(where / ("Scripts" if sys.platform == "win32" else "bin") / "python")


@pytest.fixture
def target(tmp_path: Path) -> str:
    """A fresh, empty venv to install into."""
    return _venv(tmp_path / "target")


def abi3info() -> Dist:
    return real_dist(WHEEL, PROVENANCE, "abi3info", "2024.10.8")


@pytest.fixture
def index() -> Iterator[tuple[Index, str]]:
    idx = Index([abi3info()])
    with serve(idx) as url:
        yield idx, url


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, errout=err)
    return code, out.getvalue(), err.getvalue()


def imports(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], check=False).returncode == 0


def lock(url: str, out: Path, *extra: str) -> tuple[int, str, str]:
    return run("lock", "abi3info==2024.10.8", "--index-url", url, "-o", str(out), *extra)


def install(url: str, lockfile: Path, target: str, *extra: str) -> tuple[int, str, str]:
    return run("install", "-r", str(lockfile), "--index-url", url, "--python", target, *extra)


def test_lock_pins_the_verified_identity_and_is_deterministic(
    index: tuple[Index, str], tmp_path: Path
) -> None:
    _, url = index
    out = tmp_path / "pylock.toml"
    code, stdout, err = lock(url, out)
    assert code == 0, err
    assert f"wrote {out}: 1 package(s)" in stdout
    first = out.read_bytes()
    doc = tomllib.loads(first.decode())
    assert doc["lock-version"] == "1.0"
    assert doc["created-by"] == "slsa-verify-rs"
    assert doc["requires-python"] == f"=={sys.version_info[0]}.{sys.version_info[1]}.*"
    assert len(doc["environments"]) == 1
    (pkg,) = doc["packages"]
    assert (pkg["name"], pkg["version"], pkg["index"]) == ("abi3info", "2024.10.8", url)
    (wheel,) = pkg["wheels"]
    assert wheel["name"] == WHEEL.name
    assert wheel["hashes"] == {"sha256": SHA256}
    assert wheel["size"] == WHEEL.stat().st_size
    assert wheel["url"].endswith(f"/files/{WHEEL.name}")
    assert pkg["attestation-identities"] == [IDENTITY]
    assert "tool" not in doc
    # Locking again over it (the pins hold) and afresh give the same bytes.
    assert lock(url, out)[0] == 0
    assert out.read_bytes() == first
    fresh = tmp_path / "again" / "pylock.toml"
    fresh.parent.mkdir()
    assert lock(url, fresh)[0] == 0
    assert fresh.read_bytes() == first


def test_packaging_pylock_accepts_the_lock(index: tuple[Index, str], tmp_path: Path) -> None:
    pylock = pytest.importorskip(
        "packaging.pylock", reason="packaging >= 26.1 (test-only oracle) is not installed"
    )
    _, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    parsed = pylock.Pylock.from_dict(tomllib.loads(out.read_text()))
    (pkg,) = parsed.packages
    assert str(pkg.name) == "abi3info"
    assert pkg.wheels is not None
    assert pkg.wheels[0].hashes == {"sha256": SHA256}
    assert pkg.attestation_identities is not None
    assert [dict(i) for i in pkg.attestation_identities] == [IDENTITY]


def test_nothing_is_written_when_a_file_fails(tmp_path: Path) -> None:
    bad = abi3info()
    bad.provenance = (
        ASSETS / "pep740/real/abi3info/abi3info-2024.10.3-py3-none-any.whl.provenance"
    ).read_bytes()
    out = tmp_path / "pylock.toml"
    with serve(Index([bad])) as url:
        code, _, err = lock(url, out)
    assert code == 1
    assert "was not written" in err
    assert not out.exists()


def test_install_from_the_lock_installs_and_says_the_lock_checked_it(
    index: tuple[Index, str], tmp_path: Path, target: str
) -> None:
    _, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    code, stdout, err = install(url, out, target)
    assert code == 0, err
    assert "GitHub woodruffw/abi3info release.yml (lock)" in stdout
    assert "installed 1 verified file(s)" in stdout
    assert imports(target, "abi3info")


def test_download_from_the_lock_keeps_the_locked_file(
    index: tuple[Index, str], tmp_path: Path
) -> None:
    _, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    dest = tmp_path / "wheelhouse"
    code, _, err = run("download", "-r", str(out), "--index-url", url, "-d", str(dest))
    assert code == 0, err
    assert hashlib.sha256((dest / WHEEL.name).read_bytes()).hexdigest() == SHA256


@pytest.mark.parametrize(
    ("old", "new", "note"),
    [
        ('workflow = "release.yml"', 'workflow = "publish.yml"', "same repository id, new name"),
        (
            'repository = "woodruffw/abi3info"',
            'repository = "woodruffw/other"',
            "same repository id, new name",
        ),
        (
            'repository_id = "538293197"',
            'repository_id = "999"',
            "same name, another repository id",
        ),
    ],
)
def test_an_edited_pin_is_identity_changed_and_nothing_is_installed(  # noqa: PLR0917
    index: tuple[Index, str], tmp_path: Path, target: str, old: str, new: str, note: str
) -> None:
    _, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    out.write_text(out.read_text().replace(old, new))
    code, stdout, err = install(url, out, target)
    assert code == 1
    assert "FAILED IdentityChanged" in stdout
    assert "IdentityChanged" in err
    # Both sides are shown.
    assert "the lock pins GitHub" in err
    assert "signed by GitHub woodruffw/abi3info release.yml" in err
    assert new.split('"')[1] in err
    assert note in err
    assert "nothing was installed" in err
    assert not imports(target, "abi3info")


def test_the_core_raises_identity_changed(index: tuple[Index, str], tmp_path: Path) -> None:
    """The same through the API: the fetcher with the lock raises the class."""
    _, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    edited = out.read_text().replace('workflow = "release.yml"', 'workflow = "x.yml"').encode()
    (tmp_path / "files").mkdir()
    fetcher = _core.Fetcher(directory=str(tmp_path / "files"), indexes=[url], lock=edited)
    file_url = url.replace("/simple", f"/files/{WHEEL.name}")
    with pytest.raises(errors.IdentityChanged) as caught:
        fetcher.fetch("abi3info", "2024.10.8", file_url, SHA256, True)
    assert caught.value.step == "9.3"
    assert caught.value.exit_code == 1
    with pytest.raises(errors.LockMismatch):
        fetcher.fetch("abi3info", "2024.10.8", file_url, "0" * 64, True)


def test_provenance_gone_is_a_downgrade_even_with_allow_unattested(
    index: tuple[Index, str], tmp_path: Path, target: str
) -> None:
    idx, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    locked = out.read_bytes()
    idx.dists[0].provenance = None
    for extra in ([], ["--allow-unattested", "abi3info"], ["--allow-unattested", ":all:"]):
        code, stdout, err = install(url, out, target, *extra)
        assert code == 1, extra
        assert "FAILED AttestationDowngrade" in stdout
        assert "--allow-unattested does not override a pin" in err
        assert not imports(target, "abi3info")
    # Re-locking refuses the downgrade too, and leaves the lock alone...
    code, _, err = lock(url, out, "--allow-unattested", "abi3info")
    assert code == 1
    assert "AttestationDowngrade" in err
    assert out.read_bytes() == locked
    # ...unless the person accepts it by name; that is recorded.
    code, _, err = lock(url, out, "--allow-unattested", "abi3info", "--allow-downgrade", "abi3info")
    assert code == 0, err
    doc = tomllib.loads(out.read_text())
    assert "attestation-identities" not in doc["packages"][0]
    tool = doc["tool"]["slsa-verify-rs"]
    assert tool["unattested"] == ["abi3info"]
    (acc,) = tool["accepted"]
    assert (acc["name"], acc["change"], acc["found"]) == ("abi3info", "downgrade", "no provenance")
    assert "538293197" in acc["locked"]
    # The new lock installs the unattested file: the person accepted it.
    code, stdout, err = install(url, out, target)
    assert code == 0, err
    assert "(unattested, allowed)" in stdout


def test_relocking_over_another_identity_needs_accept_identity(
    index: tuple[Index, str], tmp_path: Path
) -> None:
    _, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    other = out.read_text().replace(
        'repository = "woodruffw/abi3info"', 'repository = "evil/abi3info"'
    )
    out.write_text(other)
    code, _, err = lock(url, out)
    assert code == 1
    assert "IdentityChanged" in err
    assert "evil/abi3info" in err
    assert "woodruffw/abi3info" in err
    assert out.read_text() == other
    code, _, err = lock(url, out, "--accept-identity", "abi3info")
    assert code == 0, err
    doc = tomllib.loads(out.read_text())
    assert doc["packages"][0]["attestation-identities"] == [IDENTITY]
    (acc,) = doc["tool"]["slsa-verify-rs"]["accepted"]
    assert acc["change"] == "identity"
    assert acc["locked"].startswith("GitHub evil/abi3info release.yml")
    assert acc["found"].startswith("GitHub woodruffw/abi3info release.yml")
    # Locking again keeps the record and the bytes.
    before = out.read_bytes()
    assert lock(url, out)[0] == 0
    assert out.read_bytes() == before


def test_other_bytes_for_the_locked_file_install_nothing(
    index: tuple[Index, str], tmp_path: Path, target: str
) -> None:
    idx, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    # The index now lists and serves other bytes under the locked name.
    idx.dists[0].data = WHEEL.read_bytes() + b"\0"
    code, stdout, err = install(url, out, target)
    assert code == 1
    assert "FAILED LockMismatch" in stdout
    assert SHA256 in err
    assert "nothing was installed" in err
    assert not imports(target, "abi3info")


def test_other_bytes_behind_the_locked_listing_install_nothing(
    index: tuple[Index, str], tmp_path: Path, target: str
) -> None:
    idx, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    # The listing still says the locked hash; the bytes our downloader gets differ.
    idx.dists[0].later_data = WHEEL.read_bytes() + b"\0"
    idx.dists[0].file_gets = 0  # pip's own resolution download gets the locked bytes
    code, stdout, _ = install(url, out, target)
    assert code == 1
    assert "FAILED DigestMismatch" in stdout
    assert not imports(target, "abi3info")


def test_a_lock_without_identities_falls_back_with_a_hint(
    index: tuple[Index, str], tmp_path: Path, target: str
) -> None:
    _, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out)[0] == 0
    text = out.read_text()
    foreign = text[: text.index("[[packages.attestation-identities]]")]
    out.write_text(foreign.replace('created-by = "slsa-verify-rs"', 'created-by = "other"'))
    code, _, err = install(url, out, target, "--require-identities")
    assert code == 1
    assert "LockMismatch" in err
    assert "--require-identities" in err
    code, stdout, err = install(url, out, target)
    assert code == 0, err
    assert "pins no attestation identities" in err
    assert "(index)" in stdout


def test_lock_files_are_parsed_with_limits(tmp_path: Path) -> None:
    with pytest.raises(errors.InputTooLarge):
        _core.lock_read(b"#" * ((4 << 20) + 1))
    for bad in (b"not toml = = ", b'lock-version = "2.0"\ncreated-by = "x"\n', b"\xff"):
        with pytest.raises(errors.LockMismatch):
            _core.lock_read(bad)
    out = tmp_path / "pylock.toml"
    out.write_bytes(b"[[[")
    code, _, err = run("install", "-r", str(out))
    assert code == 1
    assert "LockMismatch" in err
    code, _, err = run("install", "-r", str(out), "extra==1")
    assert code == 2


# --- other installers read our lock -------------------------------------------


@pytest.fixture(scope="module")
def installers(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A venv with pip >= 26.1 and uv, from PyPI (skipped when they cannot be had)."""
    where = tmp_path_factory.mktemp("installers")
    python = _venv(where / "venv")
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_CONFIG_FILE", "PIP_NO_INDEX")}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "--python", python, "install", "-q", "pip>=26.1", "uv"],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("pip >= 26.1 and uv could not be installed from PyPI within 300 s")
    if proc.returncode != 0:
        pytest.skip(f"pip >= 26.1 and uv could not be installed from PyPI: {proc.stderr[-300:]}")
    return python


def test_pip_installs_our_lock(
    installers: str, index: tuple[Index, str], tmp_path: Path, target: str
) -> None:
    _, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out, "--python", target)[0] == 0
    proc = subprocess.run(
        [installers, "-m", "pip", "--python", target, "install", "-r", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert imports(target, "abi3info")


def test_uv_installs_our_lock(
    installers: str, index: tuple[Index, str], tmp_path: Path, target: str
) -> None:
    _, url = index
    out = tmp_path / "pylock.toml"
    assert lock(url, out, "--python", target)[0] == 0
    uv = Path(installers).with_name("uv")
    if not uv.exists():
        uv = shutil.which("uv", path=str(Path(installers).parent)) or uv  # type: ignore[assignment]
    proc = subprocess.run(
        [str(uv), "pip", "install", "--python", target, "-r", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "UV_NO_CACHE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert imports(target, "abi3info")


def test_policies_pin_the_ids_and_verification_reports_them() -> None:
    from slsa_verify import GitHubPublisher, verify_wheel

    v = verify_wheel(WHEEL, PROVENANCE, policy=GitHubPublisher("woodruffw/abi3info", "release.yml"))
    assert (v.source_repository_id, v.source_repository_owner_id) == ("538293197", "3059210")
    assert v.to_dict()["source_repository_id"] == "538293197"
    flags = [
        "verify",
        str(WHEEL),
        "--repository",
        "woodruffw/abi3info",
        "--workflow",
        "release.yml",
    ]
    code, _, err = run(*flags, "--repository-id", "538293197", "--owner-id", "3059210")
    assert code == 0, err
    code, _, err = run(*flags, "--repository-id", "538293198")
    assert code == 1
    assert "PublisherMismatch" in err
    assert "repository id (.1.15)" in err
    code, _, err = run(*flags, "--owner-id", "1")
    assert code == 1
    assert "repository owner id (.1.17)" in err
