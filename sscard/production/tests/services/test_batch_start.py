"""batch_start: a formed batch goes to the workers once the start commits; a batch stopped
half-way resumes where it was; a personalised one is not started again."""

from __future__ import annotations

import pytest

from sscard.cards.models import CardCertificate
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.production.services import batch_start
from sscard.production.services.personalise import batch_personalise, batch_personalise_step
from sscard.production.tests.support import formed_batch
from sscard.testing.card_life import OPERATOR

pytestmark = pytest.mark.django_db


def test_start_is_audited_and_a_stopped_batch_resumes_where_it_was() -> None:
    batch = formed_batch(3)
    started = batch_start(actor=OPERATOR, batch_id=batch.pk)
    assert started.status == "personalising"
    batch_personalise_step(batch_id=batch.pk, size=1)
    # a worker was killed: the operator starts the batch again
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    assert batch_personalise(batch_id=batch.pk) == 2
    actions = list(
        AuditEvent.objects.filter(object_type="production.batch", object_id=str(batch.pk))
        .filter(action__in=["batch_start", "batch_resume"])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["batch_start", "batch_resume"]
    assert CardCertificate.objects.count() == 3


def test_a_personalised_batch_cannot_be_started_again() -> None:
    batch = formed_batch(1)
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    batch_personalise(batch_id=batch.pk)
    before = (AuditEvent.objects.count(), CardCertificate.objects.count())
    with pytest.raises(ApplicationError) as refused:
        batch_start(actor=OPERATOR, batch_id=batch.pk)
    assert (refused.value.code, refused.value.status) == ("batch_not_startable", 409)
    assert refused.value.details == {"status": "personalised"}
    assert (AuditEvent.objects.count(), CardCertificate.objects.count()) == before


def test_starting_an_unknown_batch_is_not_found() -> None:
    with pytest.raises(ApplicationError) as refused:
        batch_start(actor=OPERATOR, batch_id=404)
    assert refused.value.code == "not_found"


@pytest.mark.parametrize("role", [Role.BANK_CLERK, Role.CARDHOLDER, Role.EMPLOYER_HR])
def test_only_production_starts_a_batch(role: Role) -> None:
    batch = formed_batch(1)
    with pytest.raises(ApplicationError) as refused:
        batch_start(actor=Actor(role=role, label="someone"), batch_id=batch.pk)
    assert refused.value.code == "permission_denied"
    batch.refresh_from_db()
    assert batch.status == "formed"


def test_a_started_batch_is_personalised_by_the_workers_once_the_start_commits(
    django_capture_on_commit_callbacks,
):
    # the tests run the queue in-process (CELERY_TASK_ALWAYS_EAGER): what a worker would do
    batch = formed_batch(2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch_start(actor=OPERATOR, batch_id=batch.pk)
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == "personalised"
    assert CardCertificate.objects.count() == 2
