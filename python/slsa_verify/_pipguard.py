# SPDX-License-Identifier: Apache-2.0
"""Run pip's resolution so that nothing from the network runs before it is verified.

pip has no option for this. ``--only-binary=:all:`` filters the candidates an
index lists, but pip still downloads and *builds* (runs the build backend of)
a direct reference: a ``name @ https://…/x.tar.gz`` dependency in the
(unsigned, PEP 658) metadata of a wheel, a local sdist or directory, a VCS
URL, an editable. A build backend is arbitrary code.

So the resolution runs pip in-process under two hooks, in the interpreter
that pip resolves for (as ``pip --python`` does: pip's own code, imported from
the directory it is installed in):

- every requirement pip is about to prepare (download, unpack, build) that
  is a direct reference is refused, before anything is fetched, unless the
  caller named the project with ``--allow-direct`` and the reference is a
  wheel (a wheel is never executed; it is verified afterwards like any other
  file); editables, directories and VCS checkouts are always refused;
- the metadata each candidate's dependencies are taken from is recorded
  (pip's ``--report`` shows the downloaded file's metadata instead, so a
  PEP 658 file that lies would go unnoticed);
- building an sdist's metadata is refused unless ``--allow-sdist`` was given
  AND the sdist's sha256 is among the ones already verified. An unverified
  sdist is reported back so that the caller can fetch and verify it, then
  resolve again.

Refusals are written as JSON lines to the file named in the configuration,
then pip is stopped with an ``InstallationError``. If pip's internals are not
where these hooks expect them, nothing runs (fail closed).

With ``then_install`` in the configuration (``pip-verify install``), this
interpreter and its imported pip are kept for the install, so that pip starts
once: pip's own output goes to stderr (a file the caller chose), and stdout
carries only ``resolved``, written once the resolution succeeded. The process
then waits on stdin for the caller's verdict, given after every file
verified: an empty line (or the end of stdin) ends it, and a JSON object
``{"args": [...], "stdout": PATH, "stderr": PATH}`` has the hooks removed and
pip run once more with those arguments (the hash-pinned install of the
verified local files), its output written to those two files.

This module is executed as ``python -c <its source> PIP_DIR CONFIG ARGS…``.
"""

# pip's internals are untyped (Any), and pip is imported only after the
# meta-path finder that picks its copy is in place.
# ruff: noqa: ANN401, PLC0415

from __future__ import annotations

import hashlib
import json
import os
import sys
from typing import Any


def _main() -> int:  # noqa: C901, PLR0915 (one closure per hook)
    pip_dir, config_path, *pip_args = sys.argv[1:]
    # pip's `python` setting (PIP_PYTHON, pip.conf) would start pip again under
    # that interpreter, without these hooks: pip skips that when this is set.
    os.environ["_PIP_RUNNING_IN_SUBPROCESS"] = "1"
    with open(config_path, encoding="utf-8") as f:  # noqa: PTH123 (runs on any Python)
        config = json.load(f)
    refusals = config["refusals"]
    resolved = config["resolved"]
    allow_direct = set(config["allow_direct"])
    allow_sdist = bool(config["allow_sdist"])
    verified = set(config["verified_sdists"])

    def record(doc: dict[str, Any]) -> None:
        with open(refusals, "a", encoding="utf-8") as f:  # noqa: PTH123
            f.write(json.dumps(doc) + "\n")

    from importlib.machinery import PathFinder

    class _OnlyThisPip:
        """Import ``pip`` from ``pip_dir`` only (as pip's own ``--python`` runner)."""

        @classmethod
        def find_spec(cls, fullname: str, path: Any = None, target: Any = None) -> Any:  # noqa: ARG003
            if fullname != "pip":
                return None
            return PathFinder.find_spec(fullname, [pip_dir], target)

    sys.meta_path.insert(0, _OnlyThisPip())
    try:
        from pip._internal.cli.main import main as pip_main
        from pip._internal.distributions.sdist import SourceDistribution
        from pip._internal.exceptions import InstallationError
        from pip._internal.operations.prepare import RequirementPreparer
        from pip._internal.resolution.resolvelib.candidates import (
            _InstallRequirementBackedCandidate as Candidate,
        )
        from pip._vendor.packaging.utils import canonicalize_name
    except ImportError as err:
        record({"kind": "unsupported-pip", "detail": str(err)})
        return 3
    hooks = ("prepare_linked_requirement", "prepare_editable_requirement")
    if (
        not all(hasattr(RequirementPreparer, h) for h in hooks)
        or not hasattr(SourceDistribution, "prepare_distribution_metadata")
        or not hasattr(Candidate, "_prepare")
    ):
        record({"kind": "unsupported-pip", "detail": "pip's preparer has other methods"})
        return 3

    def describe(req: Any) -> str:
        link = getattr(req, "link", None)
        where = getattr(link, "redacted_url", None) or str(link or "")
        parent = getattr(req, "comes_from", None)
        via = f" (a dependency of {parent})" if parent is not None and not req.user_supplied else ""
        return f"{req.name or '?'} from {where}{via}"

    def refuse(kind: str, req: Any, why: str) -> None:
        link = getattr(req, "link", None)
        record(
            {
                "kind": kind,
                "name": req.name,
                "url": getattr(link, "redacted_url", None),
                "dependency": not req.user_supplied,
                "parent": str(req.comes_from) if req.comes_from is not None else None,
                "detail": f"{describe(req)}: {why}",
            }
        )
        raise InstallationError(f"pip-verify refused {describe(req)}: {why}")

    def check(req: Any) -> None:
        if req.editable:
            refuse("editable", req, "editable requirements are never installed")
        if getattr(req, "original_link", None) is None:
            return  # a candidate the index listed: checked by the fetcher
        link = req.link
        if link.is_vcs or link.is_existing_dir():
            refuse("direct", req, "a VCS checkout or a directory cannot carry an attestation")
        name = canonicalize_name(req.name) if req.name else ""
        if name not in allow_direct:
            refuse(
                "direct",
                req,
                "a direct reference (URL or path) bypasses the index and its provenance; "
                "refused before fetching it (--allow-direct NAME allows a wheel)",
            )
        if not link.is_wheel and not allow_sdist:
            refuse("direct", req, "a direct reference to an sdist is built before verification")

    prepare_linked = RequirementPreparer.prepare_linked_requirement
    prepare_editable = RequirementPreparer.prepare_editable_requirement
    prepare_metadata = SourceDistribution.prepare_distribution_metadata

    def guarded_linked(self: Any, req: Any, *args: Any, **kwargs: Any) -> Any:
        check(req)
        return prepare_linked(self, req, *args, **kwargs)

    def guarded_editable(self: Any, req: Any, *args: Any, **kwargs: Any) -> Any:
        check(req)
        return prepare_editable(self, req, *args, **kwargs)

    def guarded_metadata(self: Any, *args: Any, **kwargs: Any) -> Any:
        req = self.req
        check(req)
        path = getattr(req, "local_file_path", None)
        sha256 = None
        if path and os.path.isfile(path):  # noqa: PTH113
            digest = hashlib.sha256()
            with open(path, "rb") as f:  # noqa: PTH123
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            sha256 = digest.hexdigest()
        if not allow_sdist:
            refuse("sdist", req, "building an sdist runs its code before verification")
        if sha256 is None or sha256 not in verified:
            link = req.link
            record(
                {
                    "kind": "needs-verification",
                    "name": req.name,
                    "filename": link.filename,
                    "url": link.url,
                    "sha256": sha256,
                    "requested": bool(req.user_supplied),
                    "detail": f"{describe(req)}: verify this sdist before it is built",
                }
            )
            raise InstallationError(f"pip-verify: {describe(req)} must verify before it is built")
        return prepare_metadata(self, *args, **kwargs)

    prepare_candidate = Candidate._prepare

    def recorded_candidate(self: Any) -> Any:
        """Record the metadata the resolver takes this candidate's dependencies from.

        A PEP 658 file, when the index has one; pip's report later shows the
        downloaded wheel's instead.
        """
        dist = prepare_candidate(self)
        link = getattr(self, "_link", None) or self._ireq.link
        with open(resolved, "a", encoding="utf-8") as f:  # noqa: PTH123
            doc = {"filename": link.filename, "metadata": dist.metadata_dict}
            f.write(json.dumps(doc) + "\n")
        return dist

    Candidate._prepare = recorded_candidate  # type: ignore[method-assign]
    RequirementPreparer.prepare_linked_requirement = guarded_linked  # type: ignore[method-assign]
    RequirementPreparer.prepare_editable_requirement = guarded_editable  # type: ignore[method-assign]
    SourceDistribution.prepare_distribution_metadata = guarded_metadata  # type: ignore[method-assign]
    hooked = (
        (Candidate, "_prepare", prepare_candidate),
        (RequirementPreparer, "prepare_linked_requirement", prepare_linked),
        (RequirementPreparer, "prepare_editable_requirement", prepare_editable),
        (SourceDistribution, "prepare_distribution_metadata", prepare_metadata),
    )
    if not config.get("then_install"):
        return int(pip_main(pip_args))
    sys.stdout.flush()
    # stdin and stdout are the caller's control channel: pip gets its stderr as
    # stdout, and an empty stdin (as a run with stdin=DEVNULL would have)
    control = os.fdopen(os.dup(1), "w", encoding="utf-8")
    orders = os.fdopen(os.dup(0), encoding="utf-8")
    os.dup2(2, 1)
    empty = os.open(os.devnull, os.O_RDONLY)
    os.dup2(empty, 0)
    os.close(empty)
    code = int(pip_main(pip_args))
    if code != 0:
        return code
    control.write("resolved\n")
    control.flush()
    line = orders.readline()
    if not line.strip():
        return code
    order = json.loads(line)
    for owner, name, original in hooked:
        setattr(owner, name, original)
    # The install of the verified files reads no configuration file at all
    # (--isolated alone still reads the global and the environment's files).
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    sys.stdout.flush()
    sys.stderr.flush()
    for fd, path in ((1, order["stdout"]), (2, order["stderr"])):
        new = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(new, fd)
        os.close(new)
    return int(pip_main([str(a) for a in order["args"]]))


if __name__ == "__main__":
    sys.exit(_main())
