"""Pages of the outbox."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sscard.core.actors import Role
from sscard.core.htmx import template_for
from sscard.core.views import actor_required, request_actor
from sscard.notifications.forms import OutboxFilterForm
from sscard.notifications.selectors import outbox_list

PAGE_SIZE = 25


@actor_required(Role.CITY_OFFICER)
def outbox_page(request: HttpRequest) -> HttpResponse:
    """The SMS outbox: what was queued, sent or failed, with masked phones."""
    form = OutboxFilterForm(request.GET or None)
    status = form.cleaned_data.get("status") if form.is_valid() else None
    messages = outbox_list(actor=request_actor(request), status=status or None)
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = template_for(
        request, "notifications/outbox.html", "notifications/htmx/outbox_results.html"
    )
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})
