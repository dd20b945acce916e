"""batches_form: submitted applications grouped into production batches by channel and
collection date, oldest first, split at ``max_cards`` (SH-10)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sscard.applications.models import Application
from sscard.applications.services import application_submit, collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    clerk,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.cards.models import Card
from sscard.cards.services import card_replacement_apply
from sscard.cards.tests.support import card as old_card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.notifications.models import OutboxMessage
from sscard.production.models import Batch, BatchCard
from sscard.production.services import batches_form
from sscard.registry.models import Person
from sscard.testing.card_life import OPERATOR
from sscard.testing.factories import CHAOYANG, PersonFactory

pytestmark = pytest.mark.django_db
DAY_1 = BJ_PILOT_DAY
DAY_2 = BJ_PILOT_DAY + timedelta(days=1)


def collective_of(size: int, *, day: date) -> list[Person]:
    """A pilot unit whose ``size`` staff applied collectively (online) on ``day``."""
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer, day=day)
    confirm_all(collective, staff, day)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=day)
    return staff


def at_a_branch(*, day: date) -> Application:
    """A Chaoyang resident (not a pilot target) applying at a branch: the old channel."""
    person = PersonFactory.create(insured_region=CHAOYANG, hukou_region=CHAOYANG, address="x")
    return application_submit(
        actor=clerk(branch("ICBC")),
        person=person,
        channel="bank_outlet",
        action="first",
        day=day,
        photo_source="id_card",
    )


def counts() -> tuple[int, ...]:
    return (
        Batch.objects.count(),
        BatchCard.objects.count(),
        Card.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
        Application.objects.filter(status="submitted").count(),
    )


def test_batches_are_formed_by_channel_and_collection_date_oldest_first() -> None:
    # given applications of two days on two channels, the newer ones written first
    in_force("beijing-2024")
    late = collective_of(2, day=DAY_2)
    early = collective_of(2, day=DAY_1)
    walk_in = at_a_branch(day=DAY_1)
    # when production forms its batches
    batches = batches_form(actor=OPERATOR, today=DAY_2)
    # then one batch per (collection date, channel), the oldest first
    assert [(b.collected_on, b.channel, b.card_count) for b in batches] == [
        (DAY_1, "bank_outlet", 1),
        (DAY_1, "collective_online", 2),
        (DAY_2, "collective_online", 2),
    ]
    assert all((b.kind, b.status) == ("regular", "formed") for b in batches)
    persons_in = [
        set(Card.objects.filter(batch_entry__batch=b).values_list("person_id", flat=True))
        for b in batches
    ]
    assert persons_in == [
        {walk_in.person_id},
        {p.pk for p in early},
        {p.pk for p in late},
    ]
    # and every application is completed with one ordered card
    assert not Application.objects.filter(status="submitted").exists()
    assert Application.objects.filter(status="completed").count() == 5
    assert list(Card.objects.values_list("stage", flat=True).distinct()) == ["ordered"]
    assert Card.objects.count() == BatchCard.objects.count() == 5


def test_each_batch_has_one_batch_form_audit_event_naming_its_cards() -> None:
    in_force("beijing-2024")
    collective_of(2, day=DAY_1)
    at_a_branch(day=DAY_1)
    batches = batches_form(actor=OPERATOR, today=DAY_1)
    events = AuditEvent.objects.filter(action="batch_form").order_by("pk")
    assert [e.object_id for e in events] == [str(b.pk) for b in batches]
    for event, batch in zip(events, batches, strict=True):
        card_ids = sorted(BatchCard.objects.filter(batch=batch).values_list("card_id", flat=True))
        assert event.actor_label == OPERATOR.label
        assert event.changes["channel"] == batch.channel
        assert event.changes["collected_on"] == batch.collected_on.isoformat()
        assert event.changes["cards"] == len(card_ids)
        assert [c for first, last in event.changes["card_ids"] for c in range(first, last + 1)] == (
            card_ids
        )


def test_a_group_larger_than_max_cards_is_split_into_batches_of_at_most_that_many() -> None:
    in_force("beijing-2024")
    staff = collective_of(5, day=DAY_1)
    batches = batches_form(actor=OPERATOR, today=DAY_1, max_cards=2)
    assert [b.card_count for b in batches] == [2, 2, 1]
    assert {(b.channel, b.collected_on) for b in batches} == {("collective_online", DAY_1)}
    in_batches = [
        list(
            Card.objects.filter(batch_entry__batch=b)
            .order_by("pk")
            .values_list("application_id", flat=True)
        )
        for b in batches
    ]
    # the applications in their order, each in exactly one batch
    flat = [a for part in in_batches for a in part]
    assert flat == sorted(flat)
    assert set(Application.objects.filter(person__in=staff).values_list("pk", flat=True)) == set(
        flat
    )
    assert AuditEvent.objects.filter(action="batch_form").count() == 3


def test_applications_collected_after_today_wait_for_a_later_run() -> None:
    in_force("beijing-2024")
    collective_of(1, day=DAY_1)
    tomorrow = collective_of(1, day=DAY_2)
    (batch,) = batches_form(actor=OPERATOR, today=DAY_1)
    assert batch.collected_on == DAY_1
    waiting = Application.objects.get(person=tomorrow[0])
    assert waiting.status == "submitted"
    assert not Card.objects.filter(application=waiting).exists()
    # and the next day's run takes it, and only it
    (later,) = batches_form(actor=OPERATOR, today=DAY_2)
    assert (later.collected_on, later.card_count) == (DAY_2, 1)


def test_an_instant_outlet_application_is_not_batched() -> None:
    # given a pilot target's replacement taken at an instant-issuance branch (made in the visit)
    in_force("beijing-2024")
    _employer, (person,) = beijing_unit(1)
    card = old_card(person, ss_function="enabled")
    point = branch("ICBC", instant_issuance=True)
    instant = card_replacement_apply(
        actor=clerk(point),
        card=card,
        reason="damaged",
        channel="instant_outlet",
        day=DAY_1,
        pickup="on_the_spot",
    )
    collective_of(1, day=DAY_1)
    # when batches are formed
    (batch,) = batches_form(actor=OPERATOR, today=DAY_1)
    # then only the collective application is in one; the instant one is left to its visit
    assert batch.channel == "collective_online"
    instant.refresh_from_db()
    assert instant.status == "submitted"
    assert not Card.objects.filter(application=instant).exists()


def test_nothing_submitted_forms_nothing_and_writes_nothing() -> None:
    in_force("beijing-2024")
    collective_of(1, day=DAY_1)
    batches_form(actor=OPERATOR, today=DAY_1)
    before = counts()
    assert batches_form(actor=OPERATOR, today=DAY_2) == []
    assert counts() == before


@pytest.mark.parametrize("role", [Role.BANK_CLERK, Role.CARDHOLDER, Role.DISTRICT_OFFICER])
def test_only_production_and_the_city_bureau_form_batches(role: Role) -> None:
    in_force("beijing-2024")
    collective_of(1, day=DAY_1)
    before = counts()
    with pytest.raises(ApplicationError) as refused:
        batches_form(actor=Actor(role=role, label="someone"), today=DAY_1)
    assert (refused.value.code, refused.value.status) == ("permission_denied", 403)
    assert counts() == before


def test_the_city_bureau_may_form_batches_too() -> None:
    in_force("beijing-2024")
    collective_of(1, day=DAY_1)
    (batch,) = batches_form(actor=Actor(role=Role.CITY_OFFICER, label="bureau"), today=DAY_1)
    assert batch.created_by == "bureau"
