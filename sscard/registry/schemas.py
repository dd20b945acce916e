"""API input and output of the registry. Lists carry masked identifiers only."""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema

from sscard.registry.choices import PersonCategory
from sscard.registry.models import Employer, Person


class PersonFilter(Schema):
    category: PersonCategory | None = None
    district: str | None = None


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
