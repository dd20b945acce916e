"""Production batches (制卡批次), the cards in them, their keys and the card-factory files."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.cards.models import Card
from sscard.production.choices import BatchKind, BatchStatus, FactoryOutcome


class Batch(models.Model):
    """A production batch (制卡批次): applications of one channel and collection date (SH-10)."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=BatchKind.choices, default=BatchKind.REGULAR
    )
    channel = models.CharField(_("channel"), max_length=32)
    collected_on = models.DateField(_("collected on"))
    status = models.CharField(
        _("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.FORMED
    )
    card_count = models.PositiveIntegerField(_("cards"))
    created_at = models.DateTimeField(_("created at"))
    created_by = models.CharField(_("created by"), max_length=150)
    personalised_at = models.DateTimeField(_("personalised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("production batch")
        verbose_name_plural = _("production batches")
        indexes = [models.Index(fields=["collected_on", "channel"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} {self.collected_on} ({self.status})"


class BatchCard(models.Model):
    """A card in a production batch, with the factory's outcome once it is known."""

    card = models.OneToOneField(
        Card,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="batch_entry",
        verbose_name=_("card"),
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="entries", verbose_name=_("batch")
    )
    outcome = models.CharField(
        _("factory outcome"), max_length=16, choices=FactoryOutcome.choices, blank=True
    )
    defect_reason = models.CharField(_("defect"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("card in a batch")
        verbose_name_plural = _("cards in batches")
        indexes = [models.Index(fields=["batch", "outcome"])]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.card_id}"


class CardKey(models.Model):
    """A card's SM2 private key, SM4-wrapped, for the factory file (and the virtual card)."""

    card = models.OneToOneField(
        Card, on_delete=models.PROTECT, primary_key=True, related_name="+", verbose_name=_("card")
    )
    key_wrapped = models.BinaryField(_("private key (SM4-wrapped)"), editable=False)

    class Meta:
        verbose_name = _("card key")
        verbose_name_plural = _("card keys")

    def __str__(self) -> str:
        return f"key of card {self.card_id}"


class FactoryExport(models.Model):
    """One card-factory file written for a batch (制卡数据文件): SM4-encrypted, SM3 manifest."""

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="exports", verbose_name=_("batch")
    )
    card_count = models.PositiveIntegerField(_("cards"))
    plain_sm3 = models.CharField(_("SM3 of the plaintext"), max_length=64)
    cipher_sm3 = models.CharField(_("SM3 of the encrypted file"), max_length=64)
    bytes = models.PositiveBigIntegerField(_("size in bytes"))
    file_name = models.CharField(_("file name"), max_length=100)
    # The signed manifest as sent beside the file: the factory's check, and ours later.
    manifest = models.JSONField(_("manifest"))
    created_at = models.DateTimeField(_("created at"))
    created_by = models.CharField(_("created by"), max_length=150)

    class Meta:
        verbose_name = _("card-factory file")
        verbose_name_plural = _("card-factory files")

    def __str__(self) -> str:
        return f"batch {self.batch_id} file {self.cipher_sm3[:12]}…"


class FactoryResult(models.Model):
    """A result file from the card factory (made / defective per card), imported once."""

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="results", verbose_name=_("batch")
    )
    file_sm3 = models.CharField(_("SM3 of the file"), max_length=64, unique=True)
    made = models.PositiveIntegerField(_("made"))
    defective = models.PositiveIntegerField(_("defective"))
    unchanged = models.PositiveIntegerField(_("already recorded"))
    remake_batch = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("remake batch"),
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.CharField(_("created by"), max_length=150)

    class Meta:
        verbose_name = _("card-factory result")
        verbose_name_plural = _("card-factory results")

    def __str__(self) -> str:
        return f"batch {self.batch_id}: {self.made} made, {self.defective} defective"
