"""Reads of the registry, already scoped to what the actor may see.

Every selector takes the ``actor`` and filters by its role's scope, so a page or an API
operation cannot forget to. An object outside the scope answers exactly as a missing one
(``not_found``), so that its existence does not leak.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, TextChoices
from django.utils import translation

from sscard.core.actors import Actor, Role, needs_birth_date
from sscard.core.clock import today
from sscard.core.crypto import (
    ID_NUMBER,
    PHONE,
    field_cipher,
    id_number_indexes,
    phone_tail_indexes,
)
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.core.scope import city_prefix, person_in_city, region_in_city
from sscard.kernel import idnumber, regions
from sscard.registry.choices import DivisionLevel, PersonCategory, Sex
from sscard.registry.errors import RegistryErrorCode
from sscard.registry.models import Division, Employer, FormerIdentifier, Person, School
from sscard.registry.statuses import person_status_condition

# Roles that work on lists of persons; the others see one person at a time or none.
PERSON_LIST_ROLES = frozenset(
    {Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.EMPLOYER_HR, Role.SYSTEM}
)
# Roles that may find one person by the full ID number: counter clerks (anyone in the city),
# and the list roles (within their own scope).
PERSON_LOOKUP_ROLES = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK}) | PERSON_LIST_ROLES
EMPLOYER_ROLES = PERSON_LIST_ROLES


def _person_scope(actor: Actor) -> Q | None:
    """The persons the actor may see by id, or ``None`` for none at all."""
    match actor.role:
        case Role.CITY_OFFICER | Role.SYSTEM:
            # The whole of the officer's city; one database may hold several cities.
            prefix = city_prefix(actor)
            return person_in_city(prefix) if prefix else Q()
        case Role.DISTRICT_OFFICER:
            return Q(insured_region=actor.district_code) | Q(hukou_region=actor.district_code)
        case Role.EMPLOYER_HR:
            return Q(employer_id=actor.employer_id)
        case Role.CARDHOLDER:
            return Q(pk=actor.person_id)
        case _:
            return None


def _employer_scope(actor: Actor) -> Q | None:
    match actor.role:
        case Role.CITY_OFFICER | Role.SYSTEM:
            prefix = city_prefix(actor)
            return region_in_city(prefix, "insured_district") if prefix else Q()
        case Role.DISTRICT_OFFICER:
            return Q(insured_district=actor.district_code)
        case Role.EMPLOYER_HR:
            return Q(pk=actor.employer_id)
        case _:
            return None


def person_visible(*, actor: Actor) -> QuerySet[Person]:
    """Every person the actor may open one at a time (empty for roles that may open none)."""
    scope = _person_scope(actor)
    if scope is None:
        return Person.objects.none()
    return Person.objects.filter(scope)


def person_list(
    *,
    actor: Actor,
    category: str | None = None,
    district: str | None = None,
    employer_id: int | None = None,
    id_number: str | None = None,
    name: str | None = None,
    phone_tail: str | None = None,
    employer: str | None = None,
    status: str | None = None,
) -> QuerySet[Person]:
    """Persons in the actor's scope, oldest record first; counter and API roles may not list
    (a counter finds one person by the full ID number: :func:`person_find_by_id_number`).

    Every filter narrows the scope, never widens it. ``district`` matches the insured or the
    household-registration region; ``id_number`` (a full number) and ``phone_tail`` (the
    phone's last four digits) are found through their keyed indexes, never by decrypting;
    ``name`` matches a whole name or its beginning; ``employer`` a part of the employer's name
    or its whole credit code; ``status`` is a key of ``registry.statuses``.
    """
    if actor.role not in PERSON_LIST_ROLES:
        raise PermissionDenied("list persons", "查看人员名单")
    persons = person_visible(actor=actor)
    if category:
        persons = persons.filter(category=category)
    if district:
        persons = persons.filter(Q(insured_region=district) | Q(hukou_region=district))
    if employer_id is not None:
        persons = persons.filter(employer_id=employer_id)
    if id_number:
        persons = persons.filter(persons_by_id_number(_id_number(id_number)))
    if name:
        persons = persons.filter(name__startswith=_search_name(name))
    if phone_tail:
        persons = persons.filter(phone_tail_index__in=phone_tail_indexes(_phone_tail(phone_tail)))
    if employer and employer.strip():
        persons = persons.filter(
            employer_id__in=Employer.objects.filter(_employers_matching(employer)).values("pk")
        )
    if status:
        persons = persons.filter(person_status_condition(status))
    return persons.select_related("employer").order_by("pk")


PHONE_TAIL_DIGITS = re.compile(r"\d{4}")
SEARCH_NAME_MAX = 64


def _id_number(value: str) -> str:
    """The full ID number in its stored (18-digit) form; the kernel's ``id_*`` code (422) if
    it is none."""
    try:
        return idnumber.parse(value, today=today()).value
    except idnumber.IdNumberError as exc:
        raise ApplicationError.from_coded(exc, status=422) from exc


def _search_name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > SEARCH_NAME_MAX:
        raise RegistryErrorCode.SEARCH_NAME_INVALID.error()
    return name


def _phone_tail(value: str) -> str:
    tail = value.strip()
    if not PHONE_TAIL_DIGITS.fullmatch(tail):
        raise RegistryErrorCode.PHONE_TAIL_INVALID.error()
    return tail


def _employers_matching(text: str) -> Q:
    """Employers whose name holds ``text``, or whose credit code it is (upper-cased)."""
    text = text.strip()
    return Q(name__icontains=text) | Q(credit_code=text.upper())


def person_get(*, actor: Actor, person_id: int) -> Person:
    """One person by id, if the actor may see them (clerks find persons by ID number instead)."""
    person = person_visible(actor=actor).select_related("employer", "school").filter(pk=person_id)
    found = person.first()
    if found is None:
        raise NotFound("person", what_zh="该人员")
    return found


def person_find_by_id_number(*, actor: Actor, id_number: str) -> Person:
    """The one person with this ID number, found through its keyed index (at a counter)."""
    if actor.role not in PERSON_LOOKUP_ROLES:
        raise PermissionDenied("look up persons", "查询人员")
    try:
        parsed = idnumber.parse(id_number, today=today())
    except idnumber.IdNumberError as exc:
        raise ApplicationError.from_coded(exc, status=422) from exc
    persons = Person.objects.all()
    if actor.role not in (Role.BANK_CLERK, Role.COMMUNITY_CLERK):
        persons = person_visible(actor=actor)
    persons = persons.select_related("employer", "school")
    indexes = id_number_indexes(parsed.value)
    found = persons.filter(id_number_index__in=indexes).first()
    if found is None:
        # A number the person held before a correction still finds them (shown as former:
        # ``person_former_identifier``).
        former = FormerIdentifier.objects.filter(id_number_index__in=indexes)
        found = persons.filter(pk__in=former.values("person_id")).first()
    if found is None:
        raise NotFound("person", what_zh="该人员")
    return found


def persons_by_id_number(number: str) -> Q:
    """Persons who hold ``number`` (its stored form) now, or held it before a correction."""
    indexes = id_number_indexes(number)
    former = FormerIdentifier.objects.filter(id_number_index__in=indexes)
    return Q(id_number_index__in=indexes) | Q(pk__in=former.values("person_id"))


def person_former_identifier(*, person: Person, id_number: str) -> FormerIdentifier | None:
    """The former identifier of ``person`` that ``id_number`` is, if it is one (a lookup by a
    number that was corrected says so beside the person it found)."""
    try:
        value = idnumber.parse(id_number, today=today()).value
    except idnumber.IdNumberError:
        return None
    return FormerIdentifier.objects.filter(
        person=person, id_number_index__in=id_number_indexes(value)
    ).first()


def person_former_identifiers(*, person: Person) -> list[FormerIdentifier]:
    """The numbers ``person`` held before corrections, newest first (masked on pages)."""
    return list(FormerIdentifier.objects.filter(person=person).order_by("-until", "-pk"))


@dataclass(frozen=True, slots=True)
class PersonIdentifiers:
    """A person's name, ID number and phone as this actor may read them on a one-person view."""

    name: str
    id_number: str
    phone: str
    full: bool
    birth_date: date | None = None
    """Only beside a full number, to a role that ``needs_birth_date``; else None (not shown)."""


def person_identifiers(*, actor: Actor, person: Person) -> PersonIdentifiers:
    """Full identifiers for a role whose work needs them (a counter clerk, the holder), else masked.

    Call this only on a single-person view (the counter lookup, the holder's own page);
    lists and exports always show the masked forms and no birth date. The birth date comes
    only with the full number (``needs_birth_date``): beside a masked one it would give it away.
    """
    is_other_holder = actor.role is Role.CARDHOLDER and person.pk != actor.person_id
    if actor.sees_full_identifiers and not is_other_holder:
        cipher = field_cipher()
        phone = cipher.decrypt(bytes(person.phone_enc), field=PHONE) if person.phone_enc else ""
        return PersonIdentifiers(
            name=person.name,
            id_number=cipher.decrypt(bytes(person.id_number_enc), field=ID_NUMBER),
            phone=phone,
            full=True,
            birth_date=person.birth_date if needs_birth_date(actor.role) else None,
        )
    return PersonIdentifiers(
        name=person.masked_name,
        id_number=person.masked_id_number,
        phone=person.masked_phone,
        full=False,
    )


def employer_list(
    *,
    actor: Actor,
    district: str | None = None,
    name: str | None = None,
    credit_code: str | None = None,
) -> QuerySet[Employer]:
    """Employers in the actor's scope, by name; ``name`` matches a part of the name,
    ``credit_code`` the whole unified social credit code (its unique index finds it)."""
    if actor.role not in EMPLOYER_ROLES:
        raise PermissionDenied("list employers", "查看单位名单")
    scope = _employer_scope(actor)
    employers = Employer.objects.filter(scope if scope is not None else Q(pk__in=[]))
    if district:
        employers = employers.filter(insured_district=district)
    if name and name.strip():
        employers = employers.filter(name__icontains=name.strip())
    if credit_code and credit_code.strip():
        employers = employers.filter(credit_code=credit_code.strip().upper())
    return employers.order_by("name", "pk")


# Roles that choose an employer in a form: the list roles, and a bank clerk opening a
# collective application for a unit at its outlet (BJ-07).
EMPLOYER_PICK_ROLES = EMPLOYER_ROLES | {Role.BANK_CLERK}
EMPLOYER_PICK_MAX = 20


def employer_pick(*, actor: Actor, text: str, limit: int = EMPLOYER_PICK_MAX) -> list[Employer]:
    """The first ``limit`` employers the actor may choose whose name holds ``text`` or whose
    credit code it is; none for a blank text, so a picker never lists every unit.

    A bank clerk chooses among the employers of its city (all of them without one), the list
    roles within their scope.
    """
    if actor.role not in EMPLOYER_PICK_ROLES:
        raise PermissionDenied("choose employers", "选择单位")
    if not text.strip():
        return []
    scope: Q | None
    if actor.role is Role.BANK_CLERK:
        prefix = city_prefix(actor)
        scope = region_in_city(prefix, "insured_district") if prefix else Q()
    else:
        scope = _employer_scope(actor)
    if scope is None:
        return []
    found = Employer.objects.filter(scope).filter(_employers_matching(text))
    return list(found.order_by("name", "pk")[:limit])


def employer_get(*, actor: Actor, employer_id: int) -> Employer:
    scope = _employer_scope(actor)
    found = (
        Employer.objects.filter(scope).filter(pk=employer_id).first() if scope is not None else None
    )
    if found is None:
        raise NotFound("employer", what_zh="该单位")
    return found


def employer_staff(*, actor: Actor, employer_id: int) -> tuple[Employer, QuerySet[Person]]:
    """An employer in scope and its staff that the actor may see."""
    employer = employer_get(actor=actor, employer_id=employer_id)
    return employer, person_list(actor=actor, employer_id=employer.pk)


def employer_first_with_staff() -> Employer | None:
    """The oldest employer that has at least one staff member (for demo accounts)."""
    has_staff = Exists(Person.objects.filter(employer_id=OuterRef("pk")))
    return Employer.objects.filter(has_staff).order_by("pk").first()


def division_current_districts() -> QuerySet[Division]:
    """Districts that exist today, by code."""
    return Division.objects.filter(level=DivisionLevel.DISTRICT, abolished=False).order_by("code")


def division_districts(*, actor: Actor) -> QuerySet[Division]:
    """Current districts the actor may filter persons by: all of them, or the officer's own."""
    districts = division_current_districts()
    if actor.role is Role.DISTRICT_OFFICER:
        return districts.filter(code=actor.district_code)
    prefix = city_prefix(actor)
    return districts.filter(region_in_city(prefix, "code")) if prefix else districts


def division_city_districts(*, actor: Actor) -> QuerySet[Division]:
    """Current districts of the actor's city (every one for an account bound to none): where
    a correction may move a person's insurance."""
    districts = division_current_districts()
    prefix = actor_city_prefix(actor)
    return districts.filter(region_in_city(prefix, "code")) if prefix else districts


def actor_city_prefix(actor: Actor) -> str | None:
    """The division-code prefix of the city the actor works in: its account's city, else the
    city of its district; ``None`` for an account bound to neither."""
    prefix = city_prefix(actor)
    if prefix is None and actor.district_code:
        return regions.city_prefix(regions.city_of(actor.district_code)) or None
    return prefix


def division_names(codes: set[str], *, english: bool = False) -> dict[str, str]:
    """Names of the given division codes (Chinese, or English), in one query."""
    if not codes:
        return {}
    column = "name_en" if english else "name_zh"
    return dict(Division.objects.filter(code__in=codes).values_list("code", column))


def region_names(codes: Iterable[str], *, english: bool = False) -> dict[str, str]:
    """Names of division codes for people to read: the city's own districts as the division
    table has them (in English too), any other region of the country as the national table
    names it in full (``371327`` → 山东省临沂市莒南县; Chinese in English pages too)."""
    wanted = {c for c in codes if c}
    found = division_names(wanted, english=english)
    for code in wanted - set(found):
        name = regions.region_name(code)
        if name:
            found[code] = name
    return found


def _choice_labels(choices: type[TextChoices]) -> Callable[[frozenset[str], bool], dict[str, str]]:
    def labels(codes: frozenset[str], english: bool) -> dict[str, str]:
        with translation.override("en" if english else "zh-hans"):
            return {c.value: str(c.label) for c in choices if c.value in codes}

    return labels


#: The registry's codes a person reads by name (registered with ``sscard.core.names``).
category_names = _choice_labels(PersonCategory)
sex_names = _choice_labels(Sex)


# Roles that see lists of schools: the education side of the bureau (SH-09).
SCHOOL_ROLES = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})


def school_scope(actor: Actor) -> Q | None:
    """The schools the actor may see and act for: a district officer's own district, a city
    officer's city (all of them without one), or ``None`` for none at all."""
    match actor.role:
        case Role.SYSTEM:
            return Q()
        case Role.CITY_OFFICER:
            prefix = city_prefix(actor)
            return region_in_city(prefix, "district") if prefix else Q()
        case Role.DISTRICT_OFFICER:
            return Q(district=actor.district_code)
        case _:
            return None


def school_list(
    *, actor: Actor, district: str | None = None, notified: bool | None = None
) -> QuerySet[School]:
    """Schools in the actor's scope with their number of pupils, by district and code."""
    if actor.role not in SCHOOL_ROLES:
        raise PermissionDenied("list schools", "查看学校名单")
    scope = school_scope(actor)
    schools = School.objects.filter(scope if scope is not None else Q(pk__in=[]))
    if district:
        schools = schools.filter(district=district)
    if notified is not None:
        schools = schools.filter(notified_on__isnull=not notified)
    return schools.annotate(pupil_count=Count("pupils")).order_by("district", "code")


def school_get(*, actor: Actor, code: str) -> School:
    """One school in the actor's scope by its code; any other answers as a missing one."""
    scope = school_scope(actor)
    found = School.objects.filter(scope).filter(code=code).first() if scope is not None else None
    if found is None:
        raise NotFound("school", what_zh="该学校")
    return found
