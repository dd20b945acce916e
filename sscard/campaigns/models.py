"""A policy pack put into force for a city."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.campaigns.choices import CampaignStatus, RoundKind, RoundStatus


class Campaign(models.Model):
    """A policy pack put into force for a city (换发工作): the exact pack, who, when, until when.

    Rows are never deleted: the campaigns of a city, in order, are its policy history. At most
    one campaign per city is in force at a time.
    """

    city_code = models.CharField(_("city"), max_length=6, db_index=True)
    pack_id = models.CharField(_("policy pack"), max_length=64)
    pack_hash = models.CharField(_("pack SM3 hash"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    source_text = models.TextField(_("pack as put in force"))
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.IN_FORCE
    )
    in_force_from = models.DateTimeField(_("in force from"))
    in_force_until = models.DateTimeField(_("in force until"), null=True, blank=True)
    put_in_force_by = models.CharField(_("put in force by"), max_length=150)
    ended_by = models.CharField(_("ended by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-in_force_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["city_code"],
                condition=models.Q(status="in_force"),
                name="one_campaign_in_force_per_city",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.pack_id}, {self.get_status_display()})"


class OutreachRound(models.Model):
    """A round of reminders to people eligible in a campaign who have not applied (issue 14).

    The bureau's rounds select by group, district, employer and age (``filters``), are
    previewed, then sent by a background job that writes the texts into the outbox chunk by
    chunk, spread at the pack's rate (``releases_from``): the job's checkpoint
    (``last_person_id``) commits with each chunk, so a stopped round resumes without sending
    twice. An employer's reminder to its unconfirmed staff is recorded as a round of its own.
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="outreach_rounds",
        verbose_name=_("campaign"),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=16, choices=RoundKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.QUEUED
    )
    city_code = models.CharField(_("city"), max_length=6)
    # The district the round is limited to ("" for the whole city): a district officer's own.
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    employer = models.ForeignKey(
        "registry.Employer", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("employer"),
    )  # fmt: skip
    filters = models.JSONField(_("filters"), default=dict)
    template_key = models.CharField(_("template"), max_length=64)
    day = models.DateField(_("day"))
    previewed = models.BigIntegerField(_("to be reminded when previewed"), default=0)
    selected = models.BigIntegerField(_("selected"), default=0)
    sent = models.BigIntegerField(_("reminded"), default=0)
    skipped = models.JSONField(_("skipped, by reason"), default=dict)
    releases_from = models.DateTimeField(_("texts released from"), null=True, blank=True)
    releases_until = models.DateTimeField(_("texts released until"), null=True, blank=True)
    last_person_id = models.BigIntegerField(_("last person done"), default=0)
    created_by = models.CharField(_("created by"), max_length=150)
    created_by_role = models.CharField(_("created by role"), max_length=32)
    created_at = models.DateTimeField(_("created at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder round")
        verbose_name_plural = _("reminder rounds")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["city_code", "created_at"], name="round_city_created")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.day} ({self.get_status_display()})"


class OutreachReminder(models.Model):
    """One person reminded in one round: counts the person's reminders in the campaign (the
    pack's maximum and spacing) and the round's conversion. Never two per round and person."""

    round = models.ForeignKey(
        OutreachRound, on_delete=models.PROTECT, related_name="reminders",
        verbose_name=_("round"),
    )  # fmt: skip
    campaign_id = models.BigIntegerField(_("campaign"))
    person_id = models.BigIntegerField(_("person"))
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["round", "person_id"], name="reminder_once_per_round")
        ]
        indexes = [
            models.Index(fields=["campaign_id", "person_id", "day"], name="reminder_person_day")
        ]

    def __str__(self) -> str:
        return f"round #{self.round_id} person #{self.person_id}"
