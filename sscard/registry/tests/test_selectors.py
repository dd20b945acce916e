"""Scope of the registry selectors: each role sees exactly what it may, and no more."""

from __future__ import annotations

import pytest

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.registry.selectors import (
    employer_get,
    employer_list,
    employer_staff,
    person_find_by_id_number,
    person_get,
    person_identifiers,
    person_list,
)
from sscard.testing.factories import (
    CHAOYANG,
    SHIJINGSHAN,
    XICHENG,
    AccountFactory,
    EmployerFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db


def test_city_officer_sees_every_person(city_officer):
    # given persons in two districts
    a = PersonFactory.create(insured_region=XICHENG, hukou_region=XICHENG)
    b = PersonFactory.create(insured_region=CHAOYANG, hukou_region=CHAOYANG)
    # when the city officer lists persons
    found = list(person_list(actor=city_officer.actor()))
    # then both are there
    assert found == [a, b]


def test_district_officer_sees_insured_or_registered_in_their_district(district_officer):
    # given one person insured in Xicheng, one with hukou there, one with neither
    insured = PersonFactory.create(insured_region=XICHENG, hukou_region=CHAOYANG)
    registered = PersonFactory.create(insured_region=CHAOYANG, hukou_region=XICHENG)
    elsewhere = PersonFactory.create(insured_region=CHAOYANG, hukou_region=SHIJINGSHAN)
    actor = district_officer.actor()
    # when the Xicheng officer lists persons
    found = set(person_list(actor=actor))
    # then only the first two are there, and the third answers not_found by id
    assert found == {insured, registered}
    with pytest.raises(ApplicationError) as refused:
        person_get(actor=actor, person_id=elsewhere.pk)
    assert refused.value.code == "not_found"
    assert refused.value.status == 404


def test_district_officer_sees_only_employers_of_their_district(district_officer):
    mine = EmployerFactory.create(insured_district=XICHENG)
    other = EmployerFactory.create(insured_district=CHAOYANG)
    actor = district_officer.actor()
    assert list(employer_list(actor=actor)) == [mine]
    with pytest.raises(ApplicationError) as refused:
        employer_get(actor=actor, employer_id=other.pk)
    assert refused.value.code == "not_found"


def test_employer_hr_sees_only_their_staff(employer_hr):
    # given staff of the HR's employer and of another employer
    mine = PersonFactory.create(employer=employer_hr.employer)
    other_employer = EmployerFactory.create()
    theirs = PersonFactory.create(employer=other_employer)
    PersonFactory.create()  # nobody's staff
    actor = employer_hr.actor()
    # then the HR lists only their own staff, and the other employer does not exist for them
    assert list(person_list(actor=actor)) == [mine]
    assert list(employer_list(actor=actor)) == [employer_hr.employer]
    with pytest.raises(ApplicationError) as refused:
        person_get(actor=actor, person_id=theirs.pk)
    assert refused.value.code == "not_found"
    with pytest.raises(ApplicationError) as refused:
        employer_staff(actor=actor, employer_id=other_employer.pk)
    assert refused.value.code == "not_found"


def test_cardholder_sees_only_themself(cardholder):
    other = PersonFactory.create()
    actor = cardholder.actor()
    assert person_get(actor=actor, person_id=cardholder.person_id) == cardholder.person
    with pytest.raises(ApplicationError) as refused:
        person_get(actor=actor, person_id=other.pk)
    assert refused.value.code == "not_found"
    with pytest.raises(ApplicationError) as refused:
        person_list(actor=actor)
    assert refused.value.code == "permission_denied"


@pytest.mark.parametrize(
    "role", ["bank_clerk", "community_clerk", "production_operator", "relying_party"]
)
def test_roles_without_lists_cannot_list_persons_or_employers(role):
    actor = AccountFactory.of_role(role).actor()
    person = PersonFactory.create()
    for select in (person_list, employer_list):
        with pytest.raises(ApplicationError) as refused:
            select(actor=actor)
        assert refused.value.code == "permission_denied"
        assert refused.value.status == 403
    with pytest.raises(ApplicationError) as refused:
        person_get(actor=actor, person_id=person.pk)
    assert refused.value.code == "not_found"


@pytest.mark.parametrize("role", ["bank_clerk", "community_clerk"])
def test_counter_clerk_finds_one_person_by_full_id_number(role):
    # given a person anywhere in the city
    number = make_id_number(4242, region=CHAOYANG)
    person = PersonFactory.create(id_number=number, insured_region=CHAOYANG, hukou_region=CHAOYANG)
    actor = AccountFactory.of_role(role).actor()
    # when the clerk enters the number (lower-case x and spaces are forgiven)
    found = person_find_by_id_number(actor=actor, id_number=f"  {number.lower()} ")
    # then that person is found, and the clerk reads the identifiers in full
    assert found == person
    shown = person_identifiers(actor=actor, person=found)
    assert shown.full
    assert shown.id_number == number
    assert shown.name == person.name


def test_counter_lookup_refuses_an_invalid_number_with_the_kernel_code(bank_clerk):
    number = make_id_number(7)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ApplicationError) as refused:
        person_find_by_id_number(actor=bank_clerk.actor(), id_number=wrong)
    assert refused.value.code == "id_check_digit"
    assert refused.value.status == 422


def test_counter_lookup_of_an_unknown_number_is_not_found(bank_clerk):
    with pytest.raises(ApplicationError) as refused:
        person_find_by_id_number(actor=bank_clerk.actor(), id_number=make_id_number(99))
    assert refused.value.code == "not_found"


def test_lookup_by_hr_stays_within_their_staff(employer_hr):
    number = make_id_number(55)
    PersonFactory.create(id_number=number)  # not staff of this employer
    with pytest.raises(ApplicationError) as refused:
        person_find_by_id_number(actor=employer_hr.actor(), id_number=number)
    assert refused.value.code == "not_found"


@pytest.mark.parametrize("role", ["production_operator", "relying_party", "cardholder"])
def test_roles_without_counter_work_cannot_look_up(role):
    actor = AccountFactory.of_role(role).actor()
    with pytest.raises(ApplicationError) as refused:
        person_find_by_id_number(actor=actor, id_number=make_id_number(1))
    assert refused.value.code == "permission_denied"


def test_officers_and_hr_read_masked_identifiers_even_on_one_person(city_officer):
    person = PersonFactory.create()
    shown = person_identifiers(actor=city_officer.actor(), person=person)
    assert not shown.full
    assert shown.id_number == person.id_number_masked
    assert shown.name == person.masked_name
    assert "*" in shown.id_number


def test_a_cardholder_never_reads_someone_elses_identifiers_in_full(cardholder):
    other = PersonFactory.create()
    shown = person_identifiers(actor=cardholder.actor(), person=other)
    assert not shown.full


def test_system_actor_has_city_scope():
    person = PersonFactory.create()
    assert list(person_list(actor=Actor(role=Role.SYSTEM, label="t"))) == [person]
