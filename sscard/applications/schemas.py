"""API input and output of applications, collective applications and staff confirmation."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class ApplicationIn(Schema):
    """One person's application. Clerks name the person by full ID number (in the body only);
    a holder applies for themself (no person) or, as a parent, for a child (``person_id``)."""

    id_number: str | None = Field(None, description="The applicant's full ID number (clerks)")
    person_id: int | None = Field(None, description="A holder's child (parent_online)")
    channel: str = Field(
        description="online | parent_online | bank_outlet | instant_outlet | community_centre | "
        "enterprise_point | community_stall | home_visit"
    )
    action: str = Field(description="first | migrate | replace_lost | replace_damaged")
    day: date
    photo_source: str = Field(description="A photo source of the pack: id_card, ...")
    photo_id: int | None = None
    bank: str | None = None
    pickup: str | None = None
    mailing_address: str = Field("", max_length=200)
    backup_centre_id: int | None = None


class ApplicationOut(Schema):
    id: int
    person_id: int
    person_name: str
    applicant_id: int | None
    channel: str
    action: str
    status: str
    applied_on: date
    bank_code: str
    pickup: str
    outlet_id: int | None
    backup_centre_id: int | None
    photo_source: str
    collective_id: int | None
    pack_id: str
    pack_hash: str
    phase_id: str
    rule_id: str
    clause: str
    reason_code: str
    card_generation: int | None
    due_date: date | None
    due_date_pending: bool
    taken_by: str
    submitted_at: datetime

    @staticmethod
    def resolve_person_name(obj: object) -> str:
        person = getattr(obj, "person", None)
        return str(getattr(person, "masked_name", ""))


class PhotoOut(Schema):
    id: int
    digest: str
    source: str
    width: int
    height: int
    bytes: int


class CollectiveOpenIn(Schema):
    day: date
    employer_id: int | None = Field(None, description="Bank clerks: the employer they act for")


class CollectiveArrangeIn(Schema):
    day: date
    pickup: str
    bank: str | None = None
    outlet_id: int | None = None


class DayIn(Schema):
    day: date


class RosterAddIn(Schema):
    day: date
    person_ids: list[int] | None = Field(None, description="Omit for all insured staff")


class RosterResultOut(Schema):
    added: int
    already: int
    refused: dict[str, int]
    refused_total: int
    report_path: str


class RosterJobOut(Schema):
    """A roster file queued to be read: poll ``status_url`` until ``finished_at`` is set; then
    ``result`` says what it did, or ``error_code`` and the messages why it was refused."""

    id: int
    status: str
    collective_id: int
    file_name: str
    result: RosterResultOut | None
    error_code: str
    error_message_zh: str
    error_message_en: str
    created_at: datetime
    finished_at: datetime | None
    status_url: str


class CollectiveOut(Schema):
    id: int
    employer_id: int
    employer_name: str
    channel: str
    step: str
    applied_on: date
    bank_code: str
    pickup: str
    pickup_outlet_id: int | None
    taken_at_outlet_id: int | None
    opened_by: str
    opened_by_role: str
    submitted_by: str
    submitted_at: datetime | None
    submitted_count: int
    pack_id: str
    rule_id: str
    clause: str
    card_generation: int | None
    due_date: date | None
    due_date_pending: bool

    @staticmethod
    def resolve_employer_name(obj: object) -> str:
        # An answer is also built from an answer already resolved (a dict, or this schema
        # nested in another): keep the name it carries instead of losing it.
        if isinstance(obj, dict):
            return str(obj.get("employer_name") or "")
        if isinstance(obj, Schema):
            return str(getattr(obj, "employer_name", ""))
        return str(getattr(getattr(obj, "employer", None), "name", ""))


class CollectiveDetailOut(CollectiveOut):
    progress: dict[str, int]


class RosterEntryOut(Schema):
    id: int
    person_id: int
    person_name: str
    id_number: str
    status: str
    phone_masked: str
    photo_source: str
    backup_centre_id: int | None
    reminders: int
    invited_at: datetime | None
    confirmed_at: datetime | None
    not_applicable: str = Field(
        "",
        description="Why the person is left out of the collective application: "
        "card_already_held | application_already_open (empty when applicable)",
    )
    not_applicable_reason: str = Field("", description="The same, as a person reads it")


class SubmitOut(Schema):
    collective: CollectiveOut
    submitted: int
    unconfirmed: int
    already_open: int
    already_held: int = Field(0, description="Confirmed staff left out: they already hold a card")


class InvitationOut(Schema):
    id: int
    collective_id: int
    employer_name: str
    step: str
    pickup: str
    status: str
    phone_masked: str
    photo_source: str
    backup_centre_id: int | None
    confirmed_at: datetime | None


class ConfirmIn(Schema):
    day: date
    phone: str = Field(description="A mainland mobile number, 11 digits")
    photo_source: str
    photo_id: int | None = None
    mailing_address: str = Field("", max_length=200)
    backup_centre_id: int | None = None


class RemindOut(Schema):
    messages: int
