"""Every lookup that shows a person's record to a clerk is an access event in the audit trail
(who, from which outlet, whose record, which fields, for what service), bounded per clerk and
per outlet each hour; and a clerk finds people only by the full ID number presented."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from sscard.applications.tests.support import (
    SH_DAY,
    branch,
    centre,
    in_force,
    shanghai_person,
)
from sscard.core.audit import audit_verify_chain
from sscard.core.models import AuditEvent
from sscard.portal.models import Account
from sscard.registry.models import Person
from sscard.registry.services import (
    CARD_COUNTER_FIELDS,
    COUNTER_APPLICATION_FIELDS,
    COUNTER_LOOKUP_FIELDS,
    DISCLOSED,
    PERSON_OBJECT,
)
from sscard.testing.factories import CHAOYANG, AccountFactory, PersonFactory, make_id_number

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _events(person: Person) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=DISCLOSED, object_type=PERSON_OBJECT, object_id=str(person.pk)
        ).order_by("pk")
    )


def _person(n: int) -> tuple[Person, str]:
    number = make_id_number(n, region=CHAOYANG)
    return PersonFactory.create(id_number=number, phone="13600002222"), number


def _assert_one_event(person: Person, clerk: Account, *, purpose: str, fields: Any) -> None:
    (event,) = _events(person)
    assert event.actor_role == clerk.role
    assert event.actor_user_id == clerk.user_id
    assert event.changes == {
        "purpose": purpose,
        "fields": [str(f) for f in fields],
        "outlet_id": clerk.outlet_id,
    }
    # the changes carry names of fields, never their values
    assert person.name not in str(event.changes)
    assert audit_verify_chain().ok


# --- each lookup path writes one access event -------------------------------------------------


@pytest.mark.parametrize("role", ["bank_clerk", "community_clerk"])
def test_the_counter_lookup_page_records_one_access_event(role, client_for):
    # given a person and a clerk
    person, number = _person(501)
    clerk = AccountFactory.of_role(role)
    # when the clerk looks the person up at /counter/
    response = client_for(clerk).post("/counter/", {"id_number": number})
    # then they see the record and one access event says who, whose, what and what for
    assert response.status_code == 200
    assert number in response.content.decode()
    _assert_one_event(person, clerk, purpose="counter_lookup", fields=COUNTER_LOOKUP_FIELDS)


def test_the_lookup_api_records_one_access_event(bank_clerk, client_for):
    person, number = _person(502)
    response = client_for(bank_clerk).post(
        "/api/v1/persons/lookup", {"id_number": number}, content_type=JSON
    )
    assert response.status_code == 200
    assert response.json()["id_number"] == number
    _assert_one_event(person, bank_clerk, purpose="counter_lookup", fields=COUNTER_LOOKUP_FIELDS)


def test_serving_a_holder_at_the_card_counter_records_one_access_event(bank_clerk, client_for):
    person, number = _person(503)
    response = client_for(bank_clerk).post(
        "/cards/counter/serve/", {"id_number": number}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert person.masked_name in response.content.decode()
    _assert_one_event(person, bank_clerk, purpose="card_counter", fields=CARD_COUNTER_FIELDS)


def test_the_card_counter_api_records_one_access_event(community_clerk, client_for):
    person, number = _person(504)
    response = client_for(community_clerk).post(
        "/api/v1/outlets/counter/serve", {"id_number": number}, content_type=JSON
    )
    assert response.status_code == 200, response.json()
    assert response.json()["cards"] == []
    _assert_one_event(person, community_clerk, purpose="card_counter", fields=CARD_COUNTER_FIELDS)


def test_an_application_taken_at_the_counter_page_records_one_access_event(client_for):
    in_force("shanghai-2019")
    desk = centre(district="310101")
    clerk = AccountFactory.create(community_clerk=True, outlet=desk, city_code="310000")
    number = make_id_number(505, region="310101")
    person = shanghai_person(id_number=number)
    client_for(clerk).post(
        "/applications/counter/",
        {
            "id_number": number,
            "action": "first",
            "channel": "community_centre",
            "bank": "BOSC",
            "photo_source": "id_card",
            "backup_centre": desk.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    # the engine's decision (here: the campaign has ended) was shown for this person
    _assert_one_event(
        person, clerk, purpose="counter_application", fields=COUNTER_APPLICATION_FIELDS
    )


def test_an_application_taken_through_the_api_records_one_access_event(client_for):
    in_force("shanghai-2019")
    desk = centre()
    clerk = AccountFactory.create(community_clerk=True, outlet=desk)
    number = make_id_number(506, region="310101")
    person = shanghai_person(id_number=number)
    created = client_for(clerk).post(
        "/api/v1/applications",
        {
            "id_number": number,
            "channel": "community_centre",
            "action": "first",
            "day": SH_DAY.isoformat(),
            "bank": "BOSC",
            "backup_centre_id": desk.pk,
            "photo_source": "id_card",
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.json()
    _assert_one_event(
        person, clerk, purpose="counter_application", fields=COUNTER_APPLICATION_FIELDS
    )


def test_a_failed_lookup_records_nothing(bank_clerk, client_for):
    # given a number nobody holds, and a malformed one
    client = client_for(bank_clerk)
    missing = client.post(
        "/api/v1/persons/lookup", {"id_number": make_id_number(507)}, content_type=JSON
    )
    malformed = client.post("/api/v1/persons/lookup", {"id_number": "1101"}, content_type=JSON)
    # then nothing was shown and nothing is recorded
    assert (missing.status_code, malformed.status_code) == (404, 422)
    assert not AuditEvent.objects.filter(action=DISCLOSED).exists()


def test_the_holders_own_record_and_officers_masked_lookups_are_not_disclosures(client_for):
    # given a holder and a city officer of the person's city
    person, number = _person(508)
    holder = client_for(AccountFactory.create(cardholder=True, person=person))
    officer = client_for(AccountFactory.create())
    # when the holder reads their own record and the officer finds the person (masked)
    assert holder.get("/me/").status_code == 200
    assert holder.get(f"/api/v1/persons/{person.pk}").json()["identifiers_full"] is True
    found = officer.post("/api/v1/persons/lookup", {"id_number": number}, content_type=JSON)
    assert found.status_code == 200
    assert found.json()["identifiers_full"] is False
    # then nobody else was shown the full record: nothing is recorded
    assert _events(person) == []


# --- limits per clerk and per outlet ----------------------------------------------------------


def test_a_clerk_beyond_the_hourly_limit_is_refused_with_429_on_page_and_api(
    bank_clerk, client_for, settings
):
    # given a limit of two lookups per clerk and an hour
    settings.SSCARD_LOOKUP_LIMIT_PER_CLERK = 2
    people = [_person(510 + i) for i in range(4)]
    client = client_for(bank_clerk)
    for _, number in people[:2]:
        ok = client.post("/api/v1/persons/lookup", {"id_number": number}, content_type=JSON)
        assert ok.status_code == 200
    # when the clerk looks up a third person, by the API and by the page
    refused = client.post("/api/v1/persons/lookup", {"id_number": people[2][1]}, content_type=JSON)
    page = client.post("/counter/", {"id_number": people[3][1]})
    # then both are refused with the stable code, in both languages, and show nothing
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "lookup_limit_clerk"
    assert body["message_zh"]
    assert body["message_en"]
    assert body["details"] == {"limit": 2, "window_minutes": 60}
    assert page.status_code == 429
    text = page.content.decode()
    assert "lookup_limit_clerk" in text
    assert people[3][1] not in text
    # and the refused lookups left no event behind
    assert [len(_events(p)) for p, _ in people] == [1, 1, 0, 0]
    # the card counter and the application counter share the same limit
    served = client.post(
        "/api/v1/outlets/counter/serve", {"id_number": people[2][1]}, content_type=JSON
    )
    assert (served.status_code, served.json()["code"]) == (429, "lookup_limit_clerk")
    card_page = client.post("/cards/counter/serve/", {"id_number": people[2][1]})
    assert card_page.status_code == 429
    assert "lookup_limit_clerk" in card_page.content.decode()


def test_an_htmx_lookup_beyond_the_limit_shows_the_refusal_in_the_fragment(
    bank_clerk, client_for, settings
):
    settings.SSCARD_LOOKUP_LIMIT_PER_CLERK = 0
    person, number = _person(520)
    response = client_for(bank_clerk).post(
        "/counter/", {"id_number": number}, HTTP_HX_REQUEST="true"
    )
    fragment = response.content.decode()
    assert "lookup_limit_clerk" in fragment
    assert number not in fragment
    assert _events(person) == []


def test_an_outlet_beyond_its_hourly_limit_refuses_every_clerk_there(client_for, settings):
    # given an outlet with two clerks, a limit of three lookups per outlet, ten per clerk
    settings.SSCARD_LOOKUP_LIMIT_PER_OUTLET = 3
    settings.SSCARD_LOOKUP_LIMIT_PER_CLERK = 10
    outlet = branch("ICBC")
    first = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    second = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    elsewhere = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("CCB")))
    numbers = [_person(530 + i)[1] for i in range(5)]

    def look(client: Client, number: str) -> Any:
        return client.post("/api/v1/persons/lookup", {"id_number": number}, content_type=JSON)

    # when the two clerks share three lookups
    shared = zip([first, second, first], numbers[:3], strict=True)
    assert [look(c, n).status_code for c, n in shared] == [200, 200, 200]
    # then the fourth, by either of them, is refused for the outlet
    refused = look(second, numbers[3])
    assert (refused.status_code, refused.json()["code"]) == (429, "lookup_limit_outlet")
    assert refused.json()["details"] == {"limit": 3, "window_minutes": 60}
    # while a clerk of another outlet still may look up
    assert look(elsewhere, numbers[4]).status_code == 200


def test_lookups_older_than_an_hour_no_longer_count(bank_clerk, client_for, settings):
    settings.SSCARD_LOOKUP_LIMIT_PER_CLERK = 1
    (person, number), (_, later) = _person(540), _person(541)
    client = client_for(bank_clerk)
    assert client.post("/counter/", {"id_number": number}).status_code == 200
    # given the first lookup happened 61 minutes ago
    (event,) = _events(person)
    AuditEvent.objects.filter(pk=event.pk).update(at=event.at - timedelta(minutes=61))
    # then another is allowed
    assert client.post("/counter/", {"id_number": later}).status_code == 200


# --- a clerk finds people only by the full number presented ----------------------------------


@pytest.mark.parametrize("role", ["bank_clerk", "community_clerk"])
def test_a_clerk_cannot_search_by_name_or_part_of_a_number(role, client_for):
    person, number = _person(550)
    client = client_for(AccountFactory.of_role(role))
    # no list or search of persons, on the page or in the API, by name, district or number
    assert client.get("/persons/", {"q": person.name}).status_code == 403
    assert client.get("/api/v1/persons", {"name": person.name}).status_code == 403
    assert client.get("/persons/export.csv").status_code == 403
    assert client.get(f"/persons/{person.pk}/").status_code == 404
    assert client.get(f"/api/v1/persons/{person.pk}").status_code == 404
    # the lookup takes only a whole, valid number: a name, a prefix or a masked number fail
    masked = number[0] + "*" * 16 + number[-1]
    for partial in (person.name, number[:10], number[:17], masked):
        page = client.post("/counter/", {"id_number": partial}).content.decode()
        assert 'class="notice error"' in page
        assert "13600002222" not in page
        answer = client.post("/api/v1/persons/lookup", {"id_number": partial}, content_type=JSON)
        assert answer.status_code == 422, (partial, answer.json())
        assert answer.json()["code"].startswith("id_")
    assert _events(person) == []
