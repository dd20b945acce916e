"""Forms that keep what was typed (issue 12, point 7): a refused collective arrangement comes
back with the pickup method and bank still chosen and the reason said; a refused counter
application comes back with every field as the clerk filled it in, and the reason."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sscard.applications.models import Application
from sscard.applications.tests.support import branch, centre, in_force
from sscard.portal.models import Account
from sscard.testing.factories import XICHENG, AccountFactory, make_id_number

pytestmark = pytest.mark.django_db


def _selected(html: str, select: str) -> str | None:
    """The value chosen in the ``<select name=select>`` of ``html``."""
    found = re.search(rf'<select name="{select}".*?</select>', html, re.S)
    assert found, select
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', found.group())
    return chosen.group(1) if chosen else None


def test_a_refused_arrangement_keeps_the_pickup_and_bank_chosen(
    employer_hr: Account, client_for: Any
) -> None:
    in_force("beijing-2024")
    other_bank = branch("ABC", district=XICHENG, name="农行西城支行")
    hr = client_for(employer_hr)
    hr.post("/collective/open/")
    assert employer_hr.employer is not None
    collective = employer_hr.employer.collectives.get()
    # when HR chooses ICBC but an outlet of another bank
    back = hr.post(
        f"/collective/{collective.pk}/arrange/",
        {"pickup": "branch", "bank": "ICBC", "outlet": other_bank.pk},
    )
    # then nothing is saved, the page is drawn again (400) saying why beside the outlet,
    # with pickup and bank still chosen
    collective.refresh_from_db()
    assert collective.pickup_outlet_id is None
    assert back.status_code == 400
    page = back.content.decode()
    assert "请在该银行可选的网点中选择" in page
    assert re.search(r'<select name="outlet"[^>]*aria-invalid="true"', page)
    assert _selected(page, "pickup") == "branch"
    assert _selected(page, "bank") == "ICBC"


def test_a_refused_counter_application_keeps_every_field_typed(client_for: Any) -> None:
    in_force("shanghai-2019")
    desk = centre(district="310101")
    clerk = client_for(AccountFactory.create(community_clerk=True, outlet=desk, city_code="310000"))
    typed = {
        "id_number": make_id_number(77, region="310101"),  # nobody the registry knows
        "action": "first",
        "channel": "community_centre",
        "bank": "BOSC",
        "photo_source": "id_card",
        "mailing_address": "上海市黄浦区人民大道200号",
        "backup_centre": desk.pk,
    }
    page = clerk.post("/applications/counter/", typed).content.decode()
    assert not Application.objects.exists()
    # the reason is shown, and the form comes back as it was filled in
    assert 'role="alert"' in page
    assert f'value="{typed["id_number"]}"' in page
    assert 'value="上海市黄浦区人民大道200号"' in page
    for select in ("action", "channel", "bank", "photo_source"):
        assert _selected(page, select) == typed[select], select
