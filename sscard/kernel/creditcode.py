"""Unified social credit codes (统一社会信用代码, GB 32100-2015) of employers and other bodies.

Eighteen characters from the alphabet ``0-9 A-H J-N P-R T U W-Y`` (no I, O, S, V, Z):

======  =====================================================================
1       registration authority (登记管理部门码), e.g. 9 market regulation, 5 civil affairs
2       organisation type (机构类别码), e.g. 1 enterprise, 2 individual business
3-8     division code of the registering authority (登记管理机关行政区划码)
9-17    organisation code (主体标识码, GB 11714)
18      check character, MOD 31 with weights 3**i mod 31
======  =====================================================================

The check character follows python-stdnum's ``cn.uscc`` (same weights and alphabet), but the
first two characters may be letters here (authorities A, N and Y exist), which stdnum refuses.
Central bodies are registered under the pseudo-division ``100000``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sscard.kernel import regions
from sscard.kernel.errors import KernelError

__all__ = [
    "ALPHABET",
    "CreditCode",
    "CreditCodeError",
    "check_char",
    "is_valid",
    "make",
    "parse",
]

ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES: Final = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: Division code used for bodies registered by central authorities.
CENTRAL_REGION: Final = "100000"


@dataclass(frozen=True, slots=True)
class CreditCode:
    """A valid unified social credit code, split into its parts."""

    value: str
    registration_authority: str
    org_type: str
    region_code: str
    org_code: str

    def __str__(self) -> str:
        return self.value


_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "credit_code_empty": ("统一社会信用代码不能为空。", "The unified social credit code is empty."),
    "credit_code_length": (
        "统一社会信用代码应为18位，实际为{length}位。",
        "The unified social credit code must have 18 characters, not {length}.",
    ),
    "credit_code_format": (
        (
            "统一社会信用代码含有不允许的字符（只允许数字和除I、O、S、V、Z以外的大写字母，"
            "第3至8位须为数字）。"
        ),
        (
            "The unified social credit code contains a character that is not allowed (digits and "
            "capital letters except I, O, S, V, Z; characters 3 to 8 must be digits)."
        ),
    ),
    "credit_code_check": (
        "统一社会信用代码校验位不正确，请核对。",
        "The check character of the unified social credit code is wrong; please check it.",
    ),
    "credit_code_region_unknown": (
        "统一社会信用代码中的行政区划码{region}不存在。",
        "The region code {region} in the unified social credit code does not exist.",
    ),
}


class CreditCodeError(KernelError):
    """A unified social credit code that cannot be accepted."""

    @classmethod
    def of(cls, code: str, **details: str | int) -> CreditCodeError:
        zh, en = _MESSAGES[code]
        return cls(code, zh.format(**details), en.format(**details), details)


def _check(first17: str) -> str:
    total = 0
    for ch, weight in zip(first17, _WEIGHTS, strict=True):
        total += _VALUES[ch] * weight
    return ALPHABET[(31 - total % 31) % 31]


def _format_ok(first17: str) -> bool:
    return (
        len(first17) == 17
        and all(c in _VALUES for c in first17)
        and first17[2:8].isascii()
        and first17[2:8].isdigit()
    )


def check_char(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if not _format_ok(first17):
        raise CreditCodeError.of("credit_code_format")
    return _check(first17)


def make(first17: str) -> str:
    """The full 18-character code: ``first17`` plus its check character."""
    return first17 + check_char(first17)


def parse(text: str) -> CreditCode:
    """Parse and validate a code; raise :class:`CreditCodeError` if it is not valid.

    Surrounding whitespace is ignored and lower-case letters are accepted. Checks run in this
    order: empty, length, format, check character, region.
    """
    value = text.strip()
    if not value:
        raise CreditCodeError.of("credit_code_empty")
    if len(value) != 18:
        raise CreditCodeError.of("credit_code_length", length=len(value))
    value = value.upper()
    if not (len(value) == 18 and _format_ok(value[:17]) and value[17] in _VALUES):
        raise CreditCodeError.of("credit_code_format")
    if _check(value[:17]) != value[17]:
        raise CreditCodeError.of("credit_code_check")
    region = value[2:8]
    if region != CENTRAL_REGION and not regions.is_known(region):
        raise CreditCodeError.of("credit_code_region_unknown", region=region)
    return CreditCode(
        value=value,
        registration_authority=value[0],
        org_type=value[1],
        region_code=region,
        org_code=value[8:17],
    )


def is_valid(text: str) -> bool:
    """Whether :func:`parse` would accept ``text``."""
    try:
        parse(text)
    except CreditCodeError:
        return False
    return True
