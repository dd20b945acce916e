"""card_password_reset_record (issue 15 point 7): the reset of a card's service password at a
counter is recorded against the holder's ID, under the pack's rule, and the holder is told;
no password ever reaches the platform, and every refusal writes nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import yaml

from sscard.applications.tests.support import branch, centre, holder, in_force
from sscard.cards.choices import LossChannel
from sscard.cards.models import Card
from sscard.cards.rules import secret_fields
from sscard.cards.selectors import cards_at_counter
from sscard.cards.services import card_password_reset_record, card_report_loss
from sscard.cards.tests.support import card as old_card
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.counter import PASSWORD_RESET, counter_cards
from sscard.delivery.tests.page_support import applicant, in_hands, today
from sscard.kernel import idnumber
from sscard.network.models import Outlet
from sscard.notifications.models import OutboxMessage
from sscard.policy import load_pack
from sscard.policy.loader import PACKS_DIR
from sscard.registry.models import Person
from sscard.testing.card_life import clerk_of
from sscard.testing.factories import CHAOYANG, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_branch() -> tuple[Outlet, Person, str, Card]:
    """A Beijing holder whose card, collected and enabled at an ICBC branch, is in force."""
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    person, id_number, card = in_hands(home, enabled=True)
    return home, person, id_number, card


def written() -> tuple[int, int]:
    """(audit events, outbox messages): what a refusal must leave as it was."""
    return AuditEvent.objects.count(), OutboxMessage.objects.count()


def facets(card: Card) -> tuple[str, ...]:
    card.refresh_from_db()
    return (card.stage, card.ss_function, card.financial_function, card.block)


def refused(call_kwargs: dict[str, Any]) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        card_password_reset_record(**call_kwargs)
    return caught.value


def minor_id_number(n: int, born: date) -> str:
    """A valid resident ID number of a child born on ``born`` (a Chaoyang boy)."""
    first17 = f"{CHAOYANG}{born:%Y%m%d}{n * 2 + 1:03d}"
    return first17 + idnumber.check_digit(first17)


# --- the accepted path --------------------------------------------------------------------------


def test_a_reset_writes_one_service_event_and_one_text_and_nothing_secret(at_branch):
    # given a holder with their card in force, at the bank branch that serves it
    home, person, id_number, card = at_branch
    before_events = set(AuditEvent.objects.values_list("pk", flat=True))
    before_messages = set(OutboxMessage.objects.values_list("pk", flat=True))
    before = facets(card)

    # when the clerk records the reset against the holder's ID
    done = card_password_reset_record(
        actor=clerk_of(home), card=card, id_number=id_number, today=today()
    )

    # then exactly one service event is written (and the outbox's own event for its one text)
    new = list(AuditEvent.objects.exclude(pk__in=before_events).order_by("pk"))
    assert [e.action for e in new] == ["card_password_reset", "message_queue_many"]
    event = new[0]
    assert (event.object_type, event.object_id) == ("card", str(card.pk))
    assert event.changes == {
        "service": "password_reset",
        "outlet_id": home.pk,
        "outlet_kind": "bank_branch",
        "presenter": "holder",
        "card_status": "valid",
        "clause": "BJ-13",
        "chosen": True,
    }
    # nothing secret in it: no field for one, no ID number in the clear
    assert secret_fields(event.changes) == []
    assert id_number not in json.dumps(event.changes)
    # and exactly one text, to the holder, naming the outlet and the pack's hotline
    (message,) = OutboxMessage.objects.exclude(pk__in=before_messages)
    assert (message.template_key, message.person_id) == ("password_reset", person.pk)
    assert "工商银行朝阳支行" in message.text
    assert "12333" in message.text
    assert "http" not in message.text
    assert (done.presenter, done.outlet.pk, done.clause, done.told) == (
        "holder",
        home.pk,
        "BJ-13",
        1,
    )
    # and the card itself is untouched: a reset changes no facet
    assert facets(card) == before


def test_a_guardian_resets_a_minors_password_and_is_told_in_the_childs_place():
    # given a child (no phone) whose guardian is registered, with a card in force
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    parent, parent_id = applicant()
    child_id = minor_id_number(7, date(2015, 6, 1))
    child = PersonFactory.create(
        id_number=child_id, guardian=parent, phone="", category="pupil", hukou_region=CHAOYANG
    )
    child_card = old_card(child, ss_function="enabled")
    before_messages = set(OutboxMessage.objects.values_list("pk", flat=True))

    # when the guardian presents the child's ID and their own
    done = card_password_reset_record(
        actor=clerk_of(home),
        card=child_card,
        id_number=child_id,
        today=today(),
        presenter_id_number=parent_id,
    )

    # then the reset is the guardian's, audited as such, and the guardian is told
    assert done.presenter == "guardian"
    event = AuditEvent.objects.get(action="card_password_reset")
    assert (event.changes["presenter"], event.changes["guardian_id"]) == ("guardian", parent.pk)
    assert parent_id not in json.dumps(event.changes)
    (message,) = OutboxMessage.objects.exclude(pk__in=before_messages)
    assert message.person_id == parent.pk


# --- refusals: each with its code, nothing written ------------------------------------------------


def test_a_community_centre_in_beijing_is_not_the_outlet_kind(at_branch):
    _home, _person, id_number, card = at_branch
    here = centre(name="朝阳区测试社区事务受理中心")
    counts, before = written(), facets(card)
    error = refused(
        {"actor": clerk_of(here), "card": card, "id_number": id_number, "today": today()}
    )
    assert error.code == "password_reset_outlet_kind"
    assert "合作银行服务网点" in error.message_zh
    assert "partner bank outlet" in error.message_en
    assert (written(), facets(card)) == (counts, before)


@pytest.mark.parametrize("ss_function", ["cancelled", "invalid"])
def test_a_cancelled_or_replaced_card_is_refused(ss_function):
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    person, id_number = applicant()
    void = old_card(person, ss_function=ss_function)
    counts = written()
    error = refused(
        {"actor": clerk_of(home), "card": void, "id_number": id_number, "today": today()}
    )
    assert error.code == "password_reset_card_cancelled"
    assert written() == counts


def test_a_card_reported_lost_since_the_page_was_drawn_is_refused(at_branch):
    # given the counter offered the reset for a card in force
    home, person, id_number, card = at_branch
    clerk = clerk_of(home)
    view = cards_at_counter(actor=clerk, id_number=id_number)
    (row,) = counter_cards(actor=clerk, view=view, outlet=home, today=today())
    assert PASSWORD_RESET in row.actions
    # when the holder reports the card lost online before the clerk acts
    card_report_loss(actor=holder(person), card=card, channel=LossChannel.ONLINE, today=today())
    counts, before = written(), facets(card)
    # then the stale offer is refused under the lock, and nothing is written
    error = refused({"actor": clerk, "card": card, "id_number": id_number, "today": today()})
    assert (error.code, error.details["status_now"]) == (
        "password_reset_card_state",
        "blocked_temporary",
    )
    assert (written(), facets(card)) == (counts, before)
    # and the counter, looking the holder up again, no longer offers it
    view = cards_at_counter(actor=clerk, id_number=id_number)
    (row,) = counter_cards(actor=clerk, view=view, outlet=home, today=today())
    assert PASSWORD_RESET not in row.actions


def test_a_card_not_yet_enabled_is_refused():
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    _person, id_number, card = in_hands(home)
    counts = written()
    error = refused(
        {"actor": clerk_of(home), "card": card, "id_number": id_number, "today": today()}
    )
    assert (error.code, error.details["status_now"]) == ("password_reset_card_state", "not_enabled")
    assert written() == counts


def test_another_persons_id_is_refused(at_branch):
    home, _person, _id_number, card = at_branch
    _stranger, strangers_id = applicant()
    counts = written()
    error = refused(
        {"actor": clerk_of(home), "card": card, "id_number": strangers_id, "today": today()}
    )
    assert error.code == "password_reset_id_mismatch"
    assert written() == counts


def test_a_malformed_id_answers_its_own_code(at_branch):
    home, _person, id_number, card = at_branch
    counts = written()
    bad = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
    error = refused({"actor": clerk_of(home), "card": card, "id_number": bad, "today": today()})
    assert (error.code, error.status) == ("id_check_digit", 422)
    assert written() == counts


def test_a_proxy_is_refused_where_the_pack_allows_none(at_branch):
    home, _person, id_number, card = at_branch
    _friend, friends_id = applicant()
    counts = written()
    error = refused(
        {
            "actor": clerk_of(home),
            "card": card,
            "id_number": id_number,
            "today": today(),
            "presenter_id_number": friends_id,
        }
    )
    assert (error.code, error.details["presenter"]) == ("password_reset_proxy_refused", "proxy")
    assert written() == counts


def test_the_guardian_of_an_adult_is_a_proxy():
    # a registry guardian acts for a minor only: an adult holder comes in person
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    parent, parent_id = applicant()
    grown, grown_id = applicant(guardian=parent)
    grown_card = old_card(grown, ss_function="enabled")
    counts = written()
    error = refused(
        {
            "actor": clerk_of(home),
            "card": grown_card,
            "id_number": grown_id,
            "today": today(),
            "presenter_id_number": parent_id,
        }
    )
    assert error.code == "password_reset_proxy_refused"
    assert written() == counts


def test_the_holder_cannot_record_a_reset_online(at_branch):
    _home, person, id_number, card = at_branch
    counts = written()
    error = refused(
        {"actor": holder(person), "card": card, "id_number": id_number, "today": today()}
    )
    assert error.code == "permission_denied"
    assert written() == counts


def test_a_pack_without_the_service_refuses_it():
    # given Beijing's pack without its password_reset section put in force
    data = yaml.safe_load((PACKS_DIR / "beijing-2024.yaml").read_text("utf-8"))
    del data["password_reset"]
    in_force("beijing-2024", pack=load_pack(yaml.safe_dump(data, allow_unicode=True)))
    home = branch("ICBC", name="工商银行朝阳支行")
    _person, id_number, card = in_hands(home, enabled=True)
    counts = written()
    error = refused(
        {"actor": clerk_of(home), "card": card, "id_number": id_number, "today": today()}
    )
    assert error.code == "password_reset_not_offered"
    assert written() == counts
