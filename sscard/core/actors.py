"""Who is acting: a role and the scope it is bound to.

Services and selectors take an ``Actor`` rather than a Django user so that the scope rules
are written once, in plain Python, and every query can be filtered by them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    CITY_OFFICER = "city_officer"
    DISTRICT_OFFICER = "district_officer"
    EMPLOYER_HR = "employer_hr"
    BANK_CLERK = "bank_clerk"
    COMMUNITY_CLERK = "community_clerk"
    PRODUCTION_OPERATOR = "production_operator"
    CARDHOLDER = "cardholder"
    RELYING_PARTY = "relying_party"
    POST = "post"
    SYSTEM = "system"


ROLE_LABELS = {
    Role.CITY_OFFICER: _("City bureau officer"),
    Role.DISTRICT_OFFICER: _("District bureau officer"),
    Role.EMPLOYER_HR: _("Employer HR"),
    Role.BANK_CLERK: _("Bank clerk"),
    Role.COMMUNITY_CLERK: _("Community centre clerk"),
    Role.PRODUCTION_OPERATOR: _("Card production operator"),
    Role.CARDHOLDER: _("Cardholder"),
    Role.RELYING_PARTY: _("Relying party (API client)"),
    Role.POST: _("Post (delivery API client)"),
    Role.SYSTEM: _("System"),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """A role bound to its scope: a district, an employer, an outlet, a person or a party."""

    role: Role
    label: str
    user_id: int | None = None
    city_code: str | None = None
    district_code: str | None = None
    employer_id: int | None = None
    outlet_id: int | None = None
    person_id: int | None = None
    relying_party_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(role=Role.SYSTEM, label=label)

    @property
    def is_bureau(self) -> bool:
        return self.role in (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM)

    @property
    def may_import(self) -> bool:
        return self.role in (Role.CITY_OFFICER, Role.SYSTEM)

    @property
    def sees_full_identifiers(self) -> bool:
        """Whether the role's work needs full ID numbers and phones on screen.

        Counter clerks check the holder's ID card against the record and the holder sees
        their own; nobody else does (officers, HR and production work on masked values).
        """
        return self.role in (Role.BANK_CLERK, Role.COMMUNITY_CLERK, Role.CARDHOLDER)


#: Roles whose work needs a person's birth date (and age) on screen: the counter clerk serving
#: the person after a lookup by full ID number, and the holder on their own record. They are
#: exactly the roles that read the number in full there, so the date tells them nothing more.
BIRTH_DATE_ROLES = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK, Role.CARDHOLDER})


def needs_birth_date(role: Role) -> bool:
    """Whether a one-person view may show this role the birth date (and age).

    Nowhere else: never on lists, exports, rosters or API lists, and never to officers, HR or
    production, who read numbers masked (``1****************X``). A masked number beside its
    birth date and region leaves about 90 candidates (1,000 sequences over 11 check
    characters): that is the number. Sex is shown, it halves the sequences and no more.
    """
    return role in BIRTH_DATE_ROLES
