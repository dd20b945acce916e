"""API schemas shared by every app: the one error body."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """Every error answer of the API, whatever its status."""

    code: str
    message_zh: str
    message_en: str
    details: dict[str, Any]


# The error answers any authenticated operation may give, for the OpenAPI document.
ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}
