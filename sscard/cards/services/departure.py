"""Deaths and departures (死亡、出国（境）定居、转出本市登记, issue 15 point 2).

Recording that a person has died, emigrated or moved to another city's programme is one
transaction: the ``Departure`` row, the person marked departed, every card of theirs not yet
cancelled cancelled (verification answers ``cancelled`` from that commit on), their open
applications withdrawn and the texts still queued to them stopped. No text reaches them after
it: the outbox drops departed persons wherever a flow queues one (``registry.apps``), and
eligibility, outreach and the funnel leave them out (``registry.departures.present_on``).

It is undone only by a second officer's approval (``departure_reversal``): the record is kept
and marked reversed, the person is present again. Cancelled cards stay cancelled and withdrawn
applications stay withdrawn: a card that every relying party has been told is cancelled must
not silently answer "valid" again, without its holder at a counter — the person applies for a
new card, which the reversal makes them eligible for at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sscard.applications.choices import OPEN_STATUSES, ApplicationStatus
from sscard.applications.milestones import application_milestones_record
from sscard.applications.models import Application
from sscard.cards.choices import SocialSecurityFunction
from sscard.cards.models import Card
from sscard.cards.services._shared import CARD_OBJECT, refuse_if
from sscard.core.actors import Actor
from sscard.core.approvals import ApprovalKind, approval_propose
from sscard.core.audit import AuditFact, audit_append_many
from sscard.core.models import Approval, ImportJob, MilestoneKind
from sscard.kernel.regions import city_of
from sscard.notifications.services import messages_stop_in_transaction
from sscard.notifications.sms_errors import SendError
from sscard.registry.choices import DepartureKind, DepartureSource
from sscard.registry.departure_errors import DepartureErrorCode
from sscard.registry.departures import (
    PERSON_OBJECT,
    REVERSAL_KIND,
    departure_record_refusal,
    departure_reversal_refusal,
    departure_standing,
    departure_terms_checked,
    person_district,
)
from sscard.registry.models import Departure, Person

APPLICATION_OBJECT = "applications.application"


@dataclass(frozen=True, slots=True)
class DepartureDone:
    """A recorded departure and what recording it did."""

    departure: Departure
    cards_cancelled: int
    applications_withdrawn: int
    messages_stopped: int


def departure_record(
    *,
    actor: Actor,
    person: Person,
    kind: str,
    on: date | None,
    reference: str,
    today: date,
    destination_city: str = "",
    source: str = DepartureSource.COUNTER,
    import_job: ImportJob | None = None,
) -> DepartureDone:
    """Record ``person``'s death, emigration or transfer out (``kind``) effective ``on``,
    with the certificate's or the file's ``reference``; a transfer names the
    ``destination_city`` (a division code of another city).

    Refusals, nothing written: ``permission_denied``, ``not_found`` (a person outside the
    officer's city), ``departure_other_district``, ``departure_person_unknown``,
    ``departure_already_recorded``, ``departure_kind_invalid``, ``departure_date_invalid``,
    ``departure_date_in_future``, ``departure_date_before_birth``,
    ``departure_reference_required``, ``departure_destination_invalid``.
    """
    with transaction.atomic():
        # Locks in the order ordering cards takes them (applications, the person, the cards),
        # so that a batch of card orders and a death recorded at once queue, never deadlock.
        # At the person's lock two recordings of one person (an officer and the file) queue,
        # and the second is refused as already recorded.
        withdrawing = _open_applications_locked(person.pk, skip_locked=False)
        locked = Person.objects.select_for_update(of=("self",)).filter(pk=person.pk).first()
        if locked is None:
            raise DepartureErrorCode.DEPARTURE_PERSON_UNKNOWN.error()
        refuse_if(departure_record_refusal(actor=actor, person=locked))
        kind, on, reference, destination = departure_terms_checked(
            person=locked,
            kind=kind,
            on=on,
            reference=reference,
            destination_city=destination_city,
            today=today,
        )
        now = timezone.now()
        # An application submitted just before the person's lock was ours is withdrawn too;
        # one a card order holds already is refused by that order once it has the person.
        seen = {a.pk for a in withdrawing}
        withdrawing += [
            a for a in _open_applications_locked(locked.pk, skip_locked=True) if a.pk not in seen
        ]
        withdrawn = _applications_withdraw_in_transaction(withdrawing, today)
        cancelled = _cards_cancel_locked(locked)
        stopped = messages_stop_in_transaction(
            actor=actor, person_id=locked.pk, why=SendError.RECIPIENT_DEPARTED.value
        )
        departure = Departure.objects.create(
            person=locked,
            kind=kind,
            destination_city=destination,
            on=on,
            source=source,
            reference=reference,
            import_job=import_job,
            district_code=person_district(locked),
            recorded_by=actor.label,
            recorded_by_role=str(actor.role),
            recorded_at=now,
            cards_cancelled=len(cancelled),
            applications_withdrawn=len(withdrawn),
            messages_stopped=stopped,
        )
        locked.departed_on = on
        locked.departure_kind = kind
        locked.save(update_fields=["departed_on", "departure_kind"])
        facts = [_application_fact(application, kind) for application in withdrawn] + [
            _card_fact(card, before, kind) for card, before in cancelled
        ]
        facts.append(
            AuditFact(
                action="departure_record",
                object_type=PERSON_OBJECT,
                object_id=str(locked.pk),
                changes={
                    "departure_id": departure.pk,
                    "kind": kind.value,
                    "on": on.isoformat(),
                    "source": str(source),
                    "reference": reference,
                    "destination_city": destination,
                    "import_job_id": import_job.pk if import_job is not None else None,
                    "cards_cancelled": [card.pk for card, _before in cancelled],
                    "applications_withdrawn": [a.pk for a in withdrawn],
                    "messages_stopped": stopped,
                },
            )
        )
        audit_append_many(actor=actor, facts=facts)
    person.departed_on, person.departure_kind = on, kind
    return DepartureDone(departure, len(cancelled), len(withdrawn), stopped)


def _open_applications_locked(person_id: int, *, skip_locked: bool) -> list[Application]:
    """The person's open applications, locked in primary-key order (``skip_locked``: those no
    other transaction holds)."""
    rows = Application.objects.filter(person_id=person_id, status__in=OPEN_STATUSES)
    if skip_locked and transaction.get_connection().features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(of=("self",), skip_locked=True)
    else:
        rows = rows.select_for_update(of=("self",))
    return list(rows.order_by("pk"))


def _applications_withdraw_in_transaction(
    applications: list[Application], today: date
) -> list[Application]:
    """Withdraw the (locked) applications, as ``application_cancel`` does: status,
    ``withdrawn`` milestone, and an ``application_cancel`` event each (written by the caller)."""
    if not applications:
        return []
    ids = [a.pk for a in applications]
    Application.objects.filter(pk__in=ids).update(status=ApplicationStatus.CANCELLED)
    application_milestones_record(MilestoneKind.WITHDRAWN, ids, day=today)
    return applications


def _cards_cancel_locked(person: Person) -> list[tuple[Card, str]]:
    """Cancel every card of the person not cancelled yet (locked in primary-key order, as
    every card service locks them): one statement; answers each card and its SS function
    before."""
    cards = list(
        Card.objects.select_for_update(of=("self",)).filter(person_id=person.pk).order_by("pk")
    )
    changed = [
        (c, c.ss_function) for c in cards if c.ss_function != SocialSecurityFunction.CANCELLED
    ]
    if changed:
        Card.objects.filter(pk__in=[c.pk for c, _before in changed]).update(
            ss_function=SocialSecurityFunction.CANCELLED
        )
    return changed


def _application_fact(application: Application, kind: DepartureKind) -> AuditFact:
    return AuditFact(
        action="application_cancel",
        object_type=APPLICATION_OBJECT,
        object_id=str(application.pk),
        changes={
            "status": [application.status, ApplicationStatus.CANCELLED],
            "why": f"departure:{kind.value}",
        },
        pack_hash=application.pack_hash,
    )


def _card_fact(card: Card, before: str, kind: DepartureKind) -> AuditFact:
    return AuditFact(
        action="card_cancel_departure",
        object_type=CARD_OBJECT,
        object_id=str(card.pk),
        changes={
            "ss_function": [before, SocialSecurityFunction.CANCELLED.value],
            "departure": kind.value,
        },
        pack_hash=card.pack_hash,
    )


# --------------------------------------------------------------------------------------------
# Reversal, by a second officer's approval
# --------------------------------------------------------------------------------------------


def departure_reversal_propose(
    *, actor: Actor, person: Person, reason: str, evidence: str = ""
) -> Approval:
    """Propose undoing ``person``'s standing departure (recorded in error, a person found
    alive), for another officer to approve. Refusals: those of recording (scope),
    ``departure_not_recorded``, and the approvals' own (``approval_reason_required``,
    ``approval_already_pending``)."""
    refuse_if(departure_reversal_refusal(actor=actor, person=person))
    departure = departure_standing(person)
    if departure is None:
        raise DepartureErrorCode.DEPARTURE_NOT_RECORDED.error()
    district = person_district(person)
    return approval_propose(
        actor=actor,
        kind=REVERSAL_KIND,
        subject_type=PERSON_OBJECT,
        subject_id=str(person.pk),
        payload={
            "departure_id": departure.pk,
            "kind": departure.kind,
            "on": departure.on.isoformat(),
        },
        reason=reason,
        evidence=evidence,
        city_code=city_of(district),
        district_code=district,
    )


def _reversal_apply(approval: Approval, checker: Actor) -> dict[str, Any]:
    """Undo the departure the approval names, inside the approval's transaction: the record is
    marked reversed, the person is present again; cards and applications stay as they are."""
    person = (
        Person.objects.select_for_update(of=("self",)).filter(pk=int(approval.subject_id)).first()
    )
    departure_id = int(approval.payload.get("departure_id") or 0)
    departure = (
        Departure.objects.select_for_update(of=("self",))
        .filter(pk=departure_id, person_id=int(approval.subject_id), reversed_at__isnull=True)
        .first()
    )
    if person is None or departure is None:
        raise DepartureErrorCode.DEPARTURE_NOT_RECORDED.error()
    now = timezone.now()
    departure.reversed_at = now
    departure.reversed_by = checker.label
    departure.reversal_approval_id = approval.pk
    departure.save(update_fields=["reversed_at", "reversed_by", "reversal_approval_id"])
    person.departed_on = None
    person.departure_kind = ""
    person.save(update_fields=["departed_on", "departure_kind"])
    audit_append_many(
        actor=checker,
        facts=[
            AuditFact(
                action="departure_reverse",
                object_type=PERSON_OBJECT,
                object_id=str(person.pk),
                changes={
                    "departure_id": departure.pk,
                    "approval_id": approval.pk,
                    "maker": approval.maker_label,
                    "cards_revived": 0,
                },
            )
        ],
    )
    return {"departure_id": departure.pk, "person_id": person.pk, "cards_revived": 0}


def _reversal_describe(approval: Approval) -> str:
    person = Person.objects.filter(pk=int(approval.subject_id)).first()
    kind = approval.payload.get("kind") or ""
    return gettext("Reverse the recorded %(kind)s of %(name)s (effective %(on)s)") % {
        "kind": str(DepartureKind(kind).label) if kind in DepartureKind.values else kind,
        "name": person.masked_name if person is not None else "-",
        "on": approval.payload.get("on") or "",
    }


DEPARTURE_REVERSAL = ApprovalKind(
    key=REVERSAL_KIND,
    label=_("Reversal of a recorded death or departure"),
    apply=_reversal_apply,
    describe=_reversal_describe,
)
"""Registered by ``CardsConfig.ready()``."""
