"""A lean ASGI route for card verification: ``POST /api/v1/cards/verify`` with a bearer token.

Why: terminals of hospitals, pharmacies and banks call verification far more often than
anything else, and Django's full stack (eleven middlewares, a thread hop per request, under
ASGI a database connection per request) gives well under half of what a bare ASGI endpoint
does on the same query. This route answers those calls on the event loop, with one query on
an async connection pool (``psycopg_pool``), and changes nothing else but the record
(核验记录) of a verification whose reader string names its terminal: one insert of
:func:`sscard.cards.verify.verification_record`'s values (:func:`record_sql`), in a
transaction of its own.

It takes a request only when all of these hold, and hands everything else to Django
unchanged: the database is PostgreSQL; the method and path are exactly ``POST
/api/v1/cards/verify`` (no ASGI ``root_path``); the ``Authorization`` header names the bearer
scheme (as Ninja's ``HttpBearer`` reads it) and comes once; no session cookie is sent (a
signed-in browser is Django's); the body is declared by ``Content-Length`` and is small; the
middleware is the stack this route accounts for (:data:`MIRRORED_MIDDLEWARE`); and Django's own
``SecurityMiddleware`` and ``CommonMiddleware`` would let the request through (allowed host, no
HTTPS redirect, no refused user agent — checked with Django's code, see :class:`_Gates`).

What it shares with the API's operation, so that both answer alike, byte for byte but for
``checked_at``:

* the checks and the answer: :func:`sscard.cards.verify.verify_query`, the one query
  :func:`sscard.cards.verify.card_facts` (compiled once to SQL here: the card by its unique
  number joined to its holder), :func:`sscard.cards.verify.verification_of` (``status_of``,
  the ``mismatch`` comparison) and :func:`sscard.cards.api.verification_body`;
* the record of a verification from a named terminal: the values of
  :func:`sscard.cards.verify.verification_record`, into ``CardVerification``'s columns;
* the body: Ninja's own parameter model of the operation, read and validated as Ninja does;
* every refusal: the API's exception handlers (``config.api.api.on_exception``), so codes,
  statuses, bodies and headers (``WWW-Authenticate: Bearer``) are the API's;
* the token: :func:`sscard.portal.auth.api_token_attempt`, run in a thread when the
  per-process cache does not know the token: it refuses an address that has presented too
  many unknown tokens (429 ``token_attempts_throttled``) and counts each unknown token against
  the address, in the same django-axes table as the API's other routes.

The token cache keeps the actor of a known token for ``SSCARD_TOKEN_CACHE_SECONDS`` (default
5): a revoked token, a deactivated user or a changed role takes effect on this route within
that many seconds (on Django's routes at once), and so does a throttled address for a token it
presented within them. An unknown token is never cached: every one is counted and every guess
is checked against its address's count, so guessing here is bounded exactly as on Django's
routes. The pool
holds ``SSCARD_VERIFY_POOL_SIZE`` connections (default 4) per process, opened at the ASGI
lifespan's start or else by the first request. Their statements are read-only by default
(``default_transaction_read_only``), so the query cannot write by mistake; the one write, the
record, runs in an explicit ``BEGIN READ WRITE`` transaction that commits durably, as Django's
route does: it is the trace of a disclosure, and PostgreSQL's group commit shares one flush
among concurrent verifications.

With streaming replicas (``SSCARD_DATABASE_REPLICAS``), the card is read on a replica that
keeps within ``SSCARD_REPLICA_MAX_LAG_SECONDS`` (the rule of :mod:`sscard.core.replicas`,
measured here on each replica's own pool at most every ``check_seconds()``), else on the
primary; the query is not prepared there (PgBouncer's transaction pooling keeps no statement),
and no session setting is made (it would land on another client's server connection). The
record still goes to the primary; while the primary is down, a record that cannot be written
is logged and counted, and the answer stands.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, NamedTuple, cast

import psycopg
import pydantic
from asgiref.sync import sync_to_async
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost, ImproperlyConfigured
from django.core.exceptions import PermissionDenied as ForbiddenUserAgent
from django.core.handlers.asgi import ASGIRequest
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import reverse
from django.utils.log import log_response
from ninja.constants import NOT_SET
from ninja.errors import AuthenticationError, ValidationErrorContext
from ninja.params.models import BodyModel
from ninja.renderers import JSONRenderer
from psycopg import AsyncConnection, sql
from psycopg.conninfo import make_conninfo
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from config.api import api
from sscard.cards.api import router as cards_router
from sscard.cards.api import verification_body, verify_card
from sscard.cards.models import CardVerification
from sscard.cards.schemas import VerifyIn
from sscard.cards.verify import (
    RECORD_FIELDS,
    CardFacts,
    card_facts,
    lost_records,
    verification_of,
    verification_record,
    verify_query,
)
from sscard.core.actors import Actor
from sscard.core.replicas import (
    LAG_SQL,
    check_seconds,
    is_unavailable,
    lag_allowed,
    replica_aliases,
)
from sscard.portal.auth import BearerTokenAuth, SessionActorAuth, api_token_attempt

logger = logging.getLogger("sscard.fastverify")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Headers = tuple[tuple[bytes, bytes], ...]

# The middleware this route stands in for, and why it may (any other stack: Django answers,
# since a middleware added later may check something this route would skip).
MIRRORED_MIDDLEWARE: Final = (
    "django.middleware.security.SecurityMiddleware",  # redirect and headers: _Gates
    "csp.middleware.CSPMiddleware",  # its header: _Gates
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files only
    "django.contrib.sessions.middleware.SessionMiddleware",  # session callers go to Django
    "django.middleware.locale.LocaleMiddleware",  # the body carries both languages
    "django.middleware.common.CommonMiddleware",  # host and user agent: _Gates
    "django.middleware.csrf.CsrfViewMiddleware",  # the API is exempt; bearer calls
    "django.contrib.auth.middleware.AuthenticationMiddleware",  # session users only
    "django.contrib.messages.middleware.MessageMiddleware",  # pages only
    "django.middleware.clickjacking.XFrameOptionsMiddleware",  # its header: _Gates
    "django_htmx.middleware.HtmxMiddleware",  # pages only
    "sscard.portal.middleware.ActorMiddleware",  # session users; the token gives the actor
    "axes.middleware.AxesMiddleware",  # sign-in pages; tokens: api_token_attempt, here too
)
# Bodies above this go to Django (a valid request is a few hundred bytes; Ninja ignores
# unknown fields, so a bigger one may still be valid, and Django reads it just as well).
BODY_LIMIT: Final = 16 * 1024
# Distinct tokens (and gate keys) remembered at most; past that the cache starts afresh.
TOKEN_CACHE_LIMIT: Final = 10_000
_GATE_CACHE_LIMIT: Final = 256
_MARK: Final = "\x00card_number"  # stands for the parameter when the query is compiled
# The record's transaction: read-write on a read-only-by-default connection.
_RECORD_TRANSACTION: Final = ("BEGIN READ WRITE", "COMMIT")


def _setting(name: str, default: float) -> float:
    """A number from Django's settings, else from the environment, else ``default``."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return float(value)


def _never(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the gate's middleware never calls the view")


class _Gate(NamedTuple):
    open: bool
    headers: Headers  # what the mirrored middleware adds to an answer


class _Gates:
    """Django's own verdict on a request's host, scheme and user agent, and the headers its
    middleware adds to an answer, worked out once per distinct combination.

    Runs ``SecurityMiddleware`` and ``CommonMiddleware`` (``process_request``) on a Django
    request built from the scope: if either would answer (a disallowed host, an HTTPS
    redirect, a refused user agent, a ``www.`` redirect) the gate is shut and Django answers
    the request itself. Otherwise the headers that ``SecurityMiddleware`` and
    ``XFrameOptionsMiddleware`` add to a response are kept for the route's answers.
    """

    def __init__(self) -> None:
        self._security = SecurityMiddleware(_never)
        self._csp = CSPMiddleware(_never)
        self._common = CommonMiddleware(_never)
        self._frames = XFrameOptionsMiddleware(_never)
        names = {b"host", b"x-forwarded-host", b"x-forwarded-port"}
        if settings.DISALLOWED_USER_AGENTS:
            names.add(b"user-agent")
        if settings.SECURE_PROXY_SSL_HEADER:
            meta_name = settings.SECURE_PROXY_SSL_HEADER[0]
            names.add(meta_name.removeprefix("HTTP_").replace("_", "-").lower().encode())
        self.names = frozenset(names)
        self._known: dict[tuple[Any, ...], _Gate] = {}

    def get(self, scope: Scope, values: list[tuple[bytes, bytes]]) -> _Gate:
        key = (scope.get("scheme"), scope.get("server"), *values)
        gate = self._known.get(key)
        if gate is None:
            if len(self._known) >= _GATE_CACHE_LIMIT:
                self._known.clear()
            gate = self._known[key] = self._work_out(scope, values)
        return gate

    def _work_out(self, scope: Scope, values: list[tuple[bytes, bytes]]) -> _Gate:
        request = ASGIRequest(
            {
                "type": "http",
                "method": "POST",
                "path": scope["path"],
                "scheme": scope.get("scheme", "http"),
                "server": scope.get("server"),
                "headers": values,
                "query_string": b"",
            },
            io.BytesIO(),
        )
        try:
            if (
                self._security.process_request(request) is not None
                or self._common.process_request(request) is not None
            ):
                return _Gate(False, ())
        except (DisallowedHost, ForbiddenUserAgent):
            return _Gate(False, ())
        response = HttpResponse()
        del response["Content-Type"]
        # Each adds its headers to the response it is given (and answers that same one).
        self._security.process_response(request, response)
        self._csp.process_response(request, response)
        self._frames.process_response(request, response)
        return _Gate(True, _encoded(response))


def _encoded(response: HttpResponse) -> Headers:
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.items())


class _BodyRequest(HttpRequest):
    """The one thing Ninja's parameter model reads of a request: its body, already read from
    the ASGI messages. Building a whole ``HttpRequest`` (query dicts, ``META``) costs more than
    validating the body, so that is done only for an answer that needs one (:func:`_request`)."""

    body: bytes = b""  # a plain value, not the property that reads the stream

    def __init__(self, body: bytes) -> None:  # no HttpRequest.__init__: only the body is read
        self.body = body


def _request(path: str) -> HttpRequest:
    """A request for the API's exception handlers (they log its method and path)."""
    request = HttpRequest()
    request.method = "POST"
    request.path = request.path_info = path
    return request


class _Taken(NamedTuple):
    token: str
    gate: _Gate
    address: str | None  # the connection's, as Django's REMOTE_ADDR


def _bearer(authorization: str) -> str | None:
    """The token of an ``Authorization`` value exactly as Ninja's ``HttpBearer`` reads it."""
    scheme, _, token = authorization.partition(" ")
    return token if scheme.lower() == "bearer" else None


def _token_actor(token: str, address: str | None) -> Actor | None:
    """``api_token_attempt`` for a caller at ``address`` (its connection's, as Django's
    ``REMOTE_ADDR``), with Django's connection hygiene: this runs outside any Django request,
    so drop a broken or over-age connection as request start and end would."""
    request = HttpRequest()
    request.method = "POST"
    request.path = request.path_info = reverse("api:verify_card")
    if address is not None:
        request.META["REMOTE_ADDR"] = address
    close_old_connections()
    try:
        return api_token_attempt(request, token)
    finally:
        close_old_connections()


def _body_model() -> tuple[type[BodyModel], str]:
    """The operation's parameter model as Ninja built it, and the name of its one field.

    Refuses to start when the operation would do more than this route does: parameters other
    than one JSON body, authentication other than the API's bearer token then session, or any
    throttling (on the API, the cards router or the operation).
    """
    found = [
        operation
        for view in cards_router.path_operations.values()
        for operation in view.operations
        if operation.view_func is verify_card
    ]
    model = found[0].models[0] if len(found) == 1 and len(found[0].models) == 1 else None
    if model is None or not issubclass(model, BodyModel) or len(model.model_fields) != 1:
        raise ImproperlyConfigured(
            "verify_card's parameters changed: config/fastverify.py reads one JSON body only"
        )
    operation = found[0]
    auth = [type(a) for a in api.auth] if isinstance(api.auth, list) else None
    if (
        auth != [BearerTokenAuth, SessionActorAuth]
        or operation.auth_param is not NOT_SET
        or cards_router.auth is not NOT_SET
    ):
        raise ImproperlyConfigured("config/fastverify.py knows the API's bearer token only")
    throttles = (api.throttle, cards_router.throttle, operation.throttle_param)
    if any(throttle is not NOT_SET for throttle in throttles):
        raise ImproperlyConfigured("config/fastverify.py does not throttle: serve by Django")
    return model, next(iter(model.model_fields))


def compiled_query() -> str:
    """The SQL of ``card_facts``, compiled by the ORM once, with one ``%s`` for the number."""
    query = card_facts(_MARK).query
    sql, params = query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
    if tuple(params) != (_MARK,):
        raise ImproperlyConfigured("card_facts must take the card number as its one parameter")
    return str(sql)


def record_sql() -> str:
    """The insert of a verification's record: ``CardVerification``'s columns as the ORM names
    them, in :data:`~sscard.cards.verify.RECORD_FIELDS` order, one ``%s`` each."""
    meta = CardVerification._meta
    column_of = {f.attname: str(f.column) for f in meta.concrete_fields}
    columns = [sql.Identifier(column_of[name]) for name in RECORD_FIELDS]
    return (
        sql.SQL("INSERT INTO {} ({}) VALUES ({})")
        .format(
            sql.Identifier(meta.db_table),
            sql.SQL(", ").join(columns),
            sql.SQL(", ").join([sql.Placeholder()] * len(columns)),
        )
        .as_string()
    )


def _conninfo(alias: str = DEFAULT_DB_ALIAS) -> str:
    """A database's connection string, from the very parameters Django uses."""
    params = connections[alias].get_connection_params()
    return str(make_conninfo("", **{k: v for k, v in params.items() if isinstance(v, str | int)}))


async def _read_only(conn: AsyncConnection[Any]) -> None:
    """Pool connections read unless asked: a statement on its own cannot write; the record's
    explicit transaction begins ``READ WRITE``."""
    await conn.execute("SET default_transaction_read_only = on")


class FastVerify:
    """The ASGI application: the lean verification route in front of Django's application."""

    def __init__(
        self,
        django: ASGIApp,
        *,
        pool_size: int | None = None,
        token_cache_seconds: float | None = None,
    ) -> None:
        self.django = django
        self.pool_size = pool_size or int(_setting("SSCARD_VERIFY_POOL_SIZE", 4))
        self.token_cache_seconds = (
            token_cache_seconds
            if token_cache_seconds is not None
            else _setting("SSCARD_TOKEN_CACHE_SECONDS", 5)
        )
        self.enabled = tuple(settings.MIDDLEWARE) == MIRRORED_MIDDLEWARE
        if not self.enabled:
            logger.warning(
                "the middleware differs from the stack config/fastverify.py accounts for: "
                "verification is served by Django"
            )
        self.path = reverse("api:verify_card")
        self._body_model, self._payload_field = _body_model()
        self.sql = compiled_query()
        self.record_sql = record_sql()
        self._gates = _Gates()
        self._session_cookie = settings.SESSION_COOKIE_NAME.encode("latin-1") + b"="
        self._body_limit = min(BODY_LIMIT, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or BODY_LIMIT)
        self._content_type = api.get_content_type().encode("latin-1")
        # The API's renderer, its encoder built once: ``render`` is ``json.dumps(data,
        # cls=encoder_class, **json_dumps_params)``, i.e. this encoder's ``encode(data)``.
        renderer = api.renderer
        if not isinstance(renderer, JSONRenderer):
            raise ImproperlyConfigured("config/fastverify.py renders with the API's JSONRenderer")
        self._encoder = renderer.encoder_class(**renderer.json_dumps_params)
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None
        self._opening = asyncio.Lock()
        # Streaming replicas (SSCARD_DATABASE_REPLICAS), each with a pool of its own and its
        # lag measured at most every check_seconds() (sscard/core/replicas.py says why).
        self._replicas = replica_aliases()
        self._replica_pools: dict[str, AsyncConnectionPool[AsyncConnection[Any]]] = {}
        self._measures: dict[str, tuple[float, bool]] = {}
        self._measuring: dict[str, asyncio.Task[bool]] = {}
        self._primary_down_until = 0.0
        self._tokens: dict[str, tuple[float, Actor]] = {}
        self._lookups: dict[tuple[str, str | None], asyncio.Task[Actor | None]] = {}
        self._lookup = sync_to_async(_token_actor, thread_sensitive=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["path"] == self.path and scope["method"] == "POST" and self.enabled:
                taken = self._take(scope)
                if taken is not None:
                    await self._verify(taken, receive, send)
                    return
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self.django(scope, receive, send)

    # --- which requests, and their headers -------------------------------------------------

    def _take(self, scope: Scope) -> _Taken | None:
        """The token and gate of a request this route answers, else ``None``."""
        if scope.get("root_path"):
            return None
        authorization: bytes | None = None
        length: bytes | None = None
        gate_values: list[tuple[bytes, bytes]] = []
        gate_names = self._gates.names
        for name, value in scope["headers"]:
            if name == b"authorization":
                if authorization is not None:
                    return None  # Django joins repeated headers; let it
                authorization = value
            elif name == b"content-length":
                if length is not None:
                    return None
                length = value
            elif name == b"cookie":
                if self._session_cookie in value:
                    return None
            elif name in gate_names:
                gate_values.append((name, value))
        if authorization is None or length is None or not length.isdigit():
            return None
        token = _bearer(authorization.decode("latin-1"))
        if token is None or int(length) > self._body_limit:
            return None
        gate = self._gates.get(scope, gate_values)
        client = scope.get("client")
        address = str(client[0]) if client else None
        return _Taken(token, gate, address) if gate.open else None

    # --- the answer ------------------------------------------------------------------------

    async def _verify(self, taken: _Taken, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        if body is None:
            return  # the client left
        try:
            actor = await self._actor(taken.token, taken.address)
            if actor is None:
                raise AuthenticationError()
            payload = self._payload(_BodyRequest(body))
            query = verify_query(
                actor=actor,
                card_number=payload.card_number,
                reader_string=payload.reader_string,
            )
            facts = await self._facts(query.card_number)
            answer = verification_of(facts, query)
            record = verification_record(actor=actor, query=query, facts=facts, answer=answer)
            if record is not None:
                await self._keep(record)
            content = self._encoder.encode(verification_body(answer))
        except Exception as exc:  # the API's handlers map every error, as on the Ninja route
            request = _request(self.path)
            response = api.on_exception(request, exc)
            log_response(
                "%s: %s", response.reason_phrase, request.path, response=response, request=request
            )
            await _respond(send, response.status_code, _encoded(response), response.content, taken)
            return
        headers = ((b"content-type", self._content_type),)
        await _respond(send, 200, headers, content.encode(), taken)

    def _payload(self, request: HttpRequest) -> VerifyIn:
        """The body as the operation receives it: Ninja's model and Ninja's errors (400 for
        a body that is not JSON, 422 ``invalid_input`` with the fields for a wrong one)."""
        try:
            params = self._body_model.resolve(request, api, {})
        except pydantic.ValidationError as exc:
            # Ninja passes the model class here (its annotation says an instance).
            model = cast(Any, self._body_model)
            context = ValidationErrorContext(pydantic_validation_error=exc, model=model)
            raise api.validation_error_from_error_contexts([context]) from None
        return cast(VerifyIn, getattr(params, self._payload_field))

    async def _facts(self, card_number: str) -> CardFacts | None:
        """The one query: on a replica that keeps up when there are any (never prepared there:
        PgBouncer's transaction pooling keeps no statement), else on the primary, prepared on
        each pooled connection."""
        for alias in await self._usable_replicas() if self._replicas else ():
            try:
                pool = self._replica_pools.get(alias) or await self._replica_pool(alias)
                return await self._read(pool, card_number, prepare=False)
            except (psycopg.Error, PoolTimeout) as exc:
                if not is_unavailable(exc):
                    raise
                logger.warning("replica %s failed during a read: %s", alias, exc)
                self._measures[alias] = (time.monotonic() + check_seconds(), False)
        pool = self._pool or await self._open_pool()
        return await self._read(pool, card_number, prepare=True)

    async def _read(
        self, pool: AsyncConnectionPool[AsyncConnection[Any]], card_number: str, *, prepare: bool
    ) -> CardFacts | None:
        async with pool.connection() as conn:
            cursor = await conn.execute(self.sql, (card_number,), prepare=prepare)
            row = await cursor.fetchone()
        return None if row is None else CardFacts._make(row)

    async def _keep(self, record: tuple[Any, ...]) -> None:
        """Insert a verification's record in a read-write transaction of its own, sent in one
        round trip (a pipeline: ``conn.transaction()`` would wait for its ``BEGIN``).

        With replicas, a primary that is down does not stop the answer: the record is lost,
        logged and counted (:data:`~sscard.cards.verify.lost_records`), and for
        ``check_seconds()`` after a failure records are not tried, so answers do not wait."""
        if not self._replicas:
            await self._insert(record, timeout=None)
            return
        if self._primary_down_until > time.monotonic():
            lost_records.add(PoolTimeout("the primary failed a moment ago"))
            return
        try:
            await self._insert(record, timeout=check_seconds())
        except (psycopg.Error, PoolTimeout) as exc:
            if not is_unavailable(exc):
                raise
            self._primary_down_until = time.monotonic() + check_seconds()
            lost_records.add(exc)

    async def _insert(self, record: tuple[Any, ...], *, timeout: float | None) -> None:
        pool = self._pool or await self._open_pool()
        async with pool.connection(timeout=timeout) as conn, conn.pipeline():
            await conn.execute(_RECORD_TRANSACTION[0])
            await conn.execute(self.record_sql, record, prepare=True)
            await conn.execute(_RECORD_TRANSACTION[1])

    # --- replicas --------------------------------------------------------------------------

    async def _usable_replicas(self) -> list[str]:
        """The replicas that keep up, by their last measure (one measure at a time each)."""
        usable = []
        for alias in self._replicas:
            measure = self._measures.get(alias)
            if measure is None or measure[0] <= time.monotonic():
                task = self._measuring.get(alias)
                if task is None:
                    task = asyncio.get_running_loop().create_task(self._measure(alias))
                    self._measuring[alias] = task
                if not await asyncio.shield(task):
                    continue
            elif not measure[1]:
                continue
            usable.append(alias)
        if len(usable) > 1:
            random.shuffle(usable)
        return usable

    async def _measure(self, alias: str) -> bool:
        """Whether the replica may answer until its next measure (its lag, on the replica)."""
        trusted_until = time.monotonic() + check_seconds()
        try:
            pool = await self._replica_pool(alias)
            async with pool.connection(timeout=check_seconds() * 2) as conn:
                cursor = await conn.execute(LAG_SQL)
                row = await cursor.fetchone()
            lag = None if row is None or row[0] is None else float(row[0])
            usable = lag_allowed(lag)
            if not usable:
                logger.warning("replica %s skipped: lag %s s", alias, lag)
        except (psycopg.Error, PoolTimeout) as exc:
            logger.warning("replica %s cannot be reached: %s", alias, exc)
            usable = False
        finally:
            self._measuring.pop(alias, None)
        self._measures[alias] = (trusted_until, usable)
        return usable

    async def _replica_pool(self, alias: str) -> AsyncConnectionPool[AsyncConnection[Any]]:
        async with self._opening:
            pool = self._replica_pools.get(alias)
            if pool is None:
                # No read-only SET here: through PgBouncer a session setting would land on
                # whichever server connection comes next; a hot standby cannot write anyway.
                pool = AsyncConnectionPool(
                    _conninfo(alias),
                    min_size=self.pool_size,
                    max_size=self.pool_size,
                    kwargs={"autocommit": True, "prepare_threshold": None},
                    name=f"sscard-verify-{alias}",
                    timeout=check_seconds() * 2,
                    open=False,
                )
                await pool.open(wait=False)
                self._replica_pools[alias] = pool
            return pool

    # --- tokens ----------------------------------------------------------------------------

    async def _actor(self, token: str, address: str | None) -> Actor | None:
        """Whom the token speaks for, from the cache while it is fresh; one look-up at a time
        per token and address (the requests that find it stale meanwhile wait for that one)."""
        cached = self._tokens.get(token)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        key = (token, address)
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = asyncio.get_running_loop().create_task(self._look_up(token, address))
            self._lookups[key] = lookup
        return await asyncio.shield(lookup)

    async def _look_up(self, token: str, address: str | None) -> Actor | None:
        try:
            actor = await self._lookup(token, address)
            if actor is None:
                return None  # never cached: each unknown token counts against its address
            if len(self._tokens) >= TOKEN_CACHE_LIMIT:
                now = time.monotonic()
                self._tokens = {k: v for k, v in self._tokens.items() if v[0] > now}
                if len(self._tokens) >= TOKEN_CACHE_LIMIT:
                    self._tokens.clear()
            self._tokens[token] = (time.monotonic() + self.token_cache_seconds, actor)
            return actor
        finally:
            self._lookups.pop((token, address), None)

    def clear_token_cache(self) -> None:
        """Forget every token (a revocation then takes effect on the next request)."""
        self._tokens.clear()

    # --- the pool and the lifespan ---------------------------------------------------------

    async def _open_pool(self) -> AsyncConnectionPool[AsyncConnection[Any]]:
        async with self._opening:
            if self._pool is None:
                pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
                    _conninfo(),
                    min_size=self.pool_size,
                    max_size=self.pool_size,
                    kwargs={"autocommit": True},
                    configure=_read_only,
                    name="sscard-verify",
                    open=False,
                )
                await pool.open(wait=False)
                self._pool = pool
            return self._pool

    async def aclose(self) -> None:
        """Close the pool and the token look-ups' database connection."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
        replica_pools, self._replica_pools = self._replica_pools, {}
        for replica_pool in replica_pools.values():
            await replica_pool.close()
        await sync_to_async(connections.close_all, thread_sensitive=True)()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Open the pool as the server starts (Django takes no lifespan events); close it as
        the server stops."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.enabled:
                    await self._open_pool()
                    for alias in self._replicas:
                        await self._replica_pool(alias)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body (the server holds it to its ``Content-Length``), or ``None``
    if the client disconnects first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _respond(
    send: Send, status: int, headers: Headers, content: bytes, taken: _Taken
) -> None:
    """Send an answer with ``Content-Length`` (as ``CommonMiddleware`` sets it) and the headers
    the mirrored middleware adds."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *headers,
                (b"content-length", str(len(content)).encode()),
                *taken.gate.headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


def with_fast_verification(django: ASGIApp) -> ASGIApp:
    """Django's ASGI application, fronted by the lean verification route on PostgreSQL (on any
    other database, Django's application itself)."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return django
    return FastVerify(django)
