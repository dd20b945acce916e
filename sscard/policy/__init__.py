"""Policy packs and the decision engine (pure Python: no Django).

A notice (通知) becomes a policy pack, a YAML file validated at load (:func:`load_pack`); the
engine (:func:`decide`) answers every question about it with a reason, the phase, the rule and
the clause that decided. Eligibility predicates are evaluated here for one person and compiled
to one ORM filter for the whole population by ``sscard.registry.eligibility``.
"""

from __future__ import annotations

from sscard.policy.engine import (
    Action,
    Channel,
    Decision,
    DecisionRequest,
    counter_channels,
    decide,
    due_counts_postage,
    due_date,
    eligible_groups,
    instant_pickup,
    made_in_the_visit,
    replacement_channel,
)
from sscard.policy.errors import PackError
from sscard.policy.loader import builtin_pack, builtin_pack_ids, load_pack
from sscard.policy.predicates import (
    AllOf,
    AnyOf,
    Condition,
    EmployerFacts,
    Fact,
    NotOf,
    PersonFacts,
    Predicate,
    evaluate,
)
from sscard.policy.schema import (
    Bank,
    Contact,
    DueRule,
    Group,
    Pack,
    Phase,
    PickupMethod,
    Rule,
    SameVisit,
    Template,
)

__all__ = [
    "Action",
    "AllOf",
    "AnyOf",
    "Bank",
    "Channel",
    "Condition",
    "Contact",
    "Decision",
    "DecisionRequest",
    "DueRule",
    "EmployerFacts",
    "Fact",
    "Group",
    "NotOf",
    "Pack",
    "PackError",
    "PersonFacts",
    "Phase",
    "PickupMethod",
    "Predicate",
    "Rule",
    "SameVisit",
    "Template",
    "builtin_pack",
    "builtin_pack_ids",
    "counter_channels",
    "decide",
    "due_counts_postage",
    "due_date",
    "eligible_groups",
    "evaluate",
    "instant_pickup",
    "load_pack",
    "made_in_the_visit",
    "replacement_channel",
]
