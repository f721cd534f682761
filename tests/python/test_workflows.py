# SPDX-License-Identifier: Apache-2.0
"""GitHub Actions workflows: pinned actions, release triggers and permissions (RELEASING.md).

PyYAML is not a test dependency, so the workflow files are read as text: these checks rely on
the plain block style the workflows are written in, and fail loudly when a line is not understood.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.y*ml"))

# `uses: owner/repo[/path]@ref  # comment`, as a step (`- uses:`) or as a job key.
USES = re.compile(
    r"""^\s*(?:-\s+)?uses:\s*(?P<q>["']?)(?P<target>[^\s"'#]+)(?P=q)\s*(?:\#\s*(?P<comment>.*))?$"""
)
SHA = re.compile(r"[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"v\d+(\.\d+){0,2}\b")
# The one allowed exception: slsa-github-generator's reusable workflows verify their own ref, so
# they must be called by release tag (RELEASING.md, pinning).
SLSA_GENERATOR = re.compile(
    r"slsa-framework/slsa-github-generator/\.github/workflows/[\w-]+\.ya?ml@v\d+\.\d+\.\d+"
)


def _uses(path: Path) -> list[tuple[int, str, str]]:
    """Every `uses:` of a file as (line number, target, comment); unparsed lines fail."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not re.match(r"^\s*(?:-\s+)?uses:", line):
            continue
        match = USES.match(line)
        assert match, f"{path.name}:{number}: cannot parse {line.strip()!r}"
        found.append((number, match["target"], (match["comment"] or "").strip()))
    return found


def _block(text: str, header: str, indent: int) -> list[str]:
    """The lines under `header` (a key at `indent` spaces), comments and blank lines dropped."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line == " " * indent + header)
    body = []
    for line in lines[start + 1 :]:
        stripped = line.split(" #", 1)[0].rstrip()
        if not stripped.strip() or stripped.lstrip().startswith("#"):
            continue
        if len(stripped) - len(stripped.lstrip()) <= indent:
            break
        body.append(stripped)
    return body


def _jobs(text: str) -> dict[str, str]:
    """Each job's text, split at the two-space keys under the top-level `jobs:`."""
    jobs_text = text.split("\njobs:\n", 1)[1]
    parts = re.split(r"^  ([\w-]+):\s*$", jobs_text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _job_permissions(job: str) -> dict[str, str]:
    """A job's `permissions:` block as {scope: level}; `{}` for none or `permissions: {}`."""
    if re.search(r"^    permissions: \{\}", job, re.MULTILINE):
        return {}
    if not re.search(r"^    permissions:\s*$", job, re.MULTILINE):
        return {"<inherited>": "<inherited>"}
    entries = _block("\n" + job, "permissions:", 4)
    return dict(tuple(part.strip() for part in entry.split(":", 1)) for entry in entries)


def test_there_are_workflows() -> None:
    assert {p.name for p in FILES} >= {"ci.yml", "release.yml"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_full_sha(path: Path) -> None:
    uses = _uses(path)
    assert uses, f"{path.name} uses no actions"
    for number, target, comment in uses:
        where = f"{path.name}:{number}: {target}"
        if target.startswith("./"):
            continue  # this repository's own actions and workflows
        if SLSA_GENERATOR.fullmatch(target):
            continue
        name, _, ref = target.rpartition("@")
        assert name, f"{where}: no @ref"
        assert SHA.fullmatch(ref), f"{where}: pin to a full 40-hex commit SHA, not {ref!r}"
        assert VERSION_COMMENT.match(comment), f"{where}: add a `# vX.Y.Z` comment"


def test_only_the_slsa_generator_is_tag_pinned_and_it_is_used() -> None:
    tagged = [
        (path.name, target)
        for path in FILES
        for _, target, _ in _uses(path)
        if not target.startswith("./") and not SHA.fullmatch(target.rpartition("@")[2])
    ]
    assert tagged == [
        (
            "release.yml",
            "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@v2.1.0",
        )
    ]


def test_pin_test_rejects_what_it_should() -> None:
    assert not SLSA_GENERATOR.fullmatch(
        "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@main"
    )
    assert not SLSA_GENERATOR.fullmatch("slsa-framework/slsa-github-generator/actions/x@v2.1.0")
    assert not SHA.fullmatch("v4")
    assert not SHA.fullmatch("3d3c42e5")
    match = USES.match("      - uses: actions/checkout@v7 # v7")
    assert match
    assert match["target"] == "actions/checkout@v7"


def test_release_runs_only_on_workflow_dispatch() -> None:
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    assert re.findall(r"^on:.*$", text, re.MULTILINE) == ["on:"]
    triggers = [
        line.strip()
        for line in _block(text, "on:", 0)
        if line.startswith("  ") and not line.startswith("   ")
    ]
    assert triggers == ["workflow_dispatch:"]


def test_release_has_no_top_level_write_permission() -> None:
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    top = re.findall(r"^permissions:.*$", text, re.MULTILINE)
    assert len(top) == 1
    if top[0] not in {"permissions: {}", "permissions: read-all"}:
        assert top[0] == "permissions:"
        entries = _block(text, "permissions:", 0)
        assert entries
        assert all(entry.rstrip().endswith((": read", ": none")) for entry in entries), entries
    assert "write-all" not in text


def test_release_elevates_only_the_jobs_that_need_it() -> None:
    jobs = _jobs((WORKFLOWS / "release.yml").read_text(encoding="utf-8"))
    writes = {
        name: {scope: level for scope, level in _job_permissions(job).items() if level != "read"}
        for name, job in jobs.items()
    }
    assert writes == {
        "check": {},
        "sdist": {},
        "wheels": {},
        "attest": {"id-token": "write", "attestations": "write"},
        # contents: write only because GitHub checks the generator's nested upload-assets job.
        "provenance": {"id-token": "write", "contents": "write"},
        "publish": {"id-token": "write"},
        "github-release": {"contents": "write"},
        "verify": {},
    }


def test_release_publishes_from_the_protected_pypi_environment() -> None:
    jobs = _jobs((WORKFLOWS / "release.yml").read_text(encoding="utf-8"))
    assert re.search(r"^    environment:\n      name: pypi$", jobs["publish"], re.MULTILINE)
    assert "pypa/gh-action-pypi-publish@" in jobs["publish"]
    for name, job in jobs.items():
        if name != "publish":
            assert "environment:" not in job, name
            assert "gh-action-pypi-publish" not in job, name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_checkouts_do_not_persist_credentials(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    checkouts = re.findall(r"uses: actions/checkout@.*\n(?:.*\n){0,2}", text)
    assert checkouts
    for step in checkouts:
        assert "persist-credentials: false" in step, step
