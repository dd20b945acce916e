"""card_replacement_apply (补换, BJ-10, BJ-11, SH-12, SH-18): an application the engine decides
like any other, for the card replaced; for a lost card the loss stands formally and names the
replacement. Only a clerk takes it, for a card in use and in its holder's hands."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.applications.models import Application
from sscard.applications.tests.support import centre, holder, shanghai_person
from sscard.campaigns.models import Campaign
from sscard.cards.models import Card, LossReport
from sscard.cards.services import card_replacement_apply, card_report_loss
from sscard.cards.tests.support import card, card_ordered
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.testing.card_life import clerk_of

pytestmark = pytest.mark.django_db
DAY = date(2019, 9, 2)


def _apply(lost: Card, *, reason: str = "lost", actor: Actor | None = None) -> Application:
    return card_replacement_apply(
        actor=actor or clerk_of(centre()),
        card=lost,
        reason=reason,
        channel="community_centre",
        day=DAY,
        backup_centre_id=centre().pk,
    )


def _written() -> tuple[int, int, int]:
    return Application.objects.count(), LossReport.objects.count(), AuditEvent.objects.count()


def test_a_lost_cards_temporary_report_is_confirmed_and_names_the_replacement(held):
    # given a card its holder reported lost online (a temporary block)
    person, lost = held
    temporary = card_report_loss(actor=holder(person), card=lost, channel="online", today=DAY)
    # when a clerk takes the replacement at a community centre (SH-06)
    application = _apply(lost)
    # then the engine decided it as a replacement of a lost card, on the old card's bank
    assert (application.action, application.person_id) == ("replace_lost", person.pk)
    assert application.bank_code == "BOSC"
    # a card from the old system has no photo here: the ID card's is used
    assert application.photo_source == "id_card"
    # the temporary report is confirmed by a formal one that names the replacement
    temporary.refresh_from_db()
    assert temporary.end_reason == "confirmed"
    formal = LossReport.objects.get(card=lost, ended_at__isnull=True)
    assert (formal.kind, formal.channel, formal.replacement_id) == (
        "formal",
        "counter",
        application.pk,
    )
    lost.refresh_from_db()
    assert (lost.block, lost.blocked_until) == ("formal", None)
    # and one audit event records the replacement on the card
    event = AuditEvent.objects.get(action="card_replacement_apply")
    assert event.object_id == str(lost.pk)
    assert event.changes == {
        "application_id": application.pk,
        "reason": "lost",
        "channel": "community_centre",
    }
    assert event.pack_hash == application.pack_hash


def test_a_lost_card_never_reported_is_reported_formally_now(held):
    _person, lost = held
    application = _apply(lost)
    report = LossReport.objects.get(card=lost)
    assert (report.kind, report.replacement_id) == ("formal", application.pk)
    assert AuditEvent.objects.filter(action="card_report_loss", object_id=str(lost.pk)).exists()


def test_a_damaged_card_is_replaced_without_a_loss_report(held):
    _person, lost = held
    application = _apply(lost, reason="damaged")
    assert application.action == "replace_damaged"
    assert not LossReport.objects.filter(card=lost).exists()
    lost.refresh_from_db()
    assert lost.block == "none"


def _on_its_way() -> Card:
    campaign = Campaign.objects.get(pack_id="shanghai-2019")
    return card_ordered(shanghai_person(), campaign=campaign)


@pytest.mark.parametrize(
    ("given", "reason", "code"),
    [
        (lambda: card(shanghai_person(), generation=2, bank_code="BOSC"), "stolen",
         "replacement_reason_invalid"),
        (lambda: card(shanghai_person(), generation=2, bank_code="BOSC", ss_function="invalid"),
         "lost", "card_not_replaceable"),
        (_on_its_way, "lost", "card_not_in_holders_hands"),
    ],
    ids=["reason", "void", "on_its_way"],
)  # fmt: skip
def test_a_replacement_that_cannot_be_taken_is_refused_and_nothing_is_written(
    held, given, reason, code
):
    # given a Shanghai card (the pack is in force) in the state the case names
    other = given()
    before = _written()
    with pytest.raises(ApplicationError) as caught:
        _apply(other, reason=reason)
    assert caught.value.code == code
    assert _written() == before


def test_only_a_clerk_takes_a_replacement(held):
    person, lost = held
    with pytest.raises(ApplicationError) as caught:
        _apply(lost, actor=holder(person))
    assert caught.value.code == "permission_denied"
    assert not Application.objects.exists()
