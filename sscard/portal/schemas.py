"""API input and output of the portal: the caller, import jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from sscard.core.models import ImportJob


class MeOut(Schema):
    """Who the caller is: role and scope (ids only)."""

    username: str
    role: str
    role_label: str
    district_code: str | None
    employer_id: int | None
    outlet_id: int | None
    person_id: int | None
    relying_party_id: int | None


class ImportJobOut(Schema):
    id: int
    kind: str
    file_name: str
    file_digest: str
    file_bytes: int
    status: str
    rows_read: int
    rows_inserted: int
    rows_unchanged: int
    rows_refused: int
    error_code: str
    error_message_zh: str
    error_message_en: str
    has_report: bool
    bytes_read: int
    started_at: datetime
    finished_at: datetime | None
    status_url: str

    @staticmethod
    def resolve_has_report(obj: ImportJob) -> bool:
        return bool(obj.report_path)

    @staticmethod
    def resolve_status_url(obj: ImportJob) -> str:
        """Where to poll the job while it is queued or runs."""
        return reverse("api:imports_get", kwargs={"job_id": obj.pk})


class AccessEventOut(Schema):
    """One look at the holder's record by someone else: who (role, outlet, bank, by name),
    when, which parts of the record, for what service."""

    at: datetime
    role: str
    role_label: str
    outlet_name: str
    bank_name: str
    purpose: str
    purpose_label: str
    fields: list[str]
    field_labels: list[str]


class IssuedTokenOut(Schema):
    """A party the file registered and its token: the only time the token is shown."""

    code: str
    name: str
    kind: str
    district: str
    username: str
    token: str


class OnboardingOut(Schema):
    """What a relying parties file did (all or nothing)."""

    rows: int
    unchanged: int
    created: list[IssuedTokenOut]


class ContactOut(Schema):
    """One entry of a pack's contact directory, in both languages (SH-17)."""

    kind: str
    name_zh: str
    name_en: str
    phone: str | None
    url: str | None
    what_zh: str
    what_en: str


class BankLineOut(Schema):
    """A partner bank's own line, by the bank's names (for "each bank's hotline")."""

    name_zh: str
    name_en: str
    hotline: str


class DirectoryOut(Schema):
    """The contact directory of one city's pack in force."""

    city: str
    pack_id: str
    title_zh: str
    title_en: str
    contacts: list[ContactOut]
    bank_lines: list[BankLineOut]


class ApprovalOut(Schema):
    """A change awaiting (or past) a second officer's approval, in words: what it is, whom it
    concerns, who proposed it and why, and whether the caller may decide or withdraw it."""

    id: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    subject_type: str
    subject_label: str
    subject_id: str
    description: str
    district_code: str
    district_name: str
    reason: str
    evidence: str
    maker_label: str
    made_at: datetime
    checker_label: str
    decided_at: datetime | None
    note: str
    result: dict[str, Any]
    may_decide: bool
    may_withdraw: bool


class ApprovalDecisionIn(Schema):
    """The checker's word: approve (and apply), or reject with a note saying why."""

    approve: bool
    note: str = Field(default="", max_length=2000)
