# SPDX-License-Identifier: Apache-2.0
"""Issue 13: GitHub artifact attestations looked up by digest.

The request, the token handling, pagination, rate limits and every check are
in Rust; this module holds the command-line flags.
"""

from __future__ import annotations

import argparse

DEFAULT_API = "https://api.github.com"


def add_flags(p: argparse.ArgumentParser, *, install: bool = False) -> None:
    """``--github-attestations`` and ``--github-api``."""
    what = (
        "for a requirement you name whose index serves no provenance, "
        if install
        else "instead of an attestation file, "
    )
    p.add_argument(
        "--github-attestations",
        metavar="OWNER/REPO",
        help=what + "ask GitHub's attestation API of OWNER/REPO for the file's sha256 "
        "(as `gh attestation verify` does) and verify what it returns against the policy; "
        "GH_TOKEN or GITHUB_TOKEN, if set, is sent to the API host only",
    )
    p.add_argument(
        "--github-api",
        metavar="URL",
        help=f"the GitHub API base URL (default: $GITHUB_API_URL, else {DEFAULT_API})",
    )


def github_args(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """``(github_repository, github_api)`` from the flags."""
    repo: str | None = getattr(args, "github_attestations", None)
    api: str | None = getattr(args, "github_api", None)
    if api is not None and repo is None:
        from slsa_verify import errors  # noqa: PLC0415 (keep import light)

        raise errors.UsageError("--github-api needs --github-attestations")
    return repo, api
