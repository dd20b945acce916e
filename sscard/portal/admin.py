"""Admin of accounts and API tokens; creating and revoking go through the audited services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from sscard.core.actors import Actor, Role
from sscard.core.admin import ReadOnlyAdmin
from sscard.core.errors import ApplicationError
from sscard.core.views import error_text
from sscard.portal.models import ROLE_CHOICES, Account, ApiToken
from sscard.portal.services import account_create, api_token_revoke


def admin_actor(request: HttpRequest) -> Actor:
    """Who acts in the admin: the user's own role, or the system for a superuser without one."""
    actor: Actor | None = getattr(request, "actor", None)
    if actor is not None:
        return actor
    if request.user.is_superuser:
        return Actor(
            role=Role.SYSTEM, label=f"admin:{request.user.get_username()}", user_id=request.user.pk
        )
    raise DjangoPermissionDenied


class AccountCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    role = forms.ChoiceField(label=_("role"), choices=ROLE_CHOICES)
    city_code = forms.CharField(label=_("city"), max_length=6, required=False)
    district_code = forms.CharField(label=_("district"), max_length=6, required=False)
    employer_id = forms.IntegerField(label=_("employer"), required=False, min_value=1)
    outlet_id = forms.IntegerField(label=_("outlet"), required=False, min_value=1)
    person_id = forms.IntegerField(label=_("person"), required=False, min_value=1)
    relying_party_id = forms.IntegerField(label=_("relying party"), required=False, min_value=1)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "district_code", "employer", "outlet", "relying_party")
    list_filter = ("role",)
    list_select_related = ("user", "employer", "outlet", "relying_party")
    search_fields = ("user__username",)
    fields = (
        "user",
        "role",
        "city_code",
        "district_code",
        "employer",
        "outlet",
        "person",
        "relying_party",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser or getattr(request, "actor", None))

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Create an account through ``account_create`` (which checks the scope and audits)."""
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        form = AccountCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                account = account_create(actor=admin_actor(request), **data)
            except ApplicationError as error:
                form.add_error(None, error_text(error))
            else:
                self.message_user(request, _("The account is created."), messages.SUCCESS)
                return redirect("admin:portal_account_change", account.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add account"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "portal/admin/account_add.html", context)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "account", "created_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("account__user",)
    search_fields = ("name", "prefix", "account__user__username")
    fields = ("name", "prefix", "account", "created_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke",)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = admin_actor(request)
        for token_id in queryset.order_by("pk").values_list("pk", flat=True):
            api_token_revoke(actor=actor, token_id=token_id)
        self.message_user(request, _("The selected tokens are revoked."), messages.SUCCESS)
