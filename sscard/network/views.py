"""Pages of the service network."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sscard.core.htmx import template_for
from sscard.core.views import actor_required, english_page, request_actor
from sscard.network.forms import OutletFilterForm
from sscard.network.selectors import outlet_list
from sscard.registry.selectors import division_names

PAGE_SIZE = 25


@actor_required()
def outlet_list_page(request: HttpRequest) -> HttpResponse:
    """Where to apply for and collect a card: outlets by kind and district."""
    english = english_page()
    form = OutletFilterForm(request.GET or None, english=english)
    filters = form.cleaned_data if form.is_valid() else {}
    outlets = outlet_list(
        actor=request_actor(request),
        kind=filters.get("kind") or None,
        district=filters.get("district") or None,
    )
    page = Paginator(outlets, PAGE_SIZE).get_page(request.GET.get("page"))
    regions = division_names({o.district for o in page}, english=english)
    query = request.GET.copy()
    query.pop("page", None)
    template = template_for(request, "network/outlet_list.html", "network/htmx/outlet_results.html")
    return render(
        request,
        template,
        {"form": form, "page": page, "regions": regions, "query": query.urlencode()},
    )
