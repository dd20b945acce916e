"""Choice classes of campaigns."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RoundKind(models.TextChoices):
    """Who sent a round of reminders (issue 14): the bureau, or an employer's HR reminding
    its staff to confirm their card data."""

    BUREAU = "bureau", _("Bureau reminder round")
    EMPLOYER = "employer", _("Employer's reminder to staff")


class RoundStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped; may be resumed")


class SkipReason(models.TextChoices):
    """Why a selected person gets no reminder in a round."""

    OPTED_OUT = "opted_out", _("Asked for no reminders")
    NO_PHONE = "no_phone", _("No mobile phone on record")
    AT_MAX = "at_max", _("Had the most reminders the policy allows")
    TOO_RECENT = "too_recent", _("Reminded too recently")
