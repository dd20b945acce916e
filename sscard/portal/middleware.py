"""Attach the signed-in user's ``Actor`` to every request; refuse a request no view can take
(too large, a NUL character); answer refusals on pages; speak Chinese unless the user chose
English.

The API maps ``ApplicationError`` itself (``config/api.py``), so only page views reach
``process_exception`` with one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.core.request_guard import refusal_response, request_refusal
from sscard.core.views import error_page
from sscard.portal.models import Account


def actor_for_user(user: object) -> Actor | None:
    """The actor of a signed-in user with an active account, else ``None``."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    try:
        account: Account = user.account  # type: ignore[attr-defined]
    except Account.DoesNotExist:
        return None
    return account.actor()


def _chinese_unless_chosen(request: HttpRequest) -> None:
    """Serve Chinese unless the user picked a language with the switch (its cookie).

    Django's ``LocaleMiddleware`` would follow the browser's Accept-Language; this service's
    language is Chinese, and English is a choice the user makes on the page.
    """
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or request.path.startswith("/i18n/"):
        return
    translation.activate(settings.LANGUAGE_CODE)
    request.LANGUAGE_CODE = settings.LANGUAGE_CODE


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = actor_for_user(request.user)  # type: ignore[attr-defined]
        _chinese_unless_chosen(request)
        # Before any view, and before CsrfViewMiddleware reads a form: a body over the limit
        # or a NUL character is refused here with its code (sscard.core.request_guard).
        refusal = request_refusal(request)
        if refusal is not None:
            return refusal_response(request, refusal)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ApplicationError):
            return error_page(request, exception)
        return None
