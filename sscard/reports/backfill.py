"""Milestones for the history written before they existed (the migration
``reports.0001_milestones_backfill`` runs :func:`milestones_backfill`).

Each kind is read from the dated record the platform already kept:

========== =====================================================================================
applied    every application, on its ``applied_on``
withdrawn  every cancelled application, on the day of its ``application_cancel`` audit event
ordered    every card that is not a remake, on its ``issued_on`` (the day it was ordered)
made       every card with ``produced_at``, on that day
issued     every card with ``handed_over_at`` (at an outlet, or delivered by the post)
enabled    every card with ``enabled_at``
old_voided every card made invalid by a newer one, on the day of its ``card_invalidate`` event
invited    every roster entry with ``invited_at``; every pupil of a school with ``notified_on``
========== =====================================================================================

``eligible`` has no history (who was eligible on which day was never recorded): the bureau
records it from the campaign's first day on with ``sscard campaign eligible``. The group of each
application, new with the milestones, is filled in too: the first of its rule's person groups
that holds for the person on the day of the application, as the services now keep it.

Works on the historical models a migration passes (``apps``) as on the live ones, in chunks;
rows that have their milestone already are left alone, so running it twice writes nothing more.
Last, each milestone's ``first`` and ``gap_days`` are set from all of them (the funnel's
flags, ``core.milestones.milestone_flags_fill``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, CharField, Value, When
from django.utils import timezone

from sscard.campaigns.milestones import groups_in_force
from sscard.core.milestones import milestone_flags_fill
from sscard.kernel.regions import city_of
from sscard.policy import Pack, builtin_pack, builtin_pack_ids, load_pack
from sscard.registry.eligibility import predicate_q

__all__ = ["milestones_backfill"]

_CHUNK = 5_000


def _district(insured: str | None, hukou: str | None) -> str:
    return (insured or hukou or "")[:6]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def _local_day(at: datetime) -> date:
    return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()


class _Backfill:
    def __init__(self, apps: Any, using: str) -> None:
        self.using = using
        self.milestone = apps.get_model("core", "Milestone")
        self.application = apps.get_model("applications", "Application")
        self.card = apps.get_model("cards", "Card")
        self.person = apps.get_model("registry", "Person")
        self.school = apps.get_model("registry", "School")
        self.roster_entry = apps.get_model("applications", "RosterEntry")
        self.campaign = apps.get_model("campaigns", "Campaign")
        self.audit_event = apps.get_model("core", "AuditEvent")
        self.counts: dict[str, int] = {}
        self._packs: dict[str, Pack | None] = {}

    def objects(self, model: Any) -> Any:
        return model.objects.using(self.using)

    # -- packs and groups ------------------------------------------------------------------

    def pack(self, pack_hash: str) -> Pack | None:
        if pack_hash not in self._packs:
            found: Pack | None = None
            campaign = self.objects(self.campaign).filter(pack_hash=pack_hash).first()
            if campaign is not None:
                found = load_pack(campaign.source_text)
            else:
                for pack_id in builtin_pack_ids():
                    if builtin_pack(pack_id).content_hash == pack_hash:
                        found = builtin_pack(pack_id)
            self._packs[pack_hash] = found
        return self._packs[pack_hash]

    def rule_groups(self, pack: Pack, rule_id: str) -> tuple[str, ...]:
        for phase in pack.phases:
            for rule in phase.rules:
                if rule.id == rule_id:
                    return tuple(
                        g
                        for g in rule.groups
                        if g in pack.groups and pack.groups[g].subject == "person"
                    )
        return ()

    def groups_fill(self) -> None:
        """The group of every application that has none, set-based per rule and day."""
        apps = self.objects(self.application).filter(group="")
        keys = apps.order_by().values_list("pack_hash", "rule_id", "applied_on").distinct()
        for pack_hash, rule_id, day in list(keys):
            pack = self.pack(pack_hash)
            candidates = self.rule_groups(pack, rule_id) if pack is not None else ()
            if not candidates:
                continue
            these = apps.filter(pack_hash=pack_hash, rule_id=rule_id, applied_on=day)
            if len(candidates) == 1:
                these.update(group=candidates[0])
                continue
            assert pack is not None
            which = Case(
                *(
                    When(predicate_q(pack.groups[g].predicate, today=day), then=Value(g))
                    for g in candidates
                ),
                default=Value(candidates[0]),
                output_field=CharField(),
            )
            persons = (
                self.objects(self.person)
                .filter(pk__in=these.values("person_id"))
                .annotate(g=which)
                .values_list("pk", "g")
            )
            by_group: dict[str, list[int]] = {}
            for person, group in persons:
                by_group.setdefault(group, []).append(person)
            for group, ids in by_group.items():
                for start in range(0, len(ids), _CHUNK):
                    these.filter(person_id__in=ids[start : start + _CHUNK]).update(group=group)

    # -- writing ---------------------------------------------------------------------------

    def write(self, kind: str, rows: Iterable[dict[str, Any]], *, key: str) -> None:
        """Write ``rows`` of ``kind``, leaving out those whose ``key`` (``application_id`` or
        ``card_id``, or ``person_id`` with the campaign) has its milestone already."""
        done = self.objects(self.milestone).filter(kind=kind)
        batch: list[Any] = []
        written = 0
        for chunk in _chunks(rows, _CHUNK):
            if key == "person_id":
                have = set(
                    done.filter(person_id__in=[r["person_id"] for r in chunk]).values_list(
                        "campaign_id", "person_id"
                    )
                )
                fresh = [r for r in chunk if (r["campaign_id"], r["person_id"]) not in have]
                # The same person twice in the history (two rosters): once per campaign.
                fresh = list({(r["campaign_id"], r["person_id"]): r for r in fresh}.values())
            else:
                have = set(
                    done.filter(**{f"{key}__in": [r[key] for r in chunk]}).values_list(
                        key, flat=True
                    )
                )
                fresh = [r for r in chunk if r[key] not in have]
            batch = [self.milestone(kind=kind, **r) for r in fresh]
            self.objects(self.milestone).bulk_create(batch, batch_size=_CHUNK)
            written += len(batch)
        self.counts[kind] = self.counts.get(kind, 0) + written

    # -- the kinds -------------------------------------------------------------------------

    def applications(self, found: Any, kind: str, days: dict[int, date] | None = None) -> None:
        columns = (
            "pk", "person_id", "channel", "group", "bank_code", "outlet_id",
            "person__insured_region", "person__hukou_region", "person__employer_id",
            "collective__employer_id", "applied_on", "submitted_at",
        )  # fmt: skip

        def rows() -> Iterator[dict[str, Any]]:
            read = found.order_by("pk").values_list(*columns).iterator(chunk_size=_CHUNK)
            for (
                pk, person, channel, group, bank, outlet, insured, hukou, employer, unit,
                applied_on, submitted_at,
            ) in read:  # fmt: skip
                district = _district(insured, hukou)
                day = days.get(pk, applied_on) if days is not None else applied_on
                yield {
                    "day": day,
                    "at": submitted_at if days is None else _start_of(day),
                    "city_code": city_of(district),
                    "district_code": district,
                    "channel": channel,
                    "group": group,
                    "bank_code": bank,
                    "employer_id": unit if unit is not None else employer,
                    "outlet_id": outlet,
                    "person_id": person,
                    "application_id": pk,
                }

        self.write(kind, rows(), key="application_id")

    def cards(self, found: Any, kind: str, day_of: Any) -> None:
        """``day_of(card row) -> (day, at)``, or None to leave the card out."""
        columns = (
            "pk", "person_id", "application_id", "application__channel", "application__group",
            "bank_code", "handed_over_outlet_id", "application__outlet_id",
            "person__insured_region", "person__hukou_region", "person__employer_id",
            "application__collective__employer_id",
            "issued_on", "produced_at", "handed_over_at", "enabled_at",
        )  # fmt: skip

        def rows() -> Iterator[dict[str, Any]]:
            for row in found.order_by("pk").values_list(*columns).iterator(chunk_size=_CHUNK):
                (
                    pk, person, application, channel, group, bank, handed_at, taken_at,
                    insured, hukou, employer, unit, *_dates,
                ) = row  # fmt: skip
                when = day_of(row)
                if when is None:
                    continue
                day, at = when
                district = _district(insured, hukou)
                yield {
                    "day": day,
                    "at": at,
                    "city_code": city_of(district),
                    "district_code": district,
                    "channel": channel or "",
                    "group": group or "",
                    "bank_code": bank,
                    "employer_id": unit if unit is not None else employer,
                    "outlet_id": handed_at if handed_at is not None else taken_at,
                    "person_id": person,
                    "application_id": application,
                    "card_id": pk,
                }

        self.write(kind, rows(), key="card_id")

    def audited(self, action: str) -> dict[int, datetime]:
        """When each object of ``action``'s audit events had it done (the first time)."""
        found: dict[int, datetime] = {}
        events = self.objects(self.audit_event).filter(action=action).order_by("pk")
        for object_id, at in events.values_list("object_id", "at").iterator(chunk_size=_CHUNK):
            if object_id.isdigit():
                found.setdefault(int(object_id), at)
        return found

    def campaign_of(self, city: str, day: date) -> int | None:
        """The campaign of ``city`` put in force last by the end of ``day``, else its first
        (a pack put in force after the notices it ran)."""
        if not city:
            return None
        campaigns = self.objects(self.campaign).filter(city_code=city)
        found = (
            campaigns.filter(in_force_from__lt=_start_of(day + timedelta(days=1)))
            .order_by("-in_force_from", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            found = campaigns.order_by("in_force_from", "pk").values_list("pk", flat=True).first()
        return int(found) if found is not None else None

    def invited(self) -> None:
        entries = (
            self.objects(self.roster_entry)
            .filter(invited_at__isnull=False)
            .order_by("pk")
            .values_list(
                "person_id", "invited_at", "person__insured_region", "person__hukou_region",
                "collective__employer_id", "collective__channel", "collective__bank_code",
            )
        )  # fmt: skip

        def roster() -> Iterator[dict[str, Any]]:
            for person, at, insured, hukou, employer, channel, bank in entries.iterator(
                chunk_size=_CHUNK
            ):
                district = _district(insured, hukou)
                day = _local_day(at)
                yield {
                    "day": day,
                    "at": at,
                    "city_code": city_of(district),
                    "district_code": district,
                    "channel": channel,
                    "bank_code": bank,
                    "employer_id": employer,
                    "person_id": person,
                    "campaign_id": self.campaign_of(city_of(district), day),
                }

        pupils = (
            self.objects(self.person)
            .filter(school__notified_on__isnull=False)
            .order_by("pk")
            .values_list(
                "pk", "school__notified_on", "insured_region", "hukou_region", "employer_id"
            )
        )

        def notified() -> Iterator[dict[str, Any]]:
            for person, day, insured, hukou, employer in pupils.iterator(chunk_size=_CHUNK):
                district = _district(insured, hukou)
                yield {
                    "day": day,
                    "at": _start_of(day),
                    "city_code": city_of(district),
                    "district_code": district,
                    "employer_id": employer,
                    "person_id": person,
                    "campaign_id": self.campaign_of(city_of(district), day),
                }

        self.write("invited", self.with_groups(roster()), key="person_id")
        self.write("invited", self.with_groups(notified()), key="person_id")

    def campaign_pack(self, campaign_id: int | None) -> Pack | None:
        if campaign_id is None:
            return None
        campaign = self.objects(self.campaign).filter(pk=campaign_id).first()
        return self.pack(campaign.pack_hash) if campaign is not None else None

    def with_groups(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The rows of invited persons, each with the group the campaign's pack placed them in
        on the day (``campaigns.milestones.groups_in_force``), set-based per campaign and day."""
        for chunk in _chunks(rows, _CHUNK):
            keys = {(r["campaign_id"], r["day"]) for r in chunk}
            for campaign_id, day in keys:
                pack = self.campaign_pack(campaign_id)
                groups = groups_in_force(pack, day) if pack is not None else ()
                these = [r for r in chunk if (r["campaign_id"], r["day"]) == (campaign_id, day)]
                if not groups:
                    continue
                assert pack is not None
                which = Case(
                    *(
                        When(predicate_q(pack.groups[g].predicate, today=day), then=Value(g))
                        for g in groups
                    ),
                    default=Value(""),
                    output_field=CharField(),
                )
                found = dict(
                    self.objects(self.person)
                    .filter(pk__in=[r["person_id"] for r in these])
                    .annotate(g=which)
                    .values_list("pk", "g")
                )
                for row in these:
                    row["group"] = found.get(row["person_id"], "")
            yield from chunk

    def run(self) -> dict[str, int]:
        self.groups_fill()
        applications = self.objects(self.application)
        self.applications(applications, "applied")
        cancelled = self.audited("application_cancel")
        withdrawn = applications.filter(status="cancelled")
        self.applications(
            withdrawn, "withdrawn", days={pk: _local_day(at) for pk, at in cancelled.items()}
        )
        cards = self.objects(self.card)
        self.cards(
            cards.filter(remake_of__isnull=True, application__isnull=False),
            "ordered",
            lambda row: (row[12], _start_of(row[12])),
        )
        for kind, field, position in (
            ("made", "produced_at", 13),
            ("issued", "handed_over_at", 14),
            ("enabled", "enabled_at", 15),
        ):
            self.cards(
                cards.filter(**{f"{field}__isnull": False}),
                kind,
                lambda row, i=position: (_local_day(row[i]), row[i]),
            )
        voided = self.audited("card_invalidate")
        self.cards(
            cards.filter(ss_function="invalid"),
            "old_voided",
            lambda row: (_local_day(voided[row[0]]), voided[row[0]]) if row[0] in voided else None,
        )
        self.invited()
        # The flags the funnel counts by (``first``, ``gap_days``), from all the milestones:
        # a migration before they existed leaves them to the one that adds them.
        if any(f.name == "first" for f in self.milestone._meta.get_fields()):
            milestone_flags_fill(model=self.milestone, using=self.using)
        return dict(self.counts)


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def milestones_backfill(*, apps: Any, using: str = "default") -> dict[str, int]:
    """Write the milestones of the history kept before them (see the module's table) and the
    group of each application; answer how many milestones of each kind were written."""
    return _Backfill(apps, using).run()
