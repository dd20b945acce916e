"""A form the service refuses comes back in its page, answered 400, with every value typed
and the reason said beside the field it concerns — marked ``aria-invalid`` and described by
the message — while the page's alert links to that field; a refusal of the whole form is said
in the alert alone; a code is never in the text (issue 12, point 7)."""

from __future__ import annotations

from typing import Any

import pytest

from sscard.applications.models import Application, RosterEntry
from sscard.applications.tests.page_refusals import (
    alert_links,
    alert_text,
    assert_refused_beside,
    field_refusal,
    parse,
    value_of,
    visible_text,
)
from sscard.applications.tests.support import branch, in_force, notified_collective
from sscard.core.clock import today
from sscard.delivery.tests.page_support import applicant
from sscard.portal.models import Account
from sscard.testing.factories import AccountFactory, EmployerFactory, PersonFactory

pytestmark = pytest.mark.django_db
COUNTER = "/applications/counter/"
ONLINE = "/applications/mine/apply/"


@pytest.fixture
def counter(client_for: Any) -> Any:
    """A bank clerk's counter in Chaoyang, under the Beijing pack in force today."""
    in_force("beijing-2024")
    return client_for(AccountFactory.create(bank_clerk=True, outlet=branch("ICBC")))


def _at_counter(id_number: str, **typed: str) -> dict[str, str]:
    return {
        "id_number": id_number,
        "action": "first",
        "channel": "bank_outlet",
        "bank": "ICBC",
        "pickup": "branch",
        "photo_source": "id_card",
        **typed,
    }


@pytest.mark.parametrize("action", ["first", "replace_lost"])
def test_a_pickup_the_policy_does_not_offer_is_refused_beside_the_pickup(
    counter: Any, action: str
) -> None:
    # given a Chaoyang applicant, whose card the policy has collected at a branch only
    _person, number = applicant()
    typed = _at_counter(number, action=action, pickup="post", mailing_address="朝阳路9号")
    # when the clerk asks for it by post
    answer = counter.post(COUNTER, typed)
    # then nothing is taken; the page comes back with the reason beside the pickup
    page = answer.content.decode()
    assert answer.status_code == 400
    assert not Application.objects.exists()
    assert_refused_beside(page, "id_pickup", "pickup_not_offered")
    # which names the pickup methods, never their codes
    assert "邮寄领卡" in alert_text(page)
    assert "post" not in alert_text(page)
    # every value stays as typed
    assert value_of(page, "id_id_number") == number
    assert value_of(page, "id_mailing_address") == "朝阳路9号"
    for name in ("action", "channel", "bank", "pickup", "photo_source"):
        assert value_of(page, f"id_{name}") == typed[name], name
    # the other fields are not marked
    assert not field_refusal(page, "id_bank").invalid


def test_an_id_number_nobody_has_is_refused_beside_it(counter: Any) -> None:
    number = applicant()[1]
    PersonFactory._meta.model.objects.all().delete()  # nobody has it any more
    answer = counter.post(COUNTER, _at_counter(number))
    assert answer.status_code == 400
    page = answer.content.decode()
    assert_refused_beside(page, "id_id_number", "not_found")
    assert value_of(page, "id_id_number") == number


def test_htmx_redraws_the_form_with_the_refusal_beside_its_field(counter: Any) -> None:
    _person, number = applicant()
    answer = counter.post(COUNTER, _at_counter(number, pickup="post"), HTTP_HX_REQUEST="true")
    # htmx swaps 2xx answers only: the decision, and the form out of band
    assert answer.status_code == 200
    fragment = answer.content.decode()
    assert "<html" not in fragment
    form = parse(fragment)
    swapped = [n for n in form.walk() if n.attrs.get("hx-swap-oob") == "true"]
    assert [n.attrs.get("id") for n in swapped] == ["counter-form"]
    assert_refused_beside(fragment, "id_pickup", "pickup_not_offered")
    assert value_of(fragment, "id_id_number") == number


def test_a_refusal_of_the_whole_application_is_said_in_the_alert_alone(counter: Any) -> None:
    person, number = applicant()
    assert counter.post(COUNTER, _at_counter(number)).status_code == 200
    # a second application while the first is open
    answer = counter.post(COUNTER, _at_counter(number))
    page = answer.content.decode()
    assert answer.status_code == 400
    assert 'data-code="application_already_open"' in page
    assert alert_links(page) == []
    assert 'aria-invalid="true"' not in page
    assert "application_already_open" not in visible_text(page)
    assert Application.objects.filter(person=person).count() == 1


@pytest.mark.parametrize("action", ["first", "replace_lost"])
def test_online_a_pickup_not_offered_is_refused_beside_the_pickup(
    client_for: Any, action: str
) -> None:
    in_force("beijing-2024")
    person, _number = applicant()
    me = client_for(AccountFactory.create(cardholder=True, person=person))
    typed = {
        "person": str(person.pk),
        "action": action,
        "channel": "online",
        "bank": "ICBC",
        "pickup": "post",
        "photo_source": "id_card",
        "mailing_address": "朝阳路9号",
    }
    answer = me.post(ONLINE, typed)
    page = answer.content.decode()
    assert answer.status_code == 400
    assert_refused_beside(page, "id_pickup", "pickup_not_offered")
    for name, value in typed.items():
        assert value_of(page, f"id_{name}") == value, name
    assert not Application.objects.exists()


def test_online_no_photo_from_the_source_chosen_is_refused_beside_the_photo(
    client_for: Any,
) -> None:
    in_force("beijing-2024")
    person, _number = applicant()
    me = client_for(AccountFactory.create(cardholder=True, person=person))
    answer = me.post(
        ONLINE,
        {
            "person": person.pk,
            "action": "first",
            "channel": "online",
            "bank": "ICBC",
            "photo_source": "captured_on_site",  # and no photo uploaded
        },
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert_refused_beside(page, "id_photo", "photo_required")
    assert value_of(page, "id_photo_source") == "captured_on_site"


def test_a_phone_that_is_not_a_mobile_is_refused_beside_it_on_the_confirmation(
    client_for: Any,
) -> None:
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    person = PersonFactory.create(employer=employer)
    notified_collective(employer, day=today())
    entry = RosterEntry.objects.get(person=person)
    me = client_for(AccountFactory.create(cardholder=True, person=person))
    typed = {"phone": "12345678901", "mailing_address": "西城区新街9号", "photo_source": "id_card"}
    answer = me.post(f"/applications/mine/confirm/{entry.pk}/", typed)
    page = answer.content.decode()
    assert answer.status_code == 400
    assert_refused_beside(page, "id_phone", "phone_invalid")
    for name, value in typed.items():
        assert value_of(page, f"id_{name}") == value, name
    entry.refresh_from_db()
    assert entry.status == "invited"


def test_a_branch_pickup_without_an_outlet_is_refused_beside_the_outlet(
    employer_hr: Account, client_for: Any
) -> None:
    in_force("beijing-2024")
    hr = client_for(employer_hr)
    hr.post("/collective/open/")
    assert employer_hr.employer is not None
    collective = employer_hr.employer.collectives.get()
    answer = hr.post(
        f"/collective/{collective.pk}/arrange/", {"pickup": "branch", "bank": "ICBC", "outlet": ""}
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert_refused_beside(page, "id_outlet", "outlet_required")
    assert (value_of(page, "id_pickup"), value_of(page, "id_bank")) == ("branch", "ICBC")
    collective.refresh_from_db()
    assert collective.step == "opened"
