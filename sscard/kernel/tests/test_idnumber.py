"""Citizen identity numbers (GB 11643): parsing, kinds, errors, masking."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sscard.kernel import idnumber, regions
from sscard.kernel.errors import KernelError
from sscard.kernel.idnumber import IdKind, IdNumberError, check_digit, is_valid, mask, parse

TODAY = date(2025, 6, 1)


def with_check(first17: str) -> str:
    return first17 + check_digit(first17)


def weights_from_vectors(gm_vectors: dict[str, Any]) -> list[int]:
    """The weights as the vectors file states them in words ("weights 7 9 ... over ...")."""
    described = re.search(r"weights ([\d ]+) over", gm_vectors["citizen_id_check"])
    assert described, "citizen_id_check no longer describes the weights"
    return [int(w) for w in described.group(1).split()]


def code_of(text: str, today: date = TODAY) -> str:
    with pytest.raises(IdNumberError) as caught:
        parse(text, today=today)
    return caught.value.code


# -- the reference vectors -------------------------------------------------------------------


def test_every_reference_vector_parses_with_the_fields_it_spells(
    gm_vectors: dict[str, Any],
) -> None:
    # given the valid numbers of the vectors file
    for value in gm_vectors["citizen_id_valid"]:
        # when parsed
        parsed = parse(value, today=TODAY)
        # then the fields are those written in the number
        assert parsed.value == value
        assert parsed.kind is IdKind.RESIDENT
        assert parsed.birth_date == date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        assert parsed.sex == ("M" if int(value[16]) % 2 else "F")
        assert parsed.region_code == value[:6]
        assert parsed.upgraded_from is None
        assert check_digit(value[:17]) == value[17]


def test_a_person_born_before_1900_is_valid(gm_vectors: dict[str, Any]) -> None:
    # given the vector of someone born in the 19th century (stdnum's ric refuses it)
    old = [v for v in gm_vectors["citizen_id_valid"] if v[6:8] == "18"]
    assert old, "the vectors file must keep a 19th-century birth date"
    # when / then it is accepted
    assert all(is_valid(v, today=TODAY) for v in old)


@given(first17=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_is_the_weighted_mod_11_2_sum(gm_vectors: dict[str, Any], first17: str) -> None:
    # given the weights as the vectors file writes them
    weights = weights_from_vectors(gm_vectors)
    # when the check digit is computed the slow, literal way
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    # then the fast implementation agrees
    assert check_digit(first17) == "10X98765432"[total % 11]


def test_the_weights_constant_matches_the_vectors_file(gm_vectors: dict[str, Any]) -> None:
    assert list(idnumber.WEIGHTS) == weights_from_vectors(gm_vectors)


# -- normalisation ---------------------------------------------------------------------------


def test_whitespace_and_lower_case_x_are_accepted(gm_vectors: dict[str, Any]) -> None:
    # given a vector ending in X
    with_x = next(v for v in gm_vectors["citizen_id_valid"] if v.endswith("X"))
    # when written with a lower-case x and surrounded by spaces
    parsed = parse(f"  {with_x.lower()}\t", today=TODAY)
    # then it comes back normalised
    assert parsed.value == with_x


def test_full_width_digits_are_refused(gm_vectors: dict[str, Any]) -> None:
    value = gm_vectors["citizen_id_valid"][0]
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in value)
    assert code_of(full_width) == "id_format"


def test_a_15_digit_number_is_upgraded(gm_vectors: dict[str, Any]) -> None:
    # given an 18-digit vector of someone born in the 1900s, and its 15-digit original
    value = next(v for v in gm_vectors["citizen_id_valid"] if v[6:8] == "19")
    legacy = value[:6] + value[8:17]
    # when the legacy number is parsed
    parsed = parse(legacy, today=TODAY)
    # then it is the upgraded number, remembering the original
    assert parsed.value == value
    assert parsed.upgraded_from == legacy
    assert parsed.kind is IdKind.RESIDENT


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "id_empty"),
        ("   ", "id_empty"),
        ("11010519491231002", "id_length"),
        ("11010519491231002XX", "id_length"),
        ("1101051949123100", "id_length"),
        ("11010519491231A02X", "id_format"),
        ("11010519491231002Y", "id_format"),
        ("1101051949123100X", "id_length"),
        ("11010549123100X", "id_format"),
        ("110105194912310029", "id_check_digit"),
    ],
)
def test_malformed_numbers_are_refused_with_a_stable_code(text: str, code: str) -> None:
    assert code_of(text) == code


@pytest.mark.parametrize(
    ("birth", "code"),
    [
        ("19990230", "id_birth_date_invalid"),
        ("19000229", "id_birth_date_invalid"),
        ("20011301", "id_birth_date_invalid"),
        ("20010100", "id_birth_date_invalid"),
        ("00000101", "id_birth_date_invalid"),
        ("18491231", "id_birth_date_too_old"),
        ("20250602", "id_birth_date_future"),
    ],
)
def test_impossible_birth_dates_are_refused(birth: str, code: str) -> None:
    # given a number that is well formed, with a correct check digit, but an impossible date
    text = with_check("110105" + birth + "001")
    # when / then
    assert code_of(text) == code


def test_born_today_and_on_leap_day_are_accepted() -> None:
    assert parse(with_check("110105" + TODAY.strftime("%Y%m%d") + "001"), today=TODAY)
    assert parse(with_check("11010520000229001"), today=TODAY).birth_date == date(2000, 2, 29)
    assert parse(with_check("11010518500101001"), today=TODAY)


def test_an_unknown_region_is_refused() -> None:
    # given a well-formed number whose division code does not exist
    text = with_check("10000019800101001")
    # when parsed
    with pytest.raises(IdNumberError) as caught:
        parse(text, today=TODAY)
    # then the code and the bilingual message name the region
    assert caught.value.code == "id_region_unknown"
    assert "100000" in caught.value.message_zh
    assert "100000" in caught.value.message_en
    assert isinstance(caught.value, KernelError)


def test_a_historical_county_code_is_known() -> None:
    # given 北京市宣武区, merged into 西城区 in 2010
    assert is_valid(with_check("11010419700101001"), today=TODAY)


def test_is_valid_mirrors_parse() -> None:
    assert is_valid(with_check("11010519491231001"), today=TODAY)
    assert not is_valid("", today=TODAY)
    assert not is_valid(with_check("11010519991301001"), today=TODAY)


# -- other documents of the same shape -------------------------------------------------------


@pytest.mark.parametrize("region", ["810000", "820000", "830000"])
def test_hong_kong_macao_taiwan_residence_permits(region: str) -> None:
    parsed = parse(with_check(region + "19900101002"), today=TODAY)
    assert parsed.kind is IdKind.HMT_PERMIT
    assert parsed.region_code == region
    assert parsed.sex == "F"


def test_foreign_permanent_resident_id() -> None:
    # given a 2023-style card issued in Beijing (11) to a national of code 840
    parsed = parse(with_check("91184019850615013"), today=TODAY)
    # then
    assert parsed.kind is IdKind.FOREIGN_PERMANENT
    assert parsed.region_code == "110000"
    assert parsed.birth_date == date(1985, 6, 15)
    assert parsed.sex == "M"


def test_foreign_permanent_resident_id_with_an_unknown_province() -> None:
    assert code_of(with_check("99984019850615013")) == "id_region_unknown"


# -- presentation ----------------------------------------------------------------------------


def test_mask_keeps_only_the_first_and_the_last_character(gm_vectors: dict[str, Any]) -> None:
    value = gm_vectors["citizen_id_valid"][0]
    assert mask(value) == value[0] + "*" * 16 + value[-1]
    assert mask("12345") == "*****"


def test_repr_never_shows_the_full_number(gm_vectors: dict[str, Any]) -> None:
    value = gm_vectors["citizen_id_valid"][0]
    parsed = parse(value, today=TODAY)
    assert value not in repr(parsed)
    assert parsed.masked in repr(parsed)


def test_region_names() -> None:
    assert idnumber.region_name("110105") == "北京市朝阳区"
    assert idnumber.region_name("110000") == "北京市"
    assert idnumber.region_name("999999") is None
    assert regions.province_name("440524") == "广东省"


def test_age_on() -> None:
    parsed = parse(with_check("11010520000229001"), today=TODAY)
    assert parsed.age_on(date(2018, 2, 28)) == 17
    assert parsed.age_on(date(2018, 3, 1)) == 18


# -- properties ------------------------------------------------------------------------------


@given(
    region=st.sampled_from(sorted(regions.known_codes())),
    born=st.dates(min_value=date(1850, 1, 1), max_value=TODAY),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_any_well_formed_resident_number_round_trips(
    region: str, born: date, sequence: int
) -> None:
    # given a number built from valid parts
    text = with_check(f"{region}{born:%Y%m%d}{sequence:03d}")
    # when parsed
    parsed = parse(text, today=TODAY)
    # then every part comes back
    assert (parsed.value, parsed.birth_date, parsed.region_code) == (text, born, region)
    assert parsed.sex == ("M" if sequence % 2 else "F")


@given(st.text(max_size=20))
def test_arbitrary_text_is_parsed_or_refused_with_a_known_code(text: str) -> None:
    known = {
        "id_empty",
        "id_length",
        "id_format",
        "id_check_digit",
        "id_birth_date_invalid",
        "id_birth_date_future",
        "id_birth_date_too_old",
        "id_region_unknown",
    }
    if is_valid(text, today=TODAY):
        return
    with pytest.raises(IdNumberError) as caught:
        parse(text, today=TODAY)
    assert caught.value.code in known
    assert caught.value.message_zh
    assert caught.value.message_en


@given(st.dates(min_value=date(1850, 1, 1), max_value=date(2100, 12, 31)))
def test_future_is_relative_to_the_given_today(born: date) -> None:
    text = with_check(f"110105{born:%Y%m%d}001")
    assert is_valid(text, today=born)
    assert not is_valid(text, today=born - timedelta(days=1))


def test_many_distinct_numbers_parse_to_distinct_values() -> None:
    # given 50,000 distinct valid numbers (speed is measured in benchmarks/, not here)
    numbers = [
        with_check(f"110105{1950 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}")
        for i in range(50_000)
    ]
    # when all are parsed, then every one parses to itself
    assert [parse(number, today=TODAY).value for number in numbers] == numbers
