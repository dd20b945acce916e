"""Check characters, sampling tables, the ID number space and employer sizes."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from sscard.synthetic.checks import (
    USCC_ALPHABET,
    id_check_char,
    org_code_check_char,
    uscc_check_char,
)
from sscard.synthetic.cities import city_profile
from sscard.synthetic.employers import build_employers, employer_sizes
from sscard.synthetic.idspace import AgeWindows, IdSpace, age_on
from sscard.synthetic.places import chinese_number
from sscard.synthetic.tables import expand


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_id_check_char_matches_stdnum(first17: str) -> None:
    assert id_check_char(first17) == ric.calc_check_digit(first17 + "0")


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_matches_stdnum(first17: str) -> None:
    assert uscc_check_char(first17) == uscc.calc_check_digit(first17)


def test_org_code_check_char() -> None:
    # 91110000600037341L (python-stdnum's example): organisation code 60003734-1.
    assert org_code_check_char("60003734") == "1"
    assert uscc.is_valid("9111000060003734" + org_code_check_char("60003734") + "L")


def test_check_chars_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="need 17 digits"):
        id_check_char("12345")
    with pytest.raises(ValueError, match="USCC alphabet"):
        uscc_check_char("I" * 17)


def test_expand() -> None:
    table = expand([1, 0, 3], 16)
    assert len(table) == 16
    assert table.count(0) == 4
    assert table.count(2) == 12
    assert expand([1e-9, 1.0], 8).count(0) == 1  # every positive weight appears
    with pytest.raises(ValueError, match="no positive weight"):
        expand([0, 0], 4)


def test_id_space_fills_a_bucket_then_refuses() -> None:
    windows = AgeWindows(dt.date(2024, 1, 31))
    space = IdSpace(windows)
    region = space.region("110105")
    days = len(windows.dates[0])
    numbers = [space.number(region, 0, False) for _ in range(days * 499)]
    assert len(set(numbers)) == len(numbers)
    for number in numbers[:: days - 1]:
        assert ric.is_valid(number)
        assert int(number[16]) % 2 == 0
        assert (
            age_on(
                dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])), windows.as_of
            )
            == 0
        )
    with pytest.raises(RuntimeError, match="bucket full"):
        space.number(region, 0, False)
    assert ric.is_valid(space.number(region, 0, True))  # the men's bucket is separate


def test_age_windows_are_exact() -> None:
    as_of = dt.date(2024, 2, 29)
    windows = AgeWindows(as_of)
    for w in (0, 1, 4, 55, 99):
        dates = windows.dates[w]
        assert len(set(dates)) == len(dates) in (365, 366)
        for text in (dates[0], dates[-1]):
            birth = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
            assert age_on(birth, as_of) == w


def test_employer_sizes() -> None:
    rng = random.Random(1)
    small = employer_sizes(9_000, rng)
    assert sum(small) == 9_000
    assert len(small) == 600
    assert min(small) >= 1
    assert sum(1 for s in small if s < 20) / len(small) > 0.8
    big = employer_sizes(450_000, rng)
    assert sum(big) == 450_000
    assert len(big) == 30_000
    assert sum(1 for s in big if s >= 50_000) >= 3
    assert sorted(big)[len(big) // 2] < 20


def test_chinese_number() -> None:
    assert [chinese_number(n) for n in (1, 10, 12, 25, 105, 110, 999)] == [
        "一", "十", "十二", "二十五", "一百零五", "一百一十", "九百九十九",
    ]  # fmt: skip


def test_staff_slots_give_every_employer_exactly_its_size() -> None:
    profile = city_profile("beijing")
    employers = build_employers(profile, 3_000, random.Random(5), [0, 1, 2, 3], io.StringIO())
    counts = [0] * len(employers.codes)
    for j in range(employers.staff):
        counts[employers.staff_employer(j)] += 1
    assert counts == list(employers.sizes)
    assert 0 <= employers.weighted_employer(0.999999) < len(employers.codes)
