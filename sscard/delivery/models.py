"""Shipments of made cards to outlets, by post and with visiting bank teams; post events."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.cards.models import Card
from sscard.delivery.choices import PostEventKind, ShipmentMethod, ShipmentStatus
from sscard.network.models import Outlet


class Shipment(models.Model):
    """One leg of a card's way to its holder (发卡/寄递): to an outlet, by post, or rerouted."""

    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("card")
    )
    method = models.CharField(_("method"), max_length=16, choices=ShipmentMethod.choices)
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
        verbose_name=_("outlet"),
    )
    tracking_number = models.CharField(
        _("tracking number"), max_length=32, null=True, blank=True, unique=True
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ShipmentStatus.choices,
        default=ShipmentStatus.IN_TRANSIT,
    )
    # What the holder is charged for the post, in fen, as the pack says (BJ-12: free).
    postage_fen = models.PositiveIntegerField(_("postage (fen)"), default=0)
    dispatched_at = models.DateTimeField(_("dispatched at"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            # A card is on one way at a time.
            models.UniqueConstraint(
                fields=["card"],
                condition=models.Q(status__in=["in_transit", "at_outlet"]),
                name="one_open_shipment_per_card",
            )
        ]
        indexes = [models.Index(fields=["outlet", "status"], name="shipment_outlet_status")]

    def __str__(self) -> str:
        return f"{self.card_id} {self.method} ({self.status})"


class PostEvent(models.Model):
    """An event the post reported through its API (邮政回执), recorded once."""

    tracking_number = models.CharField(_("tracking number"), max_length=32)
    kind = models.CharField(_("kind"), max_length=16, choices=PostEventKind.choices)
    event_id = models.CharField(_("post's event id"), max_length=64, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    shipment = models.ForeignKey(
        Shipment, on_delete=models.PROTECT, related_name="events", verbose_name=_("shipment")
    )

    class Meta:
        verbose_name = _("post event")
        verbose_name_plural = _("post events")
        constraints = [
            # The idempotency key: the post may send an event again; it changes nothing.
            models.UniqueConstraint(
                fields=["tracking_number", "kind"], name="one_post_event_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.kind}"
