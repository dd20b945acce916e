"""Choice classes of the service network."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutletKind(models.TextChoices):
    BANK_BRANCH = "bank_branch", _("Bank branch")
    COMMUNITY_CENTRE = "community_centre", _("Community acceptance centre")
    ENTERPRISE_POINT = "enterprise_point", _("Enterprise acceptance point")
    COMMUNITY_STALL = "community_stall", _("Community stall")
    HOME_VISIT_TEAM = "home_visit_team", _("Home-visit team")


class RelyingPartyKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    PHARMACY = "pharmacy", _("Pharmacy")
    TRANSPORT = "transport", _("Transport operator")
    BANK_TERMINAL = "bank_terminal", _("Bank terminal")


class BookingPurpose(models.TextChoices):
    """What a booked visit is for (SH-10: people stagger their visits)."""

    APPLY = "apply", _("Apply for a card")
    COLLECT = "collect", _("Collect a card")
    REPLACE = "replace", _("Replace a card")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")


class BookingChannel(models.TextChoices):
    """Who made the booking: the holder (or a parent) online, or a clerk at the counter."""

    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")
