"""Writes of delivery, one module per flow: a batch's made cards sent on their way
(``dispatch``), an outlet's stock (``stock``), the hand-over to the holder at the counter, by
the visiting bank team and as an instant replacement (``handover``), and the post's callbacks
(``post``). Reads are in ``delivery.selectors``; the counter's offered actions in
``delivery.counter``."""

from sscard.delivery.services.dispatch import DispatchSummary, batch_dispatch
from sscard.delivery.services.handover import card_hand_over, replacement_instant, visit_hand_over
from sscard.delivery.services.post import (
    PostEventResult,
    PostReport,
    PostReportOutcome,
    post_event_record,
    post_events_record_many,
)
from sscard.delivery.services.stock import outlet_receive

__all__ = [
    "DispatchSummary",
    "PostEventResult",
    "PostReport",
    "PostReportOutcome",
    "batch_dispatch",
    "card_hand_over",
    "outlet_receive",
    "post_event_record",
    "post_events_record_many",
    "replacement_instant",
    "visit_hand_over",
]
