"""The cardholder's pages: their cards with status and timeline, enabling online, reporting a
card lost online (a temporary block) and withdrawing the report, and the electronic card.

Views parse, call a service or selector, and render. A holder sees their own cards and their
children's; the actions are for their own (the services refuse anyone else's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from sscard.cards.choices import CardBlock, CardStage, CardStatus, LossChannel
from sscard.cards.models import Card
from sscard.cards.rules import enable_paths, paths_text
from sscard.cards.selectors import (
    TimelineStep,
    card_get,
    card_timeline,
    cards_of_holder,
    electronic_card_status,
)
from sscard.cards.services import REPORTABLE, card_enable, card_loss_withdraw, card_report_loss
from sscard.cards.status import card_status
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.htmx import htmx_partial
from sscard.core.views import actor_required, english_page, error_text, request_actor


@dataclass(frozen=True, slots=True)
class HolderCard:
    """One card on the holder's page: its status, its life so far and what the holder may do."""

    card: Card
    status: CardStatus
    timeline: list[TimelineStep]
    own: bool
    enable_online: bool
    enable_where: str
    report: bool
    withdraw: bool
    message: str = ""
    error: ApplicationError | None = None
    error_message: str = ""


def _today() -> date:
    return timezone.localdate()


def _holder_card(
    actor: Actor,
    card: Card,
    today: date,
    flash: tuple[str, ApplicationError | None] | None = None,
) -> HolderCard:
    status = card_status(card, today=today)
    own = card.person_id == actor.person_id
    waiting = card.stage == CardStage.HANDED_OVER and status == CardStatus.NOT_ENABLED
    paths = enable_paths(card) if waiting else ()
    where_zh, where_en = paths_text(p for p in paths if p != "online")
    message, error = flash or ("", None)
    return HolderCard(
        card=card,
        status=status,
        # a loss report that no longer stands is history, not a step of the card's life
        timeline=[s for s in card_timeline(card) if s.key != "loss" or s.done],
        own=own,
        enable_online=own and waiting and "online" in paths,
        enable_where=(where_en if english_page() else where_zh) if waiting else "",
        report=own
        and card.stage == CardStage.HANDED_OVER
        and status in REPORTABLE
        and card.block == CardBlock.NONE,
        withdraw=own and card.block != CardBlock.NONE and status in REPORTABLE,
        message=message,
        error=error,
        error_message=error_text(error) if error is not None else "",
    )


def _cards_context(
    actor: Actor, flash: dict[int, tuple[str, ApplicationError | None]] | None = None
) -> dict[str, Any]:
    today = _today()
    flash = flash or {}
    cards = [_holder_card(actor, c, today, flash.get(c.pk)) for c in cards_of_holder(actor=actor)]
    ecard = (
        electronic_card_status(person_id=actor.person_id, today=today)
        if actor.person_id is not None
        else None
    )
    follows = next((c.card for c in cards if ecard and c.card.pk == ecard.follows_card_id), None)
    return {"cards": cards, "ecard": ecard, "ecard_card": follows}


@actor_required(Role.CARDHOLDER)
def my_cards(request: HttpRequest) -> HttpResponse:
    return render(request, "cards/my_cards.html", _cards_context(request_actor(request)))


def _act(request: HttpRequest, card_id: int, action: str) -> HttpResponse:
    actor = request_actor(request)
    card = card_get(actor=actor, card_id=card_id)  # another holder's card: not_found
    today = _today()
    flash: tuple[str, ApplicationError | None]
    try:
        if action == "enable":
            card_enable(actor=actor, card=card, today=today)
            text = _("Your card's social-security function is enabled.")
        elif action == "report-loss":
            report = card_report_loss(
                actor=actor, card=card, channel=LossChannel.ONLINE, today=today
            )
            text = _("Your card is blocked.")
            if report.blocked_until is not None:
                text += " " + _(
                    "This online report is temporary: it lapses after %(until)s unless you "
                    "confirm it at a counter."
                ) % {"until": report.blocked_until.isoformat()}
        else:
            card_loss_withdraw(actor=actor, card=card, today=today)
            text = _("Your loss report is withdrawn; the card can be used again.")
        flash = (text, None)
    except ApplicationError as error:
        flash = ("", error)
    if not htmx_partial(request):
        if flash[1] is not None:
            messages.error(request, f"{error_text(flash[1])} ({flash[1].code})")
        else:
            messages.success(request, flash[0])
        return HttpResponseRedirect(reverse("cards:mine") + f"#card-{card_id}")
    context = _cards_context(actor, {card.pk: flash})
    if flash[1] is None:
        # Enabling invalidates the previous card, and the electronic card follows the physical
        # one's block: after a change, redraw them all.
        response = render(request, "cards/htmx/my_cards_list.html", context)
        return reswap(retarget(response, "#my-cards"), "innerHTML")
    item = next(c for c in context["cards"] if c.card.pk == card.pk)
    return render(request, "cards/htmx/my_card.html", {**context, "item": item})


@require_POST
@actor_required(Role.CARDHOLDER)
def enable_view(request: HttpRequest, card_id: int) -> HttpResponse:
    return _act(request, card_id, "enable")


@require_POST
@actor_required(Role.CARDHOLDER)
def report_loss_view(request: HttpRequest, card_id: int) -> HttpResponse:
    return _act(request, card_id, "report-loss")


@require_POST
@actor_required(Role.CARDHOLDER)
def withdraw_loss_view(request: HttpRequest, card_id: int) -> HttpResponse:
    return _act(request, card_id, "withdraw-loss")
