"""post_events_record_many: the post's report of a round (many events at once) records each
event as one callback of post_event_record would — the same refusals, answered in place, the
same rows, milestones, messages and one audit event per recorded event (SH-13)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sscard.applications.services import application_submit
from sscard.applications.tests.support import SH_DAY, centre, clerk, in_force, shanghai_person
from sscard.cards.models import Card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent, Milestone, MilestoneKind
from sscard.delivery.models import PostEvent, Shipment
from sscard.delivery.services import (
    PostEventResult,
    PostReport,
    post_event_record,
    post_events_record_many,
)
from sscard.delivery.tests.services.test_post_event_record import POST, WHEN, written
from sscard.network.models import Outlet
from sscard.notifications.models import OutboxMessage
from sscard.testing.card_life import dispatch, produce

pytestmark = pytest.mark.django_db


@dataclass
class Round:
    #: Tracking number → card, for each posted card.
    cards: dict[str, Card]
    backup: Outlet


def posted_in_shanghai(count: int) -> Round:
    """``count`` Shanghai first applications at a community centre, made and posted."""
    in_force("shanghai-2019")
    desk, backup = centre(), centre()
    for _ in range(count):
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
    shipments = Shipment.objects.select_related("card").order_by("pk")
    return Round({str(s.tracking_number): s.card for s in shipments}, backup)


def report(tracking: str, kind: str, **kwargs: str) -> PostReport:
    return PostReport(tracking_number=tracking, kind=kind, occurred_at=WHEN, **kwargs)


def test_a_report_records_each_event_and_answers_each_refusal_in_its_place() -> None:
    posted = posted_in_shanghai(3)
    a, b, c = posted.cards
    outcomes = post_events_record_many(
        actor=POST,
        reports=[
            report(a, "delivered", event_id="E1"),
            report(b, "failed", reason="nobody at home"),
            report("SS999999999CN", "delivered"),
            report(a, "delivered", event_id="E1-resent"),
            report(c, "returned"),
        ],
    )
    assert outcomes[0] == PostEventResult(True, a, "delivered", None)
    assert outcomes[1] == PostEventResult(True, b, "failed", posted.backup.name)
    assert isinstance(outcomes[2], ApplicationError)
    assert outcomes[2].code == "tracking_unknown"
    assert outcomes[3] == PostEventResult(False, a, "delivered")
    assert isinstance(outcomes[4], ApplicationError)
    assert outcomes[4].code == "post_event_kind_invalid"

    # then the rows are those the callbacks write
    stages = {c.pk: (c.stage, c.handed_over_at) for c in Card.objects.all()}
    assert stages[posted.cards[a].pk] == ("handed_over", WHEN)
    assert stages[posted.cards[b].pk] == ("at_outlet", None)
    assert stages[posted.cards[c].pk] == ("dispatched", None)
    assert sorted(PostEvent.objects.values_list("tracking_number", "kind", "event_id")) == sorted(
        [(a, "delivered", "E1"), (b, "failed", "")]
    )
    assert PostEvent.objects.get(kind="failed").reason == "nobody at home"
    statuses = dict(Shipment.objects.filter(method="post").values_list("tracking_number", "status"))
    assert statuses == {a: "delivered", b: "failed", c: "in_transit"}
    reroute = Shipment.objects.get(method="reroute")
    assert (reroute.outlet_id, reroute.status) == (posted.backup.pk, "at_outlet")
    told = OutboxMessage.objects.get(template_key="undeliverable")
    assert told.person_id == posted.cards[b].person_id
    issued = Milestone.objects.filter(kind=MilestoneKind.ISSUED)
    assert list(issued.values_list("card_id", flat=True)) == [posted.cards[a].pk]
    audits = AuditEvent.objects.filter(action="post_event_record").order_by("pk")
    assert [(e.changes["tracking_number"], e.changes["kind"]) for e in audits] == [
        (a, "delivered"),
        (b, "failed"),
    ]
    assert audits[1].changes["rerouted_to"] == posted.backup.pk


def test_a_report_writes_what_the_callbacks_write_one_by_one() -> None:
    posted = posted_in_shanghai(2)
    a, b = posted.cards
    post_events_record_many(actor=POST, reports=[report(a, "delivered"), report(b, "failed")])
    # the same callbacks again, one by one, find every event recorded
    before = written()
    for tracking, kind in ((a, "delivered"), (b, "failed")):
        again = post_event_record(actor=POST, tracking_number=tracking, kind=kind, occurred_at=WHEN)
        assert again.changed is False
    assert written() == before


def test_a_report_sent_again_writes_nothing() -> None:
    posted = posted_in_shanghai(2)
    a, b = posted.cards
    reports = [report(a, "delivered"), report(b, "failed")]
    post_events_record_many(actor=POST, reports=reports)
    before = written()
    again = post_events_record_many(actor=POST, reports=reports)
    assert [(o.changed, o.shipment_status) for o in again if isinstance(o, PostEventResult)] == [
        (False, "delivered"),
        (False, "failed"),
    ]
    assert written() == before


def test_an_event_after_another_of_the_same_report_finds_the_shipment_closed() -> None:
    posted = posted_in_shanghai(1)
    (a,) = posted.cards
    first, second = post_events_record_many(
        actor=POST, reports=[report(a, "failed"), report(a, "delivered")]
    )
    assert isinstance(first, PostEventResult)
    assert first.changed
    assert isinstance(second, ApplicationError)
    assert (second.code, second.details["status_now"]) == ("shipment_closed", "failed")
    assert PostEvent.objects.count() == 1


@pytest.mark.parametrize("role", [Role.CARDHOLDER, Role.BANK_CLERK, Role.PRODUCTION_OPERATOR])
def test_only_the_post_reports_a_round(role: Role) -> None:
    posted = posted_in_shanghai(1)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        post_events_record_many(
            actor=Actor(role=role, label="someone"),
            reports=[report(next(iter(posted.cards)), "delivered")],
        )
    assert refused.value.code == "permission_denied"
    assert written() == before
