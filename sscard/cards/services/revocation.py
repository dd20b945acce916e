"""Revocation of card certificates (证书吊销) and the revocation list (CRL) the issuing CA
publishes.

A revoked certificate is recorded on its row (when, why, by whom) and from then on listed in
its issuing CA's CRL; the challenge check refuses the card (``certificate_revoked``). The card
itself is not touched: verification answers as before (a mass *cancel* makes the card
``cancelled``; a revocation alone says only that the card's key is no longer to be trusted).

The CRL is built from the database by :func:`revocation_list_current`, signed SM2-with-SM3 by
the issuing CA (``sscard.kernel.pki.issue_crl``) twice — with the GM/T 0009 default SM2 user ID
``1234567812345678``, as the certificates are, and with the empty ID, the one OpenSSL 3's CRL
check uses and cannot be told otherwise (``openssl crl -verify`` accepts that copy) — and
kept: the newest one of a CA is served again until a revocation is newer than it or it nears
its ``next_update``; then the next one (its CRL number one higher) is signed, under the CA's
row lock so that two requests at once sign one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from sscard.cards.choices import AuthorityKind, RevocationReason
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import CardCertificate, CertificateAuthority, RevocationList
from sscard.cards.services._shared import CARD_OBJECT, in_transaction_or_fail
from sscard.cards.services.authority import issuer_open
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append_many
from sscard.core.errors import PermissionDenied
from sscard.kernel.gm import DEFAULT_USER_ID
from sscard.kernel.pki import RevokedEntry, issue_crl

# chosen: a CRL is valid for a week (relying parties fetch the next one before then), and a new
# one is signed a day before the current one runs out even when nothing was revoked meanwhile.
CRL_LIFETIME = timedelta(days=7)
CRL_RENEW_BEFORE = timedelta(days=1)
REVOKE_ROLES = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})


@dataclass(frozen=True, slots=True)
class Revoked:
    """What revoking did: the certificates revoked now, and those revoked before (skipped)."""

    revoked: list[int]
    already: list[int]
    without_certificate: list[int]


def certificates_revoke_in_transaction(
    *, card_ids: Sequence[int], reason: RevocationReason, by: str, at: datetime
) -> Revoked:
    """Revoke the certificates of ``card_ids`` (locked here, in card order) inside the
    caller's transaction, which audits; answer which were revoked now and which were not."""
    in_transaction_or_fail("certificates_revoke_in_transaction")
    rows = {
        row.card_id: row
        for row in CardCertificate.objects.select_for_update()
        .filter(card_id__in=list(card_ids))
        .order_by("card_id")
    }
    revoked: list[int] = []
    already: list[int] = []
    missing: list[int] = []
    for card_id in card_ids:
        row = rows.get(card_id)
        if row is None:
            missing.append(card_id)
        elif row.revoked_at is not None:
            already.append(card_id)
        else:
            revoked.append(card_id)
    CardCertificate.objects.filter(card_id__in=revoked, revoked_at__isnull=True).update(
        revoked_at=at, revocation_reason=reason, revoked_by=by[:150]
    )
    return Revoked(revoked, already, missing)


def revocation_facts(revoked: Sequence[int], reason: RevocationReason) -> list[AuditFact]:
    """One audit fact per card whose certificate was revoked."""
    return [
        AuditFact(
            action="card_certificate_revoke",
            object_type=CARD_OBJECT,
            object_id=str(card_id),
            changes={"certificate": ["valid", "revoked"], "reason": str(reason)},
        )
        for card_id in revoked
    ]


def certificates_revoke(
    *, actor: Actor, card_ids: Sequence[int], reason: RevocationReason
) -> Revoked:
    """Revoke the card certificates of ``card_ids`` at once, audited per card (the mass action
    applies the same in chunks, after approval; this is for the system and the tests)."""
    if actor.role not in REVOKE_ROLES:
        raise PermissionDenied("revoke card certificates", "吊销卡片证书")
    if reason not in RevocationReason.values:
        raise CardsErrorCode.MASS_REVOCATION_REASON.error()
    with transaction.atomic():
        done = certificates_revoke_in_transaction(
            card_ids=card_ids, reason=RevocationReason(reason), by=actor.label, at=timezone.now()
        )
        audit_append_many(actor=actor, facts=revocation_facts(done.revoked, reason))
    return done


# --------------------------------------------------------------------------------------------
# The revocation list
# --------------------------------------------------------------------------------------------


def _authority(authority_id: int | None) -> CertificateAuthority:
    rows = CertificateAuthority.objects.filter(kind=AuthorityKind.ISSUING)
    found = (
        rows.filter(active=True).first()
        if authority_id is None
        else rows.filter(pk=authority_id).first()
    )
    if found is None:
        raise CardsErrorCode.CRL_NO_AUTHORITY.error()
    return found


def _fresh(latest: RevocationList | None, authority_id: int, now: datetime) -> bool:
    """Whether ``latest`` still says everything: not near its next update, and listing every
    revoked certificate of the CA (a revocation is never undone, so the count tells)."""
    if latest is None or now >= latest.next_update - CRL_RENEW_BEFORE:
        return False
    count = CardCertificate.objects.filter(
        authority_id=authority_id, revoked_at__isnull=False
    ).count()
    return count == latest.revoked_count


def _latest(authority_id: int) -> RevocationList | None:
    return RevocationList.objects.filter(authority_id=authority_id).order_by("-number").first()


def revocation_list_current(*, authority_id: int | None = None) -> RevocationList:
    """The issuing CA's current CRL (the active CA's, or the issuing CA ``authority_id``'s),
    signed anew when a revocation is newer than the last one or it nears its next update.
    ``crl_no_authority`` when there is no such issuing CA."""
    authority = _authority(authority_id)
    now = timezone.now()
    latest = _latest(authority.pk)
    if latest is not None and _fresh(latest, authority.pk, now):
        return latest
    with transaction.atomic():
        locked = CertificateAuthority.objects.select_for_update().get(pk=authority.pk)
        latest = _latest(locked.pk)
        now = timezone.now()
        if latest is not None and _fresh(latest, locked.pk, now):
            return latest
        rows = CardCertificate.objects.filter(
            authority_id=locked.pk, revoked_at__isnull=False
        ).values_list("serial", "revoked_at", "revocation_reason")
        entries = [
            RevokedEntry(int(serial, 16), revoked_at, reason or "unspecified")
            for serial, revoked_at, reason in rows
            if revoked_at is not None
        ]
        issuer = issuer_open(locked)
        number = (latest.number if latest is not None else 0) + 1
        this_update = now.replace(microsecond=0)
        next_update = this_update + CRL_LIFETIME
        signed = {
            user_id: issue_crl(
                issuer_key=issuer.key,
                issuer_cert=issuer.certificate,
                this_update=this_update,
                next_update=next_update,
                crl_number=number,
                revoked=entries,
                user_id=user_id,
            )
            for user_id in (DEFAULT_USER_ID, b"")
        }
        return RevocationList.objects.create(
            authority=locked,
            number=number,
            this_update=this_update,
            next_update=next_update,
            revoked_count=len(entries),
            der=signed[DEFAULT_USER_ID],
            der_empty_id=signed[b""],
        )
