"""Pages of the outbox, and the holder's reminder setting."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sscard.core.actors import Role
from sscard.core.errors import ApplicationError, PermissionDenied
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
from sscard.core.views import actor_required, error_page, request_actor
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.forms import OutboxFilterForm
from sscard.notifications.models import OutboxMessage
from sscard.notifications.selectors import outbox_list, reminders_wanted
from sscard.notifications.services import reminders_set

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


@require_http_methods(["GET", "POST"])
@actor_required(Role.CARDHOLDER)
def my_reminders_page(request: HttpRequest) -> HttpResponse:
    """The holder says whether they take reminders to apply (the API's ``/me/reminders``)."""
    actor = request_actor(request)
    if actor.person_id is None:
        return error_page(request, PermissionDenied("set reminders", "设置提醒短信"))
    if request.method == "POST":
        wanted = request.POST.get("wanted") == "1"
        try:
            reminders_set(actor=actor, person_id=actor.person_id, wanted=wanted)
        except ApplicationError as exc:
            return error_page(request, exc)
        messages.success(
            request,
            _("You will get reminders to apply.")
            if wanted
            else _("You will get no more reminders."),
        )
        return HttpResponseRedirect(reverse("notifications:my_reminders"))
    wanted = reminders_wanted(actor=actor, person_id=actor.person_id)
    return render(request, "notifications/my_reminders.html", {"wanted": wanted})
