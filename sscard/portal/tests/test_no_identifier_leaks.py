"""No page, API answer or export shows a full ID number or phone to a role that does not need it.

One staff member's identifiers are planted; every role opens every page and endpoint it can
reach. Only the counter lookup (a clerk, by POST) and the holder's own page may show them,
and the holder here is someone else.
"""

from __future__ import annotations

import pytest

from sscard.core.actors import Role
from sscard.testing.factories import (
    AccountFactory,
    DivisionFactory,
    ImportJobFactory,
    OutletFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db
ROLES = [r.value for r in Role if r is not Role.SYSTEM]
NUMBER = make_id_number(4711)
PHONE = "13987654321"
NAME = "诸葛孔明"


def _body(response: object) -> str:
    content = getattr(response, "streaming_content", None)
    if content is not None:
        return b"".join(content).decode("utf-8", "replace")
    return bytes(getattr(response, "content", b"")).decode("utf-8", "replace")


@pytest.mark.parametrize("role", ROLES)
def test_no_role_sees_a_full_identifier_outside_the_counter(role, client_for):
    DivisionFactory.create()
    OutletFactory.create()
    ImportJobFactory.create()
    hr = AccountFactory.create(employer_hr=True)
    planted = PersonFactory.create(id_number=NUMBER, phone=PHONE, name=NAME, employer=hr.employer)
    account = hr if role == "employer_hr" else AccountFactory.of_role(role)
    client = client_for(account)
    employer = planted.employer_id
    urls = [
        "/",
        "/persons/",
        f"/persons/{planted.pk}/",
        "/persons/export.csv",
        "/employers/",
        f"/employers/{employer}/",
        f"/employers/{employer}/staff.csv",
        "/counter/",
        "/me/",
        "/outlets/",
        "/imports/",
        "/tokens/",
        "/api/v1/persons",
        f"/api/v1/persons/{planted.pk}",
        "/api/v1/employers",
        f"/api/v1/employers/{employer}/staff",
        "/api/v1/me",
        "/api/v1/outlets",
        "/api/v1/imports",
    ]
    for url in urls:
        text = _body(client.get(url))
        assert NUMBER not in text, (role, url)
        assert PHONE not in text, (role, url)
        assert NAME not in text, (role, url)
    if role in ("city_officer", "district_officer", "employer_hr"):
        # the sweep is not vacuous: these roles do see the person, masked
        assert planted.id_number_masked in _body(client.get("/persons/"))
        assert planted.masked_name in _body(client.get(f"/api/v1/persons/{planted.pk}"))
