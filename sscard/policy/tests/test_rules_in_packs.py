"""Rules only in packs (issue 11, point 3): what the counters and the reports ask of a pack —
whether the time in the post counts toward a due date, which channels make the card in the
visit, which pickup method is the instant one, which channel a replacement goes by — is read
from the pack, so a pack that changes one of them changes the answer. The services' side of
the same changes is in ``tests/conformance/test_rules_in_packs.py``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sscard.policy import (
    DecisionRequest,
    Pack,
    PackError,
    builtin_pack,
    counter_channels,
    decide,
    due_counts_postage,
    instant_pickup,
    load_pack,
    made_in_the_visit,
    replacement_channel,
)
from sscard.policy.tests.packs import (
    dump,
    instant_pickup_renamed,
    no_instant_issuance,
    pack_data,
    person,
    postage_counted,
    rule_data,
    rule_index,
)

BJ = builtin_pack("beijing-2024")
SH = builtin_pack("shanghai-2019")
BRANCH = ("bank_outlet", "instant_outlet")  # what a bank branch's counter offers
CENTRE = ("community_centre", "instant_outlet")
DAY = date(2024, 3, 4)


def changed(change: Callable[[dict[str, Any]], None], pack_id: str = "beijing-2024") -> Pack:
    data = pack_data(pack_id)
    change(data)
    return load_pack(dump(data))


def test_the_builtin_packs_make_cards_in_the_visit_on_instant_outlets_only() -> None:
    for pack in (BJ, SH):
        assert pack.same_visit.channels == ("instant_outlet",)
        assert made_in_the_visit(pack, "instant_outlet")
        assert not made_in_the_visit(pack, "bank_outlet")
        assert instant_pickup(pack) == "on_the_spot"
        assert counter_channels(pack, BRANCH, instant_issuance=False) == ("bank_outlet",)
        assert counter_channels(pack, BRANCH, instant_issuance=True) == BRANCH


def test_the_builtin_packs_exclude_the_time_in_the_post_from_their_due_dates() -> None:
    assert not due_counts_postage(BJ, rule_id="pilot-collective", pickup="post")
    assert not due_counts_postage(BJ, rule_id="pilot-replace-regular", pickup="post")
    # Shanghai's cards are made in batches without a time limit (SH-10)
    assert not due_counts_postage(SH, rule_id="campaign-community-centre", pickup="post")


def test_a_due_rule_without_the_postage_exclusion_counts_the_post_for_posted_cards() -> None:
    pack = changed(postage_counted)
    assert due_counts_postage(pack, rule_id="pilot-collective", pickup="post")
    # a card collected at the branch is not posted: making it is what counts
    assert not due_counts_postage(pack, rule_id="pilot-collective", pickup="branch")
    # the other due rules still exclude it
    assert not due_counts_postage(pack, rule_id="pilot-replace-regular", pickup="post")
    assert not due_counts_postage(pack, rule_id="no-such-rule", pickup="post")
    # and the decision no longer says the post is excluded
    request = DecisionRequest("collective", "collective_online", DAY)
    assert "excluded" in decide(BJ, request, person()).message_en
    assert "excluded" not in decide(pack, request, person()).message_en


def test_the_same_visit_channels_come_from_the_pack() -> None:
    pack = changed(no_instant_issuance)
    assert pack.same_visit.channels == ()
    assert not made_in_the_visit(pack, "instant_outlet")
    # an outlet without an instant-issuance machine now takes the instant outlets' channel too
    assert counter_channels(pack, BRANCH, instant_issuance=False) == BRANCH
    assert counter_channels(pack, CENTRE, instant_issuance=False) == CENTRE


def test_the_instant_pickup_comes_from_the_pack() -> None:
    pack = changed(instant_pickup_renamed)
    assert instant_pickup(pack) == "counter_made"
    request = DecisionRequest("replace_lost", "instant_outlet", DAY, pickup=instant_pickup(pack))
    decision = decide(pack, request, person())
    assert (decision.allowed, decision.pickup_methods) == (True, ("counter_made",))
    assert instant_pickup(changed(lambda d: _drop_instant_pickup(d))) is None


def _drop_instant_pickup(data: dict[str, Any]) -> None:
    data["pickup_methods"]["on_the_spot"]["handover"] = "outlet"


def test_the_replacement_channel_is_chosen_from_the_pack() -> None:
    # built in: a regular replacement goes by the counter's own channel, an instant one by the
    # instant outlets'; SH-06's redirection is the decision's answer for the bank outlet
    for pack in (BJ, SH):
        assert replacement_channel(pack, BRANCH) == "bank_outlet"
        assert replacement_channel(pack, CENTRE) == "community_centre"
        assert replacement_channel(pack, BRANCH, same_visit=True) == "instant_outlet"
        assert replacement_channel(pack, ("enterprise_point",), same_visit=True) is None
    # where the instant outlets make the card later, Beijing's replacements go by them first
    # (its replacement channels name instant outlets before bank outlets), and none is instant
    pack = changed(no_instant_issuance)
    assert pack.loss.replacement_channels == ("instant_outlet", "bank_outlet")
    assert replacement_channel(pack, BRANCH) == "instant_outlet"
    assert replacement_channel(pack, BRANCH, same_visit=True) is None
    decision = decide(pack, DecisionRequest("replace_lost", "instant_outlet", DAY), person())
    assert (decision.allowed, decision.due_rule) == (True, "regular_outlet")


def test_a_same_visit_due_rule_on_a_channel_not_made_in_the_visit_is_refused() -> None:
    def made_in_the_visit_at_bank_outlets(data: dict[str, Any]) -> None:
        rule_data(data, "pilot-replace-regular")["due"] = "instant_outlet"

    with pytest.raises(PackError) as info:
        changed(made_in_the_visit_at_bank_outlets)
    pi, ri = rule_index(pack_data("beijing-2024"), "pilot-replace-regular")
    assert (info.value.code, info.value.path) == (
        "pack_schema_invalid",
        f"phases[{pi}].rules[{ri}].channels[0]",
    )
    assert "same_visit.channels" in info.value.message_en


# The clauses the engine decides itself: ``grep SH-07 sscard/policy/engine.py`` reaches the
# branch that implements it.
ENGINE_CLAUSES = (
    "BJ-02",
    "BJ-03",
    "BJ-05",
    "BJ-08",
    "BJ-09",
    "BJ-11",
    "BJ-14",
    "SH-01",
    "SH-03",
    "SH-05",
    "SH-06",
    "SH-07",
    "SH-08",
    "SH-09",
    "SH-10",
    "SH-12",
    "SH-18",
)


@pytest.mark.parametrize("clause", ENGINE_CLAUSES)
def test_the_engine_branch_names_the_clause_it_implements(clause: str) -> None:
    engine = Path(__file__).resolve().parents[1] / "engine.py"
    commented = [
        line for line in engine.read_text("utf-8").splitlines() if re.search(rf"#.*{clause}", line)
    ]
    assert commented, f"no engine line carries {clause}"
