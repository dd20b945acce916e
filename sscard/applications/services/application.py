"""Writes of individual applications on every channel: submit and cancel.

Collective applications (单位集体申领) are in ``services/collective.py``; card photos in
``services/photos.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from sscard.applications.choices import (
    OPEN_STATUSES,
    OUTLET_CHANNELS,
    ApplicationStatus,
    PhotoOrigin,
)
from sscard.applications.errors import ApplicationsErrorCode, bank_required, card_already_held
from sscard.applications.milestones import application_milestones_record
from sscard.applications.models import Application, Photo
from sscard.applications.rules import application_cancel_refusal, ensure_allowed, photo_origin
from sscard.applications.selectors import cards_current, person_recipient
from sscard.applications.services.common import (
    QueueMemo,
    decided_fields,
    posting_checked,
    usable_photo_in_transaction,
    usable_photos_many_in_transaction,
)
from sscard.campaigns.bulk import decided_group
from sscard.campaigns.selectors import (
    PackInForce,
    city_of_person,
)
from sscard.core import clock
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append, audit_append_each
from sscard.core.calendar import work_calendar
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.models import MilestoneKind
from sscard.network.models import Outlet
from sscard.notifications.services import holder_tell
from sscard.policy import Decision, DecisionRequest, decide, made_in_the_visit
from sscard.policy.schema import DEFAULT_SAME_VISIT
from sscard.registry.departure_errors import DepartureErrorCode
from sscard.registry.eligibility import person_facts
from sscard.registry.models import Person

CARDHOLDER_CHANNELS = ("online", "parent_online")
APPLICATION_OBJECT = "applications.application"


def _check_channel(
    actor: Actor, channel: str, person: Person, outlet: Outlet | None, memo: QueueMemo
) -> None:
    """The channel must be the actor's own: the clerk's outlet kind, or the holder online."""
    not_yours = ApplicationsErrorCode.CHANNEL_NOT_AVAILABLE
    if actor.role is Role.CARDHOLDER:
        if channel == "online" and actor.person_id == person.pk:
            return
        if channel == "parent_online" and person.guardian_id == actor.person_id:
            return
        if channel in CARDHOLDER_CHANNELS:
            raise NotFound("person", what_zh="该人员")
        raise not_yours.error(channel=channel)
    if actor.role in (Role.BANK_CLERK, Role.COMMUNITY_CLERK) and outlet is not None:
        if channel not in OUTLET_CHANNELS.get(outlet.kind, ()):
            raise not_yours.error(channel=channel)
        if not outlet.instant_issuance and _made_in_the_visit(person, channel, memo):
            raise ApplicationsErrorCode.OUTLET_NOT_INSTANT.error(outlet=outlet.code)
        return
    raise PermissionDenied("take an application", "受理社保卡申领")


def _made_in_the_visit(person: Person, channel: str, memo: QueueMemo) -> bool:
    """Whether the pack in force for the person makes the card on ``channel`` in the visit
    (BJ-11, SH-12); where none is in force (the decision refuses that), the schema's default."""
    in_force = memo.pack_or_none(city_of_person(person))
    if in_force is None:
        return channel in DEFAULT_SAME_VISIT.channels
    return made_in_the_visit(in_force.pack, channel)


def _open_application_exists(person: Person) -> ApplicationError:
    return ApplicationsErrorCode.APPLICATION_ALREADY_OPEN.error(person_id=person.pk)


@dataclass(frozen=True, slots=True)
class _Accepted:
    """What the checks before the write settled: who applies where, and on which terms."""

    person: Person
    applicant: Person | None
    outlet: Outlet | None
    channel: str
    action: str
    day: date
    in_force: PackInForce
    decision: Decision
    group: str  # the pack's group the decision placed the person in
    bank: str | None
    pickup: str
    mailing_address: str  # kept for a posted card only
    centre: Outlet | None
    photo_source: str
    origin: PhotoOrigin


def application_submit(
    *,
    actor: Actor,
    person: Person,
    channel: str,
    action: str,
    day: date,
    photo_source: str,
    bank: str | None = None,
    pickup: str | None = None,
    mailing_address: str = "",
    backup_centre_id: int | None = None,
    photo_id: int | None = None,
    replaces_card_id: int | None = None,
) -> Application:
    """Take one person's application on a channel, as the policy pack in force decides.

    The engine answers for the person, the action, the channel, the day, the bank and the
    pickup method; its refusal is raised with its own reason code (``individual_third_gen_closed``,
    ``use_community_centre``, ``school_not_notified``, ``no_campaign_in_force``,
    ``bank_not_partner`` …). Then: a postal pickup needs an address and a backup centre
    (SH-13), the photo source must be one the pack offers and the photo usable (SH-11), and the
    person may have no other open application (``application_already_open``, held by the
    database) and no current card of the generation decided other than the one a replacement
    replaces (``replaces_card_id``; ``card_already_held``, held by the cards' index: see
    ``cards.services.order.card_order_conflicts_in_transaction``). The person is told by SMS
    when the pack has an ``application_received`` template.
    """
    accepted = _submit_check(
        actor=actor,
        person=person,
        channel=channel,
        action=action,
        day=day,
        photo_source=photo_source,
        bank=bank,
        pickup=pickup,
        mailing_address=mailing_address,
        backup_centre_id=backup_centre_id,
    )
    with transaction.atomic():
        application = _submit_write_in_transaction(
            actor, accepted, photo_id=photo_id, replaces_card_id=replaces_card_id
        )
        _submit_notify_in_transaction(actor, accepted)
    return application


def _submit_check(
    *,
    actor: Actor,
    person: Person,
    channel: str,
    action: str,
    day: date,
    photo_source: str,
    bank: str | None,
    pickup: str | None,
    mailing_address: str,
    backup_centre_id: int | None,
    memo: QueueMemo | None = None,
) -> _Accepted:
    """Everything that can be refused before anything is locked, in the order it is checked:
    the channel, the engine's decision, bank and pickup, the post (SH-13), the photo source.
    ``memo``: what the caller has already read (a queue at the same counters)."""
    memo = memo or QueueMemo()
    outlet = memo.outlet(actor.outlet_id)
    _check_channel(actor, channel, person, outlet, memo)
    if person.departed_on is not None:
        raise DepartureErrorCode.PERSON_DEPARTED.error()
    applicant: Person | None = None
    if channel == "parent_online" and actor.person_id is not None:
        applicant = Person.objects.get(pk=actor.person_id)
    in_force = memo.pack_for_person(person)
    facts = person_facts(person)
    if bank is None and outlet is not None and outlet.bank is not None:
        bank = outlet.bank.code
    decision = ensure_allowed(
        decide(
            in_force.pack,
            DecisionRequest(action, channel, day, bank=bank, pickup=pickup),  # type: ignore[arg-type]
            facts,
            calendar=work_calendar(),
        )
    )
    bank, pickup = _bank_and_pickup(decision, bank=bank, pickup=pickup)
    address = mailing_address.strip() or person.address
    centre = memo.centre(backup_centre_id)
    kept_address = posting_checked(in_force, pickup=pickup, address=address, centre=centre)
    origin = photo_origin(in_force.pack, photo_source, facts, day)
    return _Accepted(
        person=person,
        applicant=applicant,
        outlet=outlet,
        channel=channel,
        action=action,
        day=day,
        in_force=in_force,
        decision=decision,
        group=decided_group(in_force.pack, decision.rule_id or "", facts, day),
        bank=bank,
        pickup=pickup,
        mailing_address=kept_address,
        centre=centre,
        photo_source=photo_source,
        origin=origin,
    )


def _bank_and_pickup(
    decision: Decision, *, bank: str | None, pickup: str | None
) -> tuple[str | None, str]:
    """The bank and the pickup method: as given, else the one the decision leaves open."""
    bank = bank or decision.bank_default
    if bank is None and decision.banks:
        if len(decision.banks) > 1:
            raise bank_required(decision.banks)
        bank = decision.banks[0]
    if pickup is None:
        if len(decision.pickup_methods) != 1:
            raise ApplicationsErrorCode.PICKUP_REQUIRED.error(
                pickup_methods=list(decision.pickup_methods)
            )
        pickup = decision.pickup_methods[0]
    return bank, pickup


def _submit_write_in_transaction(
    actor: Actor, accepted: _Accepted, *, photo_id: int | None, replaces_card_id: int | None
) -> Application:
    """Lock the person, check what only the lock can tell, write the application, audit it."""
    person, decision = accepted.person, accepted.decision
    # Lock the person: two channels applying at once queue here (the database's partial
    # unique index holds the rule even without it).
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if Application.objects.filter(person=person, status__in=OPEN_STATUSES).exists():
        raise _open_application_exists(person)
    generation = decision.card_generation
    if generation is not None:
        held = cards_current().filter(person_id=person.pk, generation=generation)
        if held.exclude(pk=replaces_card_id).exists():
            raise card_already_held(person_id=person.pk, generation=generation)
    photo = usable_photo_in_transaction(
        actor=actor, person=person, origin=accepted.origin, photo_id=photo_id
    )
    application = _application_row(actor, accepted, photo=photo, at=timezone.now())
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError as exc:
        raise _open_application_exists(person) from exc
    application_milestones_record(
        MilestoneKind.APPLIED, [application.pk], day=accepted.day, at=application.submitted_at
    )
    _submit_audit(actor, accepted, application)
    return application


def _submit_audit(actor: Actor, accepted: _Accepted, application: Application) -> None:
    audit_append(actor=actor, fact=_submit_fact(accepted, application))


def _submit_fact(accepted: _Accepted, application: Application) -> AuditFact:
    applicant, outlet, centre = accepted.applicant, accepted.outlet, accepted.centre
    return AuditFact(
        action="application_submit",
        object_type=APPLICATION_OBJECT,
        object_id=str(application.pk),
        changes={
            "person_id": accepted.person.pk,
            "applicant_id": applicant.pk if applicant else None,
            "channel": accepted.channel,
            "action": accepted.action,
            "bank": accepted.bank,
            "pickup": accepted.pickup,
            "outlet_id": outlet.pk if outlet else None,
            "backup_centre_id": centre.pk if centre else None,
            "photo_source": accepted.photo_source,
            "rule": accepted.decision.rule_id,
            "clause": accepted.decision.clause,
        },
        pack_hash=accepted.decision.pack_hash,
    )


def _submit_notify_in_transaction(actor: Actor, accepted: _Accepted) -> None:
    """The pack's ``application_received`` SMS to the person, queued with the application."""
    recipient = person_recipient(accepted.person)
    due_date = accepted.decision.due_date
    holder_tell(
        actor=actor,
        pack=accepted.in_force.pack,
        template_key="application_received",
        recipients=[recipient] if recipient is not None else [],
        bank=accepted.in_force.bank_name(accepted.bank or ""),
        outlet=accepted.outlet.name if accepted.outlet else "",
        due_date=due_date.isoformat() if due_date else "",
    )


def application_cancel(*, actor: Actor, application_id: int) -> Application:
    """Withdraw an open application (the holder, or the clerk of the outlet that took it)."""
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=application_id).first()
        if application is None:
            raise NotFound("application", what_zh="该申请")
        refused = application_cancel_refusal(actor=actor, application=application)
        if refused is not None:
            raise refused
        application.status = ApplicationStatus.CANCELLED
        application.save(update_fields=["status"])
        application_milestones_record(MilestoneKind.WITHDRAWN, [application.pk], day=clock.today())
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="application_cancel",
                object_type=APPLICATION_OBJECT,
                object_id=str(application.pk),
                changes={"status": [ApplicationStatus.SUBMITTED, ApplicationStatus.CANCELLED]},
                pack_hash=application.pack_hash,
            ),
        )
    return application


# --------------------------------------------------------------------------------------------
# Many at once: a counter's queue, a day of online applications
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """One person's application, as :func:`application_submit` takes it."""

    actor: Actor
    person: Person
    channel: str
    action: str
    day: date
    photo_source: str
    bank: str | None = None
    pickup: str | None = None
    mailing_address: str = ""
    backup_centre_id: int | None = None


def application_submit_many(
    requests: Sequence[SubmitRequest],
) -> list[Application | ApplicationError]:
    """Take many applications at once, each checked and decided as :func:`application_submit`
    decides it, and answer each in its place: the application, or the refusal it met (nothing
    is written for a refused one). The accepted are written together in one transaction: their
    persons locked (in id order), their shared photos fetched and stored in one go, the rows
    inserted in one statement, one milestone, audit event and text each, as one call writes.

    Two requests for the same person: the second is refused ``application_already_open``, as
    it would be after the first. Only shared photos (ID card, student card) are taken in bulk;
    a request naming another source is decided as the single call decides it.
    """
    answers: list[_Accepted | ApplicationError] = []
    memo = QueueMemo()
    for request in requests:
        try:
            answers.append(_submit_check_cached(request, memo))
        except ApplicationError as error:
            answers.append(error)
    accepted = [a for a in answers if isinstance(a, _Accepted)]
    if not accepted:
        return [a for a in answers if isinstance(a, ApplicationError)]
    actors = {id(a): r.actor for r, a in zip(requests, answers, strict=True)}
    with transaction.atomic():
        written = _submit_many_write_in_transaction(accepted, actors)
        _submit_many_notify_in_transaction(
            [(actors[id(a)], a) for a in accepted if isinstance(written[id(a)], Application)]
        )
    out: list[Application | ApplicationError] = []
    for answer in answers:
        out.append(answer if isinstance(answer, ApplicationError) else written[id(answer)])
    return out


def _submit_many_notify_in_transaction(told: Sequence[tuple[Actor, _Accepted]]) -> None:
    """The ``application_received`` text of each application, as one call queues it; the
    persons told the very same text by the same actor are queued together."""
    same: dict[tuple[Actor, str, str, str, str], list[_Accepted]] = {}
    for actor, accepted in told:
        due_date = accepted.decision.due_date
        key = (
            actor,
            accepted.in_force.pack.content_hash,
            accepted.bank or "",
            accepted.outlet.name if accepted.outlet else "",
            due_date.isoformat() if due_date else "",
        )
        same.setdefault(key, []).append(accepted)
    for (actor, _, bank, outlet, due_on), group in same.items():
        in_force = group[0].in_force
        recipients = [r for a in group if (r := person_recipient(a.person)) is not None]
        holder_tell(
            actor=actor,
            pack=in_force.pack,
            template_key="application_received",
            recipients=recipients,
            bank=in_force.bank_name(bank),
            outlet=outlet,
            due_date=due_on,
        )


def _submit_check_cached(request: SubmitRequest, memo: QueueMemo) -> _Accepted:
    return _submit_check(
        actor=request.actor,
        person=request.person,
        channel=request.channel,
        action=request.action,
        day=request.day,
        photo_source=request.photo_source,
        bank=request.bank,
        pickup=request.pickup,
        mailing_address=request.mailing_address,
        backup_centre_id=request.backup_centre_id,
        memo=memo,
    )


def _submit_many_write_in_transaction(
    accepted: Sequence[_Accepted], actors: dict[int, Actor]
) -> dict[int, Application | ApplicationError]:
    """Lock the persons, check what only the locks can tell, store the photos, write the
    applications and their milestones and audit events; answers by ``id()`` of each accepted."""
    person_ids = sorted({a.person.pk for a in accepted})
    list(Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk").values("pk"))
    busy = set(
        Application.objects.filter(person_id__in=person_ids, status__in=OPEN_STATUSES).values_list(
            "person_id", flat=True
        )
    )
    generations = {a.decision.card_generation for a in accepted} - {None}
    held = set(
        cards_current()
        .filter(person_id__in=person_ids, generation__in=generations)
        .values_list("person_id", "generation")
    )
    answers: dict[int, Application | ApplicationError] = {}
    going: list[_Accepted] = []
    for one in accepted:
        person, generation = one.person, one.decision.card_generation
        if person.pk in busy:
            answers[id(one)] = _open_application_exists(person)
        elif generation is not None and (person.pk, generation) in held:
            answers[id(one)] = card_already_held(person_id=person.pk, generation=generation)
        else:
            busy.add(person.pk)
            going.append(one)
    photos = usable_photos_many_in_transaction(
        [(actors[id(one)], one.person, one.origin) for one in going]
    )
    now = timezone.now()
    rows: list[tuple[_Accepted, Application]] = []
    for one, photo in zip(going, photos, strict=True):
        if isinstance(photo, ApplicationError):
            answers[id(one)] = photo
            continue
        rows.append((one, _application_row(actors[id(one)], one, photo=photo, at=now)))
    Application.objects.bulk_create([application for _, application in rows])
    by_day: dict[date, list[int]] = {}
    for one, application in rows:
        by_day.setdefault(one.day, []).append(application.pk)
        answers[id(one)] = application
    for day, ids in by_day.items():
        application_milestones_record(MilestoneKind.APPLIED, ids, day=day, at=now)
    audit_append_each([(actors[id(one)], _submit_fact(one, a)) for one, a in rows])
    return answers


def _application_row(
    actor: Actor, accepted: _Accepted, *, photo: Photo, at: datetime
) -> Application:
    return Application(
        person=accepted.person,
        applicant=accepted.applicant,
        channel=accepted.channel,
        action=accepted.action,
        applied_on=accepted.day,
        bank_code=accepted.bank or "",
        pickup=accepted.pickup,
        outlet=accepted.outlet,
        mailing_address=accepted.mailing_address,
        backup_centre=accepted.centre,
        photo_source=accepted.photo_source,
        photo=photo,
        taken_by=actor.label,
        taken_by_role=str(actor.role),
        submitted_at=at,
        fee_fen=accepted.in_force.fee(pickup=accepted.pickup),
        group=accepted.group,
        **decided_fields(accepted.decision),
    )
