"""Stream rows out of an uploaded table: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK) or XLSX.

Nothing here loads a whole file: CSV is decoded incrementally and XLSX is read with openpyxl's
read-only mode, so a file far larger than memory streams through in constant space. Problems
with the file as a whole (its encoding, its header, formulas, merged cells) are refused with a
stable code before any row is handed on.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO

from sscard.core.import_errors import FileRefused as FileRefused  # where importers catch it
from sscard.core.import_errors import ImportErrorCode

SNIFF_BYTES = 1 << 20
XLSX_MAGIC = b"PK\x03\x04"
_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b")
_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?f\b', re.S
)
csv.field_size_limit(1 << 20)


@dataclass
class TableStream:
    """A header and an iterator of ``(row_number, cells)``; row numbers count the header as 1."""

    format: str
    encoding: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    total_bytes: int
    _tell: IO[bytes] | None = field(default=None, repr=False)

    def bytes_read(self) -> int:
        if self._tell is None:
            return 0
        try:
            return self._tell.tell()
        except (OSError, ValueError):
            return self.total_bytes


def open_table(path: Path) -> TableStream:
    """Open a CSV or XLSX file for streaming, refusing what cannot be read."""
    size = path.stat().st_size
    with path.open("rb") as probe:
        head = probe.read(SNIFF_BYTES)
    if not head.strip(b"\xef\xbb\xbf \r\n\t,"):
        raise ImportErrorCode.FILE_EMPTY.refused()
    if head.startswith(XLSX_MAGIC):
        return _open_xlsx(path, size)
    return _open_csv(path, size, head)


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        raise ImportErrorCode.FILE_ENCODING_UNSUPPORTED.refused()
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=len(head) < SNIFF_BYTES)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportErrorCode.FILE_ENCODING_UNSUPPORTED.refused()


def _open_csv(path: Path, size: int, head: bytes) -> TableStream:
    encoding = _detect_encoding(head)
    raw = path.open("rb")
    text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except (StopIteration, UnicodeDecodeError) as exc:
        raw.close()
        raise ImportErrorCode.FILE_EMPTY.refused() from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                yield number, cells
        except UnicodeDecodeError as exc:
            raise ImportErrorCode.FILE_ENCODING_INCONSISTENT.refused(
                {"row": number + 1, "encoding": encoding}, row=number + 1
            ) from exc
        except csv.Error as exc:
            raise ImportErrorCode.FILE_CSV_MALFORMED.refused(
                {"row": number + 1, "problem": exc}, row=number + 1
            ) from exc
        finally:
            raw.close()

    return TableStream("csv", encoding, header, rows(), size, raw)


def _xlsx_sheet_name(archive: zipfile.ZipFile) -> str:
    names = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    if not names:
        raise ImportErrorCode.XLSX_INVALID.refused()
    return names[0]


def _check_no_merged_cells(path: Path) -> None:
    with zipfile.ZipFile(path) as archive, archive.open(_xlsx_sheet_name(archive)) as sheet:
        tail = b""
        while chunk := sheet.read(1 << 20):
            if _MERGE_CELL.search(tail + chunk):
                raise ImportErrorCode.XLSX_MERGED_CELLS.refused()
            tail = chunk[-32:]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _open_xlsx(path: Path, size: int) -> TableStream:
    from openpyxl import load_workbook

    try:
        _check_no_merged_cells(path)
        workbook = load_workbook(path, read_only=True, data_only=False)
    except FileRefused:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportErrorCode.XLSX_INVALID.refused() from exc
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows()

    def texts(cells: tuple[object, ...], number: int) -> list[str]:
        out = []
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                ref = getattr(cell, "coordinate", f"row {number}")
                raise ImportErrorCode.XLSX_FORMULA.refused(cell=ref)
            out.append(_cell_text(getattr(cell, "value", None)).strip())
        while out and out[-1] == "":
            out.pop()
        return out

    try:
        first = next(iterator)
    except StopIteration as exc:
        workbook.close()
        raise ImportErrorCode.FILE_EMPTY.refused() from exc
    header = texts(first, 1)
    if not header:
        workbook.close()
        raise ImportErrorCode.FILE_EMPTY.refused()

    width = len(header)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(iterator, start=2):
                values = texts(cells, number)
                if values:
                    # A sheet stores no trailing empty cells: an empty last column is still
                    # a column.
                    if len(values) < width:
                        values += [""] * (width - len(values))
                    yield number, values
        finally:
            workbook.close()

    return TableStream("xlsx", "xlsx", header, rows(), size)


def check_whole_file(path: Path) -> None:
    """Read the whole file once and raise what would refuse it, before anything is written.

    Imports commit chunk by chunk; a file refused as a whole (an encoding change, broken CSV,
    a formula) must be refused before its first chunk commits. CSV is decoded and parsed to
    the end; an XLSX sheet is scanned for formula cells in its XML, without openpyxl.
    """
    stream = open_table(path)
    if stream.format == "xlsx":
        with zipfile.ZipFile(path) as archive, archive.open(_xlsx_sheet_name(archive)) as sheet:
            tail = b""
            while chunk := sheet.read(1 << 20):
                window = tail + chunk
                found = _FORMULA_CELL.search(window)
                if found is not None:
                    ref = found.group(1).decode()
                    raise ImportErrorCode.XLSX_FORMULA.refused(cell=ref)
                tail = window[-4096:]
        _close(stream)
        return
    for _row in stream.rows:
        pass


def _close(stream: TableStream) -> None:
    rows = stream.rows
    close = getattr(rows, "close", None)
    if close is not None:
        # Start a reader never started so that closing it runs its clean-up (closes the file).
        with contextlib.suppress(FileRefused, StopIteration):
            next(rows)
        close()


def table_header(path: Path) -> list[str]:
    """The header row of a CSV or XLSX file, reading no further (``FileRefused`` if the file
    cannot be read as a table at all)."""
    stream = open_table(path)
    _close(stream)
    return stream.header


def table_header_names(path: Path) -> set[str]:
    """The column names in the header of a CSV or XLSX file, stripped (of a BOM too), for
    choosing the spec of an import; none if the file cannot be read as a table (the import
    itself refuses it then, and records why)."""
    with contextlib.suppress(FileRefused, OSError):
        return {h.strip().lstrip("\ufeff") for h in table_header(path)}
    return set()


def check_header(header: list[str], expected: tuple[str, ...]) -> dict[str, int]:
    """Map each expected column to its position; refuse missing, unknown or repeated columns."""
    names = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in expected if c not in names]
    unknown = [c for c in names if c not in expected]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if missing:
        raise ImportErrorCode.COLUMNS_MISSING.refused(missing=missing, expected=list(expected))
    if unknown or repeated:
        raise ImportErrorCode.COLUMNS_UNKNOWN.refused(
            {"extra": unknown + repeated},
            unknown=unknown,
            repeated=repeated,
            expected=list(expected),
        )
    return {name: names.index(name) for name in expected}
