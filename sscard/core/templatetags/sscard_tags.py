"""Template helpers shared by every app's pages."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

register = template.Library()


@register.filter
def lookup(mapping: Mapping[str, str] | None, key: str) -> str:
    """``{{ regions|lookup:person.insured_region }}``: a dict's value, or the empty string."""
    if not mapping or not key:
        return ""
    return mapping.get(key, "")
