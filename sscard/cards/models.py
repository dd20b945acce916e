"""Social security cards (社会保障卡) and the counter their codes are drawn from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sscard.applications.models import Application
from sscard.cards.choices import (
    AuthorityKind,
    CardBlock,
    CardStage,
    CardStatus,
    FinancialFunction,
    LossChannel,
    LossEnd,
    LossKind,
    MassActionKind,
    MassActionState,
    MassOutcome,
    MassSelection,
    RevocationReason,
    SocialSecurityFunction,
)
from sscard.core.models import ImportJob
from sscard.network.models import Outlet, RelyingParty
from sscard.registry.models import Person

# A card that holds its person's place for its generation: in force or on its way. Void cards
# (SS function invalid or cancelled, defective) and a card whose replacement has been ordered
# hold none. ``card_order_conflicts_in_transaction`` in ``cards.services.order`` states the
# whole rule.
CURRENT_CARD = (
    models.Q(replaced_by__isnull=True)
    & ~models.Q(stage=CardStage.DEFECTIVE)
    & ~models.Q(ss_function__in=[SocialSecurityFunction.INVALID, SocialSecurityFunction.CANCELLED])
)


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
    financial_changed_at = models.DateTimeField(
        _("financial function changed at"), null=True, blank=True
    )
    pack_hash = models.CharField(_("policy pack hash"), max_length=64, blank=True)
    # A card remade because the factory reported this one defective.
    remake_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remade_as",
        verbose_name=_("remake of"),
    )
    # The card ordered to replace this one (补换): from that order on, the new card holds the
    # person's place for the generation, while this one answers as before until the new one is
    # enabled (BJ-10, SH-16).
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    produced_at = models.DateTimeField(_("produced at"), null=True, blank=True)
    # The card's way to its holder as delivery moves it, for the holder's timeline: when it was
    # sent on its way, the outlet it goes to or waits at for collection (none while a posted
    # card is in the post), and when it arrived there.
    dispatched_at = models.DateTimeField(_("sent on its way at"), null=True, blank=True)
    pickup_outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outlet to collect it at"),
    )
    arrived_at = models.DateTimeField(_("arrived at the outlet at"), null=True, blank=True)
    # Where and when the holder received the card: "on site" for enabling means this outlet
    # (BJ-08); a card delivered by the post has no outlet.
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_over_outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over at outlet"),
    )
    # A card the legacy system issued (first and second generation, earlier third-generation
    # ones) comes in by the legacy-cards import (``cards.legacy``): the digest of its row, so
    # the same file imported again writes nothing, its job, and its row in the file, so a
    # second row with the same card number can name the first. Empty on cards sscard orders.
    source_digest = models.BinaryField(max_length=16, null=True, blank=True, editable=False)
    import_job = models.ForeignKey(
        ImportJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("import job"),
    )
    import_row = models.PositiveIntegerField(_("row in the imported file"), null=True, blank=True)

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(ss_function="enabled"),
                name="one_enabled_card_per_person",
            ),
            # A defective card is remade for the same application; one good card each.
            models.UniqueConstraint(
                fields=["application"],
                condition=~models.Q(stage="defective"),
                name="one_card_per_application",
            ),
            # One card in force or on its way per person and generation (issue 9 point 6): a
            # race between two channels cannot order a second one.
            models.UniqueConstraint(
                fields=["person", "generation"],
                condition=CURRENT_CARD,
                name="one_current_card_per_person_and_generation",
            ),
        ]
        indexes = [
            models.Index(fields=["stage"], name="card_stage"),
            # Verification (``cards/verify.card_facts``) reads a card by its number from this
            # index alone: on PostgreSQL an Index Only Scan, the heap untouched on pages the
            # visibility map holds all-visible (other databases ignore INCLUDE and index the
            # number only). Its columns are the ones ``card_facts`` reads of the card: a test
            # compares them, another EXPLAINs the query (``test_verify_index_only``).
            models.Index(
                fields=["card_number"],
                include=[
                    "generation",
                    "functions",
                    "interfaces",
                    "card_id_code",
                    "ss_function",
                    "block",
                    "blocked_until",
                    "valid_until",
                    "person",
                    "id",
                ],
                name="card_verification",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card_number} (gen {self.generation}, {self.ss_function})"

    @classmethod
    def current(cls) -> models.QuerySet[Card]:
        """The cards that hold their person's place for their generation (``CURRENT_CARD``)."""
        return cls.objects.filter(CURRENT_CARD)


class CardCounter(models.Model):
    """The sequence card numbers and identification codes are drawn from (卡号序列)."""

    name = models.CharField(_("name"), max_length=32, primary_key=True)
    value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("card counter")
        verbose_name_plural = _("card counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class LossReport(models.Model):
    """A loss report (挂失) on a card: temporary until a date, or formal (SH-18)."""

    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="loss_reports", verbose_name=_("card")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=LossChannel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=LossKind.choices)
    reported_on = models.DateField(_("reported on"))
    blocked_until = models.DateField(_("blocked until"), null=True, blank=True)
    outlet = models.ForeignKey(
        Outlet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outlet"),
    )
    reported_by = models.CharField(_("reported by"), max_length=150)
    reported_by_role = models.CharField(_("reported by role"), max_length=32)
    created_at = models.DateTimeField(_("created at"))
    # A report ends when it is withdrawn, when a temporary one has lapsed and the card is
    # reported again, or when a formal report confirms a temporary one.
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(
        _("why it ended"), max_length=16, choices=LossEnd.choices, blank=True
    )
    # The replacement applied for on this report: from then on it cannot be withdrawn.
    replacement = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replacement application"),
    )

    class Meta:
        verbose_name = _("loss report")
        verbose_name_plural = _("loss reports")
        constraints = [
            models.UniqueConstraint(
                fields=["card"],
                condition=models.Q(ended_at__isnull=True),
                name="one_standing_loss_report_per_card",
            )
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.kind} ({self.channel})"


class CertificateAuthority(models.Model):
    """A certificate authority of the card scheme (发卡机构CA): the root or an issuing CA.

    The private key is kept SM4-wrapped (never in the clear) under a key derived from the
    platform's master key; the certificate is DER.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=AuthorityKind.choices)
    common_name = models.CharField(_("common name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("issued by"),
    )
    certificate = models.BinaryField(_("certificate (DER)"))
    key_wrapped = models.BinaryField(_("private key (SM4-wrapped)"), editable=False)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("certificate authority")
        verbose_name_plural = _("certificate authorities")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(active=True), name="one_active_ca_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.common_name} ({self.kind})"


class CardCertificate(models.Model):
    """A card's X.509 certificate (卡片数字证书), SM2-with-SM3, issued at personalisation."""

    card = models.OneToOneField(
        Card,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="certificate",
        verbose_name=_("card"),
    )
    authority = models.ForeignKey(
        CertificateAuthority,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuing CA"),
    )
    # The certificate serial: the 16 hex digits of the card identification code.
    serial = models.CharField(_("serial"), max_length=40)
    der = models.BinaryField(_("certificate (DER)"))
    issued_at = models.DateTimeField(_("issued at"))
    # Revocation (证书吊销): listed in the issuing CA's CRL from then on; the challenge check
    # refuses the card (``certificate_revoked``).
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Database defaults: personalisation writes certificates by COPY, naming its own columns.
    revocation_reason = models.CharField(
        _("revocation reason"),
        max_length=32,
        choices=RevocationReason.choices,
        blank=True,
        default="",
        db_default="",
    )
    revoked_by = models.CharField(
        _("revoked by"), max_length=150, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("card certificate")
        verbose_name_plural = _("card certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "serial"], name="one_certificate_per_serial"
            )
        ]

    def __str__(self) -> str:
        return f"{self.serial} ({self.card_id})"


class CardChallenge(models.Model):
    """A challenge a relying party sends to a card (卡片认证挑战): the card signs the nonce
    with its SM2 key and the platform checks the signature against the card certificate."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="+", verbose_name=_("card")
    )
    relying_party = models.ForeignKey(
        RelyingParty,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relying party"),
    )
    asked_by_user_id = models.BigIntegerField(_("asked by user"), null=True, blank=True)
    nonce = models.BinaryField(_("nonce"), max_length=32)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    authenticated = models.BooleanField(_("authenticated"), null=True)

    class Meta:
        verbose_name = _("card challenge")
        verbose_name_plural = _("card challenges")

    def __str__(self) -> str:
        return f"{self.code[:8]}… card {self.card_id}"


class CardVerification(models.Model):
    """A verification a terminal made of a card (核验记录): which relying party, from which
    terminal (终端机编号, 终端设备号), asked about which card, when, and the answer it got.

    Kept when a reader string names its terminal; the terminal fields are never part of an
    answer to anyone.
    """

    card = models.ForeignKey(
        Card,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("card"),
    )
    # The number the terminal sent: an unknown card has no row to point at.
    card_number = models.CharField(_("card number"), max_length=9)
    relying_party = models.ForeignKey(
        RelyingParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relying party"),
    )
    asked_by_user_id = models.BigIntegerField(_("asked by user"), null=True, blank=True)
    terminal_number = models.CharField(_("terminal number"), max_length=64, blank=True)
    device_number = models.CharField(_("terminal device number"), max_length=64, blank=True)
    status = models.CharField(_("verification result"), max_length=24, choices=CardStatus.choices)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("card verification")
        verbose_name_plural = _("card verifications")

    def __str__(self) -> str:
        return f"{self.card_number} {self.status} ({self.terminal_number}/{self.device_number})"


class CardReissueFlag(models.Model):
    """A card to be reissued after its holder's name or ID number was corrected (信息变更待换卡).

    Written by the registry's correction (through its hook) for each card in force or on its
    way when the change was applied; the card itself is not touched, so a hand-over or an
    enabling that runs at the same moment is not held up by it, and neither refuses the other.
    """

    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="reissue_flags", verbose_name=_("card")
    )
    fields = models.JSONField(_("corrected fields"), default=list)
    flagged_at = models.DateTimeField(_("flagged at"))
    # The correction's approval (``core.Approval``) where there was one: a plain id, so this
    # app's migrations do not wait on the approvals framework's.
    approval_id = models.PositiveBigIntegerField(_("approval"), null=True, blank=True)
    holder_told = models.PositiveSmallIntegerField(_("texts to the holder"), default=0)

    class Meta:
        verbose_name = _("card reissue flag")
        verbose_name_plural = _("card reissue flags")
        ordering = ["-flagged_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.card_id} {','.join(self.fields)}"


class CardRenewalNotice(models.Model):
    """That a card's holder was told it runs out (到期换卡提醒): one per card and expiry date,
    so a second sweep tells no one twice."""

    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="renewal_notices", verbose_name=_("card")
    )
    # The last day the holder was told of: a card whose term is changed is told again.
    valid_until = models.DateField(_("valid until"))
    told_at = models.DateTimeField(_("told at"))
    # The run that wrote the notice: a sweep tells only the cards whose notice it wrote itself.
    run = models.CharField(_("run"), max_length=32)
    texts = models.PositiveSmallIntegerField(_("texts to the holder"), default=0)

    class Meta:
        verbose_name = _("card renewal notice")
        verbose_name_plural = _("card renewal notices")
        constraints = [
            models.UniqueConstraint(
                fields=["card", "valid_until"], name="one_renewal_notice_per_card_and_term"
            )
        ]
        indexes = [models.Index(fields=["run"], name="renewal_notice_run")]

    def __str__(self) -> str:
        return f"{self.card_id} {self.valid_until}"


class RevocationList(models.Model):
    """A CRL (证书吊销列表) the issuing CA signed: the newest one per CA is published."""

    authority = models.ForeignKey(
        CertificateAuthority,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuing CA"),
    )
    number = models.PositiveBigIntegerField(_("CRL number"))
    this_update = models.DateTimeField(_("this update"))
    next_update = models.DateTimeField(_("next update"))
    revoked_count = models.PositiveIntegerField(_("revoked certificates"))
    der = models.BinaryField(_("CRL (DER)"))
    # The same list (the same signed part) signed again with the empty SM2 user ID, which is
    # the ID OpenSSL 3's CRL check uses and cannot be told otherwise (``openssl crl -verify``
    # has no ``-vfyopt``): served to relying parties whose tools are OpenSSL's.
    der_empty_id = models.BinaryField(_("CRL (DER), signed with the empty SM2 user ID"))

    class Meta:
        verbose_name = _("certificate revocation list")
        verbose_name_plural = _("certificate revocation lists")
        constraints = [
            models.UniqueConstraint(fields=["authority", "number"], name="one_crl_per_number")
        ]

    def __str__(self) -> str:
        return f"CRL {self.number} of CA {self.authority_id}"


class MassAction(models.Model):
    """A mass action on cards (批量处理): prepared by one officer, approved by another (the
    approval's id, a plain id so this app's migrations do not wait on core's), applied in
    chunks by a background job, one :class:`MassActionCard` per card selected."""

    kind = models.CharField(_("action"), max_length=16, choices=MassActionKind.choices)
    selection = models.CharField(_("selection"), max_length=16, choices=MassSelection.choices)
    # The batch or file id, the range ``first-last``, the employer's credit code, or the list
    # of card numbers one a line.
    selection_value = models.TextField(_("selected"))
    revocation_reason = models.CharField(
        _("revocation reason"), max_length=32, choices=RevocationReason.choices, blank=True
    )
    reason = models.CharField(_("reason"), max_length=500)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=MassActionState.choices,
        default=MassActionState.PROPOSED,
    )
    city_code = models.CharField(_("city"), max_length=6, blank=True)
    district_code = models.CharField(_("district"), max_length=6, blank=True)
    card_count = models.PositiveIntegerField(_("cards"))
    approval_id = models.PositiveBigIntegerField(_("approval"), null=True, blank=True)
    job_id = models.PositiveBigIntegerField(_("background job"), null=True, blank=True)
    created_by = models.CharField(_("prepared by"), max_length=150)
    created_at = models.DateTimeField(_("prepared at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mass action")
        verbose_name_plural = _("mass actions")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.selection}:{self.selection_value} ({self.state})"


class MassActionCard(models.Model):
    """One card of a mass action and what the action did to it (nothing yet: pending)."""

    mass_action = models.ForeignKey(
        MassAction, on_delete=models.CASCADE, related_name="cards", verbose_name=_("mass action")
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=MassOutcome.choices, blank=True)
    code = models.CharField(_("why"), max_length=64, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("card in a mass action")
        verbose_name_plural = _("cards in mass actions")
        constraints = [
            models.UniqueConstraint(fields=["mass_action", "card"], name="one_entry_per_card")
        ]
        indexes = [models.Index(fields=["mass_action", "outcome"], name="mass_card_outcome")]

    def __str__(self) -> str:
        return f"{self.mass_action_id}/{self.card_id} {self.outcome}"
