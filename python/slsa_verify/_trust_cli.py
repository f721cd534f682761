# SPDX-License-Identifier: Apache-2.0
"""``pip-verify trust update|show|export``: Sigstore trust through TUF.

Every check is in Rust (``slsa_verify._core``); this module parses arguments
and formats what the core reports.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any, TextIO

from slsa_verify import _api, _core, errors

__all__ = [
    "REFRESH_EVERY",
    "STALE_DAYS",
    "add_parser",
    "add_refresh_flags",
    "add_root_flags",
    "add_to_json",
    "describe",
    "maybe_refresh",
    "root_for",
    "run",
    "write_trust",
]

# Older trust material than this gets a warning (issue 12).
STALE_DAYS = 90
# Online commands refresh trust when the last refresh is older than this (seconds).
REFRESH_EVERY = 24 * 3600.0


def _add_source_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--tuf-url",
        metavar="URL",
        help="the TUF repository (default: Sigstore's, https://tuf-repo-cdn.sigstore.dev)",
    )
    p.add_argument(
        "--trust-cache",
        metavar="DIR",
        help="cache directory (default: $SLSA_VERIFY_CACHE_DIR or the user cache directory)",
    )


def add_parser(sub: Any) -> None:  # noqa: ANN401 (argparse's private subparsers type)
    """Register ``trust`` and its subcommands on ``sub``."""
    t = sub.add_parser(
        "trust",
        help="refresh, show or export Sigstore's trusted root (TUF)",
        description=(
            "Sigstore rotates its keys through its TUF repository. `trust update` fetches and "
            "verifies the newest trusted root into a cache that offline commands then use; "
            "`trust show` says which trust material is in use; `trust export` writes it out."
        ),
    )
    ts = t.add_subparsers(dest="trust_command", metavar="ACTION", parser_class=type(t))
    u = ts.add_parser("update", help="refresh the trusted root through TUF (network)")
    _add_source_flags(u)
    u.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS")
    u.add_argument("--cert", metavar="PEM", help="CA bundle for TLS instead of the platform's")
    u.add_argument("--proxy", metavar="URL")
    u.add_argument("--json", action="store_true", help="print one JSON document")
    s = ts.add_parser("show", help="which trust material verification uses (offline)")
    _add_source_flags(s)
    s.add_argument("--trusted-root", metavar="FILE", help="describe this file instead")
    s.add_argument("--json", action="store_true", help="print one JSON document")
    e = ts.add_parser("export", help="write the verified trusted_root.json (offline)")
    _add_source_flags(e)
    e.add_argument("file", metavar="FILE")


def add_root_flags(p: argparse.ArgumentParser) -> None:
    """``--max-trust-age`` and ``--trust-cache`` for commands that verify."""
    p.add_argument(
        "--max-trust-age",
        type=int,
        metavar="DAYS",
        help=f"fail if the trusted root was signed more than DAYS ago (default: warn after "
        f"{STALE_DAYS})",
    )
    p.add_argument(
        "--trust-cache",
        metavar="DIR",
        help="TUF cache directory (default: $SLSA_VERIFY_CACHE_DIR or the user cache)",
    )


def add_refresh_flags(p: argparse.ArgumentParser) -> None:
    """Trust-refresh flags for the online commands (install, download, verify-release)."""
    p.add_argument(
        "--no-trust-refresh",
        action="store_true",
        help="do not refresh Sigstore's trusted root through TUF (done at most daily)",
    )
    p.add_argument(
        "--require-fresh-trust",
        action="store_true",
        help="fail instead of warning when the daily TUF refresh fails",
    )
    p.add_argument(
        "--tuf-url",
        metavar="URL",
        default=os.environ.get("SLSA_VERIFY_TUF_URL") or None,
        help="the TUF repository (default: $SLSA_VERIFY_TUF_URL or Sigstore's)",
    )


def maybe_refresh(args: argparse.Namespace, errout: TextIO) -> bool:
    """Online commands: refresh trust through TUF at most daily.

    A failure warns and verification continues with the freshest verified
    material on disk, unless ``--require-fresh-trust``. True when the cache
    was refreshed (the caller then reloads its root).
    """
    if not hasattr(args, "no_trust_refresh"):
        return False  # an offline command
    if args.no_trust_refresh or getattr(args, "trusted_root", None) or args.staging:
        return False
    cache = getattr(args, "trust_cache", None)
    if not args.require_fresh_trust and not _core.trust_refresh_due(
        args.tuf_url, cache, max_age_secs=REFRESH_EVERY
    ):
        return False
    wait = None if args.require_fresh_trust else _core.trust_retry_wait(args.tuf_url, cache)
    if wait is not None:
        errout.write(
            "trust: the last refresh failed; not trying again for "
            f"{max(1, round(wait / 60))} min (`pip-verify trust update` tries now); "
            "continuing with the verified trust on disk\n"
        )
        return False
    try:
        root = _core.refresh_trust(
            args.tuf_url,
            cache,
            timeout=args.timeout,
            retries=0,
            cert=args.cert,
            proxy=args.proxy,
        )
    except errors.Error as err:
        if args.require_fresh_trust:
            raise
        errout.write(
            f"warning: trust refresh failed ({type(err).__name__}: {err.detail}); "
            "continuing with the verified trust on disk\n"
        )
        return False
    doc = _api.trust_status(root)
    errout.write(
        f"trust: refreshed from {doc['tuf_url']}, timestamp v{doc['timestamp']['version']}\n"
    )
    return True


def root_for(args: argparse.Namespace) -> _core.TrustedRoot | None:
    """The root a verifying command uses.

    ``--staging``, ``--trusted-root FILE`` (always wins), else the freshest
    verified trust on disk. Its ``trust show`` report is kept on
    ``args.trust_doc`` for the command's report.
    """
    if getattr(args, "staging", False):
        return _core.TrustedRoot.staging()
    max_age = getattr(args, "max_trust_age", None)
    if max_age is not None and max_age < 0:
        raise errors.UsageError("--max-trust-age must be 0 or more days")
    if getattr(args, "trusted_root", None):
        root = _core.TrustedRoot.from_file_with_status(args.trusted_root)
    else:
        root = _core.TrustedRoot.current(
            getattr(args, "trust_cache", None), getattr(args, "tuf_url", None), max_age
        )
    args.trust_doc = _api.trust_status(root)
    return root


def add_to_json(args: argparse.Namespace, doc: dict[str, Any]) -> None:
    """Name the trust material in a command's JSON report."""
    trust = getattr(args, "trust_doc", None)
    if trust is not None:
        doc["trust"] = trust


def write_trust(args: argparse.Namespace, errout: TextIO) -> None:
    """Name the trust material (and its warnings) after a human report."""
    trust = getattr(args, "trust_doc", None)
    if trust is None:
        return
    line, warnings = describe(trust)
    errout.write(line + "\n")
    errout.writelines(f"warning: {w}\n" for w in warnings)


def _age(doc: dict[str, Any]) -> str:
    days = doc.get("signed_age_days")
    if days is None:
        return "unknown (not from TUF)"
    return f"{doc['signed_at']} ({days} days ago)"


def describe(doc: dict[str, Any]) -> tuple[str, list[str]]:
    """One report line naming the trust material, and its warnings."""
    where = doc["source"] if doc["source"] == "vendored" else f"{doc['source']} {doc['location']}"
    line = f"trust: {where}, signed {_age(doc)}"
    warnings = list(doc.get("notes", []))
    days = doc.get("signed_age_days")
    if days is not None and days > STALE_DAYS:
        warnings.append(
            f"the trusted root was signed {days} days ago (over {STALE_DAYS}); "
            "run `pip-verify trust update`"
        )
    return line, warnings


def _write_human(doc: dict[str, Any], out: TextIO) -> None:
    out.write(f"source:        {doc['source']} ({doc['location']})\n")
    if doc.get("tuf_url"):
        out.write(f"tuf url:       {doc['tuf_url']}\n")
    out.write(f"signed:        {_age(doc)}\n")
    for role in ("root", "timestamp", "snapshot", "targets"):
        r = doc.get(role)
        if r:
            out.write(f"{role + ':':<14} v{r['version']}, expires {r['expires']}\n")
    out.write(f"trusted root:  sha256:{doc['trusted_root_sha256']}\n")
    _, warnings = describe(doc)
    out.writelines(f"warning: {w}\n" for w in warnings)


def _emit(doc: dict[str, Any], *, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps({"ok": True, "trust": doc}, indent=2) + "\n")
    else:
        _write_human(doc, out)


def run(args: argparse.Namespace, *, out: TextIO, errout: TextIO) -> int:
    """Run one ``trust`` action; errors propagate to the caller's reporting."""
    action = args.trust_command
    if action is None:
        raise errors.UsageError("pip-verify trust: name an action: update, show or export")
    if action == "update":
        root = _core.refresh_trust(
            args.tuf_url,
            args.trust_cache,
            timeout=args.timeout,
            cert=args.cert,
            proxy=args.proxy,
        )
        _emit(_api.trust_status(root), as_json=args.json, out=out)
        return 0
    if action == "show":
        if args.trusted_root:
            root = _core.TrustedRoot.from_file_with_status(args.trusted_root)
        else:
            root = _core.TrustedRoot.current(args.trust_cache, args.tuf_url)
        _emit(_api.trust_status(root), as_json=args.json, out=out)
        return 0
    root = _core.TrustedRoot.current(args.trust_cache, args.tuf_url)
    data = root.export_json()
    if data is None:  # pragma: no cover (current() always carries a status)
        raise errors.UsageError("no trusted root to export")
    Path(args.file).write_bytes(data)
    line, warnings = describe(_api.trust_status(root))
    errout.write(f"wrote {args.file}: {line}\n")
    errout.writelines(f"warning: {w}\n" for w in warnings)
    return 0
