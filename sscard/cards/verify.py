"""Card verification for relying parties (用卡机构): one answer, one query, nothing written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from hmac import compare_digest

from django.utils import timezone

from sscard.cards.choices import CardStatus
from sscard.cards.models import Card
from sscard.cards.status import card_status
from sscard.core.actors import Actor, Role
from sscard.core.crypto import id_number_index
from sscard.core.errors import ApplicationError, PermissionDenied
from sscard.kernel.cardcodes import parse_card_number, parse_reader_string
from sscard.kernel.errors import KernelError

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


def _bad_input(exc: KernelError) -> ApplicationError:
    return ApplicationError.from_coded(exc, status=422)


def card_verify(
    *,
    actor: Actor,
    card_number: str | None = None,
    reader_string: str | None = None,
    today: date | None = None,
) -> Verification:
    """Verify a card given by its number or by a terminal's reader string.

    An unknown card answers ``unknown`` and a reader string whose ID number or card
    identification code is not the card's answers ``mismatch``; neither says anything more.
    """
    if actor.role not in VERIFIERS:
        raise PermissionDenied("verify cards", "核验社会保障卡")
    if (card_number is None) == (reader_string is None):
        raise ApplicationError(
            "verify_input",
            "请提供卡号或读卡信息其中之一。",
            "Send either a card number or a reader string, not both.",
            status=422,
        )
    now = timezone.now()
    day = today or timezone.localdate(now)
    try:
        if reader_string is not None:
            record = parse_reader_string(reader_string)
            number = record.card_number
        else:
            record = None
            number = parse_card_number(card_number or "")
    except KernelError as exc:
        raise _bad_input(exc) from exc
    card = Card.objects.select_related("person").filter(card_number=number).first()
    if card is None:
        return Verification(status=CardStatus.UNKNOWN, checked_at=now)
    if record is not None and not (
        record.card_id_code == card.card_id_code
        and compare_digest(id_number_index(record.id_number), bytes(card.person.id_number_index))
    ):
        return Verification(status=CardStatus.MISMATCH, checked_at=now)
    return Verification(
        status=card_status(card, today=day),
        checked_at=now,
        generation=card.generation,
        functions=list(card.functions),
        interfaces=list(card.interfaces),
        masked_name=card.person.masked_name,
    )
