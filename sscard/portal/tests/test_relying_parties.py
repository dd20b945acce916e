"""The relying parties page and its onboarding (SH-03): the file whole or not at all, the tokens
once as a download, scope by city and district; the CLI twin; the verification traffic page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count

from sscard.applications.tests.support import HUANGPU, JINGAN, in_force
from sscard.cards.models import CardVerification
from sscard.cards.tests.support import card, person
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.network.models import RelyingParty
from sscard.portal.models import ApiToken
from sscard.portal.onboarding import relying_parties_onboard
from sscard.portal.services import token_digest
from sscard.registry.services import divisions_load
from sscard.testing.card_life import id_number_of
from sscard.testing.factories import AccountFactory, RelyingPartyFactory

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
HEADER = ["party_code", "name", "kind", "district", "contact"]


def _csv(*rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture(autouse=True)
def _divisions() -> None:
    divisions_load(actor=SYSTEM)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_onboards_a_file_and_hands_the_tokens_over_once(client_for, language):
    officer = AccountFactory.create(city_code="310000")
    client = client_for(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/relying-parties/")
    assert page.status_code == 200
    assert 'id="tokens-once"' in page.content.decode()
    upload = SimpleUploadedFile(
        "p.csv",
        _csv(
            ["H1", "瑞金医院", "hospital", HUANGPU, "信息科"],
            ["P1", "药房", "pharmacy", JINGAN, ""],
        ),
    )
    answer = client.post("/relying-parties/", {"file": upload})
    # the answer is the file of tokens, not cached; the tokens are the stored digests'
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment;")
    assert answer["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    for code, *_rest, token in rows[1:]:
        stored = ApiToken.objects.get(account__relying_party__code=code)
        assert bytes(stored.digest) == token_digest(token)
    # the list then shows them by name, kind and district name (no codes), and the page says
    # what the file did
    listed = client.get("/relying-parties/").content.decode()
    assert "瑞金医院" in listed
    assert ("Huangpu" if language == "en" else "黄浦区") in listed
    assert ">H1<" not in listed


def test_a_refused_file_is_shown_with_its_rows_and_nothing_is_written(client_for):
    client = client_for(AccountFactory.create(city_code="310000"))
    upload = SimpleUploadedFile("p.csv", _csv(["H1", "", "clinic", HUANGPU, ""]))
    page = client.post("/relying-parties/", {"file": upload})
    assert page.status_code == 400
    text = page.content.decode()
    assert 'id="row-errors"' in text
    assert 'id="parties-refused"' in text
    assert not RelyingParty.objects.exists()


def test_a_district_officer_onboards_and_sees_their_own_district_only():
    officer = AccountFactory.create(
        role=Role.DISTRICT_OFFICER, district_code=HUANGPU, city_code="310000"
    )
    actor = officer.actor()
    with pytest.raises(ApplicationError) as refused:
        relying_parties_onboard(
            actor=actor, path=_path(_csv(["P1", "药房", "pharmacy", JINGAN, ""])), file_name="p"
        )
    assert refused.value.details["errors"][0]["code"] == "relying_party_district_not_yours"
    done = relying_parties_onboard(
        actor=actor, path=_path(_csv(["H1", "医院", "hospital", HUANGPU, ""])), file_name="p"
    )
    assert [t.code for t in done.issued] == ["H1"]
    RelyingPartyFactory.create(code="OTHER", district=JINGAN)
    from sscard.network.selectors import relying_party_list

    assert [p.code for p in relying_party_list(actor=actor)] == ["H1"]


def test_other_roles_may_not_open_the_page_nor_onboard(client_for, employer_hr):
    assert client_for(employer_hr).get("/relying-parties/").status_code == 403
    with pytest.raises(ApplicationError) as refused:
        relying_parties_onboard(
            actor=employer_hr.actor(),
            path=_path(_csv(["H1", "医院", "hospital", HUANGPU, ""])),
            file_name="p",
        )
    assert refused.value.code == "permission_denied"


def test_a_code_registered_with_other_data_is_refused():
    RelyingPartyFactory.create(code="H1", name="旧名", district=HUANGPU)
    with pytest.raises(ApplicationError) as refused:
        relying_parties_onboard(
            actor=SYSTEM, path=_path(_csv(["H1", "新名", "hospital", HUANGPU, ""])), file_name="p"
        )
    assert refused.value.details["errors"][0]["code"] == "relying_party_code_exists"


def test_the_cli_writes_the_tokens_to_an_owner_only_file(tmp_path: Path) -> None:
    from sscard.cli import cli

    source = tmp_path / "parties.csv"
    source.write_bytes(_csv(["H1", "医院", "hospital", HUANGPU, ""]))
    out = tmp_path / "tokens.csv"
    result = CliRunner().invoke(
        cli, ["network", "parties", "import", str(source), "--tokens-out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    [row] = list(csv.DictReader(out.open(encoding="utf-8")))
    assert bytes(ApiToken.objects.get().digest) == token_digest(row["token"])
    # the tokens file is never overwritten, and a file already registered issues nothing
    again = CliRunner().invoke(
        cli, ["network", "parties", "import", str(source), "--tokens-out", str(out)]
    )
    assert again.exit_code == 2
    fresh = tmp_path / "again.csv"
    same = CliRunner().invoke(
        cli, ["network", "parties", "import", str(source), "--tokens-out", str(fresh)]
    )
    assert same.exit_code == 0
    assert "no token issued" in same.output
    assert not fresh.exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_traffic_page_counts_as_the_records_do(client_for, language):
    in_force("shanghai-2019")
    hospital = RelyingPartyFactory.create(code="H1", district=HUANGPU)
    RelyingPartyFactory.create(code="H2", district=JINGAN)  # registered, never verifies
    c = card(person(hukou_region=HUANGPU, insured_region=HUANGPU), ss_function="enabled")
    actor = Actor(role=Role.RELYING_PARTY, label="h", relying_party_id=hospital.pk, user_id=1)
    reader = (
        f"{c.card_id_code[:6]}|{id_number_of(c.person)}|{c.card_number}|{c.card_id_code}|"
        f"{c.person.name}|3B6D|3.00|{c.issued_on:%Y%m%d}|{c.valid_until:%Y%m%d}|T1|D1|"
    )
    for _ in range(2):
        assert card_verify(actor=actor, reader_string=reader).status == "valid"
    client = client_for(AccountFactory.create(city_code="310000"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get("/reports/verification-traffic/")
    assert page.status_code == 200
    text = page.content.decode()
    total = CardVerification.objects.filter(relying_party__isnull=False).count()
    live = CardVerification.objects.aggregate(n=Count("relying_party", distinct=True))["n"] or 0
    assert (total, live) == (2, 1)
    assert f"<span data-live>{live}</span>" in text
    assert "400+" in text
    assert f"<td data-total>{total}</td>" in text
    export = client.get("/reports/verification-traffic/export.csv")
    assert export.status_code == 200


def _path(data: bytes) -> Path:
    import tempfile

    handle = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)  # noqa: SIM115
    handle.write(data)
    handle.close()
    return Path(handle.name)


def test_a_district_officer_reads_their_districts_traffic_only(client_for):
    in_force("shanghai-2019")
    mine = RelyingPartyFactory.create(code="H1", district=HUANGPU)
    theirs = RelyingPartyFactory.create(code="H2", district=JINGAN)
    c = card(person(hukou_region=HUANGPU, insured_region=HUANGPU), ss_function="enabled")
    for party in (mine, theirs, theirs):
        actor = Actor(role=Role.RELYING_PARTY, label="p", relying_party_id=party.pk, user_id=1)
        card_verify(
            actor=actor,
            reader_string=(
                f"{c.card_id_code[:6]}|{id_number_of(c.person)}|{c.card_number}|"
                f"{c.card_id_code}|{c.person.name}|3B6D|3.00|{c.issued_on:%Y%m%d}|"
                f"{c.valid_until:%Y%m%d}|T1|D1|"
            ),
        )
    officer = AccountFactory.create(
        role=Role.DISTRICT_OFFICER, district_code=HUANGPU, city_code="310000"
    )
    client = client_for(officer)
    report = client.get("/api/v1/reports/verification-traffic").json()
    assert (
        report["total"] == CardVerification.objects.filter(relying_party__district=HUANGPU).count()
    )
    assert report["total"] == 1
    other = client.get("/api/v1/reports/verification-traffic", {"district": JINGAN})
    assert other.status_code == 403
    assert other.json()["code"] == "statistics_district_not_yours"
    backwards = client.get(
        "/api/v1/reports/verification-traffic", {"starts": "2024-02-01", "ends": "2024-01-01"}
    )
    assert backwards.json()["code"] == "statistics_period_invalid"
