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
from sscard.campaigns.services import school_notify
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.notifications.models import OutboxMessage
from sscard.registry.models import Person
from sscard.registry.services import divisions_load

pytestmark = pytest.mark.django_db
SYSTEM_ACTOR = Actor.system("test")


def _apply(actor: Any, child: Any, **kw: Any) -> Any:
    return application_submit(
        actor=actor,
        person=child,
        channel="parent_online",
        action="migrate",
        day=kw.pop("day", SH_PUPIL_DAY),
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


def test_sh_09_the_schools_notice_opens_the_parents_application_from_its_day() -> None:
    # given a Huangpu pupil whose school has not been notified, and the pack in force
    divisions_load(actor=SYSTEM_ACTOR)
    in_force("shanghai-2019")
    parent, child = pupil_with_parent(notified=None)
    school = child.school
    assert school is not None
    officer = Actor(role=Role.DISTRICT_OFFICER, label="edu", district_code=school.district)
    # when the district's schools are notified on 2019-04-15 (分区分批)
    notice = school_notify(
        actor=officer, notified_on=SH_PUPIL_DAY, district_code=school.district, today=SH_PUPIL_DAY
    )
    # then the parent is texted the pack's school notice, with no link (BJ-13)
    assert school.code in notice.school_codes
    text = OutboxMessage.objects.get(template_key="school_notice", person_id=parent.pk).text
    assert text.startswith(school.name)
    assert "http" not in text
    # the day before the notice the parent is still told to wait
    with pytest.raises(ApplicationError) as early:
        _apply(holder(parent), child, day=date(2019, 4, 14))
    assert early.value.code == "school_not_notified"
    # from the notice day the parent applies, and is recorded as the applicant
    child = Person.objects.get(pk=child.pk)  # as the page reads it, with its school's notice
    app = _apply(holder(parent), child)
    assert (app.person, app.applicant, app.clause) == (child, parent, "SH-09")


def test_sh_09_after_the_pupils_window_a_notified_school_does_not_help() -> None:
    in_force("shanghai-2019")
    parent, child = pupil_with_parent(notified=None)
    assert child.school is not None
    school_notify(
        actor=SYSTEM_ACTOR, notified_on=SH_PUPIL_DAY, school_code=child.school.code,
        today=SH_PUPIL_DAY,
    )  # fmt: skip
    before = written()
    with pytest.raises(ApplicationError) as late:
        _apply(holder(parent), child, day=date(2019, 7, 1))
    assert late.value.code == "no_rule"
    assert late.value.message_zh
    assert late.value.message_en
    assert written() == before
