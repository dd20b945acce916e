"""No input gives a server error: schemathesis fuzzes every operation of ``/api/v1/openapi.json``
(issue 10, point 5).

The document is read from the running application, as a client reads it, and every operation is
called with requests generated from it: valid ones (positive) and ones that break it on purpose
(negative: wrong types, missing fields, strings with NUL bytes, out-of-range numbers), with a
city officer's bearer token (who may do most things) and with a cardholder's and a relying
party's (who may do little). The requests go through Django's whole stack — every middleware,
the API's error mapping — on the test database (SQLite or PostgreSQL), with a small demo city in
it: divisions and banks, Beijing's pack in force, two employers with staff, a bank branch, a
community centre, a relying party, a collective application whose cards were made, handed over
and enabled, and a second one waiting for production.

Any 5xx fails the test, which lists each with the operation and a curl line that repeats it.
The run prints how many requests it made and how many server errors it saw.

Budget: ``SSCARD_FUZZ_EXAMPLES`` examples per operation, role and mode (default 30, some
operations have fewer distinct requests); ``SSCARD_FUZZ_SEED`` picks the examples (fixed by
default, so CI repeats the same run; change it to explore).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from sscard.campaigns.services import campaign_put_in_force
from sscard.core.actors import Actor, Role
from sscard.network.services import banks_load
from sscard.policy import builtin_pack
from sscard.portal.models import Account
from sscard.portal.services import api_token_create, demo_accounts_create
from sscard.registry.services import divisions_load
from sscard.testing.demo import demo_cards_create
from sscard.testing.factories import (
    EmployerFactory,
    OutletFactory,
    PersonFactory,
    RelyingPartyFactory,
)

# One transaction for the whole run (rolled back at the end): thousands of commits would only
# make the run slower, and every service still runs its own transaction as a savepoint.
pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("SSCARD_FUZZ_EXAMPLES", "30"))
SEED = int(os.environ.get("SSCARD_FUZZ_SEED", "20240304"))
MINIMUM_REQUESTS = int(os.environ.get("SSCARD_FUZZ_MINIMUM_REQUESTS", "10000"))
SYSTEM = Actor.system("fuzz")
ROLES = (Role.CITY_OFFICER, Role.CARDHOLDER, Role.RELYING_PARTY)


@dataclass
class Tally:
    """What the run sent and what came back."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    unsatisfiable: list[str] = field(default_factory=list)

    def count(self, label: str, case: schemathesis.Case[Any], status: int) -> None:
        self.requests += 1
        self.statuses[status] += 1
        if status >= 500:
            self.server_errors.append(f"{label} → {status}\n    {case.as_curl_command()}")


def _demo_city() -> None:
    """A small demo city with the platform's own services (see the module's docstring)."""
    divisions_load(actor=SYSTEM)
    banks_load(actor=SYSTEM)
    campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("beijing-2024"))
    for size in (14, 6):
        employer = EmployerFactory.create()
        PersonFactory.create_batch(size, employer=employer)
    OutletFactory.create()
    OutletFactory.create(community_centre=True)
    RelyingPartyFactory.create()
    demo_accounts_create(actor=SYSTEM, city_code="110000")
    demo_cards_create(today=timezone.localdate())


def _token(role: Role) -> str:
    account = Account.objects.filter(role=role).order_by("pk").first()
    assert account is not None, f"the demo has no {role.value} account"
    _row, token = api_token_create(actor=SYSTEM, account=account, name="fuzz")
    return token


@pytest.fixture
def application() -> Iterator[WSGIHandler]:
    """Django's WSGI application, called in-process on the test's database connection.

    As Django's test client does, the request signals must not close that connection.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz_operation(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    token: str,
    label: str,
    tally: Tally,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case[Any]) -> None:
        response = case.call(headers=headers)
        tally.count(label, case, response.status_code)

    try:
        run()
    except Unsatisfiable:
        tally.unsatisfiable.append(label)


@pytest.fixture
def quiet_request_log() -> Iterator[None]:
    """Every refused request logs a warning; thousands of them only slow the run down."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)  # a server error is still logged, with its traceback
    try:
        yield
    finally:
        logger.setLevel(level)


# The run is split by role and mode, so that ``-n 2`` gives each core its share; each part holds
# its share of the minimum, so the whole run still makes at least ``MINIMUM_REQUESTS``.
PARTS = [
    (role, mode) for role in ROLES for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
]


@pytest.mark.parametrize(
    ("role", "mode"), PARTS, ids=[f"{role.value}-{mode.value}" for role, mode in PARTS]
)
def test_no_generated_request_gets_a_server_error(
    application: WSGIHandler,
    quiet_request_log: None,
    record_property: Callable[[str, object], None],
    role: Role,
    mode: GenerationMode,
) -> None:
    # given a small demo city and a bearer token for one of a privileged and two unprivileged
    # roles
    _demo_city()
    token = _token(role)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document has an invalid operation: {result.err()}"
        operations.append(result.ok())
    tally = Tally()

    # when every operation is called with requests of this mode (valid or invalid) generated
    # from the document
    for operation in operations:
        label = f"{role.value} {mode.value} {operation.label}"
        _fuzz_operation(operation, mode, token, label, tally)

    # then none of them got a server error, and the part was as large as its budget says
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(tally.statuses.items()))
    print(
        f"\nfuzz: {tally.requests} {mode.value} requests to {len(operations)} operations as "
        f"{role.value}, {len(tally.server_errors)} server errors (seed {SEED}, "
        f"{EXAMPLES} examples per operation)\nfuzz: statuses {statuses}"
    )
    # (the conftest adds up the parts, which may run in other processes, and prints the whole)
    record_property("fuzz_requests", tally.requests)
    record_property("fuzz_statuses", dict(tally.statuses))
    record_property("fuzz_server_errors", len(tally.server_errors))
    assert tally.server_errors == [], "\n".join(tally.server_errors[:50])
    share = -(-MINIMUM_REQUESTS // len(PARTS))
    assert tally.requests >= share, (
        f"only {tally.requests} requests of the {share} this part must make; raise "
        "SSCARD_FUZZ_EXAMPLES"
    )
