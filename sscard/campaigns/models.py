"""A policy pack put into force for a city."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.campaigns.choices import CampaignStatus


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
