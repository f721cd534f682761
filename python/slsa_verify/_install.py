# SPDX-License-Identifier: Apache-2.0
"""``pip-verify download`` / ``install``: orchestration only.

pip resolves (``--dry-run --report``), so the user's index settings, pip.conf,
``PIP_*`` variables, markers and tags stay pip's business. The Rust core
fetches each chosen file and its provenance, checks the index hash, and
verifies it under the policy (``_core.Fetcher``). Only when every file
verified does pip install exactly those files, hash-pinned, from a private
temporary directory that is removed on every path.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from slsa_verify import _api, _core, errors

DEFAULT_INDEX = "https://pypi.org/simple"
# Which failure decides the exit code when several files fail: tampering
# first, then the network, then missing provenance.
_EXIT_PRIORITY = (1, 4, 3, 2, 5)


@dataclasses.dataclass
class FileResult:
    """One file of the resolution and what happened to it."""

    project: str
    version: str
    filename: str
    requested: bool
    outcome: dict[str, Any] | None = None
    verification: _api.Verification | None = None
    error: errors.Error | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        doc: dict[str, Any] = {
            "project": self.project,
            "version": self.version,
            "filename": self.filename,
            "requested": self.requested,
            "ok": self.error is None,
        }
        if self.outcome is not None:
            doc["policy"] = self.outcome["policy"]
            doc["sha256"] = self.outcome["sha256"]
            doc["provenance_url"] = self.outcome["provenance_url"]
        if self.verification is not None:
            doc["verification"] = self.verification.to_dict()
        if self.error is not None:
            doc["error"] = {
                "kind": type(self.error).__name__,
                "code": self.error.code,
                "detail": self.error.detail,
            }
        return doc


@dataclasses.dataclass
class Options:
    """Everything ``download``/``install`` take from the command line."""

    requirements: list[str]
    requirement_files: list[str]
    index_url: str | None
    extra_index_urls: list[str]
    policy: _api.Policy | None
    allow_unattested: list[str]
    python: str
    timeout: float
    retries: int
    cert: str | None
    proxy: str | None
    trusted_root: _api.TrustedRoot | None
    pip_args: list[str]
    dest: str | None = None
    allow_sdist: bool = False
    target: dict[str, Any] | None = None  # --platform/--python-version/… (issue 17)


def _binary_args(opts: Options) -> list[str]:
    """Wheels only, unless the caller opts in.

    Resolving an sdist runs its build code (and installs its build
    requirements) before anything is verified.
    """
    return [] if opts.allow_sdist else ["--only-binary=:all:"]


def _pip(python: str) -> list[str]:
    """The pip command for ``python``'s environment (which needs no pip of its own)."""
    if python == sys.executable:
        return [python, "-m", "pip"]
    return [sys.executable, "-m", "pip", "--python", python]


def _target_args(opts: Options, workdir: Path) -> list[str]:
    """Pip's target-platform options; pip accepts them only with ``--target``."""
    from slsa_verify import _layer  # noqa: PLC0415 (the layer module imports this one)

    return _layer.pip_target_args(opts.target, workdir / "target") if opts.target else []


def _target_line(opts: Options) -> str:
    """The table's first line when resolving for another platform."""
    return f"target: {' '.join(opts.target['pip_args'])}\n" if opts.target else ""


def _pip_network_args(opts: Options) -> list[str]:
    args: list[str] = []
    if opts.index_url:
        args += ["--index-url", opts.index_url]
    for url in opts.extra_index_urls:
        args += ["--extra-index-url", url]
    if opts.cert:
        args += ["--cert", opts.cert]
    if opts.proxy:
        args += ["--proxy", opts.proxy]
    return args


_SCOPE_RANK = {"global": 0, "user": 1, "site": 2, ":env:": 3}


def pip_settings(opts: Options) -> dict[str, str]:
    """The configuration pip reads (files and ``PIP_*``), highest precedence per key."""
    try:
        proc = subprocess.run(  # noqa: S603 (argv list, no shell)
            [*_pip(opts.python), "config", "list"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as err:
        raise errors.NetworkError("`pip config list` did not answer within 60 s") from err
    best: dict[str, tuple[int, str]] = {}
    for line in proc.stdout.splitlines():
        key, _, value = line.partition("=")
        scope, _, name = key.rpartition(".")
        rank = _SCOPE_RANK.get(scope, 0)
        if name and rank >= best.get(name, (-1, ""))[0]:
            best[name] = (rank, value.strip().strip("'\""))
    return {k: v for k, (_, v) in best.items()}


def apply_pip_settings(opts: Options) -> list[str]:
    """Take the index URLs, CA bundle and proxy from pip's configuration.

    Command-line values win. Returns the index URLs in pip's order.
    """
    config = pip_settings(opts)
    opts.cert = opts.cert or config.get("cert") or None
    opts.proxy = opts.proxy or config.get("proxy") or None
    if opts.index_url is not None:
        return [opts.index_url, *opts.extra_index_urls]
    extras = opts.extra_index_urls or config.get("extra-index-url", "").split()
    return [config.get("index-url") or DEFAULT_INDEX, *extras]


def _run_pip(cmd: list[str], failure: errors.Error) -> None:
    """Run pip; on failure raise ``failure`` with the end of pip's output added."""
    proc = subprocess.run(  # noqa: S603 (argv list, no shell)
        cmd, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        raise type(failure)(f"{failure.detail}:\n{tail}")


def resolve(opts: Options, workdir: Path) -> list[dict[str, Any]]:
    """What pip would install, from ``pip install --dry-run --report``."""
    report = workdir / "report.json"
    cmd = [
        *_pip(opts.python),
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        *_binary_args(opts),
        *_target_args(opts, workdir),
        "--report",
        str(report),
        *_pip_network_args(opts),
        *(arg for f in opts.requirement_files for arg in ("-r", f)),
        *opts.requirements,
    ]
    _run_pip(cmd, errors.NetworkError("pip could not resolve the requirements"))
    doc = json.loads(report.read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = doc.get("install", [])
    return items


def _sha256(item: dict[str, Any]) -> str:
    archive = item.get("download_info", {}).get("archive_info", {})
    sha = archive.get("hashes", {}).get("sha256")
    if sha is None and str(archive.get("hash", "")).startswith("sha256="):
        sha = archive["hash"].removeprefix("sha256=")
    return str(sha or "")


def _describe(r: FileResult) -> tuple[str, str]:
    """(publisher or identity, repository@ref) for the table."""
    v = r.verification
    if v is None:
        return ("(unattested, allowed)" if r.error is None else "-", "-")
    label = "index" if r.outcome and r.outcome["policy"] == "index-asserted" else "you"
    pub = v.publisher or {}
    who = "/".join(
        str(pub[k])
        for k in ("repository", "workflow", "workflow_filepath", "email", "project_id")
        if pub.get(k)
    )
    who = f"{pub.get('kind', '')} {who}".strip() if who else v.identity
    where = (v.source_repository or "").removeprefix("https://github.com/")
    return (f"{who} ({label})", f"{where}@{v.source_ref}" if where else "-")


def print_table(results: Sequence[FileResult], out: TextIO) -> None:
    """The end-of-run table: package, version, file, publisher, source, result."""
    rows = [("PACKAGE", "VERSION", "FILE", "PUBLISHER / IDENTITY (CHECKED BY)", "SOURCE", "RESULT")]
    for r in results:
        who, where = _describe(r)
        result = "verified" if r.verification else "allowed" if r.error is None else "FAILED"
        if r.error is not None:
            result = f"FAILED {type(r.error).__name__}"
        rows.append((r.project, r.version, r.filename, who, where, result))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out.writelines(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in rows
    )


def _exit_code(results: Sequence[FileResult]) -> int:
    codes = {r.error.exit_code for r in results if r.error is not None}
    return next((c for c in _EXIT_PRIORITY if c in codes), 0)


def _fmt_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def verify_resolution(opts: Options, workdir: Path, *, progress: TextIO | None) -> list[FileResult]:
    """Resolve with pip, then fetch and verify every file into ``workdir``."""
    indexes = apply_pip_settings(opts)
    items = resolve(opts, workdir)
    files = workdir / "files"
    files.mkdir()
    fetcher = _core.Fetcher(
        directory=str(files),
        indexes=indexes,
        policy=opts.policy._to_json() if opts.policy is not None else None,
        allow_unattested=opts.allow_unattested,
        timeout=opts.timeout,
        retries=opts.retries,
        cert=opts.cert,
        proxy=opts.proxy,
        trusted_root=opts.trusted_root,
    )
    results: list[FileResult] = []
    for n, item in enumerate(items, 1):
        meta = item.get("metadata", {})
        url = str(item.get("download_info", {}).get("url", ""))
        r = FileResult(
            project=str(meta.get("name", "?")),
            version=str(meta.get("version", "?")),
            filename=url.rsplit("/", 1)[-1].split("#", 1)[0],
            requested=bool(item.get("requested")),
        )
        results.append(r)
        if progress is not None:
            progress.write(f"[{n}/{len(items)}] {r.filename} … ")
            progress.flush()
        started = time.monotonic()
        try:
            text = fetcher.fetch(r.project, r.version, url, _sha256(item), r.requested)
        except errors.Error as err:
            r.error = err
        else:
            r.outcome = json.loads(text)
            r.filename = r.outcome["filename"]  # decoded and checked by the core
            if r.outcome["verification"] is not None:
                r.verification = _api.Verification._from_json(json.dumps(r.outcome["verification"]))
        if progress is not None:
            took = time.monotonic() - started
            size = Path(files / r.filename).stat().st_size if r.outcome else 0
            status = "verified" if r.verification else "allowed" if r.error is None else "FAILED"
            progress.write(f"{status} ({_fmt_size(size)}, {took:.1f} s)\n")
    return results


def _install(opts: Options, results: Sequence[FileResult], workdir: Path) -> None:
    if not results:  # e.g. every requirement's markers exclude this environment
        return
    reqs = workdir / "verified.txt"
    reqs.write_text(
        "".join(
            f"{r.outcome['path']} --hash=sha256:{r.outcome['sha256']}\n"
            for r in results
            if r.outcome
        ),
        encoding="utf-8",
    )
    cmd = [
        *_pip(opts.python),
        "install",
        "--no-index",
        "--no-deps",
        "--require-hashes",
        "--disable-pip-version-check",
        "--no-input",
        *_binary_args(opts),
        "-r",
        str(reqs),
        *opts.pip_args,
    ]
    _run_pip(cmd, errors.InstallError("every file verified, but pip failed to install them"))


def _keep(results: Sequence[FileResult], dest: str) -> None:
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    for r in results:
        if r.outcome is None:
            continue
        shutil.copyfile(r.outcome["path"], out / r.filename)
        if r.outcome["provenance_path"]:
            shutil.copyfile(r.outcome["provenance_path"], out / f"{r.filename}.provenance")


def _print_outcome(  # noqa: PLR0913 (the run's whole state)
    opts: Options,
    results: Sequence[FileResult],
    *,
    code: int,
    install: bool,
    installed: bool,
    install_error: errors.Error | None,
    as_json: bool,
    out: TextIO,
    errout: TextIO,
) -> None:
    if as_json:
        doc = {
            "schema_version": 1,
            "ok": code == 0,
            "installed": installed,
            "files": [r.to_dict() for r in results],
        }
        doc["target"] = opts.target  # None: this machine (issue 17)
        if install_error is not None:
            doc["error"] = {"kind": "InstallError", "detail": install_error.detail}
        out.write(json.dumps(doc, indent=2) + "\n")
    else:
        out.write(_target_line(opts))
        print_table(results, out)
        for r in results:
            if r.error is not None:
                errout.write(f"FAILED  {r.filename}: {type(r.error).__name__}: {r.error.detail}\n")
        if install_error is not None:
            errout.write(f"FAILED  InstallError: {install_error.detail}\n")
        elif code:
            errout.write("nothing was installed\n" if install else "nothing was kept\n")
        elif install:
            out.write(f"installed {len(results)} verified file(s)\n")
        elif opts.dest:
            out.write(
                f"wrote {len(results)} verified file(s) and their provenance to {opts.dest}\n"
            )


def run(opts: Options, *, install: bool, as_json: bool, out: TextIO, errout: TextIO) -> int:
    """Resolve, verify every file, then install (or keep) them; the exit code."""
    progress = errout if (errout.isatty() and not as_json) else None
    workdir = Path(tempfile.mkdtemp(prefix="pip-verify-"))  # mode 0700
    try:
        results = verify_resolution(opts, workdir, progress=progress)
        code = _exit_code(results)
        installed = False
        install_error: errors.Error | None = None
        if code == 0:
            if install:
                try:
                    _install(opts, results, workdir)
                    installed = True
                except errors.InstallError as err:
                    install_error, code = err, err.exit_code
            elif opts.dest:
                _keep(results, opts.dest)
        _print_outcome(
            opts,
            results,
            code=code,
            install=install,
            installed=installed,
            install_error=install_error,
            as_json=as_json,
            out=out,
            errout=errout,
        )
        return code
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclasses.dataclass
class ReleaseOptions:
    """``verify-release`` arguments."""

    repository: str
    tag: str
    package: str | None
    api: str
    network: Options


def run_release(opts: ReleaseOptions, *, as_json: bool, out: TextIO, errout: TextIO) -> int:
    """Verify every file of a release against its ``*.intoto.jsonl`` assets."""
    workdir = Path(tempfile.mkdtemp(prefix="pip-verify-"))
    try:
        rows = _core.verify_release(
            api=opts.api,
            repository=opts.repository,
            tag=opts.tag,
            package=opts.package,
            indexes=apply_pip_settings(opts.network),
            directory=str(workdir),
            timeout=opts.network.timeout,
            retries=opts.network.retries,
            cert=opts.network.cert,
            proxy=opts.network.proxy,
            trusted_root=opts.network.trusted_root,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results: list[tuple[str, str | None, _api.Verification | errors.Error]] = []
    for filename, asset, value in rows:
        if isinstance(value, str):
            results.append((filename, asset, _api.Verification._from_json(value)))
        elif isinstance(value, errors.Error):
            results.append((filename, asset, value))
        else:
            raise value
    failed = [r for _, _, r in results if isinstance(r, errors.Error)]
    code = next((c for c in _EXIT_PRIORITY if c in {e.exit_code for e in failed}), 0)
    if as_json:
        doc = {
            "schema_version": 1,
            "ok": code == 0,
            "repository": opts.repository,
            "tag": opts.tag,
            "files": [
                {
                    "filename": f,
                    "ok": False,
                    "error": {"kind": type(r).__name__, "detail": r.detail},
                }
                if isinstance(r, errors.Error)
                else {"filename": f, "ok": True, "provenance_asset": a, **r.to_dict()}
                for f, a, r in results
            ],
        }
        out.write(json.dumps(doc, indent=2) + "\n")
        return code
    for filename, asset, r in results:
        if isinstance(r, errors.Error):
            errout.write(f"FAILED  {filename}: {type(r).__name__}: {r.detail}\n")
        else:
            where = (r.source_repository or "").removeprefix("https://")
            out.write(
                f"OK  {filename}  sha256:{r.sha256[:12]}…  {where}@{r.source_ref}  ({asset})\n"
            )
    out.write(f"{len(results) - len(failed)} of {len(results)} files of {opts.tag} verified\n")
    return code
