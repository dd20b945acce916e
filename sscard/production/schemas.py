"""API input and output of production: a batch with its progress, a factory result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class BatchNextOut(Schema):
    """The next steps the batch's page offers now: each exactly when its operation would
    accept it (``production.rules``)."""

    start: bool
    export: bool
    upload_result: bool
    dispatch: bool


class BatchOut(Schema):
    id: int
    kind: str
    channel: str
    collected_on: date
    status: str
    phase: str = Field(
        description="Where the batch stands, as its page says: formed, personalising, "
        "personalised, exported, results_partial, results_in (made cards wait to be "
        "dispatched) or dispatched."
    )
    card_count: int
    personalised: int
    produced: int
    defective: int
    to_dispatch: int
    percent_personalised: int
    created_at: datetime
    next: BatchNextOut


class ResultOut(Schema):
    id: int
    made: int
    defective: int
    unchanged: int
    remake_batch_id: int | None


class ResultJobOut(Schema):
    """A result file queued for import: poll ``status_url`` until ``finished_at`` is set; then
    ``result`` holds the counts (as ``ResultOut``), or ``error_code`` and the messages say why
    the file was refused (with its row)."""

    id: int
    status: str
    batch_id: int
    file_name: str
    result: dict[str, Any]
    error_code: str
    error_message_zh: str
    error_message_en: str
    created_at: datetime
    finished_at: datetime | None
    status_url: str
