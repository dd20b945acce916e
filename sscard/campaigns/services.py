"""Put a policy pack into force for a city, or withdraw it; record schools' notices."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sscard.campaigns.choices import CampaignStatus
from sscard.campaigns.errors import CampaignErrorCode
from sscard.campaigns.milestones import campaign_invited_record
from sscard.campaigns.models import Campaign
from sscard.campaigns.selectors import (
    SCHOOL_NOTICE_TEMPLATE,
    SCHOOL_NOTIFIERS,
    SchoolNoticeRules,
)
from sscard.core import clock
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import id_ranges
from sscard.core.errors import NotFound, PermissionDenied
from sscard.notifications.services import Recipient, holder_tell
from sscard.policy import Pack
from sscard.registry.choices import DivisionLevel
from sscard.registry.models import Division, Person, School
from sscard.registry.selectors import school_get

MAY_PUT_IN_FORCE = (Role.CITY_OFFICER, Role.SYSTEM)


def _check_city(actor: Actor, city_code: str) -> None:
    if actor.role not in MAY_PUT_IN_FORCE:
        raise PermissionDenied("put a policy pack into force", "发布换发政策")
    if actor.city_code and actor.city_code != city_code:
        raise CampaignErrorCode.CAMPAIGN_OTHER_CITY.error(city=city_code)


def campaign_put_in_force(*, actor: Actor, pack: Pack) -> Campaign:
    """Put ``pack`` into force for its city, superseding the campaign in force there.

    Putting the very pack that is already in force again changes nothing.
    """
    _check_city(actor, pack.city)
    now = timezone.now()
    with transaction.atomic():
        current = (
            Campaign.objects.select_for_update()
            .filter(city_code=pack.city, status=CampaignStatus.IN_FORCE)
            .first()
        )
        if current is not None and current.pack_hash == pack.content_hash:
            return current
        if current is not None:
            current.status = CampaignStatus.SUPERSEDED
            current.in_force_until = now
            current.ended_by = actor.label
            current.save(update_fields=["status", "in_force_until", "ended_by"])
        campaign = Campaign.objects.create(
            city_code=pack.city,
            pack_id=pack.id,
            pack_hash=pack.content_hash,
            title=pack.title,
            source_text=pack.source_text,
            in_force_from=now,
            put_in_force_by=actor.label,
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="put_in_force",
                object_type="campaigns.campaign",
                object_id=str(campaign.pk),
                changes={
                    "pack": pack.id,
                    "city": pack.city,
                    "supersedes": current.pk if current is not None else None,
                },
                pack_hash=pack.content_hash,
            ),
        )
    return campaign


def campaign_withdraw(*, actor: Actor, campaign_id: int) -> Campaign:
    """End a campaign in force; its city then has no campaign until another is put in force."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None:
            raise NotFound("campaign", what_zh="换发工作")
        _check_city(actor, campaign.city_code)
        if campaign.status != CampaignStatus.IN_FORCE:
            raise CampaignErrorCode.CAMPAIGN_NOT_IN_FORCE.error(status=campaign.status)
        campaign.status = CampaignStatus.WITHDRAWN
        campaign.in_force_until = timezone.now()
        campaign.ended_by = actor.label
        campaign.save(update_fields=["status", "in_force_until", "ended_by"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="withdraw",
                object_type="campaigns.campaign",
                object_id=str(campaign.pk),
                changes={"status": [CampaignStatus.IN_FORCE, CampaignStatus.WITHDRAWN]},
                pack_hash=campaign.pack_hash,
            ),
        )
    return campaign


@dataclass(frozen=True, slots=True)
class SchoolNotice:
    """What recording a notice did: the schools now notified and the parents' texts queued."""

    notified_on: date
    district: str
    school_codes: list[str]
    messages: int


def school_notify(
    *,
    actor: Actor,
    notified_on: date,
    school_code: str | None = None,
    district_code: str | None = None,
    today: date | None = None,
) -> SchoolNotice:
    """Record the notice of one school, or of every school of a district not yet notified
    (分区分批, SH-09); text the pupils' parents the pack's ``school_notice`` once it commits.

    From ``notified_on`` the parents may apply for their children (the pack's
    ``school_notified`` fact), within the pupils' window of the pack.
    """
    today = today or clock.today()
    _check_notice(
        notified_on=notified_on,
        school_code=school_code,
        district_code=district_code,
        today=today,
    )
    rules = SchoolNoticeRules(actor)
    if actor.role not in SCHOOL_NOTIFIERS:
        raise PermissionDenied("record school notices", "登记学校通知")
    with transaction.atomic():
        district, pending, already = _notice_target_in_transaction(
            actor=actor, school_code=school_code, district_code=district_code
        )
        refusal = rules.refusal(district=district, already_notified=already)
        if refusal is not None:
            raise refusal
        source = rules.source(district)
        assert source is not None  # the refusal above says so otherwise
        schools = _schools_waiting_in_transaction(pending, district=district)
        _notice_write_in_transaction(
            actor=actor,
            school_ids=[pk for pk, _code, _name in schools],
            notified_on=notified_on,
            district=district,
            object_id=school_code if school_code is not None else f"district:{district}",
            pack_hash=source.campaign.pack_hash,
        )
        # The pupils are invited to apply (through their parents) from the notice on.
        campaign_invited_record(
            campaign=source.campaign,
            day=today,
            persons=Q(school_id__in=[pk for pk, _code, _name in schools]),
        )
        queued = _parents_tell_in_transaction(
            actor=actor, pack=source.pack, schools=[(pk, name) for pk, _code, name in schools]
        )
    return SchoolNotice(
        notified_on=notified_on,
        district=district,
        school_codes=[code for _pk, code, _name in schools],
        messages=queued,
    )


def _check_notice(
    *, notified_on: date, school_code: str | None, district_code: str | None, today: date
) -> None:
    """Refuse a notice that names neither or both targets, or is dated after ``today``."""
    if (school_code is None) == (district_code is None):
        raise CampaignErrorCode.SCHOOL_NOTICE_TARGET_INVALID.error()
    if notified_on > today:
        raise CampaignErrorCode.SCHOOL_NOTICE_DATE_IN_FUTURE.error(
            notified_on=notified_on.isoformat()
        )


def _notice_target_in_transaction(
    *, actor: Actor, school_code: str | None, district_code: str | None
) -> tuple[str, QuerySet[School], bool]:
    """The district of the notice, the schools it may reach, and whether the one school named
    is notified already (its row locked to answer that)."""
    if school_code is not None:
        school = school_get(actor=actor, code=school_code.strip())
        pending = School.objects.filter(pk=school.pk)
        locked = list(pending.order_by("pk").select_for_update().values_list("notified_on"))
        return school.district, pending, bool(locked and locked[0][0] is not None)
    district = (district_code or "").strip()
    known = Division.objects.filter(
        code=district, level=DivisionLevel.DISTRICT, abolished=False
    ).exists()
    if not known:
        raise NotFound("district", what_zh="该区")
    return district, School.objects.filter(district=district), False


def _schools_waiting_in_transaction(
    pending: QuerySet[School], *, district: str
) -> list[tuple[int, str, str]]:
    """Lock the schools of ``pending`` not notified yet, in primary-key order: (pk, code, name)."""
    schools = list(
        pending.filter(notified_on__isnull=True)
        .order_by("pk")
        .select_for_update()
        .values_list("pk", "code", "name")
    )
    if not schools:
        raise CampaignErrorCode.DISTRICT_NO_SCHOOL_TO_NOTIFY.error(district=district)
    return schools


def _notice_write_in_transaction(
    *,
    actor: Actor,
    school_ids: list[int],
    notified_on: date,
    district: str,
    object_id: str,
    pack_hash: str,
) -> None:
    School.objects.filter(pk__in=school_ids).update(notified_on=notified_on)
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="school_notify",
            object_type="registry.school",
            object_id=object_id,
            changes={
                "notified_on": notified_on.isoformat(),
                "district": district,
                "schools": len(school_ids),
                "ids": id_ranges(school_ids),
            },
            pack_hash=pack_hash,
        ),
    )


def _parents_tell_in_transaction(
    *, actor: Actor, pack: Pack, schools: list[tuple[int, str]]
) -> int:
    """Tell the guardians of each school's pupils the pack's school notice: one text per parent
    and school, read in one query per 5,000 schools and queued set-based per school."""
    parents: dict[int, list[Recipient]] = defaultdict(list)
    ids = [pk for pk, _name in schools]
    for start in range(0, len(ids), 5000):
        rows = (
            Person.objects.filter(
                school_id__in=ids[start : start + 5000],
                guardian__phone_enc__isnull=False,
                guardian__phone_index__isnull=False,
            )
            .order_by("school_id", "guardian_id")
            .values_list(
                "school_id",
                "guardian_id",
                "guardian__phone_index",
                "guardian__phone_enc",
                "guardian__phone_masked",
            )
            .distinct()
        )
        for school_id, guardian_id, index, sealed, masked in rows:
            if index is not None and sealed is not None:  # the query leaves out NULLs
                parents[school_id].append(
                    Recipient(bytes(index), bytes(sealed), masked, guardian_id)
                )
    # Every school's text is checked (BJ-13), whether or not its pupils have a parent to tell.
    return sum(
        holder_tell(
            actor=actor,
            pack=pack,
            template_key=SCHOOL_NOTICE_TEMPLATE,
            recipients=parents.get(pk, []),
            school=name,
        )
        for pk, name in schools
    )
