"""The selections of a mass action on cards that production's records give: a production batch
(its cards, remade ones included through their batch entry), and a card-factory file (制卡数据
文件: the lot sent to the factory for a batch; its cards are the batch's that the factory made,
or all the batch's while no result has come back). Registered with the cards' mass actions in
production's ``AppConfig.ready()`` (cards may not import production)."""

from __future__ import annotations

from django.db.models import QuerySet

from sscard.cards.choices import MassSelection
from sscard.cards.models import Card
from sscard.cards.services.mass import mass_selection_register, selection_invalid
from sscard.production.choices import FactoryOutcome
from sscard.production.models import FactoryExport


def _id(value: str) -> int:
    text = value.strip().lstrip("#")
    if not text.isdigit():
        raise selection_invalid(reason="id")
    return int(text)


def batch_cards(value: str) -> QuerySet[Card]:
    """The cards of the production batch ``value`` (its number)."""
    return Card.objects.filter(batch_entry__batch_id=_id(value))


def lot_cards(value: str) -> QuerySet[Card]:
    """The cards of the card-factory file ``value`` (its number): its batch's, less those the
    factory reported defective (they were cancelled and remade)."""
    export = FactoryExport.objects.filter(pk=_id(value)).first()
    if export is None:
        raise selection_invalid(reason="lot")
    return Card.objects.filter(batch_entry__batch_id=export.batch_id).exclude(
        batch_entry__outcome=FactoryOutcome.DEFECTIVE
    )


def register_selections() -> None:
    mass_selection_register(MassSelection.BATCH, batch_cards)
    mass_selection_register(MassSelection.LOT, lot_cards)
