"""The service password reset at a counter (社保卡密码重置, issue 15 point 7).

The holder (or a minor's guardian) presents their own ID document at an outlet the pack
names; the clerk checks it, the holder keys the new password on the bank's PIN pad, and the
platform records that the service was done — by whom, where, when, under which rule — and tells
the holder, so that a reset they did not ask for is noticed at once. No password, PIN or PIN
block ever reaches sscard: the service takes none, and none is written anywhere (BJ-13: the
bureau and the banks never ask for a password).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from sscard.applications.selectors import person_recipient
from sscard.campaigns.selectors import pack_in_force_for_card
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import Card
from sscard.cards.rules import CLERK_ROLES, password_reset_refusal
from sscard.cards.services._shared import CARD_OBJECT, actor_outlet, refuse_if, target_locked
from sscard.cards.status import card_status
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.crypto import id_number_index_matches
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.kernel import idnumber
from sscard.kernel.errors import KernelError
from sscard.kernel.masks import mask_id_number
from sscard.network.models import Outlet
from sscard.notifications.services import Recipient, holder_tell
from sscard.policy import Pack
from sscard.policy.schema import PasswordReset
from sscard.registry.models import Person

Presenter = Literal["holder", "guardian", "proxy"]


@dataclass(frozen=True, slots=True)
class PasswordResetDone:
    """A recorded password reset: the card, who presented their ID, where, when, under which
    clause, and how many texts told the holder (0 without a phone on record)."""

    card: Card
    presenter: Presenter
    outlet: Outlet
    at: datetime
    clause: str
    told: int


def card_password_reset_record(
    *,
    actor: Actor,
    card: Card,
    id_number: str,
    today: date,
    presenter_id_number: str | None = None,
) -> PasswordResetDone:
    """Record the reset of ``card``'s service password at the clerk's counter.

    ``id_number`` is the holder's, typed off the ID presented; ``presenter_id_number`` the ID
    of whoever stands at the counter when it is not the holder (a minor's guardian, a proxy
    where the pack allows one). Both are compared with the registry by keyed index, never
    decrypted. Refusals: ``permission_denied``, ``no_campaign_in_force``,
    ``password_reset_not_offered``, ``password_reset_outlet_kind``,
    ``password_reset_card_cancelled``, ``password_reset_card_state``,
    ``password_reset_id_mismatch``, ``password_reset_proxy_refused`` and the ID number's own
    codes; nothing is written when one is raised.
    """
    if actor.role not in CLERK_ROLES:
        raise PermissionDenied("reset a card's password", "重置社会保障卡密码")
    outlet = actor_outlet(actor)
    if outlet is None:
        raise NotFound("outlet", what_zh="您的网点")
    pack = pack_in_force_for_card(card).pack
    holder_presented = _parsed(id_number)
    other_presented = _parsed(presenter_id_number) if (presenter_id_number or "").strip() else None
    with transaction.atomic():
        this, _cards = target_locked(actor, card)
        terms = pack.password_reset
        refuse_if(
            password_reset_refusal(actor=actor, card=this, outlet=outlet, terms=terms, today=today)
        )
        assert terms is not None  # the predicate refuses a pack without the service
        person = this.person
        presenter = _presenter(person, holder_presented, other_presented, terms, today)
        now = timezone.now()
        audit_append(
            actor=actor,
            fact=_audited(this, outlet, presenter, other_presented, terms, pack, today),
        )
        told = _tell_holder(actor, person, pack, terms, outlet, now)
    return PasswordResetDone(this, presenter, outlet, now, terms.clause or "", told)


def _parsed(raw: str | None) -> str:
    """An ID number as the registry indexes it; the kernel's code (422) when it is malformed."""
    try:
        return idnumber.parse(raw or "", today=date.max).value
    except KernelError as exc:
        raise ApplicationError.from_coded(exc, status=422) from exc


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _presenter(
    person: Person, holder_id: str, other_id: str | None, terms: PasswordReset, today: date
) -> Presenter:
    """Who is at the counter: the holder, a minor's guardian, or a proxy — each only where the
    pack allows it. The holder's number must be the card holder's in every case."""
    if not id_number_index_matches(holder_id, person.id_number_index):
        raise CardsErrorCode.PASSWORD_RESET_ID_MISMATCH.error()
    if other_id is None or id_number_index_matches(other_id, person.id_number_index):
        return "holder"
    guardian = person.guardian
    minor = _age(person.birth_date, today) < terms.minor_under_age
    if (
        guardian is not None
        and minor
        and id_number_index_matches(other_id, guardian.id_number_index)
    ):
        if terms.guardian_for_minor:
            return "guardian"
        raise CardsErrorCode.PASSWORD_RESET_PROXY_REFUSED.error(presenter="guardian")
    if terms.proxy:
        return "proxy"
    raise CardsErrorCode.PASSWORD_RESET_PROXY_REFUSED.error(presenter="proxy")


def _audited(
    card: Card,
    outlet: Outlet,
    presenter: Presenter,
    other_id: str | None,
    terms: PasswordReset,
    pack: Pack,
    today: date,
) -> AuditFact:
    """The audit event of the reset: who, where, under which rule. Nothing secret: no
    password, PIN or PIN block exists here, and ID numbers appear only masked."""
    changes: dict[str, object] = {
        "service": "password_reset",
        "outlet_id": outlet.pk,
        "outlet_kind": outlet.kind,
        "presenter": presenter,
        "card_status": str(card_status(card, today=today)),
        "clause": terms.clause,
        "chosen": terms.chosen is not None,
    }
    if presenter == "guardian":
        changes["guardian_id"] = card.person.guardian_id
    elif presenter == "proxy" and other_id is not None:
        changes["proxy_id_masked"] = mask_id_number(other_id)
    return AuditFact(
        action="card_password_reset",
        object_type=CARD_OBJECT,
        object_id=str(card.pk),
        changes=changes,
        pack_hash=pack.content_hash,
    )


def _recipient(person: Person) -> Recipient | None:
    """The holder's phone, else (a child without one) their guardian's."""
    found = person_recipient(person)
    if found is None and person.guardian is not None:
        found = person_recipient(person.guardian)
    return found


def _tell_holder(
    actor: Actor, person: Person, pack: Pack, terms: PasswordReset, outlet: Outlet, at: datetime
) -> int:
    """Tell the holder where and when their password was reset, and whom to call if it was not
    them (the pack's template and hotline); checked against BJ-13 like every text."""
    local = timezone.localtime(at, ZoneInfo(pack.timezone))
    values: dict[str, object] = {"outlet": outlet.name, "time": f"{local:%Y-%m-%d %H:%M}"}
    if terms.hotline is not None:
        values["hotline"] = terms.hotline
    recipient = _recipient(person)
    return holder_tell(
        actor=actor,
        pack=pack,
        template_key=terms.template,
        recipients=[recipient] if recipient is not None else [],
        **values,
    )
