"""API input and output of the registry. Lists carry masked identifiers only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from sscard.registry.choices import PersonCategory
from sscard.registry.models import Employer, Person


class PersonFilter(Schema):
    """A person list's search, as the persons page takes it (every filter narrows the scope)."""

    category: PersonCategory | None = None
    district: str | None = Field(None, description="Insured or household-registration district")
    name: str | None = Field(None, max_length=64, description="A whole name or its beginning")
    phone_tail: str | None = Field(
        None, description="The phone's last 4 digits (found through their keyed index)"
    )
    employer_id: int | None = None
    employer: str | None = Field(
        None, max_length=200, description="A part of the employer's name, or its credit code"
    )
    status: str | None = Field(
        None,
        description="Where the person's card or application stands: no_card, "
        "application_open, card_being_made, card_at_outlet, card_not_enabled, card_enabled, "
        "card_blocked",
    )


class PersonSearchIn(PersonFilter):
    """The same search with a full ID number, which goes in the body, never in a URL."""

    id_number: str | None = Field(None, min_length=1, max_length=32)


class EmployerFilter(Schema):
    district: str | None = None
    name: str | None = Field(None, max_length=200, description="A part of the name")
    credit_code: str | None = Field(
        None, max_length=18, description="The whole unified social credit code"
    )


class _PersonFields(Schema):
    id: int
    name: str
    id_number: str
    phone: str
    sex: str
    category: str
    hukou_region: str
    insured_region: str
    employer_id: int | None
    employer_name: str | None
    school_id: int | None


class PersonOut(_PersonFields):
    """A person as a list shows them: name, ID number and phone masked (张*, 1****************X),
    and no birth date (beside a masked number it would give the number away)."""

    @staticmethod
    def resolve_name(obj: Person) -> str:
        return obj.masked_name

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return obj.masked_id_number

    @staticmethod
    def resolve_phone(obj: Person) -> str:
        return obj.masked_phone

    @staticmethod
    def resolve_employer_name(obj: Person) -> str | None:
        return obj.employer.name if obj.employer_id and obj.employer else None


class PersonDetailOut(_PersonFields):
    """One person; identifiers are full only for a counter clerk or the holder themself."""

    identifiers_full: bool = Field(
        description="Whether name, id_number and phone are shown in full"
    )
    birth_date: date | None = Field(
        None,
        description="Only with identifiers in full, to a counter clerk or the holder; "
        "otherwise null (beside a masked number the birth date would give it away)",
    )
    pension_bank: str
    former_id_number: bool = Field(
        False, description="Whether the person was found by a number they held before a correction"
    )


class PersonLookupIn(Schema):
    """The ID number goes in the body, never in a URL (URLs end up in logs)."""

    id_number: str = Field(min_length=1, max_length=32)


class EmployerOut(Schema):
    id: int
    credit_code: str
    name: str
    insured_district: str
    payroll_banks: list[str]

    @staticmethod
    def resolve_payroll_banks(obj: Employer) -> list[str]:
        return [str(code) for code in obj.payroll_banks or []]


class PersonCorrectionIn(Schema):
    """A correction of one person: the fields to change (any left out or null stay as they
    are), the reason (required) and the evidence. Name, ID number, birth date and sex go to a
    second officer's approval; the others apply at once."""

    name: str | None = Field(None, max_length=64)
    id_number: str | None = Field(None, max_length=32, description="Travels only encrypted")
    birth_date: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    sex: str | None = Field(None, max_length=1, description="M or F")
    phone: str | None = Field(None, max_length=20, description="Empty removes the phone")
    address: str | None = Field(None, max_length=400)
    hukou_region: str | None = Field(None, max_length=6)
    insured_region: str | None = Field(None, max_length=6)
    category: str | None = Field(None, max_length=24)
    employer: str | None = Field(
        None, max_length=18, description="The employer's credit code; empty for none"
    )
    reason: str = Field("", max_length=500)
    evidence: str = Field("", max_length=500)


class PersonCorrectionOut(Schema):
    """What a correction did: fields written now, fields awaiting approval, each changed
    field's old and new value as an officer may read them (identifiers masked)."""

    person_id: int
    applied: list[str]
    proposed: list[str]
    changes: dict[str, list[str | None]]
    approval_id: int | None = Field(None, description="The proposal awaiting a second officer")


class PersonUpdatesNextOut(Schema):
    """What may be done with the job now (each exactly when its operation would accept it)."""

    confirm: bool
    discard: bool


class PersonUpdatesJobOut(Schema):
    """An update file's job: ``queued`` or ``running`` (poll it); ``awaiting`` with the
    preview in ``result`` (``counts``; ``rows``: per row its changes old → new, masked, and
    its refusals with their codes), to be confirmed or discarded; ``succeeded`` with what was
    applied and proposed; ``discarded``; or ``refused`` (the file as a whole: its code)."""

    id: int
    status: str
    file_name: str
    result: dict[str, Any]
    error_code: str
    error_message_zh: str
    error_message_en: str
    created_at: datetime
    finished_at: datetime | None
    next: PersonUpdatesNextOut
