"""Pages of the histories (a person's, a card's) and of the bureau's audit search, with its
exports. Every page reads the selectors of ``reports.history``, as the API does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sscard.cards.models import Card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, Column, ExportTable, export_response, form_filters
from sscard.core.models import AuditEvent
from sscard.core.views import actor_required, error_page, error_text, request_actor
from sscard.registry.forms import PersonIdSearchForm
from sscard.registry.models import Person
from sscard.reports.history import (
    AUDIT_ROLES,
    HISTORY_ROLES,
    audit_person_by_id_number,
    audit_search,
    card_history,
    history_rows,
    person_history,
)
from sscard.reports.history_forms import AuditFilterForm

PAGE_ROLES = tuple(r for r in HISTORY_ROLES if r is not Role.SYSTEM)
AUDIT_PAGE_ROLES = tuple(r for r in AUDIT_ROLES if r is not Role.SYSTEM)
AUDIT_PAGE_SIZE = 50


def _name_shown(actor: Actor, person: Person) -> str:
    """The holder reads their own name; everyone else the masked one, as on lists."""
    own = actor.role is Role.CARDHOLDER and person.pk == actor.person_id
    return person.name if own else person.masked_name


@actor_required(*PAGE_ROLES)
def person_history_page(request: HttpRequest, person_id: int) -> HttpResponse:
    """Everything done with the person's record and all that is theirs, oldest first."""
    actor = request_actor(request)
    person, events = person_history(actor=actor, person_id=person_id)
    cards = Card.objects.filter(person=person).order_by("-pk")
    own = actor.role is Role.CARDHOLDER
    context = {
        "title": _("History of %(name)s") % {"name": _name_shown(actor, person)},
        "rows": list(history_rows(actor, events)),
        "cards": cards,
        "back_url": (
            reverse("registry:me") if own else reverse("registry:person_detail", args=[person.pk])
        ),
        "back_label": _("My record") if own else _("Person's record"),
        "person": person,
    }
    return render(request, "reports/history.html", context)


@actor_required(*PAGE_ROLES)
def card_history_page(request: HttpRequest, card_id: int) -> HttpResponse:
    """Everything done with the card, its order, shipments and application, oldest first."""
    actor = request_actor(request)
    card, events = card_history(actor=actor, card_id=card_id)
    own = actor.role is Role.CARDHOLDER
    context = {
        "title": _("History of card %(number)s") % {"number": card.card_number},
        "rows": list(history_rows(actor, events)),
        "cards": [],
        "back_url": (
            reverse("cards:mine")
            if own
            else reverse("reports:person_history", args=[card.person_id])
        ),
        "back_label": _("My cards") if own else _("The holder's history"),
        "card": card,
    }
    return render(request, "reports/history.html", context)


# --------------------------------------------------------------------------------------------
# The audit page
# --------------------------------------------------------------------------------------------


def _audit_found(
    request: HttpRequest, form: AuditFilterForm
) -> tuple[QuerySet[AuditEvent], ApplicationError | None]:
    """The events the filter finds, or none and the refusal (shown on the page). A city-bound
    officer's first visit searches nothing until they name a person or a card."""
    actor = request_actor(request)
    if form.is_bound and not form.is_valid():
        return AuditEvent.objects.none(), None
    if not form.is_bound and actor.city_code:
        return AuditEvent.objects.none(), None
    try:
        return audit_search(actor=actor, query=form.query()), None
    except ApplicationError as error:
        if error.status >= 500 or error.code == "permission_denied":
            raise
        return AuditEvent.objects.none(), error


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _person_words(form: AuditFilterForm) -> str:
    """The person filtered on, as the page and the export's header name them: masked."""
    person_id = form.cleaned_data.get("person") if form.is_valid() else None
    if person_id is None:
        return ""
    person = Person.objects.filter(pk=person_id).only("name").first()
    return f"{person.masked_name} (#{person_id})" if person else f"#{person_id}"


@require_http_methods(["GET", "POST"])
@actor_required(*AUDIT_PAGE_ROLES)
def audit_page(request: HttpRequest) -> HttpResponseBase:
    """The bureau's search of the trail: by person (their full ID number is posted and turned
    into their record id, never echoed), card number, actor, action and days; paginated."""
    actor = request_actor(request)
    id_form = PersonIdSearchForm(request.POST or None)
    if request.method == "POST" and id_form.is_valid():
        try:
            person = audit_person_by_id_number(
                actor=actor, id_number=id_form.cleaned_data["id_number"]
            )
        except ApplicationError as error:
            if error.status >= 500 or error.code == "permission_denied":
                raise
            id_form = PersonIdSearchForm()
            id_form.errors["id_number"] = id_form.error_class([error_text(error)])
        else:
            return redirect(f"{reverse('reports:audit')}?{urlencode({'person': person.pk})}")
    elif request.method == "POST":
        id_form = PersonIdSearchForm()  # an invalid number is not written back either
        id_form.errors["id_number"] = id_form.error_class([_("Enter the full ID number.")])
    form = AuditFilterForm(request.GET or None)
    events, refusal = _audit_found(request, form)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "id_form": id_form,
        "page": page,
        "rows": list(history_rows(actor, page.object_list)),
        "refusal": error_text(refusal) if refusal else "",
        "refusal_code": refusal.code if refusal else "",
        "person_words": _person_words(form),
        "query": _query(request),
    }
    return render(request, "reports/audit.html", context)


def _audit_columns() -> list[Column]:
    return [
        Column(_("When"), 20),
        Column(_("Role"), 18),
        Column(_("Actor"), 18),
        Column(_("Action"), 26),
        Column(_("Record"), 18),
        Column(_("Record id"), 14),
        Column(_("Reason"), 24),
        Column(_("Channel"), 20),
    ]


def _audit_cells(actor: Actor, events: QuerySet[AuditEvent]) -> Iterator[Sequence[Cell]]:
    for row in history_rows(actor, events.iterator(chunk_size=2000)):
        yield (
            row.at,
            row.actor_role_label,
            row.actor_name,
            row.action_label,
            row.object_label,
            row.object_shown,
            row.reason,
            row.channel_label,
        )


@actor_required(*AUDIT_PAGE_ROLES)
def audit_export(request: HttpRequest, fmt: str = "csv") -> StreamingHttpResponse | HttpResponse:
    """The audit search as XLSX or CSV, with the page's filter (its query string)."""
    actor = request_actor(request)
    form = AuditFilterForm(request.GET or None)
    events, refusal = _audit_found(request, form)
    if refusal is not None:
        return error_page(request, refusal)
    person_words = _person_words(form)
    table = ExportTable(
        title=_("Audit trail"),
        file_stem="audit-trail",
        columns=_audit_columns(),
        rows=_audit_cells(actor, events),
        filters=form_filters(form, masks={"person": lambda _text: person_words}),
    )
    return export_response(request, table, fmt)
