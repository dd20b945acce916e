"""The day's counter work, done by one process or by several side by side.

What one person does at a counter or on their phone, and what the post reports about one
letter, is its own service call, independent of the others of the day. The replay decides
everything about each (who, where, which bank, whether the letter arrives) and hands the calls
over as :data:`Work`; :class:`Hands` makes them, in this process or in a pool of processes (a
PostgreSQL database serves several writers at once; SQLite one). The answers come back in the
order given, so the replay counts the same whichever way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from multiprocessing import get_context

from sscard.applications.models import Application, RosterEntry
from sscard.applications.services import (
    ConfirmRequest,
    SubmitRequest,
    application_submit_many,
    roster_confirm_many,
)
from sscard.cards.models import Card
from sscard.core.actors import Actor, Role
from sscard.core.crypto import PHONE, field_cipher
from sscard.core.errors import ApplicationError
from sscard.delivery.choices import PostEventKind
from sscard.delivery.models import Shipment
from sscard.delivery.services import (
    PostEventResult,
    PostReport,
    card_hand_over,
    post_events_record_many,
)
from sscard.registry.models import Person
from sscard.replay import process
from sscard.replay.clock import SimulatedClock, clock_install
from sscard.testing.card_life import clerk_of, id_number_of

POST = Actor(role=Role.POST, label="post:replay")


@dataclass(frozen=True, slots=True)
class Apply:
    """A person applies: at a clerk's counter, or a parent online."""

    person_id: int
    actor: Actor
    channel: str
    photo_source: str
    bank: str
    backup_centre_id: int


@dataclass(frozen=True, slots=True)
class Confirm:
    """A staff member confirms the data of their employer's collective application."""

    entry_id: int
    person_id: int
    backup_centre_id: int


@dataclass(frozen=True, slots=True)
class Deliver:
    """The post reports a letter delivered, or not (the card goes to the backup centre)."""

    tracking_number: str
    failed: bool
    hour: int


@dataclass(frozen=True, slots=True)
class Collect:
    """A holder collects a rerouted card at the centre, against their ID."""

    card_id: int


Work = Apply | Confirm | Deliver | Collect


@dataclass(frozen=True, slots=True)
class Outcome:
    """A call's answer: done, or the code it was refused with; a rerouted card's id."""

    refused: str = ""
    card_id: int | None = None


def _phone(person: Person) -> str:
    if person.phone_enc:
        return field_cipher().decrypt(bytes(person.phone_enc), field=PHONE)
    # Someone the registry has no phone of gives one when confirming.
    return f"139{person.pk % 100_000_000:08d}"


def _collect(work: Collect) -> Outcome:
    card = Card.objects.select_related("person", "pickup_outlet").get(pk=work.card_id)
    if card.pickup_outlet is None:
        return Outcome(refused="card_not_at_outlet")
    card_hand_over(
        actor=clerk_of(card.pickup_outlet), card=card, id_number=id_number_of(card.person)
    )
    return Outcome()


#: Calls of one kind made together: a queue of applications or confirmations in one
#: transaction (the bulk form of the single call, each decided as one call is).
QUEUE_SIZE = 500


def _answers(answers: Sequence[object]) -> list[Outcome]:
    return [
        Outcome(refused=a.code) if isinstance(a, ApplicationError) else Outcome() for a in answers
    ]


def _applications(
    clock: SimulatedClock, works: Sequence[Apply], persons: dict[int, Person]
) -> list[Application | ApplicationError]:
    return application_submit_many(
        [
            SubmitRequest(
                actor=w.actor,
                person=persons[w.person_id],
                channel=w.channel,
                action="migrate",
                day=clock.day,
                photo_source=w.photo_source,
                bank=w.bank,
                backup_centre_id=w.backup_centre_id,
            )
            for w in works
        ]
    )


def _confirmations(
    clock: SimulatedClock, works: Sequence[Confirm], persons: dict[int, Person]
) -> list[RosterEntry | ApplicationError]:
    return roster_confirm_many(
        [
            ConfirmRequest(
                actor=Actor(
                    role=Role.CARDHOLDER, label=f"holder:{w.person_id}", person_id=w.person_id
                ),
                entry_id=w.entry_id,
                day=clock.day,
                phone=_phone(persons[w.person_id]),
                photo_source="id_card",
                backup_centre_id=w.backup_centre_id,
            )
            for w in works
        ]
    )


#: Events of the post's round reported to the platform at once (one transaction each).
REPORT_SIZE = 1_000


def _post_round(clock: SimulatedClock, works: Sequence[Deliver]) -> list[Outcome]:
    """The post reports its round in reports of ``REPORT_SIZE`` events (the bulk form of its
    callback, each event checked, recorded and audited as one callback is); a refused event is
    answered in its place, a failed delivery with the card it concerns."""
    outcomes: list[Outcome] = []
    for start in range(0, len(works), REPORT_SIZE):
        part = works[start : start + REPORT_SIZE]
        reports = [
            PostReport(
                tracking_number=w.tracking_number,
                kind=PostEventKind.FAILED if w.failed else PostEventKind.DELIVERED,
                occurred_at=clock.at(w.hour),
                event_id=f"{w.tracking_number}:{'failed' if w.failed else 'delivered'}",
                reason="收件人不在，无法投递" if w.failed else "",
            )
            for w in part
        ]
        answers = post_events_record_many(actor=POST, reports=reports)
        failed = [
            r.tracking_number
            for r, a in zip(reports, answers, strict=True)
            if r.kind == PostEventKind.FAILED and isinstance(a, PostEventResult)
        ]
        cards = dict(
            Shipment.objects.filter(tracking_number__in=failed).values_list(
                "tracking_number", "card_id"
            )
        )
        for report, answer in zip(reports, answers, strict=True):
            if isinstance(answer, ApplicationError):
                outcomes.append(Outcome(refused=answer.code))
            else:
                outcomes.append(Outcome(card_id=cards.get(report.tracking_number)))
    return outcomes


def do_work(clock: SimulatedClock, works: Sequence[Work]) -> list[Outcome]:
    """Make the calls in this process, on ``clock``'s day; a refusal is answered, not raised.
    Applications and confirmations go in queues of ``QUEUE_SIZE`` (their bulk services), the
    post's events as reports (``_post_round``), a collection is its own call."""
    wanted = [w.person_id for w in works if isinstance(w, Apply | Confirm)]
    persons = Person.objects.select_related("employer", "school").in_bulk(wanted)
    answered: dict[int, Outcome] = {}
    applying = [(n, w) for n, w in enumerate(works) if isinstance(w, Apply)]
    for start in range(0, len(applying), QUEUE_SIZE):
        part = applying[start : start + QUEUE_SIZE]
        outcomes = _answers(_applications(clock, [w for _, w in part], persons))
        answered.update(zip((n for n, _ in part), outcomes, strict=True))
    confirming = [(n, w) for n, w in enumerate(works) if isinstance(w, Confirm)]
    for start in range(0, len(confirming), QUEUE_SIZE):
        part_c = confirming[start : start + QUEUE_SIZE]
        outcomes = _answers(_confirmations(clock, [w for _, w in part_c], persons))
        answered.update(zip((n for n, _ in part_c), outcomes, strict=True))
    delivered = iter(_post_round(clock, [w for w in works if isinstance(w, Deliver)]))
    result = []
    for n, work in enumerate(works):
        if isinstance(work, Deliver):
            result.append(next(delivered))
        elif isinstance(work, Collect):
            try:
                result.append(_collect(work))
            except ApplicationError as error:
                result.append(Outcome(refused=error.code))
        else:
            result.append(answered[n])
    return result


# A pool process's own clock, patched in for the whole of its life.
_clock: SimulatedClock | None = None


def process_started() -> None:
    """A pool process begins (Django is set up): its clock, which its calls will move."""
    global _clock
    _clock = SimulatedClock(date(2000, 1, 1))
    clock_install(_clock)


def work_in_process(day: date, works: Sequence[Work]) -> list[Outcome]:
    assert _clock is not None
    if _clock.day != day:
        _clock.move_to(day)
    return do_work(_clock, works)


class Hands:
    """``processes`` pairs of hands: 1 is this process; more, a pool (PostgreSQL only)."""

    def __init__(self, clock: SimulatedClock, processes: int = 1) -> None:
        self.clock = clock
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Hands:
        if self.processes > 1:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=get_context("spawn"),
                initializer=process.start,
            )
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def do(self, works: Sequence[Work]) -> list[Outcome]:
        """Make the calls of the simulated day; the answers in the order of ``works``."""
        if not works:
            return []
        if self._pool is None:
            return do_work(self.clock, works)
        size = max(1, -(-len(works) // (self.processes * 4)))
        parts = [works[i : i + size] for i in range(0, len(works), size)]
        futures = [self._pool.submit(process.work, self.clock.day, p) for p in parts]
        return [outcome for future in futures for outcome in future.result()]
