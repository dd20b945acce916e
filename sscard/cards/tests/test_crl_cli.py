"""``sscard card crl``: the current CRL written as the API serves it; no issuing CA → exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import RevocationList
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.cli import cli
from sscard.kernel.pki import from_pem, verify_crl
from sscard.testing.card_life import produce

pytestmark = pytest.mark.django_db


def test_the_cli_writes_the_crl(tmp_path: Path) -> None:
    refused = CliRunner().invoke(cli, ["card", "crl"])
    assert refused.exit_code == 2
    assert "crl_no_authority" in refused.output
    beijing_pilot_unit()
    produce(day=BJ_PILOT_DAY)
    out = tmp_path / "crl.pem"
    done = CliRunner().invoke(cli, ["card", "crl", "--out", str(out), "--pem"])
    assert done.exit_code == 0, done.output
    latest = RevocationList.objects.get()
    der = from_pem(out.read_text(), "X509 CRL")
    assert der == bytes(latest.der)
    assert verify_crl(der, bytes(latest.authority.certificate)).crl_number == latest.number
