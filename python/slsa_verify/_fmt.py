# SPDX-License-Identifier: Apache-2.0
"""Text output shared by the commands: escaping untrusted text, naming publishers.

Formatting only: every value shown here was already decided on by the core.
"""

from __future__ import annotations

import re
from typing import Any

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def escape(text: object) -> str:
    r"""``text`` with control characters and bidirectional overrides escaped.

    They are shown as ``\xNN``/``\uNNNN``: index-controlled strings never
    reach the terminal raw. Newlines in multi-line details stay.
    """

    def one(m: re.Match[str]) -> str:
        c = m.group(0)
        return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"

    return "\n".join(_UNSAFE.sub(one, line) for line in str(text).split("\n"))


# The publisher fields each policy kind checks, in the order shown.
CHECKED_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "github": ("GitHub", ("repository", "workflow", "environment")),
    "gitlab": ("GitLab", ("repository", "workflow_filepath", "environment")),
    "google": ("Google", ("email",)),
    "circleci": ("CircleCI", ("project_id", "pipeline_definition_id", "vcs_origin", "vcs_ref")),
}


def publisher_words(kind: str, fields: dict[str, Any]) -> str | None:
    """``GitHub owner/repo/workflow.yml [env E]`` from the fields a policy checks."""
    known = CHECKED_FIELDS.get(kind.lower())
    if known is None:
        return None
    label, keys = known
    main = "/".join(str(fields[k]) for k in keys[:2] if fields.get(k))
    extra = "".join(f", {k} {fields[k]}" for k in keys[2:] if fields.get(k))
    return f"{label} {main}{extra}"


def publisher_sentence(fields: dict[str, Any]) -> str | None:
    """``GitHub woodruffw/abi3info, workflow release.yml`` from a publisher object.

    Only the fields a Trusted Publisher policy of that kind checks are named,
    escaped; ``None`` for a kind no policy knows.
    """
    known = CHECKED_FIELDS.get(str(fields.get("kind", "")).lower())
    if known is None:
        return None
    label, keys = known
    # A repository or an e-mail address names itself; other fields are labelled.
    shown = [
        escape(fields[k])
        if k in ("repository", "email")
        else f"{k.replace('_', ' ')} {escape(fields[k])}"
        for k in keys
        if fields.get(k)
    ]
    return f"{label} {', '.join(shown)}" if shown else None
