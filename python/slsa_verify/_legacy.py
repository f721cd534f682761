"""Issue 13: the Rekor look-up for legacy ``.intoto.jsonl`` lines (spec §4.9).

The look-up, the checks and every decision are in Rust; this module holds the
command-line flags and the default log URL.
"""

from __future__ import annotations

import argparse

DEFAULT_REKOR_URL = "https://rekor.sigstore.dev"


def add_flags(p: argparse.ArgumentParser) -> None:
    """``--rekor-lookup`` and ``--rekor-url`` for ``verify``."""
    p.add_argument(
        "--rekor-lookup",
        action="store_true",
        help="look legacy slsa-github-generator envelopes (v1.x, v2.0.x .intoto.jsonl lines, "
        "whose log entry is not in the file) up in the Rekor log and verify the entry; "
        "off by default, since verify is otherwise offline",
    )
    p.add_argument(
        "--rekor-url",
        metavar="URL",
        help=f"the Rekor v1 log to ask (https; default {DEFAULT_REKOR_URL})",
    )


def rekor_args(args: argparse.Namespace) -> tuple[bool, str | None]:
    """``(rekor_lookup, rekor_url)`` for ``verify_wheel``, from the flags."""
    url: str | None = getattr(args, "rekor_url", None)
    lookup = bool(getattr(args, "rekor_lookup", False))
    if url is not None and not lookup:
        from slsa_verify import errors  # noqa: PLC0415 (keep import light)

        raise errors.UsageError("--rekor-url needs --rekor-lookup")
    return lookup, url
