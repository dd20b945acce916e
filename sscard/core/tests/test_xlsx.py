"""The streaming XLSX writer: what openpyxl reads back, text never a formula, sheets that spill
over Excel's row limit, and memory that does not grow with the rows."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from sscard.core.xlsx import ROWS_PER_CHUNK, Sheet, Value, xlsx_chunks

HEAD = [["Title"], ["Exported at", "2024-03-01 10:00:00"], [], ["Name", "Count", "Day"]]


def _read(data: bytes) -> list[list[list[object]]]:
    book = load_workbook(io.BytesIO(data))
    return [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


def test_values_come_back_with_their_types() -> None:
    rows: list[Sequence[Value]] = [
        ["张三", 42, date(2024, 1, 31)],
        ["", 1.5, datetime(2024, 2, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))],
        [None, True, "x & <y>"],
    ]
    (sheet,) = _read(b"".join(xlsx_chunks(Sheet("人员", HEAD, [12, 8, 12]), rows)))
    assert sheet[0][0] == "Title"
    assert sheet[3][:3] == ["Name", "Count", "Day"]
    assert sheet[4][:3] == ["张三", 42, datetime(2024, 1, 31)]
    # an aware time is written in the server's local time (settings.TIME_ZONE, Shanghai)
    assert sheet[5][1:3] == [1.5, datetime(2024, 2, 1, 9, 30)]
    assert sheet[6][:3] == [None, True, "x & <y>"]


def test_text_that_looks_like_a_formula_stays_text() -> None:
    rows = [['=HYPERLINK("http://evil")', "+86 138", "-5", "@SUM(A1)"]]
    book = load_workbook(io.BytesIO(b"".join(xlsx_chunks(Sheet("t", HEAD), rows))))
    cells = next(iter(book.worksheets[0].iter_rows(min_row=5, max_row=5)))
    for cell, text in zip(cells, rows[0], strict=True):
        assert cell.data_type == "s"  # a string, never "f"
        assert cell.value == text  # the text kept exactly...
        assert cell.quotePrefix  # ...and marked so that editing it keeps it text


def test_characters_xml_cannot_carry_are_dropped_and_long_text_cut() -> None:
    rows = [["a\x00b\x1fc\ufffe", "x" * 40_000, " spaced "]]
    (sheet,) = _read(b"".join(xlsx_chunks(Sheet("t", HEAD), rows)))
    assert sheet[4][0] == "abc"
    assert sheet[4][1] == "x" * 32_767
    assert sheet[4][2] == " spaced "


def test_a_sheet_name_excel_would_refuse_is_made_safe() -> None:
    data = b"".join(xlsx_chunks(Sheet("Roster [2024]: a/b?*" + "x" * 40, HEAD), []))
    (name,) = load_workbook(io.BytesIO(data)).sheetnames
    assert len(name) <= 31
    assert not set(name) & set("[]:*?/\\")


def test_rows_past_the_sheet_limit_continue_on_a_new_sheet_with_the_same_header() -> None:
    rows: Iterator[list[Value]] = ([i, f"row {i}"] for i in range(25))
    data = b"".join(xlsx_chunks(Sheet("Big", HEAD), rows, max_rows=14))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Big", "Big (2)", "Big (3)"]
    sheets = _read(data)
    assert [len(s) for s in sheets] == [14, 14, 9]  # 4 header rows each, 10 + 10 + 5 rows
    for sheet in sheets:
        assert sheet[3][:2] == ["Name", "Count"]
    numbers = [r[0] for s in sheets for r in s[4:]]
    assert numbers == list(range(25))


def test_an_empty_table_is_still_a_workbook_with_its_header() -> None:
    (sheet,) = _read(b"".join(xlsx_chunks(Sheet("Empty", HEAD), [])))
    assert sheet[3][:3] == ["Name", "Count", "Day"]
    assert len(sheet) == 4


def test_rows_are_pulled_as_the_bytes_go_out_not_all_first() -> None:
    pulled = 0

    def rows() -> Iterator[list[Value]]:
        nonlocal pulled
        for i in range(10 * ROWS_PER_CHUNK):
            pulled += 1
            yield [i, "张三", date(2024, 1, 1)]

    seen = [pulled for _chunk in xlsx_chunks(Sheet("t", HEAD), rows())]
    # the first chunk leaves once the first slice of rows is read, not after the last row
    assert seen[0] <= ROWS_PER_CHUNK + 1
    assert len(seen) >= 10
    assert seen[-1] == 10 * ROWS_PER_CHUNK


def _peak(count: int) -> int:
    def rows() -> Iterator[list[Value]]:
        for i in range(count):
            yield [i, f"张{i}", "1****************X", date(2024, 1, 1), "北京市朝阳区"]

    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in xlsx_chunks(Sheet("t", HEAD), rows()))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 0
    return peak


def test_memory_does_not_grow_with_the_rows() -> None:
    # Ten times the rows (the sheet's XML ten times longer) peak at about the same memory:
    # nothing is kept but a slice of rows and the compressor's window.
    small, big = _peak(500), _peak(5_000)
    assert big < small * 1.25 + 128 * 1024, (small, big)
