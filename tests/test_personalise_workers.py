"""Two real Celery workers, in processes of their own, share one batch's personalisation.

The test process forms a batch of ordered cards in the test database and starts it with
``batch_start``, as the operator does; the start's commit hook queues the tasks on a broker
(RabbitMQ, or Redis) on a queue of this test's own. Two ``celery -A config worker`` processes
on that queue, pointed at the test database, claim chunks with ``SELECT … FOR UPDATE SKIP
LOCKED``. Every card must come out personalised exactly once, by the two of them.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from sscard.core.actors import Actor
from sscard.production.choices import BatchStatus
from sscard.production.models import Batch
from sscard.production.services import batch_start
from sscard.production.services.personalise import worker_name
from sscard.testing.personalisation import batch_state, ordered_batch
from sscard.testing.workers import (
    RABBITMQ_URL,
    REDIS_URL,
    celery_workers,
    database_url,
    project_celery,
    queue_delete,
    worker_env,
)

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: workers in other processes claim chunks with SKIP LOCKED"
    ),
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

CARDS = 600
CHUNK = 50
WORKERS = 2


def _wait_personalised(batch: Batch, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status == BatchStatus.PERSONALISED:
            return
        time.sleep(0.2)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("broker", [RABBITMQ_URL, REDIS_URL], ids=["rabbitmq", "redis"])
def test_two_worker_processes_personalise_a_batch_once(
    broker: str, tmp_path: Path, settings: Settings
) -> None:
    # given a batch of ordered cards, and two workers on a queue of this test's own
    batch = ordered_batch(CARDS)
    settings.SSCARD_PERSONALISE_TASKS = WORKERS  # one task each: both must take part
    queue = f"sscard-test-personalise-{uuid.uuid4().hex}"
    env = worker_env(
        database=database_url(connection.settings_dict),
        broker=broker,
        SSCARD_PERSONALISE_CHUNK=str(CHUNK),
    )
    try:
        with (
            celery_workers(WORKERS, queue=queue, env=env, log_dir=tmp_path) as workers,
            project_celery(broker=broker, queue=queue),
        ):
            # when the operator starts the batch (its commit queues the tasks on the broker)
            batch_start(actor=Actor.system("test"), batch_id=batch.pk)
            _wait_personalised(batch, timeout=60)
            logs = {w.name: w.text() for w in workers}
    finally:
        queue_delete(broker=broker, queue=queue)

    # then the batch is personalised, every card exactly once
    assert batch.status == BatchStatus.PERSONALISED, logs
    state = batch_state(batch.pk, verify=True, keys_every=10)
    assert state["stages"] == {"personalised": CARDS}
    assert state["certificates"] == state["keys"] == CARDS
    assert state["duplicate_serials"] == 0
    assert state["duplicate_card_numbers"] == 0
    assert state["audited_cards"] == CARDS
    assert state["audited_twice"] == 0
    assert state["personalised_not_audited"] == 0
    assert state["audit_chain_ok"] is True
    # by both workers (each names itself in its chunks' audit events), not by this process
    workers_seen = state["workers"]
    assert len(workers_seen) == WORKERS, workers_seen
    assert all(cards > 0 for cards in workers_seen.values()), workers_seen
    assert worker_name() not in workers_seen
    # and no task failed on the way
    for name, text in logs.items():
        assert "Traceback" not in text, f"{name}:\n{text}"
        assert "raised unexpected" not in text, f"{name}:\n{text}"
    # and every certificate verifies up to the root and holds its card's key
    assert state["certificate_problems"] == {}
    assert state["certificates_verified"] == CARDS
