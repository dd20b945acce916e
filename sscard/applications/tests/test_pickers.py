"""Pickers filter (issue 12, point 4): an outlet is chosen among the chosen bank's branches in
the employer's (or holder's) district, a backup centre among one district's, an employer by
typing; never from a list of every outlet or every unit. With htmx and without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sscard.applications.tests.support import branch, centre, in_force
from sscard.network.choices import OutletKind
from sscard.network.selectors import outlet_pick
from sscard.portal.models import Account
from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    AccountFactory,
    DivisionFactory,
    EmployerFactory,
)

pytestmark = pytest.mark.django_db
HAIDIAN = "110108"


def _options(html: str, select: str) -> dict[str, str]:
    """The options of the ``<select name=select>`` in ``html``: value → label."""
    found = re.search(rf'<select name="{select}".*?</select>', html, re.S)
    assert found, select
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group()))


@pytest.fixture
def branches() -> dict[str, int]:
    """ICBC and ABC branches in Xicheng and Chaoyang, and a CCB branch only in Haidian."""
    made = {
        "icbc-xicheng": branch("ICBC", district=XICHENG, name="工行西城支行"),
        "icbc-chaoyang": branch("ICBC", district=CHAOYANG, name="工行朝阳支行"),
        "abc-xicheng": branch("ABC", district=XICHENG, name="农行西城支行"),
        "ccb-haidian": branch("CCB", district=HAIDIAN, name="建行海淀支行"),
    }
    return {k: v.pk for k, v in made.items()}


def test_the_outlet_picker_keeps_to_the_bank_and_the_district(branches: dict[str, int]) -> None:
    def pick(district: str, *banks: str) -> set[int]:
        kind = OutletKind.BANK_BRANCH
        return {o.pk for o in outlet_pick(kind=kind, district=district, banks=banks or None)}

    assert pick(XICHENG, "ICBC") == {branches["icbc-xicheng"]}
    assert pick(XICHENG) == {branches["icbc-xicheng"], branches["abc-xicheng"]}
    # a district without a branch of the bank offers the bank's branches in its city
    assert pick(XICHENG, "CCB") == {branches["ccb-haidian"]}
    assert pick("", "ICBC") == set()
    assert pick("440106", "ICBC") == set()  # no branch in that city


def test_the_arrange_step_offers_the_chosen_banks_branches_in_the_employers_district(
    branches: dict[str, int], employer_hr: Account, client_for: Any
) -> None:
    in_force("beijing-2024")
    hr = client_for(employer_hr)  # the employer is insured in Xicheng
    hr.post("/collective/open/")
    assert employer_hr.employer is not None
    collective = employer_hr.employer.collectives.get()
    # before a bank is chosen: the pack's banks' branches of Xicheng only
    page = hr.get("/collective/").content.decode()
    offered = _options(page, "outlet")
    assert set(offered) == {"", str(branches["icbc-xicheng"]), str(branches["abc-xicheng"])}
    # the bank select reloads the outlets through htmx
    assert re.search(r'<select name="bank"[^>]*hx-get="/pickers/outlets/\?for=branch', page)
    # without JavaScript: "show the choices" posts, and the page comes back for that bank
    back = hr.post(f"/collective/{collective.pk}/arrange/", {"bank": "ICBC", "refresh": "1"})
    assert back.status_code == 302
    assert "bank=ICBC" in back["Location"]
    page = hr.get(back["Location"]).content.decode()
    assert set(_options(page, "outlet")) == {"", str(branches["icbc-xicheng"])}
    # an outlet of another bank than the one chosen is refused, one of it is saved
    hr.post(
        f"/collective/{collective.pk}/arrange/",
        {"pickup": "branch", "bank": "ICBC", "outlet": branches["abc-xicheng"]},
    )
    collective.refresh_from_db()
    assert collective.pickup_outlet_id is None
    hr.post(
        f"/collective/{collective.pk}/arrange/",
        {"pickup": "branch", "bank": "ICBC", "outlet": branches["icbc-xicheng"]},
    )
    collective.refresh_from_db()
    assert collective.pickup_outlet_id == branches["icbc-xicheng"]


def test_the_htmx_options_follow_the_bank_and_district(
    branches: dict[str, int], employer_hr: Account, client_for: Any
) -> None:
    client = client_for(employer_hr)
    options = client.get(
        "/pickers/outlets/", {"for": "branch", "district": XICHENG, "bank": "ABC"}
    ).content.decode()
    assert f'value="{branches["abc-xicheng"]}"' in options
    assert f'value="{branches["icbc-xicheng"]}"' not in options
    assert options.startswith('<option value="">')
    pack_banks = client.get(
        "/pickers/outlets/", {"for": "branch", "district": XICHENG, "banks": "ICBC,CCB"}
    ).content.decode()
    assert f'value="{branches["icbc-xicheng"]}"' in pack_banks
    assert f'value="{branches["abc-xicheng"]}"' not in pack_banks
    assert client.get("/pickers/outlets/", {"for": "nothing"}).status_code == 404


def test_the_backup_centre_picker_offers_one_district_at_a_time(client_for: Any) -> None:
    # given the holder lives in Xicheng; centres in Xicheng and Chaoyang
    in_force("beijing-2024")
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")
    here = centre(district=XICHENG, name="西城区社区事务受理中心")
    there = centre(district=CHAOYANG, name="朝阳区社区事务受理中心")
    me = client_for(AccountFactory.create(cardholder=True))
    # when the holder opens the online application
    page = me.get("/applications/mine/apply/").content.decode()
    # then the district is theirs, and only its centre is offered
    assert set(_options(page, "backup_centre")) == {"", str(here.pk)}
    assert set(_options(page, "centre_district")) == {XICHENG, CHAOYANG}
    assert 'hx-get="/pickers/outlets/?for=centre"' in page
    # and another district's centres come back with htmx, or by "show the choices"
    options = me.get(
        "/pickers/outlets/", {"for": "centre", "centre_district": CHAOYANG}
    ).content.decode()
    assert f'value="{there.pk}"' in options
    assert f'value="{here.pk}"' not in options
    again = me.post(
        "/applications/mine/apply/", {"centre_district": CHAOYANG, "refresh": "1"}
    ).content.decode()
    assert set(_options(again, "backup_centre")) == {"", str(there.pk)}
    assert "errorlist" not in again  # shown again to choose, not refused


def test_the_counter_offers_the_outlets_district_centres(client_for: Any) -> None:
    in_force("beijing-2024")
    desk = centre(district=XICHENG)
    centre(district=CHAOYANG)
    clerk = client_for(AccountFactory.create(community_clerk=True, outlet=desk))
    page = clerk.get("/applications/counter/").content.decode()
    assert set(_options(page, "backup_centre")) == {"", str(desk.pk)}


def test_a_bank_clerk_finds_the_employer_by_typing(client_for: Any) -> None:
    clerk = client_for(AccountFactory.create(bank_clerk=True))
    acme = EmployerFactory.create(name="北京示例科技有限公司")
    for n in range(30):
        EmployerFactory.create(name=f"其他单位{n:02d}")
    # the picker lists nothing until something is typed, then the matches only
    assert 'name="employer"' not in clerk.get("/employers/pick/").content.decode()
    found = clerk.get("/employers/pick/", {"employer_q": "示例科技"}).content.decode()
    assert f'name="employer" value="{acme.pk}"' in found
    assert found.count('name="employer"') == 1
    by_code = clerk.get("/employers/pick/", {"employer_q": acme.credit_code}).content.decode()
    assert f'value="{acme.pk}"' in by_code
    many = clerk.get("/employers/pick/", {"employer_q": "其他单位"}).content.decode()
    assert many.count('name="employer"') == 20
    # a holder has no employer picker
    holder = client_for(AccountFactory.create(cardholder=True))
    assert holder.get("/employers/pick/", {"employer_q": "示例"}).status_code == 403
