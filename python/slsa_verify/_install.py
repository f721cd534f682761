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

import configparser
import dataclasses
import importlib.util
import json
import locale
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from slsa_verify import _api, _core, errors
from slsa_verify._fmt import escape, publisher_words

DEFAULT_INDEX = "https://pypi.org/simple"
# Which failure decides the exit code when several files fail: tampering
# first, then the network, then missing provenance.
_EXIT_PRIORITY = (1, 4, 3, 2, 5)
_PROGRESS_AFTER = 1.0  # seconds a file takes before its progress line shows


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
    metadata: dict[str, Any] | None = None  # what pip resolved with
    url: str = ""  # where pip found the file (written into a lock, issue 14)

    @property
    def status(self) -> str:
        """verified, allowed (unattested, by --allow-unattested) or FAILED."""
        if self.error is not None:
            return "FAILED"
        return "verified" if self.verification is not None else "allowed"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        doc: dict[str, Any] = {
            "project": self.project,
            "version": self.version,
            "filename": self.filename,
            "requested": self.requested,
            "ok": self.error is None,
            "status": self.status,
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


@dataclasses.dataclass(frozen=True)
class TargetPaths:
    """The target interpreter's ``sys.prefix`` and the directories pip installs into."""

    prefix: str  # where pip looks for the environment's own pip.conf
    purelib: str
    platlib: str


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
    allow_direct: list[str] = dataclasses.field(default_factory=list)
    target: dict[str, Any] | None = None  # --platform/--python-version/… (issue 17)
    pip_config: dict[str, str] | None = None  # pip's configuration, once read (`precheck`)
    lock: bytes | None = None  # install -r pylock.toml: the lock's bytes (issue 14)
    quiet: bool = False  # --quiet: no progress, no per-file lines
    paths: TargetPaths | None = None  # where the target keeps things, once asked (`target_paths`)
    github_repository: str | None = None  # --github-attestations (issue 13)
    github_api: str | None = None


def _binary_args(opts: Options) -> list[str]:
    """Wheels only, unless the caller opts in.

    Resolving an sdist runs its build code. With ``--allow-sdist`` an sdist
    is built only once its bytes verified (:mod:`slsa_verify._pipguard`), and
    without build isolation: pip would otherwise install the build
    requirements from the index, unverified, and run them. The build backend
    must then already be installed in the target environment.
    """
    return ["--no-build-isolation"] if opts.allow_sdist else ["--only-binary=:all:"]


def _pip(python: str) -> list[str]:
    """The pip command for ``python``'s environment (which needs no pip of its own)."""
    if python == sys.executable:
        return [python, "-m", "pip"]
    return [sys.executable, "-m", "pip", "--python", python]


def _pip_in(python: str) -> list[str]:
    """:func:`_pip`, started once: this pip run directly by ``python``.

    ``pip --python`` starts this interpreter, imports pip, then starts
    ``python`` with pip's ``__pip-runner__.py``, which imports this same pip
    from its directory; running that runner directly skips the first start.
    """
    if python == sys.executable:
        return [python, "-m", "pip"]
    spec = importlib.util.find_spec("pip")
    if spec is not None and spec.origin is not None:
        runner = Path(spec.origin).parent / "__pip-runner__.py"  # pip >= 22.3
        if runner.is_file():
            return [python, str(runner)]
    return _pip(python)


# The target's prefix and install directories, in one start of the bare
# interpreter (no pip imported): `-I` as pip's own environment probe.
_PROBE = (
    "import json, sys, sysconfig\n"
    "scheme = None\n"
    "if sys.argv[1] == 'user':\n"
    "    get = getattr(sysconfig, 'get_preferred_scheme', None)\n"
    "    user = 'nt_user' if sys.platform == 'win32' else 'posix_user'\n"
    "    scheme = get('user') if get else user\n"
    "p = sysconfig.get_paths(scheme) if scheme else sysconfig.get_paths()\n"
    "print(json.dumps([sys.prefix, p['purelib'], p['platlib']]))\n"
)


def target_paths(opts: Options) -> TargetPaths:
    """``opts.python``'s ``sys.prefix`` and (purelib, platlib) pip installs into.

    Asked once per run (``opts.paths``); ``--user`` after ``--`` picks the user scheme.
    """
    if opts.paths is not None:
        return opts.paths
    user = "--user" in opts.pip_args
    try:
        proc = subprocess.run(  # noqa: S603 (argv list, no shell)
            [opts.python, "-I", "-c", _PROBE, "user" if user else "default"],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise errors.UsageError(
            f"cannot run --python {escape(opts.python)}: {type(err).__name__}"
        ) from None
    try:
        prefix, purelib, platlib = (str(v) for v in json.loads(proc.stdout))
    except (ValueError, TypeError) as err:
        raise errors.UsageError(
            f"cannot ask --python {escape(opts.python)} where packages go: "
            f"{escape(proc.stderr[-500:])}"
        ) from err
    opts.paths = TargetPaths(prefix, purelib, platlib)
    return opts.paths


def _target_args(opts: Options, workdir: Path) -> list[str]:
    """Pip's target-platform options; pip accepts them only with ``--target``."""
    from slsa_verify import _layer  # noqa: PLC0415 (the layer module imports this one)

    return _layer.pip_target_args(opts.target, workdir / "target") if opts.target else []


def _target_line(opts: Options) -> str:
    """The table's first line when resolving for another platform."""
    if not opts.target:
        return ""
    shown = (escape(a).replace("\n", "\\n") for a in opts.target["pip_args"])
    return f"target: {' '.join(shown)}\n"


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


# --- pip's configuration: the indexes pip will use, and what it may add ------

# pip's section precedence for `pip install`: [global] < [install] < PIP_* (":env:").
# [wheel], [download] and the rest are other commands' sections.
_SECTIONS = ("global", "install", ":env:")
_TRUE = {"1", "y", "yes", "t", "true", "on"}


def _config_files(prefix: str) -> list[str]:
    """The configuration files pip reads, lowest precedence first (pip's ``OVERRIDE_ORDER``).

    As pip's ``configuration.get_configuration_files`` and ``iter_config_files``:
    global (site-wide) files, then the user's (unless ``PIP_CONFIG_FILE`` names
    a file that exists), then the environment's ``pip.conf`` in ``prefix``,
    then ``PIP_CONFIG_FILE``. ``PIP_CONFIG_FILE=os.devnull`` means none at all.
    """
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    home = Path("~").expanduser()
    name = "pip.ini" if sys.platform == "win32" else "pip.conf"
    if sys.platform == "win32":
        program_data = os.environ.get("ALLUSERSPROFILE") or os.environ.get("PROGRAMDATA", "")
        glob = [Path(program_data) / "pip" / name] if program_data else []
        appdata = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
        user = [home / "pip" / name, appdata / "pip" / name]
    elif sys.platform == "darwin":
        glob = [Path("/Library/Application Support/pip") / name]
        data = home / "Library" / "Application Support" / "pip"
        new = data if data.is_dir() else home / ".config" / "pip"
        user = [home / ".pip" / name, new / name]
    else:
        dirs = os.environ.get("XDG_CONFIG_DIRS", "")
        dirs = dirs if dirs.strip() else "/etc/xdg"
        glob = [Path(d) / "pip" / name for d in dirs.split(os.pathsep)]
        glob.append(Path("/etc") / name)
        xdg_home = os.environ.get("XDG_CONFIG_HOME", "")
        new = Path(xdg_home) if xdg_home.strip() else home / ".config"
        user = [home / ".pip" / name, new / "pip" / name]
    files = [str(f) for f in glob]
    if not (env_file and Path(env_file).exists()):
        files += [str(f) for f in user]
    files.append(str(Path(prefix) / name))
    if env_file:
        files.append(env_file)
    return files


_MAX_CONFIG_BYTES = 1 << 20


def _config_bytes(path: str) -> bytes | None:
    """The file's first bytes beyond the limit; None where pip would skip it."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return None  # pip cannot open it either and goes on
    if not stat.S_ISREG(mode):
        # A FIFO or device would block the read (and pip's) without end.
        raise errors.UsageError(f"pip's configuration file {escape(path)} is not a regular file")
    try:
        with open(path, "rb") as f:  # noqa: PTH123 (a str path, as pip's)
            return f.read(_MAX_CONFIG_BYTES + 1)
    except OSError:
        return None


def _read_config_file(path: str, sections: dict[str, dict[str, str]]) -> None:
    """One of pip's configuration files into ``sections`` (later files win).

    As pip: a file that does not exist or cannot be opened is skipped; one that
    does not parse stops the run (pip would stop too). The error names the file
    and line, never its text (an index URL there may carry a password).
    """
    data = _config_bytes(path)
    if data is None:
        return
    if len(data) > _MAX_CONFIG_BYTES:
        raise errors.UsageError(f"pip's configuration file {escape(path)} is over 1 MiB")
    encoding = locale.getpreferredencoding(do_setlocale=False)
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(data.decode(encoding), source=path)
    except UnicodeDecodeError as err:
        raise errors.UsageError(
            f"pip's configuration file {escape(path)} has invalid {encoding} characters"
        ) from err
    except configparser.Error as err:
        line = getattr(err, "lineno", None)
        if line is None and isinstance(err, configparser.ParsingError) and err.errors:
            line = err.errors[0][0]
        where = f" (line {line})" if line is not None else ""
        raise errors.UsageError(
            f"pip's configuration file {escape(path)} does not parse{where}: {type(err).__name__}"
        ) from None
    for section in parser.sections():
        if section in sections:
            for key, value in parser.items(section):
                if value:  # pip skips empty values: they hide nothing below them
                    sections[section][_config_name(key)] = value


def _config_name(name: str) -> str:
    """As pip's ``_normalize_name``: lower case, ``-`` for ``_``, no leading ``--``."""
    return name.lower().replace("_", "-").removeprefix("--")


def pip_settings(opts: Options) -> dict[str, str]:
    """Pip's effective configuration for ``pip install``, one value per key.

    Read here as pip reads it, without starting pip: the files in pip's
    precedence (:func:`_config_files`; the environment's own file is in the
    target interpreter's ``sys.prefix``), then the ``PIP_*`` variables; the
    sections are then layered as pip's option parser does.
    """
    sections: dict[str, dict[str, str]] = {s: {} for s in _SECTIONS}
    for path in _config_files(target_paths(opts).prefix):
        _read_config_file(path, sections)
    for key, value in os.environ.items():
        if key.startswith("PIP_") and key[4:].lower() not in ("version", "help") and value:
            sections[":env:"][_config_name(key[4:])] = value
    merged: dict[str, str] = {}
    for section in _SECTIONS:
        merged.update(sections[section])
    return merged


def apply_pip_settings(opts: Options, config: dict[str, str] | None = None) -> list[str]:
    """The indexes pip will look in, in pip's order; takes CA bundle and proxy too.

    As pip: ``--index-url`` replaces the configured one, ``--extra-index-url``
    adds to the configured ones (all of them, a multi-line value included),
    and ``no-index`` means no index at all (find-links only).
    """
    config = pip_settings(opts) if config is None else config
    opts.cert = opts.cert or config.get("cert") or None
    opts.proxy = opts.proxy or config.get("proxy") or None
    if config.get("no-index", "").strip().lower() in _TRUE:
        return []
    index = opts.index_url or config.get("index-url", "").strip() or DEFAULT_INDEX
    return [index, *config.get("extra-index-url", "").split(), *opts.extra_index_urls]


# --- requirements: nothing that runs code or bypasses the index --------------

_VCS = ("git+", "hg+", "svn+", "bzr+")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")
_NAME_AT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*@(.*)$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_MAX_REQ_FILES = 64
_MAX_REQ_DEPTH = 8
_MAX_REQ_BYTES = 4 << 20
# Requirement-file options pip honours that only narrow what it picks.
_HARMLESS_FILE_OPTIONS = {"--only-binary", "--prefer-binary", "--pre", "--require-hashes"}
_INDEX_OPTIONS = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--trusted-host",
}
_VALUE_OPTIONS = {
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--no-binary",
    "--only-binary",
    "--use-feature",
    "--hash",
    "-C",
    "--config-settings",
    "--global-option",
    "--install-option",
    "--build-option",
}


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def classify(req: str) -> tuple[str, str | None]:
    """(``name``, ``url``, ``vcs`` or ``path``; the project name when known)."""
    text = req.strip()
    m = _NAME_AT.match(text)
    if m is not None:
        target = m.group(2).split(";", 1)[0].strip()
        return ("vcs" if target.lower().startswith(_VCS) else "url", m.group(1))
    low = text.lower()
    if low.startswith(_VCS):
        return "vcs", None
    if "://" in text or low.startswith("file:"):
        return "url", None
    head = text.split(";", 1)[0].strip()
    looks_like_path = (
        os.sep in head or (os.altsep is not None and os.altsep in head) or head.startswith(".")
    )
    if looks_like_path or head.lower().endswith(_ARCHIVES):
        return "path", None
    return "name", None


def _check_requirement(req: str, opts: Options, where: str) -> None:
    kind, name = classify(req)
    if kind == "name":
        return
    shown = escape(req.strip())
    if kind in ("vcs", "path") or name is None:
        what = {"vcs": "a VCS URL", "path": "a local path", "url": "a URL without a name"}[kind]
        raise errors.UsageError(
            f"{where}: {shown!r} is {what}: pip would build it from source, and no "
            "attestation can cover it; name a project on the index instead "
            "(use `pip-verify download`/`verify` for files you already have)"
        )
    if canonical(name) not in {canonical(n) for n in opts.allow_direct}:
        raise errors.UsageError(
            f"{where}: {shown!r} is a direct URL, which bypasses the index and its "
            f"provenance; pass --allow-direct {name} to allow a wheel from it "
            "(it must still verify)"
        )


def _read_requirement_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Pip's preprocessing: joined continuations, comments removed, ``${VAR}``s expanded."""
    with path.open("rb") as f:
        data = f.read(_MAX_REQ_BYTES + 1)
    if len(data) > _MAX_REQ_BYTES:
        raise errors.UsageError(f"{path}: a requirements file is under 4 MiB")
    text = data.decode("utf-8-sig", errors="replace")
    pending, start = "", 0
    for n, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = n
        if line.endswith("\\") and not _COMMENT.search(line):
            pending += line[:-1]
            continue
        full = _COMMENT.sub("", pending + line)
        pending = ""
        full = _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), full).strip()
        if full:
            yield start, full
    if pending.strip():
        yield start, pending.strip()


def _split_options(line: str) -> tuple[str, list[str]]:
    """Pip's split of a line into the requirement and its options."""
    tokens = line.split(" ")
    args: list[str] = []
    for token in tokens:
        if token.startswith("-"):
            break
        args.append(token)
    rest = " ".join(tokens[len(args) :])
    try:
        return " ".join(args).strip(), shlex.split(rest)
    except ValueError as err:
        raise errors.UsageError(f"cannot parse options {escape(rest)!r}: {err}") from err


def _option_pairs(tokens: list[str]) -> Iterator[tuple[str, str | None]]:
    it = iter(tokens)
    for tok in it:
        opt, eq, value = tok.partition("=")
        if not eq and tok[:2] in ("-r", "-c", "-e", "-i", "-f", "-C") and len(tok) > 2:
            opt, value, eq = tok[:2], tok[2:], "="
        if eq:
            yield opt, value
        elif opt in _VALUE_OPTIONS:
            yield opt, next(it, None)
        else:
            yield opt, None


def check_requirement_file(
    path: Path, opts: Options, *, depth: int = 0, seen: set[Path] | None = None
) -> None:
    """Refuse what a requirements file adds that runs code or bypasses the index.

    That is: direct URLs and paths, editables, index options, ``--no-binary``,
    build options; nested ``-r``/``-c`` files are checked the same way.
    """
    seen = set() if seen is None else seen
    if depth > _MAX_REQ_DEPTH or len(seen) >= _MAX_REQ_FILES:
        raise errors.UsageError(
            f"{path}: more than {_MAX_REQ_DEPTH} levels or {_MAX_REQ_FILES} requirements files"
        )
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    for lineno, line in _read_requirement_lines(path):
        where = f"{path}:{lineno}"
        req, tokens = _split_options(line)
        if req:
            _check_requirement(req, opts, where)
            for opt, _ in _option_pairs(tokens):
                if opt != "--hash":
                    raise errors.UsageError(
                        f"{where}: per-requirement option {escape(opt)} is not supported "
                        "(build options only matter to code that runs before verification)"
                    )
            continue
        for opt, value in _option_pairs(tokens):
            _check_file_option(
                opt, value=value, path=path, opts=opts, where=where, depth=depth, seen=seen
            )


def _check_file_option(  # noqa: PLR0913 (the walk's state)
    opt: str,
    *,
    value: str | None,
    path: Path,
    opts: Options,
    where: str,
    depth: int,
    seen: set[Path],
) -> None:
    if opt in ("-r", "--requirement", "-c", "--constraint"):
        if not value:
            raise errors.UsageError(f"{where}: {opt} needs a file")
        if "://" in value:
            raise errors.UsageError(
                f"{where}: {opt} {escape(value)!r}: requirements files from URLs are refused"
            )
        nested = Path(value) if Path(value).is_absolute() else path.parent / value
        check_requirement_file(nested, opts, depth=depth + 1, seen=seen)
    elif opt in ("-e", "--editable"):
        raise errors.UsageError(
            f"{where}: editable requirements run their build code and cannot be verified"
        )
    elif opt in _INDEX_OPTIONS:
        raise errors.UsageError(
            f"{where}: {opt} in a requirements file is refused: give index options on the "
            "pip-verify command line (or in pip's configuration), so that the files are "
            "fetched and verified from the same indexes pip resolves with"
        )
    elif opt == "--no-binary":
        if not opts.allow_sdist and (value or "").strip() != ":none:":
            raise errors.UsageError(
                f"{where}: --no-binary makes pip build sdists, which runs their code; "
                "refused without --allow-sdist (and then only verified sdists are built)"
            )
    elif opt not in _HARMLESS_FILE_OPTIONS:
        raise errors.UsageError(f"{where}: requirements-file option {escape(opt)} is refused")


def check_requirements(opts: Options, config: dict[str, str]) -> None:
    """Check every requirement pip would see, before pip runs.

    The command line, ``-r`` files recursively, and pip's configuration.
    """
    for req in opts.requirements:
        if req.startswith("-"):
            raise errors.UsageError(
                f"{escape(req)!r}: options go before `--` only if pip-verify has them"
            )
        _check_requirement(req, opts, "command line")
    for f in opts.requirement_files:
        if "://" in f:
            raise errors.UsageError(f"-r {escape(f)!r}: requirements files from URLs are refused")
        check_requirement_file(Path(f), opts)
    for key in ("editable", "requirement"):
        if config.get(key, "").strip():
            raise errors.UsageError(
                f"pip's configuration sets {key!r} (PIP_{key.upper()} or pip.conf): "
                "pip-verify takes requirements from its own command line only"
            )
    if config.get("python", "").strip():
        # pip would start itself again under that interpreter, outside the guard's hooks.
        raise errors.UsageError(
            "pip's configuration sets 'python' (PIP_PYTHON or pip.conf): pass --python to "
            "pip-verify instead"
        )
    for f in config.get("constraint", "").split():
        check_requirement_file(Path(f), opts)
    no_binary = config.get("no-binary", "").strip()
    if no_binary and no_binary != ":none:" and not opts.allow_sdist:
        raise errors.UsageError(
            "pip's configuration sets no-binary (PIP_NO_BINARY or pip.conf), which makes pip "
            "build sdists; refused without --allow-sdist"
        )


# Options that may follow `--` for the final `pip install`: output and
# byte-compilation only; nothing that adds packages, files, indexes or places.
PIP_ARGS_ALLOWED = frozenset(
    {
        "-q",
        "-qq",
        "-qqq",
        "--quiet",
        "-v",
        "-vv",
        "-vvv",
        "--verbose",
        "--no-color",
        "--no-warn-script-location",
        "--no-warn-conflicts",
        "--compile",
        "--no-compile",
        "--user",
        "--progress-bar=off",
        "--progress-bar=on",
    }
)


def check_pip_args(args: Sequence[str]) -> None:
    """``-- PIP-ARGS`` may only be options from :data:`PIP_ARGS_ALLOWED`."""
    for a in args:
        if a not in PIP_ARGS_ALLOWED:
            raise errors.UsageError(
                f"`-- {escape(a)}` is refused: after `--` only "
                + ", ".join(sorted(PIP_ARGS_ALLOWED))
                + " may follow (nothing that adds packages, files, indexes or install locations)"
            )


# --- running pip ---------------------------------------------------------------


def _run_pip(cmd: list[str], failure: errors.Error, env: dict[str, str] | None = None) -> None:
    """Run pip; on failure raise ``failure`` with the end of pip's output added."""
    proc = subprocess.run(  # noqa: S603 (argv list, no shell)
        cmd, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL, env=env
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        raise type(failure)(f"{failure.detail}:\n{tail}")


@dataclasses.dataclass
class _UnverifiedSdist(Exception):
    """pip needs to build this sdist's metadata: verify it first, then resolve again."""

    name: str
    filename: str
    url: str
    sha256: str
    requested: bool


def _guarded_pip(
    opts: Options, workdir: Path, verified_sdists: set[str], *, then_install: bool = False
) -> list[str]:
    """pip, run by ``opts.python`` under :mod:`slsa_verify._pipguard`'s hooks."""
    spec = importlib.util.find_spec("pip")
    if spec is None or spec.origin is None:
        raise errors.UsageError(f"pip is not installed for {sys.executable}")
    pip_dir = str(Path(spec.origin).parent.parent)
    config = workdir / "guard.json"
    config.write_text(
        json.dumps(
            {
                "refusals": str(workdir / "refusals.jsonl"),
                "resolved": str(workdir / "resolved.jsonl"),
                "allow_direct": sorted(canonical(n) for n in opts.allow_direct),
                "allow_sdist": opts.allow_sdist,
                "verified_sdists": sorted(verified_sdists),
                "then_install": then_install,
            }
        ),
        encoding="utf-8",
    )
    source = Path(__file__).with_name("_pipguard.py").read_text(encoding="utf-8")
    return [opts.python, "-c", source, pip_dir, str(config)]


def _refusal(workdir: Path) -> dict[str, Any] | None:
    path = workdir / "refusals.jsonl"
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    path.unlink()
    return json.loads(lines[0]) if lines else None


class KeptPip:
    """The guarded pip that resolved, kept waiting to install: pip starts once.

    ``pip-verify install`` resolves with pip under :mod:`slsa_verify._pipguard`;
    that process, its interpreter and pip already imported, then waits until
    every file verified and runs the hash-pinned install of the verified
    files itself (the same arguments as a separate run would take). If
    anything fails before, :meth:`close` ends it and nothing is installed.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.log: Path | None = None

    def resolve(self, cmd: list[str], workdir: Path, failure: errors.Error) -> None:
        """Run the resolution; raise ``failure`` (with pip's last lines) if it fails."""
        self.close()
        self.log = workdir / "resolve.err"
        with self.log.open("w", encoding="utf-8") as err:
            self.proc = subprocess.Popen(  # noqa: S603 (argv list, no shell)
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True
            )
        assert self.proc.stdout is not None  # PIPE above
        if self.proc.stdout.readline() != "resolved\n":
            self.close()
            raise type(failure)(f"{failure.detail}:\n{_tail(self.log)}")

    def install(self, args: list[str], workdir: Path, failure: errors.Error) -> None:
        """Have the waiting pip run ``pip ARGS``; raise ``failure`` if it fails."""
        proc, self.proc = self.proc, None
        if proc is None or proc.stdin is None:
            raise type(failure)(f"{failure.detail}: pip is no longer running")
        out, err = workdir / "install.out", workdir / "install.err"
        order = {"args": args, "stdout": str(out), "stderr": str(err)}
        try:
            proc.stdin.write(json.dumps(order) + "\n")
            proc.stdin.close()
        except OSError:
            pass  # it ended: its exit code says how
        code = proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        if code != 0:
            raise type(failure)(f"{failure.detail}:\n{_tail(err)}")

    @property
    def waiting(self) -> bool:
        """True while a resolved pip waits for its verdict."""
        return self.proc is not None and self.proc.poll() is None

    def close(self) -> None:
        """End a waiting pip without installing anything (idempotent)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # the end of stdin: it exits, having installed nothing
            proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _tail(path: Path) -> str:
    """The last lines of pip's output in ``path``."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-8:])


def resolve(
    opts: Options,
    workdir: Path,
    verified_sdists: set[str] | None = None,
    *,
    kept: KeptPip | None = None,
) -> list[dict[str, Any]]:
    """What pip would install, from ``pip install --dry-run --report``.

    Nothing is built or fetched that could run before verification
    (:mod:`slsa_verify._pipguard`). With ``kept``, the pip that resolved
    stays, waiting to install (:class:`KeptPip`).
    """
    report = workdir / "report.json"
    cmd = [
        *_guarded_pip(opts, workdir, verified_sdists or set(), then_install=kept is not None),
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        *_binary_args(opts),
        *_target_args(opts, workdir),
        *(["--no-deps"] if opts.lock is not None else []),  # a lock names every package
        "--report",
        str(report),
        *_pip_network_args(opts),
        *(arg for f in opts.requirement_files for arg in ("-r", f)),
        *opts.requirements,
    ]
    failure = errors.NetworkError("pip could not resolve the requirements")
    try:
        if kept is None:
            _run_pip(cmd, failure)
        else:
            kept.resolve(cmd, workdir, failure)
    except errors.NetworkError:
        refused = _refusal(workdir)
        if refused is None:
            raise
        if refused["kind"] == "needs-verification" and refused.get("sha256"):
            raise _UnverifiedSdist(
                name=str(refused["name"] or "?"),
                filename=str(refused["filename"]),
                url=str(refused["url"]),
                sha256=str(refused["sha256"]),
                requested=bool(refused["requested"]),
            ) from None
        if refused["kind"] == "unsupported-pip":
            raise errors.UsageError(
                f"cannot guard pip's resolution with this pip ({refused['detail']}); "
                "pip-verify needs pip 21 or later"
            ) from None
        raise errors.UsageError(f"refused before pip fetched it: {refused['detail']}") from None
    doc = json.loads(report.read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = doc.get("install", [])
    resolved: dict[str, list[dict[str, Any]]] = {}
    log = workdir / "resolved.jsonl"
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else []:
        rec = json.loads(line)
        resolved.setdefault(str(rec["filename"]), []).append(rec["metadata"])
    log.unlink(missing_ok=True)
    for item in items:
        url = str(item.get("download_info", {}).get("url", ""))
        name = urllib.parse.unquote(url.rsplit("/", 1)[-1].split("#", 1)[0])
        item["resolved_with"] = resolved.get(name, [])
    return items


def _sha256(item: dict[str, Any]) -> str:
    archive = item.get("download_info", {}).get("archive_info", {})
    sha = archive.get("hashes", {}).get("sha256")
    if sha is None and str(archive.get("hash", "")).startswith("sha256="):
        sha = archive["hash"].removeprefix("sha256=")
    return str(sha or "")


# --- output ----------------------------------------------------------------------


def _describe(r: FileResult, policy: _api.Policy | None) -> tuple[str, str]:
    """(who was checked, and by whose word; repository@ref) for the table.

    Only fields the policy checked are shown: the caller's policy for files
    checked against it, else the index-asserted publisher's checked fields.
    """
    v = r.verification
    if v is None:
        return ("(unattested, allowed)" if r.error is None else "-", "-")
    index = r.outcome is not None and r.outcome["policy"] == "index-asserted"
    who: str | None = None
    if r.outcome is not None and r.outcome["policy"] == "lock":  # issue 14
        from slsa_verify import _lock  # noqa: PLC0415 (it imports this module)

        return _lock.describe(r)
    if index and v.publisher:
        who = publisher_words(str(v.publisher.get("kind", "")), v.publisher)
    elif not index and policy is not None:
        doc = json.loads(policy._to_json())
        who = publisher_words(str(doc.get("kind", "")), doc)
    who = who or v.identity
    where = (v.source_repository or "").removeprefix("https://github.com/")
    label = "index" if index else "you"
    return (f"{who} ({label})", f"{where}@{v.source_ref}" if where else "-")


def print_table(
    results: Sequence[FileResult], out: TextIO, policy: _api.Policy | None = None
) -> None:
    """The end-of-run table: package, version, file, publisher, source, result."""
    rows = [("PACKAGE", "VERSION", "FILE", "PUBLISHER / IDENTITY (CHECKED BY)", "SOURCE", "RESULT")]
    for r in results:
        who, where = _describe(r, policy)
        result = r.status
        if r.error is not None:
            result = f"FAILED {type(r.error).__name__}"
        rows.append(
            tuple(
                escape(c).replace("\n", " ")
                for c in (r.project, r.version, r.filename, who, where, result)
            )  # type: ignore[arg-type]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out.writelines(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in rows
    )
    if any(r.verification is not None for r in results):
        out.write(
            "CHECKED BY: you = your policy flags; index = the publisher the index "
            "asserts, as it asserts it; lock = the identity your lock file pins\n"
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


def _fmt_mib(n: int) -> str:
    return f"{n / (1 << 20):.1f}"


class _Progress:
    """One file's updating progress line, drawn only once the file took a while."""

    def __init__(self, out: TextIO, prefix: str) -> None:
        self.out = out
        self.prefix = prefix
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        took = time.monotonic() - self.started
        if took < _PROGRESS_AFTER:
            return
        amount = f"{_fmt_mib(done)}/{_fmt_mib(total)}" if total else _fmt_mib(done)
        rate = _fmt_mib(int(done / took))
        self.out.write(f"\r{self.prefix}  {amount} MiB  {rate} MiB/s\x1b[K")
        self.out.flush()
        self.drawn = True

    def finish(self, status: str) -> None:
        """The file's status line, over the progress line if one was drawn."""
        if self.drawn:
            self.out.write(f"\r{self.prefix} … {status}\x1b[K\n")
        else:
            self.out.write(f"{status}\n")


def _counts(results: Sequence[FileResult]) -> dict[str, int]:
    statuses = [r.status for r in results]
    return {
        "verified": statuses.count("verified"),
        "allowed_unattested": statuses.count("allowed"),
        "failed": statuses.count("FAILED"),
    }


# --- resolve, fetch, verify ----------------------------------------------------

_MAX_SDIST_ROUNDS = 32


def _fetcher(opts: Options, directory: Path, indexes: list[str]) -> _core.Fetcher:
    directory.mkdir()
    return _core.Fetcher(
        directory=str(directory),
        indexes=indexes,
        policy=opts.policy._to_json() if opts.policy is not None else None,
        allow_unattested=opts.allow_unattested,
        timeout=opts.timeout,
        retries=opts.retries,
        cert=opts.cert,
        proxy=opts.proxy,
        trusted_root=opts.trusted_root,
        lock=opts.lock,
        github_repository=opts.github_repository,
        github_api=opts.github_api,
    )


def _resolve_verifying_sdists(
    opts: Options, workdir: Path, indexes: list[str], kept: KeptPip | None
) -> tuple[list[dict[str, Any]], list[FileResult]]:
    """Resolve; an sdist pip must build to resolve is verified first.

    With ``--allow-sdist`` only: the sdist is fetched and verified, then pip
    resolves again. Returns the items, or the failed sdist verification.
    """
    verified: set[str] = set()
    early: _core.Fetcher | None = None
    for _ in range(_MAX_SDIST_ROUNDS):
        try:
            return resolve(opts, workdir, verified, kept=kept), []
        except _UnverifiedSdist as need:  # noqa: PERF203 (one resolve per sdist)
            early = early or _fetcher(opts, workdir / "sdists", indexes)
            version = need.filename.rsplit("-", 1)[-1]
            for ext in _ARCHIVES:
                version = version.removesuffix(ext)
            r = FileResult(need.name, version, need.filename, need.requested)
            try:
                outcome = json.loads(
                    early.fetch(need.name, version, need.url, need.sha256, need.requested)
                )
            except errors.Error as err:
                r.error = err
                return [], [r]
            if outcome["verification"] is None or outcome["sha256"] != need.sha256:
                r.error = errors.UsageError(
                    f"{escape(need.filename)} must verify before it is built; "
                    "--allow-unattested does not cover building an sdist"
                )
                return [], [r]
            verified.add(need.sha256)
    raise errors.UsageError(f"more than {_MAX_SDIST_ROUNDS} sdists to verify before resolving")


def _check_metadata(r: FileResult, item: dict[str, Any]) -> errors.Error | None:
    """Check the verified wheel's METADATA against every metadata pip used for it.

    That is the one it resolved dependencies from and the one its report shows.
    """
    if r.outcome is None:
        return None
    seen = item.get("resolved_with") or []
    if not seen:
        return errors.MetadataMismatch(
            f"pip resolved {escape(r.filename)} without metadata pip-verify could compare"
        )
    try:
        for meta in [*seen, item.get("metadata", {})]:
            _core.check_metadata(r.outcome["path"], json.dumps(meta))
    except errors.Error as err:
        return err
    return None


def precheck(opts: Options) -> dict[str, str]:
    """The usage checks that need no network: pip arguments, requirements, pip's configuration.

    Returns pip's configuration, read once (``Options.pip_config``).
    """
    check_pip_args(opts.pip_args)
    config = pip_settings(opts)
    check_requirements(opts, config)
    return config


def verify_resolution(
    opts: Options, workdir: Path, *, progress: TextIO | None, kept: KeptPip | None = None
) -> list[FileResult]:
    """Resolve with pip, then fetch and verify every file into ``workdir``.

    With ``kept``, the pip that resolved waits to install (:class:`KeptPip`).
    """
    config = opts.pip_config if opts.pip_config is not None else precheck(opts)
    indexes = apply_pip_settings(opts, config)
    items, failed = _resolve_verifying_sdists(opts, workdir, indexes, kept)
    if failed:
        return failed
    files = workdir / "files"
    fetcher = _fetcher(opts, files, indexes)
    results: list[FileResult] = []
    for n, item in enumerate(items, 1):
        meta = item.get("metadata", {})
        url = str(item.get("download_info", {}).get("url", ""))
        r = FileResult(
            project=str(meta.get("name", "?")),
            version=str(meta.get("version", "?")),
            filename=url.rsplit("/", 1)[-1].split("#", 1)[0],
            requested=bool(item.get("requested")),
            metadata=meta,
            url=url,
        )
        results.append(r)
        line: _Progress | None = None
        if progress is not None:
            line = _Progress(progress, f"[{n}/{len(items)}] {escape(r.filename)}")
            progress.write(f"{line.prefix} … ")
            progress.flush()
        started = time.monotonic()
        try:
            text = fetcher.fetch(
                r.project, r.version, url, _sha256(item), r.requested, progress=line
            )
        except errors.Error as err:
            r.error = err
        else:
            r.outcome = json.loads(text)
            r.filename = r.outcome["filename"]  # decoded and checked by the core
            if r.outcome["verification"] is not None:
                r.verification = _api.Verification._from_json(json.dumps(r.outcome["verification"]))
            if r.filename.endswith(".whl"):
                r.error = _check_metadata(r, item)
        if line is not None:
            took = time.monotonic() - started
            size = Path(files / r.filename).stat().st_size if r.outcome else 0
            line.finish(f"{r.status} ({_fmt_size(size)}, {took:.1f} s)")
    return results


# --- install / keep --------------------------------------------------------------


def _site_dirs(opts: Options) -> tuple[str, str]:
    """(purelib, platlib) that pip installs into for ``opts.python``."""
    paths = target_paths(opts)
    return paths.purelib, paths.platlib


def _install(
    opts: Options, results: Sequence[FileResult], workdir: Path, kept: KeptPip | None = None
) -> None:
    """Have pip install exactly the verified files, by the waiting pip when there is one."""
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
        *_pip_in(opts.python),
        "install",
        # --isolated drops the user's files and PIP_*; PIP_CONFIG_FILE=os.devnull
        # (set for this run, below and in the waiting pip) drops the global and
        # environment files too: no configuration can add files, indexes or places.
        "--isolated",
        "--no-index",
        "--no-deps",
        # An installed copy of the same version (whatever its bytes) is
        # replaced: what stays installed is what verified.
        "--force-reinstall",
        "--require-hashes",
        "--disable-pip-version-check",
        "--no-input",
        *_binary_args(opts),
        "-r",
        str(reqs),
        *opts.pip_args,
    ]
    failure = errors.InstallError("every file verified, but pip failed to install them")
    if kept is not None and kept.waiting:
        kept.install(cmd[len(_pip_in(opts.python)) :], workdir, failure)
    else:
        _run_pip(cmd, failure, env={**os.environ, "PIP_CONFIG_FILE": os.devnull})


def check_installed(opts: Options, results: Sequence[FileResult]) -> None:
    """Every installed file of every verified wheel has the verified bytes."""
    purelib, platlib = _site_dirs(opts)
    for r in results:
        if r.outcome is not None and r.filename.endswith(".whl"):
            try:
                _core.check_installed(r.outcome["path"], purelib, platlib)
            except errors.Error as err:
                r.error = err


def _write_new(src: str, final: Path) -> None:
    """Copy ``src`` to ``final`` through a temporary file and a rename.

    The temporary file is new, in the same directory (created exclusively:
    never through an existing name or symbolic link); the atomic rename
    replaces a symbolic link at ``final`` itself, never its target.
    """
    fd, tmp = tempfile.mkstemp(prefix=".pip-verify-", suffix=".part", dir=final.parent)
    try:
        with os.fdopen(fd, "wb") as out, Path(src).open("rb") as f:
            shutil.copyfileobj(f, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _keep(results: Sequence[FileResult], dest: str) -> None:
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    for r in results:
        if r.outcome is None:
            continue
        _write_new(r.outcome["path"], out / r.filename)
        if r.outcome["provenance_path"]:
            _write_new(r.outcome["provenance_path"], out / f"{r.filename}.provenance")


def _print_outcome(  # noqa: PLR0913, C901 (the run's whole state)
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
    counts = _counts(results)
    if as_json:
        doc = {
            "schema_version": 1,
            "ok": code == 0,
            "installed": installed,
            "counts": counts,
            "files": [r.to_dict() for r in results],
        }
        doc["target"] = opts.target  # None: this machine (issue 17)
        if install_error is not None:
            doc["error"] = {"kind": "InstallError", "detail": install_error.detail}
        out.write(json.dumps(doc, indent=2) + "\n")
        return
    out.write(_target_line(opts))
    print_table(results, out, opts.policy)
    for r in results:
        if r.error is not None:
            kind = type(r.error).__name__
            errout.write(f"FAILED  {escape(r.filename)}: {kind}: {escape(r.error.detail)}\n")
    what = f"{counts['verified']} verified file(s)"
    if counts["allowed_unattested"]:
        what += f" and {counts['allowed_unattested']} unattested file(s) you allowed"
    if install_error is not None:
        errout.write(f"FAILED  InstallError: {escape(install_error.detail)}\n")
    elif code and installed:
        errout.write("installed, but the installed files differ from the verified ones\n")
    elif code:
        errout.write("nothing was installed\n" if install else "nothing was kept\n")
    elif install:
        out.write(f"installed {what}\n")
    elif opts.dest:
        out.write(f"wrote {what} and their provenance to {escape(opts.dest)}\n")


def run(opts: Options, *, install: bool, as_json: bool, out: TextIO, errout: TextIO) -> int:
    """Resolve, verify every file, then install (or keep) them; the exit code."""
    if opts.pip_config is None:
        opts.pip_config = precheck(opts)
    progress = errout if (errout.isatty() and not as_json and not opts.quiet) else None
    workdir = Path(tempfile.mkdtemp(prefix="pip-verify-"))  # mode 0700
    # One pip start: the pip that resolves installs too (the layer's
    # --platform installs go through their own `pip --target`).
    kept = KeptPip() if install and opts.target is None else None
    try:
        results = verify_resolution(opts, workdir, progress=progress, kept=kept)
        code = _exit_code(results)
        installed = False
        install_error: errors.Error | None = None
        if code == 0:
            if install:
                try:
                    _install(opts, results, workdir, kept)
                    installed = True
                    check_installed(opts, results)
                    code = _exit_code(results)
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
        if kept is not None:
            kept.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _release_value(value: str | BaseException) -> _api.Verification | errors.Error:
    if isinstance(value, str):
        return _api.Verification._from_json(value)
    if isinstance(value, errors.Error):
        return value
    raise value


def _source_status(v: _api.Verification | errors.Error) -> str:
    if not isinstance(v, errors.Error):
        return "verified"
    return "absent" if isinstance(v, errors.NoAttestations) else "failed"


def _source_doc(
    kind: str, location: str | None, v: _api.Verification | errors.Error
) -> dict[str, Any]:
    """One source of one file in ``verify-release --json``."""
    doc: dict[str, Any] = {"source": kind, "location": location, "status": _source_status(v)}
    if isinstance(v, errors.Error):
        doc["error"] = {"kind": type(v).__name__, "detail": v.detail}
    else:
        doc.update(
            {
                k: getattr(v, k)
                for k in (
                    "identity",
                    "source_repository",
                    "source_ref",
                    "source_digest",
                    "format",
                    "log_index",
                )
            }
        )
        doc["signed_at"] = v.to_dict()["signed_at"]
    return doc


def _source_line(kind: str, location: str | None, v: _api.Verification | errors.Error) -> str:
    """One source of one file in the ``verify-release`` table."""
    status = _source_status(v)
    if isinstance(v, errors.Error):
        what = type(v).__name__ if status == "failed" else "nothing for this file"
    else:
        repo = (v.source_repository or "?").removeprefix("https://")
        what = f"{repo}@{(v.source_digest or '?')[:12]}  {v.source_ref or '?'}"
    return escape(f"    {kind:<20} {status:<9} {what}  ({location or '-'})") + "\n"


@dataclasses.dataclass
class ReleaseOptions:
    """``verify-release`` arguments."""

    repository: str
    tag: str
    package: str | None
    api: str
    network: Options
    rekor_url: str | None = None  # legacy envelope lines looked up in Rekor (issue 13)


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
            rekor_url=opts.rekor_url,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results: list[tuple[str, str | None, _api.Verification | errors.Error]] = []
    sources: list[list[tuple[str, str | None, _api.Verification | errors.Error]]] = []
    for filename, asset, value, raw_sources in rows:
        results.append((filename, asset, _release_value(value)))
        sources.append([(k, loc, _release_value(v)) for k, loc, v in raw_sources])
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
                    **(
                        {
                            "filename": f,
                            "ok": False,
                            "error": {"kind": type(r).__name__, "detail": r.detail},
                        }
                        if isinstance(r, errors.Error)
                        else {"filename": f, "ok": True, "provenance_asset": a, **r.to_dict()}
                    ),
                    "sources": [_source_doc(k, loc, v) for k, loc, v in srcs],
                }
                for (f, a, r), srcs in zip(results, sources, strict=True)
            ],
        }
        out.write(json.dumps(doc, indent=2) + "\n")
        return code
    for (filename, asset, r), srcs in zip(results, sources, strict=True):
        if isinstance(r, errors.Error):
            errout.write(f"FAILED  {escape(filename)}: {type(r).__name__}: {escape(r.detail)}\n")
        elif not opts.network.quiet:
            where = (r.source_repository or "").removeprefix("https://")
            out.write(
                escape(
                    f"OK  {filename}  sha256:{r.sha256[:12]}…  {where}@{r.source_ref}  ({asset})"
                )
                + "\n"
            )
        if isinstance(r, errors.Error) or not opts.network.quiet:
            stream = errout if isinstance(r, errors.Error) else out
            stream.writelines(_source_line(k, loc, v) for k, loc, v in srcs)
    out.write(f"{len(results) - len(failed)} of {len(results)} files of {opts.tag} verified\n")
    return code
