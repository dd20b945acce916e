"""HR's roster names staff who already have a card, or an application in progress elsewhere
(issue 9, point 6): on the page as "已有卡" with the card's stage and function by name, and in
the API with the code and the same reason; neither counts as applicable."""

from __future__ import annotations

import pytest

from sscard.applications.models import CollectiveApplication
from sscard.applications.services import application_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    branch,
    clerk,
    in_force,
    notified_collective,
)
from sscard.cards.models import Card
from sscard.cards.tests.support import card
from sscard.registry.models import Employer, Person
from sscard.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _unit_with_a_card_holder_and_an_applicant(
    employer: Employer,
) -> tuple[CollectiveApplication, list[Person], Card]:
    in_force("beijing-2024")
    address = "北京市西城区测试街1号"
    staff = [PersonFactory.create(employer=employer, address=address) for _ in range(3)]
    held = card(staff[0], generation=3, ss_function="enabled")
    collective = notified_collective(employer)
    application_submit(
        actor=clerk(branch("ICBC", instant_issuance=True)),
        person=staff[1],
        channel="instant_outlet",
        action="replace_lost",
        day=BJ_PILOT_DAY,
        photo_source="id_card",
    )
    return collective, staff, held


def test_the_roster_page_shows_who_already_has_a_card_by_name(
    employer_hr, client_for, django_assert_max_num_queries
):
    # given a unit whose first member holds an enabled third-generation card, and whose second
    # has just applied at a counter
    collective, _staff, held = _unit_with_a_card_holder_and_an_applicant(employer_hr.employer)
    hr = client_for(employer_hr)
    # when HR opens the roster
    with django_assert_max_num_queries(12):
        page = hr.get(f"/collective/?id={collective.pk}", HTTP_HX_REQUEST="true")
    text = page.content.decode()
    # then the card holder appears as "already has a card", with the card's state by name
    assert page.status_code == 200
    assert "已有卡" in text
    assert f"已有卡：卡号{held.card_number}" in text
    assert "社保功能已启用" in text
    # and the applicant as "application in progress", the channel by name, never by code
    assert "申领办理中：即时制卡网点" in text
    assert "instant_outlet" not in text
    assert "data-not-applicable>2<" in text


def test_the_roster_api_names_the_reason_and_its_code(employer_hr, client_for):
    collective, staff, held = _unit_with_a_card_holder_and_an_applicant(employer_hr.employer)
    hr = client_for(employer_hr)
    items = hr.get(f"/api/v1/collectives/{collective.pk}/roster").json()["items"]
    by_person = {item["person_id"]: item for item in items}
    assert by_person[staff[0].pk]["not_applicable"] == "card_already_held"
    assert held.card_number in by_person[staff[0].pk]["not_applicable_reason"]
    assert by_person[staff[1].pk]["not_applicable"] == "application_already_open"
    assert by_person[staff[2].pk]["not_applicable"] == ""
    assert by_person[staff[2].pk]["status"] == "invited"
    # the card holder was never asked to confirm (the applicant applied after the invitation)
    assert by_person[staff[0].pk]["status"] == "listed"
    assert by_person[staff[1].pk]["status"] == "invited"
    detail = hr.get(f"/api/v1/collectives/{collective.pk}").json()
    assert detail["progress"]["not_applicable"] == 2
