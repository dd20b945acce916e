"""The cardholder's pages: their cards with status and timeline, enabling online, reporting a
card lost online (a temporary block) and withdrawing the report, and the electronic card; their
applications with how far each has come, and withdrawing one still open.

Views parse, call a service or selector, and render. A holder sees their own cards and their
children's; the actions are for their own (the services refuse anyone else's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from sscard.applications.rules import application_cancel_refusal, application_receipt_refusal
from sscard.applications.selectors import application_get, roster_invitations
from sscard.applications.services import application_cancel
from sscard.campaigns.selectors import (
    city_of_person,
    decision_for_person,
    pack_in_force_for_person,
)
from sscard.cards.choices import CardStage, CardStatus, LossChannel
from sscard.cards.expiry import (
    in_notice_period,
    renewal_refusal,
    renewal_terms_for_person_city,
)
from sscard.cards.models import Card, LossReport
from sscard.cards.progress import HolderProgress, ProgressStep
from sscard.cards.rules import (
    enable_paths,
    enable_refusal,
    loss_report_refusal,
    loss_withdraw_refusal,
    packs_by_hash,
    paths_text,
    replacements_applied,
    standing_loss_reports,
)
from sscard.cards.selectors import (
    card_get,
    card_progress,
    card_timeline,
    cards_of_holder,
    electronic_card_status,
    holder_applications,
)
from sscard.cards.services import card_enable, card_loss_withdraw, card_report_loss
from sscard.cards.status import card_status
from sscard.core.actors import Actor, Role
from sscard.core.clock import today as _today
from sscard.core.confirm import ConfirmStep, confirmed
from sscard.core.errors import ApplicationError
from sscard.core.htmx import htmx_partial
from sscard.core.names import Kind, name_of
from sscard.core.views import (
    actor_required,
    english_page,
    error_text,
    flash_refusal,
    request_actor,
)
from sscard.policy import DecisionRequest, Pack
from sscard.policy.schema import NOTICE_DAYS_MAX, Renewal


@dataclass(frozen=True, slots=True)
class HolderCard:
    """One card on the holder's page: its status, its life so far and what the holder may do."""

    card: Card
    status: CardStatus
    timeline: list[ProgressStep]
    progress: HolderProgress
    own: bool
    enable_online: bool
    enable_where: str
    report: bool
    withdraw: bool
    message: str = ""
    error: ApplicationError | None = None
    error_message: str = ""
    # The question asked before a loss report or its withdrawal (``core.confirm``).
    confirm: ConfirmStep | None = None
    # The card's last day while it runs out within the pack's notice period, not renewed yet
    # ("your card expires on … — renew"), and whether the holder may renew it online.
    renew_until: date | None = None
    renew_online: bool = False


@dataclass(frozen=True, slots=True)
class _Known:
    """What the page reads once for all the holder's cards: their standing loss reports, the
    cards whose replacement was applied for, and their packs."""

    standing: dict[int, LossReport]
    replaced: set[int]
    packs: dict[str, Pack]
    # The cards whose renewal or replacement was applied for, and the renewal terms of the
    # pack in force in each holder's city (asked once per city).
    renewing: frozenset[int] = frozenset()
    renewal: dict[str, Renewal | None] = field(default_factory=dict)


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
    known: _Known,
    flash: tuple[str, ApplicationError | None] | None = None,
    confirm: ConfirmStep | None = None,
) -> HolderCard:
    standing = known.standing.get(card.pk)
    pack = known.packs.get(card.pack_hash)
    status = card_status(card, today=today)
    own = card.person_id == actor.person_id
    waiting = card.stage == CardStage.HANDED_OVER and status == CardStatus.NOT_ENABLED
    paths = enable_paths(card) if waiting else ()
    where_zh, where_en = paths_text(p for p in paths if p != "online")
    message, error = flash or ("", None)
    renew_until, renew_online = _renewal(actor, card, today, known) if own else (None, False)
    # Each action is offered only when the predicate its service checks accepts it.
    return HolderCard(
        card=card,
        status=status,
        # a loss report that no longer stands is history, not a step of the card's life
        timeline=[s for s in card_timeline(card, pack=pack) if s.key != "loss" or s.done],
        progress=card_progress(card, pack=pack),
        own=own,
        enable_online=own
        and enable_refusal(actor=actor, card=card, outlet=None, today=today) is None,
        enable_where=(where_en if english_page() else where_zh) if waiting else "",
        report=own and _can_report_online(actor, card, standing, today),
        withdraw=own
        and loss_withdraw_refusal(
            actor=actor, standing=standing, replacement_applied=card.pk in known.replaced
        )
        is None,
        message=message,
        error=error,
        error_message=error_text(error) if error is not None else "",
        confirm=confirm,
        renew_until=renew_until,
        renew_online=renew_online,
    )


def _renewal(actor: Actor, card: Card, today: date, known: _Known) -> tuple[date | None, bool]:
    """The card's last day when it runs out within the notice period and is not renewed yet,
    and whether the holder may renew it online (the service's own predicate)."""
    if card.stage != CardStage.HANDED_OVER or card.pk in known.renewing:
        return None, False
    terms = known.renewal.get(city_of_person(card.person))
    if not in_notice_period(card, terms, today=today):
        return None, False
    refused = renewal_refusal(
        actor=actor, card=card, terms=terms, today=today, renewal_applied=False, channel="online"
    )
    if refused is not None and refused.code == "card_not_renewable":
        return None, False
    return card.valid_until, refused is None and _engine_renews_online(card, today)


def _engine_renews_online(card: Card, today: date) -> bool:
    """Whether the pack's rules take this holder's renewal online, with the one pickup method
    the page can apply with (what ``application_submit`` asks the engine)."""
    request = DecisionRequest("renewal", "online", today, bank=card.bank_code or None)
    decision = decision_for_person(person=card.person, request=request)
    return decision is not None and decision.allowed and len(decision.pickup_methods) == 1


def _cards_context(
    actor: Actor,
    flash: dict[int, tuple[str, ApplicationError | None]] | None = None,
    confirm: ConfirmStep | None = None,
    confirm_card: int | None = None,
) -> dict[str, Any]:
    today = _today()
    flash = flash or {}
    held = cards_of_holder(actor=actor)
    standing = standing_loss_reports(held, today=today)
    # The holder's own cards in hand that may be in a notice period (no pack's is longer than
    # NOTICE_DAYS_MAX): only those ask for their pack's renewal terms.
    near = [
        c
        for c in held
        if c.person_id == actor.person_id
        and c.stage == CardStage.HANDED_OVER
        and c.valid_until <= today + timedelta(days=NOTICE_DAYS_MAX)
    ]
    known = _Known(
        standing=standing,
        # only a standing report asks whether a replacement was applied for (withdrawal)
        replaced=replacements_applied(c for c in held if c.pk in standing),
        packs=packs_by_hash(c.pack_hash for c in held),
        renewing=frozenset(replacements_applied(near)),
        renewal={
            city: renewal_terms_for_person_city(city)
            for city in {city_of_person(c.person) for c in near}
        },
    )
    cards = [
        _holder_card(
            actor, c, today, known, flash.get(c.pk), confirm if c.pk == confirm_card else None
        )
        for c in held
    ]
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


# The holder's actions that cannot be taken back from this page: asked again first.
CONFIRMED = {"report-loss": "cards:report_loss", "withdraw-loss": "cards:withdraw_loss"}


def _ask(request: HttpRequest, actor: Actor, card: Card, action: str) -> HttpResponse | None:
    """Draw the question before ``action`` on the holder's card (``core.confirm``); None when
    the page does not offer it, so that the service says why."""
    context = _cards_context(actor)
    item = next((c for c in context["cards"] if c.card.pk == card.pk), None)
    offered = item is not None and (item.report if action == "report-loss" else item.withdraw)
    if not offered:
        return None
    number = {"number": card.card_number}
    if action == "report-loss":
        question = (
            _(
                "Report your card %(number)s lost? It is blocked at once, for hospitals, "
                "pharmacies and banks alike, until you withdraw the report."
            )
            % number
        )
        button = _("Yes, block my card")
    else:
        question = (
            _("Withdraw the loss report on your card %(number)s? It works again at once.") % number
        )
        button = _("Yes, I found it")
    url = reverse(CONFIRMED[action], args=[card.pk])
    step = ConfirmStep(
        action=action,
        question=question,
        button=button,
        url=url,
        target="closest .my-card",
        back_url=reverse("cards:mine") + f"#card-{card.pk}",
    )
    context = _cards_context(actor, confirm=step, confirm_card=card.pk)
    if not htmx_partial(request):
        return render(request, "cards/my_cards.html", context)
    item = next(c for c in context["cards"] if c.card.pk == card.pk)
    return render(request, "cards/htmx/my_card.html", {**context, "item": item})


def _act(request: HttpRequest, card_id: int, action: str) -> HttpResponse:
    actor = request_actor(request)
    card = card_get(actor=actor, card_id=card_id)  # another holder's card: not_found
    if action in CONFIRMED and not confirmed(request):
        asked = _ask(request, actor, card, action)
        if asked is not None:
            return asked
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
            flash_refusal(request, flash[1])
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


# --------------------------------------------------------------------------------------------
# The holder's applications: how far each has come, from its card (``cards.progress``)
# --------------------------------------------------------------------------------------------


def _applications_context(
    actor: Actor, confirm: ConfirmStep | None = None, confirm_application: int | None = None
) -> dict[str, Any]:
    rows = [
        {
            "app": found.application,
            "card": found.card,
            "progress": found.progress,
            "channel": name_of(Kind.CHANNEL, found.application.channel),
            "action": name_of(Kind.ACTION, found.application.action),
            # offered only when the service would accept it (``application_cancel_refusal``)
            "cancel": application_cancel_refusal(actor=actor, application=found.application)
            is None,
            # the receipt of an individual application; a collective one's paper is its form
            "receipt": application_receipt_refusal(application=found.application) is None,
            "confirm": confirm if found.application.pk == confirm_application else None,
        }
        for found in holder_applications(actor=actor)
    ]
    return {"rows": rows, "invitations": list(roster_invitations(actor=actor)[:10])}


@actor_required(Role.CARDHOLDER)
def my_applications(request: HttpRequest) -> HttpResponse:
    """The holder's applications, each with the steps its card has passed (the derivation the
    card page, the API and the SMS share): "done" only once the card is in their hands and
    enabled."""
    context = _applications_context(request_actor(request))
    return render(request, "applications/my_applications.html", context)


@require_POST
@actor_required(Role.CARDHOLDER)
def application_cancel_view(request: HttpRequest, application_id: int) -> HttpResponse:
    """Withdraw an open application, after the holder confirms it (``core.confirm``)."""
    actor = request_actor(request)
    application = application_get(actor=actor, application_id=application_id)
    back = reverse("cards:my_applications") + f"#a{application.pk}"
    offered = application_cancel_refusal(actor=actor, application=application) is None
    if offered and not confirmed(request):
        step = ConfirmStep(
            action="cancel",
            question=_(
                "Withdraw this application? No card is made for it; you may apply again later."
            ),
            button=_("Yes, withdraw it"),
            url=reverse("cards:application_cancel", args=[application.pk]),
            target="",
            back_url=back,
        )
        context = _applications_context(actor, confirm=step, confirm_application=application.pk)
        return render(request, "applications/my_applications.html", context)
    try:
        application_cancel(actor=actor, application_id=application.pk)
    except ApplicationError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, _("Your application is withdrawn."))
    return HttpResponseRedirect(back)
