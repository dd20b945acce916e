"""Template helpers shared by every app's pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import template

from sscard.core import names

register = template.Library()


@register.filter
def lookup(mapping: Mapping[str, str] | None, key: str) -> str:
    """``{{ regions|lookup:person.insured_region }}``: a dict's value, or the empty string."""
    if not mapping or not key:
        return ""
    return mapping.get(key, "")


@register.filter
def name_of(code: str | None, kind: str) -> str:
    """``{{ card.bank_code|name_of:"bank" }}`` → 中国工商银行: a code's name in the page's language
    (see :mod:`sscard.core.names`); a page shows the name, never the code."""
    return names.name_of(kind, code)


@register.filter
def names_of(codes: Iterable[str] | None, kind: str) -> str:
    """``{{ employer.payroll_banks|names_of:"bank" }}`` → 中国建设银行、中国农业银行."""
    return names.names_joined(kind, codes or ())


@register.filter
def names_in(codes: Iterable[str] | None, known: Mapping[str, str] | None) -> str:
    """``{{ employer.payroll_banks|names_in:banks }}``: the names a list page asked for at once
    (``sscard.core.names.names_of`` over the page's codes), joined as a list is written."""
    found = known or {}
    return names.list_separator().join(found.get(c, c) for c in codes or () if c)
