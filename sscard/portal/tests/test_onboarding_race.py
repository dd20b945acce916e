"""Two officers onboard overlapping files at the same moment on PostgreSQL: both succeed, every
party is written once with exactly one account and one token, and the one that runs second
finds the shared row unchanged (never refused for an account name the other has just taken,
never failed on the unique index) and adds only its own.

Without the onboarding's lock (``sscard.core.locks``) this failed both ways: the second file
was refused with ``relying_party_account_taken`` (its party read saw nothing, its account read
saw the other's commit) or with ``relying_parties_conflict``."""

from __future__ import annotations

import csv
import io
import tempfile
from functools import partial
from pathlib import Path

import pytest
from django.db.models import Count

from sscard.applications.tests.support import HUANGPU
from sscard.core.actors import Actor
from sscard.network.models import RelyingParty
from sscard.portal.models import Account, ApiToken
from sscard.portal.onboarding import Onboarding, relying_parties_onboard
from sscard.registry.services import divisions_load
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: two connections inserting the same codes at once (SQLite "
        "serialises every writer, so there is no race to lose)"
    ),
    pytest.mark.django_db(transaction=True),
]

SYSTEM = Actor.system("test")
ROUNDS = 5


def _file(*codes: str) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["party_code", "name", "kind", "district", "contact"])
    for code in codes:
        writer.writerow([code, f"医院{code}", "hospital", HUANGPU, ""])
    handle = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)  # noqa: SIM115
    handle.write(out.getvalue().encode())
    handle.close()
    return Path(handle.name)


def _race(files: dict[str, Path]) -> dict[str, Onboarding | str]:
    calls = {
        name: partial(relying_parties_onboard, actor=SYSTEM, path=path, file_name=name)
        for name, path in files.items()
    }
    return race(calls)


def test_overlapping_files_onboarded_at_once_write_each_party_once_with_one_token():
    divisions_load(actor=SYSTEM)
    for n in range(ROUNDS):
        first, shared, second = f"A{n}", f"S{n}", f"B{n}"
        outcomes = _race({"a": _file(first, shared), "b": _file(shared, second)})
        assert all(isinstance(o, Onboarding) for o in outcomes.values()), outcomes
        done = [o for o in outcomes.values() if isinstance(o, Onboarding)]
        issued = [t.code for o in done for t in o.issued]
        assert sorted(issued) == sorted([first, shared, second])  # each once
        assert sorted(o.unchanged for o in done) == [0, 1]  # the second found the shared row
        written = RelyingParty.objects.filter(code__in=[first, shared, second])
        assert written.count() == 3
    # one account per party and one token per account, across every round
    accounts = Account.objects.filter(relying_party__isnull=False)
    assert accounts.count() == RelyingParty.objects.count()
    assert not accounts.values("relying_party").annotate(n=Count("pk")).filter(n__gt=1).exists()
    tokens = ApiToken.objects.filter(account__in=accounts)
    assert tokens.count() == accounts.count()
