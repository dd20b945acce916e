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
