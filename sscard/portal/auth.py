"""How API callers authenticate: a bearer token, or the browser's session (with CSRF).

Both answer the caller's ``Actor`` (``request.auth``) and also set ``request.actor``, so the
API and the pages read the actor the same way (``sscard.core.views.request_actor``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.portal.selectors import api_token_actor


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer sst_...``, checked against the SM3 digest of issued tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = api_token_actor(token)
        if actor is not None:
            request.actor = actor  # type: ignore[attr-defined]
        return actor


class SessionActorAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None  # nothing to protect: no session, no CSRF check
        if check_csrf(request) is not None:
            raise ApplicationError(
                "csrf_failed",
                "请求缺少有效的CSRF令牌，请刷新页面后重试。",
                "The request lacks a valid CSRF token; reload the page and try again.",
                status=403,
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        actor: Actor | None = getattr(request, "actor", None)
        return actor
