"""The decision engine: its answers, its bank rules, due dates, and that it never raises."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sscard.kernel.workdays import WorkCalendar
from sscard.policy import (
    Decision,
    DecisionRequest,
    EmployerFacts,
    PackError,
    PersonFacts,
    builtin_pack,
    decide,
    due_date,
    eligible_groups,
)
from sscard.policy.predicates import PERSON_CATEGORIES
from sscard.policy.schema import ACTIONS, CHANNELS, ENGINE_REASONS
from sscard.policy.tests.packs import person, shanghai_person

BJ = builtin_pack("beijing-2024")
SH = builtin_pack("shanghai-2019")
PILOT_DAY = date(2024, 3, 5)


def ask(pack: Any, action: str, channel: str, day: date, facts: Any, **kw: Any) -> Decision:
    return decide(pack, DecisionRequest(action, channel, day, **kw), facts)  # type: ignore[arg-type]


# -- answers ---------------------------------------------------------------------------------


def test_an_allowed_answer_carries_everything_needed_to_act_and_explain() -> None:
    decision = ask(BJ, "collective", "collective_online", PILOT_DAY, person())
    assert decision.allowed
    assert (decision.phase_id, decision.rule_id, decision.clause) == (
        "pilot",
        "pilot-collective",
        "BJ-04",
    )
    assert decision.card_generation == 3
    assert decision.pickup_methods == ("branch", "post", "bank_visit")
    assert decision.banks == BJ.bank_codes
    assert decision.due_rule == "collective"
    # 03-05 + 30 days is Thu 04-04, a Qingming holiday (04-04..06); Sun 04-07 is a 调休 workday
    assert decision.due_date == date(2024, 4, 7)
    assert (decision.pack_id, decision.pack_hash) == (BJ.id, BJ.content_hash)
    assert decision.message_zh
    assert decision.message_en


def test_the_answer_is_json_ready() -> None:
    decision = ask(BJ, "replace_lost", "bank_outlet", PILOT_DAY, person())
    data = decision.as_dict()
    assert json.loads(json.dumps(data))["due_date"] == decision.due_date.isoformat()  # type: ignore[union-attr]
    assert data["pickup_methods"] == ["branch", "post"]


def test_no_facts_answers_only_what_does_not_depend_on_who_asks() -> None:
    # without facts, a rule for a group cannot match
    decision = ask(BJ, "collective", "collective_online", PILOT_DAY, None)
    assert (decision.allowed, decision.reason_code) == (False, "facts_required")


def test_a_request_naming_an_unknown_pickup_is_refused() -> None:
    decision = ask(BJ, "collective", "collective_online", PILOT_DAY, person(), pickup="drone")
    assert (decision.allowed, decision.reason_code) == (False, "pickup_not_offered")
    assert decision.rule_id == "pilot-collective"


def test_a_request_with_an_unknown_action_or_channel_is_answered_not_raised() -> None:
    assert ask(BJ, "fly", "online", PILOT_DAY, person()).reason_code == "request_invalid"
    assert ask(BJ, "first", "fax", PILOT_DAY, person()).reason_code == "request_invalid"


def test_an_aware_datetime_is_taken_as_the_date_in_the_packs_time_zone() -> None:
    # 2024-01-30 17:00 UTC is 2024-01-31 01:00 in Beijing: the pilot's first day
    moment = datetime(2024, 1, 30, 17, 0, tzinfo=UTC)
    decision = ask(BJ, "collective", "collective_online", moment, person())
    assert decision.allowed


def test_a_calendar_without_the_year_gives_no_due_date_and_says_why() -> None:
    only_2023 = WorkCalendar([WorkCalendar.default().schedules[2023]])
    decision = decide(
        BJ,
        DecisionRequest("collective", "collective_online", PILOT_DAY),
        person(),
        calendar=only_2023,
    )
    assert decision.allowed
    assert decision.reason_code == "calendar_not_covered"
    assert decision.due_date is None
    assert "2024" in decision.message_en


def test_due_date_of_an_unknown_rule_is_refused() -> None:
    with pytest.raises(PackError) as info:
        due_date(BJ, "fortnight", PILOT_DAY)
    assert info.value.code == "pack_due_rule_unknown"


def test_a_rule_without_time_limit_has_no_due_date() -> None:
    assert due_date(SH, "batch", date(2019, 3, 1)) is None
    assert due_date(SH, "instant_outlet", date(2019, 3, 1)) == date(2019, 3, 1)


# -- banks -----------------------------------------------------------------------------------


def test_the_pension_bank_is_the_default_when_it_is_a_partner() -> None:
    decision = ask(
        SH, "migrate", "bank_outlet", date(2019, 2, 1), shanghai_person(pension_bank="BOSC")
    )
    assert decision.bank_default == "BOSC"
    assert len(decision.banks) == 11


def test_the_payroll_rule_picks_narrows_or_opens_the_choice() -> None:
    day = date(2019, 9, 2)

    def unit(*banks: str) -> Decision:
        return ask(SH, "collective", "collective_offline", day, EmployerFacts("310101", banks))

    assert (unit("ICBC", "CIB").banks, unit("ICBC", "CIB").bank_default) == (("ICBC",), "ICBC")
    assert (unit("ICBC", "CCB").banks, unit("ICBC", "CCB").bank_default) == (("ICBC", "CCB"), None)
    assert (unit("CIB").banks, unit("CIB").bank_default) == (SH.bank_codes, None)


# -- eligible groups -------------------------------------------------------------------------


def test_eligible_groups_are_those_that_hold_and_that_a_rule_in_force_names() -> None:
    assert eligible_groups(BJ, person(), PILOT_DAY) == ("beijing_persons", "pilot_staff")
    # in June the pilot's groups are no longer named; the city-wide ones are
    assert eligible_groups(BJ, person(), date(2024, 6, 3)) == ("beijing_persons", "staff_citywide")
    assert eligible_groups(BJ, person(), date(2023, 6, 3)) == ()


# -- totality --------------------------------------------------------------------------------

codes = st.sampled_from(["ICBC", "BOSC", "CIB", "", "icbc"]) | st.text(max_size=5)
regions = st.sampled_from(["110102", "110105", "310106", "310101", "130102", ""]) | st.text(
    max_size=7
)
days = st.dates(date(1990, 1, 1), date(2100, 12, 31))
person_facts = st.builds(
    PersonFacts,
    category=st.sampled_from(sorted(PERSON_CATEGORIES)) | st.text(max_size=8),
    employer_district=st.none() | regions,
    hukou_region=regions,
    insured_region=regions,
    birth_date=st.dates(date(1880, 1, 1), date(2100, 1, 1)),
    school_notified_on=st.none() | days,
    pension_bank=codes,
    payroll_banks=st.lists(codes, max_size=3).map(tuple),
)
employer_facts = st.builds(
    EmployerFacts, insured_district=regions, payroll_banks=st.lists(codes, max_size=3).map(tuple)
)
junk = st.sampled_from([object(), 42, "facts", PersonFacts("x", None, "", "", "1990-01-01")])  # type: ignore[arg-type]
requests = st.builds(
    DecisionRequest,
    action=st.sampled_from(ACTIONS) | st.text(max_size=6),
    channel=st.sampled_from(CHANNELS) | st.text(max_size=6),
    day=days
    | st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))
    | st.just("2024-03-01"),
    bank=st.none() | codes,
    pickup=st.none() | st.sampled_from(["branch", "post", "on_the_spot", "drone"]),
)


@settings(max_examples=400, deadline=None)
@given(
    pack=st.sampled_from([BJ, SH]),
    request=requests,
    facts=st.none() | person_facts | employer_facts | junk,
)
def test_decide_answers_everything_and_never_raises(pack: Any, request: Any, facts: Any) -> None:
    decision = decide(pack, request, facts)
    assert isinstance(decision, Decision)
    assert isinstance(decision.allowed, bool)
    assert decision.reason_code
    assert decision.message_zh
    assert decision.message_en
    assert decision.pack_id == pack.id
    assert decision.pack_hash == pack.content_hash
    if decision.allowed:
        assert decision.card_generation in (2, 3)
        assert decision.rule_id is not None
        assert request.bank is None or request.bank in decision.banks
    elif decision.reason_code not in ENGINE_REASONS:
        # a refusal from the pack names its rule
        assert decision.rule_id is not None
    assert decision.reason_code != "engine_error", decision


def test_decide_answers_even_without_a_pack() -> None:
    decision = decide(None, DecisionRequest("first", "online", PILOT_DAY), None)  # type: ignore[arg-type]
    assert (decision.allowed, decision.reason_code) == (False, "engine_error")


def test_every_day_of_a_pack_is_answered() -> None:
    day = date(2018, 6, 1)
    while day <= date(2025, 1, 31):
        for pack in (BJ, SH):
            decision = ask(pack, "migrate", "bank_outlet", day, person())
            assert decision.reason_code != "engine_error"
        day += timedelta(days=7)
