"""Request helpers shared by pages and the API, and the page side of the one error mapping.

``ApplicationError`` is mapped to HTTP once for the API (``config/api.py``) and once for pages
(here, called from the portal middleware): the same code, status and message either way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import get_language

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError, PermissionDenied
from sscard.core.htmx import template_for
from sscard.core.request_errors import RequestErrorCode


def request_actor(request: HttpRequest) -> Actor:
    """The actor of a signed-in request (set by the portal middleware or the API's auth)."""
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        raise RequestErrorCode.AUTHENTICATION_REQUIRED.error()
    return actor


def english_page() -> bool:
    """Whether the page being served is in English (else Chinese)."""
    return (get_language() or "").startswith("en")


def error_text(error: ApplicationError) -> str:
    """The error's message in the language of the page being served."""
    return error.message(get_language() or "zh-hans")


def flash_refusal(request: HttpRequest, error: ApplicationError) -> None:
    """Tell the user, on the next page, why their request was refused: the message they read;
    the code only as the message's tag (``class="… code-<code>"``), for scripts and tests."""
    messages.error(request, error_text(error), extra_tags=f"code-{error.code}")


def error_page(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """The page (or htmx fragment) that tells the user why their request was refused."""
    template = template_for(request, "core/error.html", "core/htmx/error.html")
    context = {"error": error, "error_message": error_text(error)}
    return render(request, template, context, status=error.status)


V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def actor_required(*roles: Role) -> Callable[[V], V]:
    """A page for signed-in users with an account (of one of ``roles``, if any are given).

    Anonymous visitors are sent to sign in; a user without an account or of another role is
    refused with the standard error page. Scope is still the selectors' job.
    """

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor: Actor | None = getattr(request, "actor", None)
            if actor is None:
                return error_page(request, RequestErrorCode.NO_ROLE.error())
            if roles and actor.role not in roles:
                return error_page(request, PermissionDenied("open this page", "打开此页面"))
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
