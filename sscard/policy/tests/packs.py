"""Helpers for tests that need a pack changed in one place: load the YAML, edit, dump back."""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from sscard.policy.loader import PACKS_DIR
from sscard.policy.predicates import PersonFacts


def pack_data(pack_id: str) -> dict[str, Any]:
    """The built-in pack as plain data, ready to be edited."""
    data: dict[str, Any] = yaml.safe_load((PACKS_DIR / f"{pack_id}.yaml").read_text("utf-8"))
    return data


def dump(data: dict[str, Any]) -> str:
    """YAML text of ``data`` (what ``load_pack`` reads)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def rule_index(data: dict[str, Any], rule_id: str) -> tuple[int, int]:
    """(phase index, rule index) of a rule, for editing and for expected paths."""
    for pi, phase in enumerate(data["phases"]):
        for ri, rule in enumerate(phase["rules"]):
            if rule["id"] == rule_id:
                return pi, ri
    raise KeyError(rule_id)


def person(**changes: Any) -> PersonFacts:
    """A person's facts: by default an in-service staff member of a Xicheng (西城) employer."""
    base: dict[str, Any] = {
        "category": "in_service_staff",
        "employer_district": "110102",
        "hukou_region": "110102",
        "insured_region": "110102",
        "birth_date": date(1985, 5, 20),
    }
    base.update(changes)
    return PersonFacts(**base)


def shanghai_person(**changes: Any) -> PersonFacts:
    """A person's facts: by default a retiree registered and insured in Jing'an (静安)."""
    base: dict[str, Any] = {
        "category": "retiree",
        "employer_district": None,
        "hukou_region": "310106",
        "insured_region": "310106",
        "birth_date": date(1950, 3, 1),
    }
    base.update(changes)
    return PersonFacts(**base)


# Beijing's pack changed in one rule each (issue 11, point 3: rules only in packs).

INSTANT_RULES = ("pilot-replace-instant", "rollout-replace-instant")


def rule_data(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    """The rule ``rule_id`` of ``data``, to be edited in place."""
    pi, ri = rule_index(data, rule_id)
    rule: dict[str, Any] = data["phases"][pi]["rules"][ri]
    return rule


def postage_counted(data: dict[str, Any], due_rule: str = "collective") -> None:
    """A due rule (BJ-11) without ``excludes: [postage]``: the post counts toward it."""
    del data["due_rules"][due_rule]["excludes"]


def no_instant_issuance(data: dict[str, Any]) -> None:
    """No channel makes the card in the visit: the instant-issuance outlets make a replacement
    within four working days, collected at the branch or posted."""
    data["same_visit"] = {
        "channels": [],
        "chosen": "This city's instant-issuance outlets make the card within four working days.",
    }
    for rule_id in INSTANT_RULES:
        rule_data(data, rule_id).update(due="regular_outlet", pickup=["branch", "post"])


def instant_pickup_renamed(data: dict[str, Any]) -> None:
    """The pickup method handed over on the spot is called ``counter_made``."""
    data["pickup_methods"]["counter_made"] = data["pickup_methods"].pop("on_the_spot")
    for rule_id in INSTANT_RULES:
        rule_data(data, rule_id)["pickup"] = ["counter_made"]
