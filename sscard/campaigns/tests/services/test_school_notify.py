"""school_notify: the education side records a school's notice, or a district's (SH-09)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sscard.campaigns.services import campaign_put_in_force, school_notify
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.notifications.models import OutboxMessage
from sscard.policy import builtin_pack
from sscard.registry.models import Person, School
from sscard.registry.services import divisions_load
from sscard.testing.factories import PersonFactory, SchoolFactory

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
HUANGPU = "310101"
JINGAN = "310106"
DAY = date(2019, 4, 8)
TODAY = date(2019, 4, 15)


@pytest.fixture(autouse=True)
def shanghai() -> None:
    divisions_load(actor=SYSTEM)
    campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("shanghai-2019"))


def officer(district: str = HUANGPU) -> Actor:
    return Actor(role=Role.DISTRICT_OFFICER, label="edu", district_code=district)


def family(school: School, phone: str = "13900000001") -> tuple[Person, Person]:
    parent = PersonFactory.create(hukou_region=school.district, phone=phone)
    child = PersonFactory.create(
        category="pupil", hukou_region=school.district, school=school, guardian=parent, phone=""
    )
    return parent, child


def written() -> tuple[Any, ...]:
    return (
        tuple(School.objects.order_by("pk").values_list("notified_on", flat=True)),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def test_one_school_is_notified_audited_and_its_parents_texted() -> None:
    # given a Huangpu school with two pupils of one parent and one of another
    school = SchoolFactory.create(district=HUANGPU, name="黄浦一小")
    parent, _child = family(school)
    PersonFactory.create(category="pupil", school=school, guardian=parent, hukou_region=HUANGPU)
    family(school, phone="13900000002")
    other = SchoolFactory.create(district=HUANGPU)
    family(other, phone="13900000003")
    # when the district officer records its notice
    notice = school_notify(actor=officer(), notified_on=DAY, school_code=school.code, today=TODAY)
    # then only that school is notified, once per parent, with the pack's text
    school.refresh_from_db()
    other.refresh_from_db()
    assert (school.notified_on, other.notified_on) == (DAY, None)
    assert (notice.school_codes, notice.messages) == ([school.code], 2)
    texts = list(OutboxMessage.objects.values_list("template_key", "text"))
    assert len(texts) == 2
    assert {key for key, _ in texts} == {"school_notice"}
    assert all(t.startswith("黄浦一小已开始办理学生新版社会保障卡换发") for _, t in texts)
    assert "http" not in texts[0][1]
    event = AuditEvent.objects.filter(action="school_notify").get()
    assert event.changes["notified_on"] == "2019-04-08"
    assert event.object_id == school.code


def test_a_district_is_notified_at_once_skipping_schools_already_notified() -> None:
    # given three schools of Huangpu, one notified earlier, and one of Jing'an
    earlier = SchoolFactory.create(district=HUANGPU, notified_on=date(2019, 4, 1))
    fresh = [SchoolFactory.create(district=HUANGPU) for _ in range(2)]
    elsewhere = SchoolFactory.create(district=JINGAN)
    for i, school in enumerate([earlier, *fresh, elsewhere]):
        family(school, phone=f"1390000001{i}")
    # when the whole district is notified, the queries do not grow with the schools
    with CaptureQueriesContext(connection) as queries:
        notice = school_notify(actor=officer(), notified_on=DAY, district_code=HUANGPU, today=TODAY)
    # then the two waiting schools are notified, the earlier keeps its day
    days = dict(School.objects.values_list("pk", "notified_on"))
    assert days == {earlier.pk: date(2019, 4, 1), fresh[0].pk: DAY, fresh[1].pk: DAY,
                    elsewhere.pk: None}  # fmt: skip
    assert sorted(notice.school_codes) == sorted(s.code for s in fresh)
    assert notice.messages == OutboxMessage.objects.count() == 2
    assert AuditEvent.objects.filter(action="school_notify").count() == 1
    assert len(queries) <= 30
    # and notifying it again finds no school waiting
    with pytest.raises(ApplicationError) as again:
        school_notify(actor=officer(), notified_on=DAY, district_code=HUANGPU, today=TODAY)
    assert again.value.code == "district_no_school_to_notify"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"school_code": None, "district_code": None}, "school_notice_target_invalid"),
        ({"district_code": HUANGPU, "with_school": True}, "school_notice_target_invalid"),
        ({"district_code": HUANGPU, "notified_on": TODAY + timedelta(days=1)},
         "school_notice_date_in_future"),
        ({"district_code": JINGAN}, "school_notice_out_of_scope"),
        ({"district_code": "310199"}, "not_found"),
        ({"school_code": "9999999999"}, "not_found"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_its_code_and_changes_nothing(
    kwargs: dict[str, Any], code: str
) -> None:
    school = SchoolFactory.create(district=HUANGPU)
    family(school)
    if kwargs.pop("with_school", False):
        kwargs["school_code"] = school.code
    kwargs.setdefault("notified_on", DAY)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        school_notify(actor=officer(), today=TODAY, **kwargs)
    assert refused.value.code == code
    assert refused.value.message_zh
    assert refused.value.message_en
    assert written() == before


def test_a_school_already_notified_is_refused() -> None:
    school = SchoolFactory.create(district=HUANGPU, notified_on=date(2019, 4, 1))
    with pytest.raises(ApplicationError) as refused:
        school_notify(actor=officer(), notified_on=DAY, school_code=school.code, today=TODAY)
    assert refused.value.code == "school_already_notified"


def test_a_school_outside_the_officers_district_is_not_found() -> None:
    school = SchoolFactory.create(district=JINGAN)
    with pytest.raises(ApplicationError) as refused:
        school_notify(actor=officer(), notified_on=DAY, school_code=school.code, today=TODAY)
    assert refused.value.code == "not_found"
    school.refresh_from_db()
    assert school.notified_on is None


@pytest.mark.parametrize("role", [Role.EMPLOYER_HR, Role.BANK_CLERK, Role.CARDHOLDER])
def test_other_roles_may_not_record_notices(role: Role) -> None:
    SchoolFactory.create(district=HUANGPU)
    with pytest.raises(ApplicationError) as refused:
        school_notify(
            actor=Actor(role=role, label="x"), notified_on=DAY, district_code=HUANGPU, today=TODAY
        )
    assert refused.value.code == "permission_denied"


def test_a_city_officer_notifies_any_district_of_the_city_only() -> None:
    SchoolFactory.create(district=JINGAN)
    shanghai = Actor(role=Role.CITY_OFFICER, label="sh", city_code="310000")
    beijing = Actor(role=Role.CITY_OFFICER, label="bj", city_code="110000")
    with pytest.raises(ApplicationError) as refused:
        school_notify(actor=beijing, notified_on=DAY, district_code=JINGAN, today=TODAY)
    assert refused.value.code == "school_notice_out_of_scope"
    notice = school_notify(actor=shanghai, notified_on=DAY, district_code=JINGAN, today=TODAY)
    assert len(notice.school_codes) == 1


def test_a_city_whose_pack_has_no_school_notice_is_refused() -> None:
    # given Beijing's pack in force, which has no school notices
    campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("beijing-2024"))
    school = SchoolFactory.create(district="110102")
    with pytest.raises(ApplicationError) as refused:
        school_notify(actor=SYSTEM, notified_on=DAY, school_code=school.code, today=TODAY)
    assert refused.value.code == "school_notice_not_in_pack"
    school.refresh_from_db()
    assert school.notified_on is None


def test_a_pack_whose_notice_breaks_the_anti_fraud_rule_rolls_everything_back() -> None:
    # BJ-13: the text is checked as filled in; a school's name that smuggles a link is refused
    school = SchoolFactory.create(district=HUANGPU, name="www.example.com 小学")
    family(school)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        school_notify(actor=officer(), notified_on=DAY, school_code=school.code, today=TODAY)
    assert refused.value.code.startswith("message_")
    assert written() == before
