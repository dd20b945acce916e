"""CSV exports that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel
and LibreOffice as a formula (CSV injection, OWASP); such cells are prefixed with ``'`` so they
stay text. Exports are streamed row by row so that a district's million persons never sit in
memory at once.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from django.http import StreamingHttpResponse
from django.utils import timezone

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | date | datetime | None


def safe_cell(value: Cell) -> str:
    """The text of one cell, with a leading ``'`` if a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = timezone.localtime(value).isoformat(sep=" ", timespec="seconds")
    else:
        text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose ``write`` hands the line back to the csv writer's caller."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The lines of a CSV file (UTF-8 BOM first, so Excel reads the Chinese correctly)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_response(
    *, file_name: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> StreamingHttpResponse:
    """A streamed CSV download."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
