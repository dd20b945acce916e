"""Predicates: the meaning of each condition, ages, parsing, and the overlap check."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sscard.policy import AllOf, AnyOf, Condition, EmployerFacts, NotOf, PackError, evaluate
from sscard.policy.predicates import (
    TRUE,
    age_on,
    birth_cutoff,
    is_constant_true,
    may_overlap,
    parse_predicate,
)
from sscard.policy.tests.packs import person

TODAY = date(2024, 3, 1)
STAFF = Condition("category", "in", ("in_service_staff",))
RETIREE = Condition("category", "in", ("retiree",))
XICHENG_EMPLOYER = Condition("employer_district", "in", ("110102",))
SHANGHAI_HUKOU = Condition("hukou_region", "prefix_in", ("31",))


def test_in_and_not_in_treat_a_missing_employer_as_outside() -> None:
    # given a person without employer
    nobody = person(employer_district=None)
    # then they are never "in" a district list, and always "not in" one
    assert not evaluate(XICHENG_EMPLOYER, nobody, TODAY)
    assert evaluate(Condition("employer_district", "not_in", ("110102",)), nobody, TODAY)
    assert not evaluate(Condition("employer_district", "prefix_in", ("11",)), nobody, TODAY)


def test_prefix_in_matches_region_codes_by_prefix() -> None:
    assert evaluate(SHANGHAI_HUKOU, person(hukou_region="310115"), TODAY)
    assert evaluate(
        Condition("hukou_region", "prefix_in", ("3101",)), person(hukou_region="310101"), TODAY
    )
    assert not evaluate(SHANGHAI_HUKOU, person(hukou_region="130102"), TODAY)
    assert not evaluate(SHANGHAI_HUKOU, person(hukou_region=""), TODAY)


def test_age_between_is_inclusive_whole_years_on_today() -> None:
    adult = Condition("age", "between", (18, 59))
    assert evaluate(adult, person(birth_date=date(2006, 3, 1)), TODAY)  # 18 today
    assert not evaluate(adult, person(birth_date=date(2006, 3, 2)), TODAY)  # 17
    assert evaluate(adult, person(birth_date=date(1964, 3, 2)), TODAY)  # 59
    assert not evaluate(adult, person(birth_date=date(1964, 3, 1)), TODAY)  # 60 today


def test_a_leap_day_birthday_comes_on_the_first_of_march_in_common_years() -> None:
    born = date(2004, 2, 29)
    assert age_on(born, date(2023, 2, 28)) == 18
    assert age_on(born, date(2023, 3, 1)) == 19
    assert age_on(born, date(2024, 2, 29)) == 20
    assert birth_cutoff(date(2024, 2, 29), 1) == date(2023, 2, 28)


@given(
    birth=st.dates(date(1900, 1, 1), date(2030, 12, 31)),
    today=st.dates(date(1990, 1, 1), date(2030, 12, 31)),
    years=st.integers(0, 130),
)
def test_the_birth_cutoff_is_exactly_the_age_boundary(birth: date, today: date, years: int) -> None:
    # the SQL filter uses the cutoff, the engine the age: they must be the same test
    assert (age_on(birth, today) >= years) == (birth <= birth_cutoff(today, years))


def test_school_notified_holds_from_the_notice_day_on() -> None:
    notified = Condition("school_notified", "is_true", ())
    pupil = person(category="pupil", employer_district=None, school_notified_on=TODAY)
    assert evaluate(notified, pupil, TODAY)
    assert not evaluate(notified, pupil, date(2024, 2, 29))
    assert not evaluate(notified, person(school_notified_on=None), TODAY)


def test_combinators() -> None:
    staff = person()
    assert evaluate(AllOf((STAFF, XICHENG_EMPLOYER)), staff, TODAY)
    assert evaluate(AnyOf((RETIREE, XICHENG_EMPLOYER)), staff, TODAY)
    assert not evaluate(NotOf(STAFF), staff, TODAY)
    assert evaluate(TRUE, staff, TODAY)
    assert not evaluate(AnyOf(()), staff, TODAY)
    assert is_constant_true(AllOf((AllOf(()),)))
    assert not is_constant_true(STAFF)


def test_an_employer_is_tested_on_its_insured_district_only() -> None:
    unit = EmployerFacts(insured_district="110102")
    assert evaluate(XICHENG_EMPLOYER, unit, TODAY)
    assert not evaluate(STAFF, unit, TODAY)
    assert not evaluate(Condition("category", "not_in", ("retiree",)), unit, TODAY)


def test_parsing_builds_the_ast() -> None:
    raw = {
        "all": [
            {"fact": "category", "op": "in", "values": ["retiree"]},
            {"not": {"fact": "hukou_region", "op": "prefix_in", "values": ["11"]}},
            {"any": []},
        ]
    }
    assert parse_predicate(raw) == AllOf(
        (RETIREE, NotOf(Condition("hukou_region", "prefix_in", ("11",))), AnyOf(()))
    )


def test_parsing_reports_the_sub_path() -> None:
    with pytest.raises(PackError) as info:
        parse_predicate({"any": [{"all": [{"fact": "age", "op": "between", "values": [3]}]}]})
    assert info.value.path == "any[0].all[0].values"


def test_overlap_is_found_or_ruled_out_exactly() -> None:
    # categories apart: never together
    assert not may_overlap(AllOf((STAFF, XICHENG_EMPLOYER)), RETIREE)
    # a district and its city's prefix: together
    assert may_overlap(XICHENG_EMPLOYER, Condition("employer_district", "prefix_in", ("11",)))
    # a predicate and its negation: never
    eligible = AnyOf((SHANGHAI_HUKOU, Condition("insured_region", "prefix_in", ("31",))))
    assert not may_overlap(eligible, NotOf(eligible))
    # age ranges that touch at one year: together; that do not: never
    assert may_overlap(Condition("age", "between", (0, 18)), Condition("age", "between", (18, 60)))
    assert not may_overlap(
        Condition("age", "between", (0, 17)), Condition("age", "between", (18, 60))
    )
    # employers: a district inside a city's prefix
    assert may_overlap(
        XICHENG_EMPLOYER, Condition("employer_district", "prefix_in", ("11",)), employer=True
    )
    assert not may_overlap(
        XICHENG_EMPLOYER, Condition("employer_district", "in", ("110105",)), employer=True
    )
