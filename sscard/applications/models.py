"""Card photos, applications (individual and collective) and collective rosters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.applications.choices import (
    OPEN_STATUSES,
    ApplicationStatus,
    CollectiveStep,
    PhotoOrigin,
    RosterStatus,
)
from sscard.core.calendar import CALENDAR_PENDING_REASON
from sscard.kernel import masks
from sscard.network.models import Outlet
from sscard.registry.models import Employer, Person


class Photo(models.Model):
    """A photo for a card (制卡照片), stored outside the database under its SM3 digest.

    The file is the re-encoded JPEG (metadata stripped) at
    ``SSCARD_PHOTOS_DIR/<ab>/<cd>/<digest>.jpg``; ``digest`` is the SM3 of exactly those bytes,
    so the file can be checked against its row at any time.
    """

    digest = models.CharField(_("SM3 digest"), max_length=64, unique=True)
    source = models.CharField(_("source"), max_length=24, choices=PhotoOrigin.choices)
    content_type = models.CharField(_("content type"), max_length=32)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    bytes = models.PositiveIntegerField(_("size in bytes"))
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="photos", verbose_name=_("person")
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("card photo")
        verbose_name_plural = _("card photos")

    def __str__(self) -> str:
        return f"{self.digest[:12]}… {self.width}×{self.height} ({self.source})"


class Decided(models.Model):
    """The policy decision that allowed a request, as the engine gave it (explainable later)."""

    pack_id = models.CharField(_("policy pack"), max_length=64)
    pack_hash = models.CharField(_("policy pack hash"), max_length=64)
    phase_id = models.CharField(_("phase"), max_length=64)
    rule_id = models.CharField(_("rule"), max_length=64)
    clause = models.CharField(_("clause"), max_length=32)
    reason_code = models.CharField(_("reason"), max_length=64)
    card_generation = models.PositiveSmallIntegerField(_("card generation"), null=True)
    due_date = models.DateField(_("card due by"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def due_date_pending(self) -> bool:
        """Whether the due date waits for the official calendar of its year (待官方日历公布后确定);
        ``calendar_year_load`` sets it."""
        return self.due_date is None and self.reason_code == CALENDAR_PENDING_REASON


class CollectiveApplication(Decided):
    """A collective application by an employer (单位集体申领), stepped through in BJ-06's order."""

    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="collectives", verbose_name=_("employer")
    )
    channel = models.CharField(_("channel"), max_length=32)
    step = models.CharField(
        _("step"), max_length=16, choices=CollectiveStep.choices, default=CollectiveStep.OPENED
    )
    applied_on = models.DateField(_("opened on"))
    bank_code = models.CharField(_("bank"), max_length=16, blank=True)
    pickup = models.CharField(_("pickup method"), max_length=32, blank=True)
    pickup_outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pickup outlet"),
    )
    # Offline (BJ-07): the bank outlet whose clerk acts for the employer.
    taken_at_outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken at outlet"),
    )
    opened_by = models.CharField(_("opened by"), max_length=150)
    opened_by_role = models.CharField(_("opened by role"), max_length=32)
    submitted_by = models.CharField(_("submitted by"), max_length=150, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_count = models.PositiveIntegerField(_("staff submitted"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("collective application")
        verbose_name_plural = _("collective applications")
        constraints = [
            models.UniqueConstraint(
                fields=["employer"],
                condition=~models.Q(step="submitted"),
                name="one_open_collective_per_employer",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.employer_id} ({self.step})"


class RosterEntry(models.Model):
    """One staff member on a collective application's roster (集体申领名单中的一名职工)."""

    collective = models.ForeignKey(
        CollectiveApplication,
        on_delete=models.CASCADE,
        related_name="roster",
        verbose_name=_("collective application"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RosterStatus.choices, default=RosterStatus.LISTED
    )
    # What the staff member confirmed or corrected (the registry keeps its own record).
    phone_index = models.BinaryField(max_length=16, null=True, editable=False)
    phone_enc = models.BinaryField(null=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=11, blank=True)
    mailing_address = models.CharField(_("mailing address"), max_length=200, blank=True)
    photo_source = models.CharField(_("photo source"), max_length=24, blank=True)
    photo = models.ForeignKey(
        Photo, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("photo")
    )
    backup_centre = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("backup community centre"),
    )
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        constraints = [
            models.UniqueConstraint(fields=["collective", "person"], name="one_entry_per_person")
        ]
        indexes = [models.Index(fields=["collective", "status"])]

    def __str__(self) -> str:
        return f"{self.collective_id}/{self.person_id} ({self.status})"

    @property
    def masked_phone(self) -> str:
        """The confirmed phone as shown (``*******1234``), whatever rule stored its mask."""
        return masks.mask_phone(self.phone_masked)


class Application(Decided):
    """One application for a social security card (一次社保卡申领), on any channel."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="applications", verbose_name=_("person")
    )
    # A parent applying for a child (SH-09): the parent's own identity.
    applicant = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_for_others",
        verbose_name=_("applicant"),
    )
    channel = models.CharField(_("channel"), max_length=32)
    action = models.CharField(_("action"), max_length=24)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    applied_on = models.DateField(_("applied on"))
    bank_code = models.CharField(_("bank"), max_length=16, blank=True)
    pickup = models.CharField(_("pickup method"), max_length=32)
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("outlet"),
    )
    mailing_address = models.CharField(_("mailing address"), max_length=200, blank=True)
    backup_centre = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("backup community centre"),
    )
    photo_source = models.CharField(_("photo source"), max_length=24)
    photo = models.ForeignKey(Photo, on_delete=models.PROTECT, verbose_name=_("photo"))
    collective = models.ForeignKey(
        CollectiveApplication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("collective application"),
    )
    roster_entry = models.OneToOneField(
        RosterEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("roster entry"),
    )
    taken_by = models.CharField(_("taken by"), max_length=150)
    taken_by_role = models.CharField(_("taken by role"), max_length=32)
    submitted_at = models.DateTimeField(_("submitted at"))
    # What the holder is charged for the card, in fen, as the pack's fees say (BJ-12, SH-15:
    # nothing).
    fee_fen = models.PositiveIntegerField(_("fee (fen)"), default=0)
    # The person group of the pack the decision placed the person in (the first of its rule's
    # person groups that holds for them on the day), kept for the statistics by group.
    group = models.CharField(_("policy group"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=[str(s) for s in OPEN_STATUSES]),
                name="one_open_application_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person_id} {self.channel} ({self.status})"
