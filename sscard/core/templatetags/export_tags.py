"""The "Export XLSX / CSV" links of a list, and the "Print" link of a printable document."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sscard.core.exports import FORMATS

register = template.Library()

_LABELS = {"xlsx": gettext_noop("Export XLSX"), "csv": gettext_noop("Export CSV")}


@register.inclusion_tag("core/includes/export_links.html", takes_context=True)
def export_links(context: template.Context, url_name: str, **url_kwargs: Any) -> dict[str, Any]:
    """``{% export_links "registry:person_export" %}``: the export links of the list being
    shown, carrying its current filter (the request's query string, without the page).

    Placed inside the fragment htmx redraws, so that a filter changed in place is exported.
    """
    request = context.get("request")
    query = ""
    if request is not None:
        params = request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
    links = []
    for fmt in FORMATS:
        url = reverse(url_name, kwargs={**url_kwargs, "fmt": fmt})
        links.append({"url": f"{url}?{query}" if query else url, "label": _(_LABELS[fmt])})
    return {"links": links}


@register.inclusion_tag("core/includes/print_link.html")
def print_link(url: str, label: str = "") -> dict[str, Any]:
    """``{% print_link url _("Print the receipt") %}``: the link to a printable document,
    "Print" (打印) unless a label says what is printed."""
    return {"url": url, "label": label or _("Print")}
