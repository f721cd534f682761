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

import pytest
from conftest import ASSETS
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
