"""API input and output of deaths and departures (死亡、出国（境）定居、转出本市登记)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class DepartureIn(Schema):
    """A death, emigration or transfer out to record: its kind, effective date, reference (a
    death certificate's number, a file's reference) and, for a transfer, the city it goes to."""

    kind: str = Field(..., description="death, emigration or transfer_out")
    on: date | None = Field(None, description="The effective date (YYYY-MM-DD)")
    reference: str = Field("", max_length=200)
    destination_city: str = Field("", max_length=6, description="A transfer's destination")


class DepartureReversalIn(Schema):
    """Why the departure was recorded in error, for the officer who approves its reversal."""

    reason: str = Field("", max_length=500)
    evidence: str = Field("", max_length=500)


class DepartureFilter(Schema):
    """The list of departures' filter, as its page's query string names it."""

    kind: str = Field("", pattern=r"^(death|emigration|transfer_out)?$")
    since: date | None = None
    until: date | None = None
    standing: bool | None = Field(None, description="Only those in force (true), or reversed")


class DepartureOut(Schema):
    """One recorded departure: the person's name and ID number masked, names beside codes."""

    id: int
    person_id: int
    masked_name: str
    masked_id_number: str
    kind: str
    kind_name: str
    on: date
    destination_city: str
    destination_name: str
    source: str
    source_name: str
    reference: str
    district: str
    district_name: str
    recorded_by: str
    recorded_at: datetime
    cards_cancelled: int
    applications_withdrawn: int
    messages_stopped: int
    reversed_at: datetime | None
    reversed_by: str


class DepartureReversalOut(Schema):
    """The proposal awaiting a second officer (see ``/approvals``)."""

    approval_id: int
    state: str


class DepartureImportOut(Schema):
    """What a civil-affairs file did beyond its rows."""

    job_id: int
    recorded: int
    cards_cancelled: int
    applications_withdrawn: int
    messages_stopped: int
