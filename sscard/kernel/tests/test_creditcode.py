"""Unified social credit codes (GB 32100)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from sscard.kernel.creditcode import (
    ALPHABET,
    CreditCodeError,
    check_char,
    is_valid,
    make,
    parse,
)

# A published example (python-stdnum's documentation).
EXAMPLE = "91110000600037341L"


def code_of(text: str) -> str:
    with pytest.raises(CreditCodeError) as caught:
        parse(text)
    return caught.value.code


def test_a_published_code_parses_into_its_parts() -> None:
    # when
    code = parse(EXAMPLE)
    # then
    assert code.value == EXAMPLE
    assert code.registration_authority == "9"
    assert code.org_type == "1"
    assert code.region_code == "110000"
    assert code.org_code == "600037341"
    assert str(code) == EXAMPLE


def test_lower_case_and_surrounding_spaces_are_accepted() -> None:
    assert parse(f" {EXAMPLE.lower()} ").value == EXAMPLE


def test_make_appends_the_check_character() -> None:
    assert make(EXAMPLE[:17]) == EXAMPLE
    assert check_char(EXAMPLE[:17]) == EXAMPLE[17]


def test_letter_authorities_are_accepted() -> None:
    # given codes of the "other" (Y) and agriculture (N) authorities, which stdnum refuses
    for first17 in ("Y1110000MA0000001", "N2110105MA0000002"):
        code = make(first17)
        # then
        assert is_valid(code)
        assert not uscc.is_valid(code)


def test_central_bodies_use_the_pseudo_region_100000() -> None:
    assert parse(make("11100000000013127")).region_code == "100000"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "credit_code_empty"),
        ("  ", "credit_code_empty"),
        ("91110000600037341", "credit_code_length"),
        ("91110000600037341LL", "credit_code_length"),
        ("91110000600037341I", "credit_code_format"),  # I is not in the alphabet
        ("9111000060003734OL", "credit_code_format"),  # nor O
        ("911A0000600037341L", "credit_code_format"),  # region must be digits
        ("9111000060003734-L", "credit_code_format"),
        ("９1110000600037341L", "credit_code_format"),  # full-width digit
        ("91110000600037341A", "credit_code_check"),
    ],
)
def test_malformed_codes_are_refused(text: str, code: str) -> None:
    assert code_of(text) == code


def test_an_unknown_region_is_refused() -> None:
    # given a well-formed code with a correct check character but region 990000
    text = make("91990000600037341")
    # when
    with pytest.raises(CreditCodeError) as caught:
        parse(text)
    # then
    assert caught.value.code == "credit_code_region_unknown"
    assert "990000" in caught.value.message_en


def test_check_char_refuses_bad_input() -> None:
    with pytest.raises(CreditCodeError) as caught:
        check_char("9111")
    assert caught.value.code == "credit_code_format"


@given(
    head=st.text(alphabet="123456789", min_size=2, max_size=2),
    body=st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
def test_check_char_agrees_with_stdnum(head: str, body: str) -> None:
    # given a first-17 that stdnum also handles (digit authority and type)
    first17 = head + "110105" + body
    # then both compute the same check character
    assert check_char(first17) == uscc.calc_check_digit(first17 + "0")


@given(body=st.text(alphabet=ALPHABET, min_size=9, max_size=9), last=st.sampled_from(ALPHABET))
def test_exactly_one_check_character_is_valid(body: str, last: str) -> None:
    text = "91110105" + body + last
    assert is_valid(text) == (last == check_char(text[:17]))
