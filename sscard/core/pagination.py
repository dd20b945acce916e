"""The API's page-number pagination: Ninja's, with the page number bounded.

Ninja's own takes any page number from 1 up and computes the offset from it, so
``?page=2717165692180445196713984`` reaches the database as an OFFSET past PostgreSQL's
``bigint`` (and SQLite's 64-bit integer): a server error. Here a page past :data:`MAX_PAGE` is
invalid input (422 ``invalid_input``, like ``page=0`` or ``page=abc``); a page past the last
one, but within the bound, is an empty page, as before.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination

# Far past any list of the platform (a whole country's cards, one to a page), and small
# enough that page × page size stays well inside a 64-bit offset.
MAX_PAGE = 100_000_000
MAX_PAGE_SIZE = 100_000_000


class PageNumberPagination(NinjaPageNumberPagination):
    """Ninja's page-number pagination with ``page`` and ``page_size`` at most 10⁸."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)
