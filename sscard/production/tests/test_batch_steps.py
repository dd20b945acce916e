"""Only possible steps (issue 12, point 2): a batch is walked through every phase — formed,
personalising, personalised, sent to the factory, its result partly and wholly in, its made
cards dispatched — and in each the batch page offers a step (start, write the factory file,
upload the result, dispatch) exactly when its service accepts it, called for real in a
savepoint that is rolled back. The page, the list and the API name the same phase.

Two defects this closes: the factory file was offered again after the factory's result came
back, and a dispatched batch still read "factory result received".
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Collection
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client

from sscard.applications.tests.support import branch, in_force
from sscard.cards.models import Card
from sscard.core.errors import ApplicationError
from sscard.delivery.services import batch_dispatch
from sscard.delivery.tests.page_support import applicant, applied_at, today
from sscard.production.models import Batch
from sscard.production.services import (
    batch_export,
    batch_start,
    batches_form,
    factory_result_import,
)
from sscard.production.services.factory import RESULT_HEADER
from sscard.production.services.personalise import batch_personalise
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import OPERATOR
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


def accepts(call: Callable[[], object]) -> bool:
    try:
        with transaction.atomic():
            if call() is False:
                return False
            raise _Rollback
    except _Rollback:
        return True
    except ApplicationError:
        return False


def result_file(batch: Batch, numbers: Collection[str] | None = None) -> bytes:
    """A result for the batch's cards (those numbered, else all): each made."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULT_HEADER)
    cards = Card.objects.filter(batch_entry__batch=batch).order_by("card_number")
    for card in cards:
        if numbers is None or card.card_number in numbers:
            writer.writerow([card.card_number, card.card_id_code, "made", ""])
    return out.getvalue().encode()


def accepted(batch: Batch, waiting: Collection[str]) -> set[str]:
    """The steps whose services accept now. A result file lists the cards the factory has
    not answered for yet (all of them, once it has answered for every one)."""
    day = today()
    with tempfile.TemporaryDirectory() as tmp:
        calls: dict[str, Callable[[], object]] = {
            "start": lambda: batch_start(actor=OPERATOR, batch_id=batch.pk, queue=False),
            "export": lambda: batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=Path(tmp)),
            "upload": lambda: factory_result_import(
                actor=OPERATOR,
                batch_id=batch.pk,
                data=result_file(batch, waiting or None),
                today=day,
            ),
            # the dispatch sends what is made and not yet on its way; with nothing, nothing
            "dispatch": lambda: batch_dispatch(actor=OPERATOR, batch_id=batch.pk).total > 0,
        }
        return {name for name, call in calls.items() if accepts(call)}


def offered(page: Client, batch: Batch) -> tuple[str, set[str]]:
    """The batch page's phase and the next steps it offers."""
    body = page.get(f"/production/batches/{batch.pk}/").content.decode()
    phase = re.search(r'data-phase="([a-z_]+)"', body)
    assert phase is not None
    steps = body[body.index("data-next-steps") :]
    steps = steps[: steps.index("</section>")]
    urls = {
        "start": f"/production/batches/{batch.pk}/start/",
        "export": f"/production/batches/{batch.pk}/export/",
        "upload": 'href="#result"',
        "dispatch": f"/production/batches/{batch.pk}/dispatch/",
    }
    return phase.group(1), {name for name, url in urls.items() if url in steps}


def test_every_phase_of_a_batch_offers_exactly_the_steps_its_services_accept(
    client_for, settings, tmp_path
):
    settings.SSCARD_FACTORY_DIR = tmp_path / "factory"
    in_force("beijing-2024")
    home = branch("ICBC")
    for _ in range(2):
        applied_at(home, applicant()[0])
    account = AccountFactory.create(production_operator=True)
    page, api = client_for(account), ApiClient(account)
    (batch,) = batches_form(actor=OPERATOR, today=today())
    numbers = sorted(
        Card.objects.filter(batch_entry__batch=batch).values_list("card_number", flat=True)
    )

    def check(phase: str, steps: set[str], waiting: Collection[str] = ()) -> None:
        batch.refresh_from_db()
        shown, offers = offered(page, batch)
        assert (shown, offers) == (phase, steps)
        assert offers == accepted(batch, waiting), phase
        body = api.get(f"/production/batches/{batch.pk}").json()
        assert body["phase"] == phase
        assert {k for k, v in body["next"].items() if v} == {
            {"upload": "upload_result"}.get(s, s) for s in steps
        }
        listed = page.get("/production/").content.decode()
        row = listed[listed.index(f'id="batch-{batch.pk}"') :]
        assert f'data-phase="{phase}"' in row[: row.index("</tr>")]

    check("formed", {"start"})
    batch_start(actor=OPERATOR, batch_id=batch.pk, queue=False)
    check("personalising", {"start"})  # a stopped personalisation resumes
    batch_personalise(batch_id=batch.pk)
    check("personalised", {"export"})
    batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path / "factory")
    # the file may be written again while the factory has not answered (a lost transfer)
    check("exported", {"export", "upload"})
    first, rest = numbers[:1], numbers[1:]
    factory_result_import(
        actor=OPERATOR, batch_id=batch.pk, data=result_file(batch, first), today=today()
    )
    # part of the result is in: no new file (it would list made cards), the rest to upload,
    # and the made card may go
    check("results_partial", {"upload", "dispatch"}, waiting=rest)
    factory_result_import(
        actor=OPERATOR, batch_id=batch.pk, data=result_file(batch, rest), today=today()
    )
    check("results_in", {"dispatch"})
    batch_dispatch(actor=OPERATOR, batch_id=batch.pk)
    check("dispatched", set())
