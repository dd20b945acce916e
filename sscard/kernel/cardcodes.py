"""The codes printed on and read from a social security card: card number, card identification
code (卡识别码) and the reader string a card terminal gives.

* The card number (卡号) has 9 characters. chosen: no public standard for its structure is at
  hand, so it is one upper-case letter (never ``I`` or ``O``, which read as digits), seven
  digits of serial and one check digit (weights 1, 3, 7 repeated over the letter's value, A=10,
  and the seven digits; the check is the amount that brings the sum to a multiple of 10). A
  bureau that publishes its own structure replaces :func:`card_number` and
  :func:`parse_card_number` only.
* The card identification code (卡识别码) has 32 characters: the 6-digit division code of the
  issuing region, ``D156000005`` (the fixed issuer part for China) and 16 upper-case hex digits.
* The reader string is what a terminal reads off a card, fields split by ``|``:
  ``区划代码|社会保障号码|卡号|卡识别码|姓名|复位信息|规范版本|发卡日期|卡有效期`` with one trailing
  ``|`` tolerated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from sscard.kernel import idnumber
from sscard.kernel.errors import KernelError

__all__ = [
    "CARD_ID_ISSUER",
    "READER_FIELDS",
    "CardCodeError",
    "ReaderRecord",
    "card_identification_code",
    "card_number",
    "card_number_check",
    "parse_card_identification_code",
    "parse_card_number",
    "parse_reader_string",
]

CARD_ID_ISSUER: Final = "D156000005"
_CARD_LETTERS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_CARD_WEIGHTS: Final = (1, 3, 7)
_HEX: Final = frozenset("0123456789ABCDEF")
_DIGITS: Final = frozenset("0123456789")
_SERIAL_LIMIT: Final = 16**16
_CARD_SERIAL_LIMIT: Final = 10**7
READER_FIELDS: Final = (
    "region",
    "id_number",
    "card_number",
    "card_id_code",
    "name",
    "reset_info",
    "spec_version",
    "issued_on",
    "valid_until",
)
# Any birth date up to here passes: a terminal's string is checked for shape, not for age.
_FAR_FUTURE: Final = date(9999, 12, 31)

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "card_number_invalid": (
        "卡号应为9位：1位大写字母、7位数字和1位校验位。",
        "A card number has 9 characters: a capital letter, seven digits and a check digit.",
    ),
    "card_id_code_invalid": (
        "卡识别码应为32位：6位区划代码、D156000005和16位十六进制数。",
        "A card identification code has 32 characters: a 6-digit region code, D156000005 "
        "and 16 hexadecimal digits.",
    ),
    "reader_string_fields": (
        "读卡信息应有{expected}个字段，实际为{found}个。",
        "The reader string must have {expected} fields, not {found}.",
    ),
    "reader_string_field_invalid": (
        "读卡信息中的字段“{field}”格式不对。",
        "The field “{field}” of the reader string is malformed.",
    ),
}


class CardCodeError(KernelError):
    """A card number, card identification code or reader string that cannot be accepted."""

    @classmethod
    def of(cls, code: str, **details: str | int) -> CardCodeError:
        zh, en = _MESSAGES[code]
        return cls(code, zh.format(**details), en.format(**details), details)


def card_number_check(first8: str) -> str:
    """The check digit of the first 8 characters of a card number."""
    if (
        len(first8) != 8
        or first8[0] not in _CARD_LETTERS
        or not all(c in _DIGITS for c in first8[1:])
    ):
        raise CardCodeError.of("card_number_invalid")
    values = [ord(first8[0]) - ord("A") + 10, *(int(c) for c in first8[1:])]
    total = sum(v * _CARD_WEIGHTS[i % 3] for i, v in enumerate(values))
    return str(-total % 10)


def card_number(letter: str, serial: int) -> str:
    """The card number of a serial (0 ≤ serial < 10⁷) under a series letter."""
    if not 0 <= serial < _CARD_SERIAL_LIMIT:
        raise CardCodeError.of("card_number_invalid")
    first8 = f"{letter}{serial:07d}"
    return first8 + card_number_check(first8)


def parse_card_number(text: str) -> str:
    """The normalised card number (upper case, trimmed), or ``card_number_invalid``."""
    value = text.strip().upper()
    if len(value) != 9 or card_number_check(value[:8]) != value[8]:
        raise CardCodeError.of("card_number_invalid")
    return value


def card_identification_code(region: str, serial: int) -> str:
    """The 32-character card identification code of a serial issued in a region."""
    if not (len(region) == 6 and all(c in _DIGITS for c in region)):
        raise CardCodeError.of("card_id_code_invalid")
    if not 0 <= serial < _SERIAL_LIMIT:
        raise CardCodeError.of("card_id_code_invalid")
    return f"{region}{CARD_ID_ISSUER}{serial:016X}"


def parse_card_identification_code(text: str) -> str:
    """The card identification code as given, if its shape is right; else
    ``card_id_code_invalid`` (lower-case hex is refused: the code is printed in capitals)."""
    value = text.strip()
    if (
        len(value) != 32
        or not all(c in _DIGITS for c in value[:6])
        or value[6:16] != CARD_ID_ISSUER
        or not all(c in _HEX for c in value[16:])
    ):
        raise CardCodeError.of("card_id_code_invalid")
    return value


@dataclass(frozen=True, slots=True, repr=False)
class ReaderRecord:
    """The fields of one reader string, checked for shape."""

    region: str
    id_number: str
    card_number: str
    card_id_code: str
    name: str
    reset_info: str
    spec_version: str
    issued_on: date
    valid_until: date

    def __repr__(self) -> str:
        # The string carries a full ID number and a name: never into logs.
        return f"ReaderRecord(card_number={self.card_number!r})"


def _date_field(text: str, field: str) -> date:
    if len(text) == 8 and all(c in _DIGITS for c in text):
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise CardCodeError.of("reader_string_field_invalid", field=field)


def parse_reader_string(text: str) -> ReaderRecord:
    """Split and check a terminal's reader string.

    Checks, in order: field count (``reader_string_fields``), region, ID number (the error
    codes of :mod:`sscard.kernel.idnumber`, e.g. ``id_check_digit``), card number
    (``card_number_invalid``), card identification code (``card_id_code_invalid``), dates.
    """
    parts = text.strip().split("|")
    if len(parts) == len(READER_FIELDS) + 1 and parts[-1] == "":
        parts.pop()
    if len(parts) != len(READER_FIELDS):
        raise CardCodeError.of(
            "reader_string_fields", expected=len(READER_FIELDS), found=len(parts)
        )
    region, id_text, number, id_code, name, reset, version, issued, valid = (
        p.strip() for p in parts
    )
    if not (len(region) == 6 and all(c in _DIGITS for c in region)):
        raise CardCodeError.of("reader_string_field_invalid", field="region")
    person = idnumber.parse(id_text, today=_FAR_FUTURE)
    if not name:
        raise CardCodeError.of("reader_string_field_invalid", field="name")
    return ReaderRecord(
        region=region,
        id_number=person.value,
        card_number=parse_card_number(number),
        card_id_code=parse_card_identification_code(id_code),
        name=name,
        reset_info=reset,
        spec_version=version,
        issued_on=_date_field(issued, "issued_on"),
        valid_until=_date_field(valid, "valid_until"),
    )
