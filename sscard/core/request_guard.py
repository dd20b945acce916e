"""Refuse a request whose form no view can take, before any view or middleware reads it.

Two kinds, on pages and on the API alike, each with its code (``sscard.core.request_errors``):

* a body over the limit: 413. The whole body may be at most ``SSCARD_MAX_UPLOAD_BYTES`` (said
  by ``Content-Length``, refused unread: ``file_too_large``, as ``sscard.core.uploads`` says of
  a file); a body Django holds in memory (JSON, form fields) at most
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``, which Django enforces with ``RequestDataTooBig`` — here it
  is 413 ``payload_too_large`` instead of a bare 400 on a page and a 500 in the API.
* a NUL character in the path, the query, a form field (name or value), an uploaded file's name
  or a JSON body: 400 ``nul_character``. PostgreSQL cannot store NUL in text and its driver
  refuses to send one, so without this such a value becomes a server error wherever it reaches a
  query; no field of this platform has a use for it. Uploaded files' contents are not looked at
  (a photo is binary).

Bodies Django cannot parse in the type they declare (a broken multipart body) answer 400
``malformed_body``; too many fields or files 400 ``too_many_fields``.

``sscard.portal.middleware.ActorMiddleware`` asks it before any view (and before
``CsrfViewMiddleware`` reads a form), when the signed-in user is known, so a page's refusal is
the usual error page and the API's the usual JSON body. The stack of middleware is unchanged, so
the lean verification route of ``config/fastverify.py`` still stands in for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from sscard.core.errors import ApplicationError
from sscard.core.request_errors import RequestErrorCode
from sscard.core.views import error_page

API_PREFIX = "/api/"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# ``\u0000`` in JSON text, unless its backslash is itself escaped (``\\u0000`` is six characters).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _body_refusal(request: HttpRequest) -> ApplicationError | None:
    """Read the body as the view would, and refuse it if it is too large or holds a NUL."""
    if request.content_type in FORM_TYPES:
        fields = request.POST
        files = request.FILES
        if _has_nul(fields.keys()) or any(_has_nul(fields.getlist(k)) for k in fields):
            return RequestErrorCode.NUL_CHARACTER.error(where="form")
        names = [f.name or "" for k in files for f in files.getlist(k)]
        if _has_nul(files.keys()) or _has_nul(names):
            return RequestErrorCode.NUL_CHARACTER.error(where="file_name")
        return None
    body = request.body
    if b"\x00" in body or _JSON_NUL.search(body):
        return RequestErrorCode.NUL_CHARACTER.error(where="body")
    return None


def request_refusal(request: HttpRequest) -> ApplicationError | None:
    """Why no view should see this request, or ``None``."""
    limit = int(settings.SSCARD_MAX_UPLOAD_BYTES)
    if _declared_length(request) > limit:
        return RequestErrorCode.file_too_large(limit)
    if "\x00" in request.path_info:
        return RequestErrorCode.NUL_CHARACTER.error(where="path")
    if _has_nul(request.GET.keys()) or any(_has_nul(request.GET.getlist(k)) for k in request.GET):
        return RequestErrorCode.NUL_CHARACTER.error(where="query")
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not _declared_length(request):
        return None
    try:
        return _body_refusal(request)
    except RequestDataTooBig:
        memory = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return RequestErrorCode.PAYLOAD_TOO_LARGE.error(limit_bytes=memory)
    except (TooManyFieldsSent, TooManyFilesSent):
        return RequestErrorCode.TOO_MANY_FIELDS.error()
    except (MultiPartParserError, UnicodeDecodeError):
        return RequestErrorCode.MALFORMED_BODY.error()


def refusal_response(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    """The API's JSON error body under ``/api/``, the error page elsewhere."""
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(
            error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False}
        )
    return error_page(request, error)
