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
    status: str = Field(
        description="The stored step of the batch's production (formed, personalising, "
        "personalised, exported, completed), as the operations check it. What to show a "
        "person is ``phase``, derived from it and the batch's cards, named in ``phase_name``."
    )
    phase: str = Field(
        description="Where the batch stands, as its page and its exports say: formed, "
        "personalising, personalised, exported, results_partial, results_in (made cards wait "
        "to be dispatched) or dispatched."
    )
    phase_name: str = Field(
        description="The phase's name, as the page shows it, in the language of the request."
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


class ResultJobNextOut(Schema):
    """What may be done with the job now: each exactly when its operation would accept it
    (``production.rules``), as the batch page offers its buttons."""

    confirm: bool
    discard: bool


class ResultJobOut(Schema):
    """A result file's job: poll ``status_url`` while ``status`` is ``queued`` or ``running``
    (``progress`` says how far: ``phase`` checking or importing, the counts once checked).
    Then ``succeeded`` (``result`` holds the counts, as ``ResultOut``); ``awaiting`` (the file
    would cancel and remake defective cards: ``result`` holds the counts the import would
    give; ``confirm_url`` imports it, ``discard_url`` drops it); ``discarded``; or
    ``refused`` (``error_code`` and the messages name the first wrong row, ``errors`` lists
    the wrong rows, each with its row, code and messages)."""

    id: int
    status: str
    batch_id: int
    file_name: str
    result: dict[str, Any]
    progress: dict[str, Any]
    error_code: str
    error_message_zh: str
    error_message_en: str
    errors: list[dict[str, Any]]
    created_at: datetime
    finished_at: datetime | None
    status_url: str
    confirm_url: str
    discard_url: str
    next: ResultJobNextOut
