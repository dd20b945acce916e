"""API input and output of delivery: the post's events, an outlet's stock, the holder served at
the counter with their cards and the actions offered, dispatch."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from sscard.cards.schemas import CardOut
from sscard.delivery.counter import COUNTER_ACTIONS


class PostEventIn(Schema):
    """What the post reports about one item (its API calls this for every event)."""

    tracking_number: str = Field(max_length=32)
    event: Literal["delivered", "failed"]
    occurred_at: datetime
    event_id: str = Field(default="", max_length=64)
    reason: str = Field(default="", max_length=200)


class PostEventOut(Schema):
    changed: bool
    note: str
    tracking_number: str
    shipment_status: str
    rerouted_to: str | None


class StockOut(Schema):
    shipment_id: int
    card_id: int
    card_number: str
    masked_name: str
    method: str
    status: str
    dispatched_at: datetime
    received_at: datetime | None


class ReceivedOut(Schema):
    received: int


class HolderIn(Schema):
    """The ID number read off the holder's ID card at the counter."""

    id_number: str = Field(max_length=32)


class CounterCardOut(CardOut):
    """A card of the person served, and the counter actions the services would accept now
    (the buttons the counter page shows)."""

    actions: list[str] = Field(description="any of: " + ", ".join(COUNTER_ACTIONS))
    shipment_method: str | None
    shipment_status: str | None


class ServedOut(Schema):
    masked_name: str
    cards: list[CounterCardOut]


class InstantIn(HolderIn):
    reason: Literal["lost", "damaged"]


class DispatchOut(Schema):
    outlet: int
    post: int
    visit: int
