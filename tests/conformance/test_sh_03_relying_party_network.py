"""SH-03: 400+ hospitals and 800+ pharmacies upgraded to read the new card, beside 300+ community
centres and 3000+ bank outlets. A hospital and a pharmacy are onboarded from a file through the
API, each gets its own token, each verifies a card through the API with it, and the network
report shows them live against the notice's figures; a bad file is refused whole."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.test import Client

from sscard.applications.tests.support import HUANGPU, JINGAN, in_force, shanghai_person
from sscard.cards.models import Card, CardVerification
from sscard.cards.tests.support import card
from sscard.core.actors import Actor
from sscard.core.clock import today
from sscard.network.models import RelyingParty
from sscard.policy import builtin_pack
from sscard.portal.models import Account, ApiToken
from sscard.portal.services import token_digest
from sscard.registry.services import divisions_load
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import id_number_of
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
HEADER = ["party_code", "name", "kind", "district", "contact"]
ROWS = [
    ["SH-H-0001", "上海市第一人民医院", "hospital", HUANGPU, "信息科 021-00000001"],
    ["SH-P-0001", "静安区第一药房", "pharmacy", JINGAN, ""],
]


def _file(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _terminal_reads(party: Client, token: str, c: Card) -> Any:
    """What a party's terminal sends: the reader string naming the terminal (kept as a record)."""
    holder = c.person
    reader = (
        f"{c.card_id_code[:6]}|{id_number_of(holder)}|{c.card_number}|{c.card_id_code}|"
        f"{holder.name}|3B6D|3.00|{c.issued_on:%Y%m%d}|{c.valid_until:%Y%m%d}|T0001|D0001|"
    )
    return party.post(
        "/api/v1/cards/verify",
        {"reader_string": reader},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def officer() -> ApiClient:
    divisions_load(actor=SYSTEM)
    in_force("shanghai-2019")
    return ApiClient(AccountFactory.create(city_code="310000"))


def test_sh_03_the_pack_records_the_notices_network_with_its_words() -> None:
    figures = {f.kind: f for f in builtin_pack("shanghai-2019").network}
    assert {k: f.at_least for k, f in figures.items()} == {
        "community_centre": 300,
        "bank_outlet": 3000,
        "hospital": 400,
        "pharmacy": 800,
    }
    assert all(f.clause == "SH-03" and str(f.at_least) in f.quote for f in figures.values())
    assert builtin_pack("beijing-2024").network == ()  # its notice gives no such figures


def test_sh_03_a_hospital_and_a_pharmacy_are_onboarded_and_verify_with_their_own_tokens(
    officer: ApiClient,
) -> None:
    # when the bureau uploads the file of a hospital and a pharmacy
    answer = officer.upload("/relying-parties/import", "parties.csv", _file(ROWS))
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    tokens = {t["code"]: t["token"] for t in body["created"]}
    # then each is registered with its district and kind, an account and a token of its own,
    # of which only the digest is kept
    assert (body["rows"], body["unchanged"], set(tokens)) == (2, 0, {"SH-H-0001", "SH-P-0001"})
    assert tokens["SH-H-0001"] != tokens["SH-P-0001"]
    hospital = RelyingParty.objects.get(code="SH-H-0001")
    pharmacy = RelyingParty.objects.get(code="SH-P-0001")
    assert (hospital.kind, hospital.district, pharmacy.kind, pharmacy.district) == (
        "hospital",
        HUANGPU,
        "pharmacy",
        JINGAN,
    )
    for party in (hospital, pharmacy):
        [stored] = ApiToken.objects.filter(account__relying_party=party)
        assert bytes(stored.digest) == token_digest(tokens[party.code])
        assert not stored.account.user.has_usable_password()
    # and the same file again changes nothing and issues no token
    again = officer.upload("/relying-parties/import", "parties.csv", _file(ROWS)).json()
    assert (again["unchanged"], again["created"]) == (2, [])
    assert ApiToken.objects.count() == 3  # the officer's own, and one per party

    # when each verifies a card through the API with its own token
    c = card(shanghai_person(name="王芳"), ss_function="enabled")
    client = Client()
    for code in ("SH-H-0001", "SH-H-0001", "SH-P-0001"):
        verified = _terminal_reads(client, tokens[code], c)
        assert verified.status_code == 200, verified.json()
        assert verified.json()["status"] == "valid"
    # then each verification is recorded against the party whose token was used
    kept = dict(
        CardVerification.objects.values_list("relying_party__code")
        .annotate(n=Count("pk"))
        .values_list("relying_party__code", "n")
    )
    assert kept == {"SH-H-0001": 2, "SH-P-0001": 1}
    # and one party's token acts for that party only: the caller is who the token says
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['SH-P-0001']}"})
    assert me.json()["relying_party_id"] == pharmacy.pk
    # a party may not onboard others, nor read the bureau's network report
    refused = client.post(
        "/api/v1/relying-parties/import",
        {"file": SimpleUploadedFile("p.csv", _file([["X-1", "某医院", "hospital", HUANGPU, ""]]))},
        headers={"Authorization": f"Bearer {tokens['SH-H-0001']}"},
    )
    assert refused.status_code == 403
    report_refused = client.get(
        "/api/v1/reports/verification-traffic",
        headers={"Authorization": f"Bearer {tokens['SH-H-0001']}"},
    )
    assert report_refused.status_code == 403

    # when the bureau reads the network report for the period
    report = officer.get("/reports/verification-traffic").json()
    # then the hospital and the pharmacy are live, against the notice's 400+ and 800+
    parts = {p["kind"]: p for p in report["parts"]}
    assert (parts["hospital"]["live"], parts["hospital"]["at_least"]) == (1, 400)
    assert (parts["pharmacy"]["live"], parts["pharmacy"]["at_least"]) == (1, 800)
    assert parts["community_centre"]["live"] is None
    assert parts["community_centre"]["at_least"] == 300
    # and its counts are the records' own, by kind, district and answer (an independent query)
    expected = {
        (kind, district, status): n
        for kind, district, status, n in CardVerification.objects.values_list(
            "relying_party__kind", "relying_party__district", "status"
        )
        .annotate(n=Count("pk"))
        .values_list("relying_party__kind", "relying_party__district", "status", "n")
    }
    shown = {
        (r["kind"], r["district"], status): n
        for r in report["rows"]
        for status, n in r["answers"].items()
    }
    assert (
        shown
        == expected
        == {
            ("hospital", HUANGPU, "valid"): 2,
            ("pharmacy", JINGAN, "valid"): 1,
        }
    )
    assert report["total"] == CardVerification.objects.count() == 3
    # a period before the verifications has none and no party live
    earlier = today() - timedelta(days=60)
    before = officer.get(
        "/reports/verification-traffic",
        starts=earlier.isoformat(),
        ends=(earlier + timedelta(days=5)).isoformat(),
    ).json()
    assert before["total"] == 0
    assert {p["kind"]: p["live"] for p in before["parts"]}["hospital"] == 0


def test_sh_03_a_bad_file_is_refused_with_its_row_errors_and_nothing_is_written(
    officer: ApiClient,
) -> None:
    accounts = Account.objects.count()
    bad = [
        ROWS[0],
        ["bad code!", "", "clinic", "999999", ""],
        ["SH-H-0001", "重复的医院", "hospital", HUANGPU, ""],
        ["BJ-H-1", "北京的医院", "hospital", "110102", ""],
    ]
    answer = officer.upload("/relying-parties/import", "parties.csv", _file(bad))
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "relying_parties_refused"
    errors = {(e["row"], e["column"], e["code"]) for e in body["details"]["errors"]}
    assert errors == {
        (3, "party_code", "relying_party_code_invalid"),
        (3, "name", "name_invalid"),
        (3, "kind", "relying_party_kind_invalid"),
        (3, "district", "district_unknown"),
        (4, "party_code", "relying_party_code_duplicate_in_file"),
        (5, "district", "relying_party_district_not_yours"),
    }
    assert all(e["message_zh"] and e["message_en"] for e in body["details"]["errors"])
    # nothing was written: not the good first row, no account, no token
    assert not RelyingParty.objects.exists()
    assert Account.objects.count() == accounts
    assert ApiToken.objects.count() == 1  # the officer's own
