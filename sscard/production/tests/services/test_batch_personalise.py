"""batch_start and batch_personalise: every card of a batch gets an SM2 key pair and one
certificate of the issuing CA, chunk by chunk, and the batch is personalised once none is left
(BJ-01: a card's SM2 certificate is issued at personalisation)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sscard.applications.collective import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.cards.authority import chain_of
from sscard.cards.models import Card, CardCertificate
from sscard.core.actors import Actor, Role
from sscard.core.crypto import secret_unwrap
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.errors import KernelError
from sscard.kernel.gm import Sm2PrivateKey
from sscard.kernel.pki import verify_chain
from sscard.production.models import Batch, CardKey
from sscard.production.personalise import batch_personalise, batch_personalise_step, key_label
from sscard.production.services import batch_start, batches_form
from sscard.testing.card_life import OPERATOR

pytestmark = pytest.mark.django_db


def formed_batch(size: int) -> Batch:
    """A batch of ``size`` pilot staff's cards, formed and not started."""
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    return batch


def stages(batch: Batch) -> list[str]:
    return list(
        Card.objects.filter(batch_entry__batch=batch).order_by("pk").values_list("stage", flat=True)
    )


def test_every_card_gets_one_certificate_the_issuing_ca_chain_verifies() -> None:
    # given a started batch of three cards
    batch = formed_batch(3)
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    # when the workers personalise it
    assert batch_personalise(batch_id=batch.pk) == 3
    # then every card has exactly one certificate, for its own card identification code
    cards = list(Card.objects.filter(batch_entry__batch=batch).order_by("pk"))
    assert CardCertificate.objects.filter(card__in=cards).count() == 3
    now = datetime.now(tz=UTC)
    for card in cards:
        cert = CardCertificate.objects.get(card=card)
        chain = chain_of(cert.authority_id)
        assert chain is not None
        info = verify_chain(bytes(cert.der), chain, at=now)
        assert card.card_id_code in info.subject_common_name
        assert info.serial == int(cert.serial, 16)
        assert not info.is_ca
    assert len({c.serial for c in CardCertificate.objects.all()}) == 3
    # and the batch is personalised, its cards too
    batch.refresh_from_db()
    assert batch.status == "personalised"
    assert batch.personalised_at is not None
    assert stages(batch) == ["personalised"] * 3


def test_a_cards_wrapped_key_opens_for_that_card_only_and_matches_its_certificate() -> None:
    batch = formed_batch(2)
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    batch_personalise(batch_id=batch.pk)
    first, second = Card.objects.filter(batch_entry__batch=batch).order_by("pk")
    wrapped = bytes(CardKey.objects.get(card=first).key_wrapped)
    # the key opens under its own card's label, and signs what the certificate's key verifies
    key = Sm2PrivateKey.from_scalar(secret_unwrap(wrapped, label=key_label(first.pk)))
    cert = CardCertificate.objects.get(card=first)
    chain = chain_of(cert.authority_id)
    assert chain is not None
    info = verify_chain(bytes(cert.der), chain, at=datetime.now(tz=UTC))
    assert info.public_key.verify(key.sign(b"challenge"), b"challenge")
    # and copied onto another card it does not open
    with pytest.raises(KernelError) as refused:
        secret_unwrap(wrapped, label=key_label(second.pk))
    assert refused.value.code == "sm4_auth_failed"
    # nor does the other card's certificate accept this key's signature
    other = verify_chain(
        bytes(CardCertificate.objects.get(card=second).der), chain, at=datetime.now(tz=UTC)
    )
    assert not other.public_key.verify(key.sign(b"challenge"), b"challenge")


def test_personalisation_goes_chunk_by_chunk_and_the_batch_flips_after_the_last() -> None:
    batch = formed_batch(3)
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    assert batch_personalise_step(batch_id=batch.pk, size=2) == 2
    batch.refresh_from_db()
    assert batch.status == "personalising"
    assert stages(batch) == ["personalised", "personalised", "ordered"]
    assert batch_personalise_step(batch_id=batch.pk, size=2) == 1
    batch.refresh_from_db()
    assert batch.status == "personalised"
    # a worker that comes late finds nothing and changes nothing
    before = AuditEvent.objects.count()
    assert batch_personalise_step(batch_id=batch.pk, size=2) == 0
    assert AuditEvent.objects.count() == before
    chunks = AuditEvent.objects.filter(action="cards_personalise", object_id=str(batch.pk))
    assert sorted(e.changes["cards"] for e in chunks) == [1, 2]
    assert AuditEvent.objects.filter(action="batch_personalised").count() == 1


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
