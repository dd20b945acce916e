"""A refused policy pack upload comes back on the campaign page with EVERY error of the pack,
each located (line of the YAML text, key path) and in the page's language, the pack chosen
from the list kept, and a word that the file must be chosen again (issue 12, point 7)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.campaigns.models import Campaign
from sscard.policy.loader import PACKS_DIR
from sscard.portal.models import Account
from sscard.testing.fixtures import ClientFor

pytestmark = pytest.mark.django_db


def _bad_pack() -> bytes:
    """The Beijing pack with an unknown top-level key (line 18) and a word for a number of
    years (the second-generation card's term, line 66): two errors in two places."""
    text = (PACKS_DIR / "beijing-2024.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[16] == "timezone: Asia/Shanghai"
    assert lines[63:65] == ["  - generation: 2", "    years: 10"]
    lines.insert(17, "colour: blue")
    lines[65] = "    years: ten"
    return ("\n".join(lines) + "\n").encode()


def test_every_error_of_a_refused_pack_is_listed_with_its_line_and_key(
    city_officer: Account, client_for: ClientFor
) -> None:
    client = client_for(city_officer)
    upload = SimpleUploadedFile("pack.yaml", _bad_pack(), "application/yaml")
    # when the pack is uploaded, with a built-in pack also chosen in the list
    answer = client.post(
        "/campaigns/put-in-force/", {"pack_id": "shanghai-2019", "pack_file": upload}
    )
    # then the campaign page comes back, nothing put into force
    assert answer.status_code == 400
    assert not Campaign.objects.exists()
    page = answer.content.decode()
    assert 'id="pack-errors"' in page
    # with both errors, each at its line and key, in Chinese
    assert "第 66 行 · <code>validity[1].years</code>: 应为整数" in page
    assert "第 18 行 · <code>colour</code>: 未知字段“colour”。" in page
    # and the choice from the list kept, the file to be chosen again
    assert '<option value="shanghai-2019" selected>' in page
    assert "请重新选择政策包文件" in page


def test_the_errors_read_in_english_and_a_yaml_syntax_error_names_its_line(
    city_officer: Account, client_for: ClientFor
) -> None:
    client = client_for(city_officer)
    client.cookies["django_language"] = "en"
    upload = SimpleUploadedFile("pack.yaml", b"id: x\n  bad: [\n", "application/yaml")
    answer = client.post("/campaigns/put-in-force/", {"pack_file": upload})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Line 2 · The pack is not valid YAML: line 2: mapping values are not allowed" in page
    assert "choose the pack file again" in page
    # a pack file that is not UTF-8 is refused on the page as well
    latin = SimpleUploadedFile("pack.yaml", "id: café\n".encode("latin-1"), "application/yaml")
    answer = client.post("/campaigns/put-in-force/", {"pack_file": latin})
    assert answer.status_code == 400
    assert 'id="pack-errors"' in answer.content.decode()
    assert not Campaign.objects.exists()
