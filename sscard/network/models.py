"""Partner banks, outlets and relying parties."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.core.models import ImportJob
from sscard.network.choices import (
    BookingChannel,
    BookingPurpose,
    BookingStatus,
    OutletKind,
    RelyingPartyKind,
)


class Bank(models.Model):
    """A bank (银行) that may issue cards with a financial function."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=100)
    hotline = models.CharField(_("hotline"), max_length=20, blank=True)
    partner_cities = models.JSONField(_("partner in cities"), default=list, blank=True)

    class Meta:
        verbose_name = _("bank")
        verbose_name_plural = _("banks")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh


class Outlet(models.Model):
    """A place where applications are taken and cards handed over (服务网点/受理点)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=OutletKind.choices)
    bank = models.ForeignKey(
        Bank,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outlets",
        verbose_name=_("bank"),
    )
    district = models.CharField(_("district"), max_length=6, db_index=True)
    instant_issuance = models.BooleanField(_("instant issuance"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    source_digest = models.BinaryField(max_length=16, editable=False)
    import_job = models.ForeignKey(
        ImportJob, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RelyingParty(models.Model):
    """A hospital, pharmacy, transport operator or bank terminal that reads cards (用卡机构)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=RelyingPartyKind.choices)
    district = models.CharField(_("district"), max_length=6, blank=True)
    # Whom the bureau calls about the party's terminals (a desk or a line, never a person's ID).
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    onboarded_at = models.DateTimeField(_("onboarded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("relying party")
        verbose_name_plural = _("relying parties")

    def __str__(self) -> str:
        return self.name


class TimeSlot(models.Model):
    """One bookable time slot of an outlet on one day (错峰, SH-10): its capacity and how many
    are booked. ``booked`` only ever moves by one conditional statement (``booked < capacity``)
    so that concurrent bookings never overbook; a check constraint holds it too."""

    outlet = models.ForeignKey(
        Outlet, on_delete=models.PROTECT, related_name="slots", verbose_name=_("outlet")
    )
    day = models.DateField(_("day"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    capacity = models.PositiveIntegerField(_("capacity"))
    booked = models.PositiveIntegerField(_("booked"), default=0)
    published_by = models.CharField(_("published by"), max_length=150)
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["outlet", "day", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "day", "start"], name="slot_outlet_day_start"
            ),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"
            ),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="slot_order"
            ),
        ]
        indexes = [models.Index(fields=["day", "outlet"], name="slot_day_outlet")]

    def __str__(self) -> str:
        return f"{self.outlet_id} {self.day} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class Booking(models.Model):
    """A person's booked visit to an outlet in one time slot, made online (by the holder or a
    parent) or at the counter; a person holds at most one active booking per purpose."""

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("person"),
    )
    outlet = models.ForeignKey(
        Outlet, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("outlet")
    )
    slot = models.ForeignKey(
        TimeSlot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("time slot")
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=BookingPurpose.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    channel = models.CharField(_("channel"), max_length=16, choices=BookingChannel.choices)
    booked_by = models.CharField(_("booked by"), max_length=150)
    booked_at = models.DateTimeField(_("booked at"))
    moved_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moved_to",
        verbose_name=_("moved from"),
    )
    ended_by = models.CharField(_("cancelled or attended by"), max_length=150, blank=True)
    ended_at = models.DateTimeField(_("cancelled or attended at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=models.Q(status="booked"),
                name="booking_one_active_per_purpose",
            )
        ]
        indexes = [models.Index(fields=["outlet", "status"], name="booking_outlet_status")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.slot_id} {self.status}"
