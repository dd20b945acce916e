"""The shipped reference data loads, and loading it twice changes nothing."""

from __future__ import annotations

import pytest

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.network.models import Bank
from sscard.network.services import banks_load
from sscard.registry.models import Division
from sscard.registry.services import divisions_load

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


def test_divisions_load_with_parents_and_abolished_codes() -> None:
    divisions_load(actor=SYSTEM)
    xicheng = Division.objects.get(code="110102")
    assert (xicheng.name_zh, xicheng.parent_id, xicheng.abolished) == ("西城区", "110000", False)
    assert Division.objects.get(code="110103").abolished  # 崇文区, merged in 2010
    assert Division.objects.filter(parent_id="110000", abolished=False).count() == 16
    assert Division.objects.filter(parent_id="310000", abolished=False).count() == 16


def test_only_the_bureau_loads_reference_data() -> None:
    with pytest.raises(ApplicationError):
        banks_load(actor=Actor(role=Role.BANK_CLERK, label="clerk", outlet_id=1))
