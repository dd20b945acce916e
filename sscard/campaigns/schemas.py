"""API input and output of campaigns and decisions."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class CampaignOut(Schema):
    id: int
    city_code: str
    pack_id: str
    pack_hash: str
    title: str
    status: str
    in_force_from: datetime
    in_force_until: datetime | None
    put_in_force_by: str


class PutInForceIn(Schema):
    pack_id: str = Field(description="A pack shipped with sscard, e.g. beijing-2024")


class DecisionIn(Schema):
    id_number: str = Field(description="The person's full ID number (travels in the body only)")
    action: str = Field(description="first | migrate | replace_lost | replace_damaged | collective")
    channel: str
    day: date
    bank: str | None = None
    pickup: str | None = None


class DecisionOut(Schema):
    allowed: bool
    reason_code: str
    message_zh: str
    message_en: str
    pack_id: str
    pack_hash: str
    phase_id: str | None
    rule_id: str | None
    clause: str | None
    card_generation: int | None
    pickup_methods: list[str]
    banks: list[str]
    bank_default: str | None
    due_date: date | None
    due_rule: str | None
    redirect_to: str | None


class GroupFigureOut(Schema):
    id: str
    title_zh: str
    title_en: str
    in_group: int = Field(
        description="This group's own members. Groups overlap (a person in two groups is in "
        "both), so these figures do not add up to `people`."
    )


class DistrictFigureOut(Schema):
    district: str
    name: str = Field(description="The district's name in the language asked for")
    people: int = Field(description="Persons in any of the groups, each counted once")
    in_group: dict[str, int] = Field(
        description="Each group's own members in the district, by group id (they overlap)"
    )


class EligibilityOut(Schema):
    campaign_id: int
    city_code: str
    pack_id: str
    day: date
    people: int = Field(
        description="Persons in any of the groups a rule in force allows something for, each "
        "counted once however many groups they are in"
    )
    groups: list[GroupFigureOut]
    districts: list[DistrictFigureOut]


class SchoolOut(Schema):
    code: str
    name: str
    district: str
    kind: str
    notified_on: date | None = Field(description="The day of the school's notice (SH-09)")
    pupils: int
    may_notify: bool = Field(
        description="Whether the caller may record this school's notice now (same rule as the "
        "POST /schools/notices operation)"
    )


class SchoolPageOut(Schema):
    count: int
    items: list[SchoolOut]


class SchoolNoticeIn(Schema):
    """One school (``school_code``) or every school of a district (``district_code``)."""

    school_code: str | None = Field(None, description="A school's 10-digit code")
    district_code: str | None = Field(None, description="A district's 6-digit code (分区分批)")
    notified_on: date = Field(description="The day of the notice; not later than today")


class SchoolNoticeOut(Schema):
    notified_on: date
    district: str
    school_codes: list[str]
    messages: int = Field(description="Texts queued to the pupils' parents")


class OutreachFilterIn(Schema):
    """Whom a round selects among the eligible who have not applied (each optional)."""

    group: str = ""
    district_code: str = ""
    employer_id: int | None = None
    age_min: int | None = None
    age_max: int | None = None


class OutreachPreviewOut(Schema):
    """How many the round would select, remind, and skip by reason (nothing is sent)."""

    selected: int
    to_remind: int
    skipped: dict[str, int]


class OutreachRoundOut(Schema):
    id: int
    kind: str
    kind_name: str
    status: str
    status_name: str
    day: date
    target: str
    filters: dict[str, object]
    previewed: int
    selected: int
    sent: int
    skipped: dict[str, int]
    releases_from: datetime | None
    releases_until: datetime | None
    created_by: str
    reminded: int
    applied_since: int
    conversion: float | None
    may_resume: bool
