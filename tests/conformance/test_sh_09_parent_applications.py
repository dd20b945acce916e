"""SH-09 through the application service: a parent applies online for a child only after the
child's school has been notified; the parent's own identity is recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sscard.applications.services import application_submit
from sscard.applications.tests.support import (
    SH_PUPIL_DAY,
    centre,
    holder,
    in_force,
    pupil_with_parent,
    shanghai_person,
    written,
)
from sscard.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _apply(actor: Any, child: Any, **kw: Any) -> Any:
    return application_submit(
        actor=actor,
        person=child,
        channel="parent_online",
        action="migrate",
        day=SH_PUPIL_DAY,
        bank=kw.pop("bank", "BOSC"),
        backup_centre_id=centre().pk,
        photo_source=kw.pop("photo_source", "student_card"),
        **kw,
    )


def test_sh_09_after_the_schools_notice_a_parent_applies_and_is_recorded() -> None:
    in_force("shanghai-2019")
    parent, child = pupil_with_parent(notified=date(2019, 4, 8))
    app = _apply(holder(parent), child)
    assert (app.person, app.applicant, app.channel, app.clause) == (
        child,
        parent,
        "parent_online",
        "SH-09",
    )
    assert app.photo.source == "student_card"


def test_sh_09_before_the_schools_notice_the_parent_is_told_to_wait() -> None:
    in_force("shanghai-2019")
    parent, child = pupil_with_parent(notified=None)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        _apply(holder(parent), child)
    assert refused.value.code == "school_not_notified"
    assert written()[:5] == before[:5]


def test_sh_09_only_the_childs_own_parent_may_apply() -> None:
    in_force("shanghai-2019")
    _parent, child = pupil_with_parent(notified=date(2019, 4, 8))
    with pytest.raises(ApplicationError) as refused:
        _apply(holder(shanghai_person()), child)
    assert refused.value.code == "not_found"


def test_sh_09_the_parent_picks_one_of_the_eleven_banks() -> None:
    in_force("shanghai-2019")
    parent, child = pupil_with_parent(notified=date(2019, 4, 8))
    with pytest.raises(ApplicationError) as refused:
        _apply(holder(parent), child, bank="CIB")
    assert refused.value.code == "bank_not_partner"
