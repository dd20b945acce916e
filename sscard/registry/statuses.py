"""Filters of a person list by where the person's card or application stands.

The registry lies below applications and cards (import-linter's layers), so it cannot ask
about them itself: each of those apps lends its conditions at start-up (``AppConfig.ready``),
as a ``Q`` over ``Person`` (an ``Exists`` on its own table), and a person list offers them
together as one "status" filter. The condition is built when asked, never at registration, so
no query runs while apps load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise

from sscard.registry.errors import RegistryErrorCode


@dataclass(frozen=True, slots=True)
class PersonStatus:
    """One choice of the status filter: its stable key, its label and its condition."""

    key: str
    label: str | Promise
    condition: Callable[[], Q]
    order: int


_statuses: dict[str, PersonStatus] = {}


def register_person_status(
    key: str, label: str | Promise, condition: Callable[[], Q], *, order: int
) -> None:
    """Offer ``condition`` (a ``Q`` over ``Person``) as status ``key`` (from ``ready()``);
    ``order`` places it among the others on the page and in the API's description."""
    _statuses[key] = PersonStatus(key, label, condition, order)


def person_statuses() -> list[PersonStatus]:
    """Every status a person list may be filtered by, in their order."""
    return sorted(_statuses.values(), key=lambda s: (s.order, s.key))


def person_status_condition(key: str) -> Q:
    """The condition of status ``key``; ``person_status_unknown`` (422) for any other key."""
    status = _statuses.get(key)
    if status is None:
        raise RegistryErrorCode.PERSON_STATUS_UNKNOWN.error(status=key)
    return status.condition()
