"""The audit trail: appended in the writer's transaction, SM3-chained, tamper-evident."""

from __future__ import annotations

import pytest
from django.db import transaction

from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append, audit_append_many, audit_verify_chain
from sscard.core.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def fact(n: int) -> AuditFact:
    return AuditFact("test", "core.thing", str(n), {"n": n})


def test_events_chain_and_verify() -> None:
    with transaction.atomic():
        audit_append(actor=SYSTEM, fact=fact(1))
        audit_append_many(actor=SYSTEM, facts=[fact(2), fact(3)])
    events = list(AuditEvent.objects.order_by("pk"))
    assert [bytes(e.prev_hash) for e in events[1:]] == [bytes(e.hash) for e in events[:-1]]
    assert bytes(AuditChainHead.objects.get().last_hash) == bytes(events[-1].hash)
    assert audit_verify_chain().ok
    assert audit_verify_chain().events == 3


def test_a_changed_event_breaks_the_chain_at_that_event() -> None:
    with transaction.atomic():
        audit_append_many(actor=SYSTEM, facts=[fact(1), fact(2), fact(3)])
    second = AuditEvent.objects.order_by("pk")[1]
    AuditEvent.objects.filter(pk=second.pk).update(changes={"n": 99})
    result = audit_verify_chain()
    assert (result.ok, result.first_bad_id) == (False, second.pk)


@pytest.mark.django_db(transaction=True)
def test_appending_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        audit_append(actor=SYSTEM, fact=fact(1))
    assert not AuditEvent.objects.exists()


def test_rolled_back_change_leaves_no_event() -> None:
    def change_then_fail() -> None:
        with transaction.atomic():
            audit_append(actor=SYSTEM, fact=fact(1))
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        change_then_fail()
    assert not AuditEvent.objects.exists()
