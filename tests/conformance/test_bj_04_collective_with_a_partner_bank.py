"""BJ-04: a unit applies collectively with ONE partner bank it chooses; staff confirm their card
data online; a bank can open an acceptance point at a big unit."""

from __future__ import annotations

import pytest

from sscard.applications.choices import RosterStatus
from sscard.applications.services import (
    application_submit,
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
)
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    clerk,
    confirm_all,
    hr,
    in_force,
)
from sscard.core.errors import ApplicationError
from sscard.network.choices import OutletKind
from sscard.testing.factories import OutletFactory

pytestmark = pytest.mark.django_db


def test_bj_04_the_unit_picks_one_partner_bank_for_the_whole_application() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    arranged = collective_arrange(
        actor=hr(employer),
        collective_id=collective.pk,
        day=BJ_PILOT_DAY,
        pickup="branch",
        outlet_id=branch("BOB").pk,
    )
    assert arranged.bank_code == "BOB"
    roster_add_staff(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    collective_notify(actor=hr(employer), collective_id=collective.pk)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert set(collective.applications.values_list("bank_code", flat=True)) == {"BOB"}


def test_bj_04_a_bank_that_is_not_a_partner_is_refused() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    with pytest.raises(ApplicationError) as refused:
        collective_arrange(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            pickup="post",
            bank="CIB",
        )
    assert refused.value.code == "bank_not_partner"
    assert refused.value.details["clause"] == "BJ-04"


def test_bj_04_staff_confirm_their_card_data_before_they_are_submitted() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(2)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    collective_arrange(
        actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY, pickup="post", bank="CCB"
    )
    roster_add_staff(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    collective_notify(actor=hr(employer), collective_id=collective.pk)
    confirm_all(collective, staff[:1], BJ_PILOT_DAY)
    entry = collective.roster.get(person=staff[0])
    assert entry.status == RosterStatus.CONFIRMED
    assert entry.phone_masked == "*******8000"


def test_bj_04_a_bank_acceptance_point_at_the_unit_takes_applications() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(1)
    point = OutletFactory.create(kind=OutletKind.ENTERPRISE_POINT, bank=branch("ICBC").bank)
    collective = collective_open(actor=clerk(point), day=BJ_PILOT_DAY, employer_id=employer.pk)
    assert (collective.channel, collective.clause) == ("enterprise_point", "BJ-04")
    app = application_submit(
        actor=clerk(point),
        person=staff[0],
        channel="enterprise_point",
        action="migrate",
        day=BJ_PILOT_DAY,
        pickup="bank_visit",
        photo_source="id_card",
    )
    assert (app.card_generation, app.bank_code, app.clause) == (3, "ICBC", "BJ-04")
