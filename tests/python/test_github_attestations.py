# SPDX-License-Identifier: Apache-2.0
"""``verify --github-attestations`` and ``verify_wheel(github_repository=…)``
against a loopback server shaped like GitHub's attestation API (issue 13,
acceptance 3). The bundles are real GitHub artifact attestations (the
publish-to-bcr workflow's, for aspect-build/rules_lint) from
tests/assets/slsa/bcr/.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ASSETS
from github_server import GitHub, serve, sha256
from slsa_verify import SlsaSource, errors, verify_wheel
from slsa_verify._cli import main

BCR = ASSETS / "slsa" / "bcr"
REPO = "aspect-build/rules_lint"
MODULE = BCR / "MODULE.bazel"
GOOD = (BCR / "MODULE.bazel.intoto.jsonl").read_bytes()
WRONG_SIGNER = (BCR / "MODULE-wrong-signer.bazel.intoto.jsonl").read_bytes()
TARBALL = (BCR / "rules_lint-v1.3.1.tar.gz.intoto.jsonl").read_bytes()
BUILDER = "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"
POLICY = ["--source-uri", f"github.com/{REPO}", "--builder-id", BUILDER]
DIGEST = sha256(MODULE.read_bytes())


@pytest.fixture(autouse=True)
def _no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("GH_TOKEN", "GITHUB_TOKEN", "GITHUB_API_URL"):
        monkeypatch.delenv(k, raising=False)


def cli(api: str, *extra: str, artifact: Path = MODULE) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "verify",
            str(artifact),
            "--github-attestations",
            REPO,
            "--github-api",
            api,
            "--json",
            *extra,
        ],
        out=out,
        errout=err,
    )
    return code, json.loads(out.getvalue())


def error(doc: dict[str, Any]) -> dict[str, Any]:
    e: dict[str, Any] = doc["error"]
    return e


def served(*lines: bytes, digest: str = DIGEST) -> GitHub:
    gh = GitHub()
    for line in lines:
        gh.add(REPO, line, digest)
    return gh


def test_verifies_by_digest_with_the_right_policy() -> None:
    gh = served(GOOD)
    with serve(gh) as api:
        code, doc = cli(api, *POLICY)
    assert code == 0, doc
    [r] = doc["results"]
    assert r["format"] == "github-attestations"
    assert r["sha256"] == DIGEST
    assert r["source_repository"] == f"https://github.com/{REPO}"
    assert r["identity"] == f"{BUILDER}@refs/tags/v0.0.1"
    assert [p for p, _ in gh.requests] == [
        f"/repos/{REPO}/attestations/sha256:{DIGEST}?per_page=100"
    ]


def test_the_trusted_publisher_policy_checks_the_calling_workflow() -> None:
    gh = served(GOOD)
    with serve(gh) as api:
        assert cli(api, "--repository", REPO, "--workflow", "release.yml")[0] == 0
        code, doc = cli(api, "--repository", REPO, "--workflow", "publish.yaml")
    assert code == 1
    assert error(doc)["kind"] == "PublisherMismatch"


@pytest.mark.parametrize(
    ("policy", "kind"),
    [
        (
            ["--source-uri", "github.com/aspect-build/rules_go", "--builder-id", BUILDER],
            "SourceMismatch",
        ),
        (
            [
                "--source-uri",
                f"github.com/{REPO}",
                "--builder-id",
                BUILDER.replace("publish.yaml", "x.yaml"),
            ],
            "BuilderIdMismatch",
        ),
        (["--source-uri", f"github.com/{REPO}"], "UntrustedBuilder"),
        (
            ["--repository", "aspect-build/rules_go", "--workflow", "release.yml"],
            "PublisherMismatch",
        ),
    ],
)
def test_a_wrong_policy_fails_with_its_kind(policy: list[str], kind: str) -> None:
    with serve(served(GOOD)) as api:
        code, doc = cli(api, *policy)
    assert (code, error(doc)["kind"]) == (1, kind)


def test_a_forged_builder_claim_is_refused_and_a_good_one_still_counts() -> None:
    with serve(served(WRONG_SIGNER)) as api:
        code, doc = cli(api, *POLICY)
    assert code == 1
    assert error(doc)["kind"] == "SourceMismatch"  # loosebazooka/aa-test
    with serve(served(WRONG_SIGNER, GOOD)) as api:
        code, doc = cli(api, *POLICY)
    assert code == 0
    assert doc["results"][0]["source_repository"] == f"https://github.com/{REPO}"


def tampered(line: bytes) -> bytes:
    bundle = json.loads(line)
    payload = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    payload["predicate"]["buildDefinition"]["externalParameters"]["workflow"]["ref"] = (
        "refs/heads/evil"
    )
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    return json.dumps(bundle).encode()


def test_a_tampered_bundle_is_refused() -> None:
    with serve(served(tampered(GOOD))) as api:
        code, doc = cli(api, *POLICY)
    assert code == 1
    assert error(doc)["kind"] == "DsseSignatureInvalid"


def test_a_bundle_for_another_digest_is_refused() -> None:
    # GitHub answers with the tarball's attestation when asked for MODULE.bazel
    with serve(served(TARBALL)) as api:
        code, doc = cli(api, *POLICY)
    assert code == 1
    assert error(doc)["kind"] == "DigestMismatch"
    # among several, the bundle about this file gives the error
    with serve(served(TARBALL, WRONG_SIGNER, TARBALL)) as api:
        code, doc = cli(api, *POLICY)
    assert (code, error(doc)["kind"], error(doc)["attestation_index"]) == (
        1,
        "SourceMismatch",
        1,
    )


def test_no_attestation_is_exit_3() -> None:
    gh = GitHub()
    with serve(gh) as api:
        code, doc = cli(api, *POLICY)
    assert code == 3
    assert error(doc)["kind"] == "NoAttestations"
    assert f"sha256:{DIGEST}" in error(doc)["detail"]
    assert REPO in error(doc)["detail"]


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("rate-limit", ["rate limit", "HTTP 403", "GH_TOKEN", "2026-01-01T00:00:00Z"]),
        ("429", ["rate limit", "HTTP 429", "retry after 60 s", "GH_TOKEN"]),
        ("malformed", ["not an attestation list"]),
        ("wrong-shape", ["not an attestation list", "no attestations array"]),
        ("redirect", ["redirect", "refused"]),
    ],
)
def test_bad_answers_are_network_errors(fault: str, words: list[str]) -> None:
    gh = served(GOOD)
    gh.fault = fault
    with serve(gh) as api:
        code, doc = cli(api, *POLICY)
    assert code == 4
    assert error(doc)["kind"] == "NetworkError"
    for w in words:
        assert w in error(doc)["detail"]
    assert len(gh.requests) == 1  # neither retried nor followed


def test_rate_limit_human_output_names_the_token() -> None:
    gh = served(GOOD)
    gh.fault = "rate-limit"
    out, err = io.StringIO(), io.StringIO()
    with serve(gh) as api:
        code = main(
            ["verify", str(MODULE), "--github-attestations", REPO, "--github-api", api, *POLICY],
            out=out,
            errout=err,
        )
    assert code == 4
    assert "NetworkError: GitHub API rate limit reached" in err.getvalue()
    assert "set GH_TOKEN (or GITHUB_TOKEN)" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_pagination_across_two_pages() -> None:
    gh = served(TARBALL, GOOD)
    gh.page_size = 1
    with serve(gh) as api:
        code, doc = cli(api, *POLICY)
    assert code == 0, doc
    assert [p.split("?")[1] for p, _ in gh.requests] == ["per_page=100", "per_page=1&page=2"]


def test_the_token_goes_to_the_api_host_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GH_TOKEN", "ghp_s3cret")
    monkeypatch.setenv("GITHUB_TOKEN", "other")
    gh = served(TARBALL, GOOD)
    gh.page_size = 1
    with serve(gh) as api:
        assert cli(api, *POLICY)[0] == 0
    assert [a for _, a in gh.requests] == ["Bearer ghp_s3cret", "Bearer ghp_s3cret"]
    # a next page on another origin is refused before anything is sent there
    elsewhere = GitHub()
    with serve(elsewhere) as other:
        gh = served(TARBALL, GOOD)
        gh.page_size = 1
        gh.fault = "next-elsewhere"
        gh.next_elsewhere = f"{other}/repos/{REPO}/attestations/sha256:{DIGEST}?page=2"
        with serve(gh) as api:
            code, doc = cli(api, *POLICY)
    assert code == 4
    assert "another origin" in error(doc)["detail"]
    assert "s3cret" not in json.dumps(doc)
    assert len(gh.requests) == 1
    assert elsewhere.requests == []


def test_github_token_is_used_when_gh_token_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_other")
    gh = served(GOOD)
    with serve(gh) as api:
        assert cli(api, *POLICY)[0] == 0
    assert [a for _, a in gh.requests] == ["Bearer ghs_other"]


def test_no_token_no_header() -> None:
    gh = served(GOOD)
    with serve(gh) as api:
        assert cli(api, *POLICY)[0] == 0
    assert [a for _, a in gh.requests] == [None]


def test_github_api_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    gh = served(GOOD)
    with serve(gh) as api:
        monkeypatch.setenv("GITHUB_API_URL", api)
        out = io.StringIO()
        code = main(
            ["verify", str(MODULE), "--github-attestations", REPO, *POLICY],
            out=out,
            errout=io.StringIO(),
        )
    assert code == 0
    assert out.getvalue().startswith("OK  MODULE.bazel")


@pytest.mark.parametrize(
    "args",
    [
        ["--github-api", "http://127.0.0.1:9"],  # without --github-attestations
        ["--github-attestations", REPO, "--github-api", "http://api.example"],
        ["--github-attestations", REPO, "--github-api", "https://u:p@api.example"],
        ["--github-attestations", "not-a-repo"],
        ["--github-attestations", REPO, "--attestation", str(BCR / "MODULE.bazel.intoto.jsonl")],
    ],
)
def test_usage_errors(args: list[str]) -> None:
    out = io.StringIO()
    code = main(["verify", str(MODULE), *POLICY, *args, "--json"], out=out, errout=io.StringIO())
    assert code == 2
    assert json.loads(out.getvalue())["error"]["kind"] == "UsageError"


def test_python_api() -> None:
    policy = SlsaSource(f"github.com/{REPO}", builder_id=BUILDER)
    gh = served(GOOD)
    with serve(gh) as api:
        v = verify_wheel(MODULE, policy=policy, github_repository=REPO, github_api=api)
        assert v.format == "github-attestations"
        assert v.source_repository == f"https://github.com/{REPO}"
        # by a known digest: the file is not read
        v = verify_wheel(
            "MODULE.bazel", policy=policy, github_repository=REPO, github_api=api, sha256=DIGEST
        )
        assert v.sha256 == DIGEST
        with pytest.raises(errors.NoAttestations):
            verify_wheel(
                MODULE, policy=policy, github_repository="aspect-build/other", github_api=api
            )
        with pytest.raises(errors.UsageError):
            verify_wheel(MODULE, GOOD, policy=policy, github_repository=REPO, github_api=api)
    gh.fault = "rate-limit"
    with serve(gh) as api, pytest.raises(errors.NetworkError, match="rate limit"):
        verify_wheel(MODULE, policy=policy, github_repository=REPO, github_api=api)


def test_pages_are_bounded() -> None:
    gh = served(*[TARBALL] * 10, GOOD)  # the good one would be on page 11
    gh.page_size = 1
    with serve(gh) as api:
        code, doc = cli(api, *POLICY)
    assert code == 4
    assert error(doc)["kind"] == "NetworkError"
    assert "more than 10 pages" in error(doc)["detail"]
    assert len(gh.requests) == 10
