"""The schools page, its API twin and the CLI: one service, one predicate (SH-09)."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from django.utils import timezone

from sscard.campaigns.services import campaign_put_in_force
from sscard.cli import cli
from sscard.core.actors import Actor
from sscard.notifications.models import OutboxMessage
from sscard.policy import builtin_pack
from sscard.portal.models import Account
from sscard.registry.models import School
from sscard.registry.services import divisions_load
from sscard.testing.factories import AccountFactory, PersonFactory, SchoolFactory
from sscard.testing.fixtures import ClientFor

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
HUANGPU = "310101"
JINGAN = "310106"


@pytest.fixture(autouse=True)
def shanghai() -> None:
    divisions_load(actor=SYSTEM)
    campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("shanghai-2019"))


@pytest.fixture
def huangpu_officer() -> Account:
    return AccountFactory.create(district_officer=True, district_code=HUANGPU, city_code="310000")


def pupil_at(school: School) -> None:
    parent = PersonFactory.create(hukou_region=school.district)
    PersonFactory.create(category="pupil", school=school, guardian=parent, phone="")


def test_the_page_offers_the_notice_only_where_the_service_would_take_it(
    huangpu_officer: Account, client_for: ClientFor
) -> None:
    # given a waiting and a notified school of Huangpu, and one of Jing'an
    waiting = SchoolFactory.create(district=HUANGPU, name="黄浦一小")
    SchoolFactory.create(district=HUANGPU, name="黄浦二小", notified_on=date(2019, 4, 8))
    SchoolFactory.create(district=JINGAN, name="静安一小")
    # when the Huangpu officer opens the schools page
    page = client_for(huangpu_officer).get("/campaigns/schools/")
    body = page.content.decode()
    # then it lists Huangpu's schools only, the notice day, and one button for the waiting one
    assert page.status_code == 200
    assert "黄浦一小" in body
    assert "黄浦二小" in body
    assert "静安一小" not in body
    assert "2019-04-08" in body
    assert body.count(f'name="school_code" value="{waiting.code}"') == 1
    assert body.count('name="school_code"') == 1
    assert 'name="district_code"' in body  # the district batch, for their own district


def test_the_page_records_a_districts_notice_and_says_what_it_did(
    huangpu_officer: Account, client_for: ClientFor
) -> None:
    schools = [SchoolFactory.create(district=HUANGPU) for _ in range(2)]
    for school in schools:
        pupil_at(school)
    client = client_for(huangpu_officer)
    today = timezone.localdate()
    answer = client.post(
        "/campaigns/schools/notify/",
        {"district_code": HUANGPU, "notified_on": today.isoformat()},
        follow=True,
    )
    assert answer.status_code == 200
    assert set(School.objects.values_list("notified_on", flat=True)) == {today}
    assert OutboxMessage.objects.filter(template_key="school_notice").count() == 2
    said = [str(m) for m in answer.context["messages"]]
    assert len(said) == 1
    assert today.isoformat() in said[0]
    # a second time is refused with the code's message, nothing changes
    again = client.post(
        "/campaigns/schools/notify/", {"district_code": HUANGPU, "notified_on": "2019-04-01"}
    )
    assert again.status_code == 409
    assert set(School.objects.values_list("notified_on", flat=True)) == {today}


def test_the_page_refuses_another_district_as_the_api_does(
    huangpu_officer: Account, client_for: ClientFor
) -> None:
    SchoolFactory.create(district=JINGAN)
    client = client_for(huangpu_officer)
    page = client.post(
        "/campaigns/schools/notify/", {"district_code": JINGAN, "notified_on": "2019-04-08"}
    )
    api = client.post(
        "/api/v1/schools/notices",
        {"district_code": JINGAN, "notified_on": "2019-04-08"},
        content_type="application/json",
    )
    assert page.status_code == api.status_code == 403
    assert api.json()["code"] == "school_notice_out_of_scope"
    assert School.objects.get().notified_on is None


def test_the_api_lists_schools_and_records_one_schools_notice(
    huangpu_officer: Account, client_for: ClientFor
) -> None:
    school = SchoolFactory.create(district=HUANGPU)
    pupil_at(school)
    SchoolFactory.create(district=JINGAN)
    client = client_for(huangpu_officer)
    listed = client.get("/api/v1/schools").json()
    assert listed["count"] == 1
    assert (
        listed["items"][0] | {"pupils": 1, "may_notify": True, "notified_on": None}
        == (listed["items"][0])
    )
    answer = client.post(
        "/api/v1/schools/notices",
        {"school_code": school.code, "notified_on": "2019-04-08"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json() == {
        "notified_on": "2019-04-08",
        "district": HUANGPU,
        "school_codes": [school.code],
        "messages": 1,
    }
    item = client.get("/api/v1/schools").json()["items"][0]
    assert (item["notified_on"], item["may_notify"]) == ("2019-04-08", False)
    refused = client.post(
        "/api/v1/schools/notices",
        {"school_code": school.code, "notified_on": "2019-04-09"},
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "school_already_notified")


def test_the_api_refuses_a_future_day_and_other_roles(client_for: ClientFor) -> None:
    SchoolFactory.create(district=HUANGPU)
    officer = AccountFactory.create(district_officer=True, district_code=HUANGPU)
    future = client_for(officer).post(
        "/api/v1/schools/notices",
        {"district_code": HUANGPU, "notified_on": "2999-01-01"},
        content_type="application/json",
    )
    assert (future.status_code, future.json()["code"]) == (422, "school_notice_date_in_future")
    hr = AccountFactory.create(employer_hr=True)
    denied = client_for(hr).post(
        "/api/v1/schools/notices",
        {"district_code": HUANGPU, "notified_on": "2019-04-08"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    assert client_for(hr).get("/api/v1/schools").status_code == 403
    assert School.objects.get().notified_on is None


def test_the_cli_notifies_a_district_and_refuses_a_bad_call() -> None:
    schools = [SchoolFactory.create(district=JINGAN) for _ in range(2)]
    pupil_at(schools[0])
    runner = CliRunner()
    done = runner.invoke(cli, ["schools", "notify", "--district", JINGAN, "--date", "2019-04-08"])
    assert done.exit_code == 0, done.output
    assert "2 school(s)" in done.output
    assert set(School.objects.values_list("notified_on", flat=True)) == {date(2019, 4, 8)}
    assert OutboxMessage.objects.count() == 1
    both = runner.invoke(
        cli,
        ["schools", "notify", "--district", JINGAN, "--school", schools[0].code,
         "--date", "2019-04-08"],
    )  # fmt: skip
    assert both.exit_code == 2
    assert "school_notice_target_invalid" in both.output
    bad_day = runner.invoke(cli, ["schools", "notify", "--district", JINGAN, "--date", "8/4/2019"])
    assert bad_day.exit_code == 2


def test_a_pupils_page_shows_the_schools_notice_day(
    huangpu_officer: Account, client_for: ClientFor
) -> None:
    school = SchoolFactory.create(district=HUANGPU, notified_on=date(2019, 4, 8))
    waiting = SchoolFactory.create(district=HUANGPU)
    place = {"hukou_region": HUANGPU, "insured_region": HUANGPU, "category": "pupil"}
    notified = PersonFactory.create(school=school, **place)
    not_yet = PersonFactory.create(school=waiting, **place)
    client = client_for(huangpu_officer)
    assert "2019-04-08" in client.get(f"/persons/{notified.pk}/").content.decode()
    page = client.get(f"/persons/{not_yet.pk}/").content.decode()
    assert "2019-04-08" not in page
    assert "尚未通知" in page
