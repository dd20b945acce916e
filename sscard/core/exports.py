"""Spreadsheet exports of every list and report: XLSX and CSV from one table description.

A view describes its table once (:class:`ExportTable`: a title, the filter in words, columns
with translated headers and a row iterator fed by the page's own selector, so the export is
scoped and masked exactly like the page) and :func:`export_response` streams it as XLSX
(``sscard.core.xlsx``) or CSV. Both open with the same header rows: the title, when and by
whom the file was made, the filter applied, and the policy pack in force (title, id and SM3
hash); then the column headers, then the data.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel
and LibreOffice as a formula (CSV injection, OWASP); in CSV such cells are prefixed with ``'``
so they stay text, in XLSX they are text cells with Excel's quote prefix. Exports are streamed
row by row so that a district's million persons never sit in memory at once.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from asgiref.sync import sync_to_async
from django import forms
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.urls import register_converter
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sscard.core.actors import ROLE_LABELS, Actor
from sscard.core.names import Kind, english_active, list_separator, names_of
from sscard.core.xlsx import Sheet, xlsx_chunks
from sscard.kernel.masks import mask_id_number, mask_phone

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | date | datetime | None

FORMATS = ("xlsx", "csv")
_CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


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
    return _csv_lines([header], rows)


def _csv_lines(head: Sequence[Sequence[Cell]], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    bom = "\ufeff"
    for line in head:
        yield bom + writer.writerow([safe_cell(c) for c in line])
        bom = ""
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_response(
    *, file_name: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> StreamingHttpResponse:
    """A streamed CSV download without header rows (files read back by a machine)."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


# --------------------------------------------------------------------------------------------
# The table description
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header in the page's language and its width in an XLSX sheet."""

    header: str
    width: int = 16


def coded(header: str, *, width: int = 16) -> tuple[Column, Column]:
    """A coded value's two columns: the name a person reads, then the code machines read
    (issue 12: exports carry the name and, in a separate column, the code)."""
    return Column(header, width), Column(_("%(column)s (code)") % {"column": header}, 12)


@dataclass(frozen=True, slots=True)
class PackStamp:
    """A policy pack in force, as an export's header names it."""

    pack_id: str
    pack_hash: str
    title_zh: str
    title_en: str
    city: str = ""
    # The pack's hotlines (name_zh, name_en, number), for a document's footer (SH-17).
    hotlines: tuple[tuple[str, str, str], ...] = ()

    def title(self, *, english: bool) -> str:
        return (self.title_en if english else self.title_zh) or self.title_zh


PackSource = Callable[[Actor], Sequence[PackStamp]]
_pack_sources: list[PackSource] = []


def register_pack_source(source: PackSource) -> None:
    """Tell the exports where the packs in force come from.

    Campaigns sit above core (and above registry and network, whose lists export too), so
    ``sscard.campaigns`` registers its reader when the app is ready instead of core asking it.
    """
    if source not in _pack_sources:
        _pack_sources.append(source)


def packs_in_force(actor: Actor) -> list[PackStamp]:
    """The packs in force where the actor works (all of them for a role bound to no city)."""
    found: dict[str, PackStamp] = {}
    for source in _pack_sources:
        for stamp in source(actor):
            found.setdefault(stamp.pack_hash + stamp.city, stamp)
    return list(found.values())


# A filter typed as a full identifier (a search by ID number or phone) is written into the
# file's header masked, like every identifier in the rows below it; a view adds others (a
# person's name typed in a search) with ``masks``.
_MASKED_FILTERS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id_number,
    "phone": mask_phone,
}


def form_filters(
    form: forms.Form, *, masks: Mapping[str, Callable[[str], str]] | None = None
) -> list[tuple[str, str]]:
    """The filter a bound filter form applies, in words: each set field's label and the name
    of its value (a choice's label, never its code), in the page's language.

    A field the form refused is left out, as the lists leave it out; a view whose list drops
    every filter when one is refused passes ``[]`` instead.
    """
    if not form.is_bound:
        return []
    form.is_valid()  # cleans: the refused fields are not in cleaned_data
    masked = {**_MASKED_FILTERS, **(masks or {})}
    words = []
    for name, value in getattr(form, "cleaned_data", {}).items():
        if value in (None, "", [], ()):
            continue
        text = _value_words(form.fields[name], value)
        if name in masked:
            text = masked[name](text)
        words.append((str(form[name].label or name), text))
    return words


def _value_words(form_field: forms.Field, value: object) -> str:
    choices = getattr(form_field, "choices", None)
    if choices is not None and not isinstance(form_field, forms.ModelChoiceField):
        names: dict[str, str] = {}
        for key, label in choices:
            if isinstance(label, list | tuple):  # an optgroup
                names.update({str(k): str(v) for k, v in label})
            else:
                names[str(key)] = str(label)
        values = value if isinstance(value, list | tuple) else [value]
        return list_separator().join(names.get(str(v), str(v)) for v in values)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


class CodeNames:
    """The names of one kind of code met while rows stream (``sscard.core.names``), each
    asked once: a million rows over a city's districts ask a few dozen times."""

    def __init__(self, kind: Kind, *, english: bool | None = None) -> None:
        self.kind = kind
        self.english = english_active() if english is None else english
        self._known: dict[str, str] = {}

    def __call__(self, code: str | None) -> str:
        if not code:
            return ""
        if code not in self._known:
            self._known.update(names_of(self.kind, [code], english=self.english))
        return self._known.get(code, code)

    def joined(self, codes: Iterable[str]) -> str:
        """The names of ``codes`` in their order, as a list is written."""
        return list_separator(english=self.english).join(self(c) for c in codes if c)


@dataclass(frozen=True, slots=True)
class ExportTable:
    """What a list or report exports: its rows come from the page's own selector."""

    title: str
    file_stem: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Cell]]
    filters: Sequence[tuple[str, str]] = ()
    exported_at: datetime = field(default_factory=timezone.now)

    def header_rows(self, actor: Actor, *, username: str = "") -> list[list[Cell]]:
        """The rows above the column headers: title, time, who, filter, pack(s) in force.

        Written in the page's language, before the response streams (the rows after them
        carry data and names only)."""
        english = english_active()
        when = timezone.localtime(self.exported_at)
        sep = _("%(label)s: %(value)s")
        filter_text = _("; ").join(sep % {"label": k, "value": v} for k, v in self.filters)
        rows: list[list[Cell]] = [
            [self.title],
            [_("Exported at"), when.strftime("%Y-%m-%d %H:%M:%S"), str(when.tzinfo or "")],
            [_("Exported by"), str(ROLE_LABELS.get(actor.role, actor.role)), username],
            [_("Filter"), filter_text or _("None: everything in your scope")],
        ]
        stamps = packs_in_force(actor)
        for stamp in stamps:
            rows.append(
                [
                    _("Policy pack in force"),
                    stamp.title(english=english),
                    stamp.pack_id,
                    _("SM3 %(hash)s") % {"hash": stamp.pack_hash},
                ]
            )
        if not stamps:
            rows.append([_("Policy pack in force"), _("None in force")])
        return rows

    def head(self, actor: Actor, *, username: str = "") -> list[list[Cell]]:
        """The header rows, an empty row, then the column headers."""
        columns: list[Cell] = [c.header for c in self.columns]
        return [*self.header_rows(actor, username=username), [], columns]


# --------------------------------------------------------------------------------------------
# The response
# --------------------------------------------------------------------------------------------


def _in_language(chunks: Iterator[bytes], language: str | None) -> Iterator[bytes]:
    """Each chunk made in the page's language, whichever thread the server iterates in."""
    while True:
        with translation.override(language):
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """The chunks for an ASGI server, one at a time.

    Django would otherwise consume a synchronous iterator into a list before sending it
    (``StreamingHttpResponse.__aiter__``): the whole file in memory. ``sync_to_async`` keeps
    every step on the request's thread, where its database connection lives.
    """
    step = sync_to_async(_next_chunk)
    while True:
        chunk = await step(chunks)
        if chunk is None:
            return
        yield chunk


def export_response(request: HttpRequest, table: ExportTable, fmt: str) -> StreamingHttpResponse:
    """The table as a streamed XLSX or CSV download (``fmt``; anything else is 404)."""
    if fmt not in FORMATS:
        raise Http404
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:  # the views are behind actor_required; this is the type's guard
        raise Http404
    head = table.head(actor, username=request.user.get_username())
    chunks: Iterator[bytes]
    if fmt == "xlsx":
        sheet = Sheet(table.title, head, [c.width for c in table.columns])
        chunks = xlsx_chunks(sheet, table.rows)
    else:
        chunks = (line.encode("utf-8") for line in _csv_lines(head, table.rows))
    chunks = _in_language(chunks, translation.get_language())
    content: Iterator[bytes] | AsyncIterator[bytes] = (
        _async_chunks(chunks) if isinstance(request, ASGIRequest) else chunks
    )
    response = StreamingHttpResponse(content, content_type=_CONTENT_TYPES[fmt])
    stamp = timezone.localtime(table.exported_at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{table.file_stem}-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"  # personal data: never kept by a cache
    return response


class _FormatConverter:
    """``<export:fmt>`` in a route: ``xlsx`` or ``csv``."""

    regex = "xlsx|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_FormatConverter, "export")


def export_route(route: str) -> str:
    """The route of a list's export: ``persons/export`` → ``persons/export.<export:fmt>``."""
    return f"{route}.<export:fmt>"
