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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from sscard.campaigns.selectors import pack_in_force_for_person
from sscard.cards.choices import CardStage, CardStatus, LossChannel
from sscard.cards.models import Card, LossReport
from sscard.cards.rules import (
    enable_paths,
    enable_refusal,
    loss_report_refusal,
    loss_withdraw_refusal,
    paths_text,
    standing_loss_reports,
)
from sscard.cards.selectors import (
    TimelineStep,
    card_get,
    card_timeline,
    cards_of_holder,
    electronic_card_status,
)
from sscard.cards.services import card_enable, card_loss_withdraw, card_report_loss
from sscard.cards.status import card_status
from sscard.core.actors import Actor, Role
from sscard.core.clock import today as _today
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


def _can_report_online(actor: Actor, card: Card, standing: LossReport | None, today: date) -> bool:
    try:
        terms = pack_in_force_for_person(card.person).pack.loss
    except ApplicationError:  # no pack in force for the holder's city: no online report
        return False
    refused = loss_report_refusal(
        actor=actor,
        card=card,
        channel=LossChannel.ONLINE,
        formal=False,
        terms=terms,
        standing=standing,
        today=today,
    )
    return refused is None


def _holder_card(
    actor: Actor,
    card: Card,
    today: date,
    standing: LossReport | None,
    flash: tuple[str, ApplicationError | None] | None = None,
) -> HolderCard:
    status = card_status(card, today=today)
    own = card.person_id == actor.person_id
    waiting = card.stage == CardStage.HANDED_OVER and status == CardStatus.NOT_ENABLED
    paths = enable_paths(card) if waiting else ()
    where_zh, where_en = paths_text(p for p in paths if p != "online")
    message, error = flash or ("", None)
    # Each action is offered only when the predicate its service checks accepts it.
    return HolderCard(
        card=card,
        status=status,
        # a loss report that no longer stands is history, not a step of the card's life
        timeline=[s for s in card_timeline(card) if s.key != "loss" or s.done],
        own=own,
        enable_online=own
        and enable_refusal(actor=actor, card=card, outlet=None, today=today) is None,
        enable_where=(where_en if english_page() else where_zh) if waiting else "",
        report=own and _can_report_online(actor, card, standing, today),
        withdraw=own and loss_withdraw_refusal(actor=actor, standing=standing) is None,
        message=message,
        error=error,
        error_message=error_text(error) if error is not None else "",
    )


def _cards_context(
    actor: Actor, flash: dict[int, tuple[str, ApplicationError | None]] | None = None
) -> dict[str, Any]:
    today = _today()
    flash = flash or {}
    held = cards_of_holder(actor=actor)
    standing = standing_loss_reports(held, today=today)
    cards = [_holder_card(actor, c, today, standing.get(c.pk), flash.get(c.pk)) for c in held]
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
