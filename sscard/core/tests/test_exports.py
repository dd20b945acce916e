"""CSV exports: cells a spreadsheet would run as formulas are defused."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sscard.core.exports import csv_lines, safe_cell


@pytest.mark.parametrize("dangerous", ["=1+2", "+86 138", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_prefixed_with_a_quote(dangerous):
    assert safe_cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize(
    ("value", "text"),
    [("张三", "张三"), ("110105********002X", "110105********002X"), (None, ""), (42, "42")],
)
def test_ordinary_cells_are_left_alone(value, text):
    assert safe_cell(value) == text


def test_negative_numbers_are_defused_too():
    # a leading minus is how "-2+3" formulas start; the quote costs nothing
    assert safe_cell(-7) == "'-7"


def test_dates_are_iso():
    assert safe_cell(date(2024, 1, 31)) == "2024-01-31"


@given(st.text())
def test_no_cell_ever_starts_a_formula(text):
    cell = safe_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (text, "'" + text)


def test_csv_lines_start_with_a_bom_and_quote_every_cell_safely():
    lines = list(csv_lines(["name", "note"], [["张三", "=cmd|' /C calc'!A0"]]))
    assert lines[0].startswith("\ufeff")
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert rows == [["name", "note"], ["张三", "'=cmd|' /C calc'!A0"]]
