"""authority_ensure: a root and an issuing CA created once, keys kept SM4-wrapped, the issuing
CA renewed before it could not outlive the card certificates it signs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sscard.cards.models import CertificateAuthority
from sscard.cards.services.authority import ISSUING_MIN_REMAINING, authority_ensure, chain_of
from sscard.core.actors import Actor
from sscard.core.models import AuditEvent
from sscard.kernel.gm import GmError
from sscard.kernel.pki import parse_certificate, verify_chain

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def test_the_first_use_creates_a_root_and_an_issuing_ca_and_the_next_reuses_them():
    issuer = authority_ensure(actor=SYSTEM)
    again = authority_ensure(actor=SYSTEM)
    assert again.authority.pk == issuer.authority.pk
    assert CertificateAuthority.objects.count() == 2
    root = CertificateAuthority.objects.get(kind="root")
    assert issuer.authority.parent == root
    info = verify_chain(issuer.certificate, [issuer.root_certificate], at=datetime.now(UTC))
    assert info.is_ca
    assert chain_of(issuer.authority.pk) == issuer.chain
    assert AuditEvent.objects.filter(action="authority_create").count() == 2


def test_private_keys_are_stored_wrapped_never_in_the_clear():
    issuer = authority_ensure(actor=SYSTEM)
    stored = bytes(issuer.authority.key_wrapped)
    assert issuer.key.scalar() not in stored
    # the key version's head (sskw, version), then SM4-GCM: nonce, the 32-byte scalar, tag
    assert len(stored) == 4 + 1 + 12 + 32 + 16
    # the wrap is bound to its CA: copied onto the root's row it does not open
    from sscard.cards.services.authority import _open_key

    root = CertificateAuthority.objects.get(kind="root")
    root.key_wrapped = stored
    with pytest.raises(GmError) as caught:
        _open_key(root)
    assert caught.value.code == "sm4_auth_failed"


def test_an_issuing_ca_near_the_end_of_its_life_is_replaced():
    first = authority_ensure(actor=SYSTEM)
    CertificateAuthority.objects.filter(pk=first.authority.pk).update(
        not_after=datetime.now(UTC) + ISSUING_MIN_REMAINING - timedelta(days=1)
    )
    second = authority_ensure(actor=SYSTEM)
    assert second.authority.pk != first.authority.pk
    assert not CertificateAuthority.objects.get(pk=first.authority.pk).active
    # both chain to the same root, so cards signed by the old one still verify
    assert second.root_certificate == first.root_certificate
    assert parse_certificate(second.certificate).issuer_common_name == "社会保障卡根CA"
