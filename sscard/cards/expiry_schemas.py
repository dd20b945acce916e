"""API input and output of expiry and renewal (到期换卡)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from sscard.cards.expiry import ExpiryQuery
from sscard.cards.schemas import CounterIn


class ExpiryFilter(Schema):
    """The expiring cards' filter, as the page's query string names it."""

    expired: bool = Field(False, description="Cards run out already instead of running out")
    district: str = Field("", pattern=r"^(\d{6})?$", description="A district's division code")
    told: bool | None = None
    renewal_open: bool | None = None
    within_days: int | None = Field(None, ge=0, le=366)

    def query(self) -> ExpiryQuery:
        return ExpiryQuery(
            expired=self.expired,
            district=self.district,
            told=self.told,
            renewal_open=self.renewal_open,
            within_days=self.within_days,
        )


class ExpiringCardOut(Schema):
    """One expiring card: the holder's name and ID number masked, the district's name beside
    its code."""

    card_id: int
    card_number: str
    generation: int
    masked_name: str
    masked_id_number: str
    district: str
    district_zh: str
    district_en: str
    valid_until: date
    days_left: int
    told: bool
    told_at: datetime | None
    holder_texted: bool
    renewal_open: bool


class RenewalNoticesOut(Schema):
    """What telling the holders did: cards noted, texts queued, holders without a phone, and
    cards left for later because their pack has no renewal text."""

    cards: int
    queued: int
    no_phone: int
    no_template: int


class RenewalIn(CounterIn):
    """A renewal at a counter (with the holder's ID number) or by the holder online."""

    # Without a channel: at a counter the one the counter page uses, online ``online``.
    channel: str | None = Field(default=None, max_length=32)
    pickup: str | None = Field(default=None, max_length=32)
    bank: str | None = Field(default=None, max_length=16)
    mailing_address: str = Field(default="", max_length=200)
    backup_centre_id: int | None = None
