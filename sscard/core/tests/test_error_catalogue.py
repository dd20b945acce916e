"""The table of every refusal code (docs/errors.md) is current, and every code has one message.

Issue 11, point 4: each app lists its codes once, in its ``errors.py``, and the README links a
generated table of them all.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from django.conf import settings

from sscard.core.errorcatalogue import (
    REGENERATE,
    catalogue,
    conflicts,
    error_code_classes,
    error_modules,
    render,
)
from sscard.core.errors import ErrorCode

ROOT = Path(settings.BASE_DIR)
TABLE = ROOT / "docs" / "errors.md"
SOURCE = ROOT / "sscard"


def test_the_committed_table_is_current() -> None:
    committed = TABLE.read_text(encoding="utf-8") if TABLE.exists() else ""
    assert render(catalogue()) == committed, (
        f"docs/errors.md is not the table of today's codes: regenerate it with `{REGENERATE}`"
    )


def test_the_table_lists_each_apps_codes_with_both_messages() -> None:
    rows = catalogue()
    apps = {row.app for row in rows}
    assert {"core", "kernel", "applications", "cards", "registry"} <= apps
    for row in rows:
        assert row.code, row
        assert row.zh, row
        assert row.en, row
        assert row.status is None or 400 <= row.status < 600, row
    # core's own two, with their messages as templates
    codes = {(row.app, row.code): row for row in rows}
    assert codes["core", "not_found"].status == 404
    assert "{what}" in codes["core", "not_found"].en
    assert codes["core", "permission_denied"].status == 403
    # a kernel code has no status of its own
    assert codes["kernel", "id_check_digit"].status is None


def test_no_code_has_two_messages() -> None:
    found = conflicts(catalogue())
    listed = "\n".join(
        f"{code}: " + "; ".join(f"{row.app} ({row.en!r})" for row in rows)
        for code, rows in found.items()
    )
    assert not found, f"codes listed with more than one message:\n{listed}"


def _subclasses(base: type[ErrorCode]) -> set[type[ErrorCode]]:
    found: set[type[ErrorCode]] = set()
    for sub in base.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_error_code_enum_lives_in_an_errors_module() -> None:
    # load every page and API, so that every enum anything raises is defined
    importlib.import_module(settings.ROOT_URLCONF)
    listed = {cls for module in error_modules() for cls in error_code_classes(module)}
    elsewhere = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _subclasses(ErrorCode) - listed
        if ".tests." not in cls.__module__  # a test's own enum is no refusal of the app
    )
    assert elsewhere == [], "ErrorCode subclasses outside an errors module: " + ", ".join(elsewhere)


def _is_errors_module(path: Path) -> bool:
    return path.stem == "errors" or path.stem.endswith("_errors")


def _literal_code(call: ast.Call) -> str | None:
    """The code of ``call`` when written there as a string literal."""
    argument: ast.expr | None = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg == "code":
            argument = keyword.value
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    return None


def _called(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def inline_error_codes() -> list[str]:
    """Each ``ApplicationError("code", ...)`` or ``_refuse("code", ...)`` outside errors modules."""
    found: list[tuple[str, int, str]] = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        if _is_errors_module(path):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called(node)
            if name not in ("ApplicationError", "_refuse"):
                continue
            code = _literal_code(node)
            if code is not None:
                found.append((str(relative), node.lineno, f"{name}({code!r}, ...)"))
    return [f"{path}:{line}: {call}" for path, line, call in sorted(found)]


def test_no_inline_error_codes() -> None:
    # a code is written once, in its app's errors.py, and raised through its enum member
    found = inline_error_codes()
    assert found == [], (
        f"{len(found)} refusal codes written inline (move each to its app's errors.py):\n"
        + "\n".join(found)
    )
