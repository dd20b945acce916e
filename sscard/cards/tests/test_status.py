"""A card's status is derived from its facets, in a fixed order of precedence."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sscard.cards.models import Card
from sscard.cards.status import card_status

TODAY = date(2025, 6, 1)


def facets(**kwargs: Any) -> Card:
    values = {
        "ss_function": "enabled",
        "block": "none",
        "blocked_until": None,
        "valid_until": date(2030, 1, 1),
    }
    values.update(kwargs)
    return Card(**values)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({}, "valid"),
        ({"ss_function": "not_enabled"}, "not_enabled"),
        ({"ss_function": "invalid"}, "replaced"),
        ({"ss_function": "cancelled", "valid_until": date(2020, 1, 1)}, "cancelled"),
        ({"ss_function": "invalid", "valid_until": date(2020, 1, 1)}, "replaced"),
        ({"valid_until": date(2025, 5, 31), "block": "formal"}, "expired"),
        ({"valid_until": TODAY}, "valid"),
        ({"block": "formal"}, "blocked_formal"),
        ({"block": "temporary", "blocked_until": TODAY}, "blocked_temporary"),
        ({"block": "temporary", "blocked_until": date(2025, 5, 31)}, "valid"),
        ({"block": "temporary"}, "blocked_temporary"),
        ({"block": "temporary", "ss_function": "not_enabled"}, "blocked_temporary"),
    ],
)
def test_status_follows_the_facets(kwargs, status):
    # given a card with these facets, when its status is asked on TODAY, then it is derived
    assert card_status(facets(**kwargs), today=TODAY) == status


def test_status_is_not_a_column():
    assert "status" not in {f.name for f in Card._meta.get_fields()}
