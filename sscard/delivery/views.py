"""Pages of delivery: the counter of a bank outlet or community centre (its stock, and the
holder it serves with their cards), and the dispatch of a batch's made cards.

The counter finds a holder by the ID number read off their ID card, and every action on a
card carries that number again: a clerk acts only on the cards of the person in front of
them, and only as the services allow (the outlet's stock, the issuing bank, the pack's paths).
Views parse, call a service or selector, and render.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.forms import BoundField
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from sscard.campaigns.selectors import pack_in_force_for_city
from sscard.cards.choices import CardStatus, LossChannel
from sscard.cards.expiry import counter_renewal_channel, renewal_terms_for_card
from sscard.cards.models import Card
from sscard.cards.rules import (
    RENEWAL_ACTION,
    counter_id_number,
    counter_replacement_channel,
    counter_replacement_defaults,
    password_fields_refusal,
)
from sscard.cards.selectors import CounterView, card_for_counter, cards_at_counter
from sscard.cards.services import (
    card_activate_financial,
    card_close_financial,
    card_enable,
    card_loss_withdraw,
    card_password_reset_record,
    card_replacement_apply,
    card_report_loss,
)
from sscard.cards.services.renewal import card_renewal_apply
from sscard.core.actors import Actor, Role
from sscard.core.clock import today as _today
from sscard.core.confirm import ConfirmStep, confirmed
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, Column, ExportTable, coded, export_response
from sscard.core.htmx import htmx_partial
from sscard.core.names import Kind, name_of
from sscard.core.prints import render_print
from sscard.core.views import (
    actor_required,
    english_page,
    error_page,
    error_text,
    flash_refusal,
    form_refusal,
    refused_status,
    request_actor,
)
from sscard.delivery import counter as actions
from sscard.delivery.choices import ShipmentMethod, ShipmentStatus
from sscard.delivery.counter import CounterCard, counter_cards, holder_serve, instant_offered
from sscard.delivery.errors import DeliveryErrorCode
from sscard.delivery.forms import REPLACEMENT_REFUSALS, ReplacementForm, ServeForm
from sscard.delivery.models import Shipment
from sscard.delivery.selectors import (
    batch_shipments,
    card_ready_notice,
    clerk_outlet,
    outlet_stock,
    stock_counts,
)
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
from sscard.production.selectors import batch_get, batch_has_dispatched_cards

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
    report_temporary: bool = False
    renew: bool = False
    password_reset: bool = False
    bank_name: str = ""
    message: str = ""
    error: ApplicationError | None = None
    error_message: str = ""
    # The question asked before an action that cannot be taken back (``CONFIRMED_ACTIONS``).
    confirm: ConfirmStep | None = None
    # A refused replacement: its form as posted, and the field the refusal concerns.
    replacement: ReplacementForm | None = None
    error_field: BoundField | None = None


@dataclass(frozen=True, slots=True)
class RefusedReplacement:
    """The replacement form of one card, as it was posted and refused (``form_refusal``)."""

    card_id: int
    form: ReplacementForm
    field: BoundField | None


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


def _replacement_form(
    data: Any, actor: Actor, outlet: Outlet, card_id: int | None = None
) -> ReplacementForm:
    """The counter's replacement form: "instant" is a choice only where the button's own
    predicate (``instant_offered``: the outlet and the pack in force) offers it. Every row
    shares one, without ids; a card's own (``card_id``) has ids of its own."""
    pack = _pack(actor, outlet)
    return ReplacementForm(
        data,
        pack=pack,
        english=english_page(),
        instant=instant_offered(outlet, pack),
        auto_id=f"id_card{card_id}_%s" if card_id is not None else False,
    )


def _row(
    counted: CounterCard,
    banks: dict[str, str],
    flash: tuple[str, ApplicationError | None] | None = None,
    confirm: ConfirmStep | None = None,
    refused: RefusedReplacement | None = None,
) -> CardRow:
    offered = counted.actions
    message, error = flash or ("", None)
    refused = refused if refused is not None and refused.card_id == counted.card.pk else None
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
        report_temporary=actions.REPORT_LOSS_TEMPORARY in offered,
        withdraw=actions.WITHDRAW_LOSS in offered,
        replace=actions.REPLACE in offered,
        renew=actions.RENEW in offered,
        password_reset=actions.PASSWORD_RESET in offered,
        message=message,
        error=error,
        error_message=error_text(error) if error is not None else "",
        confirm=confirm,
        replacement=refused.form if refused else None,
        error_field=refused.field if refused else None,
    )


def _served(
    request: HttpRequest,
    view: CounterView,
    id_number: str,
    outlet: Outlet,
    flash: dict[int, tuple[str, ApplicationError | None]] | None = None,
    confirm: ConfirmStep | None = None,
    confirm_card: int | None = None,
    refused: RefusedReplacement | None = None,
) -> dict[str, Any]:
    actor = request_actor(request)
    flash = flash or {}
    counted = counter_cards(actor=actor, view=view, outlet=outlet, today=_today())
    banks = bank_names((c.card.bank_code for c in counted), english=english_page())
    rows = [
        _row(
            c,
            banks,
            flash.get(c.card.pk),
            confirm if c.card.pk == confirm_card else None,
            refused,
        )
        for c in counted
    ]
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


def _page(request: HttpRequest, outlet: Outlet, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"outlet": outlet, "form": ServeForm(), **_stock(request_actor(request)), **extra}
    return render(request, "delivery/counter.html", context, status=status)


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
        flash_refusal(request, error)
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


def _replace(
    form: ReplacementForm, actor: Actor, outlet: Outlet, card: Card, id_number: str
) -> str:
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
    channel = counter_replacement_channel(outlet, card)
    # "As the policy decides": the pickup (and backup centre) the API's twin takes too.
    defaults = counter_replacement_defaults(
        outlet, card, reason=data["reason"], channel=channel, day=_today()
    )
    application = card_replacement_apply(
        actor=actor,
        card=card,
        reason=data["reason"],
        channel=channel,
        day=_today(),
        pickup=data["pickup"] or defaults.pickup,
        backup_centre_id=defaults.backup_centre_id,
    )
    text = _("Replacement application #%(id)d taken.") % {"id": application.pk}
    if application.due_date:
        text += " " + _("The new card is to be made by %(due)s.") % {
            "due": application.due_date.isoformat()
        }
    elif application.due_date_pending:
        text += " " + _("Due date pending the official calendar.")
    return text


def _password_reset(actor: Actor, card: Card, id_number: str, presenter: str) -> str:
    """Record the password reset (the holder keys the new password on the PIN pad; the page
    has no field for it) and answer what to tell the clerk."""
    done = card_password_reset_record(
        actor=actor,
        card=card,
        id_number=id_number,
        today=_today(),
        presenter_id_number=presenter or None,
    )
    text = _("The password reset is recorded.")
    if done.told:
        text += " " + _("The holder is told by SMS.")
    return text


def _action(
    name: str,
    actor: Actor,
    outlet: Outlet,
    card: Card,
    id_number: str,
    replacement: ReplacementForm | None,
    presenter: str = "",
) -> str:
    """Run the counter action ``name`` on ``card`` (a replacement as ``replacement`` asks, a
    password reset with ``presenter``'s ID when not the holder's); answer what to tell the
    clerk."""
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
    if name == actions.REPORT_LOSS_TEMPORARY:
        report = card_report_loss(
            actor=actor, card=card, channel=LossChannel.COUNTER, today=today, formal=False
        )
        return _("The card is reported lost (temporary) and blocked until %(until)s.") % {
            "until": report.blocked_until.isoformat() if report.blocked_until else "—"
        }
    if name == actions.WITHDRAW_LOSS:
        card_loss_withdraw(actor=actor, card=card, today=today)
        return _("The loss report is withdrawn; the block is lifted.")
    if name == actions.REPLACE and replacement is not None:
        return _replace(replacement, actor, outlet, card, id_number)
    if name == actions.PASSWORD_RESET:
        return _password_reset(actor, card, id_number, presenter)
    if name == actions.RENEW:
        return _renew(actor, outlet, card)
    raise Http404


def _renew(actor: Actor, outlet: Outlet, card: Card) -> str:
    """Take the renewal of a card running out (到期换卡), as the API's twin does: the channel
    this counter takes renewals on, the pickup the policy leaves to a counter."""
    channel = counter_renewal_channel(outlet.kind, renewal_terms_for_card(card))
    defaults = counter_replacement_defaults(
        outlet, card, reason=RENEWAL_ACTION, channel=channel, day=_today()
    )
    application = card_renewal_apply(
        actor=actor,
        card=card,
        channel=channel,
        day=_today(),
        pickup=defaults.pickup,
        backup_centre_id=defaults.backup_centre_id,
    )
    text = _("Renewal application #%(id)d taken.") % {"id": application.pk}
    if application.due_date:
        text += " " + _("The new card is to be made by %(due)s.") % {
            "due": application.due_date.isoformat()
        }
    return text


def _question(action: str, card: Card, request: HttpRequest) -> tuple[str, str]:
    """What the clerk is asked before ``action`` on ``card``, and the button that says yes."""
    number = {"number": card.card_number}
    if action == actions.RENEW:
        return _(
            "Take the renewal of card %(number)s, which runs out on %(until)s? A new card is "
            "applied for; the old one works until the new one is enabled."
        ) % {**number, "until": card.valid_until.isoformat()}, _("Yes, renew it")
    if action == actions.REPORT_LOSS:
        return _(
            "Report card %(number)s lost with a formal report? It is blocked at once and "
            "stays blocked until the report is withdrawn."
        ) % number, _("Yes, report it lost")
    if action == actions.REPORT_LOSS_TEMPORARY:
        return _(
            "Report card %(number)s lost temporarily? It is blocked at once; the block lapses "
            "after the policy's term unless the report is confirmed or withdrawn."
        ) % number, _("Yes, report it lost")
    if action == actions.WITHDRAW_LOSS:
        return _(
            "Withdraw the loss report on card %(number)s? The block is lifted and the card "
            "works again."
        ) % number, _("Yes, withdraw the report")
    if action == actions.CLOSE_FINANCIAL:
        return _(
            "Close the financial function of card %(number)s? Its bank account is closed."
        ) % number, _("Yes, close it")
    if action == actions.PASSWORD_RESET:
        return _(
            "Reset the password of card %(number)s? Check the ID document presented against "
            "the holder (a minor's guardian shows their own too). The holder keys the new "
            "password on the PIN pad: never ask for it or type it here. The holder is told by "
            "SMS."
        ) % number, _("Yes, the password was reset")
    if request.POST.get("mode") == "instant":
        question = _(
            "Replace card %(number)s now? A new card is made and handed over in this visit, "
            "and the old one stops working once the new one is enabled."
        )
    else:
        question = _(
            "Take a replacement of card %(number)s? A new card is applied for; a lost card's "
            "loss report can no longer be withdrawn."
        )
    return question % number, _("Yes, take the replacement")


def _ask(
    request: HttpRequest, outlet: Outlet, card: Card, id_number: str, action: str
) -> HttpResponse | None:
    """Draw the question before ``action`` in the card's row (``core.confirm``); None when the
    action is not offered for this card, so that the service says why."""
    actor = request_actor(request)
    view = cards_at_counter(actor=actor, id_number=id_number)
    counted = counter_cards(actor=actor, view=view, outlet=outlet, today=_today())
    this = next((c for c in counted if c.card.pk == card.pk), None)
    if this is None or action not in this.actions:
        return None
    question, button = _question(action, card, request)
    url = reverse("delivery:card_action", args=[card.pk, action])
    carried: tuple[str, ...] = ()
    if action == actions.REPLACE:
        carried = ("reason", "mode", "pickup")
    elif action == actions.PASSWORD_RESET:
        carried = ("presenter_id_number",)
    step = ConfirmStep(
        action=action,
        question=question,
        button=button,
        url=url,
        target="closest .card-row",
        fields=(
            ("id_number", id_number),
            *((name, request.POST.get(name, "")) for name in carried),
        ),
        back_url=reverse("delivery:serve"),
        back_fields=(("id_number", id_number),),
        back_target="#served",
    )
    context = _served(request, view, id_number, outlet, confirm=step, confirm_card=card.pk)
    if not htmx_partial(request):
        return _page(request, outlet, **context)
    row = next(r for r in context["rows"] if r.card.pk == card.pk)
    return render(request, "delivery/htmx/card_row.html", {**context, "row": row})


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
    if action == actions.PASSWORD_RESET:
        # The page has no field for a secret; a post that carries one is refused, as the API
        # refuses it, before anything is asked or written.
        secret = password_fields_refusal(request.POST.keys())
        if secret is not None:
            return error_page(request, secret)
    if action in actions.CONFIRMED_ACTIONS and not confirmed(request):
        asked = _ask(request, outlet, card, id_number, action)
        if asked is not None:
            return asked
    flash: tuple[str, ApplicationError | None]
    form = (
        _replacement_form(request.POST, actor, outlet, card.pk)
        if action == actions.REPLACE
        else None
    )
    refused = None
    try:
        presenter = request.POST.get("presenter_id_number", "").strip()
        flash = (_action(action, actor, outlet, card, id_number, form, presenter), None)
    except ApplicationError as error:
        flash = ("", error)
        if form is not None:
            field = form_refusal(form, error, fields=REPLACEMENT_REFUSALS)["error_field"]
            refused = RefusedReplacement(card.pk, form, field)
    view = cards_at_counter(actor=actor, id_number=id_number)
    context = _served(request, view, id_number, outlet, {card.pk: flash}, refused=refused)
    if not htmx_partial(request):
        status = refused_status(request, flash[1]) if flash[1] is not None else 200
        return _page(request, outlet, status=status, **context)
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
        flash_refusal(request, error)
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


# --------------------------------------------------------------------------------------------
# The stock as a spreadsheet, and the papers of delivery: the card-ready notice (领卡通知) and
# a batch's hand-over sheet (交接单)
# --------------------------------------------------------------------------------------------


def _stock_rows(stock: QuerySet[Shipment]) -> Iterator[Sequence[Cell]]:
    methods, statuses = dict(ShipmentMethod.choices), dict(ShipmentStatus.choices)
    for shipment in stock.iterator(chunk_size=2000):
        yield (
            shipment.card.card_number,
            shipment.card.person.masked_name,
            str(methods.get(shipment.method, shipment.method)),
            shipment.method,
            str(statuses.get(shipment.status, shipment.status)),
            shipment.status,
            shipment.dispatched_at,
            shipment.received_at,
        )


@actor_required(*CLERKS)
def stock_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The outlet's stock as the counter lists it (all of it, not the page's first rows)."""
    actor = request_actor(request)
    outlet = _outlet(actor)
    table = ExportTable(
        title=_("This outlet's stock"),
        file_stem=f"stock-{outlet.code}",
        columns=[
            Column(_("Card number"), 12),
            Column(_("Holder"), 12),
            *coded(_("How it comes"), width=24),
            *coded(_("Status"), width=18),
            Column(_("Dispatched at"), 20),
            Column(_("Received"), 20),
        ],
        rows=_stock_rows(outlet_stock(actor=actor)),
        filters=[(_("Outlet"), f"{outlet.name} ({outlet.code})")],
    )
    return export_response(request, table, fmt)


@actor_required(*CLERKS, Role.CARDHOLDER)
def card_ready_notice_view(request: HttpRequest, card_id: int) -> HttpResponse:
    """The card-ready notice (领卡通知) of a card in an outlet's stock, to print: for the clerk
    to hand or send to its holder (the name masked, as the stock list shows it), or for the
    holder themself."""
    actor = request_actor(request)
    try:
        shipment = card_ready_notice(actor=actor, card_id=card_id)
    except ApplicationError as error:
        return error_page(request, error)
    card, outlet = shipment.card, shipment.outlet
    person = card.person
    own = actor.role is Role.CARDHOLDER
    context = {
        "card": card,
        "outlet": outlet,
        "shipment": shipment,
        "holder_name": person.name if own and person.pk == actor.person_id else person.masked_name,
        "bank_name": name_of(Kind.BANK, card.bank_code),
        "district_name": name_of(Kind.REGION, outlet.district if outlet else ""),
        "back": reverse("cards:mine") if own else reverse("delivery:counter"),
    }
    return render_print(request, "delivery/print/card_ready_notice.html", context)


@dataclass(frozen=True, slots=True)
class HandoverGroup:
    """The cards of a batch going one way: to one outlet, into the post, or with a team."""

    method: str
    method_name: str
    outlet: Outlet | None
    shipments: list[Shipment]


def _handover_groups(shipments: QuerySet[Shipment]) -> list[HandoverGroup]:
    methods = dict(ShipmentMethod.choices)
    groups: dict[tuple[str, int | None], HandoverGroup] = {}
    for shipment in shipments:
        key = (shipment.method, shipment.outlet_id)
        if key not in groups:
            name = str(methods.get(shipment.method, shipment.method))
            groups[key] = HandoverGroup(shipment.method, name, shipment.outlet, [])
        groups[key].shipments.append(shipment)
    return list(groups.values())


@actor_required(Role.PRODUCTION_OPERATOR)
def batch_handover_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch's hand-over sheet (交接单), to print: for each destination its cards, their
    count and the lines where whoever hands them over and whoever takes them sign."""
    actor = request_actor(request)
    try:
        batch = batch_get(actor=actor, batch_id=batch_id)
    except ApplicationError as error:
        return error_page(request, error)
    if not batch_has_dispatched_cards(batch.pk):
        refusal = DeliveryErrorCode.NOTHING_DISPATCHED.error_with(
            {"batch": batch.pk}, batch=batch.pk
        )
        return error_page(request, refusal)
    groups = _handover_groups(batch_shipments(batch_id=batch.pk))
    context = {
        "batch": batch,
        "channel_name": name_of(Kind.CHANNEL, batch.channel),
        "groups": groups,
        "total": sum(len(g.shipments) for g in groups),
        "dispatched_at": min(s.dispatched_at for g in groups for s in g.shipments),
    }
    return render_print(request, "delivery/print/handover_sheet.html", context)
