# SPDX-License-Identifier: Apache-2.0
"""pip's configuration, read without starting pip, and the one pip start of ``install`` (issue 15).

``pip-verify`` reads pip's configuration files itself; the oracle here is pip's
own ``pip config list`` on the same files, variables and target environment.
The pip that resolved installs too (``_install.KeptPip``), and only when told.
"""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from index_server import Index, real_dist, serve
from slsa_verify import _install, errors
from slsa_verify._cli import main

ASSETS = Path(__file__).resolve().parent.parent / "assets"
EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
POLICY = ["--repository", "woodruffw/abi3info", "--workflow", "release.yml"]
SECRET = "s3cr3t-token"  # noqa: S105 (a planted credential, checked never to be printed)


@pytest.fixture(autouse=True)
def hermetic_pip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every configuration place pip looks at is under the test's own directory."""
    for var in list(os.environ):
        if var.startswith("PIP_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg-dirs"))
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")


@pytest.fixture
def target(tmp_path: Path) -> str:
    venv.create(tmp_path / "target", with_pip=False)
    bindir = "Scripts" if sys.platform == "win32" else "bin"
    return str(tmp_path / "target" / bindir / "python")


def opts_for(python: str, **kw: object) -> _install.Options:
    opts = _install.Options([], [], None, [], None, [], python, 5, 0, None, None, None, [])
    for key, value in kw.items():
        setattr(opts, key, value)
    return opts


def pip_says(python: str) -> dict[str, str]:
    """pip's own view, merged as before: ``pip config list`` run for ``python``."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "config", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    sections: dict[str, dict[str, str]] = {"global": {}, "install": {}, ":env:": {}}
    for line in proc.stdout.splitlines():
        key, _, raw = line.partition("=")
        section, _, name = key.partition(".")
        if section in sections:
            sections[section][name] = ast.literal_eval(raw)
    merged: dict[str, str] = {}
    for section in sections.values():
        merged.update(section)
    return merged


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


unix_only = pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="XDG configuration places"
)


@unix_only
def test_every_place_in_pips_precedence(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, xdg = tmp_path / "home", tmp_path / "xdg-home"
    prefix = Path(target).parent.parent
    write(
        tmp_path / "xdg-dirs" / "pip" / "pip.conf",
        "[global]\nindex-url = http://site-wide/simple\ntimeout = 1\nproxy = http://p-global\n"
        "[install]\nno-compile = yes\n",
    )
    write(
        home / ".pip" / "pip.conf",
        "[global]\nindex-url = http://legacy-user/simple\ncert = /legacy.pem\nretries = 2\n",
    )
    write(
        xdg / "pip" / "pip.conf",
        "[global]\nindex-url = http://user/simple\nretries = 3\n"
        "extra-index-url =\n  http://e1/simple\n  http://e2/simple\n",
    )
    write(prefix / "pip.conf", "[global]\nindex-url = http://venv/simple\n[wheel]\ncert = /w\n")
    ours = _install.pip_settings(opts_for(target))
    assert ours == pip_says(target)
    assert ours["index-url"] == "http://venv/simple"
    assert ours["retries"] == "3"
    assert ours["cert"] == "/legacy.pem"
    assert ours["proxy"] == "http://p-global"
    assert ours["extra-index-url"].split() == ["http://e1/simple", "http://e2/simple"]

    env_file = write(
        tmp_path / "env.conf",
        "[install]\nIndex_URL = http://env-file/simple\n[global]\nTimeout=9\n",
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(env_file))
    ours = _install.pip_settings(opts_for(target))
    assert ours == pip_says(target)
    # PIP_CONFIG_FILE names a file: the user's files are not read
    assert "retries" not in ours
    assert ours["index-url"] == "http://env-file/simple"
    assert ours["timeout"] == "9"

    monkeypatch.setenv("PIP_INDEX_URL", "http://variable/simple")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    ours = _install.pip_settings(opts_for(target))
    assert ours == pip_says(target)
    assert ours["index-url"] == "http://variable/simple"
    assert _install.apply_pip_settings(opts_for(target)) == []


@unix_only
def test_config_file_variable_naming_no_file_keeps_the_users(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "xdg-home" / "pip" / "pip.conf", "[global]\nindex-url = http://user/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(tmp_path / "missing.conf"))
    ours = _install.pip_settings(opts_for(target))
    assert ours == pip_says(target)
    assert ours["index-url"] == "http://user/simple"


def test_devnull_means_no_file_at_all(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "xdg-home" / "pip" / "pip.conf", "[global]\nindex-url = http://user/simple\n")
    write(tmp_path / "xdg-dirs" / "pip" / "pip.conf", "[global]\nindex-url = http://glob/simple\n")
    write(Path(target).parent.parent / "pip.conf", "[global]\nindex-url = http://venv/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    ours = _install.pip_settings(opts_for(target))
    assert ours == pip_says(target)
    assert "index-url" not in ours
    assert _install.apply_pip_settings(opts_for(target)) == [_install.DEFAULT_INDEX]
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "http://a/simple http://b/simple")
    assert _install.apply_pip_settings(opts_for(target)) == [
        _install.DEFAULT_INDEX,
        "http://a/simple",
        "http://b/simple",
    ]


def test_the_environments_own_file_is_the_targets(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip reads ``sys.prefix/pip.conf`` of the interpreter it installs for, not ours."""
    monkeypatch.delenv("PIP_CONFIG_FILE", raising=False)
    write(Path(target).parent.parent / "pip.conf", "[install]\nindex-url = http://venv/simple\n")
    opts = opts_for(target)
    assert _install.apply_pip_settings(opts)[0] == "http://venv/simple"
    assert opts.paths is not None
    assert Path(opts.paths.prefix) == Path(target).parent.parent
    assert _install.apply_pip_settings(opts_for(sys.executable))[0] != "http://venv/simple"


def test_unreadable_file_is_skipped_as_pip_skips_it(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a directory where a file is expected: open() fails for every user, root included
    (tmp_path / "xdg-home" / "pip" / "pip.conf").mkdir(parents=True)
    write(tmp_path / "home" / ".pip" / "pip.conf", "[global]\nindex-url = http://legacy/simple\n")
    assert _install.pip_settings(opts_for(target))["index-url"] == "http://legacy/simple"
    if sys.platform != "win32" and os.geteuid() != 0:
        locked = write(tmp_path / "locked.conf", "[global]\nindex-url = http://locked/simple\n")
        locked.chmod(0)
        monkeypatch.setenv("PIP_CONFIG_FILE", str(locked))
        try:
            ours = _install.pip_settings(opts_for(target))
            assert ours == pip_says(target)
            assert "index-url" not in ours
        finally:
            locked.chmod(0o600)


def test_broken_file_is_a_usage_error_that_never_prints_its_text(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = write(
        tmp_path / "pip.conf",
        f"[global]\nindex-url = https://user:{SECRET}@example.invalid/simple\n"
        f"https://user:{SECRET}@example.invalid/other\n[broken\n",
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    with pytest.raises(errors.UsageError) as caught:
        _install.pip_settings(opts_for(target))
    assert str(conf) in caught.value.detail
    assert SECRET not in caught.value.detail
    # and on the console: exit 2, before any network use
    code, out, err = run("install", "abi3info==2024.10.8", "--python", target, *POLICY)
    assert code == errors.UsageError.exit_code
    assert "UsageError" in err
    assert SECRET not in out + err


def test_credentials_in_index_url_stay_out_of_the_output(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = Index([])
    with serve(index) as url:
        host = url.split("//", 1)[1]
        conf = write(tmp_path / "pip.conf", f"[global]\nindex-url = http://u:{SECRET}@{host}\n")
        monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
        assert _install.pip_settings(opts_for(target))["index-url"].endswith(host)
        code, out, err = run("install", "abi3info==2024.10.8", "--python", target, *POLICY)
    assert code == errors.NetworkError.exit_code
    assert "NetworkError" in err
    assert SECRET not in out + err


def test_oversized_file_is_refused(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = write(tmp_path / "pip.conf", "[global]\n" + "# padding\n" * 120_000)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    with pytest.raises(errors.UsageError, match="over 1 MiB"):
        _install.pip_settings(opts_for(target))


def test_a_python_that_does_not_run_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(errors.UsageError, match="cannot run --python"):
        _install.pip_settings(opts_for(str(tmp_path / "no-such-python")))
    code, _, err = run("install", "abi3info==2024.10.8", "--python", str(tmp_path / "no"), *POLICY)
    assert code == errors.UsageError.exit_code
    assert "Traceback" not in err


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, errout=err)
    return code, out.getvalue(), err.getvalue()


# --- the pip that resolved installs, and only when told ----------------------------


def _resolve_kept(tmp_path: Path, target: str, url: str) -> tuple[_install.KeptPip, Path]:
    work = tmp_path / "work"
    work.mkdir()
    opts = opts_for(target, index_url=url, requirements=["abi3info==2024.10.8"])
    kept = _install.KeptPip()
    items = _install.resolve(opts, work, kept=kept)
    assert [i["metadata"]["name"] for i in items] == ["abi3info"]
    assert kept.waiting
    return kept, work


def pip_list(python: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(p["name"] for p in json.loads(out))


def test_kept_pip_ends_without_installing(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    with serve(Index([real_dist(WHEEL, PROVENANCE, "abi3info", "2024.10.8")])) as url:
        kept, _ = _resolve_kept(tmp_path, target, url)
        proc = kept.proc
        kept.close()
    assert proc is not None
    assert proc.returncode == 0
    assert not kept.waiting
    assert pip_list(target) == []


def test_kept_pip_install_failure_is_an_install_error(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    with serve(Index([real_dist(WHEEL, PROVENANCE, "abi3info", "2024.10.8")])) as url:
        kept, work = _resolve_kept(tmp_path, target, url)
        missing = work / "missing.txt"
        with pytest.raises(errors.InstallError) as caught:
            kept.install(
                ["install", "--isolated", "--no-index", "-r", str(missing)],
                work,
                errors.InstallError("pip failed"),
            )
    assert "missing.txt" in caught.value.detail
    assert not kept.waiting
    assert pip_list(target) == []


def test_install_starts_pip_once(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One pip start (the guarded resolution, which installs), plus the bare-interpreter probe."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    class Popen(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, cmd: list[str], *a: object, **kw: object) -> None:
            started.append([str(c) for c in cmd])
            super().__init__(cmd, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", Popen)
    with serve(Index([real_dist(WHEEL, PROVENANCE, "abi3info", "2024.10.8")])) as url:
        code, out, err = run(
            "install", "abi3info==2024.10.8", "--index-url", url, "--python", target, *POLICY
        )
    monkeypatch.setattr(subprocess, "Popen", real_popen)
    assert code == 0, out + err
    assert [c[:2] for c in started] == [[target, "-I"], [target, "-c"]]
    assert "installed 1 verified file(s)" in out
    assert pip_list(target) == ["abi3info"]


def test_empty_values_hide_nothing_as_pip_skips_them(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty key or variable over a setting leaves the setting (pip skips empty values)."""
    conf = write(
        tmp_path / "pip.conf",
        "[global]\nindex-url = http://corp.example/simple\nno-binary = :all:\n"
        f"requirement = {tmp_path / 'evil.txt'}\n"
        "[install]\nrequirement =\nno-binary =\n",
    )
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.setenv("PIP_INDEX_URL", "")
    seen = _install.pip_settings(opts_for(target))
    assert seen["index-url"] == "http://corp.example/simple"
    assert seen["no-binary"] == ":all:"
    assert seen["requirement"] == str(tmp_path / "evil.txt")
    code, _, err = run("install", "abi3info==2024.10.8", "--python", target, *POLICY)
    assert code == errors.UsageError.exit_code, err
    assert "'requirement'" in err


@pytest.mark.parametrize("where", ["file", "env"])
def test_pips_python_setting_is_refused(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """pip would start itself again under that interpreter, outside the guard's hooks."""
    if where == "file":
        conf = write(tmp_path / "pip.conf", f"[global]\npython = {target}\n")
        monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    else:
        monkeypatch.setenv("PIP_PYTHON", target)
    code, _, err = run("install", "abi3info==2024.10.8", "--python", target, *POLICY)
    assert code == errors.UsageError.exit_code, err
    assert "sets 'python'" in err


@unix_only
def test_the_guard_never_restarts_pip_outside_its_hooks(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even past the usage checks, PIP_PYTHON cannot make the guarded pip start another pip."""
    marker = tmp_path / "restarted"
    fake = tmp_path / "fake-python"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 0\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PIP_PYTHON", str(fake))
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(errors.Error):
        _install.resolve(opts_for(target), work)  # no requirement: pip itself refuses
    assert not marker.exists()


@unix_only
def test_a_fifo_as_configuration_is_refused_not_waited_on(
    tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "pip.conf"
    os.mkfifo(fifo)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(fifo))
    with pytest.raises(errors.UsageError, match="not a regular file"):
        _install.pip_settings(opts_for(target))
