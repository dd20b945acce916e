"""The audit trail and the bulk-import job record, shared by every app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEvent(models.Model):
    """One append-only entry of the audit trail (审计日志), chained by SM3 to the one before.

    ``changes`` names what changed but never holds plaintext personal data: identifiers appear
    masked or as their keyed lookup index.
    """

    at = models.DateTimeField(_("at"), db_index=True)
    actor_role = models.CharField(_("actor role"), max_length=32)
    actor_label = models.CharField(_("actor"), max_length=150)
    actor_user_id = models.BigIntegerField(_("actor user id"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict)
    pack_hash = models.CharField(_("policy pack hash"), max_length=64, blank=True)
    prev_hash = models.BinaryField(_("previous hash"), max_length=32)
    hash = models.BinaryField(_("hash"), max_length=32)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_id}"


class AuditChainHead(models.Model):
    """The tip of the audit hash chain (审计链头); locking it orders concurrent appends.

    ``mac`` is HMAC-SM3, under the audit key, of the last event's id, its link and the count
    of events: without the key the head cannot be moved back to hide removed events.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.BinaryField(max_length=32, default=b"\x00" * 32)
    events = models.BigIntegerField(default=0)
    mac = models.BinaryField(max_length=32, default=b"")

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit chain at #{self.last_event_id}"


class AuditCheckpoint(models.Model):
    """An SM2-signed statement of the audit chain's tip (审计链检查点), for outside keeping.

    The signing key lives outside the database; ``public_key`` (SubjectPublicKeyInfo DER) is
    recorded so that an exported checkpoint can be checked on its own.
    """

    at = models.DateTimeField(_("at"))
    last_event_id = models.BigIntegerField(_("last event id"))
    last_hash = models.BinaryField(_("last link"), max_length=32)
    events = models.BigIntegerField(_("events"))
    signature = models.BinaryField(_("SM2 signature"), max_length=80)
    public_key = models.BinaryField(_("SM2 public key"), max_length=128)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"audit checkpoint at #{self.last_event_id} ({self.events} events)"


class ImportJob(models.Model):
    """A bulk import of one file (批量导入任务): what it read, what it wrote, what it refused."""

    class Kind(models.TextChoices):
        PERSONS = "persons", _("Persons")
        EMPLOYERS = "employers", _("Employers")
        SCHOOLS = "schools", _("Schools")
        OUTLETS = "outlets", _("Outlets")
        LEGACY_CARDS = "legacy_cards", _("Cards of the legacy system")
        DEPARTURES = "departures", _("Deaths and departures (civil affairs)")
        PERSON_UPDATES = "person_updates", _("Updates of persons")

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import job", "Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIAL = "partial", _("Done, some rows refused")
        REFUSED = "refused", _("File refused")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_digest = models.CharField(_("file SM3 digest"), max_length=64, db_index=True)
    file_bytes = models.BigIntegerField(_("file size"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    rows_read = models.BigIntegerField(_("rows read"), default=0)
    rows_inserted = models.BigIntegerField(_("rows inserted"), default=0)
    rows_unchanged = models.BigIntegerField(_("rows unchanged"), default=0)
    rows_refused = models.BigIntegerField(_("rows refused"), default=0)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    # Why a file was refused as a whole, located (row, cell, columns), in both languages.
    error_message_zh = models.TextField(_("error (Chinese)"), blank=True)
    error_message_en = models.TextField(_("error (English)"), blank=True)
    report_path = models.CharField(_("error report"), max_length=500, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=32)
    actor_label = models.CharField(_("actor"), max_length=150)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Where the import runs and that it still does: a running job whose process is gone on
    # this host, or whose heartbeat is stale, was killed and is marked failed by the next one.
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    # Chunks commit one by one; a rerun of the same file (same digest) resumes after this row.
    rows_committed = models.BigIntegerField(_("last committed row"), default=0)
    # How far into the file the import has read (its progress against ``file_bytes``).
    bytes_read = models.BigIntegerField(_("bytes read"), default=0)
    # The uploaded file waiting in the data directory for the background import to read it
    # (empty once read: it holds personal data in the clear; the job keeps its SM3 digest).
    spool_path = models.CharField(_("spooled upload"), max_length=500, blank=True)
    chunks_committed = models.IntegerField(_("chunks committed"), default=0)
    resumed_from = models.ForeignKey(
        "self",
        verbose_name=_("resumes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resumed_by",
    )

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.file_name} ({self.status})"


class BackgroundJob(models.Model):
    """Work a page or the API started off the request (后台任务), e.g. an uploaded file a task
    reads: who started it, on what, how it ended. (Bulk imports have their own record,
    ``ImportJob``, with their counts and their resumption.)"""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import job", "Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        REFUSED = "refused", _("File refused")
        FAILED = "failed", _("Failed")
        # The work checked its file and waits for a person's word before it goes on (e.g. a
        # result file that would cancel and remake cards); the file is kept until then.
        AWAITING = "awaiting", _("Awaiting confirmation")
        DISCARDED = "discarded", _("Discarded")

    kind = models.CharField(_("kind"), max_length=32)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    # Who started it, role and scope (``Actor``): the task acts on their behalf.
    actor = models.JSONField(_("actor"), default=dict)
    # What the work is given besides the file (e.g. the day it counts as done on).
    params = models.JSONField(_("parameters"), default=dict)
    actor_label = models.CharField(_("actor"), max_length=150)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_digest = models.CharField(_("file SM3 digest"), max_length=64, blank=True)
    file_bytes = models.BigIntegerField(_("file size"), default=0)
    # The upload waiting in the data directory for the task; empty once read.
    spool_path = models.CharField(_("spooled upload"), max_length=500, blank=True)
    result = models.JSONField(_("result"), default=dict)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error_message_zh = models.TextField(_("error (Chinese)"), blank=True)
    error_message_en = models.TextField(_("error (English)"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Where it runs: a running job whose process is gone on this host is queued again.
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["object_type", "object_id", "kind"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.object_type}:{self.object_id} ({self.status})"


class CalendarYear(models.Model):
    """A year's official holiday schedule loaded by the bureau (年度放假安排, with 调休).

    It extends, or for its year replaces, the years the ``chinesecalendar`` package ships.
    Dates are stored as ISO strings; ``file_digest`` is the SM3 of the file as loaded.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    holidays = models.JSONField(_("holidays"), default=list)
    working_weekends = models.JSONField(_("make-up working days"), default=list)
    source = models.CharField(_("source"), max_length=300)
    example = models.BooleanField(_("example, not official"), default=False)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_digest = models.CharField(_("file SM3 digest"), max_length=64)
    loaded_by = models.CharField(_("loaded by"), max_length=150)
    loaded_by_role = models.CharField(_("loaded by role"), max_length=32)
    loaded_by_user_id = models.BigIntegerField(null=True, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"))

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} ({self.source})"


class MilestoneKind(models.TextChoices):
    """What a milestone records: one step of a person's way to the new card (issue 13)."""

    ELIGIBLE = "eligible", _("Eligible")
    INVITED = "invited", _("Notified or invited")
    APPLIED = "applied", _("Applied")
    WITHDRAWN = "withdrawn", _("Application withdrawn")
    ORDERED = "ordered", _("Card ordered")
    MADE = "made", _("Card made")
    ISSUED = "issued", _("Card issued")
    ENABLED = "enabled", _("Card enabled")
    OLD_VOIDED = "old_voided", _("Old card void")


class Milestone(models.Model):
    """One dated event of the campaign (里程碑): append-only, written in the transaction of the
    event itself by ``sscard.core.milestones``, never changed afterwards.

    The bureau's statistics are counts of these rows up to a day, so a past day's figure never
    changes when later work happens. Each row keeps a snapshot of what the figures are broken
    down by, as it stood at the event: the person's district (insured, else household
    registration), the channel, the policy group the decision placed the person in, the bank,
    the employer, the outlet. The ids are plain numbers, not foreign keys: core sits below the
    apps they point into, and a milestone outlives any row it names.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=MilestoneKind.choices)
    day = models.DateField(_("day"))
    at = models.DateTimeField(_("at"))
    city_code = models.CharField(_("city"), max_length=6)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    group = models.CharField(_("group"), max_length=64, blank=True, db_column="group_code")
    bank_code = models.CharField(_("bank"), max_length=16, blank=True)
    employer_id = models.BigIntegerField(_("employer"), null=True, blank=True)
    outlet_id = models.BigIntegerField(_("outlet"), null=True, blank=True)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)
    application_id = models.BigIntegerField(_("application"), null=True, blank=True)
    card_id = models.BigIntegerField(_("card"), null=True, blank=True)
    # The campaign a person was found eligible in or invited by: once per campaign each.
    campaign_id = models.BigIntegerField(_("campaign"), null=True, blank=True)
    # The person's first milestone of this kind (the funnel counts persons by it), and, for a
    # step of the funnel, the days since the person's first milestone of the step before (when
    # there was one by then): set when written, so the funnel is counted, never joined.
    first = models.BooleanField(_("the person's first of its kind"), default=False)
    gap_days = models.IntegerField(_("days since the step before"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [
            models.Index(fields=["city_code", "kind", "day"], name="milestone_city_kind_day"),
            models.Index(
                fields=["city_code", "kind", "district_code", "day"],
                name="milestone_city_kind_district",
            ),
            models.Index(
                fields=["city_code", "kind", "employer_id", "day"], name="milestone_employer"
            ),
            models.Index(fields=["person_id", "kind"], name="milestone_person_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign_id", "kind", "person_id"],
                condition=models.Q(kind__in=["eligible", "invited"]),
                name="milestone_once_per_campaign",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.city_code}/{self.district_code}"


class MilestoneTally(models.Model):
    """Milestones counted by day and by what the figures break them down by (汇总): the
    statistics read these instead of the millions of milestones they sum up.

    Append-only like the milestones: each refresh (``core.milestones.milestone_tallies_refresh``)
    adds the counts of the milestones written since the last one (ids up to
    ``MilestoneTallyMark.last_id``), so one key may have several rows and a figure is their
    sum, plus the milestones newer than the mark, counted directly.
    """

    city_code = models.CharField(_("city"), max_length=6)
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=16, choices=MilestoneKind.choices)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    channel = models.CharField(_("channel"), max_length=32, blank=True)
    group = models.CharField(_("group"), max_length=64, blank=True, db_column="group_code")
    bank_code = models.CharField(_("bank"), max_length=16, blank=True)
    first = models.BooleanField(_("the person's first of its kind"), default=False)
    n = models.BigIntegerField(_("milestones"))

    class Meta:
        verbose_name = _("milestone tally")
        verbose_name_plural = _("milestone tallies")
        indexes = [
            models.Index(fields=["city_code", "kind", "day"], name="tally_city_kind_day"),
            # a district officer's figures: without it every tally of the city is read and
            # all but the district's thrown away
            models.Index(
                fields=["city_code", "district_code", "kind", "day"],
                name="tally_district_kind_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.city_code}/{self.district_code}: {self.n}"


class MilestoneGapTally(models.Model):
    """The funnel's days between steps, counted (for the median): persons whose first
    milestone of ``kind`` came ``gap_days`` after their first of the step before."""

    city_code = models.CharField(_("city"), max_length=6)
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=16, choices=MilestoneKind.choices)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    group = models.CharField(_("group"), max_length=64, blank=True, db_column="group_code")
    gap_days = models.IntegerField(_("days since the step before"))
    n = models.BigIntegerField(_("persons"))

    class Meta:
        verbose_name = _("milestone gap tally")
        verbose_name_plural = _("milestone gap tallies")
        indexes = [models.Index(fields=["city_code", "kind", "day"], name="gaptally_city_kind_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} +{self.gap_days}d: {self.n}"


class MilestoneTallyMark(models.Model):
    """How far the tallies go: every milestone with an id up to ``last_id`` is counted in them
    (one row; locking it orders refreshes)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(_("counted up to milestone"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone tally mark")
        verbose_name_plural = _("milestone tally marks")

    def __str__(self) -> str:
        return f"tallies up to milestone #{self.last_id}"


class Approval(models.Model):
    """A change one officer proposed and a second must approve (maker-checker, 双人复核).

    What the change is lives in ``payload`` (no clear personal identifier); a value that must
    stay secret until applied (a corrected ID number) is kept SM4-wrapped in ``secret``. The
    kind's applier, registered by the app that owns the change, applies it in the transaction
    that records the approval.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPLIED = "applied", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn by its maker")

    kind = models.CharField(_("kind"), max_length=32)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    subject_type = models.CharField(_("object type"), max_length=64)
    subject_id = models.CharField(_("object id"), max_length=64)
    # Who may see and decide it: the officers of this city and, for a district officer, of
    # this district (blank: the whole city).
    city_code = models.CharField(_("city"), max_length=6, blank=True)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    payload = models.JSONField(_("what is proposed"), default=dict)
    secret = models.BinaryField(_("wrapped value"), null=True, editable=False)
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence"), blank=True)
    maker = models.JSONField(_("maker"), default=dict)
    maker_label = models.CharField(_("proposed by"), max_length=150)
    made_at = models.DateTimeField(_("proposed at"))
    checker_label = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    result = models.JSONField(_("result"), default=dict)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        indexes = [
            models.Index(fields=["state", "city_code", "district_code"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=models.Q(state="pending"),
                name="one_pending_approval_per_subject",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.subject_type}:{self.subject_id} ({self.state})"
