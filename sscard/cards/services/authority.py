"""The card scheme's certificate authorities: a root and an issuing CA that sscard creates and
keeps (private keys SM4-wrapped, never in the clear in the database), and the chain a card
certificate is checked against.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sscard.cards.choices import AuthorityKind
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import CertificateAuthority
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.crypto import secret_unwrap, secret_wrap
from sscard.kernel.gm import Sm2PrivateKey
from sscard.kernel.pki import issue_intermediate_ca, issue_root_ca, parse_certificate

# chosen: a root lives 30 years and an issuing CA 20; an issuing CA is replaced while it still
# outlives every card certificate it could sign (cards are valid for up to 10 years, plus the
# time a card waits at the factory and the outlet).
ROOT_YEARS = 30
ISSUING_YEARS = 20
ISSUING_MIN_REMAINING = timedelta(days=366 * 11)
OBJECT = "cards.certificateauthority"


@dataclass(frozen=True, slots=True)
class Issuer:
    """The active issuing CA with its key opened, and the chain above it."""

    authority: CertificateAuthority
    key: Sm2PrivateKey
    certificate: bytes
    root_certificate: bytes

    @property
    def chain(self) -> tuple[bytes, bytes]:
        """Issuing CA, then root: what a card certificate is verified against."""
        return self.certificate, self.root_certificate


def _label(kind: str, serial: int) -> str:
    return f"ca:{kind}:{serial:x}"


def _create(
    *,
    kind: AuthorityKind,
    name: str,
    serial: int,
    parent: CertificateAuthority | None,
    parent_key: Sm2PrivateKey | None,
    now: datetime,
    years: int,
) -> tuple[CertificateAuthority, Sm2PrivateKey]:
    key = Sm2PrivateKey.generate()
    not_after = now + timedelta(days=365 * years)
    organization = settings.SSCARD_CA_ORGANIZATION
    if parent is None or parent_key is None:
        der = issue_root_ca(
            key=key,
            common_name=name,
            organization=organization,
            serial=serial,
            not_before=now,
            not_after=not_after,
        )
    else:
        der = issue_intermediate_ca(
            issuer_key=parent_key,
            issuer_cert=bytes(parent.certificate),
            public_key=key.public_key(),
            common_name=name,
            organization=organization,
            serial=serial,
            not_before=now,
            not_after=min(not_after, parent.not_after),
        )
    authority = CertificateAuthority.objects.create(
        kind=kind,
        common_name=name,
        parent=parent,
        certificate=der,
        key_wrapped=secret_wrap(key.scalar(), label=_label(kind, serial)),
        not_before=now,
        not_after=not_after if parent is None else min(not_after, parent.not_after),
        created_at=now,
    )
    return authority, key


def _serial_of(authority: CertificateAuthority) -> int:
    return parse_certificate(bytes(authority.certificate)).serial


def _open_key(authority: CertificateAuthority) -> Sm2PrivateKey:
    scalar = secret_unwrap(
        bytes(authority.key_wrapped), label=_label(authority.kind, _serial_of(authority))
    )
    return Sm2PrivateKey.from_scalar(scalar)


def authority_ensure(*, actor: Actor) -> Issuer:
    """The active issuing CA, creating the root and the issuing CA on first use and a new
    issuing CA when the active one no longer outlives the card certificates it would sign.

    Two processes starting on the first batch at once race to create them: the loser's insert
    waits for the winner's commit, then fails on "one active CA per kind" (its savepoint rolls
    back, an outer transaction stays usable) — and it takes the winner's.
    """
    try:
        return _ensure(actor)
    except IntegrityError:
        return _ensure(actor)


def _ensure(actor: Actor) -> Issuer:
    with transaction.atomic():
        # One creator at a time: the lock on the active root (or, the first time, the unique
        # constraint on the active kind) makes a racing second caller wait and reuse.
        root = (
            CertificateAuthority.objects.select_for_update()
            .filter(kind=AuthorityKind.ROOT, active=True)
            .first()
        )
        now = timezone.now()
        root_key: Sm2PrivateKey | None = None
        created: list[CertificateAuthority] = []
        if root is None:
            root, root_key = _create(
                kind=AuthorityKind.ROOT,
                name="社会保障卡根CA",
                serial=secrets.randbits(63) | 1,
                parent=None,
                parent_key=None,
                now=now,
                years=ROOT_YEARS,
            )
            created.append(root)
        issuing = CertificateAuthority.objects.filter(
            kind=AuthorityKind.ISSUING, active=True
        ).first()
        if issuing is not None and issuing.not_after - now < ISSUING_MIN_REMAINING:
            issuing.active = False
            issuing.save(update_fields=["active"])
            issuing = None
        if issuing is None:
            issuing, _key = _create(
                kind=AuthorityKind.ISSUING,
                name="社会保障卡发卡CA",
                serial=secrets.randbits(63) | 1,
                parent=root,
                parent_key=root_key or _open_key(root),
                now=now,
                years=ISSUING_YEARS,
            )
            created.append(issuing)
        for authority in created:
            audit_append(
                actor=actor,
                fact=AuditFact(
                    action="authority_create",
                    object_type=OBJECT,
                    object_id=str(authority.pk),
                    changes={
                        "kind": authority.kind,
                        "common_name": authority.common_name,
                        "not_after": authority.not_after.isoformat(),
                    },
                ),
            )
    return issuer_open(issuing)


def issuer_open(authority: CertificateAuthority) -> Issuer:
    """The issuing CA ``authority`` with its key unwrapped and its root."""
    root = authority.parent
    if authority.kind != AuthorityKind.ISSUING or root is None:
        raise CardsErrorCode.AUTHORITY_INVALID.error()
    return Issuer(
        authority=authority,
        key=_open_key(authority),
        certificate=bytes(authority.certificate),
        root_certificate=bytes(root.certificate),
    )


def chain_of(authority_id: int) -> tuple[bytes, bytes] | None:
    """The issuing CA's certificate and its root's, to verify a card certificate against."""
    authority = (
        CertificateAuthority.objects.select_related("parent").filter(pk=authority_id).first()
    )
    if authority is None or authority.parent is None:
        return None
    return bytes(authority.certificate), bytes(authority.parent.certificate)
