# SPDX-License-Identifier: Apache-2.0
"""Verify-then-install against a hostile index (issue 11).

The attacker runs the index on 127.0.0.1. It serves the real abi3info wheel
and its real provenance, and lies where nothing is signed: PEP 658
``.metadata`` files, direct-URL dependencies, sdists whose build code writes
a marker file. Every test checks that no build code ran (the marker does not
exist), what the target venv holds, the error kind and exit code.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import time
import venv
import zipfile
from pathlib import Path

import pytest
from hostile_index import HostileIndex, evil_sdist, serve_hostile, wheel_metadata
from index_server import Dist, Index, make_wheel, real_dist, serve
from slsa_verify import _core, _fmt, _install, errors
from slsa_verify._cli import main

ASSETS = Path(__file__).resolve().parent.parent / "assets"
EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
POLICY = ["--repository", "woodruffw/abi3info", "--workflow", "release.yml"]
SECRET = "s3cr3t-token"  # noqa: S105 (a planted credential, checked never to be printed)


def abi3info() -> Dist:
    return real_dist(WHEEL, PROVENANCE, "abi3info", "2024.10.8")


@pytest.fixture(autouse=True)
def hermetic_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in list(os.environ):
        if var.startswith("PIP_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")


@pytest.fixture
def target(tmp_path: Path) -> str:
    venv.create(tmp_path / "target", with_pip=False)
    return str(tmp_path / "target" / "bin" / "python")


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """The file a malicious build backend writes if it ever runs."""
    return tmp_path / "BUILD-CODE-RAN"


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


def site_packages(python: str) -> Path:
    out = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return Path(out.strip())


def injected(extra: str) -> bytes:
    """The real wheel's METADATA with ``extra`` header lines added."""
    meta = wheel_metadata(WHEEL).decode()
    return meta.replace("Version: 2024.10.8\n", f"Version: 2024.10.8\n{extra}", 1).encode()


def assert_clean(text: str) -> None:
    assert "Traceback" not in text
    assert "\x1b" not in text
    assert SECRET not in text


# --- 1. nothing from the network runs before it is verified --------------------


def test_direct_url_dependency_in_pep658_metadata_is_refused_before_fetching(
    target: str, marker: Path
) -> None:
    index = HostileIndex([abi3info()])
    index.loose["evil-1.0.tar.gz"] = evil_sdist("evil", "1.0", marker)
    with serve_hostile(index) as url:
        base = url.removesuffix("/simple")
        index.metadata[WHEEL.name] = injected(
            f"Requires-Dist: evil @ {base}/files/evil-1.0.tar.gz\n"
        )
        code, out, err = run(
            "install", "abi3info==2024.10.8", "--index-url", url, "--python", target, *POLICY
        )
    assert code == 2, out + err
    assert "UsageError" in err
    assert "refused before pip fetched it" in err
    assert "a dependency of abi3info" in err
    assert not marker.exists()
    assert "/files/evil-1.0.tar.gz" not in index.hits  # never even downloaded
    assert pip_list(target) == []
    assert_clean(out + err)


def test_allowed_direct_sdist_is_built_only_after_it_verifies(target: str, marker: Path) -> None:
    """--allow-direct evil --allow-sdist: pip may fetch the sdist, but its build
    code runs only once its bytes verified; here it has no provenance."""
    index = HostileIndex([abi3info()])
    index.loose["evil-1.0.tar.gz"] = evil_sdist("evil", "1.0", marker)
    with serve_hostile(index) as url:
        base = url.removesuffix("/simple")
        index.metadata[WHEEL.name] = injected(
            f"Requires-Dist: evil @ {base}/files/evil-1.0.tar.gz\n"
        )
        code, out, err = run(
            "install",
            "abi3info==2024.10.8",
            "--index-url",
            url,
            "--python",
            target,
            "--allow-direct",
            "evil",
            "--allow-sdist",
            "--retries",
            "0",
            *POLICY,
        )
    assert not marker.exists()
    assert code == 3, out + err
    assert "NoAttestations" in err
    assert pip_list(target) == []


def test_index_sdist_is_not_built_even_with_allow_sdist_until_verified(
    target: str, marker: Path
) -> None:
    sdist = evil_sdist("evil", "1.0", marker)
    index = HostileIndex([Dist("evil", "1.0", "evil-1.0.tar.gz", sdist)])
    with serve_hostile(index) as url:
        code, out, err = run(
            "install",
            "evil==1.0",
            "--index-url",
            url,
            "--python",
            target,
            "--allow-sdist",
            "--retries",
            "0",
        )
    assert not marker.exists()
    assert code == 3, out + err
    assert "NoAttestations" in err
    assert pip_list(target) == []


def test_allow_direct_admits_a_wheel_that_verifies(target: str) -> None:
    index = HostileIndex([abi3info()])
    with serve_hostile(index) as url:
        req = f"abi3info @ {url.removesuffix('/simple')}/files/{WHEEL.name}"
        code, out, err = run(
            *("install", req, "--allow-direct", "abi3info", "--index-url", url),
            *("--python", target, *POLICY),
        )
    assert code == 0, out + err
    assert f"/provenance/{WHEEL.name}" in index.hits
    assert [p["name"] for p in pip_list(target)] == ["abi3info"]


@pytest.fixture
def evil_files(tmp_path: Path, marker: Path) -> dict[str, Path]:
    """A malicious local sdist and the project directory it unpacks to."""
    data = evil_sdist("evil", "1.0", marker)
    sdist = tmp_path / "evil-1.0.tar.gz"
    sdist.write_bytes(data)
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        tf.extractall(tmp_path / "src", filter="data")
    return {"sdist": sdist, "dir": tmp_path / "src" / "evil-1.0"}


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        (["--no-binary :all:", "abi3info==2024.10.8"], "--no-binary makes pip build sdists"),
        (["-e {dir}"], "editable requirements"),
        (["{dir}"], "is a local path"),
        (["{sdist}"], "is a local path"),
        (["evil @ {url}/files/evil-1.0.tar.gz"], "is a direct URL"),
        (["git+{url}/evil.git#egg=evil"], "is a VCS URL"),
        (["--index-url {url}", "abi3info==2024.10.8"], "--index-url in a requirements file"),
        (["--extra-index-url={url}"], "--extra-index-url in a requirements file"),
        (["--find-links {url}"], "--find-links in a requirements file"),
        (["--trusted-host 127.0.0.1"], "--trusted-host in a requirements file"),
        (["-r nested.txt"], "is a direct URL"),  # nested.txt: the URL requirement
        (["-c constraints.txt", "abi3info==2024.10.8"], "is a direct URL"),
        (["abi3info==2024.10.8 --config-settings x=y"], "per-requirement option"),
        (["--use-feature fast-deps"], "option --use-feature is refused"),
        (["-r {url}/reqs.txt"], "requirements files from URLs are refused"),
    ],
)
def test_requirements_files_are_checked_before_pip_runs(  # noqa: PLR0917 (fixtures)
    tmp_path: Path,
    target: str,
    marker: Path,
    evil_files: dict[str, Path],
    lines: list[str],
    why: str,
) -> None:
    index = HostileIndex(
        [
            abi3info(),
            Dist(
                "abi3info",
                "2024.10.8",
                "abi3info-2024.10.8.tar.gz",
                evil_sdist("abi3info", "2024.10.8", marker),
            ),
        ]
    )
    with serve_hostile(index) as url:
        base = url.removesuffix("/simple")
        fmt = {"dir": evil_files["dir"], "sdist": evil_files["sdist"], "url": base}
        (tmp_path / "nested.txt").write_text("-r deeper.txt\n")
        (tmp_path / "deeper.txt").write_text(f"evil @ {base}/files/evil-1.0.tar.gz\n")
        (tmp_path / "constraints.txt").write_text(f"evil @ {base}/files/evil-1.0.tar.gz\n")
        reqs = tmp_path / "requirements.txt"
        reqs.write_text("".join(line.format(**fmt) + "\n" for line in lines))
        code, out, err = run(
            "install", "-r", str(reqs), "--index-url", url, "--python", target, *POLICY
        )
    assert code == 2, out + err
    assert err.startswith("FAILED  UsageError:"), err
    assert why in err
    assert not marker.exists()
    assert index.hits == []  # pip never ran
    assert pip_list(target) == []


@pytest.mark.parametrize("which", ["url", "sdist", "dir", "vcs"])
def test_direct_references_on_the_command_line_are_refused(
    target: str, marker: Path, evil_files: dict[str, Path], which: str
) -> None:
    index = HostileIndex([abi3info()])
    index.loose["evil-1.0.tar.gz"] = evil_sdist("evil", "1.0", marker)
    with serve_hostile(index) as url:
        base = url.removesuffix("/simple")
        req = {
            "url": f"evil @ {base}/files/evil-1.0.tar.gz",
            "sdist": str(evil_files["sdist"]),
            "dir": str(evil_files["dir"]),
            "vcs": f"evil @ git+{base}/evil.git",
        }[which]
        code, out, err = run(
            "install",
            req,
            "--index-url",
            url,
            "--python",
            target,
            "--allow-direct",
            "evil" if which == "vcs" else "other",
        )
    assert code == 2, out + err
    assert err.startswith("FAILED  UsageError:"), err
    assert not marker.exists()
    assert index.hits == []
    assert pip_list(target) == []


@pytest.mark.parametrize("which", ["url", "sdist", "dir", "editable"])
def test_the_pip_guard_refuses_what_a_pre_check_could_miss(
    tmp_path: Path, target: str, marker: Path, evil_files: dict[str, Path], which: str
) -> None:
    """Defence in depth: pip itself, run by ``resolve``, refuses direct references
    and editables before fetching or building them (no pre-check involved)."""
    index = HostileIndex([abi3info()])
    index.loose["evil-1.0.tar.gz"] = evil_sdist("evil", "1.0", marker)
    with serve_hostile(index) as url:
        base = url.removesuffix("/simple")
        reqs = {
            "url": [f"evil @ {base}/files/evil-1.0.tar.gz"],
            "sdist": [str(evil_files["sdist"])],
            "dir": [str(evil_files["dir"])],
            "editable": ["-e", str(evil_files["dir"])],
        }[which]
        opts = _install.Options(
            requirements=reqs,
            requirement_files=[],
            index_url=url,
            extra_index_urls=[],
            policy=None,
            allow_unattested=[],
            python=target,
            timeout=5,
            retries=0,
            cert=None,
            proxy=None,
            trusted_root=None,
            pip_args=[],
            allow_sdist=True,
        )
        work = tmp_path / "work"
        work.mkdir()
        with pytest.raises(errors.UsageError, match="refused before pip fetched it"):
            _install.resolve(opts, work)
    assert not marker.exists()
    assert "/files/evil-1.0.tar.gz" not in index.hits


# --- 2. an unverified copy of the same version does not stay installed ---------


def test_an_installed_tampered_copy_of_the_same_version_is_replaced(
    tmp_path: Path, target: str
) -> None:
    tampered = make_wheel("abi3info", "2024.10.8")  # same name and version, other bytes
    path = tmp_path / tampered.filename
    path.write_bytes(tampered.data)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            target,
            "install",
            "--no-deps",
            "--no-index",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    site = site_packages(target)
    assert "VERSION = " in (site / "abi3info" / "__init__.py").read_text()
    with serve(Index([abi3info()])) as url:
        code, out, err = run(
            "install",
            "abi3info==2024.10.8",
            "--index-url",
            url,
            "--python",
            target,
            *POLICY,
            "--",
            "--quiet",
            "--no-warn-script-location",
        )
    assert code == 0, out + err
    with zipfile.ZipFile(WHEEL) as zf:
        for name in zf.namelist():
            if name.startswith("abi3info/"):
                assert (site / name).read_bytes() == zf.read(name), name
    assert _core.check_installed(str(WHEEL), str(site), str(site)) > 0


def test_the_installed_files_check_catches_a_difference(tmp_path: Path, target: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            target,
            "install",
            "--no-deps",
            "--no-index",
            str(WHEEL),
        ],
        check=True,
        capture_output=True,
    )
    site = site_packages(target)
    assert _core.check_installed(str(WHEEL), str(site), str(site)) >= 3
    init = site / "abi3info" / "__init__.py"
    good = init.read_bytes()
    init.write_bytes(good + b"\nimport os  # planted\n")
    with pytest.raises(errors.InstalledMismatch, match=r"abi3info/__init__\.py"):
        _core.check_installed(str(WHEEL), str(site), str(site))
    init.write_bytes(good[:-1] + b"#")  # same size, other bytes
    with pytest.raises(
        errors.InstalledMismatch, match=r"sha256 of installed abi3info/__init__\.py"
    ):
        _core.check_installed(str(WHEEL), str(site), str(site))
    # a symbolic link is never followed, even to the right bytes
    real = tmp_path / "elsewhere.py"
    real.write_bytes(good)
    init.unlink()
    init.symlink_to(real)
    with pytest.raises(errors.InstalledMismatch, match="symbolic link"):
        _core.check_installed(str(WHEEL), str(site), str(site))
    init.unlink()
    with pytest.raises(errors.InstalledMismatch, match="No such file"):
        _core.check_installed(str(WHEEL), str(site), str(site))
    assert issubclass(errors.InstalledMismatch, errors.VerificationError)
    assert errors.InstalledMismatch.exit_code == 1


# --- 3. dependencies come from the verified wheel's own metadata ---------------


def test_injected_dependency_in_pep658_metadata_is_metadata_mismatch(target: str) -> None:
    index = HostileIndex([abi3info(), make_wheel("six", "1.0")])
    index.metadata[WHEEL.name] = injected("Requires-Dist: six\n")
    with serve_hostile(index) as url:
        code, out, err = run(
            "install",
            "abi3info==2024.10.8",
            "--index-url",
            url,
            "--python",
            target,
            "--allow-unattested",
            ":all:",
        )
    assert code == 1, out + err
    assert "MetadataMismatch" in err
    assert "requires-dist" in err
    assert "nothing was installed" in err
    assert pip_list(target) == []


def test_honest_pep658_metadata_installs(target: str) -> None:
    index = HostileIndex([abi3info()])
    index.metadata[WHEEL.name] = wheel_metadata(WHEEL)
    with serve_hostile(index) as url:
        code, out, err = run(
            "install", "abi3info==2024.10.8", "--index-url", url, "--python", target, *POLICY
        )
    assert code == 0, out + err
    assert f"/files/{WHEEL.name}.metadata" in index.hits  # pip resolved from it
    assert [p["name"] for p in pip_list(target)] == ["abi3info"]


def test_metadata_check_compares_each_field() -> None:
    honest = {
        "name": "abi3info",
        "version": "2024.10.8",
        "requires_dist": None,
        "requires_python": None,
    }
    text = wheel_metadata(WHEEL).decode()
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        if key == "Requires-Dist":
            honest["requires_dist"] = [*(honest["requires_dist"] or []), value]
        elif key == "Requires-Python":
            honest["requires_python"] = value
        elif key == "Provides-Extra":
            honest["provides_extra"] = [*honest.get("provides_extra", []), value]  # type: ignore[list-item]
        elif not line:
            break
    doc = {k: v for k, v in honest.items() if v is not None}
    _core.check_metadata(str(WHEEL), json.dumps(doc))
    for key, value in [
        ("version", "2024.10.9"),
        ("name", "abi3inf0"),
        ("requires_python", ">=2.7"),
        ("requires_dist", [*doc.get("requires_dist", []), "six"]),
        ("provides_extra", ["evil"]),
    ]:
        with pytest.raises(errors.MetadataMismatch):
            _core.check_metadata(str(WHEEL), json.dumps({**doc, key: value}))
    assert issubclass(errors.MetadataMismatch, errors.VerificationError)


# --- 4. arguments after `--` cannot add packages ---------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        ["six"],
        ["-r", "reqs.txt"],
        ["--requirement=reqs.txt"],
        ["-e", "."],
        ["--index-url", "http://127.0.0.1:9/simple"],
        ["--extra-index-url=http://127.0.0.1:9/simple"],
        ["--find-links", "/nonexistent"],
        ["-c", "constraints.txt"],
        ["--target", "/nonexistent/x"],
        ["--prefix=/nonexistent/x"],
        ["--root", "/nonexistent/x"],
        ["--no-binary", ":all:"],
        ["./evil-1.0.tar.gz"],
    ],
)
def test_pip_args_after_double_dash_cannot_add_anything(extra: list[str]) -> None:
    code, _, err = run("install", "abi3info==2024.10.8", *POLICY, "--", "--quiet", *extra)
    assert code == 2
    assert err.startswith("FAILED  UsageError:"), err
    assert "after `--` only" in err


def test_download_takes_no_pip_args() -> None:
    code, _, err = run("download", "abi3info==2024.10.8", *POLICY, "--", "--quiet")
    assert code == 2
    assert "only goes with install" in err


# --- 5. download -d never writes through a planted symbolic link -----------------


def test_download_replaces_planted_symlinks_instead_of_writing_through_them(
    tmp_path: Path, target: str
) -> None:
    house = tmp_path / "house"
    house.mkdir()
    victim = tmp_path / "bashrc"
    victim.write_text("# my shell settings\n")
    for name in (WHEEL.name, WHEEL.name + ".provenance"):
        (house / name).symlink_to(victim)
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
    assert code == 0, out + err
    assert victim.read_text() == "# my shell settings\n"
    for name, data in (
        (WHEEL.name, WHEEL.read_bytes()),
        (WHEEL.name + ".provenance", PROVENANCE.read_bytes()),
    ):
        assert not (house / name).is_symlink()
        assert (house / name).read_bytes() == data
    assert sorted(p.name for p in house.iterdir()) == [WHEEL.name, WHEEL.name + ".provenance"]


# --- 6. output -------------------------------------------------------------------


def test_escape_sequences_from_the_index_never_reach_the_terminal(target: str) -> None:
    index = HostileIndex([abi3info()])
    # pip reports the index's Requires-Python text in its error message
    index.metadata[WHEEL.name] = injected("Requires-Python: >=99\x1b]0;pwned\x07\x1b[2J\n")
    with serve_hostile(index) as url:
        code, out, err = run(
            "install", "abi3info==2024.10.8", "--index-url", url, "--python", target, *POLICY
        )
        jcode, jout, jerr = run(
            "install",
            "abi3info==2024.10.8",
            "--index-url",
            url,
            "--python",
            target,
            *POLICY,
            "--json",
        )
    assert code == jcode == 1, out + err
    assert "MetadataMismatch" in err
    assert "requires-python" in err
    assert_clean(out + err)
    assert_clean(jout + jerr)
    assert json.loads(jout)["ok"] is False


def test_escape_and_publisher_words() -> None:
    assert _fmt.escape("a\x1b[31mb\x07\u202ec\nd") == "a\\x1b[31mb\\x07\\u202ec\nd"
    r = _install.FileResult("p\x1b[2J", "1", "p-1-py3-none-any.whl", requested=True)
    r.error = errors.NoAttestations("no provenance at http://x/\x1b]0;t\x07")
    buf = io.StringIO()
    _install.print_table([r], buf)
    assert "\x1b" not in buf.getvalue()
    assert "p\\x1b[2J" in buf.getvalue()
    words = _fmt.publisher_words(
        "GitHub", {"repository": "o/r", "workflow": "release.yml", "claims": {"x": 1}}
    )
    assert words == "GitHub o/r/release.yml"


def test_summary_counts_allowed_unattested_files_apart(target: str, tmp_path: Path) -> None:
    app = make_wheel("app", "1.0", requires=["abi3info==2024.10.8"])
    with serve(Index([app, abi3info()])) as url:
        code, out, err = run(
            "install",
            "app==1.0",
            "--index-url",
            url,
            "--python",
            target,
            "--allow-unattested",
            "app",
            "--json",
        )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["counts"] == {"verified": 1, "allowed_unattested": 1, "failed": 0}
    assert {f["project"]: f["status"] for f in doc["files"]} == {
        "app": "allowed",
        "abi3info": "verified",
    }
    with serve(Index([app, abi3info()])) as url:
        code, out, err = run(
            "download",
            "app==1.0",
            "--index-url",
            url,
            "--python",
            target,
            "--allow-unattested",
            "app",
            "-d",
            str(tmp_path / "house"),
        )
    assert code == 0, err
    assert "1 verified file(s) and 1 unattested file(s) you allowed" in out


def test_ascii_stdout_falls_back_instead_of_failing() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "slsa_verify", "verify", str(WHEEL), *POLICY],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert b"\\u2026" in proc.stdout  # the ellipsis, escaped
    proc.stdout.decode("ascii")


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGTERM")
def test_sigterm_cleans_up_like_ctrl_c(target: str, tmp_path: Path) -> None:
    import signal

    d = abi3info()
    d.fault = "stall"
    index = Index([d])
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with serve(index) as url:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "slsa_verify", "install", "abi3info==2024.10.8"),
                *("--index-url", url, "--python", target, *POLICY),
            ],
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
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        took = time.monotonic() - sent
    assert proc.returncode == 143
    assert "terminated" in err
    assert "Traceback" not in err
    assert took < 10
    assert not [p for p in scratch.iterdir() if p.name.startswith("pip-verify-")]
    assert pip_list(target) == []


# --- 7. the indexes are exactly pip's ----------------------------------------------


def test_pip_conf_wheel_section_does_not_beat_global(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoy = Index([])
    with serve(Index([abi3info()])) as good, serve(decoy) as bad:
        conf = tmp_path / "pip.conf"
        conf.write_text(
            f"[global]\nindex-url = {good}\n[wheel]\nindex-url = {bad}\n[download]\nindex-url = {bad}\n"
        )
        monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
        code, out, err = run("install", "abi3info==2024.10.8", "--python", target, *POLICY)
    assert code == 0, out + err
    assert decoy.hits == []


def test_pip_conf_multi_line_extra_index_url(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        serve(Index([])) as empty1,
        serve(Index([])) as empty2,
        serve(Index([abi3info()], mode="html")) as real,
    ):
        conf = tmp_path / "pip.conf"
        conf.write_text(
            f"[global]\nindex-url = {empty1}\nextra-index-url =\n    {empty2}\n    {real}\n"
        )
        monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
        code, out, err = run("install", "abi3info==2024.10.8", "--python", target, *POLICY)
    assert code == 0, out + err


def test_settings_layer_like_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = http://g/simple\nextra-index-url =\n  http://e1/simple\n  http://e2/simple\n"
        "[install]\nindex-url = http://i/simple\n[wheel]\nindex-url = http://w/simple\n"
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    opts = _install.Options(
        [], [], None, ["http://cli/simple"], None, [], sys.executable, 5, 0, None, None, None, []
    )
    assert _install.apply_pip_settings(opts) == [
        "http://i/simple",
        "http://e1/simple",
        "http://e2/simple",
        "http://cli/simple",
    ]
    monkeypatch.setenv("PIP_INDEX_URL", "http://env/simple")
    assert _install.apply_pip_settings(opts)[0] == "http://env/simple"
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    assert _install.apply_pip_settings(opts) == []


def test_no_index_with_find_links_asks_no_index(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = tmp_path / "links"
    links.mkdir()
    (links / WHEEL.name).write_bytes(WHEEL.read_bytes())
    index = Index([abi3info()])
    with serve(index) as url:
        monkeypatch.setenv("PIP_INDEX_URL", f"http://{SECRET}@{url.removeprefix('http://')}")
        monkeypatch.setenv("PIP_NO_INDEX", "1")
        monkeypatch.setenv("PIP_FIND_LINKS", str(links))
        code, out, err = run(
            "install", "abi3info==2024.10.8", "--python", target, *POLICY, "--json"
        )
    assert index.hits == []  # the index pip was told not to use was never asked
    assert_clean(out + err)
    assert code == 3, out + err
    assert json.loads(out)["files"][0]["error"]["kind"] == "NoAttestations"
    assert pip_list(target) == []
