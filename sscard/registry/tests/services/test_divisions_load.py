"""divisions_load: the shipped administrative divisions load, once, audited; only the bureau."""

from __future__ import annotations

import pytest

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.registry.models import Division
from sscard.registry.services import divisions_load

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def test_divisions_load_with_parents_and_abolished_codes() -> None:
    divisions_load(actor=SYSTEM)
    xicheng = Division.objects.get(code="110102")
    assert (xicheng.name_zh, xicheng.parent_id, xicheng.abolished) == ("西城区", "110000", False)
    assert Division.objects.get(code="110103").abolished  # 崇文区, merged in 2010
    assert Division.objects.filter(parent_id="110000", abolished=False).count() == 16
    assert Division.objects.filter(parent_id="310000", abolished=False).count() == 16


def test_loading_twice_writes_and_audits_once() -> None:
    # given the divisions loaded once
    total = divisions_load(actor=SYSTEM)
    event = AuditEvent.objects.get(action="load", object_type="registry.division")
    assert event.changes == {"written": total, "total": total}
    # when they are loaded again, then nothing is written and nothing more audited
    assert divisions_load(actor=SYSTEM) == total
    assert Division.objects.count() == total
    assert AuditEvent.objects.filter(object_type="registry.division").count() == 1


def test_a_changed_division_is_written_back() -> None:
    # given the divisions loaded, and one renamed since
    divisions_load(actor=SYSTEM)
    Division.objects.filter(code="110102").update(name_zh="改名")
    # when they are loaded again, then the shipped name is back and one row is audited
    divisions_load(actor=SYSTEM)
    assert Division.objects.get(code="110102").name_zh == "西城区"
    last = AuditEvent.objects.filter(object_type="registry.division").last()
    assert last is not None
    assert last.changes["written"] == 1


@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICER, Role.BANK_CLERK, Role.EMPLOYER_HR])
def test_only_the_bureau_loads_divisions(role: Role) -> None:
    with pytest.raises(ApplicationError) as refused:
        divisions_load(actor=Actor(role=role, label="x"))
    assert refused.value.code == "permission_denied"
    assert not Division.objects.exists()
