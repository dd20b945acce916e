"""Writes of the applications: card photos (SH-11), individual applications on every channel.

Collective applications (单位集体申领) are in ``collective.py``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from sscard.applications.choices import (
    OPEN_STATUSES,
    SHARED_ORIGINS,
    ApplicationStatus,
    PhotoOrigin,
)
from sscard.applications.models import Application, Photo
from sscard.applications.photos import (
    STORED_CONTENT_TYPE,
    photo_file_write,
    photo_source,
    prepare_photo,
)
from sscard.applications.rules import (
    bank_name,
    ensure_allowed,
    fee_for,
    in_force_for_person,
    photo_origin,
    pickup_is_postal,
    pickup_needs_backup_centre,
    template_text,
)
from sscard.applications.selectors import cards_current, photo_usable
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.calendar import work_calendar
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.notifications.services import Recipient, message_queue_many
from sscard.policy import Decision, DecisionRequest, decide
from sscard.registry.eligibility import person_facts
from sscard.registry.models import Person

# Counter clerks capture photos; HR uploads its staff's; a holder (or a parent) their own;
# the system fetches shared ones.
PHOTO_ROLES = frozenset(
    {Role.COMMUNITY_CLERK, Role.BANK_CLERK, Role.EMPLOYER_HR, Role.CARDHOLDER, Role.SYSTEM}
)


def _check_may_handle(actor: Actor, person: Person) -> None:
    if actor.role not in PHOTO_ROLES:
        raise PermissionDenied("store a card photo", "保存制卡照片")
    if actor.role is Role.CARDHOLDER:
        own = actor.person_id is not None and actor.person_id in (person.pk, person.guardian_id)
        if not own:
            raise NotFound("person", what_zh="该人员")
    if actor.role is Role.EMPLOYER_HR and (
        actor.employer_id is None or person.employer_id != actor.employer_id
    ):
        raise NotFound("person", what_zh="该人员")


def _source_invalid(source: str) -> ApplicationError:
    return ApplicationError(
        "photo_source_invalid",
        "照片来源无效。",
        "That is not a photo source.",
        {"source": source},
    )


def photo_store(*, actor: Actor, person: Person, source: str, data: bytes) -> Photo:
    """Check, re-encode and store a photo of ``person``; the same photo again is the same row.

    Refuses with ``photo_too_large``, ``photo_not_image``, ``photo_format_unsupported``,
    ``photo_too_small`` or ``photo_dimensions`` (see ``photos.prepare_photo``), and with
    ``photo_duplicate`` when the very same photo is already on record for someone else.
    """
    _check_may_handle(actor, person)
    if source not in PhotoOrigin.values:
        raise _source_invalid(source)
    prepared = prepare_photo(data)
    # The file first: a row never points at a missing file. A rolled-back row leaves a file
    # nobody refers to, which is harmless (and the next store of that photo reuses it).
    photo_file_write(prepared.digest, prepared.data)
    with transaction.atomic():
        photo, created = Photo.objects.get_or_create(
            digest=prepared.digest,
            defaults={
                "source": source,
                "content_type": STORED_CONTENT_TYPE,
                "width": prepared.width,
                "height": prepared.height,
                "bytes": len(prepared.data),
                "person": person,
                "created_at": timezone.now(),
            },
        )
        if not created:
            if photo.person_id != person.pk:
                raise ApplicationError(
                    "photo_duplicate",
                    "该照片已用于其他人员，不能重复使用。",
                    "This very photo is already on record for another person.",
                    status=409,
                )
            return photo
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="photo_store",
                object_type="applications.photo",
                object_id=str(photo.pk),
                changes={
                    "person_id": person.pk,
                    "source": source,
                    "digest": photo.digest,
                    "width": photo.width,
                    "height": photo.height,
                    "bytes": photo.bytes,
                },
            ),
        )
    return photo


def photo_from_source(*, actor: Actor, person: Person, source: str) -> Photo:
    """Fetch ``person``'s photo from a shared source (ID card, student card) and store it.

    ``photo_source_unavailable`` when the source has no photo of the person.
    """
    if source not in SHARED_ORIGINS:
        raise _source_invalid(source)
    _check_may_handle(actor, person)
    data = photo_source().fetch(person=person, source=PhotoOrigin(source))
    if data is None:
        raise ApplicationError(
            "photo_source_unavailable",
            "该来源没有此人的照片，请到社区事务受理中心现场拍照。",
            "That source has no photo of this person; have one taken at a community centre.",
            {"source": source},
            status=404,
        )
    return photo_store(actor=actor, person=person, source=source, data=data)


# --------------------------------------------------------------------------------------------
# Individual applications
# --------------------------------------------------------------------------------------------

# Which engine channels each kind of outlet takes applications on. The pack decides whether a
# channel is open to a person; this is only where the clerk stands.
OUTLET_CHANNELS: dict[str, tuple[str, ...]] = {
    OutletKind.BANK_BRANCH: ("bank_outlet", "instant_outlet"),
    OutletKind.COMMUNITY_CENTRE: ("community_centre", "instant_outlet"),
    OutletKind.ENTERPRISE_POINT: ("enterprise_point",),
    OutletKind.COMMUNITY_STALL: ("community_stall",),
    OutletKind.HOME_VISIT_TEAM: ("home_visit",),
}
CARDHOLDER_CHANNELS = ("online", "parent_online")
APPLICATION_OBJECT = "applications.application"


def _channel_not_yours(channel: str) -> ApplicationError:
    return ApplicationError(
        "channel_not_available",
        "您所在的网点或角色不能通过该渠道受理申请。",
        "Your outlet or role does not take applications through that channel.",
        {"channel": channel},
        status=403,
    )


def _check_channel(actor: Actor, channel: str, person: Person, outlet: Outlet | None) -> None:
    """The channel must be the actor's own: the clerk's outlet kind, or the holder online."""
    if actor.role is Role.CARDHOLDER:
        if channel == "online" and actor.person_id == person.pk:
            return
        if channel == "parent_online" and person.guardian_id == actor.person_id:
            return
        if channel in CARDHOLDER_CHANNELS:
            raise NotFound("person", what_zh="该人员")
        raise _channel_not_yours(channel)
    if actor.role in (Role.BANK_CLERK, Role.COMMUNITY_CLERK) and outlet is not None:
        if channel not in OUTLET_CHANNELS.get(outlet.kind, ()):
            raise _channel_not_yours(channel)
        if channel == "instant_outlet" and not outlet.instant_issuance:
            raise ApplicationError(
                "outlet_not_instant",
                "本网点不是即时制卡网点。",
                "This outlet does not make cards on the spot.",
                {"outlet": outlet.code},
                status=422,
            )
        return
    raise PermissionDenied("take an application", "受理社保卡申领")


def _open_application_exists(person: Person) -> ApplicationError:
    return ApplicationError(
        "application_already_open",
        "该人员已有一笔正在办理的社保卡申领，不能重复申请。",
        "This person already has an open card application; a second one is not accepted.",
        {"person_id": person.pk},
        status=409,
    )


GENERATION_NAMES = {1: ("第一代", "first"), 2: ("第二代", "second"), 3: ("第三代", "third")}


def card_already_held(*, person_id: int, generation: int, **details: object) -> ApplicationError:
    """The person already holds a current card of this generation (issue 9, point 6)."""
    zh, en = GENERATION_NAMES.get(generation, (f"第{generation}代", f"generation-{generation}"))
    return ApplicationError(
        "card_already_held",
        f"该人员已持有一张有效或正在制作、寄送中的{zh}社会保障卡，不能再申领同代新卡；"
        "卡片遗失或损坏的，请办理补换。",
        f"This person already holds a {en}-generation card that is in force or on its way; "
        "another one is not issued. For a lost or damaged card, apply for a replacement.",
        {"person_id": person_id, "generation": generation, **details},
        status=409,
    )


def _backup_centre(outlet_id: int | None) -> Outlet | None:
    if outlet_id is None:
        return None
    centre = Outlet.objects.filter(pk=outlet_id, kind=OutletKind.COMMUNITY_CENTRE).first()
    if centre is None:
        raise ApplicationError(
            "backup_centre_invalid",
            "备用社区受理网点须为社区事务受理中心。",
            "The backup centre must be a community acceptance centre.",
            {"outlet_id": outlet_id},
            status=422,
        )
    return centre


def _backup_required() -> ApplicationError:
    return ApplicationError(
        "backup_centre_required",
        "邮寄领卡须登记备用社区受理网点，投递不成功的卡将转至该网点。",
        "A posted card needs a backup community centre, where an undeliverable card goes.",
        status=422,
    )


def _usable_photo(
    *,
    actor: Actor,
    person: Person,
    origin: PhotoOrigin,
    photo_id: int | None,
) -> Photo:
    """The photo the application will carry: fetched from a shared source, or one stored."""
    if photo_id is not None:
        photo = Photo.objects.filter(pk=photo_id, person=person).first()
        if photo is None:
            raise NotFound("photo", what_zh="该照片")
    elif origin in SHARED_ORIGINS:
        photo = photo_from_source(actor=actor, person=person, source=origin)
    else:
        photo = Photo.objects.filter(person=person, source=origin).order_by("-pk").first()
    if photo is None:
        raise ApplicationError(
            "photo_required",
            "没有可用的制卡照片，申请不能提交；请先上传或现场拍照。",
            "There is no usable card photo, so the application cannot be submitted; upload or "
            "take one first.",
            status=422,
        )
    if not photo_usable(photo):
        raise ApplicationError(
            "photo_not_usable",
            "制卡照片不可用（尺寸不符或文件已损坏），请重新采集。",
            "The card photo cannot be used (size out of limits or file damaged); take it again.",
            {"photo_id": photo.pk},
            status=422,
        )
    return photo


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
    ``cards.services.card_order_conflicts``). The person is told by SMS when the pack has an
    ``application_received`` template.
    """
    outlet = (
        Outlet.objects.select_related("bank").filter(pk=actor.outlet_id).first()
        if actor.outlet_id is not None
        else None
    )
    _check_channel(actor, channel, person, outlet)
    applicant: Person | None = None
    if channel == "parent_online" and actor.person_id is not None:
        applicant = Person.objects.get(pk=actor.person_id)
    in_force = in_force_for_person(person)
    pack = in_force.pack
    facts = person_facts(person)
    if bank is None and outlet is not None and outlet.bank is not None:
        bank = outlet.bank.code
    decision = ensure_allowed(
        decide(
            pack,
            DecisionRequest(action, channel, day, bank=bank, pickup=pickup),  # type: ignore[arg-type]
            facts,
            calendar=work_calendar(),
        )
    )
    bank = bank or decision.bank_default
    if bank is None and decision.banks:
        if len(decision.banks) > 1:
            raise ApplicationError(
                "bank_required",
                f"请选择开户银行（可选：{'、'.join(decision.banks)}）。",
                f"Choose the account bank (one of {', '.join(decision.banks)}).",
                {"banks": list(decision.banks)},
                status=422,
            )
        bank = decision.banks[0]
    if pickup is None:
        if len(decision.pickup_methods) != 1:
            raise ApplicationError(
                "pickup_required",
                "请选择领卡方式。",
                "Choose how the card is collected.",
                {"pickup_methods": list(decision.pickup_methods)},
                status=422,
            )
        pickup = decision.pickup_methods[0]
    address = mailing_address.strip() or person.address
    centre = _backup_centre(backup_centre_id)
    if pickup_is_postal(pack, pickup) and not address:
        raise ApplicationError(
            "mailing_address_required",
            "邮寄领卡须填写邮寄地址。",
            "A posted card needs a mailing address.",
            status=422,
        )
    if pickup_needs_backup_centre(pack, pickup) and centre is None:
        raise _backup_required()
    origin = photo_origin(pack, photo_source, facts, day)
    with transaction.atomic():
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
        photo = _usable_photo(actor=actor, person=person, origin=origin, photo_id=photo_id)
        application = Application(
            person=person,
            applicant=applicant,
            channel=channel,
            action=action,
            applied_on=day,
            bank_code=bank or "",
            pickup=pickup,
            outlet=outlet,
            mailing_address=address if pickup_is_postal(pack, pickup) else "",
            backup_centre=centre,
            photo_source=photo_source,
            photo=photo,
            taken_by=actor.label,
            taken_by_role=str(actor.role),
            submitted_at=timezone.now(),
            fee_fen=fee_for(pack, pickup=pickup),
            **decided_fields(decision),
        )
        try:
            with transaction.atomic():
                application.save(force_insert=True)
        except IntegrityError as exc:
            raise _open_application_exists(person) from exc
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="application_submit",
                object_type=APPLICATION_OBJECT,
                object_id=str(application.pk),
                changes={
                    "person_id": person.pk,
                    "applicant_id": applicant.pk if applicant else None,
                    "channel": channel,
                    "action": action,
                    "bank": bank,
                    "pickup": pickup,
                    "outlet_id": outlet.pk if outlet else None,
                    "backup_centre_id": centre.pk if centre else None,
                    "photo_source": photo_source,
                    "rule": decision.rule_id,
                    "clause": decision.clause,
                },
                pack_hash=decision.pack_hash,
            ),
        )
        text = template_text(
            pack,
            "application_received",
            bank=bank_name(pack, bank or ""),
            outlet=outlet.name if outlet else "",
            due_date=decision.due_date.isoformat() if decision.due_date else "",
        )
        recipient = person_recipient(person)
        if text is not None and recipient is not None:
            message_queue_many(
                actor=actor,
                recipients=[recipient],
                text=text,
                template_key="application_received",
                pack_hash=decision.pack_hash,
            )
    return application


def decided_fields(decision: Decision) -> dict[str, object]:
    """The columns that record the decision that allowed an application."""
    return {
        "pack_id": decision.pack_id,
        "pack_hash": decision.pack_hash,
        "phase_id": decision.phase_id or "",
        "rule_id": decision.rule_id or "",
        "clause": decision.clause or "",
        "reason_code": decision.reason_code,
        "card_generation": decision.card_generation,
        "due_date": decision.due_date,
    }


def person_recipient(person: Person) -> Recipient | None:
    """The person's phone as the registry stores it, sealed; None without one."""
    if not person.phone_enc or not person.phone_index:
        return None
    return Recipient(
        phone_index=bytes(person.phone_index),
        phone_enc=bytes(person.phone_enc),
        phone_masked=person.phone_masked,
        person_id=person.pk,
    )


def application_recipients(application_ids: Sequence[int]) -> list[Recipient]:
    """Whom to tell about each application's card: the phone the staff member confirmed for
    the collective application (BJ-04) where there is one, else the registry's; in bulk."""
    recipients: list[Recipient] = []
    for start in range(0, len(application_ids), 5000):
        rows = (
            Application.objects.filter(pk__in=application_ids[start : start + 5000])
            .select_related("person", "roster_entry")
            .only(
                "person_id", "person__phone_index", "person__phone_enc", "person__phone_masked",
                "roster_entry__phone_index", "roster_entry__phone_enc",
                "roster_entry__phone_masked",
            )
        )  # fmt: skip
        for application in rows:
            entry = application.roster_entry
            if entry is not None and entry.phone_enc and entry.phone_index:
                recipients.append(
                    Recipient(
                        phone_index=bytes(entry.phone_index),
                        phone_enc=bytes(entry.phone_enc),
                        phone_masked=entry.phone_masked,
                        person_id=application.person_id,
                    )
                )
                continue
            recipient = person_recipient(application.person)
            if recipient is not None:
                recipients.append(recipient)
    return recipients


def application_cancel(*, actor: Actor, application_id: int) -> Application:
    """Withdraw an open application (the holder, or the clerk of the outlet that took it)."""
    with transaction.atomic():
        application = Application.objects.select_for_update().filter(pk=application_id).first()
        if application is None or not _may_cancel(actor, application):
            raise NotFound("application", what_zh="该申请")
        if application.status not in OPEN_STATUSES:
            raise ApplicationError(
                "application_not_open",
                "该申请已不在办理中。",
                "That application is no longer open.",
                {"status": application.status},
                status=409,
            )
        application.status = ApplicationStatus.CANCELLED
        application.save(update_fields=["status"])
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


def _may_cancel(actor: Actor, application: Application) -> bool:
    if actor.role is Role.CARDHOLDER:
        return actor.person_id in (application.person_id, application.applicant_id)
    if actor.role in (Role.BANK_CLERK, Role.COMMUNITY_CLERK):
        return actor.outlet_id is not None and actor.outlet_id == application.outlet_id
    return actor.role is Role.SYSTEM
