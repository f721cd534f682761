# SPDX-License-Identifier: Apache-2.0
"""``pip-verify lock`` and ``install -r pylock.toml`` (issue 14): orchestration only.

``lock`` runs the install pipeline (:func:`slsa_verify._install.verify_resolution`)
and hands what verified to the Rust core, which applies the re-lock rules and
writes the PEP 751 file with the identities the verified certificates prove.
``install -r pylock.toml`` resolves exactly the locked versions with pip
(``--no-deps``); the core's fetcher accepts only the locked files and compares
each verified identity with the lock's pins.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any, TextIO

from slsa_verify import _core, _fmt, _install, errors

_LOCK_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")
_LOCK_LIMIT = 4 << 20
CREATED_BY = "slsa-verify-rs"
TOOL_TABLE = "slsa-verify-rs"  # [tool.slsa-verify-rs]

_ENV_CODE = (
    "import json, platform, sys\n"
    "print(json.dumps({'sys_platform': sys.platform,"
    " 'platform_machine': platform.machine(),"
    " 'implementation_name': sys.implementation.name,"
    " 'python_version': '%d.%d' % sys.version_info[:2]}))\n"
)


def is_lock_file(path: str) -> bool:
    """A PEP 751 lock file name: ``pylock.toml`` or ``pylock.<name>.toml``."""
    return bool(_LOCK_NAME.match(Path(path).name))


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    """``pip-verify lock``."""
    from slsa_verify import _cli, _layer  # noqa: PLC0415 (they import this module)

    p = sub.add_parser(
        "lock",
        help="resolve with pip, verify every file, write a PEP 751 pylock.toml pinning "
        "each package's verified publisher",
        description=(
            "Resolve REQs as install does, verify every file, then write a PEP 751 lock "
            "(pylock.toml) for this environment: each package's version, file, sha256 and "
            "the identity that verifiably published it ([[packages.attestation-identities]], "
            "with the repository and owner ids from the signing certificate). Nothing is "
            "written unless every file verified. Over an existing lock, its identities are "
            "pins: a changed identity or a lost attestation is refused unless you accept it "
            "by name. `install -r pylock.toml` enforces the pins."
        ),
        epilog=(
            "examples:\n"
            "  pip-verify lock abi3info==2024.10.8 -o pylock.toml\n"
            "  pip-verify install -r pylock.toml\n"
            "  pip-verify lock -r requirements.txt --accept-identity abi3info\n"
            "  pip-verify lock abi3info==2024.10.8 --platform manylinux2014_aarch64 \\\n"
            "      --python-version 3.12 -o pylock.toml\n\n" + _cli._EPILOG
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("requirements", nargs="*", metavar="REQ", help="requirements, as for pip")
    p.add_argument("-r", "--requirement", action="append", default=[], metavar="FILE")
    p.add_argument(
        "-o",
        "--output",
        default="pylock.toml",
        metavar="FILE",
        help="the lock file to write (default pylock.toml); an existing one's identities "
        "are kept as pins",
    )
    p.add_argument(
        "--accept-identity",
        action="append",
        default=[],
        metavar="NAME",
        help="accept that NAME is now published by another identity than the lock pins "
        "(recorded in [tool.slsa-verify-rs]); repeatable",
    )
    p.add_argument(
        "--allow-downgrade",
        action="append",
        default=[],
        metavar="NAME",
        help="accept that NAME, attested when locked, has no provenance now (recorded in "
        "[tool.slsa-verify-rs]); repeatable",
    )
    p.add_argument(
        "--allow-unattested",
        action="append",
        default=[],
        metavar="NAME",
        help="lock NAME (or :all:) without provenance; repeatable",
    )
    p.add_argument(
        "--python",
        metavar="PYTHON",
        default=sys.executable,
        help="the interpreter whose environment the lock is for (default: this one)",
    )
    p.add_argument(
        "--allow-direct",
        action="append",
        default=[],
        metavar="NAME",
        help="as install's",
    )
    p.add_argument("--allow-sdist", action="store_true", help="as install's; locks the sdist")
    _layer.add_target_flags(p)
    _cli._add_network_flags(p)
    _cli._add_policy_flags(p)
    _cli._add_root_flags(p)


# --- lock ------------------------------------------------------------------------


def _strip_credentials(url: str) -> str:
    """A URL without user:password (a lock is shared) and without a fragment."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def _index_for(url: str, indexes: list[str]) -> str | None:
    origin = urllib.parse.urlsplit(url)[:2]
    for index in indexes:
        if urllib.parse.urlsplit(index)[:2] == origin:
            return _strip_credentials(index)
    return _strip_credentials(indexes[0]) if indexes else None


def environment(python: str) -> tuple[str, str]:
    """(the exact marker for ``python``'s environment, its ``requires-python``)."""
    proc = subprocess.run(  # noqa: S603 (argv list, no shell)
        [python, "-I", "-c", _ENV_CODE],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    if proc.returncode != 0:
        raise errors.UsageError(f"cannot ask {python} about its environment")
    env = json.loads(proc.stdout)
    marker = " and ".join(f"{k} == {json.dumps(str(env[k]))}" for k in sorted(env)).replace(
        '"', "'"
    )
    return marker, f"=={env['python_version']}.*"


# Platform-tag prefixes → sys_platform, and tag suffixes → platform_machine (as Python reports it).
_PLATFORM_OS = (
    ("manylinux", "linux"),
    ("musllinux", "linux"),
    ("linux", "linux"),
    ("macosx", "darwin"),
    ("win", "win32"),
)
_WIN_MACHINE = {"win_amd64": "AMD64", "win_arm64": "ARM64", "win32": "x86"}
_IMPLEMENTATION = {"cp": "cpython", "pp": "pypy", "ip": "ironpython", "jy": "jython"}


def _tag_os_machine(tag: str) -> tuple[str | None, str | None]:
    os_name = next((v for k, v in _PLATFORM_OS if tag.startswith(k)), None)
    if os_name == "win32":
        return os_name, _WIN_MACHINE.get(tag)
    if os_name == "linux":
        machine = re.sub(r"^(many|musl)?linux(_\d+_\d+|\d+)?_", "", tag)
        return os_name, machine or None
    if os_name == "darwin":
        machine = tag.rsplit("_", 1)[-1]
        return os_name, machine if machine in ("arm64", "x86_64") else None
    return None, None


def target_environment(target: dict[str, Any]) -> tuple[str | None, str | None]:
    """(a marker for ``target``, its ``requires-python``): only what the options imply.

    A marker clause is written only when every ``--platform`` tag agrees on it.
    """
    clauses = []
    found = [_tag_os_machine(t) for t in target["platforms"]]
    for key, idx in (("sys_platform", 0), ("platform_machine", 1)):
        values = {f[idx] for f in found}
        if found and len(values) == 1 and None not in values:
            clauses.append(f"{key} == '{values.pop()}'")
    impl = _IMPLEMENTATION.get(str(target.get("implementation") or ""))
    if impl:
        clauses.append(f"implementation_name == '{impl}'")
    version = target.get("python_version")
    requires = None
    if version:
        digits = str(version).replace(".", "")
        dotted = str(version) if "." in str(version) else f"{digits[0]}.{digits[1:]}"
        clauses.append(f"python_version == '{dotted}'")
        requires = f"=={dotted}.*"
    return (" and ".join(sorted(clauses)) or None), requires


def _packages(results: list[_install.FileResult], indexes: list[str]) -> list[dict[str, Any]]:
    out = []
    for r in results:
        if r.outcome is None:
            continue
        out.append(
            {
                "name": r.project,
                "version": r.version,
                "index": _index_for(r.url, indexes),
                "file": {
                    "name": r.filename,
                    "url": _strip_credentials(r.url),
                    "size": Path(r.outcome["path"]).stat().st_size,
                    "hashes": {"sha256": r.outcome["sha256"]},
                },
                "sdist": not r.filename.endswith(".whl"),
                "identity": r.outcome.get("identity"),
            }
        )
    return out


def _write_atomic(text: str, final: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".pip-verify-", suffix=".part", dir=final.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_lock(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(_LOCK_LIMIT + 1)  # the core refuses more


@dataclasses.dataclass
class LockOptions:
    """``lock``'s own arguments."""

    output: str
    accept_identity: list[str]
    allow_downgrade: list[str]


def run_lock(
    opts: _install.Options,
    lock: LockOptions,
    *,
    as_json: bool,
    out: TextIO,
    errout: TextIO,
) -> int:
    """Resolve, verify every file, then write the lock; the exit code."""
    output = Path(lock.output)
    previous = _read_lock(output) if output.exists() else None
    if previous is not None:
        _core.lock_read(previous)  # a broken lock is not silently replaced
    progress = errout if (errout.isatty() and not as_json) else None
    workdir = Path(tempfile.mkdtemp(prefix="pip-verify-"))
    try:
        results = _install.verify_resolution(opts, workdir, progress=progress)
        code = _install._exit_code(results)
        failure: errors.Error | None = None
        if code == 0:
            meta: dict[str, Any] = {"created_by": CREATED_BY}
            if opts.target is not None:
                marker_or_none, requires_or_none = target_environment(opts.target)
                meta["requires_python"] = requires_or_none
                meta["environments"] = [marker_or_none] if marker_or_none else []
                meta["target"] = {  # [tool.slsa-verify-rs.target], kebab-case as PEP 751
                    "platforms": opts.target["platforms"],
                    "python-version": opts.target["python_version"],
                    "implementation": opts.target["implementation"],
                    "abis": opts.target["abis"],
                }
            else:
                marker, requires = environment(opts.python)
                meta["requires_python"] = requires
                meta["environments"] = [marker]
            indexes = _install.apply_pip_settings(dataclasses.replace(opts))
            try:
                text = _core.lock_write(
                    json.dumps(_packages(results, indexes)),
                    json.dumps(meta),
                    previous=previous,
                    accept_identity=lock.accept_identity,
                    allow_downgrade=lock.allow_downgrade,
                )
            except errors.Error as err:
                failure, code = err, err.exit_code
            else:
                _write_atomic(text, output)
        _print(
            opts,
            results,
            failure,
            code=code,
            output=output,
            as_json=as_json,
            out=out,
            errout=errout,
        )
        return code
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _print(  # noqa: PLR0913 (the run's whole state)
    opts: _install.Options,
    results: list[_install.FileResult],
    failure: errors.Error | None,
    *,
    code: int,
    output: Path,
    as_json: bool,
    out: TextIO,
    errout: TextIO,
) -> None:
    if as_json:
        doc: dict[str, Any] = {
            "schema_version": 1,
            "ok": code == 0,
            "lock": str(output) if code == 0 else None,
            "target": opts.target,  # None: this machine (issue 17)
            "files": [r.to_dict() for r in results],
        }
        if failure is not None:
            doc["error"] = {
                "kind": type(failure).__name__,
                "code": failure.code,
                "detail": failure.detail,
            }
        out.write(json.dumps(doc, indent=2) + "\n")
        return
    esc = _fmt.escape
    if opts.target is not None:
        out.write(_install._target_line(opts))
    _install.print_table(results, out, opts.policy)
    for r in results:
        if r.error is not None:
            errout.write(
                f"FAILED  {esc(r.filename)}: {type(r.error).__name__}: {esc(r.error.detail)}\n"
            )
    if failure is not None:
        errout.write(f"FAILED  {type(failure).__name__}: {esc(failure.detail)}\n")
    if code:
        errout.write(f"{esc(str(output))} was not written\n")
        return
    unattested = sum(1 for r in results if r.verification is None)
    note = f", {unattested} without provenance (no identity pinned)" if unattested else ""
    out.write(f"wrote {esc(str(output))}: {len(results)} package(s){note}\n")


def dispatch(args: argparse.Namespace, *, as_json: bool, out: TextIO, errout: TextIO) -> int:
    """Run ``pip-verify lock``."""
    from slsa_verify import _cli, _trust_cli  # noqa: PLC0415 (they import this module)

    opts = _cli._install_options(args, [])
    # Usage errors (requirement files, pip's configuration) come before any network use.
    opts.pip_config = _install.precheck(opts)
    if _trust_cli.maybe_refresh(args, errout):
        opts.trusted_root = _cli._trusted_root(args)
    lock = LockOptions(args.output, args.accept_identity, args.allow_downgrade)
    return run_lock(opts, lock, as_json=as_json, out=out, errout=errout)


# --- install -r pylock.toml ------------------------------------------------------


def describe(r: _install.FileResult) -> tuple[str, str]:
    """The table's publisher and source cells for a file checked against the lock."""
    v = r.verification
    ident = (r.outcome or {}).get("identity") or {}
    fields = [
        str(ident[k])
        for k in ("repository", "workflow", "workflow_filepath", "email", "project_id")
        if ident.get(k)
    ]
    who = " ".join([str(ident.get("kind", "?")), *fields]) if ident else (v.identity if v else "-")
    where = ((v.source_repository if v else None) or "").removeprefix("https://github.com/")
    ref = v.source_ref if v else None
    return (f"{who} (lock)", f"{where}@{ref}" if where else "-")


def _locked_target(doc: dict[str, Any]) -> dict[str, Any] | None:
    table = (doc.get("tool") or {}).get(TOOL_TABLE) or {}
    t = table.get("target")
    if not isinstance(t, dict):
        return None
    return {
        "platforms": list(t.get("platforms") or []),
        "python_version": t.get("python-version"),
        "implementation": t.get("implementation"),
        "abis": list(t.get("abis") or []),
    }


def _same_target(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("platforms", "python_version", "implementation", "abis")
    return all(a.get(k) == b.get(k) for k in keys)


def _apply_target(
    opts: _install.Options, locked: dict[str, Any] | None, path: str, *, targets_ok: bool
) -> dict[str, Any] | None:
    """The target to resolve for: the lock's, which must equal any target options given."""
    from slsa_verify import _layer  # noqa: PLC0415 (it imports this module)

    if locked is None:
        if opts.target is not None:
            raise errors.UsageError(
                f"{path} was locked for this kind of machine, not for a target platform: "
                "re-lock with `pip-verify lock … --platform …`"
            )
        return None
    if not targets_ok:
        raise errors.UsageError(
            f"{path} was locked for another platform ({' '.join(_layer.target_pip_args(locked))}): "
            "use `download -r` or `layer -r` with it, not install"
        )
    if opts.target is not None and not _same_target(opts.target, locked):
        raise errors.UsageError(
            f"{path} was locked for {' '.join(_layer.target_pip_args(locked))}, "
            f"not for {' '.join(opts.target['pip_args'])}"
        )
    return {**locked, "pip_args": _layer.target_pip_args(locked)}


def from_lock(
    opts: _install.Options,
    path: str,
    *,
    require_identities: bool,
    errout: TextIO,
    targets_ok: bool = False,
) -> _install.Options:
    """``opts`` for installing exactly what the lock at ``path`` names."""
    if opts.requirements or len(opts.requirement_files) != 1:
        raise errors.UsageError(
            "-r pylock.toml names every package: give it alone, without REQs or other -r files"
        )
    if opts.policy is not None:
        raise errors.UsageError(
            "a lock file pins each package's identity: policy flags do not go with -r pylock.toml"
        )
    data = _read_lock(Path(path))
    doc = json.loads(_core.lock_read(data, require_identities=require_identities))
    reqs = []
    for p in doc["packages"]:
        req = f"{p['name']}=={p['version']}" if p.get("version") else str(p["name"])
        if p.get("marker"):
            req += f"; {p['marker']}"
        reqs.append(req)
    if not doc["identities_pinned"]:
        errout.write(
            f"hint:   {_fmt.escape(path)} pins no attestation identities (another tool "
            "wrote it?): each file is checked against the publisher its index asserts; "
            "re-lock with `pip-verify lock` to pin them, or pass --require-identities to refuse\n"
        )
    target = _apply_target(opts, _locked_target(doc), path, targets_ok=targets_ok)
    return dataclasses.replace(
        opts, requirements=reqs, requirement_files=[], lock=data, target=target
    )
