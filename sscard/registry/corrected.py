"""What other apps do when a person's identity is corrected (a card in force to reissue).

The registry lies below cards (import-linter's layers), so it cannot flag a card itself: an
app that must act on a correction lends a hook at start-up (``AppConfig.ready``), and the
correction calls every hook inside its own transaction, after the person row is written and
before it commits, so the correction and what follows from it commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sscard.core.actors import Actor
from sscard.registry.models import Person


@dataclass(frozen=True, slots=True)
class PersonCorrected:
    """One applied correction: whose, which fields (``name``, ``id_number`` ...), by whom, and
    the approval it came from (``None`` for a change applied at once)."""

    person: Person
    fields: tuple[str, ...]
    actor: Actor
    approval_id: int | None = None


Hook = Callable[[PersonCorrected], Mapping[str, Any]]

_hooks: dict[str, Hook] = {}


def register_person_corrected(key: str, hook: Hook) -> None:
    """Call ``hook`` on every applied correction (from ``ready()``); ``key`` names it in the
    correction's result, and registering a key again replaces its hook."""
    _hooks[key] = hook


def person_corrected_in_transaction(event: PersonCorrected) -> dict[str, Any]:
    """Run every hook in the caller's transaction; answer their results by key."""
    return {key: dict(hook(event)) for key, hook in sorted(_hooks.items())}
