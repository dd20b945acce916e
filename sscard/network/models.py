"""Partner banks, outlets and relying parties."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.core.models import ImportJob
from sscard.network.choices import OutletKind, RelyingPartyKind


class Bank(models.Model):
    """A bank (银行) that may issue cards with a financial function."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=100)
    hotline = models.CharField(_("hotline"), max_length=20, blank=True)
    partner_cities = models.JSONField(_("partner in cities"), default=list, blank=True)

    class Meta:
        verbose_name = _("bank")
        verbose_name_plural = _("banks")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh


class Outlet(models.Model):
    """A place where applications are taken and cards handed over (服务网点/受理点)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=OutletKind.choices)
    bank = models.ForeignKey(
        Bank,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outlets",
        verbose_name=_("bank"),
    )
    district = models.CharField(_("district"), max_length=6, db_index=True)
    instant_issuance = models.BooleanField(_("instant issuance"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    source_digest = models.BinaryField(max_length=16, editable=False)
    import_job = models.ForeignKey(
        ImportJob, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RelyingParty(models.Model):
    """A hospital, pharmacy, transport operator or bank terminal that reads cards (用卡机构)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=RelyingPartyKind.choices)
    district = models.CharField(_("district"), max_length=6, blank=True)

    class Meta:
        verbose_name = _("relying party")
        verbose_name_plural = _("relying parties")

    def __str__(self) -> str:
        return self.name
