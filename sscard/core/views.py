"""Request helpers shared by pages and the API, and the page side of the one error mapping.

``ApplicationError`` is mapped to HTTP once for the API (``config/api.py``) and once for pages
(here, called from the portal middleware): the same code, status and message either way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language
from django.views import defaults

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError, PermissionDenied
from sscard.core.htmx import htmx_partial, template_for
from sscard.core.replicas import is_unavailable, unavailable_error
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


def form_refusal(
    form: forms.Form, error: ApplicationError, *, fields: Mapping[str, str]
) -> dict[str, Any]:
    """Show a service's refusal of ``form`` where it belongs: beside the field its code
    concerns (``fields``: code → field name), so that the field is drawn with
    ``aria-invalid`` and described by the message; a refusal of the whole form has no field.

    Answers the page's context: the error (its code only in ``data-code``), its message, and
    the field the page's alert links to (None when the alert alone says it)."""
    message = error_text(error)
    name = fields.get(error.code)
    field = None
    if name is not None and name in form.fields:
        form.add_error(name, ValidationError(message, code=error.code))
        field = form[name]
    return {"error": error, "error_message": message, "error_field": field}


def refused_status(request: HttpRequest, error: ApplicationError | None = None) -> int:
    """The status of a page that shows a refused form again (invalid, or refused by the
    service with ``error``): 400, or 429 over a rate limit; an htmx fragment answers 200,
    since htmx swaps only 2xx answers."""
    if htmx_partial(request):
        return 200
    return 429 if error is not None and error.status == 429 else 400


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


def server_error(request: HttpRequest) -> HttpResponse:
    """The page for an error no view handled (``handler500``): when the database cannot be
    reached (the primary down, verification going on from a replica) a 503 that says so, in the
    page's language and in the API's words (``database_unavailable``); any other error,
    Django's 500 page. Rendered without the request's context, which would read the database."""
    raised = sys.exc_info()[1]
    if raised is None or not is_unavailable(raised):
        return defaults.server_error(request)
    error = unavailable_error()
    page = loader.get_template("503.html").render(
        {"code": error.code, "message": error_text(error), "english": english_page()}
    )
    return HttpResponse(page, status=error.status)
