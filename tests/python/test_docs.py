# SPDX-License-Identifier: Apache-2.0
"""The documentation covers what the code can say, and the tool points only at what users have.

- every error class has its entry in docs/errors.md, with its code and exit status;
- every step id the Rust core can put in ``.step`` has its entry in docs/checks.md;
- docs/cli.md is what docs/gen_cli.py renders from the argument parser;
- no message, docstring or ``--help`` text names a team-internal document.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest
from slsa_verify import _cli, errors

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"

# A step id as the core writes it: "7", "6.5", "0.4.4", "7.5.10".
STEP = r'"(\d+(?:\.\d+)*)"'
# Where step ids appear in src/**/*.rs: right after the kind in `Error::new(kind, "x.y", …)`,
# `Error::mismatch(kind, "x.y", …)`, `(K::Kind, "x.y")` tables and helpers that take
# (kind, step) such as `Obj::new(v, kind, "x.y", …)` and `decode_b64(s, kind, "x.y")`; and in
# `const STEP: &str = "x.y"`, and a `step: "x.y"` field (the zip reader's rules). A literal step
# passed any other way would need a pattern here.
STEP_SITES = [
    re.compile(r"\b(?:ErrorKind|K)::\w+\s*,\s*" + STEP),
    re.compile(r"\b(?:kind|bad|self\.kind|\w+_kind)\s*,\s*" + STEP),
    re.compile(r"\bconst\s+\w*STEP\w*\s*:\s*&(?:'static\s+)?str\s*=\s*" + STEP),
    re.compile(r"\bstep:\s*" + STEP),
]


def _rust_sources() -> list[Path]:
    return sorted((ROOT / "src").rglob("*.rs"))


def core_step_ids() -> set[str]:
    """Every step id literal the Rust core can raise an error with."""
    found = set()
    for path in _rust_sources():
        text = path.read_text(encoding="utf-8")
        for site in STEP_SITES:
            found.update(m.group(1) for m in site.finditer(text))
    return found


def _anchor(step: str) -> str:
    return "step-" + step.replace(".", "-")


def _section(page: str, anchor: str) -> str:
    """The text from `<a id="anchor">` up to the next anchor."""
    start = page.index(f'<a id="{anchor}"></a>')
    end = page.find('<a id="', start + 1)
    return page[start : end if end != -1 else len(page)]


def test_the_step_scanner_finds_the_steps_it_must() -> None:
    steps = core_step_ids()
    # One from each kind of site: a plain Error::new, a mismatch, the adapter's table, a
    # helper taking (kind, step), the bundle module's STEP constant, the policy step "7".
    assert {"1.3.6", "7.7.2", "4.5", "6.4.3", "1.2", "7", "0.4.4", "6.5"} <= steps
    assert len(steps) >= 80
    # Only step-shaped ids: no versions, OIDs or log indexes.
    assert all(re.fullmatch(r"\d+(\.\d+){0,3}", s) for s in steps)
    assert "1.3.6.1.4.1.57264.1.7" not in steps
    assert "2024.10.8" not in steps


def test_every_step_the_core_can_raise_is_explained_in_checks_md() -> None:
    page = (DOCS / "checks.md").read_text(encoding="utf-8")
    missing = []
    for step in sorted(core_step_ids()):
        anchor = _anchor(step)
        if f'<a id="{anchor}"></a>' not in page:
            missing.append(step)
            continue
        section = _section(page, anchor)
        # The heading names the step, and the entry says what was checked and what fails.
        assert re.search(rf"^### {re.escape(step)} ", section, re.MULTILINE), step
        assert "**Checked:**" in section, step
        assert "**Fails with:**" in section, step
    assert not missing, f"steps without an entry in docs/checks.md: {missing}"


def test_checks_md_has_no_entry_for_a_step_the_core_never_raises() -> None:
    page = (DOCS / "checks.md").read_text(encoding="utf-8")
    documented = {
        m.group(1).replace("-", ".") for m in re.finditer(r'<a id="step-([\d-]+)"></a>', page)
    }
    assert documented == core_step_ids()


def _error_classes() -> list[type[errors.Error]]:
    return [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, errors.Error) and obj.__module__ == errors.__name__
    ]


def test_every_error_class_is_in_errors_md_with_its_code_and_exit_status() -> None:
    page = (DOCS / "errors.md").read_text(encoding="utf-8")
    classes = _error_classes()
    assert len(classes) >= 70
    for cls in classes:
        name = cls.__name__
        assert f'<a id="{name.lower()}"></a>' in page, name
        section = _section(page, name.lower())
        assert re.search(rf"^#+ {name}$", section, re.MULTILINE), name
        assert f"code `{cls.code}` · exit status {cls.exit_code}" in section, name
        parent = cls.__mro__[1]
        if parent is not Exception:
            assert f"subclass of [`{parent.__name__}`]" in section, name


def test_the_steps_errors_md_links_to_exist_in_checks_md() -> None:
    errors_page = (DOCS / "errors.md").read_text(encoding="utf-8")
    checks_page = (DOCS / "checks.md").read_text(encoding="utf-8")
    links = set(re.findall(r"checks\.md#(step-[\d-]+)", errors_page))
    assert links
    for anchor in links:
        assert f'<a id="{anchor}"></a>' in checks_page, anchor


def _gen_cli() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_md_matches_the_argument_parser() -> None:
    rendered = _gen_cli().render()
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert committed == rendered, "docs/cli.md is out of date: run python docs/gen_cli.py"


def test_cli_md_documents_every_command_and_option() -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    parser = _cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, command in sub.choices.items():
        assert f"pip-verify {name}" in page, name
        for action in command._actions:
            for flag in action.option_strings:
                if flag not in {"-h", "--help"}:
                    assert f"`{flag}" in page or f", {flag}" in page, (name, flag)


def test_the_drift_check_fails_on_a_stale_page(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    gen = _gen_cli()
    stale = tmp_path / "cli.md"
    stale.write_text("# Command line\n", encoding="utf-8")
    monkeypatch.setattr(gen, "PAGE", stale)
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0


# Team-internal documents: users have neither them nor the folder they live in.
# The team's documents and their folder, which users never have (the folder's name is
# spelled in two parts so that this test itself does not look like a test reading it).
INTERNAL = (
    "product.md",
    "verification-spec.md",
    "house-style.md",
    "dependencies.md",
    "../" + "shared",
)
RUST_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def test_no_user_facing_text_names_an_internal_document() -> None:
    bad = []
    # Python: everything, docstrings included (they are rendered into the API reference).
    for path in sorted((ROOT / "python" / "slsa_verify").glob("*.py*")):
        text = path.read_text(encoding="utf-8")
        bad += [f"{path.name}: {name}" for name in INTERNAL if name in text]
    # Rust: string literals (error details, messages) everywhere; doc comments in src/python/,
    # which become Python docstrings.
    for path in _rust_sources():
        text = path.read_text(encoding="utf-8")
        strings = " ".join(RUST_STRING.findall(text))
        bad += [f"{path.relative_to(ROOT)}: {name}" for name in INTERNAL if name in strings]
        if "python" in path.parts:
            docs = " ".join(
                line for line in text.splitlines() if line.lstrip().startswith(("///", "//!"))
            )
            bad += [f"{path.relative_to(ROOT)} docs: {name}" for name in INTERNAL if name in docs]
    # The documentation itself.
    for path in sorted(DOCS.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            bad += [f"docs/{path.name}: {name}" for name in INTERNAL if name in text]
    assert not bad, bad


@pytest.mark.parametrize("command", [None, "verify", "verify-bundle", "install", "verify-release"])
def test_help_points_at_the_docs_not_at_internal_files(command: str | None) -> None:
    parser = _cli.build_parser()
    if command is not None:
        sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        parser = sub.choices[command]
    text = parser.format_help()
    assert errors.DOCS_URL in text
    assert not [name for name in INTERNAL if name in text]


def test_docs_url_points_at_the_step_entry() -> None:
    err = errors.DigestMismatch("no subject has sha256 …", step="6.5.2")
    assert err.docs_url == f"{errors.DOCS_URL}/checks.md#step-6-5-2"
    assert err.docs_url in err.diagnostics()
    assert "step 6.5.2" in err.diagnostics()
    usage = errors.UsageError("cannot read artifact x.whl")
    assert usage.docs_url == f"{errors.DOCS_URL}/errors.md#usageerror"
    page = (DOCS / "checks.md").read_text(encoding="utf-8")
    assert '<a id="step-6-5-2"></a>' in page
    assert errors.DOCS_URL.endswith("/docs")
