# SPDX-License-Identifier: Apache-2.0
"""``pip-verify``: arguments, human and ``--json`` output, exit codes.

Exit codes (product.md): 0 verified; 1 verification failed; 2 usage error;
3 no attestation available; 4 network or index error; 5 pip failed after
verification succeeded. Errors never print a Python traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from slsa_verify import _api, errors

SCHEMA_VERSION = 1

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_EPILOG = """\
exit codes: 0 verified, 1 verification failed, 2 usage error,
            3 no attestation available, 4 network or index error,
            5 pip failed after every file verified

docs: verification-spec.md (what is checked) and product.md (this interface)"""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors get exit 2
    and the same output style as every other error."""

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
    parser.add_argument("--version", action="version", version=f"%(prog)s {_api._core.__version__}")
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
    vb.add_argument("target", metavar="FILE_OR_DIGEST", help="the artifact path, or sha256:<64 hex>")
    return parser


def _trusted_root(args: argparse.Namespace) -> _api.TrustedRoot | None:
    if args.staging:
        return _api.TrustedRoot.staging()
    if args.trusted_root:
        return _api.TrustedRoot.from_file(args.trusted_root)
    return None


def _cmd_verify_bundle(args: argparse.Namespace) -> list[_api.Verification]:
    identity = args.certificate_identity or args.certificate_identity_regexp
    if args.key:
        if identity or args.certificate_oidc_issuer:
            raise errors.UsageError("--key cannot be combined with certificate identity flags")
        with open(args.key, "rb") as f:
            key = f.read(64 * 1024)
        return [
            _api.verify_bundle(args.target, args.bundle, key=key, trusted_root=_trusted_root(args))
        ]
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
    return [
        _api.verify_bundle(args.target, args.bundle, policy=policy, trusted_root=_trusted_root(args))
    ]


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
    "TlogUnknownLog": "the bundle comes from another Sigstore instance: try --staging "
    "or --trusted-root",
    "CertificateChainInvalid": "the signing certificate does not chain to the trusted root",
    "NoAttestations": "the publisher did not attest this file; --allow-unattested accepts that",
    "OnlineLookupRequired": "this attestation format needs a transparency-log lookup that "
    "offline verification cannot do",
    "UnsupportedMediaType": "this is not a Sigstore bundle this tool understands",
}


def _report_error(err: errors.Error, *, as_json: bool, out: TextIO, errout: TextIO) -> int:
    kind = type(err).__name__
    if as_json:
        doc = {
            "schema_version": SCHEMA_VERSION,
            "ok": False,
            "error": {
                "kind": kind,
                "code": err.code,
                "step": err.step,
                "detail": err.detail,
                "attestation_index": err.attestation_index,
            },
        }
        out.write(json.dumps(doc, indent=2) + "\n")
    else:
        errout.write(f"FAILED  {kind}: {err.detail}\n")
        if err.step:
            errout.write(f"        spec section {err.step}\n")
        hint = _HINTS.get(kind)
        if hint:
            errout.write(f"hint:   {hint}\n")
    return err.exit_code


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, errout: TextIO | None = None
) -> int:
    """Run ``pip-verify`` and return its exit code."""
    out = out or sys.stdout
    errout = errout or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(out)
            return EXIT_USAGE
        results = _COMMANDS[args.command](args)
    except errors.Error as err:
        return _report_error(err, as_json=as_json, out=out, errout=errout)
    except OSError as err:
        usage = errors.UsageError(f"{err.filename or ''}: {err.strerror or err}")
        return _report_error(usage, as_json=as_json, out=out, errout=errout)
    except KeyboardInterrupt:
        errout.write("interrupted\n")
        return 130
    if as_json:
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "ok": True,
            "results": [v.to_dict() for v in results],
        }
        out.write(json.dumps(doc, indent=2) + "\n")
    else:
        for v in results:
            out.write(_short(v) + "\n")
            for w in v.warnings:
                out.write(f"    warning: {w}\n")
    return EXIT_OK


_COMMANDS = {
    "verify-bundle": _cmd_verify_bundle,
}


def run() -> NoReturn:
    """Console-script entry point."""
    code = main()
    sys.stdout.flush()
    sys.exit(code)
