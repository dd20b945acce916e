"""Pages of delivery: the counter of a bank outlet or community centre (its stock, and the
holder it serves with their cards), and the dispatch of a batch's made cards.

The counter finds a holder by the ID number read off their ID card, and every action on a
card carries that number again: a clerk acts only on the cards of the person in front of
them, and only as the services allow (the outlet's stock, the issuing bank, the pack's paths).
Views parse, call a service or selector, and render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from sscard.campaigns.selectors import pack_in_force_for_city
from sscard.cards.choices import CardStatus, LossChannel
from sscard.cards.models import Card
from sscard.cards.rules import counter_id_number, counter_replacement_channel
from sscard.cards.selectors import CounterView, card_for_counter, cards_at_counter
from sscard.cards.services import (
    card_activate_financial,
    card_close_financial,
    card_enable,
    card_loss_withdraw,
    card_replacement_apply,
    card_report_loss,
)
from sscard.core.actors import Actor, Role
from sscard.core.clock import today as _today
from sscard.core.errors import ApplicationError
from sscard.core.htmx import htmx_partial
from sscard.core.views import actor_required, english_page, error_page, error_text, request_actor
from sscard.delivery import counter as actions
from sscard.delivery.choices import ShipmentStatus
from sscard.delivery.counter import CounterCard, counter_cards, holder_serve, instant_offered
from sscard.delivery.errors import DeliveryErrorCode
from sscard.delivery.forms import ReplacementForm, ServeForm
from sscard.delivery.models import Shipment
from sscard.delivery.selectors import clerk_outlet, outlet_stock, stock_counts
from sscard.delivery.services import (
    batch_dispatch,
    card_hand_over,
    outlet_receive,
    replacement_instant,
    visit_hand_over,
)
from sscard.kernel.regions import city_of
from sscard.network.models import Outlet
from sscard.network.selectors import bank_names
from sscard.policy import Pack

CLERKS = (Role.BANK_CLERK, Role.COMMUNITY_CLERK)
STOCK_ROWS = 200
# Actions whose effect reaches beyond the card acted on (the previous card becomes invalid,
# a new card or application appears): the whole list is redrawn, not just the row.
WHOLE_LIST = frozenset(
    {actions.ENABLE, actions.ACTIVATE_FINANCIAL, actions.VISIT_HAND_OVER, actions.REPLACE}
)
# Actions that take a card out of the outlet's stock: the stock panel refreshes itself.
LEAVES_STOCK = frozenset({actions.HAND_OVER, actions.VISIT_HAND_OVER})


@dataclass(frozen=True, slots=True)
class CardRow:
    """A card at the counter: its status and the actions offered here — exactly those the
    services would accept (``delivery.counter``, the API's ``actions`` too)."""

    card: Card
    status: CardStatus
    shipment: Shipment | None
    hand_over: bool
    visit_hand_over: bool
    enable: bool
    activate: bool
    close: bool
    report: bool
    withdraw: bool
    replace: bool
    bank_name: str = ""
    message: str = ""
    error: ApplicationError | None = None
    error_message: str = ""


def _outlet(actor: Actor) -> Outlet:
    outlet = clerk_outlet(actor=actor)
    if outlet is None:
        raise Http404
    return outlet


def _pack(actor: Actor, outlet: Outlet) -> Pack | None:
    try:
        return pack_in_force_for_city(actor.city_code or city_of(outlet.district)).pack
    except ApplicationError:
        return None


def _replacement_form(data: Any, actor: Actor, outlet: Outlet) -> ReplacementForm:
    """The counter's replacement form: "instant" is a choice only where the button's own
    predicate (``instant_offered``: the outlet and the pack in force) offers it."""
    pack = _pack(actor, outlet)
    return ReplacementForm(
        data, pack=pack, english=english_page(), instant=instant_offered(outlet, pack)
    )


def _row(
    counted: CounterCard,
    banks: dict[str, str],
    flash: tuple[str, ApplicationError | None] | None = None,
) -> CardRow:
    offered = counted.actions
    message, error = flash or ("", None)
    return CardRow(
        card=counted.card,
        bank_name=banks.get(counted.card.bank_code, counted.card.bank_code),
        status=counted.status,
        shipment=counted.shipment,
        hand_over=actions.HAND_OVER in offered,
        visit_hand_over=actions.VISIT_HAND_OVER in offered,
        enable=actions.ENABLE in offered,
        activate=actions.ACTIVATE_FINANCIAL in offered,
        close=actions.CLOSE_FINANCIAL in offered,
        report=actions.REPORT_LOSS in offered,
        withdraw=actions.WITHDRAW_LOSS in offered,
        replace=actions.REPLACE in offered,
        message=message,
        error=error,
        error_message=error_text(error) if error is not None else "",
    )


def _served(
    request: HttpRequest,
    view: CounterView,
    id_number: str,
    outlet: Outlet,
    flash: dict[int, tuple[str, ApplicationError | None]] | None = None,
) -> dict[str, Any]:
    actor = request_actor(request)
    flash = flash or {}
    counted = counter_cards(actor=actor, view=view, outlet=outlet, today=_today())
    banks = bank_names((c.card.bank_code for c in counted), english=english_page())
    rows = [_row(c, banks, flash.get(c.card.pk)) for c in counted]
    return {
        "person": view.person,
        "id_number": id_number,
        "rows": rows,
        "replacement_form": _replacement_form(None, actor, outlet),
    }


def _stock(actor: Actor) -> dict[str, Any]:
    counts = stock_counts(actor=actor)
    return {
        "stock": list(outlet_stock(actor=actor)[:STOCK_ROWS]),
        "in_transit": counts[ShipmentStatus.IN_TRANSIT],
        "at_outlet": counts[ShipmentStatus.AT_OUTLET],
        "stock_limit": STOCK_ROWS,
    }


def _page(request: HttpRequest, outlet: Outlet, **extra: Any) -> HttpResponse:
    context = {"outlet": outlet, "form": ServeForm(), **_stock(request_actor(request)), **extra}
    return render(request, "delivery/counter.html", context)


@actor_required(*CLERKS)
def counter_page(request: HttpRequest) -> HttpResponse:
    return _page(request, _outlet(request_actor(request)))


@actor_required(*CLERKS)
def stock_view(request: HttpRequest) -> HttpResponse:
    """The stock panel alone (htmx refreshes it after a hand-over)."""
    if not htmx_partial(request):
        return HttpResponseRedirect(reverse("delivery:counter"))
    return render(request, "delivery/htmx/stock.html", _stock(request_actor(request)))


@require_POST
@actor_required(*CLERKS)
def stock_receive_view(request: HttpRequest) -> HttpResponse:
    try:
        received = outlet_receive(actor=request_actor(request))
    except ApplicationError as error:
        messages.error(request, f"{error_text(error)} ({error.code})")
    else:
        if received:
            messages.success(
                request,
                _("%(n)d cards taken into stock; their holders are told by SMS.") % {"n": received},
            )
        else:
            messages.info(request, _("No card is on its way to this outlet."))
    return HttpResponseRedirect(reverse("delivery:counter"))


@require_POST
@actor_required(*CLERKS)
def serve_view(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    outlet = _outlet(actor)
    form = ServeForm(request.POST)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        id_number = form.cleaned_data["id_number"]
        try:
            view = holder_serve(actor=actor, id_number=id_number)
        except ApplicationError as error:
            context.update(error=error, error_message=error_text(error))
        else:
            context.update(_served(request, view, id_number, outlet))
    if htmx_partial(request):
        # htmx swaps only 2xx answers: a refusal comes as 200 to show where the cards would.
        return render(request, "delivery/htmx/served.html", context)
    response = _page(request, outlet, **context)
    refusal = context.get("error")
    if isinstance(refusal, ApplicationError) and refusal.status == 429:
        response.status_code = 429  # over the hourly lookup limit
    return response


def _replace(request: HttpRequest, actor: Actor, outlet: Outlet, card: Card, id_number: str) -> str:
    form = _replacement_form(request.POST, actor, outlet)
    if not form.is_valid():
        raise DeliveryErrorCode.REPLACEMENT_FORM_INVALID.error()
    data = form.cleaned_data
    if data["mode"] == "instant":
        new = replacement_instant(
            actor=actor, card=card, reason=data["reason"], id_number=id_number, day=_today()
        )
        return _("The new card %(number)s is made and handed over; it is enabled.") % {
            "number": new.card_number
        }
    application = card_replacement_apply(
        actor=actor,
        card=card,
        reason=data["reason"],
        channel=counter_replacement_channel(outlet, card),
        day=_today(),
        pickup=data["pickup"] or None,
    )
    text = _("Replacement application #%(id)d taken.") % {"id": application.pk}
    if application.due_date:
        text += " " + _("The new card is to be made by %(due)s.") % {
            "due": application.due_date.isoformat()
        }
    elif application.due_date_pending:
        text += " " + _("Due date pending the official calendar.")
    return text


def _action(
    name: str, request: HttpRequest, actor: Actor, outlet: Outlet, card: Card, id_number: str
) -> str:
    """Run the counter action ``name`` on ``card``; answer what to tell the clerk."""
    today = _today()
    if name == actions.HAND_OVER:
        card_hand_over(actor=actor, card=card, id_number=id_number)
        return _("The card is handed over to its holder.")
    if name == actions.VISIT_HAND_OVER:
        visit_hand_over(actor=actor, card=card, id_number=id_number, today=today)
        return _("The card is handed over by the visiting team; both functions are on.")
    if name == actions.ENABLE:
        card_enable(actor=actor, card=card, today=today)
        return _("The social-security function is enabled.")
    if name == actions.ACTIVATE_FINANCIAL:
        card_activate_financial(actor=actor, card=card, today=today)
        return _("The financial function is activated.")
    if name == actions.CLOSE_FINANCIAL:
        card_close_financial(actor=actor, card=card)
        return _("The financial function is closed.")
    if name == actions.REPORT_LOSS:
        card_report_loss(
            actor=actor, card=card, channel=LossChannel.COUNTER, today=today, formal=True
        )
        return _("The card is reported lost (formal) and blocked.")
    if name == actions.WITHDRAW_LOSS:
        card_loss_withdraw(actor=actor, card=card, today=today)
        return _("The loss report is withdrawn; the block is lifted.")
    if name == actions.REPLACE:
        return _replace(request, actor, outlet, card, id_number)
    raise Http404


@require_POST
@actor_required(*CLERKS)
def card_action_view(request: HttpRequest, card_id: int, action: str) -> HttpResponse:
    actor = request_actor(request)
    outlet = _outlet(actor)
    if action not in actions.COUNTER_ACTIONS:
        raise Http404
    try:
        id_number = counter_id_number(request.POST.get("id_number"))
        # The card must be one of the person whose ID number the clerk typed (else not_found);
        # a malformed number answers its own code, as the API does.
        card = card_for_counter(actor=actor, id_number=id_number, card_id=card_id)
    except ApplicationError as error:
        return error_page(request, error)
    flash: tuple[str, ApplicationError | None]
    try:
        flash = (_action(action, request, actor, outlet, card, id_number), None)
    except ApplicationError as error:
        flash = ("", error)
    view = cards_at_counter(actor=actor, id_number=id_number)
    context = _served(request, view, id_number, outlet, {card.pk: flash})
    if not htmx_partial(request):
        return _page(request, outlet, **context)
    if action in WHOLE_LIST and flash[1] is None:
        response = render(request, "delivery/htmx/served.html", context)
        response = reswap(retarget(response, "#served"), "innerHTML")
    else:
        row = next(r for r in context["rows"] if r.card.pk == card.pk)
        response = render(request, "delivery/htmx/card_row.html", {**context, "row": row})
    if action in LEAVES_STOCK and flash[1] is None:
        trigger_client_event(response, "stock-changed")
    return response


@require_POST
@actor_required(Role.PRODUCTION_OPERATOR)
def batch_dispatch_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    try:
        summary = batch_dispatch(actor=request_actor(request), batch_id=batch_id)
    except ApplicationError as error:
        messages.error(request, f"{error_text(error)} ({error.code})")
    else:
        messages.success(
            request,
            _(
                "%(total)d cards dispatched: %(outlet)d to outlets, %(post)d by post, "
                "%(visit)d with visiting bank teams."
            )
            % {
                "total": summary.total,
                "outlet": summary.outlet,
                "post": summary.post,
                "visit": summary.visit,
            },
        )
    return HttpResponseRedirect(reverse("production:batch", args=[batch_id]))
