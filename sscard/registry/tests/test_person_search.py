"""Finding people fast (issue 12, point 4): every filter of ``person_list``, always inside the
actor's scope, the identifiers found through their keyed indexes.

Runs on SQLite and on PostgreSQL (``SSCARD_DATABASE_URL``): the blind-index searches and the
name prefix are the same queries on both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from django.db import connection

from sscard.applications.tests.support import branch
from sscard.cards.choices import CardBlock, CardStage, SocialSecurityFunction
from sscard.cards.services.departure import departure_record
from sscard.cards.tests.support import TODAY, application, card, card_ordered, in_force
from sscard.core.actors import Actor, Role
from sscard.core.crypto import PHONE_TAIL, field_cipher
from sscard.core.errors import ApplicationError
from sscard.delivery.tests.page_support import in_stock
from sscard.registry.models import Person
from sscard.registry.selectors import employer_list, employer_pick, person_list
from sscard.registry.statuses import person_statuses
from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    AccountFactory,
    EmployerFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db
CITY = Actor(role=Role.CITY_OFFICER, label="city", city_code="110000")
XICHENG_OFFICER = Actor(role=Role.DISTRICT_OFFICER, label="xicheng", district_code=XICHENG)


def _ids(persons: Iterable[Person]) -> set[int]:
    return {p.pk for p in persons}


def _stored(value: bytes | memoryview | None) -> bytes:
    """A stored binary column's bytes (the column is nullable: here it must hold a value)."""
    assert value is not None
    return bytes(value)


def test_a_full_id_number_finds_its_person_through_the_keyed_index() -> None:
    # given two persons
    number = make_id_number(71)
    wanted = PersonFactory.create(id_number=number)
    PersonFactory.create(id_number=make_id_number(72))
    # when the officer searches by the full number (a lower-case x and spaces forgiven)
    found = person_list(actor=CITY, id_number=f" {number.lower()} ")
    # then only that person, and the query compared index bytes, never a decrypted column
    assert _ids(found) == {wanted.pk}
    sql = str(found.query)
    assert "id_number_index" in sql
    assert "id_number_enc" not in sql.split("WHERE", 1)[1]


def test_an_invalid_id_number_is_refused_with_the_kernels_code() -> None:
    with pytest.raises(ApplicationError) as refused:
        person_list(actor=CITY, id_number="110102195001010000")
    assert refused.value.status == 422
    assert refused.value.code == "id_check_digit"


def test_a_name_matches_whole_or_by_its_beginning_and_nothing_else() -> None:
    zhang_san = PersonFactory.create(name="张三")
    zhang_sanfeng = PersonFactory.create(name="张三丰")
    PersonFactory.create(name="李张三")  # holds the name, does not begin with it
    assert _ids(person_list(actor=CITY, name="张三")) == {zhang_san.pk, zhang_sanfeng.pk}
    assert _ids(person_list(actor=CITY, name=" 张三丰 ")) == {zhang_sanfeng.pk}
    with pytest.raises(ApplicationError) as refused:
        person_list(actor=CITY, name="张" * 65)
    assert refused.value.code == "search_name_invalid"


def test_a_phone_tail_is_found_through_its_own_keyed_index() -> None:
    # given two persons whose phones end alike and one whose does not
    a = PersonFactory.create(phone="13812345678")
    b = PersonFactory.create(phone="13900005678")
    PersonFactory.create(phone="13812345679")
    PersonFactory.create(phone=None)
    # when searched by the last four digits
    found = person_list(actor=CITY, phone_tail="5678")
    # then both, through an index of the tail alone (not the full number's index)
    assert _ids(found) == {a.pk, b.pk}
    stored = _stored(Person.objects.get(pk=a.pk).phone_tail_index)
    assert stored == field_cipher().index("5678", field=PHONE_TAIL)
    assert stored != _stored(Person.objects.get(pk=a.pk).phone_index)
    for bad in ("567", "56789", "56a8"):
        with pytest.raises(ApplicationError) as refused:
            person_list(actor=CITY, phone_tail=bad)
        assert refused.value.code == "phone_tail_invalid"


def test_employer_by_a_part_of_its_name_or_its_whole_credit_code() -> None:
    acme = EmployerFactory.create(name="北京示例科技有限公司")
    other = EmployerFactory.create(name="北京另一家公司")
    staff = PersonFactory.create(employer=acme)
    PersonFactory.create(employer=other)
    PersonFactory.create()
    assert _ids(person_list(actor=CITY, employer="示例科技")) == {staff.pk}
    assert _ids(person_list(actor=CITY, employer=acme.credit_code.lower())) == {staff.pk}
    assert _ids(person_list(actor=CITY, employer_id=acme.pk)) == {staff.pk}


def test_filters_combine_category_and_district() -> None:
    kept = PersonFactory.create(
        name="王五", category="retiree", insured_region=CHAOYANG, hukou_region=CHAOYANG
    )
    PersonFactory.create(name="王五", category="retiree", insured_region=XICHENG)
    PersonFactory.create(
        name="王五", category="in_service_staff", insured_region=CHAOYANG, hukou_region=CHAOYANG
    )
    found = person_list(actor=CITY, name="王", category="retiree", district=CHAOYANG)
    assert _ids(found) == {kept.pk}


def test_each_card_and_application_status_selects_its_persons() -> None:
    # given a person in each state the filter knows
    campaign = in_force()
    at_outlet, _id_number, waiting = in_stock(branch("ICBC"))
    assert waiting.stage == CardStage.AT_OUTLET
    nothing = PersonFactory.create()
    applied = PersonFactory.create()
    application(campaign, applied)
    being_made = PersonFactory.create()
    card_ordered(being_made, campaign=campaign)
    not_enabled = PersonFactory.create()
    card(not_enabled)  # handed over, not enabled
    enabled = PersonFactory.create()
    card(enabled, ss_function=SocialSecurityFunction.ENABLED)
    blocked = PersonFactory.create()
    card(blocked, ss_function=SocialSecurityFunction.ENABLED, block=CardBlock.FORMAL)
    replaced_only = PersonFactory.create()
    card(replaced_only, ss_function=SocialSecurityFunction.CANCELLED)
    died = PersonFactory.create()
    card(died, ss_function=SocialSecurityFunction.ENABLED)
    departure_record(
        actor=CITY, person=died, kind="death", on=TODAY, reference="死亡证明", today=TODAY
    )  # the card is cancelled with it
    expected = {
        "no_card": {nothing.pk, applied.pk, replaced_only.pk, died.pk},
        "application_open": {applied.pk},
        "card_being_made": {being_made.pk},
        "card_at_outlet": {at_outlet.pk},
        "card_not_enabled": {not_enabled.pk},
        "card_enabled": {enabled.pk, blocked.pk},
        "card_blocked": {blocked.pk},
        "departed": {died.pk},
    }
    # then every registered status is one of these, and each selects exactly its persons
    assert [s.key for s in person_statuses()] == list(expected)
    for key, pks in expected.items():
        assert _ids(person_list(actor=CITY, status=key)) == pks, key
    with pytest.raises(ApplicationError) as refused:
        person_list(actor=CITY, status="lost_in_space")
    assert refused.value.code == "person_status_unknown"


def test_a_district_officer_never_finds_another_districts_person_by_any_filter() -> None:
    # given the same name, phone tail and employer in and out of the officer's district
    number = make_id_number(81, region=CHAOYANG)
    employer = EmployerFactory.create(name="跨区公司")
    outside = PersonFactory.create(
        id_number=number,
        name="赵六",
        phone="13811112222",
        employer=employer,
        insured_region=CHAOYANG,
        hukou_region=CHAOYANG,
    )
    inside = PersonFactory.create(name="赵六", phone="13933332222", employer=employer)
    # when the Xicheng officer searches for them
    searches: list[dict[str, Any]] = [
        {"id_number": number},
        {"name": "赵六"},
        {"phone_tail": "2222"},
        {"employer": "跨区"},
        {"district": CHAOYANG},
        {"status": "no_card"},
    ]
    for search in searches:
        found = _ids(person_list(actor=XICHENG_OFFICER, **search))
        # then the Chaoyang person never comes back (the district filter narrows, never widens)
        assert outside.pk not in found, search
    assert _ids(person_list(actor=XICHENG_OFFICER, phone_tail="2222")) == {inside.pk}


def test_hr_finds_only_their_own_staff() -> None:
    hr = AccountFactory.create(employer_hr=True)
    mine = PersonFactory.create(name="钱七", phone="13800007777", employer=hr.employer)
    number = make_id_number(91)
    other = PersonFactory.create(
        id_number=number, name="钱七", phone="13900007777", employer=EmployerFactory.create()
    )
    actor = hr.actor()
    assert _ids(person_list(actor=actor, name="钱七")) == {mine.pk}
    assert _ids(person_list(actor=actor, phone_tail="7777")) == {mine.pk}
    assert not person_list(actor=actor, id_number=number).exists()
    assert not person_list(actor=actor, employer_id=other.employer_id).exists()


@pytest.mark.parametrize("role", ["bank_clerk", "community_clerk"])
def test_a_counter_clerk_may_not_search_by_name_or_phone(role: str) -> None:
    # a clerk finds one holder by the full ID number presented (person_find_by_id_number)
    actor = AccountFactory.of_role(role).actor()
    PersonFactory.create(name="孙八", phone="13800008888")
    searches: list[dict[str, Any]] = [
        {"name": "孙八"},
        {"phone_tail": "8888"},
        {"employer": "公司"},
        {},
    ]
    for search in searches:
        with pytest.raises(ApplicationError) as refused:
            person_list(actor=actor, **search)
        assert refused.value.code == "permission_denied"


def test_employers_by_a_part_of_the_name_or_the_whole_credit_code() -> None:
    acme = EmployerFactory.create(name="北京示例科技有限公司")
    EmployerFactory.create(name="北京另一家公司")
    EmployerFactory.create(name="朝阳示例公司", insured_district=CHAOYANG)
    assert {e.pk for e in employer_list(actor=CITY, name="示例科技")} == {acme.pk}
    assert list(employer_list(actor=CITY, credit_code=f" {acme.credit_code.lower()} ")) == [acme]
    # a district officer's search stays in the district
    assert {e.name for e in employer_list(actor=XICHENG_OFFICER, name="示例")} == {acme.name}


def test_the_employer_picker_needs_a_text_and_returns_a_few() -> None:
    clerk = AccountFactory.create(bank_clerk=True).actor()
    for n in range(25):
        EmployerFactory.create(name=f"示例单位{n:02d}")
    EmployerFactory.create(name="外地单位", insured_district="440106")
    assert employer_pick(actor=clerk, text="  ") == []
    found = employer_pick(actor=clerk, text="示例单位")
    assert len(found) == 20
    assert [e.name for e in found] == sorted(e.name for e in found)
    # the clerk's city only (the account names Beijing)
    assert employer_pick(actor=clerk, text="外地") == []
    holder = AccountFactory.create(cardholder=True).actor()
    with pytest.raises(ApplicationError):
        employer_pick(actor=holder, text="示例")


@pytest.mark.postgres(reason="the name's prefix index uses PostgreSQL's varchar_pattern_ops")
def test_the_name_prefix_index_serves_like_on_postgresql() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'person_name_prefix'")
        (definition,) = cursor.fetchone()
    assert "varchar_pattern_ops" in definition
