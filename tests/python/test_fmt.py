# SPDX-License-Identifier: Apache-2.0
"""Publisher names in words, and escaping of the index-controlled text in them."""

from __future__ import annotations

from slsa_verify import _fmt


def test_github_publisher_in_words() -> None:
    pub = {
        "kind": "GitHub",
        "repository": "woodruffw/abi3info",
        "workflow": "release.yml",
        "environment": "",
        "claims": None,
    }
    assert _fmt.publisher_sentence(pub) == "GitHub woodruffw/abi3info, workflow release.yml"


def test_every_checked_field_is_named_and_nothing_else() -> None:
    pub = {
        "kind": "CircleCI",
        "project_id": "p",
        "pipeline_definition_id": "d",
        "vcs_origin": "github.com/o/r",
        "vcs_ref": "refs/heads/main",
        "unchecked": "never shown",
    }
    words = _fmt.publisher_sentence(pub)
    assert words == (
        "CircleCI project id p, pipeline definition id d, vcs origin github.com/o/r, vcs ref refs/heads/main"
    )


def test_escape_sequences_from_the_index_never_reach_the_terminal() -> None:
    pub = {"kind": "GitLab", "repository": "a\x1b[2Jb", "workflow_filepath": "c\u202ed.yml"}
    words = _fmt.publisher_sentence(pub)
    assert words == "GitLab a\\x1b[2Jb, workflow filepath c\\u202ed.yml"
    assert "\x1b" not in (words or "")


def test_unknown_kind_has_no_words() -> None:
    assert _fmt.publisher_sentence({"kind": "Jenkins", "repository": "x"}) is None
