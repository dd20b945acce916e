"""Attach the signed-in user's ``Actor`` to every request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sscard.core.actors import Actor


def actor_for_user(user: object) -> Actor | None:
    account = getattr(user, "account", None) if getattr(user, "is_authenticated", False) else None
    if account is None:
        return None
    actor: Actor = account.actor()
    return actor


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = actor_for_user(request.user)  # type: ignore[attr-defined]
        return self.get_response(request)
