"""Display names of the platform's codes, in the language of the page: the one place.

A person reads 中国工商银行, not ``ICBC``; 山东省临沂市莒南县, not ``371327``; 合作银行服务网点领卡,
not ``branch``. Pages (the template filters ``name_of`` and ``names_of``), SMS texts and exports
all ask here, so a code is named the same way wherever it is shown.

Most names live with the app that owns the codes, above the core: banks in the network's table,
pickup methods in the packs in force, person categories and genders in the registry's choices,
SMS templates in the notifications. Each of those apps registers its namer when Django starts
(``AppConfig.ready``), as the registry registers its derived indexes, so the core never imports
upwards. The kinds the core can name by itself have a built-in namer that an app may replace
with a richer one: channels and actions (the policy engine's names), regions (the kernel's
division table, python-stdnum's).

A code that no table names is shown as it is: there is nothing better to show.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum

from django.utils.translation import get_language

from sscard.kernel import regions
from sscard.policy.engine import ACTION_NAMES, CHANNEL_NAMES

__all__ = [
    "Kind",
    "Namer",
    "english_active",
    "list_separator",
    "name_of",
    "namer_register",
    "names_joined",
    "names_of",
]


class Kind(StrEnum):
    """The kinds of code a person may come across, each with its namer."""

    BANK = "bank"
    PICKUP = "pickup"
    CHANNEL = "channel"
    ACTION = "action"
    CATEGORY = "category"
    SEX = "sex"
    REGION = "region"
    SMS_TEMPLATE = "sms_template"


#: ``namer(codes, english)`` answers the names it knows of ``codes`` (one query at most).
Namer = Callable[[frozenset[str], bool], Mapping[str, str]]

_ARTICLE = re.compile(r"^(a|an|the) ")


def _label(english_text: str) -> str:
    """The engine's English names run inside sentences ("a partner bank outlet"); a label wants
    the name alone, capitalised."""
    text = _ARTICLE.sub("", english_text)
    return text[:1].upper() + text[1:]


def _from_pairs(pairs: Mapping[str, tuple[str, str]]) -> Namer:
    def namer(codes: frozenset[str], english: bool) -> Mapping[str, str]:
        return {c: _label(pairs[c][1]) if english else pairs[c][0] for c in codes if c in pairs}

    return namer


def _regions(codes: frozenset[str], english: bool) -> Mapping[str, str]:
    # The division table has Chinese names only: an English page keeps the Chinese place name,
    # as an address is written on an envelope.
    found = {c: regions.region_name(c) for c in codes}
    return {c: name for c, name in found.items() if name}


_namers: dict[Kind, Namer] = {
    Kind.CHANNEL: _from_pairs(CHANNEL_NAMES),
    Kind.ACTION: _from_pairs(ACTION_NAMES),
    Kind.REGION: _regions,
}


def namer_register(kind: Kind, namer: Namer) -> None:
    """Name the codes of ``kind`` with ``namer`` from now on (called from ``AppConfig.ready``)."""
    _namers[kind] = namer


def english_active() -> bool:
    """Whether the language being served is English (else Chinese)."""
    return (get_language() or "").startswith("en")


def names_of(
    kind: Kind | str, codes: Iterable[str], *, english: bool | None = None
) -> dict[str, str]:
    """Every non-empty code of ``codes`` with its name (the code itself when none is known).

    ``english`` defaults to the language being served; SMS texts, always Chinese, pass False.
    """
    wanted = frozenset(c for c in codes if c)
    if not wanted:
        return {}
    namer = _namers.get(Kind(kind))
    lang_en = english_active() if english is None else english
    known = namer(wanted, lang_en) if namer is not None else {}
    return {c: known.get(c) or c for c in wanted}


def name_of(kind: Kind | str, code: str | None, *, english: bool | None = None) -> str:
    """The name of one code (``""`` for none)."""
    if not code:
        return ""
    return names_of(kind, [code], english=english)[code]


def list_separator(*, english: bool | None = None) -> str:
    """How a list is written: ``甲、乙`` in Chinese, ``a, b`` in English."""
    return ", " if (english_active() if english is None else english) else "、"


def names_joined(kind: Kind | str, codes: Iterable[str], *, english: bool | None = None) -> str:
    """The names of ``codes`` in their order, as a list is written: ``甲、乙`` or ``a, b``."""
    ordered = [c for c in codes if c]
    lang_en = english_active() if english is None else english
    found = names_of(kind, ordered, english=lang_en)
    return list_separator(english=lang_en).join(found[c] for c in ordered)
