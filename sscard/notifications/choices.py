"""Choice classes of the notifications."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SmsTemplate(models.TextChoices):
    """The SMS templates a pack may define (``templates:``), by what each tells the holder: the
    outbox shows this name, never the key. A pack's own new key is shown as it is."""

    APPLICATION_RECEIVED = "application_received", _("Application received")
    CONFIRM_REQUEST = "confirm_request", _("Request to confirm card data")
    CARD_READY = "card_ready", _("Card ready for collection")
    CARD_POSTED = "card_posted", _("Card posted")
    REPLACEMENT_READY = "replacement_ready", _("Replacement card ready")
    UNDELIVERABLE = "undeliverable", _("Card could not be delivered")
    SCHOOL_NOTICE = "school_notice", _("School's notice to parents")
    LOSS_REPORTED = "loss_reported", _("Loss report received")
    CAMPAIGN_REMINDER = "campaign_reminder", _("Reminder to apply for the new card")
    BOOKING_REMINDER = "booking_reminder", _("Reminder of a booked visit")
    PASSWORD_RESET = "password_reset", _("Card password reset at a counter")
