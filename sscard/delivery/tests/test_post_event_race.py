"""The post sends the same callback twice at the same moment: exactly one change is recorded
and both calls succeed (PostgreSQL: two connections, the shipment's row lock)."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from functools import partial
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from sscard.applications.services import application_submit
from sscard.applications.tests.support import SH_DAY, centre, clerk, in_force, shanghai_person
from sscard.cards.models import Card
from sscard.cards.services import cards_advance
from sscard.core.actors import Actor, Role
from sscard.core.models import AuditEvent
from sscard.delivery.models import PostEvent, Shipment
from sscard.delivery.services import PostEventResult, post, post_event_record
from sscard.notifications import services as notifications
from sscard.testing.card_life import dispatch, produce
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(reason="needs PostgreSQL: two connections racing on one callback"),
    pytest.mark.django_db(transaction=True),
]
POST = Actor(role=Role.POST, label="China Post")
WHEN = timezone.make_aware(datetime(2019, 9, 20, 10, 30))


def posted_card(monkeypatch: Any) -> str:
    """A Shanghai card made and posted; answers its tracking number."""
    monkeypatch.setattr(notifications, "_kick_sender", lambda: None)  # no SMS leaves the test
    in_force("shanghai-2019")
    desk, backup = centre(), centre()
    application_submit(
        actor=clerk(desk),
        person=shanghai_person(),
        channel="community_centre",
        action="first",
        day=SH_DAY,
        bank="BOSC",
        backup_centre_id=backup.pk,
        photo_source="id_card",
    )
    dispatch(produce(day=SH_DAY))
    tracking = Shipment.objects.get().tracking_number
    assert tracking is not None
    return tracking


def test_two_identical_callbacks_at_once_record_one_change(monkeypatch):
    # given a posted card, and a first callback that takes its time once it holds the row
    tracking = posted_card(monkeypatch)
    slow = cards_advance

    def cards_advance_slowly(**kwargs: Any) -> int:
        time.sleep(0.2)  # the other callback arrives meanwhile
        return slow(**kwargs)

    monkeypatch.setattr(post, "cards_advance", cards_advance_slowly)
    start = threading.Barrier(2)
    results: list[PostEventResult] = []
    errors: list[BaseException] = []

    def callback() -> None:
        try:
            start.wait()
            results.append(
                post_event_record(
                    actor=POST,
                    tracking_number=tracking,
                    kind="delivered",
                    occurred_at=WHEN,
                    event_id="P-1",
                )
            )
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    # when the post sends the same delivered event twice at the same moment
    threads = [threading.Thread(target=callback) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then both succeed, one says it changed nothing, and one change is recorded
    assert errors == []
    assert sorted(r.changed for r in results) == [False, True]
    assert {r.shipment_status for r in results} == {"delivered"}
    assert PostEvent.objects.filter(tracking_number=tracking).count() == 1
    assert AuditEvent.objects.filter(action="post_event_record").count() == 1
    card = Card.objects.get()
    assert (card.stage, card.handed_over_at) == ("handed_over", WHEN)


def test_delivered_and_failed_at_once_one_wins_and_the_other_finds_the_item_closed(monkeypatch):
    tracking = posted_card(monkeypatch)
    calls = {
        kind: partial(
            post_event_record, actor=POST, tracking_number=tracking, kind=kind, occurred_at=WHEN
        )
        for kind in ("delivered", "failed")
    }
    outcomes = race(calls, timeout=30)
    codes = [v for v in outcomes.values() if isinstance(v, str)]
    assert codes == ["shipment_closed"]
    (winner,) = [k for k, v in outcomes.items() if isinstance(v, PostEventResult)]
    assert list(PostEvent.objects.values_list("kind", flat=True)) == [winner]
    assert AuditEvent.objects.filter(action="post_event_record").count() == 1
    expected_stage = "handed_over" if winner == "delivered" else "at_outlet"
    assert Card.objects.get().stage == expected_stage
