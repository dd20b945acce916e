"""API operations of the registry: persons and employers, scoped to the caller."""

# No ``from __future__ import annotations`` here: Ninja reads these signatures through
# ``@paginate``'s wrapper, whose module could not resolve postponed (string) annotations.

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from sscard.core.actors import Actor
from sscard.core.pagination import PageNumberPagination
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.models import Employer, Person
from sscard.registry.schemas import (
    EmployerFilter,
    EmployerOut,
    PersonDetailOut,
    PersonFilter,
    PersonLookupIn,
    PersonOut,
    PersonSearchIn,
)
from sscard.registry.selectors import (
    employer_get,
    employer_list,
    person_find_by_id_number,
    person_get,
    person_identifiers,
    person_list,
)
from sscard.registry.services import COUNTER_LOOKUP_FIELDS, disclosure_record

router = Router(tags=["registry"])
PAGE_SIZE = 50


def _detail(*, actor: Actor, person: Person) -> PersonDetailOut:
    shown = person_identifiers(actor=actor, person=person)
    return PersonDetailOut(
        id=person.pk,
        name=shown.name,
        id_number=shown.id_number,
        phone=shown.phone,
        identifiers_full=shown.full,
        sex=person.sex,
        birth_date=shown.birth_date,
        category=person.category,
        hukou_region=person.hukou_region,
        insured_region=person.insured_region,
        employer_id=person.employer_id,
        employer_name=person.employer.name if person.employer else None,
        school_id=person.school_id,
        pension_bank=person.pension_bank,
    )


def _searched(
    request: HttpRequest, search: PersonFilter, id_number: str | None = None
) -> QuerySet[Person]:
    return person_list(
        actor=request_actor(request),
        category=search.category,
        district=search.district,
        employer_id=search.employer_id,
        id_number=id_number,
        name=search.name,
        phone_tail=search.phone_tail,
        employer=search.employer,
        status=search.status,
    )


@router.get("/persons", response={200: list[PersonOut], **ERRORS}, summary="List persons")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def persons_list(request: HttpRequest, filters: Query[PersonFilter]) -> QuerySet[Person]:
    """Persons in the caller's scope, masked, searched as the persons page searches (422
    ``phone_tail_invalid``, ``search_name_invalid``, ``person_status_unknown``). Counter
    clerks may not list or search (403): they find one holder by the full ID number
    (``POST /persons/lookup``)."""
    return _searched(request, filters)


@router.post("/persons/search", response={200: list[PersonOut], **ERRORS})
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def persons_search(request: HttpRequest, body: PersonSearchIn) -> QuerySet[Person]:
    """The same search with a full ID number in the body (never in a URL): at most one person
    of the caller's scope, masked; an invalid number answers its ``id_*`` code (422)."""
    return _searched(request, body, id_number=body.id_number)


@router.get("/persons/{int:person_id}", response={200: PersonDetailOut, **ERRORS})
def persons_get(request: HttpRequest, person_id: int) -> PersonDetailOut:
    """One person in the caller's scope; anyone else's answers 404."""
    actor = request_actor(request)
    return _detail(actor=actor, person=person_get(actor=actor, person_id=person_id))


@router.post("/persons/lookup", response={200: PersonDetailOut, 429: ErrorOut, **ERRORS})
def persons_lookup(request: HttpRequest, body: PersonLookupIn) -> PersonDetailOut:
    """Find one person by full ID number (at a counter); the number travels in the body.

    A clerk's lookup is an access event the holder can read (``GET /me/access-events``);
    beyond the hourly limits it answers 429 ``lookup_limit_clerk`` or ``lookup_limit_outlet``.
    """
    actor = request_actor(request)
    person = person_find_by_id_number(actor=actor, id_number=body.id_number)
    disclosure_record(
        actor=actor,
        person=person,
        purpose=DisclosurePurpose.COUNTER_LOOKUP,
        fields=COUNTER_LOOKUP_FIELDS,
    )
    return _detail(actor=actor, person=person)


@router.get("/employers", response={200: list[EmployerOut], **ERRORS})
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def employers_list(request: HttpRequest, filters: Query[EmployerFilter]) -> QuerySet[Employer]:
    """Employers in the caller's scope, by a part of the name or the whole credit code."""
    return employer_list(
        actor=request_actor(request),
        district=filters.district,
        name=filters.name,
        credit_code=filters.credit_code,
    )


@router.get("/employers/{int:employer_id}", response={200: EmployerOut, **ERRORS})
def employers_get(request: HttpRequest, employer_id: int) -> Employer:
    return employer_get(actor=request_actor(request), employer_id=employer_id)


@router.get("/employers/{int:employer_id}/staff", response={200: list[PersonOut], **ERRORS})
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def employers_staff(
    request: HttpRequest, employer_id: int, filters: Query[PersonFilter]
) -> QuerySet[Person]:
    """The staff of one employer in the caller's scope, masked, searched as the staff page
    searches (the employer is this one whatever ``employer`` or ``employer_id`` say)."""
    employer = employer_get(actor=request_actor(request), employer_id=employer_id)
    staff = filters.model_copy(update={"employer_id": employer.pk, "employer": None})
    return _searched(request, staff)
