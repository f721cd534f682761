# SPDX-License-Identifier: Apache-2.0
"""``pip-verify verify-release`` against a local server that mimics GitHub's
release API and a package index (issue 6, acceptance 3). The provenance is
real slsa-github-generator output (bundle form) for slsa-framework/example-package
at tag v13.0.30, by the generic generator and by the Go builder; the index
serves the artifacts those files attest, under distribution names.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from conftest import ASSETS
from github_server import GitHub, sha256
from index_server import Dist, Index, serve
from slsa_verify._cli import main

SLSA = ASSETS / "slsa"
GENERIC = SLSA / "gha_generic/v2.1.0"
GO = SLSA / "gha_go/v2.1.0"
REPO = "slsa-framework/example-package"
TAG = "v13.0.30"


def dists() -> list[Dist]:
    return [
        Dist(
            "example-package",
            "13.0.30",
            "example_package-13.0.30-py3-none-any.whl",
            (GENERIC / "binary-linux-amd64-workflow_dispatch").read_bytes(),
        ),
        Dist(
            "example-package",
            "13.0.30",
            "example_package-13.0.30.tar.gz",
            (GO / "binary-linux-amd64-workflow_dispatch").read_bytes(),
        ),
        # another version's file is not part of the release
        Dist("example-package", "14.0", "example_package-14.0.tar.gz", b"other"),
    ]


def assets() -> list[tuple[str, bytes]]:
    return [
        (
            "multiple.intoto.jsonl",
            (GENERIC / "binary-linux-amd64-push-v13.0.30.intoto.jsonl").read_bytes(),
        ),
        # wheels built after the release are attested in a later file
        (
            "go-build.intoto.jsonl",
            (GO / "binary-linux-amd64-push-v13.0.30.intoto.jsonl").read_bytes(),
        ),
        ("README.md", b"not provenance"),
    ]


def run(index: Index, *extra: str, tag: str = TAG) -> tuple[int, dict[str, object], str]:
    out, err = io.StringIO(), io.StringIO()
    with serve(index) as url:
        api = url.removesuffix("/simple")
        code = main(
            [
                "verify-release",
                REPO,
                tag,
                "--github-api",
                api,
                "--index-url",
                url,
                "--package",
                "example-package",
                "--json",
                "--retries",
                "0",
                *extra,
            ],
            out=out,
            errout=err,
        )
    return code, json.loads(out.getvalue()), err.getvalue()


def test_two_provenance_assets_cover_the_release() -> None:
    index = Index(dists())
    index.releases[(REPO, TAG)] = assets()
    code, doc, _ = run(index)
    assert code == 0
    files = {f["filename"]: f for f in doc["files"]}  # type: ignore[attr-defined]
    assert sorted(files) == [
        "example_package-13.0.30-py3-none-any.whl",
        "example_package-13.0.30.tar.gz",
    ]
    assert (
        files["example_package-13.0.30-py3-none-any.whl"]["provenance_asset"]
        == "multiple.intoto.jsonl"
    )
    assert files["example_package-13.0.30.tar.gz"]["provenance_asset"] == "go-build.intoto.jsonl"
    assert {f["source_ref"] for f in files.values()} == {"refs/tags/v13.0.30"}


def test_human_output() -> None:
    index = Index(dists())
    index.releases[(REPO, TAG)] = assets()
    out, err = io.StringIO(), io.StringIO()
    with serve(index) as url:
        code = main(
            [
                "verify-release",
                REPO,
                TAG,
                "--github-api",
                url.removesuffix("/simple"),
                "--index-url",
                url,
                "--package",
                "example-package",
            ],
            out=out,
            errout=err,
        )
    assert code == 0, err.getvalue()
    assert "2 of 2 files of v13.0.30 verified" in out.getvalue()
    assert "github.com/slsa-framework/example-package@refs/tags/v13.0.30" in out.getvalue()


def test_tampered_file_fails() -> None:
    d = dists()
    d[0].data = d[0].data + b"\0"  # the index lists the tampered file's own hash
    index = Index(d)
    index.releases[(REPO, TAG)] = assets()
    code, doc, _ = run(index)
    assert code == 3  # no provenance covers these bytes
    kinds = {f["filename"]: f.get("error", {}).get("kind") for f in doc["files"]}  # type: ignore[attr-defined]
    assert kinds == {
        "example_package-13.0.30-py3-none-any.whl": "NoAttestations",
        "example_package-13.0.30.tar.gz": None,
    }


def test_wrong_tag_fails() -> None:
    d = dists()
    for x in d[:2]:
        x.version = "13.0.31"
        x.filename = x.filename.replace("13.0.30", "13.0.31")
    index = Index(d)
    index.releases[(REPO, "v13.0.31")] = assets()  # v13.0.30's provenance under another tag
    code, doc, _ = run(index, tag="v13.0.31")
    assert code == 1
    assert {f["error"]["kind"] for f in doc["files"]} == {"TagMismatch"}  # type: ignore[attr-defined]


def test_a_file_no_provenance_covers() -> None:
    d = [
        *dists(),
        Dist("example-package", "13.0.30", "example_package-13.0.30-py3-none-win_amd64.whl", b"MZ"),
    ]
    index = Index(d)
    index.releases[(REPO, TAG)] = assets()
    code, doc, _ = run(index)
    assert code == 3
    failed = [f for f in doc["files"] if not f["ok"]]  # type: ignore[attr-defined]
    assert [(f["filename"], f["error"]["kind"]) for f in failed] == [
        ("example_package-13.0.30-py3-none-win_amd64.whl", "NoAttestations")
    ]
    assert "no provenance asset of the release covers" in failed[0]["error"]["detail"]


@pytest.mark.parametrize(
    ("releases", "kind", "code"),
    [
        ({}, "NetworkError", 4),  # no such release
        ({(REPO, TAG): [("README.md", b"x")]}, "NoAttestations", 3),
    ],
)
def test_release_level_failures(
    releases: dict[tuple[str, str], list[tuple[str, bytes]]], kind: str, code: int
) -> None:
    index = Index(dists())
    index.releases.update(releases)
    got, doc, _ = run(index)
    assert got == code
    assert doc["error"]["kind"] == kind  # type: ignore[index]


# Issue 13: every source of a file, and their agreement. The container-based
# builder attested the empty file at tag v13.0.30 twice: v2.1.0 from commit
# 4d329c75…, v1.7.0 (a v0.1 bundle) from commit 62cb1f1e… (the tag moved).
CONTAINER = SLSA / "gha_container-based"
EMPTY_WHEEL = "example_package-13.0.30-py2-none-any.whl"


def _github(*items: tuple[str, bytes, str]) -> GitHub:
    gh = GitHub()
    for repo, line, digest in items:
        gh.add(repo, line, digest)
    return gh


def _sources(doc: dict[str, object], filename: str) -> list[tuple[str, str, str | None]]:
    [f] = [f for f in doc["files"] if f["filename"] == filename]  # type: ignore[attr-defined]
    return [
        (s["source"], s["status"], s.get("error", {}).get("kind") or s.get("source_digest"))
        for s in f["sources"]
    ]


def test_agreeing_sources_pass_and_are_all_listed() -> None:
    index = Index(dists())
    index.releases[(REPO, TAG)] = assets()
    wheel = dists()[0].data
    # GitHub holds the same builder's attestation of the wheel from a
    # workflow_dispatch run of the same commit
    index.github = _github(
        (
            REPO,
            (GENERIC / "binary-linux-amd64-workflow_dispatch.intoto.jsonl").read_bytes(),
            sha256(wheel),
        )
    )
    code, doc, _ = run(index)
    assert code == 0, doc
    commit = "4d329c75e7ec1725f7c9ce917a8799d408d06be3"
    assert _sources(doc, "example_package-13.0.30-py3-none-any.whl") == [
        ("release-asset", "verified", commit),
        ("index-provenance", "absent", "NoAttestations"),
        ("github-attestations", "verified", commit),
    ]
    assert _sources(doc, "example_package-13.0.30.tar.gz") == [
        ("release-asset", "verified", _sources(doc, "example_package-13.0.30.tar.gz")[0][2]),
        ("index-provenance", "absent", "NoAttestations"),
        ("github-attestations", "absent", "NoAttestations"),
    ]
    asked = [p for p, _ in index.github.requests]
    assert f"/repos/{REPO}/attestations/sha256:{sha256(wheel)}?per_page=100" in asked


def test_human_table_lists_every_source() -> None:
    index = Index(dists())
    index.releases[(REPO, TAG)] = assets()
    index.github = _github(
        (
            REPO,
            (GENERIC / "binary-linux-amd64-workflow_dispatch.intoto.jsonl").read_bytes(),
            sha256(dists()[0].data),
        )
    )
    out, err = io.StringIO(), io.StringIO()
    with serve(index) as url:
        code = main(
            [
                "verify-release",
                REPO,
                TAG,
                "--github-api",
                url.removesuffix("/simple"),
                "--index-url",
                url,
                "--package",
                "example-package",
            ],
            out=out,
            errout=err,
        )
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert (
        "release-asset        verified  github.com/slsa-framework/example-package@4d329c75e7ec"
        in text
    )
    assert (
        "github-attestations  verified  github.com/slsa-framework/example-package@4d329c75e7ec"
        in text
    )
    assert "index-provenance     absent    nothing for this file" in text


def test_sources_at_different_commits_fail() -> None:
    empty = Dist("example-package", "13.0.30", EMPTY_WHEEL, b"")
    index = Index([empty])
    index.releases[(REPO, TAG)] = [
        (
            "container.intoto.jsonl",
            (CONTAINER / "v2.1.0/binary-linux-amd64-push-v13.0.30.intoto.build.slsa").read_bytes(),
        )
    ]
    old = CONTAINER / "v1.7.0/gha_container-based-binary-linux-amd64-v13.0.30.intoto.sigstore"
    index.github = _github((REPO, old.read_bytes(), sha256(b"")))
    code, doc, _ = run(index)
    assert code == 1
    [f] = doc["files"]  # type: ignore[misc]
    assert f["error"]["kind"] == "SourceDisagreement"
    assert "source commit" in f["error"]["detail"]
    assert "4d329c75e7ec1725f7c9ce917a8799d408d06be3" in f["error"]["detail"]
    assert "62cb1f1e485829bafe8bbec8b9900c0cb7624fe7" in f["error"]["detail"]
    assert _sources(doc, EMPTY_WHEEL) == [
        ("release-asset", "verified", "4d329c75e7ec1725f7c9ce917a8799d408d06be3"),
        ("index-provenance", "absent", "NoAttestations"),
        ("github-attestations", "verified", "62cb1f1e485829bafe8bbec8b9900c0cb7624fe7"),
    ]
    # each alone verifies
    index.github = None
    assert run(index)[0] == 0


BCR_REPO = "aspect-build/rules_lint"
BCR = SLSA / "bcr"


def test_sources_naming_different_repositories_fail() -> None:
    # GitHub answers for aspect-build/rules_lint with its own attestation of
    # MODULE.bazel and with one made in loosebazooka/aa-test for the same bytes.
    module = (BCR / "MODULE.bazel").read_bytes()
    index = Index([Dist("rules-lint", "1.3.1", "rules_lint-1.3.1.tar.gz", module)])
    index.releases[(BCR_REPO, "v1.3.1")] = [("README.md", b"no provenance assets")]
    index.github = _github(
        (BCR_REPO, (BCR / "MODULE.bazel.intoto.jsonl").read_bytes(), sha256(module)),
        (BCR_REPO, (BCR / "MODULE-wrong-signer.bazel.intoto.jsonl").read_bytes(), sha256(module)),
    )
    out, err = io.StringIO(), io.StringIO()
    with serve(index) as url:
        code = main(
            [
                "verify-release",
                BCR_REPO,
                "v1.3.1",
                "--github-api",
                url.removesuffix("/simple"),
                "--index-url",
                url,
                "--package",
                "rules-lint",
                "--json",
                "--retries",
                "0",
            ],
            out=out,
            errout=err,
        )
    doc = json.loads(out.getvalue())
    assert code == 1, doc
    [f] = doc["files"]
    assert f["error"]["kind"] == "SourceDisagreement"
    assert "source repository" in f["error"]["detail"]
    assert "github.com/aspect-build/rules_lint" in f["error"]["detail"]
    assert "github.com/loosebazooka/aa-test" in f["error"]["detail"]
    assert [(s["source"], s["status"], s.get("source_repository")) for s in f["sources"]] == [
        ("release-asset", "absent", None),
        ("index-provenance", "absent", None),
        ("github-attestations", "verified", "https://github.com/aspect-build/rules_lint"),
        ("github-attestations", "verified", "https://github.com/loosebazooka/aa-test"),
    ]
    assert [s["location"] for s in f["sources"][2:]] == [f"{BCR_REPO} #0", f"{BCR_REPO} #1"]


def test_a_github_attestation_of_another_ref_does_not_verify_the_release() -> None:
    # the genuine attestation alone: right repository, but built from a branch
    module = (BCR / "MODULE.bazel").read_bytes()
    index = Index([Dist("rules-lint", "1.3.1", "rules_lint-1.3.1.tar.gz", module)])
    index.releases[(BCR_REPO, "v1.3.1")] = []
    index.github = _github(
        (BCR_REPO, (BCR / "MODULE.bazel.intoto.jsonl").read_bytes(), sha256(module))
    )
    out = io.StringIO()
    with serve(index) as url:
        code = main(
            [
                "verify-release",
                BCR_REPO,
                "v1.3.1",
                "--github-api",
                url.removesuffix("/simple"),
                "--index-url",
                url,
                "--package",
                "rules-lint",
                "--json",
                "--retries",
                "0",
            ],
            out=out,
            errout=io.StringIO(),
        )
    doc = json.loads(out.getvalue())
    assert code == 1
    assert doc["files"][0]["error"]["kind"] == "TagMismatch"
    assert "refs/heads/publish-to-bcr" in doc["files"][0]["error"]["detail"]


PEP740 = ASSETS / "pep740"


def _abi3info_release(repo: str) -> tuple[int, dict[str, Any]]:
    sdist = PEP740 / "dists/abi3info-2024.10.8.tar.gz"
    prov = PEP740 / "real/abi3info/abi3info-2024.10.8.tar.gz.provenance"
    index = Index(
        [Dist("abi3info", "2024.10.8", sdist.name, sdist.read_bytes(), prov.read_bytes())]
    )
    index.releases[(repo, "v2024.10.08")] = []  # the release has no provenance asset
    index.github = GitHub()
    out = io.StringIO()
    with serve(index) as url:
        code = main(
            [
                "verify-release",
                repo,
                "v2024.10.08",
                "--github-api",
                url.removesuffix("/simple"),
                "--index-url",
                url,
                "--package",
                "abi3info",
                "--json",
                "--retries",
                "0",
            ],
            out=out,
            errout=io.StringIO(),
        )
    doc: dict[str, Any] = json.loads(out.getvalue())
    return code, doc


def test_the_index_provenance_is_a_source() -> None:
    code, doc = _abi3info_release("woodruffw/abi3info")
    assert code == 0, doc
    [f] = doc["files"]
    assert f["source_repository"] == "https://github.com/woodruffw/abi3info"
    assert f["format"] == "pep740-provenance"
    assert [(s["source"], s["status"]) for s in f["sources"]] == [
        ("release-asset", "absent"),
        ("index-provenance", "verified"),
        ("github-attestations", "absent"),
    ]
    assert f["sources"][1]["location"].endswith("/provenance/abi3info-2024.10.8.tar.gz")


def test_a_verified_source_of_another_repository_is_not_the_release() -> None:
    code, doc = _abi3info_release("woodruffw/not-abi3info")
    assert code == 1
    [f] = doc["files"]
    assert f["error"]["kind"] == "SourceMismatch"
    assert f["sources"][1]["status"] == "verified"


# --- legacy envelope assets: looked up in Rekor automatically (issue 13) ------------


def _legacy_release() -> Index:
    legacy = SLSA / "gha_generic/v2.0.0"
    index = Index(
        [
            Dist(
                "example-package",
                "13.0.30",
                "example_package-13.0.30-py3-none-any.whl",
                (legacy / "binary-linux-amd64-workflow_dispatch").read_bytes(),
            )
        ]
    )
    index.releases[(REPO, TAG)] = [
        (
            "multiple.intoto.jsonl",
            (legacy / "binary-linux-amd64-workflow_dispatch.intoto.jsonl").read_bytes(),
        )
    ]
    return index


def _asset_kind(doc: dict[str, Any]) -> str:
    (f,) = doc["files"]  # type: ignore[index]
    (asset,) = [s for s in f["sources"] if s["source"] == "release-asset"]
    return str(asset["error"]["kind"])


def test_legacy_assets_are_looked_up_in_rekor_automatically() -> None:
    from test_legacy_rekor import _Server

    log = _Server()  # answers 404: the log has no entry for these envelopes
    try:
        code, doc, err = run(_legacy_release(), "--rekor-url", log.url)
    finally:
        log.close()
    assert code == 1, err
    assert _asset_kind(doc) == "TlogEntryMissing"  # type: ignore[arg-type]
    # Both candidate entries (intoto/0.0.1 and dsse/0.0.1) of the line were asked for.
    assert len(log.paths) == 2
    assert all(p.startswith("/api/v1/log/entries/") for p in log.paths)


def test_no_rekor_lookup_leaves_legacy_assets_unverifiable() -> None:
    from test_legacy_rekor import _Server

    log = _Server()
    try:
        code, doc, err = run(_legacy_release(), "--rekor-url", log.url, "--no-rekor-lookup")
    finally:
        log.close()
    assert code == 1, err
    assert _asset_kind(doc) == "OnlineLookupRequired"  # type: ignore[arg-type]
    assert "--no-rekor-lookup turned the look-up off" in json.dumps(doc)
    assert log.paths == []


def test_rekor_url_must_be_https_or_loopback() -> None:
    code, _, err = run(_legacy_release(), "--rekor-url", "http://rekor.example/")
    assert code == 2, err
