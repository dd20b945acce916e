"""A card to reissue after its holder's name or ID number was corrected (信息变更待换卡).

The registry's correction calls :func:`cards_flag_for_reissue_in_transaction` through its hook
(``registry.corrected``, registered in ``CardsConfig.ready``) in the approval's transaction:
every card of the person that is in force or on its way gets a flag, and the holder is told
once with the pack's ``reissue_after_correction`` text. The cards themselves are not written,
only locked against a concurrent change (``FOR NO KEY UPDATE``, primary-key order, before the
audit chain's lock): a hand-over of the card at the same moment waits for the correction's
commit (or the correction for the hand-over's), and both succeed, the card handed over flagged
whichever came first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from sscard.applications.selectors import person_recipient
from sscard.campaigns.selectors import city_of_person, pack_in_force_or_none
from sscard.cards.models import Card, CardReissueFlag
from sscard.core.audit import AuditFact, audit_append
from sscard.notifications.services import holder_tell
from sscard.registry.corrected import PersonCorrected

TEMPLATE = "reissue_after_correction"
# The corrections that make the card's printed face or chip data wrong.
REISSUE_FIELDS = frozenset({"name", "id_number"})


def cards_flag_for_reissue_in_transaction(event: PersonCorrected) -> Mapping[str, Any]:
    """Flag the corrected person's current cards for reissue and tell the holder (in the
    correction's transaction); answers how many cards were flagged and texts queued."""
    fields = sorted(REISSUE_FIELDS & set(event.fields))
    if not fields:
        return {"flagged": 0, "told": 0}
    person = event.person
    # The cards are locked (in primary-key order, no key update) before anything takes the
    # audit chain's lock: a hand-over holding a card and waiting for the chain would otherwise
    # deadlock with the flag's foreign-key check, which PostgreSQL defers to our commit.
    card_ids = list(
        Card.current()
        .filter(person_id=person.pk)
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not card_ids:
        return {"flagged": 0, "told": 0}
    now = timezone.now()
    flags = CardReissueFlag.objects.bulk_create(
        CardReissueFlag(card_id=pk, fields=fields, flagged_at=now, approval_id=event.approval_id)
        for pk in card_ids
    )
    found = pack_in_force_or_none(city_of_person(person))
    recipient = person_recipient(person)
    told = 0
    if found is not None and recipient is not None:
        told = holder_tell(
            actor=event.actor, pack=found.pack, template_key=TEMPLATE, recipients=[recipient]
        )
    if told:
        CardReissueFlag.objects.filter(pk__in=[f.pk for f in flags]).update(holder_told=told)
    for pk in card_ids:  # a person's few cards: each card's history shows its flag
        audit_append(
            actor=event.actor,
            fact=AuditFact(
                action="card_reissue_flag",
                object_type="card",
                object_id=str(pk),
                changes={"fields": fields, "approval_id": event.approval_id, "told": told},
                pack_hash=found.pack.content_hash if found is not None else "",
            ),
        )
    return {"flagged": len(card_ids), "told": told}


def card_reissue_flagged(card: Card) -> CardReissueFlag | None:
    """The newest reissue flag of ``card``, if it has one."""
    return CardReissueFlag.objects.filter(card=card).order_by("-flagged_at", "-pk").first()
