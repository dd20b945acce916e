"""batch_create: ordered cards are written into one batch of a kind, channel and collection
date, with one ``batch_form`` audit event naming them; only production writes batches, and a
batch written in a transaction that fails is gone with it."""

from __future__ import annotations

import pytest
from django.db import transaction

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import Card
from sscard.cards.services import cards_order
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.production.models import Batch, BatchCard
from sscard.production.services import batch_create
from sscard.production.tests.support import submitted_collective
from sscard.testing.card_life import OPERATOR

pytestmark = pytest.mark.django_db


def ordered_cards(size: int) -> list[int]:
    """The cards ordered for ``size`` pilot staff's submitted applications, not in a batch."""
    applications = submitted_collective(size)
    return cards_order(
        actor=OPERATOR, application_ids=[a.pk for a in applications], today=BJ_PILOT_DAY
    )


def written() -> tuple[int, int, int]:
    return (
        Batch.objects.count(),
        BatchCard.objects.count(),
        AuditEvent.objects.filter(action="batch_form").count(),
    )


def test_the_cards_are_written_into_one_formed_batch() -> None:
    # given three ordered cards
    card_ids = ordered_cards(3)
    # when production writes them into a batch
    batch = batch_create(
        actor=OPERATOR,
        kind="regular",
        channel="collective_online",
        collected_on=BJ_PILOT_DAY,
        card_ids=card_ids,
    )
    # then the batch holds exactly those cards, none of them with a factory outcome yet
    batch.refresh_from_db()
    assert (batch.kind, batch.channel, batch.collected_on) == (
        "regular",
        "collective_online",
        BJ_PILOT_DAY,
    )
    assert (batch.status, batch.card_count, batch.created_by) == ("formed", 3, OPERATOR.label)
    entries = BatchCard.objects.filter(batch=batch).order_by("card_id")
    assert [e.card_id for e in entries] == sorted(card_ids)
    assert {(e.outcome, e.defect_reason) for e in entries} == {("", "")}
    assert set(Card.objects.filter(batch_entry__batch=batch).values_list("stage", flat=True)) == {
        "ordered"
    }


def test_the_batch_is_audited_once_with_its_cards() -> None:
    card_ids = ordered_cards(2)
    batch = batch_create(
        actor=OPERATOR,
        kind="remake",
        channel="collective_online",
        collected_on=BJ_PILOT_DAY,
        card_ids=card_ids,
    )
    (event,) = AuditEvent.objects.filter(action="batch_form")
    assert (event.object_type, event.object_id) == ("production.batch", str(batch.pk))
    assert event.actor_label == OPERATOR.label
    assert event.changes["kind"] == "remake"
    assert event.changes["channel"] == "collective_online"
    assert event.changes["collected_on"] == BJ_PILOT_DAY.isoformat()
    assert event.changes["cards"] == 2
    assert event.changes["card_ids"]  # the cards' ids, as ranges


@pytest.mark.parametrize("role", [Role.BANK_CLERK, Role.CARDHOLDER, Role.EMPLOYER_HR])
def test_only_production_writes_a_batch(role: Role) -> None:
    card_ids = ordered_cards(1)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        batch_create(
            actor=Actor(role=role, label="someone"),
            kind="regular",
            channel="collective_online",
            collected_on=BJ_PILOT_DAY,
            card_ids=card_ids,
        )
    assert (refused.value.code, refused.value.status) == ("permission_denied", 403)
    assert written() == before


def test_a_batch_written_in_a_transaction_that_fails_is_gone_with_it() -> None:
    # given a caller that orders cards, writes their batch and then fails
    card_ids = ordered_cards(2)
    before = written()

    class Failed(Exception):
        pass

    def form_then_fail() -> None:
        with transaction.atomic():
            batch_create(
                actor=OPERATOR,
                kind="regular",
                channel="collective_online",
                collected_on=BJ_PILOT_DAY,
                card_ids=card_ids,
            )
            raise Failed

    with pytest.raises(Failed):
        form_then_fail()
    # then neither the batch, nor its cards, nor its audit event stay
    assert written() == before
