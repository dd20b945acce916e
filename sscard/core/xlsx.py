"""A streaming XLSX writer: the workbook leaves as bytes while its rows are still being read.

openpyxl's write-only mode keeps memory flat too, but it spools the sheet to a temporary file
and zips it at ``save()``: the download's first byte would wait for the last row of a district's
million persons. Here the zip is written to a sink that is drained after each slice of rows,
so a streamed HTTP response starts at once and memory stays constant, whatever the row count.

Only what an export needs: one or more sheets of inline strings, numbers, booleans, dates and
date-times (real spreadsheet dates, shown ``yyyy-mm-dd``), bold preamble rows, column widths
and a frozen header. Strings are never formulas (they are written as text cells), and a text
that a spreadsheet would turn into a formula once edited carries Excel's quote prefix.
Past Excel's 1,048,576 rows a sheet ends and the next one starts with the same header rows.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from xml.sax.saxutils import escape, quoteattr

from django.utils import timezone

Value = str | int | float | bool | date | datetime | None

MAX_ROWS = 1_048_576  # Excel's limit per sheet
MAX_CELL_TEXT = 32_767  # Excel's limit per cell
ROWS_PER_CHUNK = 500  # rows between two drains of the zip sink
_EPOCH = datetime(1899, 12, 30)
# Characters XML 1.0 cannot carry (openpyxl refuses them too); they are dropped.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Cell styles (indexes into cellXfs below).
_PLAIN, _DATE, _DATETIME, _QUOTED, _BOLD = 0, 1, 2, 3, 4
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True, slots=True)
class Sheet:
    """What every sheet of a workbook repeats at its top, and its column widths."""

    title: str
    head: Sequence[Sequence[Value]]  # bold rows: the preamble, then the column headers
    widths: Sequence[int] = ()


class _Sink:
    """A write-only file that hands back what was written since it was last drained."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _column_letter(index: int) -> str:
    """``0`` → ``A``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text_cell(ref: str, text: str, style: int) -> str:
    text = _ILLEGAL.sub("", text)[:MAX_CELL_TEXT]
    if style == _PLAIN and text.startswith(_FORMULA_STARTS):
        style = _QUOTED
    space = ' xml:space="preserve"' if text != text.strip() else ""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t{space}>{escape(text)}</t></is></c>'


def _serial(value: datetime) -> float:
    return (value - _EPOCH).total_seconds() / 86_400


def _cell(ref: str, value: Value, style: int = _PLAIN) -> str:
    """One ``<c>`` element; ``None`` and empty strings leave the cell out."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        serial = _serial(local.replace(tzinfo=None))
        return f'<c r="{ref}" s="{_DATETIME}"><v>{serial:.8f}</v></c>'
    if isinstance(value, date):
        serial = _serial(datetime.combine(value, time.min))
        return f'<c r="{ref}" s="{_DATE}"><v>{serial:.0f}</v></c>'
    return _text_cell(ref, str(value), style)


class _SheetWriter:
    """The XML of sheets, row by row, with the column letters computed once."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self._letters: list[str] = []

    def _letter(self, index: int) -> str:
        while len(self._letters) <= index:
            self._letters.append(_column_letter(len(self._letters)))
        return self._letters[index]

    def row(self, number: int, values: Sequence[Value], style: int = _PLAIN) -> str:
        cells = "".join(_cell(f"{self._letter(i)}{number}", v, style) for i, v in enumerate(values))
        return f'<row r="{number}">{cells}</row>'

    def opening(self) -> str:
        head = len(self.sheet.head)
        pane = (
            f'<pane ySplit="{head}" topLeftCell="A{head + 1}" activePane="bottomLeft" '
            'state="frozen"/>'
            if head
            else ""
        )
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
            for i, w in enumerate(self.sheet.widths, start=1)
        )
        return (
            _HEAD + f'<worksheet xmlns="{_NS}" xmlns:r="{_NS_R}">'
            f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
            + "".join(self.row(n, r, _BOLD) for n, r in enumerate(self.sheet.head, start=1))
        )

    @staticmethod
    def closing() -> str:
        return "</sheetData></worksheet>"


def _sheet_name(title: str, number: int) -> str:
    name = _SHEET_NAME_BAD.sub(" ", _ILLEGAL.sub("", title)).strip() or "Sheet"
    suffix = f" ({number})" if number > 1 else ""
    return name[: 31 - len(suffix)] + suffix


def _package(names: list[str]) -> dict[str, str]:
    """The parts besides the sheets, written last, once the number of sheets is known."""
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_NS_R}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(names) + 1)
    )
    styles_id = len(names) + 1
    return {
        "[Content_Types].xml": (
            _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            _HEAD + f'<Relationships xmlns="{_NS_PKG}">'
            f'<Relationship Id="rId1" Type="{_NS_R}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            _HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_NS_R}"><sheets>{sheets}</sheets>'
            "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            _HEAD + f'<Relationships xmlns="{_NS_PKG}">{sheet_rels}'
            f'<Relationship Id="rId{styles_id}" Type="{_NS_R}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _STYLES,
    }


def xlsx_chunks(
    sheet: Sheet, rows: Iterable[Sequence[Value]], *, max_rows: int = MAX_ROWS
) -> Iterator[bytes]:
    """The bytes of an XLSX workbook: ``sheet.head`` in bold, then ``rows``, streamed.

    ``rows`` is consumed lazily, :data:`ROWS_PER_CHUNK` at a time; each slice leaves as one
    compressed chunk. ``max_rows`` (Excel's limit) is lowered only by tests.
    """
    sink = _Sink()
    writer = _SheetWriter(sheet)
    head = len(sheet.head)
    if head >= max_rows:
        raise ValueError("the header rows alone fill a sheet")
    names: list[str] = []
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        iterator = iter(rows)
        pending = next(iterator, None)
        while pending is not None or not names:
            names.append(_sheet_name(sheet.title, len(names) + 1))
            path = f"xl/worksheets/sheet{len(names)}.xml"
            with archive.open(path, mode="w", force_zip64=True) as part:
                part.write(writer.opening().encode())
                number = head
                buffer: list[str] = []
                while pending is not None and number < max_rows:
                    number += 1
                    buffer.append(writer.row(number, pending))
                    pending = next(iterator, None)
                    if len(buffer) >= ROWS_PER_CHUNK:
                        part.write("".join(buffer).encode())
                        buffer.clear()
                        yield sink.drain()
                part.write(("".join(buffer) + writer.closing()).encode())
            yield sink.drain()
        for name, text in _package(names).items():
            archive.writestr(name, text.encode())
    yield sink.drain()
