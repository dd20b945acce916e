"""Telling the holders of cards that run out (到期换卡提醒, issue 15 point 4).

Once per card and term: the pack's renewal text goes through the outbox (BJ-13 checked there)
to each holder whose card runs out within the notice period, and a notice row records it. The
daily sweep (``sscard.cards.renewal_notices`` in the beat schedule, or the
``card_renewal_notices_send`` command) and an officer's button (page and API) run the same
service over the actor's scope; a second run, or two at once, tell no one twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from uuid import uuid4

from django.db import transaction
from django.utils import timezone

from sscard.applications.selectors import person_recipient
from sscard.campaigns.selectors import city_of_person, pack_in_force_or_none
from sscard.cards.expiry import ExpiryQuery, expiring_cards, tell_refusal
from sscard.cards.models import CardRenewalNotice
from sscard.cards.services._shared import CARD_OBJECT, refuse_if
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import id_ranges
from sscard.notifications.services import Recipient, holder_tell
from sscard.registry.models import Person

#: Who runs the daily sweep.
SWEEP_ACTOR = Actor(role=Role.SYSTEM, label="system:renewal-notices")
_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class RenewalNoticeSummary:
    """What one run did: cards whose holder it told (or tried to: ``no_phone`` of them have no
    phone on record), texts queued, and cards left for a later run because their city's pack
    has no renewal text."""

    cards: int
    queued: int
    no_phone: int
    no_template: int


def card_expiry_date_text(day: date) -> str:
    """A card's last day as a text names it (``2027年3月1日``)."""
    return f"{day.year}年{day.month}月{day.day}日"


def card_renewal_notices_send(*, actor: Actor, today: date) -> RenewalNoticeSummary:
    """Tell each holder, in the actor's scope, whose card runs out within the pack's notice
    period and who was not told of this term yet, with the pack's renewal text.

    Set-based: the notices are written in one statement that skips a card another run noted
    meanwhile (unique per card and term), and only the cards this run noted are told, grouped
    by pack and day so that one text goes to many at once. Refusals: ``permission_denied``.
    """
    refuse_if(tell_refusal(actor))
    with transaction.atomic():
        due = list(
            expiring_cards(actor=actor, today=today, query=ExpiryQuery(told=False)).values_list(
                "pk", "valid_until", "person_id"
            )
        )
        if not due:
            return RenewalNoticeSummary(0, 0, 0, 0)
        run, now = uuid4().hex, timezone.now()
        CardRenewalNotice.objects.bulk_create(
            [
                CardRenewalNotice(card_id=pk, valid_until=until, told_at=now, run=run)
                for pk, until, _person in due
            ],
            ignore_conflicts=True,
            batch_size=_CHUNK,
        )
        mine = set(CardRenewalNotice.objects.filter(run=run).values_list("card_id", flat=True))
        told = _tell_in_transaction(actor, [row for row in due if row[0] in mine])
        CardRenewalNotice.objects.filter(run=run, card_id__in=told.told).update(texts=1)
        # A card whose pack has no text yet is not noted: a later run tells its holder.
        CardRenewalNotice.objects.filter(run=run, card_id__in=told.no_template).delete()
        noted = sorted(mine - set(told.no_template))
        result = RenewalNoticeSummary(
            cards=len(noted),
            queued=len(told.told),
            no_phone=told.no_phone,
            no_template=len(told.no_template),
        )
        if noted:
            audit_append(
                actor=actor,
                fact=AuditFact(
                    action="card_renewal_notices_send",
                    object_type=CARD_OBJECT,
                    object_id=today.isoformat(),
                    changes={
                        "card_ids": id_ranges(noted),
                        "cards": result.cards,
                        "queued": result.queued,
                        "no_phone": result.no_phone,
                    },
                ),
            )
    return result


@dataclass(slots=True)
class _Told:
    told: list[int] = field(default_factory=list)
    no_phone: int = 0
    no_template: list[int] = field(default_factory=list)


def _tell_in_transaction(actor: Actor, rows: list[tuple[int, date, int]]) -> _Told:
    """Queue the texts, one per pack and day for all its holders; answer whom."""
    persons: dict[int, Person] = {}
    ids = sorted({person_id for _pk, _u, person_id in rows})
    for start in range(0, len(ids), _CHUNK):
        persons.update(Person.objects.in_bulk(ids[start : start + _CHUNK]))
    groups: defaultdict[tuple[str, date], list[tuple[int, Person]]] = defaultdict(list)
    for pk, until, person_id in rows:
        person = persons[person_id]
        groups[(city_of_person(person), until)].append((pk, person))
    out = _Told()
    for (city, until), members in sorted(groups.items()):
        in_force = pack_in_force_or_none(city)
        terms = in_force.pack.renewal if in_force is not None else None
        if in_force is None or terms is None or terms.template not in in_force.pack.templates:
            out.no_template.extend(pk for pk, _person in members)
            continue
        recipients: list[Recipient] = []
        for pk, person in members:
            recipient = person_recipient(person)
            if recipient is None:
                out.no_phone += 1
                continue
            recipients.append(recipient)
            out.told.append(pk)
        holder_tell(
            actor=actor,
            pack=in_force.pack,
            template_key=terms.template,
            recipients=recipients,
            expiry=card_expiry_date_text(until),
        )
    return out
