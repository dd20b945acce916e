"""``python -m sscard.testing.mass_child <command> …``: a mass action on cards in a process of
its own, for the killed-worker test (``tests/test_mass_action_killed.py``). Django is set up
first; each command prints one JSON line (flushed).

    setup --cards 60            → {"action": 1, "approval": 1}   (proposed, a batch's cards)
    approve --action 1 [--hold-chunk 3]
        a second officer approves; the job runs here, in-process. With ``--hold-chunk`` it
        stops inside that chunk's transaction once its cards are cancelled and audited (not
        committed), prints {"holding": n} and waits to be killed.
    resume                      → {"jobs": [...]}   (what a starting server does)
    state --action 1            → the counts, cards cancelled, audit events per card
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any
from unittest import mock


def _say(value: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str]) -> None:
    from sscard.cards.models import Card, MassAction, MassActionCard
    from sscard.cards.services import mass
    from sscard.core.actors import Actor, Role
    from sscard.core.approvals import approval_decide
    from sscard.core.audit import audit_verify_chain
    from sscard.core.models import AuditEvent, BackgroundJob
    from sscard.testing.personalisation import ordered_batch, refresh_statistics

    maker = Actor(role=Role.CITY_OFFICER, label="maker", user_id=1, city_code="110000")
    checker = Actor(role=Role.CITY_OFFICER, label="checker", user_id=2, city_code="110000")
    parser = argparse.ArgumentParser(prog="python -m sscard.testing.mass_child")
    commands = parser.add_subparsers(dest="command", required=True)
    setup = commands.add_parser("setup")
    setup.add_argument("--cards", type=int, required=True)
    approve = commands.add_parser("approve")
    approve.add_argument("--action", type=int, required=True)
    approve.add_argument("--hold-chunk", type=int, default=0)
    commands.add_parser("resume")
    state = commands.add_parser("state")
    state.add_argument("--action", type=int, required=True)
    args = parser.parse_args(argv)

    if args.command == "setup":
        batch = ordered_batch(args.cards)
        refresh_statistics()
        action = mass.mass_action_propose(
            actor=maker, kind="cancel", selection="batch", value=str(batch.pk), reason="整批作废"
        )
        _say({"action": action.pk, "approval": action.approval_id})
    elif args.command == "approve":
        real = mass.audit_append_many  # type: ignore[attr-defined]
        calls = 0

        def holding(**kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            events = real(**kwargs)
            if calls == args.hold_chunk:
                _say({"holding": len(events), "pid": os.getpid()})
                while True:
                    time.sleep(1)
            return events

        action = MassAction.objects.get(pk=args.action)
        with mock.patch.object(mass, "audit_append_many", holding):
            approval_decide(actor=checker, approval_id=action.approval_id or 0, approve=True)
        _say({"counts": mass.mass_action_counts(action.pk)})
    elif args.command == "resume":
        _say({"jobs": mass.mass_action_jobs_resume()})
    else:
        action = MassAction.objects.get(pk=args.action)
        ids = list(
            MassActionCard.objects.filter(mass_action=action).values_list("card_id", flat=True)
        )
        per_card = Counter(
            AuditEvent.objects.filter(action="card_cancel").values_list("object_id", flat=True)
        )
        done = set(
            MassActionCard.objects.filter(mass_action=action, outcome="done").values_list(
                "card_id", flat=True
            )
        )
        cancelled = set(
            Card.objects.filter(pk__in=ids, ss_function="cancelled").values_list("pk", flat=True)
        )
        _say(
            {
                "state": action.state,
                "counts": mass.mass_action_counts(action.pk),
                "cancelled": len(cancelled),
                "cancelled_not_done": len(cancelled - done),
                "done_not_cancelled": len(done - cancelled),
                "audited": len(per_card),
                "audited_twice": sum(1 for n in per_card.values() if n > 1),
                "audited_not_done": len({int(k) for k in per_card} - done),
                "audit_chain_ok": audit_verify_chain().ok,
                "jobs": sorted(
                    BackgroundJob.objects.filter(kind=mass.JOB_KIND).values_list(
                        "status", flat=True
                    )
                ),
            }
        )


def run() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    main(sys.argv[1:])


if __name__ == "__main__":
    run()
