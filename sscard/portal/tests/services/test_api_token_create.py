"""api_token_create: shown once, stored as SM3, audited; only for one's own account."""

from __future__ import annotations

import pytest

from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.gm import sm3
from sscard.portal.selectors import api_token_actor
from sscard.portal.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def test_token_is_stored_as_its_sm3_digest_only(relying_party):
    token, plaintext = api_token_create(
        actor=relying_party.actor(), account=relying_party, name="HIS"
    )
    assert plaintext.startswith("sst_")
    assert bytes(token.digest) == sm3(plaintext.encode())
    assert plaintext not in str(AuditEvent.objects.get(action="api_token.create").changes)
    speaker = api_token_actor(plaintext)
    assert speaker is not None
    assert speaker.relying_party_id == relying_party.relying_party_id


def test_nobody_else_issues_or_revokes_a_users_tokens(relying_party, employer_hr):
    with pytest.raises(ApplicationError) as refused:
        api_token_create(actor=employer_hr.actor(), account=relying_party, name="x")
    assert refused.value.code == "permission_denied"
    token, _ = api_token_create(actor=relying_party.actor(), account=relying_party, name="x")
    with pytest.raises(ApplicationError) as hidden:
        api_token_revoke(actor=employer_hr.actor(), token_id=token.pk)
    assert hidden.value.code == "not_found"


def test_a_token_needs_a_name(relying_party):
    with pytest.raises(ApplicationError) as refused:
        api_token_create(actor=relying_party.actor(), account=relying_party, name="  ")
    assert refused.value.code == "name_invalid"
