"""Card verification for relying parties (用卡机构): one answer, one query, and a record
(核验记录) only when the terminal names itself.

Two routes answer terminals: the API's operation (through :func:`card_verify`) and the lean
ASGI route of ``config/fastverify.py``, which runs the query on its own async connection pool.
Both go through the steps here — :func:`verify_query` (who asks and what they sent), the one
query :func:`card_facts` (the lean route runs its compiled SQL), :func:`verification_of` (the
answer) and :func:`verification_record` (the row kept when a reader string of the full
layout carries the terminal's number or device number; the lean route inserts it with its own
SQL) — so that they cannot drift apart. The terminal's fields are kept, never answered.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from inspect import getattr_static
from typing import Any, NamedTuple, cast

from django.db import DatabaseError
from django.db.models import QuerySet
from django.utils import timezone

from sscard.cards.choices import CardStatus
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import Card, CardVerification
from sscard.cards.status import status_of
from sscard.core.actors import Actor, Role
from sscard.core.crypto import id_number_index_matches
from sscard.core.errors import ApplicationError, PermissionDenied
from sscard.core.replicas import is_unavailable, read_verification, replica_aliases
from sscard.kernel.cardcodes import ReaderRecord, parse_card_number, parse_reader_string
from sscard.kernel.errors import KernelError
from sscard.registry.models import Person

logger = logging.getLogger("sscard.cards.verify")

# A relying party asks about the card in front of it; the city bureau may ask too.
VERIFIERS = frozenset({Role.RELYING_PARTY, Role.CITY_OFFICER})


@dataclass(frozen=True, slots=True)
class Verification:
    """The answer about one card: its status and what the holder may use it for."""

    status: CardStatus
    checked_at: datetime
    generation: int | None = None
    functions: list[str] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    masked_name: str = ""


@dataclass(frozen=True, slots=True, repr=False)
class VerifyQuery:
    """A request that passed the checks: the card number, and the reader string's fields when
    the terminal sent one (its ID number and card identification code must be the card's)."""

    card_number: str
    record: ReaderRecord | None

    def __repr__(self) -> str:
        # The record carries a full ID number and a name: never into logs.
        return f"VerifyQuery(card_number={self.card_number!r})"

    @property
    def terminal(self) -> tuple[str, str] | None:
        """The terminal's number and device number, when the reader string named either."""
        record = self.record
        if record is None or not (record.terminal_number or record.device_number):
            return None
        return record.terminal_number, record.device_number


class CardFacts(NamedTuple):
    """What verification reads of a card and its holder: one row of :func:`card_facts`."""

    generation: int
    functions: list[str]
    interfaces: list[str]
    card_id_code: str
    ss_function: str
    block: str
    blocked_until: date | None
    valid_until: date
    id_number_index: bytes | memoryview
    name: str
    card_id: int  # for the record of a verification, never in the answer


# The ORM paths of ``CardFacts``' fields, in the same order.
_FACT_PATHS = (
    "generation",
    "functions",
    "interfaces",
    "card_id_code",
    "ss_function",
    "block",
    "blocked_until",
    "valid_until",
    "person__id_number_index",
    "person__name",
    "pk",
)
assert len(_FACT_PATHS) == len(CardFacts._fields)
# The columns of a verification's record (``CardVerification``), in the order
# :func:`verification_record` gives its values.
RECORD_FIELDS = (
    "card_id",
    "card_number",
    "relying_party_id",
    "asked_by_user_id",
    "terminal_number",
    "device_number",
    "status",
    "checked_at",
)

# The registry's own masking rule (张*, 欧阳**), applied to the bare name the query reads: the
# answer needs no whole ``Person`` (building one costs more than the rest of the answer).
_MASKED_NAME = cast(property, getattr_static(Person, "masked_name"))


class _Named:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def masked_name(name: str) -> str:
    """The holder's name as verification shows it (``Person.masked_name``)."""
    return cast(str, _MASKED_NAME.__get__(_Named(name)))


def _bad_input(exc: KernelError) -> ApplicationError:
    return ApplicationError.from_coded(exc, status=422)


def verify_query(
    *, actor: Actor, card_number: str | None, reader_string: str | None
) -> VerifyQuery:
    """Check who asks and what they sent, before anything is read.

    Refuses a role that may not verify (403 ``permission_denied``), both or neither of the
    card number and the reader string (422 ``verify_input``), and a malformed card number or
    reader string (422, the kernel's code: ``card_number_invalid``, ``reader_string_fields``
    for a count other than 9 or 11, ``id_check_digit``, ``card_id_code_invalid``,
    ``reader_string_field_invalid`` naming the field, …).
    """
    if actor.role not in VERIFIERS:
        raise PermissionDenied("verify cards", "核验社会保障卡")
    if (card_number is None) == (reader_string is None):
        raise CardsErrorCode.VERIFY_INPUT.error()
    try:
        if reader_string is not None:
            record = parse_reader_string(reader_string)
            return VerifyQuery(card_number=record.card_number, record=record)
        return VerifyQuery(card_number=parse_card_number(card_number or ""), record=None)
    except KernelError as exc:
        raise _bad_input(exc) from exc


def card_facts(card_number: str) -> QuerySet[Card, tuple[Any, ...]]:
    """The one query of a verification: the card by its number (the unique index), joined to
    its holder, reading only the columns of :class:`CardFacts`, at most one row."""
    return Card.objects.filter(card_number=card_number).values_list(*_FACT_PATHS)[:1]


def verification_of(
    facts: CardFacts | None, query: VerifyQuery, *, today: date | None = None
) -> Verification:
    """The answer for the card the query found (``None``: no such card).

    An unknown card answers ``unknown`` and a reader string whose ID number or card
    identification code is not the card's answers ``mismatch``; neither says anything more.
    Otherwise the status is :func:`status_of` on ``today``: by default the date in the city,
    ``settings.TIME_ZONE`` (Asia/Shanghai), whatever time zone a request may have activated.
    """
    now = timezone.now()
    if facts is None:
        return Verification(status=CardStatus.UNKNOWN, checked_at=now)
    record = query.record
    if record is not None and not (
        record.card_id_code == facts.card_id_code
        and id_number_index_matches(record.id_number, facts.id_number_index)
    ):
        return Verification(status=CardStatus.MISMATCH, checked_at=now)
    status = status_of(
        ss_function=facts.ss_function,
        block=facts.block,
        blocked_until=facts.blocked_until,
        valid_until=facts.valid_until,
        today=today or timezone.localdate(now, timezone.get_default_timezone()),
    )
    return Verification(
        status=status,
        checked_at=now,
        generation=facts.generation,
        functions=list(facts.functions),
        interfaces=list(facts.interfaces),
        masked_name=masked_name(facts.name),
    )


def verification_record(
    *, actor: Actor, query: VerifyQuery, facts: CardFacts | None, answer: Verification
) -> tuple[Any, ...] | None:
    """The values of the record (核验记录) kept of this verification, in
    :data:`RECORD_FIELDS` order: which party and user, from which terminal, asked about which
    card, when, and what they heard. ``None`` when the terminal did not name itself."""
    terminal = query.terminal
    if terminal is None:
        return None
    return (
        facts.card_id if facts is not None else None,
        query.card_number,
        actor.relying_party_id,
        actor.user_id,
        *terminal,
        str(answer.status),
        answer.checked_at,
    )


class LostRecords:
    """How many records of verifications this process could not keep because the primary was
    down (verification answered from a replica all the same); each is logged at WARNING."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self, exc: BaseException) -> None:
        with self._lock:
            self.count += 1
            count = self.count
        logger.warning(
            "record of a verification not kept, the primary is unavailable (%d lost in this "
            "process): %s",
            count,
            exc,
        )


#: The records lost in this process, by both routes.
lost_records = LostRecords()


def card_facts_on(alias: str, card_number: str) -> CardFacts | None:
    """:func:`card_facts` read from the database ``alias``."""
    rows = list(card_facts(card_number).using(alias))
    return CardFacts(*rows[0]) if rows else None


def card_verify(
    *,
    actor: Actor,
    card_number: str | None = None,
    reader_string: str | None = None,
    today: date | None = None,
) -> Verification:
    """Verify a card given by its number or by a terminal's reader string (see
    :func:`verify_query` for the refusals and :func:`verification_of` for the answer); a
    reader string that names its terminal leaves a :class:`CardVerification` (one insert).

    The card is read from a replica that keeps up when there are any
    (:func:`sscard.core.replicas.read_verification`); the record is always the primary's."""
    query = verify_query(actor=actor, card_number=card_number, reader_string=reader_string)
    facts = read_verification(lambda alias: card_facts_on(alias, query.card_number))
    answer = verification_of(facts, query, today=today)
    record = verification_record(actor=actor, query=query, facts=facts, answer=answer)
    if record is not None:
        try:
            CardVerification.objects.create(**dict(zip(RECORD_FIELDS, record, strict=True)))
        except DatabaseError as exc:
            # With replicas the answer stands while the primary is down; the lost record is
            # logged and counted. Without them nothing answered, as before.
            if not (replica_aliases() and is_unavailable(exc)):
                raise
            lost_records.add(exc)
    return answer
