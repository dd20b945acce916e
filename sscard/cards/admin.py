"""Admin of the cards, read-only: the cards and their facets, loss reports, the card scheme's
certificate authorities and card certificates, challenges, and the records of verifications
(核验记录).

Every row here is written by a service (ordering, the card's life, personalisation,
verification), so the admin only reads. Holders show as their masked name and ID number; a CA's
private key is never shown, not even wrapped.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sscard.cards.models import (
    Card,
    CardCertificate,
    CardChallenge,
    CardCounter,
    CardReissueFlag,
    CardRenewalNotice,
    CardVerification,
    CertificateAuthority,
    LossReport,
    MassAction,
    MassActionCard,
    RevocationList,
)
from sscard.core.admin import ReadOnlyAdmin


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    list_display = (
        "card_number",
        "person",
        "generation",
        "stage",
        "ss_function",
        "financial_function",
        "block",
        "valid_until",
    )
    list_filter = ("generation", "stage", "ss_function", "financial_function", "block")
    list_select_related = ("person",)
    search_fields = ("card_number", "card_id_code")
    fields = (
        "card_number",
        "card_id_code",
        "person",
        "application",
        "generation",
        "interfaces",
        "functions",
        "bank_code",
        "stage",
        "ss_function",
        "financial_function",
        "block",
        "blocked_until",
        "issued_on",
        "valid_until",
        "enabled_at",
        "financial_changed_at",
        "produced_at",
        "handed_over_at",
        "handed_over_outlet",
        "remake_of",
        "replaced_by",
        "pack_hash",
    )
    readonly_fields = fields


@admin.register(CardCounter)
class CardCounterAdmin(ReadOnlyAdmin):
    list_display = ("name", "value")
    fields = ("name", "value")
    readonly_fields = fields


@admin.register(LossReport)
class LossReportAdmin(ReadOnlyAdmin):
    list_display = (
        "card",
        "channel",
        "kind",
        "reported_on",
        "blocked_until",
        "ended_at",
        "end_reason",
        "reported_by_role",
    )
    list_filter = ("channel", "kind", "end_reason")
    list_select_related = ("card",)
    search_fields = ("card__card_number",)
    date_hierarchy = "created_at"
    fields = (
        "card",
        "channel",
        "kind",
        "reported_on",
        "blocked_until",
        "outlet",
        "reported_by",
        "reported_by_role",
        "created_at",
        "ended_at",
        "end_reason",
        "replacement",
    )
    readonly_fields = fields


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(ReadOnlyAdmin):
    list_display = ("common_name", "kind", "not_before", "not_after", "active")
    list_filter = ("kind", "active")
    fields = (
        "common_name",
        "kind",
        "parent",
        "not_before",
        "not_after",
        "active",
        "created_at",
        "certificate_hex",
    )
    readonly_fields = fields

    @admin.display(description=_("certificate (DER)"))
    def certificate_hex(self, obj: CertificateAuthority) -> str:
        return bytes(obj.certificate).hex()


@admin.register(CardCertificate)
class CardCertificateAdmin(ReadOnlyAdmin):
    list_display = ("serial", "card", "authority", "issued_at", "revoked_at")
    list_select_related = ("card", "authority")
    search_fields = ("serial", "card__card_number")
    fields = (
        "card",
        "authority",
        "serial",
        "issued_at",
        "revoked_at",
        "revocation_reason",
        "revoked_by",
        "der_hex",
    )
    readonly_fields = fields

    @admin.display(description=_("certificate (DER)"))
    def der_hex(self, obj: CardCertificate) -> str:
        return bytes(obj.der).hex()


@admin.register(CardChallenge)
class CardChallengeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "card", "relying_party", "answered_at", "authenticated")
    list_filter = ("authenticated",)
    list_select_related = ("card", "relying_party")
    search_fields = ("card__card_number",)
    date_hierarchy = "created_at"
    # The code answers the challenge: its first characters only, as in the audit trail.
    fields = (
        "code_start",
        "card",
        "relying_party",
        "asked_by_user_id",
        "created_at",
        "expires_at",
        "answered_at",
        "authenticated",
    )
    readonly_fields = fields

    @admin.display(description=_("code"))
    def code_start(self, obj: CardChallenge) -> str:
        return f"{obj.code[:8]}…"


@admin.register(CardVerification)
class CardVerificationAdmin(ReadOnlyAdmin):
    list_display = (
        "checked_at",
        "card_number",
        "status",
        "relying_party",
        "terminal_number",
        "device_number",
    )
    list_filter = ("status",)
    list_select_related = ("relying_party",)
    search_fields = ("card_number", "terminal_number", "device_number")
    date_hierarchy = "checked_at"
    fields = (
        "checked_at",
        "card",
        "card_number",
        "relying_party",
        "asked_by_user_id",
        "terminal_number",
        "device_number",
        "status",
    )
    readonly_fields = fields


@admin.register(CardRenewalNotice)
class CardRenewalNoticeAdmin(ReadOnlyAdmin):
    list_display = ("told_at", "card", "valid_until", "texts")
    list_select_related = ("card",)
    search_fields = ("card__card_number",)
    date_hierarchy = "told_at"
    fields = ("card", "valid_until", "told_at", "run", "texts")
    readonly_fields = fields


@admin.register(CardReissueFlag)
class CardReissueFlagAdmin(ReadOnlyAdmin):
    list_display = ("flagged_at", "card", "fields", "holder_told")
    list_select_related = ("card",)
    search_fields = ("card__card_number",)
    date_hierarchy = "flagged_at"
    fields = ("card", "fields", "flagged_at", "approval_id", "holder_told")
    readonly_fields = fields


@admin.register(RevocationList)
class RevocationListAdmin(ReadOnlyAdmin):
    list_display = ("authority", "number", "this_update", "next_update", "revoked_count")
    list_select_related = ("authority",)
    fields = ("authority", "number", "this_update", "next_update", "revoked_count", "der_hex")
    readonly_fields = fields

    @admin.display(description=_("CRL (DER)"))
    def der_hex(self, obj: RevocationList) -> str:
        return bytes(obj.der).hex()


@admin.register(MassAction)
class MassActionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "selection", "card_count", "state", "created_by")
    list_filter = ("kind", "state")
    date_hierarchy = "created_at"
    fields = (
        "kind",
        "selection",
        "selection_value",
        "revocation_reason",
        "reason",
        "state",
        "city_code",
        "district_code",
        "card_count",
        "approval_id",
        "job_id",
        "created_by",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields


@admin.register(MassActionCard)
class MassActionCardAdmin(ReadOnlyAdmin):
    list_display = ("mass_action", "card", "outcome", "code", "done_at")
    list_filter = ("outcome",)
    list_select_related = ("card",)
    search_fields = ("card__card_number",)
    fields = ("mass_action", "card", "outcome", "code", "done_at")
    readonly_fields = fields
