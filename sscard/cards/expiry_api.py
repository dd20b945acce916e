"""API twins of the expiring cards' page (its list, its "tell the holders" button) and of the
renewal at a counter or online (到期换卡): the same selectors and services as the pages."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import translation
from ninja import Query, Router, Status
from ninja.pagination import paginate

from sscard.cards.expiry import (
    counter_renewal_channel,
    expiring_cards,
    expiry_rows,
    renewal_terms_for_card,
)
from sscard.cards.expiry_schemas import (
    ExpiringCardOut,
    ExpiryFilter,
    RenewalIn,
    RenewalNoticesOut,
)
from sscard.cards.models import Card
from sscard.cards.rules import RENEWAL_ACTION, counter_id_number, counter_replacement_defaults
from sscard.cards.schemas import ReplacementOut
from sscard.cards.selectors import card_for_counter, card_get
from sscard.cards.services.expiry import card_renewal_notices_send
from sscard.cards.services.renewal import card_renewal_apply
from sscard.core.actors import Actor, Role
from sscard.core.clock import today as _today
from sscard.core.pagination import PageNumberPagination
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.network.selectors import outlet_get

router = Router(tags=["cards"])
WRITE_ERRORS = {409: ErrorOut, **ERRORS}
PAGE_SIZE = 50


class _LazyRows:
    """The paginator slices the cards; only the page's rows are named (in both languages)."""

    def __init__(self, cards: QuerySet[Card]) -> None:
        self.cards = cards
        self.today = _today()

    def __len__(self) -> int:
        return self.cards.count()

    def count(self) -> int:
        return self.cards.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        found = list(self.cards[index])
        zh = expiry_rows(found, today=self.today, english=False)
        with translation.override("en"):
            en = expiry_rows(found, today=self.today, english=True)
        return [
            {
                "card_id": a.card_id,
                "card_number": a.card_number,
                "generation": a.generation,
                "masked_name": a.masked_name,
                "masked_id_number": a.masked_id_number,
                "district": a.district,
                "district_zh": a.district_name,
                "district_en": b.district_name,
                "valid_until": a.valid_until,
                "days_left": a.days_left,
                "told": a.told,
                "told_at": a.told_at,
                "holder_texted": a.texts > 0,
                "renewal_open": a.renewal_open,
            }
            for a, b in zip(zh, en, strict=True)
        ]


@router.get("/cards/expiring", response={200: list[ExpiringCardOut], **ERRORS})
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def cards_expiring(request: HttpRequest, filters: Query[ExpiryFilter]) -> list[dict[str, Any]]:
    """The cards in their holders' hands that run out within the pack's notice period (or have
    run out: ``expired``), soonest first — the expiring cards page. City officers see their
    city's, district officers their district's, HR their staff's, a holder their own; another
    role answers 403 ``permission_denied``."""
    actor = request_actor(request)
    cards = expiring_cards(actor=actor, today=_today(), query=filters.query())
    return _LazyRows(cards)  # type: ignore[return-value]


@router.post("/cards/expiring/notices", response={200: RenewalNoticesOut, **WRITE_ERRORS})
def cards_expiring_notify(request: HttpRequest) -> dict[str, Any]:
    """Tell the holders of the expiring cards in the officer's scope with the pack's renewal
    text, once per card and term (the page's "Tell the holders" button; the daily sweep does
    the same for the whole platform). A second call tells no one twice."""
    summary = card_renewal_notices_send(actor=request_actor(request), today=_today())
    return {
        "cards": summary.cards,
        "queued": summary.queued,
        "no_phone": summary.no_phone,
        "no_template": summary.no_template,
    }


def _card(actor: Actor, card_id: int, id_number: str | None) -> Card:
    if id_number is None:
        return card_get(actor=actor, card_id=card_id)
    return card_for_counter(actor=actor, id_number=counter_id_number(id_number), card_id=card_id)


@router.post("/cards/{int:card_id}/renewals", response={201: ReplacementOut, **WRITE_ERRORS})
def cards_renew(request: HttpRequest, card_id: int, body: RenewalIn) -> Status[dict[str, Any]]:
    """Apply for the renewal of a card within the pack's notice period or run out: a clerk at
    the counter (with the holder's ID number), or the holder online. Refusals:
    ``renewal_not_offered``, ``renewal_channel_not_offered``, ``renewal_not_due``,
    ``card_not_renewable``, ``renewal_already_applied``, ``not_found`` (another's card), and
    the engine's."""
    actor = request_actor(request)
    card = _card(actor, card_id, body.id_number)
    channel, pickup, centre = body.channel, body.pickup, body.backup_centre_id
    if actor.outlet_id is not None:
        # What the counter page does: its channel, and the pickup (and backup centre) the
        # policy leaves to a counter when none is named.
        outlet = outlet_get(actor=actor, outlet_id=actor.outlet_id)
        channel = channel or counter_renewal_channel(outlet.kind, renewal_terms_for_card(card))
        if pickup is None:
            defaults = counter_replacement_defaults(
                outlet, card, reason=RENEWAL_ACTION, channel=channel, day=_today()
            )
            pickup = defaults.pickup
            centre = centre if centre is not None else defaults.backup_centre_id
    elif channel is None and actor.role is Role.CARDHOLDER:
        channel = "online"
    application = card_renewal_apply(
        actor=actor,
        card=card,
        channel=channel or "",
        day=_today(),
        pickup=pickup,
        bank=body.bank,
        mailing_address=body.mailing_address,
        backup_centre_id=centre,
    )
    return Status(
        201,
        {
            "application_id": application.pk,
            "card_generation": application.card_generation,
            "due_date": application.due_date,
            "due_date_pending": application.due_date_pending,
            "rule_id": application.rule_id,
            "clause": application.clause,
        },
    )
