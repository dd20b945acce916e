"""API operations of the registry: persons and employers, scoped to the caller."""

# No ``from __future__ import annotations`` here: Ninja reads these signatures through
# ``@paginate``'s wrapper, whose module could not resolve postponed (string) annotations.

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sscard.core.actors import Actor
from sscard.core.models import BackgroundJob
from sscard.core.pagination import PageNumberPagination
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.corrections import person_correct, person_correction_refusal
from sscard.registry.models import Employer, Person
from sscard.registry.schemas import (
    EmployerFilter,
    EmployerOut,
    PersonCorrectionIn,
    PersonCorrectionOut,
    PersonDetailOut,
    PersonFilter,
    PersonLookupIn,
    PersonOut,
    PersonSearchIn,
    PersonUpdatesJobOut,
)
from sscard.registry.selectors import (
    employer_get,
    employer_list,
    person_find_by_id_number,
    person_former_identifier,
    person_get,
    person_identifiers,
    person_list,
)
from sscard.registry.services import COUNTER_LOOKUP_FIELDS, disclosure_record
from sscard.registry.updates import (
    person_updates_confirm,
    person_updates_confirm_refusal,
    person_updates_discard,
    person_updates_job,
    person_updates_queue,
)

router = Router(tags=["registry"])
PAGE_SIZE = 50


def _detail(*, actor: Actor, person: Person, former: bool = False) -> PersonDetailOut:
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
        former_id_number=former,
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
    former = person_former_identifier(person=person, id_number=body.id_number) is not None
    return _detail(actor=actor, person=person, former=former)


@router.post(
    "/persons/{int:person_id}/corrections",
    response={200: PersonCorrectionOut, 409: ErrorOut, **ERRORS},
    summary="Correct a person",
)
def persons_correct(
    request: HttpRequest, person_id: int, body: PersonCorrectionIn
) -> PersonCorrectionOut:
    """Correct one person of the caller's scope (officers; 403 for others, 404 outside the
    scope), as the person page's "correct" form does. Phone, address, regions, category and
    employer apply at once; name, ID number, birth date and sex become one proposal for a
    second officer (``approval_id``). Refusals, nothing written: 422
    ``correction_reason_required``, ``correction_no_change``, a field's own code (``id_*``,
    ``birth_date_in_future``, ``phone_invalid``, ``district_unknown``, ``employer_unknown``
    ...), 409 ``person_id_number_taken``, ``approval_already_pending``."""
    actor = request_actor(request)
    refused = person_correction_refusal(actor)
    if refused is not None:
        raise refused
    person = person_get(actor=actor, person_id=person_id)
    changes = body.model_dump(exclude={"reason", "evidence"}, exclude_none=True)
    done = person_correct(
        actor=actor, person=person, changes=changes, reason=body.reason, evidence=body.evidence
    )
    return PersonCorrectionOut(
        person_id=person.pk,
        applied=list(done.applied),
        proposed=list(done.proposed),
        changes=done.shown,
        approval_id=done.approval.pk if done.approval else None,
    )


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


def _updates_out(job: BackgroundJob) -> dict[str, Any]:
    awaiting = person_updates_confirm_refusal(job) is None
    return {
        "id": job.pk,
        "status": job.status,
        "file_name": job.file_name,
        "result": job.result,
        "error_code": job.error_code,
        "error_message_zh": job.error_message_zh,
        "error_message_en": job.error_message_en,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "next": {"confirm": awaiting, "discard": awaiting},
    }


@router.post(
    "/persons/updates",
    response={200: PersonUpdatesJobOut, 409: ErrorOut, **ERRORS},
    summary="Update persons from a file",
)
def persons_updates_upload(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """Upload a file of persons to update (the persons import's columns, keyed by
    ``id_number``; ``new_id_number``, ``birth_date`` and ``sex`` may be added; an empty cell
    keeps the stored value). Nothing is written: the job checks it and ends ``awaiting``
    with its preview (per row every changed field, old → new, masked; refused rows with
    their codes), as the update page shows it. ``POST .../confirm`` applies it."""
    return _updates_out(person_updates_queue(actor=request_actor(request), upload=file))


@router.get("/persons/updates/{int:job_id}", response={200: PersonUpdatesJobOut, **ERRORS})
def persons_updates_get(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """An update file's job: its preview, then what it applied and proposed."""
    return _updates_out(person_updates_job(actor=request_actor(request), job_id=job_id))


@router.post(
    "/persons/updates/{int:job_id}/confirm",
    response={200: PersonUpdatesJobOut, 409: ErrorOut, **ERRORS},
)
def persons_updates_confirm(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """Apply the previewed file: non-identity changes written, identity changes proposed for
    approval (one proposal per person). 409 ``person_updates_not_awaiting`` unless it awaits."""
    return _updates_out(person_updates_confirm(actor=request_actor(request), job_id=job_id))


@router.post(
    "/persons/updates/{int:job_id}/discard",
    response={200: PersonUpdatesJobOut, 409: ErrorOut, **ERRORS},
)
def persons_updates_discard(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """Drop the previewed file: nothing written, the file removed."""
    return _updates_out(person_updates_discard(actor=request_actor(request), job_id=job_id))
