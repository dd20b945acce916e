"""card_renewal_apply (到期换卡, issue 15 point 4): an application the engine decides like a
replacement, on the pack's renewal channels, for a card within the notice period or run out;
the new card replaces the old one, which answers ``replaced`` once the new one is enabled.
Anything else is refused with its code and nothing written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sscard.applications.models import Application
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    SH_DAY,
    branch,
    centre,
    holder,
    in_force,
    shanghai_person,
)
from sscard.cards.models import Card
from sscard.cards.services import card_enable, card_issue_for_application
from sscard.cards.services.renewal import card_renewal_apply
from sscard.cards.status import card_status
from sscard.cards.tests.support import card
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.notifications.models import OutboxMessage
from sscard.testing.card_life import clerk_of, collect_at, dispatch, produce
from sscard.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _written() -> tuple[int, int, int, int]:
    return (
        Application.objects.count(),
        Card.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def _shanghai_card(*, days_left: int, **kwargs: object) -> Card:
    in_force("shanghai-2019")
    person = shanghai_person()
    return card(
        person,
        generation=2,
        ss_function=kwargs.pop("ss_function", "enabled"),
        bank_code="BOSC",
        issued_on=date(2009, 9, 1),
        valid_until=SH_DAY + timedelta(days=days_left),
        **kwargs,
    )


def _renew(
    old: Card, *, actor: Actor | None = None, channel: str = "community_centre"
) -> Application:
    return card_renewal_apply(
        actor=actor or clerk_of(centre()),
        card=old,
        channel=channel,
        day=SH_DAY,
        backup_centre_id=centre().pk,
    )


@pytest.mark.parametrize("days_left", [0, 30, 90, -1, -400])
def test_a_card_within_the_notice_period_or_run_out_is_renewed_at_a_counter(days_left):
    # given a Shanghai card that runs out within the pack's ninety days (or has run out)
    old = _shanghai_card(days_left=days_left)
    # when a clerk at a community centre takes the renewal (a channel of the pack's renewal)
    application = _renew(old)
    # then the engine decided it as a renewal, on the old card's bank, like a replacement
    assert (application.action, application.person_id) == ("renewal", old.person_id)
    assert (application.card_generation, application.bank_code) == (3, "BOSC")
    assert application.rule_id == "campaign-community-centre"
    event = AuditEvent.objects.get(action="card_renewal_apply")
    assert event.object_id == str(old.pk)
    assert event.changes["application_id"] == application.pk


def test_a_card_not_yet_in_its_notice_period_is_refused_and_nothing_is_written():
    old = _shanghai_card(days_left=91)
    before = _written()
    with pytest.raises(ApplicationError) as caught:
        _renew(old)
    assert caught.value.code == "renewal_not_due"
    assert caught.value.details["notice_days"] == 90
    assert "90" in caught.value.message_zh
    assert _written() == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ss_function": "cancelled"}, "card_not_renewable"),
        ({"ss_function": "invalid"}, "card_not_renewable"),
    ],
)
def test_a_void_card_is_not_renewed(change, code):
    old = _shanghai_card(days_left=10, **change)
    before = _written()
    with pytest.raises(ApplicationError) as caught:
        _renew(old)
    assert caught.value.code == code
    assert _written() == before


def test_a_channel_the_pack_takes_no_renewal_on_is_refused():
    # SH-06: a bank outlet takes no replacement in Shanghai; the pack's renewal neither
    old = _shanghai_card(days_left=10)
    before = _written()
    with pytest.raises(ApplicationError) as caught:
        _renew(old, actor=clerk_of(branch("BOSC")), channel="bank_outlet")
    assert caught.value.code == "renewal_channel_not_offered"
    assert _written() == before


def test_a_second_renewal_of_the_same_card_is_refused():
    old = _shanghai_card(days_left=10)
    _renew(old)
    before = _written()
    with pytest.raises(ApplicationError) as caught:
        _renew(old)
    assert caught.value.code == "renewal_already_applied"
    assert _written() == before


def test_a_holder_cannot_renew_another_persons_card():
    old = _shanghai_card(days_left=10)
    stranger = shanghai_person()
    before = _written()
    with pytest.raises(ApplicationError) as caught:
        _renew(old, actor=holder(stranger), channel="online")
    assert caught.value.code == "not_found"
    assert _written() == before


def test_an_officer_takes_no_renewal():
    old = _shanghai_card(days_left=10)
    officer = Actor.system("x")
    with pytest.raises(ApplicationError) as caught:
        _renew(old, actor=officer)
    assert caught.value.code == "permission_denied"
    assert not Application.objects.exists()


def test_a_beijing_holder_renews_their_old_style_card_online():
    # given a Beijing retiree (outside the pilot) whose second-generation card runs out soon
    in_force("beijing-2024")
    person = PersonFactory.create(category="retiree", address="北京市西城区测试街2号")
    old = card(
        person,
        generation=2,
        ss_function="enabled",
        valid_until=BJ_PILOT_DAY + timedelta(days=20),
    )
    # when they renew it online (BJ-10: the old channels, the old card style)
    application = card_renewal_apply(
        actor=holder(person), card=old, channel="online", day=BJ_PILOT_DAY
    )
    # then the application is the pack's old-channel rule's, for a second-generation card
    assert (application.action, application.channel) == ("renewal", "online")
    assert (application.rule_id, application.card_generation) == ("pilot-old-channels", 2)
    # and its card takes the old one's place for the generation when it is ordered
    new = card_issue_for_application(
        actor=Actor.system("t"), application=application, today=BJ_PILOT_DAY
    )
    old.refresh_from_db()
    assert old.replaced_by_id == new.pk


def test_the_new_card_replaces_the_old_which_answers_replaced_once_it_is_enabled(collected):
    # given a pilot target's third-generation card, enabled, that runs out in 30 days
    unit, old = collected
    clerk = clerk_of(unit.outlet)
    card_enable(actor=clerk, card=old, today=BJ_PILOT_DAY)
    Card.objects.filter(pk=old.pk).update(valid_until=BJ_PILOT_DAY + timedelta(days=30))
    old.refresh_from_db()
    # when the branch takes its renewal (BJ-11: a regular outlet, made within 4 working days)
    application = card_renewal_apply(
        actor=clerk, card=old, channel="bank_outlet", day=BJ_PILOT_DAY, pickup="branch"
    )
    assert (application.action, application.rule_id) == ("renewal", "pilot-replace-regular")
    # and the new card is made, handed over and enabled
    dispatch(produce(day=BJ_PILOT_DAY))
    new = collect_at(unit.outlet, application)
    old.refresh_from_db()
    assert old.replaced_by_id == new.pk
    assert card_status(old, today=BJ_PILOT_DAY) == "valid"  # until the new one is enabled
    card_enable(actor=clerk, card=new, today=BJ_PILOT_DAY)
    new.refresh_from_db()
    # then the old card answers replaced, the new one valid for the pack's term
    old.refresh_from_db()
    assert card_status(old, today=BJ_PILOT_DAY) == "replaced"
    assert card_status(new, today=BJ_PILOT_DAY) == "valid"
    assert new.valid_until == date(2034, 3, 3)
