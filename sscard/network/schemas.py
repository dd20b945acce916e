"""API input and output of the service network."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from sscard.network.choices import OutletKind, RelyingPartyKind
from sscard.network.models import Outlet


class OutletFilter(Schema):
    kind: OutletKind | None = None
    district: str | None = None
    bank: str | None = Field(None, description="The bank's code (e.g. ICBC)")


class BankOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    hotline: str


class OutletOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    bank_code: str | None
    district: str
    instant_issuance: bool
    address: str

    @staticmethod
    def resolve_bank_code(obj: Outlet) -> str | None:
        return obj.bank.code if obj.bank_id and obj.bank else None


class RelyingPartyFilter(Schema):
    kind: RelyingPartyKind | None = None
    district: str | None = None


class RelyingPartyOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    district: str
    contact: str
    onboarded_at: datetime | None
