"""API operations of delivery: the post's callbacks, an outlet's stock, the holder served at
the counter (their cards and the actions each allows), hand-over at the counter and by the
visiting bank team, and instant replacement — the twins of the counter page's actions."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from sscard.cards.api import card_out
from sscard.cards.rules import counter_id_number
from sscard.cards.schemas import CardOut
from sscard.cards.selectors import card_for_counter
from sscard.core.clock import today as _today
from sscard.core.errors import NotFound
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.delivery.counter import COUNTER_ACTIONS, counter_cards, holder_serve
from sscard.delivery.schemas import (
    DispatchOut,
    HolderIn,
    InstantIn,
    PostEventIn,
    PostEventOut,
    ReceivedOut,
    ServedOut,
    StockOut,
)
from sscard.delivery.selectors import clerk_outlet, outlet_stock
from sscard.delivery.services import (
    batch_dispatch,
    card_hand_over,
    outlet_receive,
    post_event_record,
    replacement_instant,
    visit_hand_over,
)

router = Router(tags=["delivery"])
WRITE_ERRORS = {409: ErrorOut, **ERRORS}


@router.post("/post/events", response={200: PostEventOut, **WRITE_ERRORS})
def post_events(request: HttpRequest, body: PostEventIn) -> dict[str, Any]:
    """The post reports a delivery (delivered or failed). Idempotent: an event already
    recorded changes nothing and answers ``changed: false``. A failed delivery goes to the
    holder's backup community centre, and the holder is told (SH-13). Refusals:
    ``tracking_unknown`` (404), ``shipment_closed`` (409)."""
    result = post_event_record(
        actor=request_actor(request),
        tracking_number=body.tracking_number.strip(),
        kind=body.event,
        occurred_at=body.occurred_at,
        event_id=body.event_id,
        reason=body.reason,
    )
    return {
        "changed": result.changed,
        "note": "recorded" if result.changed else "already recorded; nothing changed",
        "tracking_number": result.tracking_number,
        "shipment_status": result.shipment_status,
        "rerouted_to": result.rerouted_to,
    }


@router.get("/outlets/stock", response={200: list[StockOut], **ERRORS})
def stock_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The cards on their way to the clerk's outlet or in its stock."""
    return [
        {
            "shipment_id": s.pk,
            "card_id": s.card_id,
            "card_number": s.card.card_number,
            "masked_name": s.card.person.masked_name,
            "method": s.method,
            "status": s.status,
            "dispatched_at": s.dispatched_at,
            "received_at": s.received_at,
        }
        for s in outlet_stock(actor=request_actor(request))[:500]
    ]


@router.post("/outlets/stock/receive", response={200: ReceivedOut, **WRITE_ERRORS})
def stock_receive(request: HttpRequest) -> dict[str, int]:
    """Take every card on its way to the outlet into stock; holders are told by SMS."""
    return {"received": outlet_receive(actor=request_actor(request))}


@router.post("/outlets/counter/serve", response={200: ServedOut, 429: ErrorOut, **ERRORS})
def counter_serve(request: HttpRequest, body: HolderIn) -> dict[str, Any]:
    """Serve the holder whose ID card is presented: their cards, newest first, each with the
    actions this clerk may take on it here (the counter page's buttons; the same predicates
    the services check). Refusals: ``id_number_required``, the ID number's own codes,
    ``not_found``, and 429 ``lookup_limit_clerk`` / ``lookup_limit_outlet`` beyond the hourly
    limits. Each serve is an access event the holder reads at ``GET /me/access-events``."""
    actor = request_actor(request)
    outlet = clerk_outlet(actor=actor)
    if outlet is None:
        raise NotFound("outlet", what_zh="您的网点")
    view = holder_serve(actor=actor, id_number=counter_id_number(body.id_number))
    today = _today()
    return {
        "masked_name": view.person.masked_name,
        "cards": [
            {
                **card_out(c.card, today),
                "actions": [a for a in COUNTER_ACTIONS if a in c.actions],
                "shipment_method": c.shipment.method if c.shipment else None,
                "shipment_status": c.shipment.status if c.shipment else None,
            }
            for c in counter_cards(actor=actor, view=view, outlet=outlet, today=today)
        ],
    }


@router.post("/cards/{int:card_id}/hand-over", response={200: CardOut, **WRITE_ERRORS})
def cards_hand_over(request: HttpRequest, card_id: int, body: HolderIn) -> dict[str, Any]:
    """Hand a card in the outlet's stock to its holder (``holder_id_mismatch`` otherwise)."""
    actor = request_actor(request)
    card = card_for_counter(
        actor=actor, id_number=counter_id_number(body.id_number), card_id=card_id
    )
    return card_out(card_hand_over(actor=actor, card=card, id_number=body.id_number), _today())


@router.post("/cards/{int:card_id}/visit-hand-over", response={200: CardOut, **WRITE_ERRORS})
def cards_visit_hand_over(request: HttpRequest, card_id: int, body: HolderIn) -> dict[str, Any]:
    """The visiting bank team hands the card over and switches on both functions (BJ-08 (3))."""
    actor = request_actor(request)
    card = card_for_counter(
        actor=actor, id_number=counter_id_number(body.id_number), card_id=card_id
    )
    handed = visit_hand_over(actor=actor, card=card, id_number=body.id_number, today=_today())
    return card_out(handed, _today())


@router.post("/cards/{int:card_id}/instant-replacement", response={201: CardOut, **WRITE_ERRORS})
def cards_instant_replacement(
    request: HttpRequest, card_id: int, body: InstantIn
) -> Status[dict[str, Any]]:
    """Replace the card on the spot at an instant-issuance point: the new card is made,
    handed over and enabled in this one request (BJ-11, SH-12)."""
    actor = request_actor(request)
    card = card_for_counter(
        actor=actor, id_number=counter_id_number(body.id_number), card_id=card_id
    )
    new = replacement_instant(
        actor=actor, card=card, reason=body.reason, id_number=body.id_number, day=_today()
    )
    return Status(201, card_out(new, _today()))


@router.post(
    "/production/batches/{int:batch_id}/dispatch", response={200: DispatchOut, **WRITE_ERRORS}
)
def batches_dispatch(request: HttpRequest, batch_id: int) -> dict[str, int]:
    """Send the batch's made cards on their way: outlet, post or the visiting bank team."""
    summary = batch_dispatch(actor=request_actor(request), batch_id=batch_id)
    return {"outlet": summary.outlet, "post": summary.post, "visit": summary.visit}
