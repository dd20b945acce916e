"""Put a policy pack into force for a city, or withdraw it; record schools' notices."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from sscard.campaigns.choices import CampaignStatus, RoundKind, RoundStatus, SkipReason
from sscard.campaigns.errors import CampaignErrorCode
from sscard.campaigns.milestones import campaign_invited_record
from sscard.campaigns.models import Campaign, OutreachReminder, OutreachRound
from sscard.campaigns.selectors import (
    OUTREACH_SENDERS,
    SCHOOL_NOTICE_TEMPLATE,
    SCHOOL_NOTIFIERS,
    OutreachFilter,
    OutreachTarget,
    SchoolNoticeRules,
    campaign_pack,
    outreach_annotated,
    outreach_preview,
    outreach_round_get,
    outreach_target,
)
from sscard.core import background, clock
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import id_ranges
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.jobs import job_progress, job_queue, job_run, jobs_recover
from sscard.core.models import BackgroundJob
from sscard.notifications.services import Recipient, holder_tell
from sscard.policy import Pack
from sscard.policy.schema import Outreach
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


# --------------------------------------------------------------------------------------------
# Reminder rounds (issue 14 point 1)
# --------------------------------------------------------------------------------------------

OUTREACH_JOB = "outreach_round"
ROUND_OBJECT = "campaigns.outreachround"
#: Persons a round's job reads, reminds and commits at a time (its checkpoint moves by one).
ROUND_CHUNK = 5_000


def _interval(outreach: Outreach) -> timedelta:
    """The time between two texts of a round at the pack's rate."""
    return timedelta(minutes=1) / outreach.messages_per_minute


def outreach_round_start(
    *, actor: Actor, filters: OutreachFilter, day: date | None = None
) -> OutreachRound:
    """Start a round of reminders: check it (:func:`outreach_target`), count it, record it
    and hand its sending to a background job; answer the round (sent already where work runs
    in the caller: tests, a command line).

    Its texts are released at the pack's rate from when the city's rounds before it have
    released theirs (the campaign's row is locked to settle that). ``outreach_nobody_to_remind``
    (409) when the choice leaves nobody to remind."""
    day = day or clock.today()
    target = outreach_target(actor=actor, filters=filters, day=day)
    preview = outreach_preview(target)
    if preview.to_remind <= 0:
        raise CampaignErrorCode.OUTREACH_NOBODY_TO_REMIND.error()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=target.campaign.pk)
        now = timezone.now()
        busy = OutreachRound.objects.filter(campaign=campaign).aggregate(m=Max("releases_until"))
        start = max(now, busy["m"]) if busy["m"] is not None else now
        round_ = OutreachRound.objects.create(
            campaign=campaign,
            kind=RoundKind.BUREAU,
            status=RoundStatus.QUEUED,
            city_code=campaign.city_code,
            district_code=target.filters.district_code,
            employer_id=target.filters.employer_id,
            filters=target.filters.as_json(),
            template_key=target.outreach.template,
            day=day,
            previewed=preview.to_remind,
            releases_from=start,
            releases_until=start + _interval(target.outreach) * preview.to_remind,
            created_by=actor.label[:150],
            created_by_role=actor.role.value,
            created_at=now,
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="outreach_round_start",
                object_type=ROUND_OBJECT,
                object_id=str(round_.pk),
                changes={
                    "filters": target.filters.as_json(),
                    "previewed": preview.to_remind,
                    "skipped": preview.skipped,
                },
                pack_hash=campaign.pack_hash,
            ),
        )
        job = job_queue(
            kind=OUTREACH_JOB, actor=actor, object_type=ROUND_OBJECT, object_id=round_.pk
        )
    _submit(job.pk)
    round_.refresh_from_db()
    return round_


def _submit(job_id: int) -> None:
    from sscard.campaigns.tasks import outreach_round_task  # the tasks module imports this one

    background.submit(outreach_round_task, job_id)


def outreach_resume_refusal(*, actor: Actor, round_: OutreachRound) -> ApplicationError | None:
    """Why ``actor`` may not resume ``round_`` (None: the service would): one predicate for
    the service, the page's button and the API."""
    if actor.role not in OUTREACH_SENDERS:
        return PermissionDenied("send reminder rounds", "发送提醒短信")
    if round_.kind != RoundKind.BUREAU or round_.status != RoundStatus.FAILED:
        return CampaignErrorCode.OUTREACH_ROUND_NOT_RESUMABLE.error(status=round_.status)
    return None


def outreach_round_resume(*, actor: Actor, round_id: int) -> OutreachRound:
    """Send the rest of a round that stopped part-way: from its checkpoint, so nobody it
    reminded already is reminded again."""
    round_ = outreach_round_get(actor=actor, round_id=round_id)
    with transaction.atomic():
        round_ = OutreachRound.objects.select_for_update().get(pk=round_.pk)
        refusal = outreach_resume_refusal(actor=actor, round_=round_)
        if refusal is not None:
            raise refusal
        round_.status = RoundStatus.QUEUED
        round_.save(update_fields=["status"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="outreach_round_resume",
                object_type=ROUND_OBJECT,
                object_id=str(round_.pk),
                changes={"from_person": round_.last_person_id, "sent": round_.sent},
            ),
        )
        job = job_queue(
            kind=OUTREACH_JOB, actor=actor, object_type=ROUND_OBJECT, object_id=round_.pk
        )
    _submit(job.pk)
    round_.refresh_from_db()
    return round_


def _round_target(round_: OutreachRound) -> OutreachTarget:
    """The round's target as it was checked when it started (its campaign's pack)."""
    pack = campaign_pack(round_.campaign)
    if pack.outreach is None:
        raise CampaignErrorCode.OUTREACH_NOT_IN_PACK.error(city=round_.city_code)
    return OutreachTarget(
        round_.campaign, pack, pack.outreach, OutreachFilter.from_json(round_.filters), round_.day
    )


def _round_chunk(actor: Actor, round_id: int, target: OutreachTarget, size: int) -> bool:
    """Remind the next ``size`` selected persons after the checkpoint, in ONE transaction with
    the checkpoint: their reminders, their texts (due at the round's pace), their ``invited``
    milestones. Whether there were any."""
    with transaction.atomic():
        round_ = OutreachRound.objects.select_for_update().get(pk=round_id)
        rows = list(
            outreach_annotated(target)  # type: ignore[misc]  # ``skip`` is annotated
            .filter(pk__gt=round_.last_person_id)
            .order_by("pk")
            .values_list("pk", "skip", "phone_index", "phone_enc", "phone_masked")[:size]
        )
        if not rows:
            return False
        assert round_.releases_from is not None
        interval = _interval(target.outreach)
        recipients: list[Recipient] = []
        skipped: Counter[str] = Counter()
        for pk, skip, index, sealed, masked in rows:
            if skip or index is None or sealed is None:
                skipped[skip or SkipReason.NO_PHONE.value] += 1
                continue
            due = round_.releases_from + interval * (round_.sent + len(recipients))
            recipients.append(Recipient(bytes(index), bytes(sealed), masked, pk, not_before=due))
        ids = [r.person_id for r in recipients if r.person_id is not None]
        OutreachReminder.objects.bulk_create(
            [
                OutreachReminder(
                    round=round_, campaign_id=round_.campaign_id, person_id=pk, day=round_.day
                )
                for pk in ids
            ],
            batch_size=2_000,
        )
        holder_tell(
            actor=actor, pack=target.pack, template_key=round_.template_key, recipients=recipients
        )
        campaign_invited_record(campaign=round_.campaign, day=round_.day, persons=Q(pk__in=ids))
        round_.last_person_id = rows[-1][0]
        round_.selected += len(rows)
        round_.sent += len(recipients)
        round_.skipped = {
            reason.value: int(round_.skipped.get(reason.value, 0)) + skipped[reason.value]
            for reason in SkipReason
        }
        if recipients and recipients[-1].not_before is not None:
            round_.releases_until = max(
                round_.releases_until or recipients[-1].not_before, recipients[-1].not_before
            )
        round_.save(
            update_fields=[
                "last_person_id", "selected", "sent", "skipped", "releases_until", "status",
            ]
        )  # fmt: skip
    return True


def outreach_round_send(job: BackgroundJob, actor: Actor, _path: object = None) -> dict[str, Any]:
    """The job's work: remind the round's persons chunk by chunk from its checkpoint, with
    progress for the page; a failure leaves the round ``failed`` at its last checkpoint."""
    round_id = int(job.object_id)
    OutreachRound.objects.filter(pk=round_id).exclude(status=RoundStatus.DONE).update(
        status=RoundStatus.SENDING
    )
    round_ = OutreachRound.objects.select_related("campaign").get(pk=round_id)
    try:
        if round_.status == RoundStatus.SENDING:
            target = _round_target(round_)
            while _round_chunk(actor, round_id, target, ROUND_CHUNK):
                done = OutreachRound.objects.get(pk=round_id)
                job_progress(job, selected=done.selected, sent=done.sent, skipped=done.skipped)
                if background.stopping():
                    # A job for the rest waits for the next server's start (its startup hook).
                    OutreachRound.objects.filter(pk=round_id).update(status=RoundStatus.QUEUED)
                    job_queue(
                        kind=OUTREACH_JOB, actor=actor, object_type=ROUND_OBJECT, object_id=round_id
                    )
                    return {"selected": done.selected, "sent": done.sent, "stopped": True}
    except Exception:
        OutreachRound.objects.filter(pk=round_id).update(status=RoundStatus.FAILED)
        raise
    with transaction.atomic():
        round_ = OutreachRound.objects.select_for_update().get(pk=round_id)
        if round_.status != RoundStatus.DONE:
            round_.status = RoundStatus.DONE
            round_.finished_at = timezone.now()
            round_.save(update_fields=["status", "finished_at"])
            audit_append(
                actor=actor,
                fact=AuditFact(
                    action="outreach_round_send",
                    object_type=ROUND_OBJECT,
                    object_id=str(round_.pk),
                    changes={
                        "selected": round_.selected,
                        "sent": round_.sent,
                        "skipped": round_.skipped,
                    },
                    pack_hash=round_.campaign.pack_hash,
                ),
            )
    return {"selected": round_.selected, "sent": round_.sent, "skipped": round_.skipped}


def outreach_round_job_run(*, job_id: int) -> BackgroundJob:
    """Run a queued round's job (the task's body)."""
    return job_run(job_id, outreach_round_send)


def outreach_rounds_resume() -> list[int]:
    """Queue again the rounds' jobs a stopped server left (a starting server's hook)."""
    return jobs_recover(kind=OUTREACH_JOB, queue=_submit)


def outreach_employer_round_record(
    *,
    actor: Actor,
    campaign: Campaign,
    employer_id: int,
    person_ids: Sequence[int],
    listed: int,
    day: date,
) -> OutreachRound:
    """Record an employer's reminder to its unconfirmed staff as a round (issue 14): the
    persons texted (``person_ids``) out of ``listed`` pending, in the caller's transaction.
    They count towards each person's reminders in the campaign and the round's conversion."""
    now = timezone.now()
    ids = list(dict.fromkeys(person_ids))
    round_ = OutreachRound.objects.create(
        campaign=campaign,
        kind=RoundKind.EMPLOYER,
        status=RoundStatus.DONE,
        city_code=campaign.city_code,
        employer_id=employer_id,
        filters={"employer_id": employer_id},
        template_key="confirm_request",
        day=day,
        previewed=len(ids),
        selected=listed,
        sent=len(ids),
        skipped={SkipReason.NO_PHONE.value: max(listed - len(ids), 0)},
        releases_from=now,
        releases_until=now,
        created_by=actor.label[:150],
        created_by_role=actor.role.value,
        created_at=now,
        finished_at=now,
    )
    OutreachReminder.objects.bulk_create(
        [
            OutreachReminder(round=round_, campaign_id=campaign.pk, person_id=pk, day=day)
            for pk in ids
        ],
        batch_size=2_000,
    )
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="outreach_employer_round",
            object_type=ROUND_OBJECT,
            object_id=str(round_.pk),
            changes={"employer_id": employer_id, "sent": len(ids), "listed": listed},
            pack_hash=campaign.pack_hash,
        ),
    )
    return round_
