# SPDX-License-Identifier: Apache-2.0
"""GitHub Actions workflows: pinned actions, release triggers and permissions (RELEASING.md).

PyYAML is not a test dependency, so the workflow files are read as text: these checks rely on
the plain block style the workflows are written in, and fail loudly when a line is not understood.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
BUILD_TOOLS = ROOT / ".github" / "build-tools.toml"
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


def _top_permissions(text: str) -> dict[str, str]:
    """The workflow-level `permissions:`; absent means the repository default, assumed write."""
    top = re.findall(r"^permissions:(.*)$", text, re.MULTILINE)
    assert len(top) <= 1
    if not top:
        return {"*": "write"}
    value = top[0].split(" #", 1)[0].strip()
    if value == "{}":
        return {}
    if value in {"read-all", "write-all"}:
        return {"*": value.removesuffix("-all")}
    assert not value, f"cannot parse permissions: {value!r}"
    entries = _block(text, "permissions:", 0)
    return dict(tuple(part.strip() for part in entry.split(":", 1)) for entry in entries)


# Jobs in these environments wait for a second maintainer (RELEASING.md, one-time setup):
# `release` is the approval point of release.yml, `pypi` the one PyPI's Trusted Publisher trusts.
PROTECTED_ENVIRONMENTS = frozenset({"release", "pypi"})
# A job-level `if:` with one of these runs the job even when a job it needs failed or was
# rejected, so such a `needs:` is no gate; nor is a needed job with `continue-on-error`.
RUNS_AFTER_FAILURE = re.compile(r"\b(?:always|failure|cancelled)\s*\(")


@dataclasses.dataclass(frozen=True)
class Job:
    """What decides whether a job can sign or upload before approval."""

    permissions: dict[str, str]  # effective: the job's own, else the workflow's
    needs: tuple[str, ...]
    environment: str | None
    condition: str | None  # the job-level `if:`
    continue_on_error: str | None
    uses: str | None  # a reusable workflow: it gets exactly `permissions`


def _scalar_or_block(job: str, key: str) -> tuple[str | None, list[str]]:
    """A job key's inline value (comment dropped) and its block lines; (None, []) if absent."""
    match = re.search(rf"^    {key}:(.*)$", job, re.MULTILINE)
    if not match:
        return None, []
    value = match[1].split(" #", 1)[0].strip()
    return value, [] if value else _block("\n" + job, f"{key}:", 4)


def _parse_jobs(text: str) -> dict[str, Job]:
    top = _top_permissions(text)
    jobs = {}
    for name, job in _jobs(text).items():
        permissions = _job_permissions(job)
        everything = re.search(r"^    permissions: (read|write)-all", job, re.MULTILINE)
        if everything:
            permissions = {"*": everything[1]}
        elif "<inherited>" in permissions:
            permissions = dict(top)
        needs_value, needs_block = _scalar_or_block(job, "needs")
        if needs_value and needs_value.startswith("["):
            assert needs_value.endswith("]"), f"{name}: cannot parse needs: {needs_value!r}"
            needs = [part.strip() for part in needs_value[1:-1].split(",") if part.strip()]
        elif needs_value:
            needs = [needs_value]
        else:
            needs = [line.strip().removeprefix("- ").strip() for line in needs_block]
        env_value, env_block = _scalar_or_block(job, "environment")
        environment = env_value or None
        if env_value == "":
            names = [
                line.split(":", 1)[1].strip()
                for line in env_block
                if line.strip().startswith("name:")
            ]
            assert len(names) == 1, f"{name}: environment without one name: {env_block}"
            environment = names[0]
        condition, _ = _scalar_or_block(job, "if")
        continue_on_error, _ = _scalar_or_block(job, "continue-on-error")
        uses, _ = _scalar_or_block(job, "uses")
        jobs[name] = Job(
            permissions=permissions,
            needs=tuple(n.strip("\"'") for n in needs),
            environment=environment.strip("\"'") if environment else None,
            condition=condition,
            continue_on_error=continue_on_error,
            uses=uses,
        )
    for name, job in jobs.items():
        unknown = set(job.needs) - set(jobs)
        assert not unknown, f"{name} needs unknown jobs {unknown}"
    return jobs


def _privileged(job: Job) -> bool:
    """Any write scope (id-token, attestations, contents, …), for steps or a reusable workflow."""
    return any(level.strip() == "write" for level in job.permissions.values())


def ungated_privileged_jobs(jobs: dict[str, Job]) -> list[str]:
    """Jobs with a write scope that neither run in a protected environment nor need (directly
    or transitively, with no `if: always()`-like condition or `continue-on-error` on the way) a
    job that does."""

    def gated(name: str, seen: frozenset[str]) -> bool:
        job = jobs[name]
        if job.environment in PROTECTED_ENVIRONMENTS:
            return True
        if name in seen or (job.condition and RUNS_AFTER_FAILURE.search(job.condition)):
            return False
        return any(
            jobs[need].continue_on_error in {None, "false"} and gated(need, seen | {name})
            for need in job.needs
        )

    return sorted(n for n, job in jobs.items() if _privileged(job) and not gated(n, frozenset()))


def _release_jobs() -> dict[str, Job]:
    return _parse_jobs((WORKFLOWS / "release.yml").read_text(encoding="utf-8"))


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
        "hashes": {},
        "approve": {},
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
            assert "gh-action-pypi-publish" not in job, name
        if name not in {"publish", "approve"}:
            assert "environment:" not in job, name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_checkouts_do_not_persist_credentials(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    checkouts = re.findall(r"uses: actions/checkout@.*\n(?:.*\n){0,2}", text)
    assert checkouts
    for step in checkouts:
        assert "persist-credentials: false" in step, step


# --- Nothing signs or uploads before a second maintainer approves (RELEASING.md, approval) ---


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_privileged_job_waits_for_approval(path: Path) -> None:
    jobs = _parse_jobs(path.read_text(encoding="utf-8"))
    assert ungated_privileged_jobs(jobs) == []


def test_release_approval_point() -> None:
    jobs = _release_jobs()
    # The checker sees every job that signs or uploads.
    assert {n for n, job in jobs.items() if _privileged(job)} == {
        "attest",
        "provenance",
        "publish",
        "github-release",
    }
    approve = jobs["approve"]
    assert approve.environment == "release"
    assert approve.permissions == {}
    assert jobs["publish"].environment == "pypi"
    # Only approve and publish run in an environment; the reusable generator cannot, so it needs
    # the approval job itself.
    assert {n for n, job in jobs.items() if job.environment} == {"approve", "publish"}
    assert jobs["provenance"].uses
    assert "approve" in jobs["provenance"].needs
    # Nothing before the approval has a write scope (the builds and the hashes).
    before = {"check", "sdist", "wheels", "hashes"}
    assert all(not _privileged(jobs[n]) for n in before)
    assert set(approve.needs) <= before


def test_signing_jobs_sign_only_the_approved_files() -> None:
    texts = _jobs((WORKFLOWS / "release.yml").read_text(encoding="utf-8"))
    for name in ("attest", "publish", "github-release"):
        assert "The files are the approved ones" in texts[name], name
        assert "APPROVED: ${{ needs.hashes.outputs.hashes }}" in texts[name], name
    assert "base64-subjects: ${{ needs.hashes.outputs.hashes }}" in texts["provenance"]


@pytest.mark.parametrize("moved", ["attest", "provenance", "github-release"])
def test_gate_check_flags_a_signing_job_moved_out_from_behind_the_approval(moved: str) -> None:
    jobs = _release_jobs()
    assert ungated_privileged_jobs(jobs) == []
    # Straight after the builds, before anyone approved: exactly what issue 18 was about.
    jobs[moved] = dataclasses.replace(jobs[moved], needs=("check", "hashes"))
    flagged = ungated_privileged_jobs(jobs)
    assert moved in flagged
    # Jobs gated only through the moved one are flagged too; publish keeps its own environment.
    assert "publish" not in flagged


def test_gate_check_flags_an_approval_job_without_its_environment() -> None:
    jobs = _release_jobs()
    jobs["approve"] = dataclasses.replace(jobs["approve"], environment=None)
    # publish still waits for `pypi`; github-release needs publish, so it still waits too.
    assert ungated_privileged_jobs(jobs) == ["attest", "provenance"]
    jobs["approve"] = dataclasses.replace(jobs["approve"], environment="staging")
    assert ungated_privileged_jobs(jobs) == ["attest", "provenance"]


def test_gate_check_flags_a_job_that_runs_even_if_the_approval_is_rejected() -> None:
    jobs = _release_jobs()
    jobs["attest"] = dataclasses.replace(jobs["attest"], condition="${{ always() }}")
    assert ungated_privileged_jobs(jobs) == ["attest"]
    jobs = _release_jobs()
    jobs["approve"] = dataclasses.replace(jobs["approve"], continue_on_error="true")
    assert ungated_privileged_jobs(jobs) == ["attest", "provenance"]
    jobs = _release_jobs()
    jobs["approve"] = dataclasses.replace(jobs["approve"], environment=None)
    jobs["publish"] = dataclasses.replace(jobs["publish"], environment=None)
    assert ungated_privileged_jobs(jobs) == ["attest", "github-release", "provenance", "publish"]


def test_gate_check_reads_the_workflow_text() -> None:
    """The same checks through the text parser: a signing job moved out of the file's chain."""
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    provenance = _jobs(text)["provenance"]
    moved = provenance.replace("    needs: [hashes, approve]\n", "    needs: [hashes]\n")
    assert moved != provenance
    assert ungated_privileged_jobs(_parse_jobs(text.replace(provenance, moved))) == ["provenance"]
    # A reusable workflow called without job permissions gets the workflow's: still checked.
    no_grant = provenance.replace("    needs: [hashes, approve]\n", "    needs: hashes\n")
    no_grant = re.sub(r"    permissions:\n(?:      .*\n|\s*#.*\n)+", "", no_grant)
    inherited = text.replace(provenance, no_grant).replace(
        "permissions: {}\n", "permissions: write-all\n", 1
    )
    assert _parse_jobs(inherited)["provenance"].permissions == {"*": "write"}
    assert "provenance" in ungated_privileged_jobs(_parse_jobs(inherited))
    # A block-style `needs:` list and an inline `environment:` parse the same way.
    block = text.replace(
        "    needs: [hashes, approve]\n    runs-on", "    needs:\n      - hashes\n    runs-on", 1
    )
    assert ungated_privileged_jobs(_parse_jobs(block)) == ["attest"]
    inline = text.replace("    environment:\n      name: release\n", "    environment: release\n")
    assert _parse_jobs(inline)["approve"].environment == "release"
    assert ungated_privileged_jobs(_parse_jobs(inline)) == []


# --- One pin for the release toolchain, read by release.yml, ci.yml and `nox -s build` ---

BUILD_TOOL_LINE = re.compile(r'(?P<name>rust|maturin|ziglang) = "(?P<version>\d+\.\d+\.\d+)"')


def _build_tools() -> dict[str, str]:
    tools = {}
    for line in BUILD_TOOLS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = BUILD_TOOL_LINE.fullmatch(line)
        assert match, f'build-tools.toml: not a `tool = "X.Y.Z"` line: {line!r}'
        assert match["name"] not in tools
        tools[match["name"]] = match["version"]
    return tools


def test_build_tools_file_is_the_only_pin() -> None:
    tools = _build_tools()
    assert set(tools) == {"rust", "maturin", "ziglang"}
    if sys.version_info >= (3, 11):
        import tomllib

        assert tomllib.loads(BUILD_TOOLS.read_text(encoding="utf-8")) == tools
    for path in [*FILES, ROOT / "noxfile.py"]:
        text = path.read_text(encoding="utf-8")
        for name, version in tools.items():
            assert version not in text, f"{path.name} repeats the {name} pin {version}"
    # rustup would switch every local cargo to (and try to download) a pinned toolchain.
    assert not (ROOT / "rust-toolchain.toml").exists()
    assert not (ROOT / "rust-toolchain").exists()


def test_release_builds_with_the_pinned_tools() -> None:
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    assert "build-tools.toml" in _jobs(text)["check"]
    maturin = re.findall(r"^\s*maturin-version:(.*)$", text, re.MULTILINE)
    assert [m.strip() for m in maturin] == ["v${{ needs.check.outputs.maturin }}"] * 2
    rust = re.findall(r"^\s*rust-toolchain:(.*)$", text, re.MULTILINE)
    assert [r.strip() for r in rust] == ["${{ needs.check.outputs.rust }}"]
    assert "ZIGLANG_VERSION: ${{ needs.check.outputs.ziglang }}" in text
    ci = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    installs = re.findall(r"rustup toolchain install (\S+)", ci)
    assert installs
    assert set(installs) == {'"$toolchain"'}
    assert ci.count("sed -n 's/^rust = ") == len(installs)
    reproducible = _jobs(ci)["reproducible"]
    assert re.search(
        r'- run: python -m nox -s build -- check\n        env:\n          CI: "true"', reproducible
    )
