"""Choice classes of card delivery."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShipmentMethod(models.TextChoices):
    """How a made card travels to its holder (BJ-08, SH-13)."""

    OUTLET = "outlet", _("To the pickup outlet")
    POST = "post", _("By post")
    VISIT = "visit", _("With the visiting bank team")
    REROUTE = "reroute", _("To the backup community centre")


class ShipmentStatus(models.TextChoices):
    """Where a shipment stands."""

    IN_TRANSIT = "in_transit", _("In transit")
    AT_OUTLET = "at_outlet", _("In stock at the outlet")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Delivery failed")
    HANDED_OVER = "handed_over", _("Handed over")


class PostEventKind(models.TextChoices):
    """What the post reports about a tracking number."""

    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Delivery failed")
