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
