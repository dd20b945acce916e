"""Card numbers, card identification codes (卡识别码) and reader strings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sscard.kernel.cardcodes import (
    CARD_ID_ISSUER,
    CardCodeError,
    card_identification_code,
    card_number,
    card_number_check,
    parse_card_identification_code,
    parse_card_number,
    parse_reader_string,
)
from sscard.kernel.errors import KernelError
from sscard.kernel.idnumber import IdNumberError, check_digit

ID = "11010219491231002" + check_digit("11010219491231002")
CARD = card_number("B", 1234)
CODE = card_identification_code("110102", 0xABC)
READER = f"110102|{ID}|{CARD}|{CODE}|张伟|3B6D000080|3.00|20240304|20340303"
# As a reader of the national interface (iReadCardBas) emits it: every field followed by "|".
ATR = "3B6D000080318065B08402010C839000"
NINE = f"110102|{ID}|{CARD}|{CODE}|张伟|{ATR}|3.00|20240304|20340303|"
ELEVEN = f"{NINE}T110102000017|0102A5F3|"


def code_of(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(KernelError) as caught:
        call(*args)
    return caught.value.code


# -- card number -----------------------------------------------------------------------------


def test_a_card_number_has_a_letter_seven_digits_and_a_check_digit():
    assert "B0001234" + card_number_check("B0001234") == CARD
    assert len(CARD) == 9
    assert parse_card_number(f" {CARD.lower()} ") == CARD


@given(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"), st.integers(0, 10**7 - 1))
def test_every_generated_card_number_parses(letter, serial):
    assert parse_card_number(card_number(letter, serial)) == card_number(letter, serial)


@given(st.integers(0, 10**7 - 1), st.integers(0, 7), st.integers(1, 9))
def test_one_changed_digit_is_caught(serial, position, delta):
    number = card_number("C", serial)
    index = 1 + position
    changed = number[:index] + str((int(number[index]) + delta) % 10) + number[index + 1 :]
    assert code_of(parse_card_number, changed) == "card_number_invalid"


@pytest.mark.parametrize("text", ["", "B000123", "B00012345X", "I00012340", "1000123400"])
def test_a_malformed_card_number_is_refused(text):
    assert code_of(parse_card_number, text) == "card_number_invalid"


def test_a_serial_out_of_range_is_refused():
    assert code_of(card_number, "A", 10**7) == "card_number_invalid"


# -- card identification code ----------------------------------------------------------------


def test_the_identification_code_is_region_issuer_and_16_hex():
    assert CODE == "110102" + CARD_ID_ISSUER + "0000000000000ABC"
    assert len(CODE) == 32
    assert parse_card_identification_code(CODE) == CODE


@given(st.integers(0, 16**16 - 1))
def test_every_serial_gives_a_code_that_parses(serial):
    assert parse_card_identification_code(card_identification_code("310101", serial))


@pytest.mark.parametrize(
    "text",
    [
        CODE[:-1],
        CODE + "0",
        "11010X" + CODE[6:],
        "110102D156000006" + CODE[16:],
        CODE[:-1] + "g",
        CODE[:-1] + "a",
    ],
)
def test_a_code_of_the_wrong_shape_is_refused(text):
    assert code_of(parse_card_identification_code, text) == "card_id_code_invalid"


def test_a_code_is_not_made_for_a_bad_region_or_serial():
    assert code_of(card_identification_code, "11010", 1) == "card_id_code_invalid"
    assert code_of(card_identification_code, "110102", 16**16) == "card_id_code_invalid"


# -- reader string ---------------------------------------------------------------------------


def test_a_reader_string_gives_its_nine_fields():
    record = parse_reader_string(READER)
    assert record.region == "110102"
    assert record.id_number == ID
    assert record.card_number == CARD
    assert record.card_id_code == CODE
    assert record.name == "张伟"
    assert record.spec_version == "3.00"
    assert record.issued_on == date(2024, 3, 4)
    assert record.valid_until == date(2034, 3, 3)
    assert ID not in repr(record)


def test_a_trailing_bar_is_tolerated():
    assert parse_reader_string(READER + "|").card_number == CARD


@pytest.mark.parametrize("text", [READER + "||", READER + "|extra", READER.rsplit("|", 1)[0], ""])
def test_the_wrong_field_count_is_refused(text):
    with pytest.raises(CardCodeError) as caught:
        parse_reader_string(text)
    assert caught.value.code == "reader_string_fields"


def test_a_bad_id_check_digit_answers_the_idnumber_code():
    bad = ID[:17] + ("0" if ID[17] != "0" else "1")
    with pytest.raises(IdNumberError) as caught:
        parse_reader_string(READER.replace(ID, bad))
    assert caught.value.code == "id_check_digit"


def test_a_card_id_code_of_the_wrong_shape_is_refused():
    assert code_of(parse_reader_string, READER.replace(CODE, CODE[:-2])) == "card_id_code_invalid"


def test_a_bad_card_number_is_refused():
    assert code_of(parse_reader_string, READER.replace(CARD, "B00012340X")) == (
        "card_number_invalid"
    )


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("110102|", "1101|", "region"),
        ("|20240304|", "|20240230|", "issued_on"),
        ("|20340303", "|2034033", "valid_until"),
        ("|张伟|", "| |", "name"),
    ],
)
def test_a_malformed_field_is_named(old, new, field):
    with pytest.raises(CardCodeError) as caught:
        parse_reader_string(READER.replace(old, new, 1))
    assert caught.value.code == "reader_string_field_invalid"
    assert caught.value.details == {"field": field}


# -- the reader interface's full layout (iReadCardBas) ---------------------------------------


def test_the_eleven_field_layout_gives_the_terminals_number_and_device():
    # given the string a hospital terminal's reader emits, terminal fields filled
    # when it is parsed
    record = parse_reader_string(ELEVEN)
    # then the card's fields are those of the nine-field form, and the terminal is known
    assert (record.card_number, record.card_id_code, record.reset_info) == (CARD, CODE, ATR)
    assert record.valid_until == date(2034, 3, 3)
    assert record.terminal_number == "T110102000017"
    assert record.device_number == "0102A5F3"
    assert "T110102000017" not in repr(record)


def test_the_nine_field_layout_names_no_terminal():
    record = parse_reader_string(NINE)
    assert (record.terminal_number, record.device_number) == ("", "")
    assert record.reset_info == ATR


@pytest.mark.parametrize(
    ("terminal", "expected"),
    [("||", ("", "")), ("T01||", ("T01", "")), ("|D01|", ("", "D01")), ("T01|D01", ("T01", "D01"))],
)
def test_the_terminal_fields_may_be_empty(terminal, expected):
    record = parse_reader_string(NINE + terminal)
    assert (record.terminal_number, record.device_number) == expected


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (NINE + "T01|", 10),  # the device field is missing, not empty
        (ELEVEN + "x|", 12),
        (NINE.rsplit("|", 2)[0] + "|", 8),
        ("|", 1),
    ],
)
def test_any_other_count_names_the_counts_expected(text, found):
    with pytest.raises(CardCodeError) as caught:
        parse_reader_string(text)
    assert caught.value.code == "reader_string_fields"
    assert caught.value.details == {"expected": [9, 11], "found": found}
    assert "9个或11个" in caught.value.message_zh
    assert "9 or 11" in caught.value.message_en


@pytest.mark.parametrize("version", ["1.00", "2.00", "3.00"])
def test_each_specification_version_is_accepted(version):
    assert parse_reader_string(ELEVEN.replace("|3.00|", f"|{version}|")).spec_version == version


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("|3.00|", "|3.0|", "spec_version"),
        ("|3.00|", "|4.00|", "spec_version"),
        ("|3.00|", "||", "spec_version"),
        ("|20240304|", "|2024-03-04|", "issued_on"),
        ("|20340303|", "|20341303|", "valid_until"),
        (f"|{ATR}|", "|3B6|", "reset_info"),
        (f"|{ATR}|", "|3BZZ|", "reset_info"),
        (f"|{ATR}|", "||", "reset_info"),
        (f"|{ATR}|", f"|{'3B' * 34}|", "reset_info"),
        ("|T110102000017|", f"|{'T' * 65}|", "terminal_number"),
        ("|0102A5F3|", "|01\x0702|", "device_number"),
    ],
)
def test_a_malformed_field_of_the_full_layout_is_named_for_people(old, new, field):
    with pytest.raises(CardCodeError) as caught:
        parse_reader_string(ELEVEN.replace(old, new, 1))
    assert caught.value.code == "reader_string_field_invalid"
    assert caught.value.details == {"field": field}
    # a person reads the field's name, never its key
    assert field not in caught.value.message_en
    assert field not in caught.value.message_zh


def test_the_atr_is_kept_in_capitals():
    assert parse_reader_string(NINE.replace(ATR, ATR.lower())).reset_info == ATR
