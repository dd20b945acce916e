"""Citizen identity numbers (公民身份号码, GB 11643-1999) and the documents that share their shape.

Three kinds of 18-character number are accepted:

* resident identity card numbers (居民身份证): 6-digit division code, 8-digit birth date,
  3-digit sequence (odd for men), ISO 7064 MOD 11-2 check character;
* residence permits for Hong Kong, Macao and Taiwan residents (港澳台居民居住证), whose division
  part is 810000, 820000 or 830000;
* the 2023 foreign permanent resident ID card (外国人永久居留身份证): ``9``, the 2-digit province
  code of the issuing authority, a 3-digit nationality code, birth date, sequence, check.

A 15-digit first-generation number is upgraded as GB 11643 says (``19`` inserted before the
2-digit year, check character appended) and remembers where it came from.

``parse`` runs once per row of a 25-million-row import, so it avoids regular expressions,
exceptions as control flow and repeated ``date`` construction: the check character comes from
one ``int(..., 13)`` (13 = 2 mod 11, so the base-13 value carries the MOD 11-2 weights), and
birth dates are cached by their 8-digit text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, Literal

from sscard.kernel import masks, regions
from sscard.kernel.errors import KernelError

__all__ = [
    "IdKind",
    "IdNumber",
    "IdNumberError",
    "check_digit",
    "is_valid",
    "mask",
    "parse",
    "region_name",
]

WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS: Final = "10X98765432"
_HMT_REGIONS: Final = frozenset({"810000", "820000", "830000"})
#: Earliest birth date accepted; older dates are data-entry errors, not people.
EARLIEST_BIRTH_DATE: Final = date(1850, 1, 1)
_EARLIEST_YEAR: Final = EARLIEST_BIRTH_DATE.year
# Dates are cached only in this window so hostile input cannot grow the cache without bound.
_CACHE_LAST_YEAR: Final = 2199
_DAYS_IN_MONTH: Final = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DIGITS: Final = frozenset("0123456789")


class IdKind(StrEnum):
    """Which document the number belongs to."""

    RESIDENT = "resident"
    HMT_PERMIT = "hmt_residence_permit"
    FOREIGN_PERMANENT = "foreign_permanent"


@dataclass(frozen=True, slots=True, repr=False)
class IdNumber:
    """A valid, normalised identity number and what it says about its holder."""

    value: str
    kind: IdKind
    birth_date: date
    sex: Literal["M", "F"]
    region_code: str
    upgraded_from: str | None = None

    def __repr__(self) -> str:
        # Never put a full identifier into logs or tracebacks.
        return f"IdNumber(value={mask(self.value)!r}, kind={self.kind.value!r})"

    @property
    def masked(self) -> str:
        """The number as it may be shown on a page: ``1****************X``."""
        return mask(self.value)

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day`` (a person born on 29 February ages on 1 March)."""
        born = self.birth_date
        years = day.year - born.year
        if (day.month, day.day) < (born.month, born.day):
            years -= 1
        return years


_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "id_empty": ("身份证件号码不能为空。", "The identity number is empty."),
    "id_length": (
        "身份证件号码应为18位（或15位旧号码），实际为{length}位。",
        "The identity number must have 18 characters (or 15 for an old number), not {length}.",
    ),
    "id_format": (
        "身份证件号码只能由半角数字组成，最后一位可以是X。",
        "The identity number may contain only ASCII digits, with X allowed as the last one.",
    ),
    "id_check_digit": (
        "身份证件号码校验位不正确，请核对号码。",
        "The check character of the identity number is wrong; please check the number.",
    ),
    "id_birth_date_invalid": (
        "身份证件号码中的出生日期不存在。",
        "The birth date in the identity number does not exist.",
    ),
    "id_birth_date_future": (
        "身份证件号码中的出生日期晚于今天。",
        "The birth date in the identity number is after today.",
    ),
    "id_birth_date_too_old": (
        "身份证件号码中的出生日期早于1850年1月1日。",
        "The birth date in the identity number is before 1 January 1850.",
    ),
    "id_region_unknown": (
        "身份证件号码中的地区代码{region}不存在。",
        "The region code {region} in the identity number does not exist.",
    ),
}


class IdNumberError(KernelError):
    """An identity number that cannot be accepted."""

    @classmethod
    def of(cls, code: str, **details: str | int) -> IdNumberError:
        zh, en = _MESSAGES[code]
        return cls(code, zh.format(**details), en.format(**details), details)


def check_digit(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits of an 18-character number."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise IdNumberError.of("id_format")
    # sum(d_i * 2**(17-i)) mod 11 == 2 * int(first17, 13) mod 11, because 13 = 2 (mod 11).
    return _CHECK_CHARS[(int(first17, 13) << 1) % 11]


_BIRTH_CACHE: dict[str, date] = {}


def _birth_date(text8: str) -> date | str:
    """The date written as ``YYYYMMDD`` (ASCII digits), or the error code that applies."""
    cached = _BIRTH_CACHE.get(text8)
    if cached is not None:
        return cached
    year = int(text8[:4])
    month = int(text8[4:6])
    day = int(text8[6:8])
    if not 1 <= month <= 12 or day < 1 or year < 1:
        return "id_birth_date_invalid"
    last = _DAYS_IN_MONTH[month]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last = 29
    if day > last:
        return "id_birth_date_invalid"
    if year < _EARLIEST_YEAR:
        return "id_birth_date_too_old"
    born = date(year, month, day)
    if year <= _CACHE_LAST_YEAR:
        _BIRTH_CACHE[text8] = born
    return born


def _analyse(text: str, today: date) -> IdNumber | tuple[str, dict[str, str | int]]:
    """Parse without raising: the number, or ``(error_code, details)``."""
    value = text.strip()
    n = len(value)
    upgraded_from: str | None = None
    if n == 18:
        head = value[:17]
        if not (head.isascii() and head.isdigit()):
            return "id_format", {}
        last = value[17]
        if last == "x":
            value = head + "X"
            last = "X"
        elif last not in _DIGITS and last != "X":
            return "id_format", {}
        if _CHECK_CHARS[(int(head, 13) << 1) % 11] != last:
            return "id_check_digit", {}
    elif n == 15:
        if not (value.isascii() and value.isdigit()):
            return "id_format", {}
        upgraded_from = value
        head = value[:6] + "19" + value[6:]
        value = head + _CHECK_CHARS[(int(head, 13) << 1) % 11]
    elif n == 0:
        return "id_empty", {}
    else:
        return "id_length", {"length": n}

    born = _birth_date(value[6:14])
    if isinstance(born, str):
        return born, {}
    if born > today:
        return "id_birth_date_future", {}

    region = value[:6]
    if value[0] == "9" and upgraded_from is None:
        kind = IdKind.FOREIGN_PERMANENT
        if value[1:3] not in regions.PROVINCE_CODES:
            return "id_region_unknown", {"region": value[1:3]}
        region = value[1:3] + "0000"
    elif region in _HMT_REGIONS and upgraded_from is None:
        kind = IdKind.HMT_PERMIT
    else:
        kind = IdKind.RESIDENT
        if region not in _known_regions():
            return "id_region_unknown", {"region": region}

    return IdNumber(
        value,
        kind,
        born,
        "M" if value[16] in "13579" else "F",
        region,
        upgraded_from,
    )


_KNOWN: frozenset[str] | None = None


def _known_regions() -> frozenset[str]:
    global _KNOWN
    if _KNOWN is None:
        _KNOWN = regions.known_codes()
    return _KNOWN


def parse(text: str, *, today: date) -> IdNumber:
    """Parse and validate an identity number; raise :class:`IdNumberError` if it is not valid.

    Surrounding whitespace is ignored and a lower-case ``x`` is accepted; full-width digits are
    refused (``id_format``). Checks run in this order: empty, length, format, check character,
    birth date (exists, not before 1850, not after ``today``), region.
    """
    result = _analyse(text, today)
    if isinstance(result, IdNumber):
        return result
    code, details = result
    raise IdNumberError.of(code, **details)


def is_valid(text: str, *, today: date) -> bool:
    """Whether :func:`parse` would accept ``text``."""
    return isinstance(_analyse(text, today), IdNumber)


def region_name(code: str) -> str | None:
    """Name of a 6-digit division code, e.g. ``region_name("110105") == "北京市朝阳区"``."""
    return regions.region_name(code)


def mask(value: str) -> str:
    """Hide all but the first and the last character, as ``sscard.kernel.masks`` says.

    ``mask("11010519491231002X") == "1****************X"``: the birth digits are never shown.
    """
    return masks.mask_id_number(value)
