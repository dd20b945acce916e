"""SH-05: Shanghai hukou residents and non-hukou persons legally insured in Shanghai are
eligible; anyone else is rejected."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.policy import DecisionRequest, builtin_pack, decide
from sscard.policy.schema import ACTIONS, CHANNELS
from sscard.policy.tests.packs import shanghai_person
from sscard.registry.eligibility import eligible_persons
from sscard.testing.factories import PersonFactory

PACK = builtin_pack("shanghai-2019")
DAY = date(2019, 5, 6)
OUTSIDER = shanghai_person(hukou_region="320102", insured_region="320102")


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("channel", CHANNELS)
def test_sh_05_anyone_else_is_rejected_on_every_channel(action: str, channel: str) -> None:
    decision = decide(PACK, DecisionRequest(action, channel, DAY), OUTSIDER)  # type: ignore[arg-type]
    assert (decision.allowed, decision.reason_code, decision.clause) == (
        False,
        "not_eligible",
        "SH-05",
    )
    assert "来沪" in decision.message_zh
    assert "insured in Shanghai" in decision.message_en


@pytest.mark.parametrize(
    ("hukou", "insured"),
    [("310106", "310106"), ("310106", ""), ("320102", "310115"), ("", "310101")],
)
def test_sh_05_hukou_or_insured_location_makes_a_person_eligible(hukou: str, insured: str) -> None:
    retiree = shanghai_person(hukou_region=hukou, insured_region=insured)
    decision = decide(PACK, DecisionRequest("migrate", "bank_outlet", DAY), retiree)
    assert decision.allowed


def test_sh_05_the_pilot_checks_eligibility_too() -> None:
    decision = decide(PACK, DecisionRequest("migrate", "bank_outlet", date(2018, 9, 3)), OUTSIDER)
    assert decision.reason_code == "not_eligible"


@pytest.mark.django_db
def test_sh_05_the_eligible_population_is_selected_by_hukou_or_insured_location() -> None:
    hukou = PersonFactory.create(hukou_region="310104", insured_region="")
    insured = PersonFactory.create(hukou_region="410102", insured_region="310112")
    outsider = PersonFactory.create(hukou_region="410102", insured_region="410102")
    beijing = PersonFactory.create(hukou_region="110102", insured_region="110102")
    selected = set(eligible_persons(PACK, "eligible", today=DAY).values_list("id", flat=True))
    rejected = set(eligible_persons(PACK, "not_eligible", today=DAY).values_list("id", flat=True))
    assert selected == {hukou.id, insured.id}
    assert rejected == {outsider.id, beijing.id}
