"""The city a bureau account works for, as query filters: one city sees nothing of another.

A city officer's account names its city (``Actor.city_code``); one database may hold several
cities' programmes (a province's platform, or Beijing and Shanghai in the demo). An account
bound to no city sees every city, as in a one-city deployment.
"""

from __future__ import annotations

from django.db.models import Q

from sscard.core.actors import Actor
from sscard.kernel.regions import city_prefix as _city_prefix


def city_prefix(actor: Actor) -> str | None:
    """The division-code prefix of the actor's city, or ``None`` when bound to none.

    A municipality (``110000``, ``310000``) is its first two digits — its districts are
    ``1101xx``, ``3101xx`` — and a prefecture-level city (``440100``) its first four.
    """
    code = actor.city_code
    if not code:
        return None
    return _city_prefix(code)


def region_in_city(prefix: str, field: str) -> Q:
    """Rows whose division code ``field`` lies in the city."""
    return Q(**{f"{field}__startswith": prefix})


def person_in_city(prefix: str, via: str = "") -> Q:
    """Persons of the city: insured there, or insured nowhere and registered (户籍) there —
    the rule ``campaigns.selectors.city_of_person`` applies to find a person's campaign.

    ``via`` reaches the person from another model (``"person__"``).
    """
    return region_in_city(prefix, f"{via}insured_region") | (
        Q(**{f"{via}insured_region": ""}) & region_in_city(prefix, f"{via}hukou_region")
    )
