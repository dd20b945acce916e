"""How API callers authenticate: a bearer token, or the browser's session (with CSRF).

Both answer the caller's ``Actor`` (``request.auth``) and also set ``request.actor``, so the
API and the pages read the actor the same way (``sscard.core.views.request_actor``).

Guessing is bounded by django-axes, in its database tables (shared by every server process):
failed sign-ins count against the account and, separately, against the address; unknown
bearer tokens count against the address (:func:`api_token_attempt`). This module also holds
the callables the ``AXES_*`` settings name.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import DatabaseError
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.core.replicas import (
    is_unavailable,
    read_replica_only,
    replica_aliases,
    unavailable_error,
)
from sscard.portal.errors import PortalErrorCode
from sscard.portal.selectors import api_token_actor

# Marks the credentials of a bearer-token attempt, which has no account to count against.
TOKEN_ATTEMPT: Final = "api_token"  # noqa: S105 - a key of the credentials, not a secret


def _is_token_attempt(credentials: dict[str, Any] | None) -> bool:
    return bool(credentials and credentials.get(TOKEN_ATTEMPT))


def lockout_parameters(request_or_attempt: object, credentials: dict[str, Any] | None) -> list[str]:
    """``AXES_LOCKOUT_PARAMETERS``: a sign-in counts per account and per address (each on its
    own reaches the limit); a token, naming no account, per address only."""
    return ["ip_address"] if _is_token_attempt(credentials) else ["username", "ip_address"]


def failure_limit(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """``AXES_FAILURE_LIMIT``: read at each attempt, so a changed setting applies at once."""
    if _is_token_attempt(credentials):
        return int(settings.SSCARD_TOKEN_FAILURE_LIMIT)
    return int(settings.SSCARD_LOGIN_FAILURE_LIMIT)


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """``AXES_COOLOFF_TIME``: ``SSCARD_LOGIN_COOLOFF_MINUTES``, read at each attempt like the
    limit, so the lock-out page and the count agree."""
    return timedelta(minutes=int(settings.SSCARD_LOGIN_COOLOFF_MINUTES))


def client_address(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the connection's address, as the lean route reads it too."""
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


def _throttled() -> ApplicationError:
    return PortalErrorCode.TOKEN_ATTEMPTS_THROTTLED.error(
        cool_off_minutes=settings.SSCARD_LOGIN_COOLOFF_MINUTES
    )


def api_token_attempt(request: HttpRequest, token: str) -> Actor | None:
    """Whom a bearer token speaks for (``None``: unknown), counting unknown tokens against the
    caller's address.

    Refuses (429 ``token_attempts_throttled``) before looking the token up once the address
    has reached ``SSCARD_TOKEN_FAILURE_LIMIT`` within the cool-off, and on the failure that
    reaches it, so a guess made while throttled tells nothing, right or wrong.
    """
    credentials: dict[str, Any] = {"username": None, TOKEN_ATTEMPT: True}
    try:
        locked = AxesProxyHandler.is_locked(request, credentials)
    except DatabaseError as exc:
        if not (replica_aliases() and is_unavailable(exc)):
            raise
        return _token_while_primary_down(token)
    if locked:
        raise _throttled()
    actor = api_token_actor(token)
    if actor is None:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        locked = getattr(request, "axes_locked_out", False)
        # The API answers for itself: AxesMiddleware would turn a marked request into the
        # sign-in lock-out page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        if locked:
            raise _throttled()
    return actor


def _token_while_primary_down(token: str) -> Actor:
    """The primary is down, so the count of unknown tokens can be neither read nor written:
    a known token is read from a replica (verification goes on), any other is refused with 503
    ``database_unavailable``, as every write is, rather than answered uncounted."""
    actor = read_replica_only(lambda alias: api_token_actor(token, using=alias))
    if actor is None:
        raise unavailable_error()
    return actor


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer sst_...``, checked against the SM3 digest of issued tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = api_token_attempt(request, token)
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
            raise PortalErrorCode.CSRF_FAILED.error()
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        actor: Actor | None = getattr(request, "actor", None)
        return actor
