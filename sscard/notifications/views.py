"""Pages of the outbox."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sscard.core.actors import Role
from sscard.core.exports import (
    Cell,
    CodeNames,
    Column,
    ExportTable,
    coded,
    export_response,
    form_filters,
)
from sscard.core.htmx import template_for
from sscard.core.names import Kind
from sscard.core.views import actor_required, request_actor
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.forms import OutboxFilterForm
from sscard.notifications.models import OutboxMessage
from sscard.notifications.selectors import outbox_list

PAGE_SIZE = 25


def _outbox_filtered(request: HttpRequest) -> tuple[OutboxFilterForm, QuerySet[OutboxMessage]]:
    """The page's filter and the messages it selects: the list and its export share both."""
    form = OutboxFilterForm(request.GET or None)
    status = form.cleaned_data.get("status") if form.is_valid() else None
    return form, outbox_list(actor=request_actor(request), status=status or None)


@actor_required(Role.CITY_OFFICER)
def outbox_page(request: HttpRequest) -> HttpResponse:
    """The SMS outbox: what was queued, sent or failed, with masked phones."""
    form, messages = _outbox_filtered(request)
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = template_for(
        request, "notifications/outbox.html", "notifications/htmx/outbox_results.html"
    )
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


def _outbox_rows(messages: QuerySet[OutboxMessage]) -> Iterator[Sequence[Cell]]:
    templates = CodeNames(Kind.SMS_TEMPLATE)
    statuses = dict(OutboxStatus.choices)
    for message in messages.iterator(chunk_size=2000):
        yield (
            message.pk,
            message.masked_phone,
            templates(message.template_key),
            message.template_key,
            message.text,
            str(statuses.get(message.status, message.status)),
            message.status,
            message.attempts,
            message.last_error_name,
            message.last_error,
            message.created_at,
            message.sent_at,
        )


@actor_required(Role.CITY_OFFICER)
def outbox_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The outbox as the page lists it (its status filter, phones masked), as XLSX or CSV."""
    form, messages = _outbox_filtered(request)
    table = ExportTable(
        title=_("SMS outbox"),
        file_stem="sms-outbox",
        columns=[
            Column("#", 8),
            Column(_("Phone"), 14),
            *coded(_("Template"), width=18),
            Column(_("Text"), 60),
            *coded(_("Status")),
            Column(_("Attempts"), 8),
            *coded(_("Last error"), width=30),
            Column(_("Queued"), 20),
            Column(_("Sent"), 20),
        ],
        rows=_outbox_rows(messages),
        filters=form_filters(form) if form.is_valid() else [],  # as the list
    )
    return export_response(request, table, fmt)
