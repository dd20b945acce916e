"""Choice classes of the cards: the facets of ARCHITECTURE.md's "The card, precisely"."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CardStage(models.TextChoices):
    """Where the card itself is, from the order to the holder's hands."""

    ORDERED = "ordered", _("Ordered")
    PERSONALISED = "personalised", _("Personalised")
    PRODUCED = "produced", _("Produced")
    DISPATCHED = "dispatched", _("Dispatched")
    AT_OUTLET = "at_outlet", _("At the outlet")
    HANDED_OVER = "handed_over", _("Handed over")
    DEFECTIVE = "defective", _("Defective")


class SocialSecurityFunction(models.TextChoices):
    """The card's social-security function (社保功能)."""

    NOT_ENABLED = "not_enabled", _("Not enabled")
    ENABLED = "enabled", _("Enabled")
    INVALID = "invalid", _("Invalid (replaced by a newer card)")
    CANCELLED = "cancelled", _("Cancelled")


class FinancialFunction(models.TextChoices):
    """The card's financial function (金融功能), the holder's choice and separate."""

    NOT_ACTIVATED = "not_activated", _("Not activated")
    ACTIVATED = "activated", _("Activated")
    CLOSED = "closed", _("Closed")


class CardBlock(models.TextChoices):
    """A loss report's block (挂失): none, temporary until a date, or formal."""

    NONE = "none", _("None")
    TEMPORARY = "temporary", _("Temporary")
    FORMAL = "formal", _("Formal")


class CardStatus(models.TextChoices):
    """What verification answers: derived from the facets, never stored."""

    VALID = "valid", _("Valid")
    NOT_ENABLED = "not_enabled", _("Not yet enabled")
    BLOCKED_TEMPORARY = "blocked_temporary", _("Blocked (temporary loss report)")
    BLOCKED_FORMAL = "blocked_formal", _("Blocked (formal loss report)")
    REPLACED = "replaced", _("Replaced by a newer card")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    UNKNOWN = "unknown", _("Unknown card")
    MISMATCH = "mismatch", _("Card and holder do not match")


class LossChannel(models.TextChoices):
    """How a loss was reported (SH-18: phone, online, counter)."""

    PHONE = "phone", _("By phone")
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At a counter")


class LossKind(models.TextChoices):
    """A temporary report lifts itself after the pack's term; a formal one stands."""

    TEMPORARY = "temporary", _("Temporary")
    FORMAL = "formal", _("Formal")


class LossEnd(models.TextChoices):
    """Why a loss report stopped standing."""

    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed (temporary term over)")
    CONFIRMED = "confirmed", _("Confirmed by a formal report")


class AuthorityKind(models.TextChoices):
    """The two levels of the card scheme's certificate authorities."""

    ROOT = "root", _("Root CA")
    ISSUING = "issuing", _("Issuing CA")


class RevocationReason(models.TextChoices):
    """Why a card certificate was revoked: the RFC 5280 CRLReason the CRL carries
    (``sscard.kernel.pki.CRL_REASONS``)."""

    UNSPECIFIED = "unspecified", _("Unspecified")
    KEY_COMPROMISE = "key_compromise", _("Key compromise")
    AFFILIATION_CHANGED = "affiliation_changed", _("Affiliation changed")
    SUPERSEDED = "superseded", _("Superseded")
    CESSATION_OF_OPERATION = "cessation_of_operation", _("Cessation of operation")


class MassActionKind(models.TextChoices):
    """What a mass action does to each card of its selection."""

    BLOCK = "block", _("Block the cards")
    CANCEL = "cancel", _("Cancel the cards")
    REVOKE = "revoke", _("Revoke the card certificates")
    ENABLE = "enable", _("Enable the social-security function")


class MassSelection(models.TextChoices):
    """How a mass action's cards are chosen."""

    BATCH = "batch", _("Production batch")
    RANGE = "range", _("Range of card numbers")
    LOT = "lot", _("Card-factory file")
    LIST = "list", _("List of card numbers")
    EMPLOYER = "employer", _("Employer visited")


class MassActionState(models.TextChoices):
    """Where a mass action stands: awaiting the second officer, applying, done."""

    PROPOSED = "proposed", _("Awaiting approval")
    APPLYING = "applying", _("Being applied")
    APPLIED = "applied", _("Applied")
    CLOSED = "closed", _("Rejected or withdrawn")


class MassOutcome(models.TextChoices):
    """What a mass action did to one card."""

    PENDING = "", _("Pending")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Already in the target state")
    REFUSED = "refused", _("Refused")
