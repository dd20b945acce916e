"""Pages of expiry and renewal (到期换卡): the officers' list of expiring cards with its
export and its "tell the holders" button, and the holder's online renewal. Every page reads
``cards.expiry`` and calls ``cards.services.expiry`` / ``.renewal``, as the API does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sscard.cards.expiry import expiring_cards, expiry_rows, tell_refusal
from sscard.cards.expiry_forms import ExpiryFilterForm
from sscard.cards.models import Card
from sscard.cards.selectors import card_get
from sscard.cards.services.expiry import card_renewal_notices_send
from sscard.cards.services.renewal import card_renewal_apply
from sscard.core.actors import Actor, Role
from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, Column, ExportTable, coded, export_response, form_filters
from sscard.core.views import actor_required, english_page, error_text, request_actor
from sscard.registry.selectors import division_districts

READERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.EMPLOYER_HR)
PAGE_SIZE = 50


def _form(request: HttpRequest, actor: Actor) -> ExpiryFilterForm:
    english = english_page()
    districts = [
        (d.code, d.name_en if english else d.name_zh) for d in division_districts(actor=actor)
    ]
    return ExpiryFilterForm(request.GET or None, districts=districts)


def _found(actor: Actor, form: ExpiryFilterForm) -> QuerySet[Card]:
    """The cards the filter finds; a refused filter finds nothing (shown beside its field)."""
    if form.is_bound and not form.is_valid():
        return Card.objects.none()
    return expiring_cards(actor=actor, today=today(), query=form.query())


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@actor_required(*READERS)
def expiring_page(request: HttpRequest) -> HttpResponse:
    """The cards that run out within the pack's notice period (or have run out), soonest
    first, with whether each holder was told and whether a renewal is open; paginated."""
    actor = request_actor(request)
    form = _form(request, actor)
    page = Paginator(_found(actor, form), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": expiry_rows(page.object_list, today=today(), english=english_page()),
        "query": _query(request),
        # Offered only where the service would accept it (the same predicate).
        "can_tell": tell_refusal(actor) is None,
    }
    return render(request, "cards/expiring.html", context)


@require_POST
@actor_required(Role.CITY_OFFICER, Role.DISTRICT_OFFICER)
def expiring_notify_view(request: HttpRequest) -> HttpResponseBase:
    """Tell the holders of the expiring cards in the officer's scope (once per card)."""
    actor = request_actor(request)
    try:
        summary = card_renewal_notices_send(actor=actor, today=today())
    except ApplicationError as error:
        if error.code == "permission_denied":
            raise
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _(
                "%(cards)s holders told (%(queued)s texts queued, %(no_phone)s without a phone "
                "on record). A holder already told is not told again."
            )
            % {"cards": summary.cards, "queued": summary.queued, "no_phone": summary.no_phone},
        )
    return redirect(reverse("cards:expiring"))


def _columns() -> list[Column]:
    return [
        Column(_("Card number"), 14),
        Column(_("Generation"), 8),
        Column(_("Holder"), 12),
        Column(_("ID number"), 22),
        *coded(_("District"), width=16),
        Column(_("Valid until"), 12),
        Column(_("Days left"), 10),
        Column(_("Holder told"), 20),
        Column(_("Renewal applied for"), 12),
    ]


def _cells(cards: QuerySet[Card], *, english: bool) -> Iterator[Sequence[Cell]]:
    day = today()
    chunk: list[Card] = []
    for card in cards.iterator(chunk_size=2000):
        chunk.append(card)
        if len(chunk) == 2000:
            yield from _chunk_cells(chunk, day, english)
            chunk = []
    yield from _chunk_cells(chunk, day, english)


def _chunk_cells(chunk: list[Card], day: date, english: bool) -> Iterator[Sequence[Cell]]:
    for row in expiry_rows(chunk, today=day, english=english):
        told = ""
        if row.told:
            told = row.told_at.date().isoformat() if row.told_at else _("yes")
            if not row.texts:
                told = _("No phone on record")
        yield (
            row.card_number,
            row.generation,
            row.masked_name,
            row.masked_id_number,
            row.district_name,
            row.district,
            row.valid_until,
            row.days_left,
            told,
            _("yes") if row.renewal_open else _("no"),
        )


@actor_required(*READERS)
def expiring_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The expiring cards as the page filters them, as XLSX or CSV."""
    actor = request_actor(request)
    form = _form(request, actor)
    table = ExportTable(
        title=_("Cards running out"),
        file_stem=f"expiring-cards-{today().isoformat()}",
        columns=_columns(),
        rows=_cells(_found(actor, form), english=english_page()),
        filters=form_filters(form),
    )
    return export_response(request, table, fmt)


@require_POST
@actor_required(Role.CARDHOLDER)
def renew_view(request: HttpRequest, card_id: int) -> HttpResponseBase:
    """The holder renews their card online (the "renew" of their cards page)."""
    actor = request_actor(request)
    card = card_get(actor=actor, card_id=card_id)  # another holder's card: not_found
    try:
        application = card_renewal_apply(actor=actor, card=card, channel="online", day=today())
    except ApplicationError as error:
        if error.code == "permission_denied":
            raise
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("Your renewal is applied for (application %(number)s).") % {"number": application.pk},
        )
    return redirect(reverse("cards:mine") + f"#card-{card.pk}")
