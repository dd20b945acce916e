"""Reads of production: batches oldest collection first with their progress counted in the same
query, one batch, and a batch's defects with their remakes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.cards.models import Card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.production.selectors import batch_defects, batch_get, batch_list, batch_progress
from sscard.production.services import batch_start, batches_form
from sscard.production.services.personalise import batch_personalise_step
from sscard.testing.card_life import OPERATOR, factory_round_trip

pytestmark = pytest.mark.django_db
BUREAU = Actor(role=Role.CITY_OFFICER, label="bureau")


def submitted(size: int, *, day: date = BJ_PILOT_DAY) -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer, day=day)
    confirm_all(collective, staff, day)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=day)


def test_batches_are_listed_oldest_collection_first() -> None:
    newer_day = BJ_PILOT_DAY + timedelta(days=2)
    submitted(1, day=newer_day)
    (newer,) = batches_form(actor=OPERATOR, today=newer_day)
    submitted(1)  # an older collection, batched after the newer one
    (older,) = batches_form(actor=OPERATOR, today=newer_day)
    assert older.pk > newer.pk
    assert [b.pk for b in batch_list(actor=OPERATOR)] == [older.pk, newer.pk]


def test_progress_counts_each_stage_of_production(tmp_path: Path) -> None:
    submitted(4)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    # formed: nothing personalised
    progress = batch_progress(batch_get(actor=OPERATOR, batch_id=batch.pk))
    assert (progress.total, progress.personalised, progress.produced, progress.defective) == (
        4,
        0,
        0,
        0,
    )
    assert progress.percent_personalised == 0
    # half way through personalisation
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    batch_personalise_step(batch_id=batch.pk, size=1)
    progress = batch_progress(batch_get(actor=OPERATOR, batch_id=batch.pk))
    assert (progress.personalised, progress.percent_personalised) == (1, 25)
    batch_personalise_step(batch_id=batch.pk, size=3)
    # the worker's next claim finds nothing left, and closes the batch
    assert batch_personalise_step(batch_id=batch.pk, size=3) == 0
    # the factory made three and spoiled one
    spoiled = Card.objects.filter(batch_entry__batch=batch).order_by("pk").first()
    assert spoiled is not None
    factory_round_trip(batch, day=BJ_PILOT_DAY, defective={spoiled.card_number}, out_dir=tmp_path)
    progress = batch_progress(batch_get(actor=OPERATOR, batch_id=batch.pk))
    assert (progress.total, progress.personalised, progress.produced, progress.defective) == (
        4,
        4,
        3,
        1,
    )
    assert progress.percent_personalised == 100


def test_progress_of_a_batch_not_from_the_list_is_counted_on_demand() -> None:
    submitted(2)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    progress = batch_progress(batch)  # as batches_form answered it, without annotations
    assert (progress.total, progress.personalised) == (2, 0)


def test_the_list_counts_progress_in_one_query(django_assert_num_queries):
    submitted(3)
    batches_form(actor=OPERATOR, today=BJ_PILOT_DAY, max_cards=1)
    with django_assert_num_queries(1):
        progress = [batch_progress(b) for b in batch_list(actor=OPERATOR)]
    assert [p.total for p in progress] == [1, 1, 1]


def test_a_batchs_defects_name_their_remakes(tmp_path: Path) -> None:
    submitted(2)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    batch_personalise_step(batch_id=batch.pk)
    spoiled = Card.objects.filter(batch_entry__batch=batch).order_by("pk").last()
    assert spoiled is not None
    factory_round_trip(batch, day=BJ_PILOT_DAY, defective={spoiled.card_number}, out_dir=tmp_path)
    (entry,) = batch_defects(actor=OPERATOR, batch_id=batch.pk)
    assert entry.card == spoiled
    assert entry.defect_reason
    remake = Card.objects.get(remake_of=spoiled)
    assert entry.card.remade_as == remake


def test_an_unknown_batch_is_not_found() -> None:
    with pytest.raises(ApplicationError) as refused:
        batch_get(actor=BUREAU, batch_id=404)
    assert refused.value.code == "not_found"


@pytest.mark.parametrize(
    "role", [Role.BANK_CLERK, Role.CARDHOLDER, Role.DISTRICT_OFFICER, Role.RELYING_PARTY]
)
def test_only_production_and_the_city_bureau_see_batches(role: Role) -> None:
    submitted(1)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    someone = Actor(role=role, label="someone")
    for read in (
        lambda: batch_list(actor=someone),
        lambda: batch_get(actor=someone, batch_id=batch.pk),
        lambda: batch_defects(actor=someone, batch_id=batch.pk),
    ):
        with pytest.raises(ApplicationError) as refused:
            read()
        assert refused.value.code == "permission_denied"
    assert [b.pk for b in batch_list(actor=BUREAU)] == [batch.pk]
