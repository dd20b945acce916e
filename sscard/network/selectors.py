"""Reads of the service network.

Banks and outlets are public service points (a citizen is told where to go), so every signed-in
role may read them; relying parties are partners' accounts and only the bureau lists them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.db.models import Q, QuerySet

from sscard.core.actors import Actor, Role
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.scope import city_prefix, region_in_city
from sscard.kernel import regions
from sscard.network.choices import RelyingPartyKind
from sscard.network.models import Bank, Outlet, RelyingParty


def outlet_list(
    *,
    actor: Actor,
    kind: str | None = None,
    district: str | None = None,
    bank: str | None = None,
) -> QuerySet[Outlet]:
    """Outlets of the actor's city by code, optionally of one kind, district or bank (its
    code)."""
    outlets = _outlets_visible(actor)
    if kind:
        outlets = outlets.filter(kind=kind)
    if district:
        outlets = outlets.filter(district=district)
    if bank:
        outlets = outlets.filter(bank__code=bank)
    return outlets.order_by("code")


OUTLET_PICK_MAX = 100
"""At most this many outlets in one picker: a district's, never a whole city's list."""


def outlet_pick(*, kind: str, district: str, banks: Collection[str] | None = None) -> list[Outlet]:
    """The outlets a form offers to choose from: those of ``kind`` (and of one of ``banks``,
    their codes) in ``district``, by name; when the district has none, those of its city.

    A picker filters by the chosen bank and the holder's (or the employer's) district instead
    of listing every outlet; without a district, or in a city with none, it offers nothing.
    """
    outlets = Outlet.objects.filter(kind=kind).select_related("bank")
    if banks is not None:
        outlets = outlets.filter(bank__code__in=list(banks))
    if not district:
        return []
    here = list(outlets.filter(district=district).order_by("name", "pk")[:OUTLET_PICK_MAX])
    if here:
        return here
    prefix = regions.city_prefix(regions.city_of(district))
    if not prefix:
        return []
    city = outlets.filter(district__startswith=prefix)
    return list(city.order_by("district", "name", "pk")[:OUTLET_PICK_MAX])


def _outlets_visible(actor: Actor) -> QuerySet[Outlet]:
    """Every outlet, or those of the actor's city when the account names one."""
    outlets = Outlet.objects.select_related("bank")
    prefix = city_prefix(actor)
    return outlets.filter(region_in_city(prefix, "district")) if prefix else outlets


def outlet_get(*, actor: Actor, outlet_id: int) -> Outlet:
    found = _outlets_visible(actor).filter(pk=outlet_id).first()
    if found is None:
        raise NotFound("outlet", what_zh="该网点")
    return found


def outlet_first(*, kind: str) -> Outlet | None:
    """The oldest outlet of a kind (for demo accounts)."""
    return Outlet.objects.filter(kind=kind).order_by("pk").first()


def bank_list(*, actor: Actor) -> QuerySet[Bank]:
    return Bank.objects.order_by("code")


def relying_party_list(
    *, actor: Actor, kind: str | None = None, district: str | None = None
) -> QuerySet[RelyingParty]:
    """Relying parties by code, optionally of one kind or district; only the bureau sees the
    list (a city's officers their city's, a district officer their district's), a party sees
    itself."""
    if actor.is_bureau:
        parties = relying_parties_visible(actor)
        if kind:
            parties = parties.filter(kind=kind)
        if district:
            parties = parties.filter(district=district)
        return parties.order_by("code")
    if actor.role is Role.RELYING_PARTY:
        return RelyingParty.objects.filter(Q(pk=actor.relying_party_id))
    raise PermissionDenied("list relying parties", "查看用卡机构名单")


def relying_parties_visible(actor: Actor) -> QuerySet[RelyingParty]:
    """The relying parties a bureau actor answers for: those of their district (a district
    officer), of their city, or every one (an account bound to no city)."""
    parties = RelyingParty.objects.all()
    if actor.role is Role.DISTRICT_OFFICER:
        return parties.filter(district=actor.district_code or "")
    prefix = city_prefix(actor)
    return parties.filter(region_in_city(prefix, "district")) if prefix else parties


def relying_party_first_hospital() -> RelyingParty | None:
    return RelyingParty.objects.filter(kind=RelyingPartyKind.HOSPITAL).order_by("pk").first()


def bank_names(codes: Iterable[str], *, english: bool = False) -> dict[str, str]:
    """Names of the given bank codes (Chinese, or English), in one query."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    column = "name_en" if english else "name_zh"
    return dict(Bank.objects.filter(code__in=wanted).values_list("code", column))
