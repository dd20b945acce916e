"""htmx helpers (after NetBox's ``utilities/htmx.py``): when to answer with a partial."""

from __future__ import annotations

from django.http import HttpRequest


def htmx_partial(request: HttpRequest) -> bool:
    """Whether the request came from htmx and wants a fragment, not a whole page.

    A boosted request (``hx-boost``) swaps the whole body, so it gets the whole page.
    """
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)


def template_for(request: HttpRequest, page: str, partial: str) -> str:
    """The partial's template for an htmx request, else the page's."""
    return partial if htmx_partial(request) else page
