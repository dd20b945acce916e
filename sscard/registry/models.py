"""Persons, employers, schools and administrative divisions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.core.models import ImportJob
from sscard.kernel import masks
from sscard.registry.choices import (
    DepartureKind,
    DepartureSource,
    DivisionLevel,
    IdKind,
    PersonCategory,
    SchoolKind,
    Sex,
)


class Division(models.Model):
    """An administrative division (行政区划), province-level or district, by its real code."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    abolished = models.BooleanField(_("abolished"), default=False)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Employer(models.Model):
    """An insured employer (参保单位), known by its unified social credit code."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    insured_district = models.CharField(_("insured district"), max_length=6, db_index=True)
    payroll_banks = models.JSONField(_("payroll banks"), default=list, blank=True)
    source_digest = models.BinaryField(max_length=16, editable=False)
    import_job = models.ForeignKey(
        ImportJob, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    """A school or kindergarten (学校/幼儿园) whose pupils may apply through their parents."""

    code = models.CharField(_("school code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)
    district = models.CharField(_("district"), max_length=6, db_index=True)
    kind = models.CharField(_("kind"), max_length=24, choices=SchoolKind.choices)
    # The day the school was told to start its pupils' applications (SH-09); set by the
    # campaign's school notices. Eligibility predicates test it (``school_notified``).
    notified_on = models.DateField(_("notified on"), null=True, blank=True)
    source_digest = models.BinaryField(max_length=16, editable=False)
    import_job = models.ForeignKey(
        ImportJob, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A person of the social insurance registry (参保人员及户籍人员).

    The ID number and phone are stored SM4-encrypted (``*_enc``) and found through a keyed SM3
    index (``*_index``; the phone's last four digits have one too); the masked forms are kept
    for display so that pages never decrypt. The name is plain, indexed for a prefix search.
    """

    id_number_index = models.BinaryField(max_length=16, unique=True, editable=False)
    id_number_enc = models.BinaryField(editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    id_kind = models.CharField(_("ID kind"), max_length=24, choices=IdKind.choices)
    upgraded_from_15 = models.BooleanField(_("upgraded from a 15-digit ID"), default=False)
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    phone_index = models.BinaryField(max_length=16, null=True, editable=False, db_index=True)
    phone_enc = models.BinaryField(null=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=11, blank=True)
    # The keyed index of the phone's last four digits (``core.crypto.phone_tail_index``), for
    # a search by them within a scope; written with the phone, recomputed by key rotation.
    phone_tail_index = models.BinaryField(max_length=16, null=True, editable=False)
    hukou_region = models.CharField(_("household registration region"), max_length=6, blank=True)
    insured_region = models.CharField(_("insured region"), max_length=6, blank=True)
    category = models.CharField(_("category"), max_length=24, choices=PersonCategory.choices)
    employer = models.ForeignKey(
        Employer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("employer"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pupils",
        verbose_name=_("school"),
    )
    guardian = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wards",
        verbose_name=_("guardian"),
    )
    pension_bank = models.CharField(_("pension bank"), max_length=16, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Set with the person's standing ``Departure`` (death, emigration, transfer out) and cleared
    # when it is reversed: selectors exclude departed persons with this column alone.
    departed_on = models.DateField(_("departed on"), null=True, blank=True)
    # A database default: the persons import writes its rows by COPY, naming its own columns.
    departure_kind = models.CharField(
        _("departure"),
        max_length=16,
        choices=DepartureKind.choices,
        blank=True,
        default="",
        db_default="",
    )
    source_digest = models.BinaryField(max_length=16, editable=False)
    import_job = models.ForeignKey(
        ImportJob, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["insured_region", "category"]),
            models.Index(fields=["hukou_region", "category"]),
            # ``varchar_pattern_ops`` on PostgreSQL: the B-tree serves ``LIKE '张%'`` (a name's
            # prefix) whatever the database's collation; other backends ignore the class.
            models.Index(
                fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["phone_tail_index"], name="person_phone_tail"),
            models.Index(
                fields=["departed_on"],
                name="person_departed_on",
                condition=models.Q(departed_on__isnull=False),
            ),
            # Card verification joins the card's holder by id and reads these two columns of
            # it only: from this index alone on PostgreSQL (an Index Only Scan, with the
            # card's ``card_verification``; other databases ignore INCLUDE).
            models.Index(
                fields=["id"], include=["id_number_index", "name"], name="person_verification"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.masked_name} {self.masked_id_number}"

    @property
    def masked_name(self) -> str:
        """张*, 欧阳** — the surname stays, the given name is hidden (``kernel.masks``)."""
        return masks.mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        """``1****************X``, whatever rule the stored masked form was written under."""
        return masks.mask_id_number(self.id_number_masked)

    @property
    def masked_phone(self) -> str:
        """``*******1234`` (or empty), whatever rule the stored masked form was written under."""
        return masks.mask_phone(self.phone_masked)


class FieldKeyRetirement(models.Model):
    """A field-key version retired after rotation (已停用的字段密钥版本): no longer accepted."""

    version = models.PositiveSmallIntegerField(_("key version"), unique=True)
    retired_at = models.DateTimeField(_("retired at"))
    retired_by = models.CharField(_("retired by"), max_length=150)

    class Meta:
        verbose_name = _("retired field key")
        verbose_name_plural = _("retired field keys")

    def __str__(self) -> str:
        return f"v{self.version}"


class FormerIdentifier(models.Model):
    """An ID number a person was known by before a correction (曾用身份证件号码).

    Stored as the person's own number is (SM4-encrypted, keyed SM3 index, masked form), so a
    lookup by the old number still finds the person and a key rotation re-keys it too. The
    index is unique: a number is nobody's former number twice, and a correction to a number
    that is someone's former one is refused.
    """

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="former_identifiers",
        verbose_name=_("person"),
    )
    id_number_index = models.BinaryField(max_length=16, unique=True, editable=False)
    id_number_enc = models.BinaryField(editable=False)
    id_number_masked = models.CharField(_("former ID number"), max_length=18)
    until = models.DateTimeField(_("in use until"))
    # The approval (``core.Approval``) that replaced the number; a plain id, so the registry's
    # migrations do not wait on the approvals framework's.
    approval_id = models.PositiveBigIntegerField(_("approval"), null=True, blank=True)

    class Meta:
        verbose_name = _("former identifier")
        verbose_name_plural = _("former identifiers")
        ordering = ["-until", "-pk"]

    def __str__(self) -> str:
        return self.masked_id_number

    @property
    def masked_id_number(self) -> str:
        return masks.mask_id_number(self.id_number_masked)


class Departure(models.Model):
    """A person's death, emigration or transfer out of the city's programme (死亡、出国（境）定居、
    转出本市): it cancels their cards and stops every text to them.

    At most one standing (not reversed) departure per person; ``Person.departed_on`` mirrors
    it. A departure is undone only by an approved reversal (``departure_reversal``), which
    marks it reversed and keeps it. The counts say what recording it did.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="departures", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DepartureKind.choices)
    # The city (6-digit division code) a transfer goes to; empty for the other kinds.
    destination_city = models.CharField(_("destination city"), max_length=6, blank=True)
    on = models.DateField(_("effective date"))
    source = models.CharField(_("source"), max_length=24, choices=DepartureSource.choices)
    # The death certificate's or the civil-affairs file's reference.
    reference = models.CharField(_("reference"), max_length=64)
    import_job = models.ForeignKey(
        ImportJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import job"),
    )
    # The person's district when it was recorded (insured, else household registration): the
    # scope of the list of departures.
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=150)
    recorded_by_role = models.CharField(_("recorded by role"), max_length=32)
    recorded_at = models.DateTimeField(_("recorded at"))
    cards_cancelled = models.PositiveIntegerField(_("cards cancelled"), default=0)
    applications_withdrawn = models.PositiveIntegerField(_("applications withdrawn"), default=0)
    messages_stopped = models.PositiveIntegerField(_("messages stopped"), default=0)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.CharField(_("reversed by"), max_length=150, blank=True)
    # The approval (``core.Approval``) that reversed it; a plain id, as on ``FormerIdentifier``.
    reversal_approval_id = models.PositiveBigIntegerField(
        _("reversal approval"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            # Two officers (or a file and an officer) recording one person at once: one wins.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(reversed_at__isnull=True),
                name="one_standing_departure_per_person",
            ),
        ]
        indexes = [models.Index(fields=["district_code", "on"], name="departure_district_on")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.on}"
