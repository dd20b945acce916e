"""Pages of the registry: person lists, one person, the counter lookup, employers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from sscard.core.actors import Role
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, csv_response
from sscard.core.htmx import htmx_partial, template_for
from sscard.core.views import actor_required, english_page, error_text, request_actor
from sscard.registry.choices import DisclosurePurpose
from sscard.registry.forms import CounterLookupForm, PersonFilterForm
from sscard.registry.models import Person
from sscard.registry.selectors import (
    PERSON_LOOKUP_ROLES,
    division_names,
    employer_list,
    employer_staff,
    person_find_by_id_number,
    person_get,
    person_identifiers,
    person_list,
)
from sscard.registry.services import COUNTER_LOOKUP_FIELDS, disclosure_record

PAGE_SIZE = 25
LIST_ROLES = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.EMPLOYER_HR)
LOOKUP_ROLES = tuple(r for r in PERSON_LOOKUP_ROLES if r is not Role.SYSTEM)


def _page(
    request: HttpRequest,
    items: QuerySet[Person],
    *,
    extra_codes: frozenset[str] | set[str] = frozenset(),
) -> tuple[Page[Person], dict[str, str]]:
    """One page of persons and the names of the regions on it (one query each)."""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    codes = {c for p in page.object_list for c in (p.hukou_region, p.insured_region) if c}
    return page, division_names(codes | set(extra_codes), english=english_page())


def _persons_filtered(request: HttpRequest) -> tuple[PersonFilterForm, QuerySet[Person]]:
    actor = request_actor(request)
    form = PersonFilterForm(request.GET or None, actor=actor, english=english_page())
    filters = form.cleaned_data if form.is_valid() else {}
    persons = person_list(
        actor=actor,
        category=filters.get("category") or None,
        district=filters.get("district") or None,
    )
    return form, persons


@actor_required(*LIST_ROLES)
def person_list_page(request: HttpRequest) -> HttpResponse:
    """Persons in scope, masked, filtered and paginated; htmx swaps only the results."""
    form, persons = _persons_filtered(request)
    page, regions = _page(request, persons)
    template = template_for(
        request, "registry/person_list.html", "registry/htmx/person_results.html"
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {"form": form, "page": page, "regions": regions, "query": query.urlencode()},
    )


def _export_header() -> tuple[str, ...]:
    return (
        _("Full name"),
        _("ID number"),
        _("Sex"),
        _("Category"),
        _("Household registration region"),
        _("Insured region"),
        _("Employer"),
        _("Phone"),
    )


def _export_rows(persons: QuerySet[Person]) -> Iterator[Sequence[Cell]]:
    fields = (
        "name",
        "id_number_masked",
        "sex",
        "category",
        "hukou_region",
        "insured_region",
        "phone_masked",
        "employer__name",
    )
    for person in persons.only(*fields).iterator(chunk_size=2000):
        yield (
            person.masked_name,
            person.masked_id_number,
            person.sex,
            person.category,
            person.hukou_region,
            person.insured_region,
            person.employer.name if person.employer else "",
            person.masked_phone,
        )


@actor_required(*LIST_ROLES)
def person_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered person list as CSV: masked identifiers, no birth date, spreadsheet-safe."""
    _, persons = _persons_filtered(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(
        file_name=f"persons-{stamp}.csv", header=_export_header(), rows=_export_rows(persons)
    )


def _person_page(request: HttpRequest, person: Person, *, template: str) -> HttpResponse:
    actor = request_actor(request)
    shown = person_identifiers(actor=actor, person=person)
    regions = division_names(
        {c for c in (person.hukou_region, person.insured_region) if c}, english=english_page()
    )
    return render(request, template, {"person": person, "shown": shown, "regions": regions})


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
            context["shown"] = person_identifiers(actor=actor, person=person)
            context["regions"] = division_names(
                {c for c in (person.hukou_region, person.insured_region) if c},
                english=english_page(),
            )
            # The number has done its job: do not echo it back into the page.
            context["form"] = CounterLookupForm()
    template = template_for(
        request, "registry/person_lookup.html", "registry/htmx/lookup_result.html"
    )
    response = render(request, template, context, status=status)
    if "person" in context:
        trigger_client_event(response, "personfound")  # the page's form clears the number
    return response


@actor_required(*LIST_ROLES)
def employer_list_page(request: HttpRequest) -> HttpResponse:
    employers = employer_list(actor=request_actor(request))
    page = Paginator(employers, PAGE_SIZE).get_page(request.GET.get("page"))
    regions = division_names({e.insured_district for e in page}, english=english_page())
    return render(request, "registry/employer_list.html", {"page": page, "regions": regions})


@actor_required(*LIST_ROLES)
def employer_staff_page(request: HttpRequest, employer_id: int) -> HttpResponse:
    """One employer in scope and its staff, masked and paginated."""
    employer, staff = employer_staff(actor=request_actor(request), employer_id=employer_id)
    page, regions = _page(request, staff, extra_codes={employer.insured_district})
    template = template_for(
        request, "registry/employer_staff.html", "registry/htmx/person_results.html"
    )
    return render(
        request,
        template,
        {"employer": employer, "page": page, "regions": regions, "query": ""},
    )


@actor_required(*LIST_ROLES)
def employer_staff_export(request: HttpRequest, employer_id: int) -> StreamingHttpResponse:
    employer, staff = employer_staff(actor=request_actor(request), employer_id=employer_id)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(
        file_name=f"staff-{employer.pk}-{stamp}.csv",
        header=_export_header(),
        rows=_export_rows(staff),
    )
