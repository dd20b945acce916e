"""Writes to the registry that are not bulk imports."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import PermissionDenied
from sscard.core.models import AuditEvent
from sscard.registry.choices import DisclosedField, DisclosurePurpose
from sscard.registry.errors import RegistryErrorCode
from sscard.registry.models import Division, Person

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_FILE = DATA_DIR / "divisions.csv"


@transaction.atomic
def divisions_load(*, actor: Actor, path: Path = DIVISIONS_FILE) -> int:
    """Load or refresh the administrative divisions shipped with sscard; return how many."""
    if not actor.may_import:
        raise PermissionDenied("load administrative divisions", "加载行政区划")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # Parents first, so that a district's parent exists when it is written.
    rows.sort(key=lambda r: (r["level"] != "province", r["code"]))
    existing = {d.code: d for d in Division.objects.all()}
    changed = 0
    for row in rows:
        values = {
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "level": row["level"],
            "parent_id": row["parent_code"] or None,
            "abolished": row["abolished"] in ("1", "true", "True"),
            "source": row["source"],
        }
        current = existing.get(row["code"])
        if current is None:
            Division.objects.create(code=row["code"], **values)
            changed += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            current.save(update_fields=list(values))
            changed += 1
    if changed:
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="load",
                object_type="registry.division",
                object_id=path.name,
                changes={"written": changed, "total": len(rows)},
            ),
        )
    return len(rows)


# --------------------------------------------------------------------------------------------
# Disclosures: a person's record shown in full to someone else is an access event
# --------------------------------------------------------------------------------------------

# The audit action and object of an access event; the holder's page finds theirs through the
# audit trail's (object_type, object_id) index.
DISCLOSED = "person.disclosed"
PERSON_OBJECT = "registry.person"
LOOKUP_WINDOW = timedelta(hours=1)

# What each lookup path shows: the counter lookup the whole record, the card counter the ID
# number it was given back and the person's cards, the application counter the number and
# the policy's decision for them.
COUNTER_LOOKUP_FIELDS = (
    DisclosedField.ID_NUMBER,
    DisclosedField.NAME,
    DisclosedField.PHONE,
    DisclosedField.SEX,
    DisclosedField.BIRTH_DATE,
    DisclosedField.CATEGORY,
    DisclosedField.HUKOU_REGION,
    DisclosedField.INSURED_REGION,
    DisclosedField.EMPLOYER,
    DisclosedField.SCHOOL,
    DisclosedField.PENSION_BANK,
)
CARD_COUNTER_FIELDS = (DisclosedField.ID_NUMBER, DisclosedField.CARDS)
COUNTER_APPLICATION_FIELDS = (DisclosedField.ID_NUMBER, DisclosedField.ELIGIBILITY)


def _discloses(actor: Actor) -> bool:
    """Whether a record shown to ``actor`` is disclosed to another party: full identifiers
    shown to a counter clerk. A holder reading their own record (or acting for their child)
    is not another party, and roles that read masked values are shown nothing to record."""
    return actor.sees_full_identifiers and actor.role is not Role.CARDHOLDER


def _refuse_beyond_limits(actor: Actor) -> None:
    """Refuse (429) when the clerk's or the outlet's disclosures of the last hour, this one
    included, pass the limits; the caller's transaction then rolls the event back. Both are
    counted in one query."""
    per_clerk = int(settings.SSCARD_LOOKUP_LIMIT_PER_CLERK)
    per_outlet = int(settings.SSCARD_LOOKUP_LIMIT_PER_OUTLET)
    mine = (
        Q(actor_user_id=actor.user_id)
        if actor.user_id is not None
        else Q(actor_user_id__isnull=True, actor_label=actor.label)
    )
    counts = AuditEvent.objects.filter(
        action=DISCLOSED, at__gte=timezone.now() - LOOKUP_WINDOW
    ).aggregate(
        clerk=Count("pk", filter=mine),
        outlet=Count("pk", filter=Q(changes__outlet_id=actor.outlet_id)),
    )
    if counts["clerk"] > per_clerk:
        raise RegistryErrorCode.LOOKUP_LIMIT_CLERK.error(limit=per_clerk, window_minutes=60)
    if actor.outlet_id is not None and counts["outlet"] > per_outlet:
        raise RegistryErrorCode.LOOKUP_LIMIT_OUTLET.error(limit=per_outlet, window_minutes=60)


def disclosure_record(
    *,
    actor: Actor,
    person: Person,
    purpose: DisclosurePurpose,
    fields: Sequence[DisclosedField],
) -> bool:
    """Record that ``actor`` is shown ``fields`` of ``person``'s record for ``purpose``: an
    access event in the audit trail (who, from which outlet, whose record, which fields, for
    what service, when), which the holder reads on their "who looked at my record" page.

    Call it after the lookup and before anything is shown. The holder's own record and roles
    that read masked values disclose nothing (answers ``False``, nothing written). Beyond
    ``SSCARD_LOOKUP_LIMIT_PER_CLERK`` or ``SSCARD_LOOKUP_LIMIT_PER_OUTLET`` disclosures in an
    hour it refuses with ``lookup_limit_clerk`` or ``lookup_limit_outlet`` (429), and nothing is
    recorded. The count is taken under the audit chain's lock, so concurrent lookups by one
    clerk cannot both slip under the limit.
    """
    if not _discloses(actor):
        return False
    with transaction.atomic():
        audit_append(
            actor=actor,
            fact=AuditFact(
                action=DISCLOSED,
                object_type=PERSON_OBJECT,
                object_id=str(person.pk),
                changes={
                    "purpose": str(purpose),
                    "fields": [str(f) for f in fields],
                    "outlet_id": actor.outlet_id,
                },
            ),
        )
        _refuse_beyond_limits(actor)
    return True
