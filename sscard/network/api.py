"""API operations of the service network: banks and outlets (public service points)."""

# No ``from __future__ import annotations`` here: Ninja reads these signatures through
# ``@paginate``'s wrapper, whose module could not resolve postponed (string) annotations.

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate

from sscard.core.pagination import PageNumberPagination
from sscard.core.schemas import ERRORS
from sscard.core.views import request_actor
from sscard.network.booking_api import router as booking_router
from sscard.network.models import Bank, Outlet, RelyingParty
from sscard.network.schemas import (
    BankOut,
    OutletFilter,
    OutletOut,
    RelyingPartyFilter,
    RelyingPartyOut,
)
from sscard.network.selectors import bank_list, outlet_get, outlet_list, relying_party_list

router = Router(tags=["network"])


@router.get("/banks", response={200: list[BankOut], **ERRORS})
def banks_list(request: HttpRequest) -> QuerySet[Bank]:
    return bank_list(actor=request_actor(request))


@router.get("/outlets", response={200: list[OutletOut], **ERRORS})
@paginate(PageNumberPagination, page_size=100)
def outlets_list(request: HttpRequest, filters: Query[OutletFilter]) -> QuerySet[Outlet]:
    """Outlets of the caller's city, by kind, district and bank, as the outlets page filters."""
    return outlet_list(
        actor=request_actor(request),
        kind=filters.kind,
        district=filters.district,
        bank=filters.bank,
    )


@router.get("/outlets/{int:outlet_id}", response={200: OutletOut, **ERRORS})
def outlets_get(request: HttpRequest, outlet_id: int) -> Outlet:
    return outlet_get(actor=request_actor(request), outlet_id=outlet_id)


@router.get("/relying-parties", response={200: list[RelyingPartyOut], **ERRORS})
@paginate(PageNumberPagination, page_size=100)
def relying_parties_list(
    request: HttpRequest, filters: Query[RelyingPartyFilter]
) -> QuerySet[RelyingParty]:
    """The relying parties the caller answers for, as the relying parties page lists them: a
    city's officers their city's, a district officer their district's, a party itself."""
    return relying_party_list(
        actor=request_actor(request), kind=filters.kind, district=filters.district
    )


# Booked time slots (SH-10) keep their operations in a module of their own.
router.add_router("", booking_router)
