"""api_token_revoke: a token stops working at once, audited once; others' tokens stay hidden."""

from __future__ import annotations

import pytest

from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.portal.models import ApiToken
from sscard.portal.selectors import api_token_actor
from sscard.portal.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def test_revoking_twice_changes_nothing(relying_party):
    actor = relying_party.actor()
    token, plaintext = api_token_create(actor=actor, account=relying_party, name="x")
    first = api_token_revoke(actor=actor, token_id=token.pk).revoked_at
    second = api_token_revoke(actor=actor, token_id=token.pk).revoked_at
    assert first == second
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1
    assert api_token_actor(plaintext) is None


def test_the_bureau_revokes_any_accounts_token_and_the_audit_names_it(relying_party):
    # given a partner's token that works
    token, plaintext = api_token_create(
        actor=relying_party.actor(), account=relying_party, name="HIS"
    )
    assert api_token_actor(plaintext) is not None
    # when the system revokes it
    revoked = api_token_revoke(actor=Actor.system("admin"), token_id=token.pk)
    # then it answers no more, and the revocation is audited with its time
    assert revoked.revoked_at is not None
    assert api_token_actor(plaintext) is None
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert (event.object_type, event.object_id) == ("portal.api_token", str(token.pk))
    assert event.changes == {"revoked_at": revoked.revoked_at.isoformat()}


def test_someone_elses_token_or_an_unknown_one_is_not_found(relying_party, employer_hr):
    token, plaintext = api_token_create(
        actor=relying_party.actor(), account=relying_party, name="x"
    )
    for token_id in (token.pk, 999_999):
        with pytest.raises(ApplicationError) as hidden:
            api_token_revoke(actor=employer_hr.actor(), token_id=token_id)
        assert (hidden.value.code, hidden.value.status) == ("not_found", 404)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert api_token_actor(plaintext) is not None
    assert not AuditEvent.objects.filter(action="api_token.revoke").exists()
