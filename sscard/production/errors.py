"""The refusals of production's own services, each listed once with both messages.

A refusal of the factory's result file names the row it found wrong: its messages are templates
with ``{row}``, raised through :meth:`ProductionErrorCode.at_row`, which puts the row in
``details`` too. ``permission_denied`` and ``not_found`` are the shared ones of ``core.errors``.
"""

from __future__ import annotations

from typing import Any

from sscard.core.errors import ApplicationError, ErrorCode


class ProductionErrorCode(ErrorCode):
    """A stable code, its HTTP status and its messages in Chinese and English."""

    # --- a batch's way through production ----------------------------------------------------
    BATCH_NOT_STARTABLE = (
        "batch_not_startable",
        409,
        "该批次已完成个人化。",
        "This batch has been personalised already.",
    )
    BATCH_NOT_PERSONALISED = (
        "batch_not_personalised",
        409,
        "该批次尚有卡片未完成个人化，不能生成制卡文件。",
        "Some cards of this batch are not personalised yet; no factory file.",
    )
    BATCH_ALREADY_MADE = (
        "batch_already_made",
        409,
        "制卡厂已报告该批次的制作结果，不再生成制卡文件。",
        "The card factory has reported on this batch; no further file is written.",
    )
    BATCH_NOT_EXPORTED = (
        "batch_not_exported",
        409,
        "该批次尚未发往制卡厂。",
        "This batch has not been sent to the card factory.",
    )
    BATCH_RESULTS_COMPLETE = (
        "batch_results_complete",
        409,
        "制卡厂已报告该批次全部卡片的制作结果。",
        "The card factory has reported on every card of this batch already.",
    )

    # --- the factory's result file: all or nothing, the first wrong row named -----------------
    FACTORY_RESULT_ENCODING = (
        "factory_result_encoding",
        422,
        "结果文件第{row}行：文件不是UTF-8编码。整个文件未导入。",
        "Result file, row {row}: The file is not UTF-8. Nothing was imported.",
    )
    FACTORY_RESULT_HEADER = (
        "factory_result_header",
        422,
        "结果文件第{row}行：表头应为 card_number,card_id_code,outcome,defect_reason。"
        "整个文件未导入。",
        "Result file, row {row}: The header must be card_number,card_id_code,outcome,"
        "defect_reason. Nothing was imported.",
    )
    FACTORY_RESULT_CELLS = (
        "factory_result_cells",
        422,
        "结果文件第{row}行：该行无法读取（列数不对或内容过长）。整个文件未导入。",
        "Result file, row {row}: The row cannot be read (the wrong number of cells, or a cell "
        "too long). Nothing was imported.",
    )
    FACTORY_RESULT_OUTCOME = (
        "factory_result_outcome",
        422,
        "结果文件第{row}行：结果须为 made 或 defective。整个文件未导入。",
        "Result file, row {row}: The outcome must be made or defective. Nothing was imported.",
    )
    FACTORY_RESULT_EMPTY = (
        "factory_result_empty",
        422,
        "结果文件第{row}行：文件没有数据行。整个文件未导入。",
        "Result file, row {row}: The file has no rows. Nothing was imported.",
    )
    FACTORY_RESULT_OTHER_BATCH = (
        "factory_result_other_batch",
        422,
        "结果文件第{row}行：该结果文件已作为其他批次的结果导入。整个文件未导入。",
        "Result file, row {row}: This result file was imported for another batch. "
        "Nothing was imported.",
    )
    FACTORY_RESULT_CARD_UNKNOWN = (
        "factory_result_card_unknown",
        422,
        "结果文件第{row}行：该卡不在本批次中。整个文件未导入。",
        "Result file, row {row}: That card is not in this batch. Nothing was imported.",
    )
    FACTORY_RESULT_DUPLICATE = (
        "factory_result_duplicate",
        422,
        "结果文件第{row}行：同一张卡出现了两次。整个文件未导入。",
        "Result file, row {row}: The same card appears twice. Nothing was imported.",
    )
    FACTORY_RESULT_CONFLICT = (
        "factory_result_conflict",
        422,
        "结果文件第{row}行：与此前导入的结果不一致。整个文件未导入。",
        "Result file, row {row}: It contradicts a result imported before. Nothing was imported.",
    )
    FACTORY_RESULT_CARD_STATE = (
        "factory_result_card_state",
        422,
        "结果文件第{row}行：该卡不在待制作状态。整个文件未导入。",
        "Result file, row {row}: That card is not waiting to be made. Nothing was imported.",
    )
    RESULT_JOB_NOT_AWAITING = (
        "result_job_not_awaiting",
        409,
        "该结果文件不在待确认状态（已导入、已放弃、已被新上传的文件取代，或仍在检查中）。",
        "This result file is not awaiting confirmation (it was imported, discarded or replaced "
        "by a newer upload, or is still being checked).",
    )

    def at_row(self, row: int, **details: Any) -> ApplicationError:
        """This refusal of the result file at record ``row`` (``details`` carry the row too)."""
        return self.error_with({"row": row}, row=row, **details)
