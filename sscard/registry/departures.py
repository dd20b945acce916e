"""Deaths and departures as the registry knows them: who may record or reverse one (the
predicates the pages and the services ask alike), who counts as present on a day, and the
list of departures in an officer's scope.

Recording a departure cancels cards and withdraws applications, which the registry cannot
reach (it lies below them): the service is ``sscard.cards.services.departure``. Here are only
the facts of the person, so that the registry's own pages and selectors can ask them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from sscard.core.actors import Actor, Role
from sscard.core.approval_errors import ApprovalErrorCode
from sscard.core.approvals import approval_pending_for
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.names import Kind, names_of
from sscard.core.scope import city_prefix
from sscard.kernel import regions
from sscard.registry.choices import DepartureKind, DepartureSource
from sscard.registry.departure_errors import DepartureErrorCode
from sscard.registry.models import Departure, Person
from sscard.registry.selectors import person_visible

# Who records a death or departure: the bureau's officers (a district officer for persons of
# their district), and the system running the civil-affairs file on a city officer's behalf.
DEPARTURE_ROLES = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})
# The approval kind that undoes a departure (registered by ``cards``, which applies it).
REVERSAL_KIND = "departure_reversal"
PERSON_OBJECT = "registry.person"
REFERENCE_MAX = 64


def person_district(person: Person) -> str:
    """The person's district: where they are insured, else their household registration."""
    return person.insured_region or person.hukou_region


def present_on(day: date, via: str = "") -> Q:
    """Persons who had not died or left by ``day`` (a departure takes effect on its date): the
    condition every eligibility count and selection adds. ``via`` reaches the person from
    another model (``"person__"``)."""
    return Q(**{f"{via}departed_on__isnull": True}) | Q(**{f"{via}departed_on__gt": day})


def persons_departed(person_ids: Collection[int]) -> set[int]:
    """Those of ``person_ids`` with a standing departure (no text may reach them)."""
    found: set[int] = set()
    ids = list(person_ids)
    for start in range(0, len(ids), 5000):
        found.update(
            Person.objects.filter(
                pk__in=ids[start : start + 5000], departed_on__isnull=False
            ).values_list("pk", flat=True)
        )
    return found


def _scope_refusal(actor: Actor, person: Person) -> ApplicationError | None:
    if actor.role not in DEPARTURE_ROLES:
        return PermissionDenied("record deaths and departures", "登记死亡或转出")
    if actor.role is Role.DISTRICT_OFFICER:
        if actor.district_code not in (person.insured_region, person.hukou_region):
            return DepartureErrorCode.DEPARTURE_OTHER_DISTRICT.error()
        return None
    if not person_visible(actor=actor).filter(pk=person.pk).exists():
        return NotFound("person", what_zh="该人员")
    return None


def departure_record_refusal(*, actor: Actor, person: Person) -> ApplicationError | None:
    """Why ``actor`` may not record a death or departure for ``person`` now, or ``None``: not
    an officer (``permission_denied``), a person of another district
    (``departure_other_district``) or outside the city (``not_found``), a person already
    departed (``departure_already_recorded``). The person's page offers the action only
    when this answers ``None``; the service refuses by it."""
    refused = _scope_refusal(actor, person)
    if refused is not None:
        return refused
    if person.departed_on is not None:
        return DepartureErrorCode.DEPARTURE_ALREADY_RECORDED.error()
    return None


def departure_reversal_refusal(*, actor: Actor, person: Person) -> ApplicationError | None:
    """Why ``actor`` may not propose reversing ``person``'s departure, or ``None``: the scope
    of recording, a person with no standing departure (``departure_not_recorded``), a reversal
    already awaiting approval (``approval_already_pending``)."""
    refused = _scope_refusal(actor, person)
    if refused is not None:
        return refused
    if person.departed_on is None:
        return DepartureErrorCode.DEPARTURE_NOT_RECORDED.error()
    pending = approval_pending_for(
        kind=REVERSAL_KIND, subject_type=PERSON_OBJECT, subject_id=str(person.pk)
    )
    if pending is not None:
        return ApprovalErrorCode.APPROVAL_ALREADY_PENDING.error()
    return None


def departure_terms_checked(
    *,
    person: Person,
    kind: str,
    on: date | None,
    reference: str,
    destination_city: str,
    today: date,
) -> tuple[DepartureKind, date, str, str]:
    """The departure's kind, date, reference and destination city as recorded, or the first
    refusal among them (nothing is written before this answers)."""
    if kind not in DepartureKind.values:
        raise DepartureErrorCode.DEPARTURE_KIND_INVALID.error(kind=kind)
    if on is None:
        raise DepartureErrorCode.DEPARTURE_DATE_INVALID.error()
    if on > today:
        raise DepartureErrorCode.DEPARTURE_DATE_IN_FUTURE.error(on=on.isoformat())
    if on < person.birth_date:
        raise DepartureErrorCode.DEPARTURE_DATE_BEFORE_BIRTH.error(on=on.isoformat())
    reference = (reference or "").strip()
    # A file's cell may hold anything: a control character (NUL above all) is no reference.
    if not reference or len(reference) > REFERENCE_MAX or not reference.isprintable():
        raise DepartureErrorCode.DEPARTURE_REFERENCE_REQUIRED.error()
    destination = ""
    if kind == DepartureKind.TRANSFER_OUT:
        code = (destination_city or "").strip()
        city = regions.city_of(code) if regions.is_known(code) else ""
        if not city or city == regions.city_of(person_district(person)):
            raise DepartureErrorCode.DEPARTURE_DESTINATION_INVALID.error(destination=code)
        destination = city
    return DepartureKind(kind), on, reference, destination


def departure_standing(person: Person) -> Departure | None:
    """The person's departure in force (not reversed), if any."""
    return Departure.objects.filter(person_id=person.pk, reversed_at__isnull=True).first()


def departures_visible(
    *,
    actor: Actor,
    kind: str | None = None,
    since: date | None = None,
    until: date | None = None,
    standing: bool | None = None,
) -> QuerySet[Departure]:
    """The departures of persons in ``actor``'s scope (a city officer's city, a district
    officer's district), newest first, narrowed by kind, effective date and whether they still
    stand."""
    rows = Departure.objects.select_related("person")
    if actor.role is Role.DISTRICT_OFFICER:
        rows = rows.filter(district_code=actor.district_code or "-")
    elif actor.role in (Role.CITY_OFFICER, Role.SYSTEM):
        prefix = city_prefix(actor)
        if prefix is not None:
            rows = rows.filter(district_code__startswith=prefix)
    else:
        return rows.none()
    if kind:
        rows = rows.filter(kind=kind)
    if since is not None:
        rows = rows.filter(on__gte=since)
    if until is not None:
        rows = rows.filter(on__lte=until)
    if standing is not None:
        rows = rows.filter(reversed_at__isnull=standing)
    return rows.order_by("-recorded_at", "-pk")


def departure_rows(departures: Sequence[Departure]) -> list[dict[str, Any]]:
    """Departures as a page, an export and the API show them, in the language being served:
    the person's name and ID number masked, each code with its name beside it."""
    regions = names_of(
        Kind.REGION,
        {d.district_code for d in departures} | {d.destination_city for d in departures},
    )
    return [
        {
            "id": d.pk,
            "person_id": d.person_id,
            "masked_name": d.person.masked_name,
            "masked_id_number": d.person.masked_id_number,
            "kind": d.kind,
            "kind_name": str(DepartureKind(d.kind).label),
            "on": d.on,
            "destination_city": d.destination_city,
            "destination_name": regions.get(d.destination_city, ""),
            "source": d.source,
            "source_name": str(DepartureSource(d.source).label),
            "reference": d.reference,
            "district": d.district_code,
            "district_name": regions.get(d.district_code, ""),
            "recorded_by": d.recorded_by,
            "recorded_at": d.recorded_at,
            "cards_cancelled": d.cards_cancelled,
            "applications_withdrawn": d.applications_withdrawn,
            "messages_stopped": d.messages_stopped,
            "reversed_at": d.reversed_at,
            "reversed_by": d.reversed_by,
        }
        for d in departures
    ]
