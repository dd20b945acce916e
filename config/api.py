"""The API under ``/api/v1/``: one NinjaAPI, its authentication, and the one error mapping.

Every error the API gives has the body ``{"code", "message_zh", "message_en", "details"}``:
refusals of the services (``ApplicationError``, with their own status), invalid input (422
``invalid_input``), a body Django will not read (413 ``payload_too_large``, 400
``too_many_fields`` or ``malformed_body``), a missing or bad credential (401), an unknown path
(404), a method the path does not take (405) and anything unexpected (500 ``internal_error``,
logged, never shown).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from sscard.applications.api import router as applications_router
from sscard.campaigns.api import router as campaigns_router
from sscard.cards.api import router as cards_router
from sscard.cards.api_mass import router as cards_mass_router
from sscard.core.errors import ApplicationError
from sscard.core.replicas import is_unavailable, unavailable_error
from sscard.core.request_errors import RequestErrorCode
from sscard.core.schemas import ErrorOut
from sscard.delivery.api import router as delivery_router
from sscard.network.api import router as network_router
from sscard.notifications.api import router as notifications_router
from sscard.portal.api import router as portal_router
from sscard.portal.auth import BearerTokenAuth, SessionActorAuth
from sscard.production.api import router as production_router
from sscard.registry.api import router as registry_router
from sscard.reports.api import router as reports_router

logger = logging.getLogger("sscard.api")

try:
    VERSION = package_version("sscard")
except PackageNotFoundError:  # running from a checkout that was never installed
    VERSION = "0+unknown"


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese as UTF-8 text rather than ``\\uXXXX`` escapes (the body is UTF-8)."""

    json_dumps_params: Mapping[str, Any] = {"ensure_ascii": False}


api = NinjaAPI(
    title="sscard API",
    version="1",
    description="社会保障卡服务平台接口 — social security card platform API.",
    urls_namespace="api",
    docs_url="/docs",
    auth=[BearerTokenAuth(), SessionActorAuth()],
    renderer=Utf8JSONRenderer(),
)
api.add_router("", registry_router)
api.add_router("", network_router)
api.add_router("", portal_router)
api.add_router("", campaigns_router)
api.add_router("", notifications_router)
api.add_router("", applications_router)
api.add_router("", cards_router)
api.add_router("", cards_mass_router)
api.add_router("", production_router)
api.add_router("", delivery_router)
api.add_router("", reports_router)

_HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求无效。", "The request is not valid."),
    401: (
        RequestErrorCode.AUTHENTICATION_REQUIRED.code,
        RequestErrorCode.AUTHENTICATION_REQUIRED.message_zh,
        RequestErrorCode.AUTHENTICATION_REQUIRED.message_en,
    ),
    403: ("permission_denied", "您无权执行此操作。", "You may not do this."),
    404: ("not_found", "未找到所请求的内容，或您无权查看。", "Not found, or you may not see it."),
    405: (
        "method_not_allowed",
        "该地址不支持此请求方法。",
        "This address does not take this method.",
    ),
    413: ("payload_too_large", "请求内容过大。", "The request is too large."),
    429: ("too_many_requests", "请求过于频繁，请稍后再试。", "Too many requests; try again later."),
    500: (
        "internal_error",
        "系统内部错误，请稍后再试。",
        "Internal error; please try again later.",
    ),
}


def error_body(status: int, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The standard error body for an HTTP status that no service error explains."""
    code, zh, en = _HTTP_ERRORS.get(status, _HTTP_ERRORS[400 if status < 500 else 500])
    return {"code": code, "message_zh": zh, "message_en": en, "details": details or {}}


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    body = RequestErrorCode.INVALID_INPUT.error(fields=fields).as_dict()
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, error_body(401), status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, error_body(exc.status_code), status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body(404), status=404)


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = RequestErrorCode.PAYLOAD_TOO_LARGE.error(limit_bytes=limit).as_dict()
    return api.create_response(request, body, status=413)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Django's own refusals of a request's form (too many fields, a bad host or file name...)
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        body = RequestErrorCode.TOO_MANY_FIELDS.error().as_dict()
    else:
        body = error_body(400)
    return api.create_response(request, body, status=400)


@api.exception_handler(MultiPartParserError)
def _malformed_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    body = RequestErrorCode.MALFORMED_BODY.error().as_dict()
    return api.create_response(request, body, status=400)


@api.exception_handler(DatabaseError)
def _database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    """The primary down (a write, or a read only it can answer): 503 ``database_unavailable``;
    any other database error is unexpected."""
    if not is_unavailable(exc):
        return _internal_error(request, exc)
    logger.warning("database unavailable in %s %s: %s", request.method, request.path, exc)
    error = unavailable_error()
    return api.create_response(request, error.as_dict(), status=error.status)


@api.exception_handler(Exception)
def _internal_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error in %s %s", request.method, request.path)
    return api.create_response(request, error_body(500), status=500)


class HealthOut(Schema):
    status: str
    database: str
    version: str


@api.get("/health", auth=None, response={200: HealthOut, 503: ErrorOut}, tags=["health"])
def health(request: HttpRequest) -> Status[dict[str, Any]]:
    """Liveness and database reachability (one ``SELECT 1``); needs no credential."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health check: database unreachable")
        details = {"status": "error", "database": "error", "version": VERSION}
        return Status(503, unavailable_error().as_dict() | {"details": details})
    return Status(200, {"status": "ok", "database": "ok", "version": VERSION})


View = Callable[..., HttpResponse]


def _json_method_not_allowed(view: View) -> View:
    """Ninja answers a wrong method with a bare 405; give it the standard error body."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = _json(error_body(405, {"allowed": allowed.split(", ")}), status=405)
            response["Allow"] = allowed
        return response

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def _json(body: dict[str, Any], *, status: int) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # an unknown path is 404 for every method, never the CSRF refusal's page
def _unknown_path(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _json(error_body(404), status=404)


def urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """The API's URL patterns, with JSON answers for a wrong method and an unknown path."""
    patterns, app_name, namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = [
        URLPattern(p.pattern, _json_method_not_allowed(p.callback), p.default_args, p.name)
        if isinstance(p, URLPattern)
        else p
        for p in patterns
    ]
    wrapped.append(re_path(r"^(?P<rest>.*)$", _unknown_path))
    return wrapped, app_name, namespace
