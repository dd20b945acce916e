"""The SMS outbox."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.kernel import masks
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.sms_errors import send_error_name


class OutboxMessage(models.Model):
    """An SMS waiting in or gone through the outbox (短信发件箱).

    The recipient's phone is stored SM4-encrypted with its keyed SM3 index and its masked form;
    the sender decrypts it only for the provider call. ``text`` is the final text, checked
    against the anti-fraud rules (BJ-13) before the row was written; it holds no secrets.
    ``person_id`` is a plain number: notifications sit below the registry and do not import it.
    """

    phone_index = models.BinaryField(max_length=16, editable=False, db_index=True)
    phone_enc = models.BinaryField(editable=False)
    phone_masked = models.CharField(_("phone"), max_length=11)
    person_id = models.BigIntegerField(_("person id"), null=True, blank=True, db_index=True)
    template_key = models.CharField(_("template"), max_length=64)
    text = models.TextField(_("text"))
    pack_hash = models.CharField(_("policy pack hash"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # While queued: when the sender may try. While sending: when the sender's lease runs out.
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.CharField(_("last error"), max_length=64, blank=True)
    provider = models.CharField(_("provider"), max_length=32, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.masked_phone} {self.template_key} ({self.status})"

    @property
    def masked_phone(self) -> str:
        """``*******1234``, whatever rule stored the mask (rows queued before the last change)."""
        return masks.mask_phone(self.phone_masked)

    @property
    def last_error_name(self) -> str:
        """Why the last try failed, as a person reads it (``""`` if it did not fail)."""
        return send_error_name(self.last_error)


class ReminderOptOut(models.Model):
    """A person who asked for no reminders (不再提醒): outreach rounds leave them out.

    Only reminders: the texts a service must send (the card is ready, the card was posted, a
    loss report taken) still go. ``person_id`` is a plain number, as on the outbox: the
    notifications sit below the registry. Opting back in removes the row; both are audited.
    """

    person_id = models.BigIntegerField(_("person id"), unique=True)
    since = models.DateTimeField(_("since"))
    set_by = models.CharField(_("set by"), max_length=150)

    class Meta:
        verbose_name = _("reminder opt-out")
        verbose_name_plural = _("reminder opt-outs")

    def __str__(self) -> str:
        return f"person #{self.person_id}"
