"""Refusals of an imported file as a whole, and of a row whatever is imported; each listed once
with both messages."""

from __future__ import annotations

from collections.abc import Mapping

from sscard.core.errors import ApplicationError, ErrorCode


class FileRefused(ApplicationError):
    """The file as a whole cannot be imported; nothing was written."""


class ImportErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    FILE_EMPTY = ("file_empty", 400, "文件为空。", "The file is empty.")
    FILE_ENCODING_UNSUPPORTED = (
        "file_encoding_unsupported",
        400,
        "文件编码不受支持或无法识别：请另存为 UTF-8 或 GB18030（GBK）编码的 CSV。",
        "The file's encoding is not supported or not recognised: save it as UTF-8 or "
        "GB18030 (GBK) CSV.",
    )
    FILE_ENCODING_INCONSISTENT = (
        "file_encoding_inconsistent",
        400,
        "第 {row} 行附近的字节不是 {encoding} 编码，文件未导入。",
        "Bytes near row {row} are not {encoding}; nothing was imported.",
    )
    FILE_CSV_MALFORMED = (
        "file_csv_malformed",
        400,
        "第 {row} 行不是合法的 CSV：{problem}",
        "Row {row} is not valid CSV: {problem}",
    )
    XLSX_INVALID = (
        "xlsx_invalid",
        400,
        "无法读取该 XLSX 文件（文件损坏，或其中没有工作表）。",
        "The XLSX file cannot be read (it is damaged, or holds no sheet).",
    )
    XLSX_MERGED_CELLS = (
        "xlsx_merged_cells",
        400,
        "表格含有合并单元格：请取消合并后再导入。",
        "The sheet has merged cells: unmerge them and import again.",
    )
    XLSX_FORMULA = (
        "xlsx_formula",
        400,
        "单元格 {cell} 含有公式：请将公式转换为数值后再导入。",
        "Cell {cell} holds a formula: convert formulas to values and import again.",
    )
    COLUMNS_MISSING = (
        "columns_missing",
        400,
        "缺少列：{missing}。",
        "Missing columns: {missing}.",
    )
    COLUMNS_UNKNOWN = (
        "columns_unknown",
        400,
        "多出或重复的列：{extra}。",
        "Unknown or repeated columns: {extra}.",
    )
    ROW_FIELD_COUNT = (
        "row_field_count",
        422,
        "该行有 {cells} 列，表头有 {width} 列。",
        "The row has {cells} cells; the header has {width}.",
    )

    def refused(
        self, values: Mapping[str, object] | None = None, /, **details: object
    ) -> FileRefused:
        """This refusal of the whole file: ``values`` fill the messages, ``details`` go to the
        client (both the same when ``values`` is not given)."""
        zh, en = self.text(**(details if values is None else values))
        return FileRefused(self.code, zh, en, dict(details), status=self.status)
