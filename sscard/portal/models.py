"""Sign-in accounts bound to a role and its scope, and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.core.actors import ROLE_LABELS, Actor, Role
from sscard.network.models import Outlet, RelyingParty
from sscard.registry.models import Employer, Person

ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items() if role != Role.SYSTEM]


class Account(models.Model):
    """A user's role and the scope it is bound to (用户角色与权限范围)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account"
    )
    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES)
    city_code = models.CharField(_("city"), max_length=6, blank=True)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("employer")
    )
    outlet = models.ForeignKey(
        Outlet, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("outlet")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("person")
    )
    relying_party = models.ForeignKey(
        RelyingParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("relying party"),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                name="account_scope_matches_role",
                condition=(
                    models.Q(role="employer_hr", employer__isnull=False)
                    | models.Q(role="bank_clerk", outlet__isnull=False)
                    | models.Q(role="community_clerk", outlet__isnull=False)
                    | models.Q(role="cardholder", person__isnull=False)
                    | models.Q(role="relying_party", relying_party__isnull=False)
                    | models.Q(role="district_officer", district_code__regex=r"^\d{6}$")
                    | models.Q(role__in=["city_officer", "production_operator", "post"])
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def actor(self) -> Actor:
        return Actor(
            role=Role(self.role),
            label=self.user.get_username(),
            user_id=self.user_id,
            city_code=self.city_code or None,
            district_code=self.district_code or None,
            employer_id=self.employer_id,
            outlet_id=self.outlet_id,
            person_id=self.person_id,
            relying_party_id=self.relying_party_id,
        )


class ApiToken(models.Model):
    """A bearer token for the API (接口令牌); only its SM3 digest is stored."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.BinaryField(max_length=32, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
