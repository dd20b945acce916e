"""Reading an export back in tests: the XLSX with openpyxl, the CSV with the csv module.

Both formats carry the same header rows (title, time, who, filter, packs in force), an empty
row, the column headers and the data; :func:`read_export` splits them so a test can check
each part against its own query.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from openpyxl import load_workbook


@dataclass(frozen=True, slots=True)
class ReadExport:
    """An export read back: its header rows, its column headers and its data rows."""

    format: str
    preamble: list[list[Any]]
    columns: list[str]
    rows: list[list[Any]]

    @property
    def title(self) -> str:
        return str(self.preamble[0][0])

    def meta(self, label: str) -> list[list[Any]]:
        """The cells after ``label`` of each header row that starts with it."""
        return [row[1:] for row in self.preamble if row and row[0] == label]

    def column(self, header: str) -> list[Any]:
        index = self.columns.index(header)
        return [row[index] if index < len(row) else None for row in self.rows]

    def text(self) -> str:
        """Every cell as text, for "this never appears anywhere" checks."""
        return "\n".join(
            "\t".join("" if c is None else str(c) for c in row)
            for row in [*self.preamble, self.columns, *self.rows]
        )


def _trim(row: list[Any]) -> list[Any]:
    while row and row[-1] in (None, ""):
        row.pop()
    return row


def _split(fmt: str, rows: list[list[Any]]) -> ReadExport:
    blank = next(i for i, row in enumerate(rows) if not row)
    return ReadExport(
        format=fmt,
        preamble=rows[:blank],
        columns=[str(c) for c in rows[blank + 1]],
        rows=rows[blank + 2 :],
    )


def read_export(response: Any) -> ReadExport:
    """Read a streamed XLSX or CSV download of :func:`sscard.core.exports.export_response`."""
    content = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        text = content.decode("utf-8")
        assert text.startswith("\ufeff"), "a CSV export starts with a BOM for Excel"
        rows = [_trim(list(r)) for r in csv.reader(io.StringIO(text[1:]))]
        return _split("csv", rows)
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = [_trim(list(r)) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _split("xlsx", rows)


def assert_header_rows(
    export: ReadExport,
    *,
    title: str,
    filters: Sequence[str] = (),
    pack: Any = None,
    english: bool = False,
) -> None:
    """The rows above the column headers: the title, when (within the last minutes), the filter
    in words (each of ``filters`` appears in it), and the pack in force (``pack``: a Campaign,
    or None for "none in force")."""
    label = _LABELS["en" if english else "zh"]
    assert export.title == title
    ((when, zone, *_rest),) = export.meta(label["at"])
    stamp = datetime.strptime(str(when), "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(zone))
    assert abs(timezone.now() - stamp) < timedelta(minutes=5)
    ((filter_text, *_more),) = export.meta(label["filter"])
    for word in filters:
        assert word in str(filter_text), (word, filter_text)
    if not filters:
        assert str(filter_text) == label["no_filter"]
    packs = export.meta(label["pack"])
    if pack is None:
        assert packs == [[label["none"]]]
    else:
        title_cell = pack.title if not english else None
        (row,) = [r for r in packs if r[1] == pack.pack_id]
        assert row[2] == f"SM3 {pack.pack_hash}"
        if title_cell is not None:
            assert row[0] == title_cell


_LABELS = {
    "zh": {
        "at": "导出时间",
        "filter": "筛选",
        "pack": "实施中的政策包",
        "none": "无",
        "no_filter": "无（您权限范围内的全部记录）",
    },
    "en": {
        "at": "Exported at",
        "filter": "Filter",
        "pack": "Policy pack in force",
        "none": "None in force",
        "no_filter": "None: everything in your scope",
    },
}
