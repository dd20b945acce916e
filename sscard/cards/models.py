"""Social security cards (社会保障卡) and the counter their codes are drawn from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.applications.models import Application
from sscard.cards.choices import CardBlock, CardStage, FinancialFunction, SocialSecurityFunction
from sscard.registry.models import Person


class Card(models.Model):
    """A social security card (社会保障卡) and its facets."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="cards", verbose_name=_("person")
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cards",
        verbose_name=_("application"),
    )
    generation = models.PositiveSmallIntegerField(_("card generation"))
    interfaces = models.JSONField(_("interfaces"), default=list)
    functions = models.JSONField(_("functions"), default=list)
    bank_code = models.CharField(_("bank"), max_length=16, blank=True)
    card_number = models.CharField(_("card number"), max_length=9, unique=True)
    card_id_code = models.CharField(_("card identification code"), max_length=32, unique=True)
    stage = models.CharField(
        _("stage"), max_length=16, choices=CardStage.choices, default=CardStage.ORDERED
    )
    ss_function = models.CharField(
        _("social-security function"),
        max_length=16,
        choices=SocialSecurityFunction.choices,
        default=SocialSecurityFunction.NOT_ENABLED,
    )
    financial_function = models.CharField(
        _("financial function"),
        max_length=16,
        choices=FinancialFunction.choices,
        default=FinancialFunction.NOT_ACTIVATED,
    )
    block = models.CharField(
        _("block"), max_length=16, choices=CardBlock.choices, default=CardBlock.NONE
    )
    blocked_until = models.DateField(_("blocked until"), null=True, blank=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    enabled_at = models.DateTimeField(_("enabled at"), null=True, blank=True)
    pack_hash = models.CharField(_("policy pack hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(ss_function="enabled"),
                name="one_enabled_card_per_person",
            ),
            models.UniqueConstraint(fields=["application"], name="one_card_per_application"),
        ]

    def __str__(self) -> str:
        return f"{self.card_number} (gen {self.generation}, {self.ss_function})"


class CardCounter(models.Model):
    """The sequence card numbers and identification codes are drawn from (卡号序列)."""

    name = models.CharField(_("name"), max_length=32, primary_key=True)
    value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("card counter")
        verbose_name_plural = _("card counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
