"""Printable documents: receipts, notices, forms and sheets as HTML pages for paper.

Each is an ordinary page of the portal whose print stylesheet (``portal/print.css``) lays it
on A4 and leaves the site's navigation, header and footer off the paper; the browser prints
it or saves it as PDF. The page names when it was printed and the policy pack in force, as
the exports' header rows do, so a sheet of paper says which rules it was made under.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from sscard.core.exports import PackStamp, packs_in_force
from sscard.core.names import english_active
from sscard.core.views import request_actor


def pack_lines(stamps: Sequence[PackStamp]) -> list[dict[str, Any]]:
    """The packs as a document's footer names them, in the page's language."""
    english = english_active()
    return [
        {
            "title": s.title(english=english),
            "pack_id": s.pack_id,
            "pack_hash": s.pack_hash,
            "hotlines": [
                {"name": name_en if english else name_zh, "phone": phone}
                for name_zh, name_en, phone in s.hotlines
            ],
        }
        for s in stamps
    ]


def render_print(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any],
    *,
    packs: Sequence[PackStamp] | None = None,
) -> HttpResponse:
    """Render a printable document with its footer's facts: when, and under which pack(s).

    ``packs`` names the pack a document was decided under (an application's own); by default
    the packs in force where the actor works."""
    stamps = packs if packs is not None else packs_in_force(request_actor(request))
    return render(
        request,
        template,
        {**context, "printed_at": timezone.now(), "packs": pack_lines(stamps)},
    )
