"""The set-wide lock is taken inside a transaction only (it lasts until the transaction ends)."""

from __future__ import annotations

import pytest
from django.db import transaction

from sscard.core.locks import _key, serialise

# no test-wide transaction, so the first call is outside one
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_lock_needs_a_transaction_and_its_key_is_stable():
    with pytest.raises(RuntimeError):
        serialise("x")
    with transaction.atomic():
        serialise("network.relying_party.onboard")  # taken, and released at the end
    assert _key("a") == _key("a") != _key("b")
    assert -(2**63) <= _key("network.relying_party.onboard") < 2**63
