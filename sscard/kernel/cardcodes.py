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
* The reader string is what a terminal reads off a card through the national reader
  interface (iReadCardBas), each field followed by ``|``:
  ``区划代码|社会保障号码|卡号|卡识别码|姓名|复位信息|规范版本|发卡日期|卡有效期|终端机编号|终端设备号|``
  — eleven fields, the last two (the terminal's number and its device number) possibly empty —
  or the nine-field form that ends after ``卡有效期|``. The final ``|`` may be left off.
  复位信息 is the card's answer to reset (ATR), in hex; 规范版本 is ``1.00``, ``2.00`` or
  ``3.00``; the dates are ``YYYYMMDD``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from sscard.kernel import idnumber
from sscard.kernel.errors import KernelError

__all__ = [
    "CARD_ID_ISSUER",
    "READER_FIELDS",
    "READER_FIELD_COUNTS",
    "READER_SPEC_VERSIONS",
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
    "terminal_number",
    "device_number",
)
# The nine-field form ends after 卡有效期; the full form adds the terminal's two fields.
READER_FIELD_COUNTS: Final = (9, 11)
READER_SPEC_VERSIONS: Final = frozenset({"1.00", "2.00", "3.00"})
# An answer to reset (ISO/IEC 7816-3) has TS and T0 at least and 33 bytes at most.
_ATR_BYTES: Final = range(2, 34)
# chosen: the interface gives no length for the terminal's two fields; this is room for any
# numbering scheme and still fits the column they are kept in.
TERMINAL_FIELD_MAX: Final = 64
# What a person reads when a field is refused: the field's name on the card, never its key.
_FIELD_NAMES: Final[dict[str, tuple[str, str]]] = {
    "region": ("区划代码", "region code"),
    "name": ("姓名", "name"),
    "reset_info": ("复位信息", "answer to reset (ATR)"),
    "spec_version": ("规范版本", "specification version"),
    "issued_on": ("发卡日期", "issue date"),
    "valid_until": ("卡有效期", "expiry date"),
    "terminal_number": ("终端机编号", "terminal number"),
    "device_number": ("终端设备号", "terminal device number"),
}
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
        "读卡信息应有9个或11个字段（每个字段后跟“|”），实际为{found}个。",
        "The reader string must have 9 or 11 fields (each followed by “|”), not {found}.",
    ),
    "reader_string_field_invalid": (
        "读卡信息中的“{name_zh}”格式不对：{expected_zh}。",
        "The {name_en} in the reader string is malformed: {expected_en}.",
    ),
}
# What a well-formed field looks like, said to the person whose terminal sent a bad one.
_FIELD_SHAPES: Final[dict[str, tuple[str, str]]] = {
    "region": ("应为6位数字", "six digits are expected"),
    "name": ("不能为空", "it must not be empty"),
    "reset_info": (
        "应为2至33字节的十六进制数",
        "2 to 33 bytes in hexadecimal are expected",
    ),
    "spec_version": ("应为1.00、2.00或3.00", "1.00, 2.00 or 3.00 is expected"),
    "issued_on": ("应为YYYYMMDD格式的日期", "a date as YYYYMMDD is expected"),
    "valid_until": ("应为YYYYMMDD格式的日期", "a date as YYYYMMDD is expected"),
    "terminal_number": (
        f"最多{TERMINAL_FIELD_MAX}个可打印字符",
        f"at most {TERMINAL_FIELD_MAX} printable characters are expected",
    ),
    "device_number": (
        f"最多{TERMINAL_FIELD_MAX}个可打印字符",
        f"at most {TERMINAL_FIELD_MAX} printable characters are expected",
    ),
}


class CardCodeError(KernelError):
    """A card number, card identification code or reader string that cannot be accepted."""

    @classmethod
    def of(
        cls, code: str, details: Mapping[str, object] | None = None, **words: str | int
    ) -> CardCodeError:
        """The error ``code`` with its two messages filled from ``words``; ``details`` (by
        default ``words``) is what an API answer carries."""
        zh, en = _MESSAGES[code]
        return cls(
            code, zh.format(**words), en.format(**words), words if details is None else details
        )

    @classmethod
    def field(cls, field: str) -> CardCodeError:
        """``reader_string_field_invalid`` for one field, named for people in both languages."""
        name_zh, name_en = _FIELD_NAMES[field]
        expected_zh, expected_en = _FIELD_SHAPES[field]
        return cls.of(
            "reader_string_field_invalid",
            {"field": field},
            name_zh=name_zh,
            name_en=name_en,
            expected_zh=expected_zh,
            expected_en=expected_en,
        )


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
    # The terminal that read the card ("" when the nine-field form was sent, or left empty):
    # kept with the verification, never given back to anyone.
    terminal_number: str = ""
    device_number: str = ""

    def __repr__(self) -> str:
        # The string carries a full ID number and a name: never into logs.
        return f"ReaderRecord(card_number={self.card_number!r})"


def _date_field(text: str, field: str) -> date:
    if len(text) == 8 and all(c in _DIGITS for c in text):
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    raise CardCodeError.field(field)


def _reset_info(text: str) -> str:
    """The ATR in upper-case hex: whole bytes, as many as an answer to reset can have."""
    value = text.upper()
    if len(value) % 2 or len(value) // 2 not in _ATR_BYTES or not all(c in _HEX for c in value):
        raise CardCodeError.field("reset_info")
    return value


def _terminal_field(text: str, field: str) -> str:
    if len(text) > TERMINAL_FIELD_MAX or not text.isprintable():
        raise CardCodeError.field(field)
    return text


def parse_reader_string(text: str) -> ReaderRecord:
    """Split and check a terminal's reader string (nine or eleven fields, see the module).

    Checks, in order: field count (``reader_string_fields``, details ``{"expected": [9, 11],
    "found": n}``), region, ID number (the error codes of :mod:`sscard.kernel.idnumber`, e.g.
    ``id_check_digit``), name, card number (``card_number_invalid``), card identification
    code (``card_id_code_invalid``), ATR, version, dates and the terminal's fields
    (``reader_string_field_invalid``, details ``{"field": ...}``).
    """
    parts = text.strip().split("|")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # the bar that ends the last field
    if len(parts) not in READER_FIELD_COUNTS:
        raise CardCodeError.of(
            "reader_string_fields",
            {"expected": list(READER_FIELD_COUNTS), "found": len(parts)},
            found=len(parts),
        )
    region, id_text, number, id_code, name, reset, version, issued, valid, *terminal = (
        p.strip() for p in parts
    )
    if not (len(region) == 6 and all(c in _DIGITS for c in region)):
        raise CardCodeError.field("region")
    person = idnumber.parse(id_text, today=_FAR_FUTURE)
    if not name:
        raise CardCodeError.field("name")
    card = parse_card_number(number)
    card_id_code = parse_card_identification_code(id_code)
    reset_info = _reset_info(reset)
    if version not in READER_SPEC_VERSIONS:
        raise CardCodeError.field("spec_version")
    terminal_number, device_number = terminal or ("", "")
    return ReaderRecord(
        region=region,
        id_number=person.value,
        card_number=card,
        card_id_code=card_id_code,
        name=name,
        reset_info=reset_info,
        spec_version=version,
        issued_on=_date_field(issued, "issued_on"),
        valid_until=_date_field(valid, "valid_until"),
        terminal_number=_terminal_field(terminal_number, "terminal_number"),
        device_number=_terminal_field(device_number, "device_number"),
    )
