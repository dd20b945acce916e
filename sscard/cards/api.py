"""API operations of the cards: verification for relying parties."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router

from sscard.cards.schemas import VerifyIn, VerifyOut
from sscard.cards.verify import card_verify
from sscard.core.schemas import ERRORS
from sscard.core.views import request_actor

router = Router(tags=["cards"])


@router.post("/cards/verify", response={200: VerifyOut, **ERRORS})
def verify_card(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    """Verify a card: its status, generation, functions and the holder's masked name."""
    answer = card_verify(
        actor=request_actor(request),
        card_number=payload.card_number,
        reader_string=payload.reader_string,
    )
    body = asdict(answer)
    body["status"] = str(answer.status)
    return body
