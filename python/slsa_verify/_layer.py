# SPDX-License-Identifier: Apache-2.0
"""``pip-verify layer`` / ``verify-layer`` and the target-platform options.

``layer`` resolves for the target with pip, verifies every file exactly as
``install`` does (``_install.verify_resolution``), installs the verified
wheels with ``pip install --target`` into a staging ``python/`` directory and
writes a byte-reproducible zip with a manifest inside and beside it. Whether
the zip's files are the wheels' files (their ``RECORD``s) and the ``RECORD``s
the manifest's is decided by the Rust core (``_core.check_layer``), which
checks the zip before it is renamed into place and again on ``verify-layer``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import posixpath
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from slsa_verify import _cli, _core, _install, errors

MANIFEST = "slsa-verify-manifest.json"
MANIFEST_SCHEMA = 1
# Zip timestamps cannot be earlier than 1980-01-01 00:00:00.
_ZIP_EPOCH = 315532800
_ZIP_LAST = 4354819198  # 2107-12-31 23:59:58, the last time a zip can hold
_FILE_MODE = 0o100644


def add_target_flags(p: argparse.ArgumentParser) -> None:
    """The target-platform options, as pip's (``download`` and ``layer``)."""
    g = p.add_argument_group("target platform (as pip's; implies wheels only)")
    g.add_argument(
        "--platform",
        action="append",
        default=[],
        metavar="TAG",
        help="a platform tag to resolve for, e.g. manylinux2014_aarch64; repeatable",
    )
    g.add_argument("--python-version", metavar="X.Y", help="the target Python version, e.g. 3.12")
    g.add_argument("--implementation", metavar="IMPL", help="cp, pp, … (as pip's)")
    g.add_argument("--abi", action="append", default=[], metavar="ABI", help="repeatable")


def target_from_args(args: argparse.Namespace) -> dict[str, Any] | None:
    """The target the flags name, with the pip options that select it; None for this machine."""
    platforms = list(getattr(args, "platform", []) or [])
    version = getattr(args, "python_version", None)
    impl = getattr(args, "implementation", None)
    abis = list(getattr(args, "abi", []) or [])
    if not (platforms or version or impl or abis):
        return None
    if getattr(args, "allow_sdist", False):
        raise errors.UsageError("--allow-sdist cannot be combined with target-platform options")
    target: dict[str, Any] = {
        "platforms": platforms,
        "python_version": version,
        "implementation": impl,
        "abis": abis,
    }
    target["pip_args"] = target_pip_args(target)
    return target


def target_pip_args(target: dict[str, Any]) -> list[str]:
    """The pip options selecting ``target`` (without ``--target DIR``)."""
    args = [arg for p in target["platforms"] for arg in ("--platform", str(p))]
    args += ["--python-version", str(target["python_version"])] if target["python_version"] else []
    args += ["--implementation", str(target["implementation"])] if target["implementation"] else []
    args += [arg for a in target["abis"] for arg in ("--abi", str(a))]
    return args


def pip_target_args(target: dict[str, Any], directory: Path) -> list[str]:
    """The pip options for ``target``; pip takes them only with ``--target DIR``."""
    return [*target["pip_args"], "--only-binary=:all:", "--target", str(directory)]


def add_parsers(sub: argparse._SubParsersAction[Any]) -> None:
    """``layer`` and ``verify-layer``."""
    p = sub.add_parser(
        "layer",
        help="resolve for a target platform, verify every file, write a reproducible "
        "Lambda layer zip",
        description=(
            "Resolve REQs with pip for the target platform, verify every file as install "
            "does, install the verified wheels into python/ and write a byte-reproducible zip "
            "(sorted entries, timestamps from SOURCE_DATE_EPOCH or 1980-01-01, mode 0644, no "
            f"__pycache__) with {MANIFEST} inside it and OUT.manifest.json beside it. "
            "Nothing is written unless every file verified."
        ),
        epilog=(
            "example:\n  pip-verify layer abi3info==2024.10.8 --platform manylinux2014_aarch64 \\\n"
            "      --python-version 3.12 -o layer.zip \\\n"
            "      --repository woodruffw/abi3info --workflow release.yml\n\n" + _cli._EPILOG
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("requirements", nargs="*", metavar="REQ", help="requirements, as for pip")
    p.add_argument("-r", "--requirement", action="append", default=[], metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="ZIP", help="the layer zip to write")
    p.add_argument(
        "--allow-unattested",
        action="append",
        default=[],
        metavar="NAME",
        help="let NAME (or :all:) in without provenance; repeatable",
    )
    p.set_defaults(python=sys.executable)
    add_target_flags(p)
    _cli._add_network_flags(p)
    _cli._add_policy_flags(p)
    _cli._add_root_flags(p)
    v = sub.add_parser(
        "verify-layer",
        help="check a layer zip against its wheels' RECORDs and its manifest",
        description=(
            "Recompute the hash of every file in the layer zip and compare it with the RECORD "
            f"of the wheel it came from, and every RECORD with {MANIFEST}: a file changed, "
            "removed or added after the layer was built fails with LayerMismatch."
        ),
        epilog=(
            "example:\n"
            "  pip-verify verify-layer layer.zip --manifest layer.zip.manifest.json\n\n"
            + _cli._EPILOG
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument("layer", metavar="ZIP", help="the layer zip")
    v.add_argument(
        "--manifest",
        metavar="FILE",
        help="the manifest written beside the zip: the one inside must be identical "
        "(default: ZIP.manifest.json if it exists)",
    )
    v.add_argument("--json", action="store_true", help="print one JSON document")


def dispatch(
    args: argparse.Namespace, pip_args: list[str], *, as_json: bool, out: TextIO, errout: TextIO
) -> int:
    """Run ``layer`` or ``verify-layer``."""
    if pip_args:
        raise errors.UsageError("`-- PIP-ARGS` only goes with install")
    if args.command == "verify-layer":
        return run_verify(args.layer, args.manifest, as_json=as_json, out=out)
    # A `-r pylock.toml` builds from exactly the lock's files and identities (and target).
    opts = _cli._from_lock_file(args, _cli._install_options(args, []), errout)
    return run_layer(opts, args.output, as_json=as_json, out=out, errout=errout)


# --- building -----------------------------------------------------------------


def _epoch() -> int:
    """``SOURCE_DATE_EPOCH`` (clamped to what a zip can hold), or 1980-01-01."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return _ZIP_EPOCH
    if not raw.isdigit():
        raise errors.UsageError(f"SOURCE_DATE_EPOCH must be an integer, not {raw!r}")
    return min(max(int(raw), _ZIP_EPOCH), _ZIP_LAST)


def _pip_install(
    opts: _install.Options, results: Sequence[_install.FileResult], work: Path
) -> Path:
    """Install exactly the verified files into ``work/stage/python``."""
    files = work / "files"
    reqs = work / "layer-requirements.txt"
    # By name from a directory holding only the verified files (not by path, which would
    # make pip write the temporary path into direct_url.json and the zip unreproducible).
    reqs.write_text(
        "".join(
            f"{r.project}=={r.version} --hash=sha256:{r.outcome['sha256']}\n"
            for r in results
            if r.outcome
        ),
        encoding="utf-8",
    )
    python = work / "stage" / "python"
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-index",
        "--find-links",
        str(files),
        "--no-deps",
        "--require-hashes",
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        *(pip_target_args(opts.target, python) if opts.target else ["--target", str(python)]),
        *([] if opts.target else ["--only-binary=:all:"]),
        "-r",
        str(reqs),
    ]
    _install._run_pip(
        cmd, errors.InstallError("every file verified, but pip failed to install them")
    )
    return python


def _drop_outside_rows(python: Path) -> set[str]:
    """Drop the ``RECORD`` rows of files outside ``python/`` (console scripts, data files).

    A layer does not carry them, and a script's row hashes a shebang naming this machine's
    interpreter, which would make the zip differ between build machines. Returns the
    top-level directories pip moved them into (``bin``, ``share``, …) that hold nothing else.
    """
    outside: set[str] = set()
    inside: set[str] = set()
    for record in sorted(python.glob("*.dist-info/RECORD")):
        with record.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        kept = []
        for row in rows:
            path = posixpath.normpath(row[0]) if row else ""
            if path.startswith("../"):
                # pip --target installs under <home>/lib/python, then moves <home>/X to X.
                parts = path.split("/")
                outside.add(next((c for c in parts if c != ".."), ""))
            elif row:
                inside.add(path.split("/", 1)[0])
                kept.append(row)
        if len(kept) != len(rows):
            with record.open("w", newline="", encoding="utf-8") as f:
                csv.writer(f, lineterminator="\n").writerows(kept)
    return outside - inside


def _members(python: Path, skip: set[str]) -> list[tuple[str, Path]]:
    """``(name in the zip, file)``, sorted; nothing under ``skip``, no ``__pycache__``/``.pyc``."""
    found = []
    for path in python.rglob("*"):
        rel = path.relative_to(python.parent).as_posix()
        parts = rel.split("/")
        if parts[1] in skip or "__pycache__" in parts or rel.endswith((".pyc", ".pyo")):
            continue
        if path.is_symlink():
            raise errors.InstallError(f"pip installed a symlink, {rel}; a layer holds files only")
        if path.is_file():
            found.append((rel, path))
    return sorted(found)


def _write_zip(dest: Path, members: list[tuple[str, Path]], manifest: bytes | None) -> None:
    stamp = time.gmtime(_epoch())[:6]
    with zipfile.ZipFile(dest, "w") as zf:
        entries: list[tuple[str, bytes | Path]] = [*members]
        if manifest is not None:
            entries.append((MANIFEST, manifest))
        for name, src in sorted(entries, key=lambda e: e[0]):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode below is read on every platform
            info.external_attr = _FILE_MODE << 16
            data = src if isinstance(src, bytes) else src.read_bytes()
            zf.writestr(info, data, compresslevel=9)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _manifest(
    opts: _install.Options, results: Sequence[_install.FileResult], records: list[dict[str, str]]
) -> bytes:
    by_name = {_normalize(r["dist_info"].split("-", 1)[0]): r for r in records}
    if len(by_name) != len(records):
        raise errors.InstallError("two installed distributions share a name")
    wheels = []
    for r in results:
        if r.outcome is None:
            continue
        rec = by_name.pop(_normalize(r.project), None)
        if rec is None:
            raise errors.InstallError(f"pip installed no .dist-info for {r.filename}")
        v = r.verification
        wheels.append(
            {
                "project": r.project,
                "version": r.version,
                "filename": r.filename,
                "sha256": r.outcome["sha256"],
                "checked_by": r.outcome["policy"],
                "identity": v.identity if v else None,
                "issuer": v.issuer if v else None,
                "publisher": v.publisher if v else None,
                "source_repository": v.source_repository if v else None,
                "source_ref": v.source_ref if v else None,
                "source_digest": v.source_digest if v else None,
                "log_index": v.log_index if v else None,
                "signed_at": v.to_dict()["signed_at"] if v else None,
                "provenance_url": r.outcome["provenance_url"],
                "dist_info": rec["dist_info"],
                "record_sha256": rec["record_sha256"],
            }
        )
    if by_name:
        extra = ", ".join(sorted(r["dist_info"] for r in by_name.values()))
        raise errors.InstallError(f"pip installed distributions nobody verified: {extra}")
    root = opts.trusted_root or _core.TrustedRoot.production()
    doc = {
        "schema_version": MANIFEST_SCHEMA,
        "generator": f"slsa-verify-rs {_core.__version__}",
        "target": opts.target,
        "policy": json.loads(opts.policy._to_json()) if opts.policy is not None else None,
        "allow_unattested": sorted(opts.allow_unattested),
        "trusted_root": root.name,
        "wheels": sorted(wheels, key=lambda w: w["filename"]),
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def build(
    opts: _install.Options, results: Sequence[_install.FileResult], work: Path, output: Path
) -> dict[str, Any]:
    """Install, zip, check and rename into place; the manifest."""
    python = _pip_install(opts, results, work)
    members = _members(python, _drop_outside_rows(python))
    draft = work / "draft.zip"
    _write_zip(draft, members, None)
    found = json.loads(_core.check_layer(draft, require_manifest=False))
    manifest = _manifest(opts, results, found["records"])
    output.parent.mkdir(parents=True, exist_ok=True)
    beside = output.with_name(output.name + ".manifest.json")
    fd, tmp_zip = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    os.close(fd)
    fd, tmp_manifest = tempfile.mkstemp(dir=output.parent, prefix=f".{beside.name}.", suffix=".tmp")
    os.close(fd)
    try:
        _write_zip(Path(tmp_zip), members, manifest)
        Path(tmp_manifest).write_bytes(manifest)
        # The zip as written must pass verify-layer, against the copy beside it.
        _core.check_layer(tmp_zip, expected_manifest=tmp_manifest)
        for tmp in (tmp_zip, tmp_manifest):
            Path(tmp).chmod(0o644)
        Path(tmp_manifest).replace(beside)
        Path(tmp_zip).replace(output)
    finally:
        for tmp in (tmp_zip, tmp_manifest):
            with contextlib.suppress(FileNotFoundError):
                Path(tmp).unlink()
    doc: dict[str, Any] = json.loads(manifest)
    return doc


def run_layer(
    opts: _install.Options, output: str, *, as_json: bool, out: TextIO, errout: TextIO
) -> int:
    """Resolve, verify every file, build the layer; the exit code."""
    progress = errout if (errout.isatty() and not as_json and not opts.quiet) else None
    work = Path(tempfile.mkdtemp(prefix="pip-verify-"))
    try:
        results = _install.verify_resolution(opts, work, progress=progress)
        code = _install._exit_code(results)
        error: errors.Error | None = None
        if code == 0:
            try:
                build(opts, results, work, Path(output))
            except errors.Error as err:
                error, code = err, err.exit_code
        if as_json:
            doc: dict[str, Any] = {
                "schema_version": 1,
                "ok": code == 0,
                "target": opts.target,
                "layer": output if code == 0 else None,
                "manifest": f"{output}.manifest.json" if code == 0 else None,
                "files": [r.to_dict() for r in results],
            }
            if error is not None:
                doc["error"] = {"kind": type(error).__name__, "detail": error.detail}
            out.write(json.dumps(doc, indent=2) + "\n")
            return code
        out.write(_install._target_line(opts))
        _install.print_table(results, out, opts.policy)
        for r in results:
            if r.error is not None:
                errout.write(f"FAILED  {r.filename}: {type(r.error).__name__}: {r.error.detail}\n")
        if error is not None:
            errout.write(f"FAILED  {type(error).__name__}: {error.detail}\n")
        if code:
            errout.write("nothing was written\n")
        else:
            out.write(f"wrote {output} and {output}.manifest.json ({len(results)} wheel(s))\n")
        return code
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- checking -----------------------------------------------------------------


def run_verify(layer: str, manifest: str | None, *, as_json: bool, out: TextIO) -> int:
    """``verify-layer``: the core checks; this prints."""
    if not Path(layer).is_file():
        raise errors.UsageError(f"{layer}: no such file")
    beside = Path(f"{layer}.manifest.json")
    if manifest is None and beside.is_file():
        manifest = str(beside)
    report = json.loads(_core.check_layer(layer, expected_manifest=manifest))
    wheels = report["manifest"]["wheels"]
    if as_json:
        doc = {
            "schema_version": 1,
            "ok": True,
            "layer": layer,
            "files": report["files"],
            "manifest_compared": manifest,
            "target": report["manifest"].get("target"),
            "wheels": wheels,
        }
        out.write(json.dumps(doc, indent=2) + "\n")
        return 0
    for w in wheels:
        who = w.get("identity") or "(unattested, allowed)"
        out.write(f"OK  {w['filename']}  sha256:{w['sha256'][:12]}…  {who}  ({w['checked_by']})\n")
    out.write(
        f"{layer}: {report['files']} file(s) of {len(wheels)} wheel(s) match their RECORDs "
        "and the manifest\n"
    )
    out.write(
        f"the manifest inside is identical to {manifest}\n"
        if manifest
        else f"no {beside.name} beside it: only the manifest inside was checked\n"
    )
    return 0
