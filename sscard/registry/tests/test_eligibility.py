"""One eligibility rule, two evaluations: Python for one person, one SQL query for everyone.

The property: for random populations, every person group of both built-in packs and random
days, the persons the ORM filter selects are exactly those the engine's ``evaluate`` accepts.
Runs on SQLite and on PostgreSQL (``SSCARD_DATABASE_URL``).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sscard.policy import (
    AllOf,
    AnyOf,
    Condition,
    NotOf,
    PackError,
    Predicate,
    builtin_pack,
    evaluate,
)
from sscard.policy.predicates import PERSON_CATEGORIES
from sscard.registry.choices import PersonCategory
from sscard.registry.eligibility import (
    eligible_counts,
    eligible_persons,
    person_facts,
    predicate_q,
)
from sscard.registry.models import Person
from sscard.testing.factories import EmployerFactory, PersonFactory, SchoolFactory

PACKS = [builtin_pack("beijing-2024"), builtin_pack("shanghai-2019")]
CATEGORIES = sorted(PERSON_CATEGORIES)
# Districts of both cities (pilot and others), other provinces, and no region at all.
REGIONS = [
    "110102",
    "110105",
    "110107",
    "110116",
    "310106",
    "310107",
    "310115",
    "310101",
    "130102",
    "440305",
    "",
]
EMPLOYER_DISTRICTS = ["110102", "110105", "110107", "110116", "310106", "310101", "310115"]
# Birthdays that sit on the age boundaries the packs use (80) and on 29 February.
TRICKY_BIRTHS = [
    date(1944, 2, 29),
    date(1944, 3, 1),
    date(1943, 2, 28),
    date(1939, 6, 30),
    date(1939, 7, 1),
    date(2012, 2, 29),
]
TRICKY_DAYS = [date(2024, 2, 29), date(2019, 2, 28), date(2019, 3, 1), date(2019, 6, 30)]

person_st = st.fixed_dictionaries(
    {
        "category": st.sampled_from(CATEGORIES),
        "hukou_region": st.sampled_from(REGIONS),
        "insured_region": st.sampled_from(REGIONS),
        "birth_date": st.dates(date(1925, 1, 1), date(2024, 12, 31))
        | st.sampled_from(TRICKY_BIRTHS),
        "employer": st.none() | st.integers(0, 3),
        "school": st.none() | st.integers(0, 2),
    }
)
population_st = st.fixed_dictionaries(
    {
        "employers": st.lists(st.sampled_from(EMPLOYER_DISTRICTS), min_size=4, max_size=4),
        "schools": st.lists(
            st.none() | st.dates(date(2018, 6, 1), date(2025, 6, 30)), min_size=3, max_size=3
        ),
        "persons": st.lists(person_st, min_size=0, max_size=14),
        "days": st.lists(
            st.dates(date(2018, 6, 1), date(2025, 12, 31)) | st.sampled_from(TRICKY_DAYS),
            min_size=1,
            max_size=3,
        ),
    }
)


def _build(population: dict[str, Any]) -> list[Person]:
    employers = [EmployerFactory.create(insured_district=d) for d in population["employers"]]
    schools = [SchoolFactory.create(notified_on=n) for n in population["schools"]]
    persons = []
    for spec in population["persons"]:
        persons.append(
            PersonFactory.create(
                category=spec["category"],
                hukou_region=spec["hukou_region"],
                insured_region=spec["insured_region"],
                birth_date=spec["birth_date"],
                employer=None if spec["employer"] is None else employers[spec["employer"]],
                school=None if spec["school"] is None else schools[spec["school"]],
            )
        )
    return persons


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(population=population_st)
def test_the_sql_selection_and_the_python_rule_agree(population: dict[str, Any]) -> None:
    with transaction.atomic():
        # given a random population
        persons = _build(population)
        facts = {
            p.id: person_facts(p)
            for p in Person.objects.select_related("employer", "school").filter(
                id__in=[p.id for p in persons]
            )
        }
        for pack in PACKS:
            for today in population["days"]:
                expected_counts: dict[str, Counter[str]] = {}
                for gid, group in pack.groups.items():
                    if group.subject != "person":
                        continue
                    # when the group is selected in SQL and evaluated in Python
                    selected = set(
                        eligible_persons(pack, gid, today=today).values_list("id", flat=True)
                    )
                    accepted = {
                        pid for pid, f in facts.items() if evaluate(group.predicate, f, today)
                    }
                    # then both give the same persons
                    assert selected == accepted, (pack.id, gid, today)
                    for pid in accepted:
                        f = facts[pid]
                        district = f.employer_district or f.insured_region or f.hukou_region
                        expected_counts.setdefault(district, Counter())[gid] += 1
                # and the one-query counts by district agree with them too
                counts = eligible_counts(pack, today=today)
                assert counts == {d: dict(c) for d, c in expected_counts.items()}
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_negations_and_empty_combinations_agree() -> None:
    # given persons with and without employer and school
    notified = SchoolFactory.create(notified_on=date(2019, 4, 1))
    silent = SchoolFactory.create(notified_on=None)
    employer = EmployerFactory.create(insured_district="110102")
    persons = [
        PersonFactory.create(employer=employer, school=notified),
        PersonFactory.create(employer=None, school=silent),
        PersonFactory.create(employer=None, school=None),
    ]
    today = date(2019, 5, 1)
    predicates: list[Predicate] = [
        AllOf(()),
        AnyOf(()),
        NotOf(AllOf(())),
        NotOf(AnyOf(())),
        NotOf(Condition("employer_district", "in", ("110102",))),
        Condition("employer_district", "not_in", ("110102",)),
        NotOf(Condition("employer_district", "prefix_in", ("11",))),
        NotOf(Condition("school_notified", "is_true", ())),
        NotOf(NotOf(Condition("school_notified", "is_true", ()))),
        AnyOf((NotOf(Condition("age", "between", (0, 200))), AllOf(()))),
    ]
    for predicate in predicates:
        # when compiled and evaluated
        selected = set(
            Person.objects.filter(predicate_q(predicate, today=today)).values_list("id", flat=True)
        )
        accepted = {p.id for p in persons if evaluate(predicate, person_facts(p), today)}
        # then they agree, missing employers and schools included
        assert selected == accepted, predicate


@pytest.mark.django_db
def test_counts_take_one_query() -> None:
    # given a few persons
    employer = EmployerFactory.create(insured_district="110102")
    PersonFactory.create_batch(3, employer=employer)
    pack = PACKS[0]
    # when the counts are taken
    with CaptureQueriesContext(connection) as queries:
        counts = eligible_counts(pack, today=date(2024, 2, 1))
    # then one aggregate query answers for every group and district
    assert len(queries.captured_queries) == 1
    assert counts["110102"]["pilot_staff"] == 3


def test_an_employer_group_does_not_select_persons() -> None:
    # given the Beijing pack's employer group of the pilot
    # when it is used to select persons
    with pytest.raises(PackError) as refused:
        eligible_persons(PACKS[0], "pilot_units", today=date(2024, 2, 1))
    # then it is refused with a stable code
    assert refused.value.code == "pack_group_not_person"


def test_the_policy_categories_are_the_registry_categories() -> None:
    assert set(PersonCategory.values) == PERSON_CATEGORIES
