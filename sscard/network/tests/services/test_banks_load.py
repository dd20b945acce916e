"""banks_load: the shipped banks load, and loading them twice changes nothing."""

from __future__ import annotations

import pytest

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.network.models import Bank
from sscard.network.services import banks_load

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def test_partner_banks_of_both_notices_load_once() -> None:
    banks_load(actor=SYSTEM)
    banks = list(Bank.objects.all())
    assert sum("110000" in b.partner_cities for b in banks) == 14  # BJ-09
    assert sum("310000" in b.partner_cities for b in banks) == 11  # SH-03
    assert Bank.objects.get(code="CIB").partner_cities == []
    events = AuditEvent.objects.count()
    banks_load(actor=SYSTEM)
    assert AuditEvent.objects.count() == events


def test_only_the_bureau_loads_reference_data() -> None:
    with pytest.raises(ApplicationError):
        banks_load(actor=Actor(role=Role.BANK_CLERK, label="clerk", outlet_id=1))


def test_the_load_is_audited_once_and_a_changed_bank_is_written_again() -> None:
    # given the banks loaded, and one bank's hotline changed since
    banks_load(actor=SYSTEM)
    first = AuditEvent.objects.get(action="load", object_type="network.bank")
    assert first.object_id == "banks.yaml"
    Bank.objects.filter(code="ICBC").update(hotline="00000")
    # when they are loaded again
    count = banks_load(actor=SYSTEM)
    # then only that bank is written back, and the second load is audited with it alone
    assert count == Bank.objects.count()
    assert Bank.objects.get(code="ICBC").hotline != "00000"
    second = AuditEvent.objects.filter(action="load", object_type="network.bank").last()
    assert second is not None
    assert second.pk != first.pk
    assert second.changes == {"written": ["ICBC"]}
