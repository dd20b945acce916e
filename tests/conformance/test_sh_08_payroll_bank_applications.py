"""SH-08 through the collective services: staff in batch through the employer from July 2019;
the payroll bank among the 11 is the account bank; with several the employer picks one of them;
with none among the 11 it picks any of the 11."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
    roster_confirm,
)
from sscard.applications.tests.support import (
    SH_DAY,
    centre,
    holder,
    hr,
    in_force,
    shanghai_employer,
    shanghai_person,
)
from sscard.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _arrange(employer: Any, bank: Any = None) -> Any:
    c = collective_open(actor=hr(employer), day=SH_DAY)
    return collective_arrange(
        actor=hr(employer), collective_id=c.pk, day=SH_DAY, pickup="post", bank=bank
    )


def test_sh_08_the_one_payroll_bank_among_the_eleven_is_the_account_bank() -> None:
    in_force("shanghai-2019")
    employer = shanghai_employer("BOSC", "CIB")
    assert _arrange(employer).bank_code == "BOSC"


def test_sh_08_with_several_the_employer_picks_one_of_its_payroll_banks() -> None:
    in_force("shanghai-2019")
    employer = shanghai_employer("ICBC", "CCB")
    with pytest.raises(ApplicationError) as must_pick:
        _arrange(employer)
    assert must_pick.value.code == "bank_required"
    assert must_pick.value.details["banks"] == ["ICBC", "CCB"]
    employer2 = shanghai_employer("ICBC", "CCB")
    with pytest.raises(ApplicationError) as other:
        _arrange(employer2, bank="BOC")
    assert other.value.code == "bank_not_partner"
    assert _arrange(shanghai_employer("ICBC", "CCB"), bank="CCB").bank_code == "CCB"


def test_sh_08_with_none_among_the_eleven_it_picks_any_of_them() -> None:
    in_force("shanghai-2019")
    assert _arrange(shanghai_employer("CIB"), bank="SRCB").bank_code == "SRCB"


def test_sh_08_staff_are_submitted_in_batch_by_post_with_a_backup_centre() -> None:
    in_force("shanghai-2019")
    employer = shanghai_employer("BOSC")
    staff = shanghai_person(category="in_service_staff", employer=employer)
    c = _arrange(employer)
    roster_add_staff(actor=hr(employer), collective_id=c.pk, day=SH_DAY)
    collective_notify(actor=hr(employer), collective_id=c.pk)
    entry = c.roster.get()
    with pytest.raises(ApplicationError) as no_backup:
        roster_confirm(
            actor=holder(staff), entry_id=entry.pk, day=SH_DAY, phone="13800138000",
            photo_source="id_card",
        )  # fmt: skip
    assert no_backup.value.code == "backup_centre_required"
    backup = centre()
    roster_confirm(
        actor=holder(staff), entry_id=entry.pk, day=SH_DAY, phone="13800138000",
        photo_source="id_card", backup_centre_id=backup.pk,
    )  # fmt: skip
    collective_submit(actor=hr(employer), collective_id=c.pk, day=SH_DAY)
    app = c.applications.get()
    assert (app.bank_code, app.pickup, app.backup_centre, app.clause) == (
        "BOSC",
        "post",
        backup,
        "SH-08",
    )
    assert app.mailing_address == staff.address


def test_sh_08_before_july_2019_staff_batches_are_not_open() -> None:
    in_force("shanghai-2019")
    with pytest.raises(ApplicationError) as refused:
        collective_open(actor=hr(shanghai_employer("BOSC")), day=date(2019, 6, 28))
    assert refused.value.code == "no_rule"
