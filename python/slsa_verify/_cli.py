# SPDX-License-Identifier: Apache-2.0
"""``pip-verify``: arguments, human and ``--json`` output, exit codes.

Exit codes (docs/cli.md): 0 verified; 1 verification failed; 2 usage error;
3 no attestation available; 4 network or index error; 5 pip failed after
verification succeeded. Errors never print a Python traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeAlias

from slsa_verify import _api, _core, _github, _legacy, _trust_cli, errors

if TYPE_CHECKING:
    from slsa_verify import _install

SCHEMA_VERSION = 1
_KEY_LIMIT = 64 * 1024

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_EPILOG = f"""\
exit codes: 0 verified, 1 verification failed, 2 usage error,
            3 no attestation available, 4 network or index error,
            5 pip failed after every file verified

docs: {errors.DOCS_URL}
      (docs/ in the source: what each step checks, the errors, this interface)"""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting.

    Usage errors then get exit 2 and the same output style as every other error.
    """

    def error(self, message: str) -> NoReturn:
        raise errors.UsageError(f"{self.prog}: {message}")


def _add_root_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--trusted-root",
        metavar="FILE",
        help="a Sigstore trusted_root.json to use instead of the embedded public-good root",
    )
    group.add_argument(
        "--staging",
        action="store_true",
        help="use the embedded Sigstore public-good STAGING root (for testing)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")
    _trust_cli.add_root_flags(p)


def _add_policy_flags(v: argparse.ArgumentParser) -> None:
    g = v.add_argument_group("GitHub Trusted Publisher (PEP 740)")
    g.add_argument("--repository", metavar="OWNER/REPO")
    g.add_argument("--workflow", metavar="FILE", help="workflow file name, e.g. release.yml")
    g.add_argument("--environment", metavar="ENV", help="deployment environment (GitHub, GitLab)")
    g.add_argument(
        "--repository-id",
        metavar="ID",
        help="the repository's numeric id, from the certificate (GitHub, GitLab)",
    )
    g.add_argument(
        "--owner-id",
        metavar="ID",
        help="the repository owner's numeric id, from the certificate (GitHub, GitLab)",
    )
    g = v.add_argument_group("GitLab Trusted Publisher (PEP 740)")
    g.add_argument("--gitlab-project", metavar="NS/PROJECT")
    g.add_argument("--workflow-filepath", metavar="PATH", help="e.g. .gitlab-ci.yml")
    g = v.add_argument_group("Google Cloud Build / CircleCI publishers (PEP 740)")
    g.add_argument("--google-email", metavar="EMAIL", help="service-account e-mail")
    g.add_argument("--circleci-project", metavar="ID")
    g.add_argument("--circleci-pipeline", metavar="ID", help="pipeline definition id")
    g.add_argument("--circleci-vcs-origin", metavar="URL", help="optional: the VCS origin")
    g.add_argument("--circleci-vcs-ref", metavar="REF", help="optional: the VCS ref")
    g = v.add_argument_group("raw Sigstore identity")
    g.add_argument("--cert-identity", metavar="ID", help="certificate SAN, exact")
    g.add_argument("--cert-identity-regexp", metavar="RE", help="SAN regex matched in full")
    g.add_argument("--cert-oidc-issuer", metavar="URL")
    g = v.add_argument_group("SLSA provenance (slsa-verifier compatible)")
    g.add_argument("--source-uri", metavar="github.com/OWNER/REPO")
    g.add_argument("--source-tag", metavar="TAG")
    g.add_argument("--source-branch", metavar="BRANCH")
    g.add_argument("--source-versioned-tag", metavar="vX[.Y[.Z]]")
    g.add_argument("--builder-id", metavar="ID")


def build_parser() -> argparse.ArgumentParser:
    """The whole ``pip-verify`` command line."""
    parser = _Parser(
        prog="pip-verify",
        description=(
            "Prove that a Python package was built by the CI workflow you expect "
            "(PEP 740, SLSA provenance, Sigstore bundles), offline and fail-closed."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_core.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    vb = sub.add_parser(
        "verify-bundle",
        help="verify a Sigstore bundle (sigstore-conformance client protocol)",
        description=(
            "Verify a Sigstore bundle over a file or a sha256:<hex> digest, against a "
            "certificate identity and issuer, or a managed public key."
        ),
        epilog=(
            "example:\n  pip-verify verify-bundle --bundle Python-3.13.0.tgz.sigstore \\\n"
            "      --certificate-identity thomas@python.org \\\n"
            "      --certificate-oidc-issuer https://accounts.google.com Python-3.13.0.tgz\n\n"
            + _EPILOG
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    vb.add_argument("--bundle", required=True, metavar="FILE", help="the Sigstore bundle (JSON)")
    vb.add_argument("--certificate-identity", metavar="ID", help="expected certificate SAN, exact")
    vb.add_argument(
        "--certificate-identity-regexp",
        metavar="RE",
        help="expected certificate SAN as a regex matched against the whole SAN",
    )
    vb.add_argument("--certificate-oidc-issuer", metavar="URL", help="expected OIDC issuer, exact")
    vb.add_argument("--key", metavar="KEY.pub", help="PEM public key, for managed-key bundles")
    _add_root_flags(vb)
    vb.add_argument(
        "target", metavar="FILE_OR_DIGEST", help="the artifact path, or sha256:<64 hex>"
    )
    v = sub.add_parser(
        "verify",
        help="verify wheels, sdists or release files against their attestations",
        description=(
            "Verify each ARTIFACT against its attestation: PEP 740 provenance or attestation, "
            "a Sigstore bundle, slsa-github-generator .intoto.jsonl or GitHub attestations "
            "(detected from the content). Without --attestation the sidecar next to each "
            "artifact is used (<artifact>.provenance, .publish.attestation, .sigstore.json, "
            ".sigstore, multiple.intoto.jsonl). Give exactly one policy family."
        ),
        epilog=(
            "examples:\n"
            "  pip-verify verify abi3info-2024.10.8-py3-none-any.whl \\\n"
            "      --repository woodruffw/abi3info --workflow release.yml\n"
            "  pip-verify verify mytool-linux-amd64 --provenance-path multiple.intoto.jsonl \\\n"
            "      --source-uri github.com/OWNER/REPO --source-tag v1.2.3\n\n" + _EPILOG
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument("artifacts", nargs="+", metavar="ARTIFACT", help="files to verify")
    att = v.add_mutually_exclusive_group()
    att.add_argument("--attestation", metavar="FILE", help="the attestation for every ARTIFACT")
    att.add_argument(
        "--provenance-path", metavar="FILE", help="slsa-verifier's name for --attestation"
    )
    _add_policy_flags(v)
    v.add_argument(
        "--sha256",
        metavar="HEX",
        help="verify by this digest instead of reading ARTIFACT (which then only names "
        "the file), e.g. the hash an index published; one ARTIFACT only",
    )
    v.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="verify ARTIFACTs on N threads (default: every core)",
    )
    v.add_argument(
        "--print-provenance",
        action="store_true",
        help="also print the verified statement predicate",
    )
    _legacy.add_flags(v)
    _github.add_flags(v)
    _add_root_flags(v)
    _add_install_parsers(sub)
    _add_release_parser(sub)
    _trust_cli.add_parser(sub)
    from slsa_verify import _layer  # noqa: PLC0415 (issue 17; imports this module)

    _layer.add_parsers(sub)
    from slsa_verify import _serve  # noqa: PLC0415 (issue 15)

    serve = _serve.add_parser(sub)
    _trust_cli.add_refresh_flags(serve)
    _add_policy_flags(serve)
    _add_root_flags(serve)
    from slsa_verify import _lock  # noqa: PLC0415 (issue 14; imports this module)

    _lock.add_parser(sub)
    return parser


def _add_network_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-url", metavar="URL", help="as pip's --index-url")
    p.add_argument("--extra-index-url", action="append", default=[], metavar="URL", help="as pip's")
    p.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="SEC",
        help="connect and per-read timeout (default 15)",
    )
    p.add_argument(
        "--retries", type=int, default=3, metavar="N", help="retries per GET (default 3)"
    )
    p.add_argument("--cert", metavar="PEM", help="CA bundle to trust, as pip's --cert")
    p.add_argument("--proxy", metavar="URL", help="as pip's --proxy")
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress and no per-file lines on a terminal; errors still print",
    )
    _trust_cli.add_refresh_flags(p)


def _add_release_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    p = sub.add_parser(
        "verify-release",
        help="verify a GitHub release's files against its *.intoto.jsonl provenance",
        description=(
            "Fetch every *.intoto.jsonl asset of the GitHub release OWNER/REPO TAG "
            "(slsa-github-generator provenance), and the files of that version from the "
            "package index; verify each file, built from github.com/OWNER/REPO at TAG. "
            "The one-command replacement for downloading slsa-verifier, the provenance and "
            "each file by hand."
        ),
        epilog=(
            "example:\n  pip-verify verify-release aws-powertools/powertools-lambda-python "
            "v3.4.0 \\\n      --package aws-lambda-powertools\n\n" + _EPILOG
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("repository", metavar="OWNER/REPO")
    p.add_argument("tag", metavar="TAG", help="the release tag, e.g. v1.2.3")
    p.add_argument("--package", metavar="NAME", help="the project on the index (default: REPO)")
    p.add_argument(
        "--github-api",
        metavar="URL",
        default=os.environ.get("GITHUB_API_URL", "https://api.github.com"),
        help="GitHub API base URL (default: $GITHUB_API_URL or https://api.github.com)",
    )
    p.add_argument(
        "--python",
        metavar="PYTHON",
        default=sys.executable,
        help="whose pip configuration names the index (default: this one)",
    )
    p.add_argument(
        "--rekor-url",
        metavar="URL",
        default=_legacy.DEFAULT_REKOR_URL,
        help="the Rekor log asked for the entries of legacy envelope lines (slsa-github-generator "
        f"v1.x, v2.0.x), automatically (default {_legacy.DEFAULT_REKOR_URL})",
    )
    p.add_argument(
        "--no-rekor-lookup",
        action="store_true",
        help="do not look legacy envelope lines up in Rekor (they then fail with "
        "OnlineLookupRequired)",
    )
    _add_network_flags(p)
    _add_root_flags(p)


_INSTALL_EPILOG = """\
POLICY flags apply to every requirement you name; dependencies are checked
against the publisher their index asserts, and the table says which was used.
The index must serve PEP 740 provenance, as PyPI does.

examples:
  pip-verify install sampleproject==4.0.0 --repository pypa/sampleproject \\
      --workflow release.yml
  pip-verify download abi3info==2024.10.8 -d wheelhouse/ && \\
      pip-verify verify wheelhouse/*.whl --repository woodruffw/abi3info --workflow release.yml
  python -m slsa_verify download-and-install -r requirements.txt -- --user

"""


def _add_install_parsers(sub: argparse._SubParsersAction[_Parser]) -> None:
    from slsa_verify import _layer  # noqa: PLC0415 (issue 17; imports this module)

    for name, aliases, text in (
        ("install", ["download-and-install"], "resolve with pip, verify every file, then install"),
        ("download", [], "resolve with pip, verify every file, keep them (with -d)"),
    ):
        p = sub.add_parser(
            name,
            aliases=aliases,
            help=text,
            description=(
                f"{text[0].upper()}{text[1:]}. pip resolves (your index settings, pip.conf and "
                "PIP_* variables apply); each chosen file and its PEP 740 provenance are "
                "fetched from the same index, the file's sha256 must equal the index's, and it "
                "must verify under the policy. Nothing is installed unless every file verified."
            ),
            epilog=_INSTALL_EPILOG + _EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("requirements", nargs="*", metavar="REQ", help="requirements, as for pip")
        p.add_argument(
            "-r",
            "--requirement",
            action="append",
            default=[],
            metavar="FILE",
            help="a requirements file, or a PEP 751 lock (pylock.toml, pylock.NAME.toml): "
            "then exactly its files are installed, each verified against the identities it pins",
        )
        p.add_argument(
            "--require-identities",
            action="store_true",
            help="with -r pylock.toml: refuse a lock that pins no attestation identity for a "
            "package (instead of checking it against the publisher its index asserts)",
        )
        if name == "download":
            p.add_argument(
                "-d",
                "--dest",
                metavar="DIR",
                help="write the verified files and <file>.provenance here",
            )
            _layer.add_target_flags(p)
        _github.add_flags(p, install=True)
        p.add_argument(
            "--allow-unattested",
            action="append",
            default=[],
            metavar="NAME",
            help="let NAME (or :all:) install without provenance; repeatable",
        )
        p.add_argument(
            "--python",
            metavar="PYTHON",
            default=sys.executable,
            help="the interpreter whose environment pip resolves for and installs into "
            "(default: this one)",
        )
        p.add_argument(
            "--allow-direct",
            action="append",
            default=[],
            metavar="NAME",
            help="let NAME come from a direct URL (`NAME @ https://…/file.whl`, on the "
            "command line, in -r files or as a dependency); only a wheel, and it must still "
            "verify. Paths, VCS URLs, directories and editables are always refused; repeatable",
        )
        p.add_argument(
            "--allow-sdist",
            action="store_true",
            help="let pip resolve to sdists too (by default only wheels are considered). "
            "An sdist's build code runs only after its bytes verified, without build "
            "isolation: its build backend must already be installed in the target "
            "environment (install it with pip-verify first), as nothing unverified is "
            "fetched to build it",
        )
        _add_network_flags(p)
        _add_policy_flags(p)
        _add_root_flags(p)


def policy_from_args(args: argparse.Namespace) -> _api.Policy:
    """The one policy family the flags name (usage error otherwise)."""
    policy = _optional_policy(args)
    if policy is None:
        raise errors.UsageError(
            "give exactly one policy: --repository/--workflow, --gitlab-project/"
            "--workflow-filepath, --google-email, --circleci-project/--circleci-pipeline, "
            "--cert-identity/--cert-oidc-issuer or --source-uri (there is no 'any signer' default)"
        )
    return policy


def _optional_policy(args: argparse.Namespace) -> _api.Policy | None:  # noqa: C901 (one branch per family)
    """The policy family the flags name, None for none, usage error for several."""
    families: list[_api.Policy] = []
    if args.repository or args.workflow:
        if not (args.repository and args.workflow):
            raise errors.UsageError("--repository and --workflow go together")
        families.append(
            _api.GitHubPublisher(
                args.repository,
                args.workflow,
                args.environment,
                args.repository_id,
                args.owner_id,
            )
        )
    if args.gitlab_project or args.workflow_filepath:
        if not (args.gitlab_project and args.workflow_filepath):
            raise errors.UsageError("--gitlab-project and --workflow-filepath go together")
        families.append(
            _api.GitLabPublisher(
                args.gitlab_project,
                args.workflow_filepath,
                args.environment,
                args.repository_id,
                args.owner_id,
            )
        )
    if args.google_email:
        families.append(_api.GooglePublisher(args.google_email))
    if args.circleci_project or args.circleci_pipeline:
        if not (args.circleci_project and args.circleci_pipeline):
            raise errors.UsageError("--circleci-project and --circleci-pipeline go together")
        families.append(
            _api.CircleCIPublisher(
                args.circleci_project,
                args.circleci_pipeline,
                args.circleci_vcs_origin,
                args.circleci_vcs_ref,
            )
        )
    identity = args.cert_identity or args.cert_identity_regexp
    if identity or args.cert_oidc_issuer:
        if not (identity and args.cert_oidc_issuer):
            raise errors.UsageError(
                "--cert-identity (or -regexp) and --cert-oidc-issuer go together"
            )
        families.append(
            _api.Identity(identity, args.cert_oidc_issuer, regex=bool(args.cert_identity_regexp))
        )
    if args.source_uri:
        families.append(
            _api.SlsaSource(
                args.source_uri,
                source_tag=args.source_tag,
                source_branch=args.source_branch,
                source_versioned_tag=args.source_versioned_tag,
                builder_id=args.builder_id,
            )
        )
    if len(families) > 1:
        raise errors.UsageError("give one policy family, not several")
    return families[0] if families else None


Result: TypeAlias = "_api.Verification | errors.Error"


def _cmd_verify(args: argparse.Namespace) -> list[tuple[str, Result]]:
    policy = policy_from_args(args)
    attestation = args.attestation or args.provenance_path
    root = _trusted_root(args)
    rekor_lookup, rekor_url = _legacy.rekor_args(args)
    github_repository, github_api = _github.github_args(args)
    if github_repository is not None:
        if attestation is not None or rekor_lookup:
            raise errors.UsageError(
                "--github-attestations looks attestations up by digest: "
                "give no --attestation and no --rekor-lookup with it"
            )
        return _verify_one_by_one(args, policy, root, github_repository, github_api)
    if args.sha256 is not None:
        if len(args.artifacts) != 1:
            raise errors.UsageError("--sha256 names the digest of exactly one ARTIFACT")
        v = _api.verify_wheel(
            args.artifacts[0],
            attestation,
            policy=policy,
            trusted_root=root,
            sha256=args.sha256,
            rekor_lookup=rekor_lookup,
            rekor_url=rekor_url,
        )
        return [(args.artifacts[0], v)]
    if rekor_lookup:
        out: list[tuple[str, Result]] = []
        for a in args.artifacts:
            r: Result
            try:
                r = _api.verify_wheel(
                    a,
                    attestation,
                    policy=policy,
                    trusted_root=root,
                    rekor_lookup=True,
                    rekor_url=rekor_url,
                )
            except errors.Error as e:
                r = e
            out.append((a, r))
        return out
    results = _api.verify_many(
        [(a, attestation, policy) for a in args.artifacts], jobs=args.jobs, trusted_root=root
    )
    return list(zip(args.artifacts, results, strict=True))


def _verify_one_by_one(
    args: argparse.Namespace,
    policy: _api.Policy,
    root: _api.TrustedRoot | None,
    github_repository: str,
    github_api: str | None,
) -> list[tuple[str, Result]]:
    """Each ARTIFACT on its own, looked up on GitHub (``verify_many`` does not)."""
    if args.sha256 is not None and len(args.artifacts) != 1:
        raise errors.UsageError("--sha256 names the digest of exactly one ARTIFACT")
    out: list[tuple[str, Result]] = []
    for a in args.artifacts:
        r: Result
        try:
            r = _api.verify_wheel(
                a,
                policy=policy,
                trusted_root=root,
                sha256=args.sha256,
                github_repository=github_repository,
                github_api=github_api,
            )
        except errors.Error as e:
            if args.sha256 is not None:
                raise
            r = e
        out.append((a, r))
    return out


def _trusted_root(args: argparse.Namespace) -> _api.TrustedRoot | None:
    if args.staging:
        return _api.TrustedRoot.staging()
    return _trust_cli.root_for(args)


def _cmd_verify_bundle(args: argparse.Namespace) -> list[tuple[str, Result]]:
    identity = args.certificate_identity or args.certificate_identity_regexp
    if args.key:
        if identity or args.certificate_oidc_issuer:
            raise errors.UsageError("--key cannot be combined with certificate identity flags")
        with Path(args.key).open("rb") as f:
            key = f.read(_KEY_LIMIT + 1)
        if len(key) > _KEY_LIMIT:
            raise errors.UsageError(f"{args.key}: a PEM public key is under 64 KiB")
        v = _api.verify_bundle(args.target, args.bundle, key=key, trusted_root=_trusted_root(args))
        return [(args.target, v)]
    if args.certificate_identity and args.certificate_identity_regexp:
        raise errors.UsageError(
            "give one of --certificate-identity and --certificate-identity-regexp"
        )
    if not identity or not args.certificate_oidc_issuer:
        raise errors.UsageError(
            "give --certificate-identity (or --certificate-identity-regexp) and "
            "--certificate-oidc-issuer, or --key: there is no 'any signer' default"
        )
    policy = _api.Identity(
        identity,
        args.certificate_oidc_issuer,
        regex=args.certificate_identity_regexp is not None,
    )
    v = _api.verify_bundle(
        args.target, args.bundle, policy=policy, trusted_root=_trusted_root(args)
    )
    return [(args.target, v)]


def _short(v: _api.Verification) -> str:
    who = v.identity
    if v.source_repository:
        where = v.source_repository.removeprefix("https://")
        who += f"  {where}@{v.source_ref or '?'}"
    when = v.signed_at.strftime("%Y-%m-%d %H:%M:%SZ")
    name = v.artifact_name
    if not name.startswith("sha256:"):
        name += f"  sha256:{v.sha256[:12]}…"
    return f"OK  {name}  {who}  signed {when}"


_HINTS: dict[str, str] = {
    "IdentityMismatch": "check --certificate-identity: it must equal the signer's SAN exactly",
    "IssuerMismatch": "check --certificate-oidc-issuer",
    "PublisherMismatch": "the artifact was not published by the repository/workflow you named",
    "DigestMismatch": "the file is not the one that was signed: re-download it",
    "SignatureInvalid": "the file or the signature was altered",
    "TlogUnknownLog": "the log may be newer than your trusted root: run `pip-verify trust "
    "update`; or the bundle comes from another Sigstore instance: try --staging or "
    "--trusted-root",
    "CertificateChainInvalid": "the signing certificate does not chain to the trusted root; "
    "if Sigstore rotated its CA, run `pip-verify trust update`",
    "NoAttestations": "the publisher did not attest this file here; pass --attestation FILE "
    "if you have its attestation",
    "OnlineLookupRequired": "this attestation format needs a transparency-log lookup that "
    "offline verification cannot do: add --rekor-lookup to fetch the entry from Rekor",
    "TlogEntryMissing": "the Rekor log holds no entry for this envelope: it was never logged, "
    "or --rekor-url names another log",
    "UnsupportedMediaType": "this is not a Sigstore bundle this tool understands",
}


def _error_doc(err: errors.Error) -> dict[str, Any]:
    return {
        "kind": type(err).__name__,
        "code": err.code,
        "step": err.step,
        "detail": err.detail,
        "attestation_index": err.attestation_index,
    }


def _print_error(err: errors.Error, errout: TextIO, label: str | None = None) -> None:
    from slsa_verify._fmt import escape  # noqa: PLC0415 (lazy, as _dispatch)

    kind = type(err).__name__
    where = f"{escape(label)}: " if label else ""
    errout.write(f"FAILED  {where}{kind}: {escape(err.detail)}\n")
    if err.step:
        errout.write(f"        step {err.step}: {err.docs_url}\n")
    hint = _HINTS.get(kind)
    if hint:
        errout.write(f"hint:   {hint}\n")


def _report_error(err: errors.Error, *, as_json: bool, out: TextIO, errout: TextIO) -> int:
    if as_json:
        doc = {"schema_version": SCHEMA_VERSION, "ok": False, "error": _error_doc(err)}
        out.write(json.dumps(doc, indent=2) + "\n")
    else:
        _print_error(err, errout)
    return err.exit_code


def _write_ok(v: _api.Verification, args: argparse.Namespace, out: TextIO) -> None:
    out.write(_short(v) + "\n")
    if v.publisher is not None:
        from slsa_verify._fmt import escape, publisher_sentence  # noqa: PLC0415 (lazy)

        kind = escape(v.publisher.get("kind", "unknown"))
        who = publisher_sentence(v.publisher) or f"a publisher of kind {kind}"
        out.write(f"    published by {who}, as the index asserts\n")
    out.writelines(f"    warning: {w}\n" for w in v.warnings)
    if getattr(args, "print_provenance", False) and v.predicate is not None:
        out.write(json.dumps(v.predicate, indent=2) + "\n")


def _report(
    results: list[tuple[str, Result]], *, args: argparse.Namespace, out: TextIO, errout: TextIO
) -> int:
    failed = [r for _, r in results if isinstance(r, errors.Error)]
    if args.json:
        docs: list[dict[str, Any]] = []
        for label, r in results:
            if isinstance(r, errors.Error):
                docs.append({"ok": False, "artifact": label, "error": _error_doc(r)})
            else:
                docs.append({"ok": True, **r.to_dict()})
        doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "ok": not failed, "results": docs}
        if failed:
            doc["error"] = _error_doc(failed[0])
        _trust_cli.add_to_json(args, doc)
        out.write(json.dumps(doc, indent=2) + "\n")
    else:
        many = len(results) > 1
        for label, r in results:
            if isinstance(r, errors.Error):
                _print_error(r, errout, label if many else None)
                continue
            _write_ok(r, args, out)
        if many:
            errout.write(f"{len(results) - len(failed)} of {len(results)} verified\n")
        _trust_cli.write_trust(args, errout)
    codes = {e.exit_code for e in failed}
    if not codes:
        return EXIT_OK
    return codes.pop() if len(codes) == 1 else EXIT_FAILED


def _target_from_args(args: argparse.Namespace) -> dict[str, Any] | None:
    """--platform/--python-version/--implementation/--abi (issue 17)."""
    from slsa_verify import _layer  # noqa: PLC0415 (it imports this module)

    return _layer.target_from_args(args)


def _install_options(args: argparse.Namespace, pip_args: list[str]) -> _install.Options:
    from slsa_verify import _install  # noqa: PLC0415 (lazy: keeps `pip-verify verify` start-up lean)

    if args.command != "verify-release" and not args.requirements and not args.requirement:
        raise errors.UsageError("name at least one requirement (REQ or -r FILE)")
    if not 0 <= args.retries <= 10:
        raise errors.UsageError("--retries must be between 0 and 10")
    release = args.command == "verify-release"  # its own --github-api
    github_repository, github_api = (None, None) if release else _github.github_args(args)
    policy = None if release else _optional_policy(args)
    if github_repository is not None and policy is None:
        raise errors.UsageError(
            "--github-attestations needs a POLICY: the attestations GitHub returns are "
            "verified against it"
        )
    return _install.Options(
        requirements=getattr(args, "requirements", []),
        requirement_files=getattr(args, "requirement", []),
        index_url=args.index_url,
        extra_index_urls=args.extra_index_url,
        policy=policy,
        allow_unattested=getattr(args, "allow_unattested", []),
        python=args.python,
        timeout=args.timeout,
        retries=args.retries,
        cert=args.cert,
        proxy=args.proxy,
        trusted_root=_trusted_root(args),
        pip_args=pip_args,
        dest=getattr(args, "dest", None),
        allow_sdist=getattr(args, "allow_sdist", False),
        allow_direct=getattr(args, "allow_direct", []),
        target=_target_from_args(args),
        quiet=args.quiet,
        github_repository=github_repository,
        github_api=github_api,
    )


def _from_lock_file(
    args: argparse.Namespace, opts: _install.Options, errout: TextIO
) -> _install.Options:
    """``-r pylock.toml`` (issue 14): install exactly what the lock names."""
    from slsa_verify import _lock  # noqa: PLC0415 (it imports this module)

    if not any(_lock.is_lock_file(f) for f in opts.requirement_files):
        return opts
    return _lock.from_lock(
        opts,
        opts.requirement_files[-1],
        require_identities=getattr(args, "require_identities", False),
        errout=errout,
        targets_ok=args.command in ("download", "layer"),
    )


def _dispatch(  # noqa: PLR0911 (one return per command)
    args: argparse.Namespace, pip_args: list[str], *, as_json: bool, out: TextIO, errout: TextIO
) -> int:
    from slsa_verify import _install  # noqa: PLC0415 (lazy: keeps `pip-verify verify` start-up lean)

    if args.command in ("layer", "verify-layer"):  # issue 17
        from slsa_verify import _layer  # noqa: PLC0415

        return _layer.dispatch(args, pip_args, as_json=as_json, out=out, errout=errout)
    if args.command in ("install", "download-and-install", "download"):
        if pip_args and args.command == "download":
            raise errors.UsageError("`-- PIP-ARGS` only goes with install")
        # A `-r pylock.toml` is taken out of the requirement files first.
        opts = _from_lock_file(args, _install_options(args, pip_args), errout)
        # Usage errors (pip arguments, requirement files) come before any network use.
        opts.pip_config = _install.precheck(opts)
        if _trust_cli.maybe_refresh(args, errout):
            opts.trusted_root = _trusted_root(args)
        install = args.command != "download"
        return _install.run(opts, install=install, as_json=as_json, out=out, errout=errout)
    if pip_args:
        raise errors.UsageError("`-- PIP-ARGS` only goes with install")
    if args.command == "serve":  # issue 15
        from slsa_verify import _serve  # noqa: PLC0415

        _trust_cli.maybe_refresh(args, errout)
        policy = _optional_policy(args)
        return _serve.run(args, policy, _trusted_root(args), out=out, errout=errout)
    if args.command == "lock":  # issue 14
        from slsa_verify import _lock  # noqa: PLC0415

        return _lock.dispatch(args, as_json=as_json, out=out, errout=errout)
    if args.command == "verify-release":
        _trust_cli.maybe_refresh(args, errout)
        release = _install.ReleaseOptions(
            repository=args.repository,
            tag=args.tag,
            package=args.package,
            api=args.github_api,
            network=_install_options(args, []),
            rekor_url=None if args.no_rekor_lookup else args.rekor_url,
        )
        return _install.run_release(release, as_json=as_json, out=out, errout=errout)
    if args.command == "trust":
        return _trust_cli.run(args, out=out, errout=errout)
    results = _COMMANDS[args.command](args)
    return _report(results, args=args, out=out, errout=errout)


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, errout: TextIO | None = None
) -> int:
    """Run ``pip-verify`` and return its exit code."""
    out = out or sys.stdout
    errout = errout or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    pip_args: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, pip_args = argv[:at], argv[at + 1 :]
    as_json = "--json" in argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(out)
            return EXIT_USAGE
        return _dispatch(args, pip_args, as_json=as_json, out=out, errout=errout)
    except errors.Error as err:
        return _report_error(err, as_json=as_json, out=out, errout=errout)
    except OSError as err:
        usage = errors.UsageError(f"{err.filename or ''}: {err.strerror or err}")
        return _report_error(usage, as_json=as_json, out=out, errout=errout)
    except KeyboardInterrupt:
        errout.write("interrupted\n")
        return 130


_COMMANDS = {
    "verify-bundle": _cmd_verify_bundle,
    "verify": _cmd_verify,
}


class _Terminated(BaseException):
    """SIGTERM, raised where Python is running so that clean-up runs as for Ctrl-C."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise _Terminated


def run() -> NoReturn:
    """Console-script entry point.

    A stream that cannot encode a character (``PYTHONIOENCODING=ascii``, a C
    locale) prints it as a backslash escape instead of failing. SIGTERM
    unwinds like Ctrl-C: temporary files are removed, a running pip is
    killed, and the exit code is 143.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = main()
    except _Terminated:
        sys.stderr.write("terminated\n")
        code = 143
    sys.stdout.flush()
    sys.exit(code)
