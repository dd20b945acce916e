"""Pages of the registry: person lists, one person, the counter lookup, employers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.exports import (
    Cell,
    CodeNames,
    Column,
    ExportTable,
    coded,
    export_response,
    form_filters,
)
from sscard.core.htmx import htmx_partial, template_for
from sscard.core.names import Kind, names_of
from sscard.core.views import actor_required, english_page, error_text, request_actor
from sscard.kernel.masks import mask_name
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.corrections import field_labels, person_correct, person_correction_refusal
from sscard.registry.departures import (
    DEPARTURE_ROLES,
    departure_record_refusal,
    departure_reversal_refusal,
    departure_standing,
)
from sscard.registry.forms import (
    CounterLookupForm,
    EmployerFilterForm,
    PersonCorrectionForm,
    PersonFilterForm,
    PersonIdSearchForm,
    PersonUpdatesForm,
)
from sscard.registry.models import Employer, Person
from sscard.registry.selectors import (
    EMPLOYER_PICK_ROLES,
    PERSON_LOOKUP_ROLES,
    employer_get,
    employer_list,
    employer_pick,
    person_find_by_id_number,
    person_former_identifier,
    person_former_identifiers,
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

PAGE_SIZE = 25
LIST_ROLES = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.EMPLOYER_HR)
LOOKUP_ROLES = tuple(r for r in PERSON_LOOKUP_ROLES if r is not Role.SYSTEM)
# Officers correct persons, one by one or from an update file (issue 15).
UPDATE_ROLES = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)


def _page(
    request: HttpRequest,
    items: QuerySet[Person],
    *,
    extra_codes: frozenset[str] | set[str] = frozenset(),
) -> tuple[Page[Person], dict[str, str]]:
    """One page of persons and the names of the regions on it (one query each)."""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    codes = {c for p in page.object_list for c in (p.hukou_region, p.insured_region) if c}
    return page, names_of(Kind.REGION, codes | set(extra_codes))


def _persons_filtered(
    request: HttpRequest, *, employer_id: int | None = None
) -> tuple[PersonFilterForm, QuerySet[Person]]:
    """The person list narrowed by the query string's filters (page, htmx and export alike);
    a refused filter is shown on its field and left out, the others apply."""
    actor = request_actor(request)
    form = PersonFilterForm(request.GET or None, actor=actor, english=english_page())
    if employer_id is not None:
        form.fields.pop("employer", None)  # one employer's staff: that employer
    found = form.filters()
    persons = person_list(
        actor=actor,
        category=found.get("category"),
        district=found.get("district"),
        employer_id=employer_id,
        name=found.get("name"),
        phone_tail=found.get("phone_tail"),
        employer=found.get("employer"),
        status=found.get("status"),
    )
    return form, persons


def _person_by_id_number(request: HttpRequest, form: PersonIdSearchForm) -> QuerySet[Person]:
    """The one person in scope with the posted full ID number (none if out of scope)."""
    if not form.is_valid():
        return Person.objects.none()
    try:
        return person_list(actor=request_actor(request), id_number=form.cleaned_data["id_number"])
    except ApplicationError as error:
        if error.status >= 500 or error.code == "permission_denied":
            raise
        form.add_error("id_number", error_text(error))
        return Person.objects.none()


def _query(request: HttpRequest) -> str:
    """The page's filters as a query string without the page number (for page links)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_http_methods(["GET", "POST"])
@actor_required(*LIST_ROLES)
def person_list_page(request: HttpRequest) -> HttpResponse:
    """Persons in scope, masked, searched and paginated, with their count; htmx swaps only the
    results. The query string's filters narrow the list (page and export links keep them); a
    full ID number is posted instead, never put in a URL, and finds at most one person."""
    actor = request_actor(request)
    id_form = PersonIdSearchForm(request.POST or None)
    id_search = request.method == "POST"
    if id_search:
        form = PersonFilterForm(actor=actor, english=english_page())
        persons, query = _person_by_id_number(request, id_form), ""
        if id_form.is_valid():
            id_form = PersonIdSearchForm()  # the number has done its job: not echoed back
    else:
        form, persons = _persons_filtered(request)
        query = _query(request)
    page, regions = _page(request, persons)
    template = template_for(
        request, "registry/person_list.html", "registry/htmx/person_results.html"
    )
    context = {"form": form, "id_form": id_form, "page": page, "regions": regions}
    context["may_update"] = actor.role in UPDATE_ROLES
    return render(request, template, {**context, "query": query, "id_search": id_search})


# A name typed in the search is written into an export's header masked, as the rows are.
PERSON_FILTER_MASKS = {"name": mask_name}


def _person_columns() -> list[Column]:
    return [
        Column(_("Full name"), 12),
        Column(_("ID number"), 22),
        *coded(_("Sex"), width=8),
        *coded(_("Category")),
        *coded(_("Household registration region"), width=24),
        *coded(_("Insured region"), width=24),
        Column(_("Employer"), 30),
        Column(_("Unified social credit code"), 22),
        Column(_("Phone"), 14),
    ]


def _person_rows(persons: QuerySet[Person]) -> Iterator[Sequence[Cell]]:
    """The persons as the list shows them: masked, no birth date; names beside codes."""
    sexes, categories = CodeNames(Kind.SEX), CodeNames(Kind.CATEGORY)
    regions = CodeNames(Kind.REGION)
    fields = (
        "name",
        "id_number_masked",
        "sex",
        "category",
        "hukou_region",
        "insured_region",
        "phone_masked",
        "employer__name",
        "employer__credit_code",
    )
    for person in persons.select_related("employer").only(*fields).iterator(chunk_size=2000):
        employer = person.employer
        yield (
            person.masked_name,
            person.masked_id_number,
            sexes(person.sex),
            person.sex,
            categories(person.category),
            person.category,
            regions(person.hukou_region),
            person.hukou_region,
            regions(person.insured_region),
            person.insured_region,
            employer.name if employer else "",
            employer.credit_code if employer else "",
            person.masked_phone,
        )


@actor_required(*LIST_ROLES)
def person_export(request: HttpRequest, fmt: str = "csv") -> StreamingHttpResponse:
    """The filtered person list as XLSX or CSV: masked, no birth date, spreadsheet-safe."""
    form, persons = _persons_filtered(request)
    table = ExportTable(
        title=_("Persons"),
        file_stem="persons",
        columns=_person_columns(),
        rows=_person_rows(persons),
        filters=form_filters(form, masks=PERSON_FILTER_MASKS),
    )
    return export_response(request, table, fmt)


def _person_page(request: HttpRequest, person: Person, *, template: str) -> HttpResponse:
    actor = request_actor(request)
    shown = person_identifiers(actor=actor, person=person)
    regions = names_of(Kind.REGION, (person.hukou_region, person.insured_region))
    context = {
        "person": person,
        "shown": shown,
        "regions": regions,
        "may_correct": person_correction_refusal(actor) is None,
        "former_identifiers": person_former_identifiers(person=person),
        **_departure_context(actor, person),
    }
    return render(request, template, context)


def _departure_context(actor: Actor, person: Person) -> dict[str, object]:
    """The person's recorded death or departure, and the actions on it the services would
    accept (the same predicates)."""
    if actor.role not in DEPARTURE_ROLES:
        return {"departure": departure_standing(person) if person.departed_on else None}
    return {
        "departure": departure_standing(person) if person.departed_on else None,
        "may_record_departure": departure_record_refusal(actor=actor, person=person) is None,
        "may_reverse_departure": departure_reversal_refusal(actor=actor, person=person) is None,
    }


@require_http_methods(["GET", "POST"])
@actor_required(*UPDATE_ROLES)
def person_correct_page(request: HttpRequest, person_id: int) -> HttpResponse:
    """Correct one person of the officer's scope: the form prefilled with what the officer may
    read; on posting, which changes applied now and which wait for a second officer."""
    actor = request_actor(request)
    person = person_get(actor=actor, person_id=person_id)
    form = PersonCorrectionForm(
        request.POST or None, actor=actor, person=person, english=english_page()
    )
    context: dict[str, object] = {"person": person, "form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            done = person_correct(
                actor=actor,
                person=person,
                changes=form.changes(),
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
            )
        except ApplicationError as error:
            if error.status >= 500 or error.code == "permission_denied":
                raise
            name = error.details.get("field")
            if error.code == "correction_reason_required":
                name = "reason"
            form.add_error(name if name in form.fields else None, error_text(error))
            context["error_code"] = error.code
            status = 200 if htmx_partial(request) else error.status
        else:
            context["done"] = done
            context["applied"] = _shown_changes(done.shown, done.applied)
            context["proposed"] = _shown_changes(done.shown, done.proposed)
            context["form"] = PersonCorrectionForm(
                actor=actor, person=done.person, english=english_page()
            )
            context["person"] = done.person
    return render(request, "registry/person_correct.html", context, status=status)


@require_http_methods(["GET", "POST"])
@actor_required(*UPDATE_ROLES)
def person_updates_page(request: HttpRequest) -> HttpResponse:
    """Upload an update file of persons; its page then shows the preview to confirm."""
    actor = request_actor(request)
    form = PersonUpdatesForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = person_updates_queue(actor=actor, upload=form.cleaned_data["file"])
        return redirect("registry:person_updates_job", job_id=job.pk)
    return render(request, "registry/person_updates.html", {"form": form})


@require_http_methods(["GET", "POST"])
@actor_required(*UPDATE_ROLES)
def person_updates_job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """An update file's preview (every changed field per row, masked; refused rows with their
    codes) with "apply" and "discard" while it awaits, then what it applied and proposed."""
    actor = request_actor(request)
    job = person_updates_job(actor=actor, job_id=job_id)
    status = 200
    error: ApplicationError | None = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                job = person_updates_confirm(actor=actor, job_id=job.pk)
            elif action == "discard":
                job = person_updates_discard(actor=actor, job_id=job.pk)
        except ApplicationError as refused:
            if refused.status >= 500 or refused.code == "permission_denied":
                raise
            error, status = refused, refused.status
            job = person_updates_job(actor=actor, job_id=job.pk)
    labels = field_labels()
    rows = [
        {
            **row,
            "changes": [
                (labels.get(name, name), old or "—", new or "—")
                for name, (old, new) in row.get("changes", {}).items()
            ],
        }
        for row in job.result.get("rows", [])
    ]
    context = {
        "job": job,
        "rows": rows,
        "counts": job.result.get("counts", {}),
        "may_confirm": person_updates_confirm_refusal(job) is None,
        "error": error,
        "error_message": error_text(error) if error is not None else "",
    }
    return render(request, "registry/person_updates_job.html", context, status=status)


def _shown_changes(
    shown: dict[str, list[object]], fields: Sequence[str]
) -> list[tuple[str, object, object]]:
    """(label, old, new) of each of ``fields``, codes named (regions, categories, sexes)."""
    labels = field_labels()
    named = {
        "hukou_region": Kind.REGION,
        "insured_region": Kind.REGION,
        "category": Kind.CATEGORY,
        "sex": Kind.SEX,
    }
    rows = []
    for name in fields:
        old, new = shown[name]
        kind = named.get(name)
        if kind is not None:
            names = names_of(kind, {str(v) for v in (old, new) if v})
            old, new = names.get(str(old), old), names.get(str(new), new)
        rows.append((labels.get(name, name), old or "—", new or "—"))
    return rows


@actor_required()
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person in the actor's scope (anyone else's answers 404 like a missing one)."""
    person = person_get(actor=request_actor(request), person_id=person_id)
    return _person_page(request, person, template="registry/person_detail.html")


@actor_required(Role.CARDHOLDER)
def me(request: HttpRequest) -> HttpResponse:
    """The cardholder's own record, identifiers in full."""
    actor = request_actor(request)
    assert actor.person_id is not None  # the account's check constraint binds a person
    person = person_get(actor=actor, person_id=actor.person_id)
    return _person_page(request, person, template="registry/me.html")


@require_http_methods(["GET", "POST"])
@actor_required(*LOOKUP_ROLES)
def person_lookup(request: HttpRequest) -> HttpResponse:
    """The counter: post the ID number read from the card, see that one person."""
    actor = request_actor(request)
    form = CounterLookupForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            person = person_find_by_id_number(actor=actor, id_number=form.cleaned_data["id_number"])
            disclosure_record(
                actor=actor,
                person=person,
                purpose=DisclosurePurpose.COUNTER_LOOKUP,
                fields=COUNTER_LOOKUP_FIELDS,
            )
        except ApplicationError as error:
            if error.status >= 500 or error.code == "permission_denied":
                raise
            form.add_error("id_number", error_text(error))
            context["error_code"] = error.code
            # Over the hourly limit: a plain request answers 429; htmx swaps only 2xx answers,
            # so its fragment comes as 200 to show the refusal where the result would be.
            if error.status == 429 and not htmx_partial(request):
                status = error.status
        else:
            context["person"] = person
            context["former"] = person_former_identifier(
                person=person, id_number=form.cleaned_data["id_number"]
            )
            context["shown"] = person_identifiers(actor=actor, person=person)
            context["regions"] = names_of(Kind.REGION, (person.hukou_region, person.insured_region))
            # The number has done its job: do not echo it back into the page.
            context["form"] = CounterLookupForm()
    template = template_for(
        request, "registry/person_lookup.html", "registry/htmx/lookup_result.html"
    )
    response = render(request, template, context, status=status)
    if "person" in context:
        trigger_client_event(response, "personfound")  # the page's form clears the number
    return response


def _employers_filtered(request: HttpRequest) -> tuple[EmployerFilterForm, QuerySet[Employer]]:
    """The employers in scope narrowed by the query string's filters (page and export)."""
    actor = request_actor(request)
    form = EmployerFilterForm(request.GET or None, actor=actor, english=english_page())
    found = form.filters()
    employers = employer_list(
        actor=actor,
        district=found.get("district"),
        name=found.get("name"),
        credit_code=found.get("credit_code"),
    )
    return form, employers


@actor_required(*LIST_ROLES)
def employer_list_page(request: HttpRequest) -> HttpResponse:
    """Employers in scope, searched by name or credit code, paginated with their count."""
    form, employers = _employers_filtered(request)
    page = Paginator(employers, PAGE_SIZE).get_page(request.GET.get("page"))
    regions = names_of(Kind.REGION, (e.insured_district for e in page))
    banks = names_of(Kind.BANK, (c for e in page for c in e.payroll_banks or ()))
    template = template_for(
        request, "registry/employer_list.html", "registry/htmx/employer_results.html"
    )
    context = {
        "form": form,
        "page": page,
        "regions": regions,
        "banks": banks,
        "query": _query(request),
    }
    return render(request, template, context)


@actor_required(*(r for r in EMPLOYER_PICK_ROLES if r is not Role.SYSTEM))
def employer_pick_view(request: HttpRequest) -> HttpResponse:
    """An employer picker's choices (htmx): the first few units matching what was typed, as
    radio buttons named ``employer``; nothing for an empty text, never every unit."""
    text = request.GET.get("employer_q", "")[:200]
    employers = employer_pick(actor=request_actor(request), text=text)
    return render(request, "registry/htmx/employer_pick.html", {"employers": employers, "q": text})


@actor_required(*LIST_ROLES)
def employer_staff_page(request: HttpRequest, employer_id: int) -> HttpResponse:
    """One employer in scope and its staff, masked, searched and paginated (HR's list of its
    people: by name, phone tail, category, district and status)."""
    employer = employer_get(actor=request_actor(request), employer_id=employer_id)
    form, staff = _persons_filtered(request, employer_id=employer.pk)
    page, regions = _page(request, staff, extra_codes={employer.insured_district})
    template = template_for(
        request, "registry/employer_staff.html", "registry/htmx/person_results.html"
    )
    context = {"employer": employer, "form": form, "page": page, "regions": regions}
    return render(request, template, {**context, "query": _query(request)})


@actor_required(*LIST_ROLES)
def employer_staff_export(
    request: HttpRequest, employer_id: int, fmt: str = "csv"
) -> StreamingHttpResponse:
    """One employer's staff (HR's roster of its people), as the staff page lists them."""
    employer = employer_get(actor=request_actor(request), employer_id=employer_id)
    form, staff = _persons_filtered(request, employer_id=employer.pk)
    table = ExportTable(
        title=_("Staff of %(employer)s") % {"employer": employer.name},
        file_stem=f"staff-{employer.pk}",
        columns=_person_columns(),
        rows=_person_rows(staff),
        filters=[
            (_("Employer"), f"{employer.name} ({employer.credit_code})"),
            *form_filters(form, masks=PERSON_FILTER_MASKS),
        ],
    )
    return export_response(request, table, fmt)


def _employer_rows(employers: QuerySet[Employer]) -> Iterator[Sequence[Cell]]:
    regions, banks = CodeNames(Kind.REGION), CodeNames(Kind.BANK)
    for employer in employers.iterator(chunk_size=2000):
        codes = [str(c) for c in employer.payroll_banks or []]
        yield (
            employer.name,
            employer.credit_code,
            regions(employer.insured_district),
            employer.insured_district,
            banks.joined(codes),
            ",".join(codes),
        )


@actor_required(*LIST_ROLES)
def employer_export(request: HttpRequest, fmt: str = "csv") -> StreamingHttpResponse:
    """The employers in scope, as the employers page lists them (its search applied)."""
    form, employers = _employers_filtered(request)
    table = ExportTable(
        title=_("Employers"),
        file_stem="employers",
        columns=[
            Column(_("Name"), 36),
            Column(_("Unified social credit code"), 22),
            *coded(_("Insured district"), width=24),
            *coded(_("Payroll banks"), width=30),
        ],
        rows=_employer_rows(employers),
        filters=form_filters(form),
    )
    return export_response(request, table, fmt)
