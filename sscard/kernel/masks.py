"""The one masking rule for identifiers on pages, in API answers, exports and logs (脱敏).

Following the financial sector's practice (JR/T 0171-2020, the examples of GB/T 35273):

* an ID number shows only its first and last character, its length kept:
  ``11010519491231002X`` → ``1****************X``. The first digit names one of a handful of
  provinces and the last is the check character, so with a region and a sex beside it there
  remain millions of numbers; the birth digits are never shown (``110105********002X`` with the
  birth date beside it left ~91 candidates, that is the number);
* a phone shows only its last four digits: ``13812345678`` → ``*******5678``;
* a name keeps its surname and hides the rest: ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧阳**``;
  a one-character name is hidden entirely.

Each function is idempotent and accepts a value already masked by an earlier, weaker rule
(``110105********002X``, ``138****1234``): rows stored under that rule display under this one
without being rewritten, because the characters this rule keeps were kept by the old one too.

Whether the birth date (and with it the age) may be shown beside a number is a question of the
role, not of the mask: see ``sscard.core.actors.needs_birth_date``.
"""

from __future__ import annotations

from typing import Final

__all__ = ["PHONE_DIGITS_SHOWN", "mask_id_number", "mask_name", "mask_phone", "phone_tail"]

#: How many trailing digits of a phone stay visible.
PHONE_DIGITS_SHOWN: Final = 4
_SHORTEST_SHOWN: Final = 10


def mask_id_number(value: str) -> str:
    """``1****************X``: the first and the last character, the length kept.

    Anything of ten characters or fewer is no ID number and is hidden entirely.
    """
    value = value.strip()
    if len(value) <= _SHORTEST_SHOWN:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_phone(value: str) -> str:
    """``*******5678``: the last four digits, the length kept; a short number is hidden."""
    value = value.strip()
    if len(value) <= PHONE_DIGITS_SHOWN:
        return "*" * len(value)
    return "*" * (len(value) - PHONE_DIGITS_SHOWN) + value[-PHONE_DIGITS_SHOWN:]


def phone_tail(value: str) -> str:
    """The digits :func:`mask_phone` keeps visible (``13812345678`` → ``5678``); empty for a
    number too short to show any. What a search by "the last four digits" matches on."""
    value = value.strip()
    if len(value) <= PHONE_DIGITS_SHOWN:
        return ""
    return value[-PHONE_DIGITS_SHOWN:]


def mask_name(name: str) -> str:
    """张*, 欧阳** — the surname stays (two characters for names of four or more), the rest is
    hidden; a one-character name shows nothing."""
    if len(name) <= 1:
        return "*" * len(name)
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)
