"""Pages of deaths and departures: record one from the person's page, propose its reversal,
and the officers' list with its export. Each page calls the service its API twin calls
(``cards.services.departure``); the person's page offers the actions by the same predicates
(``registry.departures``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sscard.cards.departure_forms import DepartureFilterForm, DepartureForm, DepartureReversalForm
from sscard.cards.services.departure import departure_record, departure_reversal_propose
from sscard.core.actors import Actor, Role
from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, Column, ExportTable, coded, export_response, form_filters
from sscard.core.views import actor_required, error_text, request_actor
from sscard.registry.choices import DepartureSource
from sscard.registry.departures import departure_rows, departures_visible
from sscard.registry.models import Departure
from sscard.registry.selectors import person_get

OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)
PAGE_SIZE = 50
# Where a refusal is shown on the form: beside its field, else above the form.
_FIELD_OF = {
    "departure_kind_invalid": "kind",
    "departure_date_invalid": "on",
    "departure_date_in_future": "on",
    "departure_date_before_birth": "on",
    "departure_reference_required": "reference",
    "departure_destination_invalid": "destination_city",
}


@require_http_methods(["GET", "POST"])
@actor_required(*OFFICERS)
def departure_record_page(request: HttpRequest, person_id: int) -> HttpResponseBase:
    """Record a person's death, emigration or transfer out; their cards are cancelled at once."""
    actor = request_actor(request)
    person = person_get(actor=actor, person_id=person_id)
    form = DepartureForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = departure_record(
                actor=actor,
                person=person,
                kind=data["kind"],
                on=data["on"],
                reference=data["reference"],
                destination_city=data["destination_city"],
                today=today(),
                source=DepartureSource.COUNTER,
            )
        except ApplicationError as error:
            if error.code == "permission_denied":
                raise
            form.add_error(_FIELD_OF.get(error.code), error_text(error))
            status = error.status
        else:
            messages.success(
                request,
                _(
                    "Recorded. %(cards)s card(s) cancelled, %(applications)s application(s) "
                    "withdrawn, %(texts)s queued text(s) stopped."
                )
                % {
                    "cards": done.cards_cancelled,
                    "applications": done.applications_withdrawn,
                    "texts": done.messages_stopped,
                },
            )
            return redirect("registry:person_detail", person_id=person.pk)
    elif request.method == "POST":
        status = 422
    return render(
        request, "cards/departure_record.html", {"person": person, "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
@actor_required(*OFFICERS)
def departure_reversal_page(request: HttpRequest, person_id: int) -> HttpResponseBase:
    """Propose undoing a recorded departure; another officer approves it (``/approvals/``)."""
    actor = request_actor(request)
    person = person_get(actor=actor, person_id=person_id)
    form = DepartureReversalForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            departure_reversal_propose(
                actor=actor,
                person=person,
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
            )
        except ApplicationError as error:
            if error.code == "permission_denied":
                raise
            form.add_error(None, error_text(error))
            status = error.status
        else:
            messages.success(
                request,
                _("The reversal is proposed; it takes effect once another officer approves it."),
            )
            return redirect("registry:person_detail", person_id=person.pk)
    elif request.method == "POST":
        status = 422
    return render(
        request, "cards/departure_reversal.html", {"person": person, "form": form}, status=status
    )


def _found(actor: Actor, form: DepartureFilterForm) -> QuerySet[Departure]:
    if form.is_bound and not form.is_valid():
        return Departure.objects.none()
    data = form.cleaned_data if form.is_bound else {}
    return departures_visible(
        actor=actor,
        kind=data.get("kind") or None,
        since=data.get("since"),
        until=data.get("until"),
        standing=data.get("standing"),
    )


@actor_required(*OFFICERS)
def departure_list_page(request: HttpRequest) -> HttpResponse:
    """Recorded deaths and departures in the officer's scope, newest first."""
    actor = request_actor(request)
    form = DepartureFilterForm(request.GET or None)
    page = Paginator(_found(actor, form), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": departure_rows(list(page.object_list)),
        "query": query.urlencode(),
    }
    return render(request, "cards/departure_list.html", context)


def _columns() -> list[Column]:
    return [
        Column(_("Name"), 10),
        Column(_("ID number"), 20),
        *coded(_("Kind")),
        Column(_("Effective date"), 12),
        *coded(_("District")),
        *coded(_("Destination city")),
        Column(_("Reference"), 20),
        *coded(_("Source")),
        Column(_("Cards cancelled"), 10),
        Column(_("Applications withdrawn"), 10),
        Column(_("Recorded by"), 14),
        Column(_("Recorded at"), 18),
        Column(_("Reversed at"), 18),
    ]


def _cells(departures: QuerySet[Departure]) -> Iterator[Sequence[Cell]]:
    chunk: list[Departure] = []
    for departure in departures.iterator(chunk_size=2000):
        chunk.append(departure)
        if len(chunk) == 2000:
            yield from _chunk_cells(chunk)
            chunk = []
    yield from _chunk_cells(chunk)


def _chunk_cells(chunk: list[Departure]) -> Iterator[Sequence[Cell]]:
    for row in departure_rows(chunk):
        yield (
            row["masked_name"],
            row["masked_id_number"],
            row["kind_name"],
            row["kind"],
            row["on"],
            row["district_name"],
            row["district"],
            row["destination_name"],
            row["destination_city"],
            row["reference"],
            row["source_name"],
            row["source"],
            row["cards_cancelled"],
            row["applications_withdrawn"],
            row["recorded_by"],
            row["recorded_at"],
            row["reversed_at"] or "",
        )


@actor_required(*OFFICERS)
def departure_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The departures as the page filters them, as XLSX or CSV."""
    actor = request_actor(request)
    form = DepartureFilterForm(request.GET or None)
    table = ExportTable(
        title=_("Deaths and departures"),
        file_stem=f"departures-{today().isoformat()}",
        columns=_columns(),
        rows=_cells(_found(actor, form)),
        filters=form_filters(form),
    )
    return export_response(request, table, fmt)
