"""SH-09: pupils and children (hukou or insured), 2019-04 to 2019-06, after the school's notice,
parents apply online and pick one of the 11 banks."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.policy import Decision, DecisionRequest, PersonFacts, builtin_pack, decide
from sscard.policy.tests.packs import shanghai_person
from sscard.registry.eligibility import eligible_persons
from sscard.testing.factories import PersonFactory, SchoolFactory

PACK = builtin_pack("shanghai-2019")
NOTICE = date(2019, 4, 15)


def pupil(**kw: object) -> PersonFacts:
    facts = {"category": "pupil", "birth_date": date(2010, 9, 1), "school_notified_on": NOTICE}
    facts.update(kw)
    return shanghai_person(**facts)


def parent_applies(day: date, child: PersonFacts, bank: str | None = None) -> Decision:
    return decide(PACK, DecisionRequest("migrate", "parent_online", day, bank=bank), child)


def test_sh_09_a_parent_applies_online_once_the_school_is_notified() -> None:
    decision = parent_applies(NOTICE, pupil())
    assert decision.allowed
    assert (decision.phase_id, decision.clause) == ("pupils", "SH-09")
    # and picks one of the eleven banks: no default
    assert decision.banks == PACK.bank_codes
    assert decision.bank_default is None


def test_sh_09_before_the_schools_notice_the_application_is_refused() -> None:
    decision = parent_applies(date(2019, 4, 14), pupil())
    assert (decision.allowed, decision.reason_code) == (False, "school_not_notified")
    never = parent_applies(date(2019, 5, 1), pupil(school_notified_on=None))
    assert never.reason_code == "school_not_notified"


@pytest.mark.parametrize(
    ("day", "allowed"),
    [
        (date(2019, 3, 31), False),
        (date(2019, 4, 1), True),
        (date(2019, 6, 30), True),
        (date(2019, 7, 1), False),
    ],
)
def test_sh_09_the_window_is_april_to_june_2019(day: date, allowed: bool) -> None:
    child = pupil(school_notified_on=date(2019, 3, 1), category="preschool_child")
    assert parent_applies(day, child).allowed is allowed


def test_sh_09_children_without_hukou_or_insurance_are_not_eligible() -> None:
    decision = parent_applies(NOTICE, pupil(hukou_region="320102", insured_region=""))
    assert decision.reason_code == "not_eligible"


def test_sh_09_a_bank_outside_the_eleven_is_refused() -> None:
    decision = parent_applies(NOTICE, pupil(), bank="CITIC")
    assert decision.reason_code == "bank_not_partner"


def test_sh_09_the_student_card_photo_is_for_pupils() -> None:
    sources = {s.id: s for s in PACK.photo_sources}
    assert sources["student_card"].groups == ("pupils",)


@pytest.mark.django_db
def test_sh_09_the_notified_pupils_are_selected_school_by_school() -> None:
    notified = SchoolFactory.create(district="310106", notified_on=NOTICE)
    later = SchoolFactory.create(district="310107", notified_on=date(2019, 5, 20))
    silent = SchoolFactory.create(district="310115", notified_on=None)
    first = PersonFactory.create(category="pupil", school=notified, hukou_region="310106")
    second = PersonFactory.create(category="pupil", school=later, hukou_region="310107")
    PersonFactory.create(category="pupil", school=silent, hukou_region="310115")

    def selected(day: date) -> set[int]:
        rows = eligible_persons(PACK, "pupils_notified", today=day).values_list("id", flat=True)
        return set(rows)

    assert selected(date(2019, 4, 14)) == set()
    assert selected(NOTICE) == {first.id}
    assert selected(date(2019, 5, 20)) == {first.id, second.id}
