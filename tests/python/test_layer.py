# SPDX-License-Identifier: Apache-2.0
"""Issue 17: verified dependencies for another platform and reproducible Lambda layers.

Every test serves its own index on 127.0.0.1 (index_server.py): ``download --platform``
resolves for the target, ``layer`` builds a byte-reproducible zip of verified wheels, and
``verify-layer`` catches a zip changed after it was built.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ASSETS
from index_server import Dist, Index, make_wheel, real_dist, serve
from slsa_verify import _core, errors
from slsa_verify._cli import main

EXAMPLES = ASSETS.parent.parent / "examples"
WHEEL = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl"
PROVENANCE = EXAMPLES / "abi3info-2024.10.8-py3-none-any.whl.provenance"
POLICY = ["--repository", "woodruffw/abi3info", "--workflow", "release.yml"]
TARGET = ["--platform", "manylinux2014_aarch64", "--python-version", "3.12"]
MANIFEST = "slsa-verify-manifest.json"


def abi3info() -> Dist:
    return real_dist(WHEEL, PROVENANCE, "abi3info", "2024.10.8")


def platform_wheel(project: str, version: str, platform: str, *, script: bool = False) -> Dist:
    """A tiny unattested wheel for one platform (cp312-abi3-PLATFORM), maybe with a script."""
    dist = project.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    tag = f"cp312-abi3-{platform}"
    files = {
        f"{dist}/__init__.py": f"PLATFORM = {platform!r}\n".encode(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n".encode(),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: {tag}\n"
        ).encode(),
    }
    if script:  # and a data file, which pip --target puts in <target>/share
        files[f"{info}/entry_points.txt"] = f"[console_scripts]\n{project} = {dist}:main\n".encode()
        files[f"{dist}-{version}.data/data/share/{dist}/notes.txt"] = b"data\n"
    buf, record = io.BytesIO(), io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            writer.writerow([name, f"sha256={digest.decode()}", len(data)])
        writer.writerow([f"{info}/RECORD", "", ""])
        zf.writestr(zipfile.ZipInfo(f"{info}/RECORD", (2024, 1, 1, 0, 0, 0)), record.getvalue())
    return Dist(project, version, f"{dist}-{version}-{tag}.whl", buf.getvalue())


@pytest.fixture(autouse=True)
def hermetic_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip sees only the test's index: no config, find-links, cache or index env."""
    for var in list(os.environ):
        if var.startswith("PIP_") or var == "SOURCE_DATE_EPOCH":
            monkeypatch.delenv(var)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, errout=err)
    return code, out.getvalue(), err.getvalue()


# --- 1. download --platform ------------------------------------------------------


def test_download_for_another_platform_verifies_and_keeps_the_files(tmp_path: Path) -> None:
    dest = tmp_path / "wheelhouse"
    with serve(Index([abi3info()])) as url:
        code, out, err = run(
            "download", "abi3info==2024.10.8", *TARGET, "-d", str(dest), "--index-url", url, *POLICY
        )
    assert code == 0, err
    assert "target: --platform manylinux2014_aarch64 --python-version 3.12" in out
    assert "verified" in out
    assert sorted(p.name for p in dest.iterdir()) == [
        "abi3info-2024.10.8-py3-none-any.whl",
        "abi3info-2024.10.8-py3-none-any.whl.provenance",
    ]
    assert (dest / WHEEL.name).read_bytes() == WHEEL.read_bytes()
    assert (dest / PROVENANCE.name).read_bytes() == PROVENANCE.read_bytes()


def test_pip_picks_the_target_platform_file_and_it_needs_provenance(tmp_path: Path) -> None:
    arm = platform_wheel("tinyplat", "1.0", "manylinux2014_aarch64")
    x86 = platform_wheel("tinyplat", "1.0", "manylinux2014_x86_64")
    dest = tmp_path / "wheelhouse"
    with serve(Index([x86, arm])) as url:
        code, out, _ = run(
            "download", "tinyplat==1.0", *TARGET, "-d", str(dest), "--index-url", url, "--json"
        )
        doc = json.loads(out)
        assert code == 3
        assert doc["target"]["platforms"] == ["manylinux2014_aarch64"]
        assert doc["target"]["python_version"] == "3.12"
        (f,) = doc["files"]
        assert f["filename"] == arm.filename
        assert f["error"]["kind"] == "NoAttestations"
        assert not dest.exists()

        code, out, err = run(
            "download", "tinyplat==1.0", *TARGET, "-d", str(dest), "--index-url", url,
            "--allow-unattested", "tinyplat",
        )  # fmt: skip
    assert code == 0, err
    assert "(unattested, allowed)" in out
    assert [p.name for p in dest.iterdir()] == [arm.filename]
    assert (dest / arm.filename).read_bytes() == arm.data
    # The other platform's file: x86_64 when asked for it.
    with serve(Index([x86, arm])) as url:
        code, out, _ = run(
            "download", "tinyplat==1.0", "--platform", "manylinux2014_x86_64",
            "--python-version", "3.12", "--index-url", url, "--json",
        )  # fmt: skip
    assert code == 3
    assert json.loads(out)["files"][0]["filename"] == x86.filename


def test_target_options_refuse_sdists() -> None:
    code, _, err = run("download", "x", *TARGET, "--allow-sdist")
    assert code == 2
    assert "UsageError" in err


# --- 2. layer ----------------------------------------------------------------------


def build_layer(url: str, out: Path, *extra: str) -> tuple[int, str, str]:
    return run("layer", "abi3info==2024.10.8", *TARGET, "-o", str(out), "--index-url", url, *extra)


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two builds of the same layer, from one index: (first, second)."""
    tmp = tmp_path_factory.mktemp("layer")
    with pytest.MonkeyPatch.context() as mp:
        for var in list(os.environ):
            if var.startswith("PIP_") or var == "SOURCE_DATE_EPOCH":
                mp.delenv(var)
        mp.setenv("PIP_CONFIG_FILE", os.devnull)
        mp.setenv("PIP_NO_CACHE_DIR", "1")
        with serve(Index([abi3info()])) as url:
            outs = []
            for n in (1, 2):
                out = tmp / f"build{n}" / "layer.zip"
                code, _, err = build_layer(url, out, *POLICY)
                assert code == 0, err
                outs.append(out)
    return outs[0], outs[1]


def test_layer_is_byte_reproducible(layer: tuple[Path, Path]) -> None:
    first, second = layer
    assert first.read_bytes() == second.read_bytes()
    assert (
        first.with_name("layer.zip.manifest.json").read_bytes()
        == second.with_name("layer.zip.manifest.json").read_bytes()
    )
    assert sorted(p.name for p in first.parent.iterdir()) == [
        "layer.zip",
        "layer.zip.manifest.json",
    ]


def test_layer_content_and_manifest(layer: tuple[Path, Path]) -> None:
    zip_path = layer[0]
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        inside = zf.read(MANIFEST)
    assert names == sorted(names)
    assert "python/abi3info/__init__.py" in names
    assert "python/abi3info-2024.10.8.dist-info/RECORD" in names
    assert MANIFEST in names
    assert all(n.startswith("python/") or n == MANIFEST for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert inside == zip_path.with_name("layer.zip.manifest.json").read_bytes()
    doc = json.loads(inside)
    assert doc["target"]["platforms"] == ["manylinux2014_aarch64"]
    assert doc["trusted_root"]
    (w,) = doc["wheels"]
    assert (w["filename"], w["checked_by"]) == (WHEEL.name, "explicit")
    assert w["sha256"] == hashlib.sha256(WHEEL.read_bytes()).hexdigest()
    assert w["identity"].startswith("https://github.com/woodruffw/abi3info/")
    assert w["dist_info"] == "abi3info-2024.10.8.dist-info"


def test_source_date_epoch_sets_the_timestamps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    out = tmp_path / "layer.zip"
    with serve(Index([abi3info()])) as url:
        code, _, err = build_layer(url, out)  # no policy: the index's publisher
    assert code == 0, err
    with zipfile.ZipFile(out) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert json.loads(zf.read(MANIFEST))["wheels"][0]["checked_by"] == "index-asserted"


def test_an_allowed_unattested_wheel_with_a_script(tmp_path: Path) -> None:
    """The manifest says it was let in unverified; the console script stays out of python/."""
    arm = platform_wheel("tinyplat", "1.0", "manylinux2014_aarch64", script=True)
    x86 = platform_wheel("tinyplat", "1.0", "manylinux2014_x86_64", script=True)
    out = tmp_path / "layer.zip"
    with serve(Index([x86, arm])) as url:
        code, _, err = run(
            "layer", "tinyplat==1.0", *TARGET, "-o", str(out), "--index-url", url,
            "--allow-unattested", "tinyplat",
        )  # fmt: skip
    assert code == 0, err
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        doc = json.loads(zf.read(MANIFEST))
        record = zf.read("python/tinyplat-1.0.dist-info/RECORD")
        assert b"manylinux2014_aarch64" in zf.read("python/tinyplat/__init__.py")
    assert not any(n.startswith(("python/bin/", "python/share/")) for n in names)
    # Nor its RECORD row, whose hash covers a shebang naming the build machine's Python.
    assert b"bin/tinyplat" not in record
    assert b"notes.txt" not in record
    (w,) = doc["wheels"]
    assert (w["filename"], w["checked_by"], w["identity"]) == (
        arm.filename,
        "unattested-allowed",
        None,
    )
    assert doc["allow_unattested"] == ["tinyplat"]
    assert run("verify-layer", str(out))[0] == 0


def test_tampered_wheel_writes_nothing(tmp_path: Path) -> None:
    evil = make_wheel("abi3info", "2024.10.8")
    evil.provenance = PROVENANCE.read_bytes()
    out = tmp_path / "out" / "layer.zip"
    with serve(Index([evil])) as url:
        code, _, err = build_layer(url, out, *POLICY)
    assert code == 1
    assert "DigestMismatch" in err
    assert "nothing was written" in err
    assert not out.parent.exists()


def test_wrong_publisher_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "layer.zip"
    with serve(Index([abi3info()])) as url:
        code, out_text, _ = build_layer(
            url, out, "--repository", "evil/abi3info", "--workflow", "release.yml", "--json"
        )
    assert code == 1
    doc = json.loads(out_text)
    assert doc["files"][0]["error"]["kind"] == "PublisherMismatch"
    assert doc["layer"] is None
    assert list(tmp_path.iterdir()) == []


# --- 3. verify-layer ---------------------------------------------------------------


def test_verify_layer_passes_on_the_built_zip(layer: tuple[Path, Path]) -> None:
    zip_path = layer[0]
    manifest = zip_path.with_name("layer.zip.manifest.json")
    code, out, err = run("verify-layer", str(zip_path), "--manifest", str(manifest), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["ok"] is True
    assert doc["files"] == 8
    assert doc["wheels"][0]["filename"] == WHEEL.name
    code, out, _ = run("verify-layer", str(zip_path))
    assert code == 0
    assert "match their RECORDs and the manifest" in out
    assert f"identical to {manifest}" in out  # found beside the zip


def test_the_manifest_beside_is_used_by_default(layer: tuple[Path, Path], tmp_path: Path) -> None:
    copy = tmp_path / "layer.zip"
    copy.write_bytes(layer[0].read_bytes())
    code, out, _ = run("verify-layer", str(copy))
    assert code == 0
    assert "only the manifest inside was checked" in out
    doc = json.loads(layer[0].with_name("layer.zip.manifest.json").read_bytes())
    doc["wheels"][0]["record_sha256"] = "0" * 64
    Path(f"{copy}.manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = run("verify-layer", str(copy), "--json")
    assert code == 1
    assert json.loads(out)["error"]["kind"] == "LayerMismatch"


Edit = Callable[[dict[str, bytes]], None]


def rewrite(src: Path, dest: Path, edit: Edit) -> Path:
    with zipfile.ZipFile(src) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    edit(entries)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return dest


def _change(e: dict[str, bytes]) -> None:
    e["python/abi3info/__init__.py"] += b"\nimport os; os.system('curl evil')\n"


def _remove(e: dict[str, bytes]) -> None:
    del e["python/abi3info/models.py"]


def _add(e: dict[str, bytes]) -> None:
    e["python/sitecustomize.py"] = b"print('hello')\n"


def _add_outside(e: dict[str, bytes]) -> None:
    e["bootstrap"] = b"#!/bin/sh\n"


def _change_file_and_record(e: dict[str, bytes]) -> None:
    """Both the file and its RECORD row: only the manifest catches it."""
    path, record = "python/abi3info/__init__.py", "python/abi3info-2024.10.8.dist-info/RECORD"
    e[path] += b"# evil\n"
    digest = base64.urlsafe_b64encode(hashlib.sha256(e[path]).digest()).rstrip(b"=").decode()
    lines = [
        f"abi3info/__init__.py,sha256={digest},{len(e[path])}"
        if line.startswith("abi3info/__init__.py,")
        else line
        for line in e[record].decode().splitlines()
    ]
    e[record] = ("\n".join(lines) + "\n").encode()


def _drop_manifest(e: dict[str, bytes]) -> None:
    del e[MANIFEST]


@pytest.mark.parametrize(
    ("edit", "step", "word"),
    [
        (_change, "8.3", "changed"),
        (_remove, "8.4", "removed"),
        (_add, "8.5", "added"),
        (_add_outside, "8.5", "added"),
        (_change_file_and_record, "8.6", "changed"),
        (_drop_manifest, "8.6", "removed"),
    ],
    ids=["changed", "removed", "added", "added-outside-python", "record-rewritten", "no-manifest"],
)
def test_verify_layer_catches_a_changed_zip(
    layer: tuple[Path, Path], tmp_path: Path, edit: Edit, step: str, word: str
) -> None:
    bad = rewrite(layer[0], tmp_path / "bad.zip", edit)
    code, out, _ = run("verify-layer", str(bad), "--json")
    assert code == 1
    err = json.loads(out)["error"]
    assert (err["kind"], err["code"], err["step"]) == ("LayerMismatch", "layer_mismatch", step)
    assert err["detail"].startswith(word)
    with pytest.raises(errors.LayerMismatch):
        _core.check_layer(bad)


def test_an_unchanged_rewrite_still_verifies(layer: tuple[Path, Path], tmp_path: Path) -> None:
    """The checks read the content, not the zip's bytes: a re-zipped copy passes."""
    same = rewrite(layer[0], tmp_path / "same.zip", lambda _e: None)
    assert run("verify-layer", str(same))[0] == 0


def test_the_manifest_beside_must_match_the_one_inside(
    layer: tuple[Path, Path], tmp_path: Path
) -> None:
    other = tmp_path / "other.json"
    doc = json.loads(layer[0].with_name("layer.zip.manifest.json").read_bytes())
    doc["wheels"][0]["identity"] = "someone else"
    other.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = run("verify-layer", str(layer[0]), "--manifest", str(other), "--json")
    assert code == 1
    assert json.loads(out)["error"]["step"] == "8.6"


def _raw_zip(path: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "name", ["python/../evil.py", "/etc/cron.d/evil", "python\\evil.py", "python//x.py"]
)
def test_unsafe_member_names_are_layer_invalid(tmp_path: Path, name: str) -> None:
    bad = _raw_zip(tmp_path / "bad.zip", name, b"x")
    with pytest.raises(errors.LayerInvalid) as info:
        _core.check_layer(bad)
    assert info.value.step == "8.1"


def test_symlink_members_are_layer_invalid(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        info = zipfile.ZipInfo("python/link")
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(errors.LayerInvalid, match="symlink"):
        _core.check_layer(bad)


def test_a_malformed_record_is_layer_invalid(tmp_path: Path) -> None:
    bad = _raw_zip(tmp_path / "bad.zip", "python/x-1.dist-info/RECORD", b"x.py,md5=abc,1\n")
    with pytest.raises(errors.LayerInvalid) as info:
        _core.check_layer(bad, require_manifest=False)
    assert info.value.step == "8.2"


def test_truncated_and_garbage_zips_fail_cleanly(layer: tuple[Path, Path], tmp_path: Path) -> None:
    data = layer[0].read_bytes()
    cut = tmp_path / "cut.zip"
    for n in (0, 10, 100, len(data) // 2, len(data) - 30, len(data) - 1):
        cut.write_bytes(data[:n])
        with pytest.raises(errors.LayerInvalid):
            _core.check_layer(cut)
    # A flipped byte inside a compressed member: CRC, inflate or RECORD catches it.
    flipped = bytearray(data)
    flipped[200] ^= 0xFF
    cut.write_bytes(bytes(flipped))
    with pytest.raises((errors.LayerInvalid, errors.LayerMismatch)):
        _core.check_layer(cut)


def test_missing_layer_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("verify-layer", str(tmp_path / "nope.zip"))
    assert code == 2
    assert "UsageError" in err


# --- 4. lock for a target, and layer -r pylock.toml ------------------------------


def _lock_for_target(url: str, lock: Path, *extra: str) -> tuple[int, str, str]:
    return run(
        "lock", "abi3info==2024.10.8", *TARGET, "-o", str(lock), "--index-url", url, *POLICY,
        *extra,
    )  # fmt: skip


def test_lock_for_another_platform_records_the_target(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    with serve(Index([abi3info()])) as url:
        code, out, err = _lock_for_target(url, lock)
        assert code == 0, err
        assert "target: --platform manylinux2014_aarch64 --python-version 3.12" in out
        code, out, err = _lock_for_target(url, tmp_path / "pylock.json.toml", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["target"]["platforms"] == ["manylinux2014_aarch64"]
    assert doc["target"]["python_version"] == "3.12"
    text = lock.read_text()
    assert "[tool.slsa-verify-rs.target]" in text
    assert 'platforms = ["manylinux2014_aarch64"]' in text
    assert 'python-version = "3.12"' in text
    assert 'requires-python = "==3.12.*"' in text
    marker = (
        "platform_machine == 'aarch64' and python_version == '3.12' and sys_platform == 'linux'"
    )
    assert marker in text
    # This machine's marker is not written for another platform's lock.
    assert "implementation_name" not in text


def test_layer_from_a_target_lock_is_reproducible_and_checked_by_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    with serve(Index([abi3info()])) as url:
        assert _lock_for_target(url, lock)[0] == 0
        outs = []
        for n in (1, 2):
            out = tmp_path / f"b{n}" / "layer.zip"
            # No target flags: the lock's target is used.
            code, text, err = run("layer", "-r", str(lock), "-o", str(out), "--index-url", url)
            assert code == 0, err
            assert "target: --platform manylinux2014_aarch64 --python-version 3.12" in text
            outs.append(out)
        # The same target named again is fine.
        out3 = tmp_path / "b3" / "layer.zip"
        code, _, err = run("layer", "-r", str(lock), *TARGET, "-o", str(out3), "--index-url", url)
        assert code == 0, err
    assert outs[0].read_bytes() == outs[1].read_bytes() == out3.read_bytes()
    with zipfile.ZipFile(outs[0]) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        assert any(n.startswith("python/abi3info/") for n in zf.namelist())
    (wheel,) = manifest["wheels"]
    assert wheel["checked_by"] == "lock"
    assert wheel["sha256"] == hashlib.sha256(WHEEL.read_bytes()).hexdigest()
    assert manifest["target"]["platforms"] == ["manylinux2014_aarch64"]


def test_a_lock_used_for_another_target_or_for_install_is_a_usage_error(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    out = tmp_path / "layer.zip"
    with serve(Index([abi3info()])) as url:
        assert _lock_for_target(url, lock)[0] == 0
        code, _, err = run(
            "layer", "-r", str(lock), "--platform", "manylinux2014_x86_64",
            "--python-version", "3.12", "-o", str(out), "--index-url", url,
        )  # fmt: skip
        assert code == errors.UsageError.exit_code, err
        assert "was locked for --platform manylinux2014_aarch64" in err
        assert not out.exists()
        # install is for this machine: refused before anything is resolved.
        code, _, err = run("install", "-r", str(lock), "--index-url", url)
        assert code == errors.UsageError.exit_code, err
        assert "use `download -r` or `layer -r`" in err
        # A lock for this machine does not go with target options.
        here = tmp_path / "here" / "pylock.toml"
        here.parent.mkdir()
        code, _, err = run(
            "lock", "abi3info==2024.10.8", "-o", str(here), "--index-url", url, *POLICY
        )
        assert code == 0, err
        code, _, err = run("layer", "-r", str(here), *TARGET, "-o", str(out), "--index-url", url)
        assert code == errors.UsageError.exit_code, err
        assert "not for a target platform" in err
        assert not out.exists()


def test_layer_from_a_lock_whose_file_changed_on_the_index_writes_nothing(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    out = tmp_path / "layer.zip"
    arm = platform_wheel("tinyplat", "1.0", "manylinux2014_aarch64")
    with serve(Index([arm])) as url:
        code, _, err = run(
            "lock", "tinyplat==1.0", *TARGET, "-o", str(lock), "--index-url", url,
            "--allow-unattested", "tinyplat",
        )  # fmt: skip
        assert code == 0, err
    # Same name and version, other bytes: the index now serves a file the lock does not name.
    other = platform_wheel("tinyplat", "1.0", "manylinux2014_aarch64", script=True)
    with serve(Index([other])) as url:
        code, out_text, err = run(
            "layer", "-r", str(lock), "-o", str(out), "--index-url", url, "--json",
            "--allow-unattested", "tinyplat",
        )  # fmt: skip
    assert code == errors.LockMismatch.exit_code, err
    (f,) = json.loads(out_text)["files"]
    assert f["error"]["kind"] == "LockMismatch"
    assert not out.exists()
    assert not out.with_name(out.name + ".manifest.json").exists()


def test_download_from_a_target_lock_resolves_for_its_target(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    dest = tmp_path / "wheelhouse"
    with serve(Index([abi3info()])) as url:
        assert _lock_for_target(url, lock)[0] == 0
        code, out, err = run("download", "-r", str(lock), "-d", str(dest), "--index-url", url)
    assert code == 0, err
    assert "target: --platform manylinux2014_aarch64 --python-version 3.12" in out
    assert (dest / WHEEL.name).read_bytes() == WHEEL.read_bytes()


def test_a_lock_whose_target_is_not_pip_tags_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    with serve(Index([abi3info()])) as url:
        assert _lock_for_target(url, lock)[0] == 0
        text = lock.read_text()
        lock.write_text(
            text.replace(
                'platforms = ["manylinux2014_aarch64"]',
                'platforms = ["manylinux2014_aarch64\\u001b[2J\\nOK  evil"]',
            )
        )
        out = tmp_path / "layer.zip"
        code, stdout, err = run("layer", "-r", str(lock), "-o", str(out), "--index-url", url)
    assert code == errors.LockMismatch.exit_code, err
    assert "is not a pip tag" in err
    assert "\x1b" not in stdout + err
    assert "\nOK  evil" not in stdout + err
    assert not out.exists()
