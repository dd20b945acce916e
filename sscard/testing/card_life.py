"""Take applications through a card's life with the platform's own services, for tests, the
demo and the browser journeys: batch, personalise, the factory round trip, dispatch, stock,
hand-over. Each step is the service a person or a worker would call; nothing pokes rows.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path

from sscard.applications.models import Application
from sscard.cards.models import Card
from sscard.cards.services.authority import authority_ensure
from sscard.core.actors import Actor, Role
from sscard.core.crypto import ID_NUMBER, field_cipher
from sscard.delivery.services import batch_dispatch, card_hand_over, outlet_receive
from sscard.network.models import Outlet
from sscard.production.models import Batch, FactoryResult
from sscard.production.services import (
    batch_export,
    batch_start,
    batches_form,
    factory_result_import,
)
from sscard.production.services.factory import factory_key
from sscard.production.services.personalise import batch_personalise
from sscard.registry.models import Person
from sscard.testing.card_factory import factory_read, factory_result

OPERATOR = Actor(role=Role.PRODUCTION_OPERATOR, label="operator")


def id_number_of(person: Person) -> str:
    """The person's ID number in the clear, as the clerk reads it off their ID card."""
    return field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER)


def clerk_of(outlet: Outlet) -> Actor:
    role = Role.COMMUNITY_CLERK if outlet.kind == "community_centre" else Role.BANK_CLERK
    return Actor(role=role, label=f"clerk@{outlet.code}", outlet_id=outlet.pk)


def root() -> bytes:
    """The card scheme's root certificate, as the factory keeps it (given out of band)."""
    return authority_ensure(actor=OPERATOR).root_certificate


def personalise(batch: Batch) -> None:
    """Start the batch and do what a worker does (the tests run no worker)."""
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    batch_personalise(batch_id=batch.pk)


def factory_round_trip(
    batch: Batch, *, day: date, defective: Collection[str] = (), out_dir: Path | None = None
) -> FactoryResult:
    """Export the batch's file, let the stand-in factory make it, import its result."""
    with tempfile.TemporaryDirectory(prefix="sscard-factory-") as tmp:
        files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=out_dir or Path(tmp))
        intake = factory_read(
            data=files.data, manifest=files.manifest, key=factory_key(), trusted_root=root()
        )
    return factory_result_import(
        actor=OPERATOR,
        batch_id=batch.pk,
        data=factory_result(intake, defective=defective),
        today=day,
    )


def produce(
    *, day: date, defective: Collection[str] = (), out_dir: Path | None = None
) -> list[Batch]:
    """Batch every submitted application, personalise, and have the factory make the cards
    (those numbered in ``defective`` come back defective and are remade in a remake batch,
    which is made too). Answers the batches formed, remake batches last.

    The factory files are written to ``out_dir`` (a temporary directory, gone after, if
    none): the demo keeps them where the batch page serves them from."""
    batches = batches_form(actor=OPERATOR, today=day)
    done: list[Batch] = []
    queue = list(batches)
    while queue:
        batch = queue.pop(0)
        personalise(batch)
        result = factory_round_trip(batch, day=day, defective=defective, out_dir=out_dir)
        done.append(batch)
        if result.remake_batch is not None:
            queue.append(result.remake_batch)
    return done


def dispatch(batches: Sequence[Batch]) -> None:
    for batch in batches:
        batch_dispatch(actor=OPERATOR, batch_id=batch.pk)


def card_of(application: Application) -> Card:
    """The application's good card (a remake where the first was defective)."""
    return (
        Card.objects.filter(application=application)
        .exclude(stage="defective")
        .select_related("person")
        .get()
    )


def collect_at(outlet: Outlet, application: Application) -> Card:
    """The outlet takes its stock in and hands the application's card to its holder."""
    clerk = clerk_of(outlet)
    outlet_receive(actor=clerk)
    card = card_of(application)
    return card_hand_over(actor=clerk, card=card, id_number=id_number_of(card.person))


def issue(applications: Sequence[Application], *, day: date) -> list[Card]:
    """Make and dispatch the cards of these (and any other submitted) applications."""
    dispatch(produce(day=day))
    return [card_of(a) for a in applications]
