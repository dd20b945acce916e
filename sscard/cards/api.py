"""API operations of the cards: verification for relying parties."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from typing import Any

from django.http import HttpRequest
from ninja import Router

from sscard.cards.schemas import VerifyIn, VerifyOut
from sscard.cards.verify import Verification, card_verify
from sscard.core.schemas import ERRORS
from sscard.core.views import request_actor

router = Router(tags=["cards"])


def verification_body(answer: Verification) -> dict[str, Any]:
    """The JSON answer of a verification, keys in ``VerifyOut``'s order.

    The lean route (``config/fastverify.py``) renders this dict as it is, with the API's own
    renderer, so that both routes give the same bytes.
    """
    return {
        "status": str(answer.status),
        "generation": answer.generation,
        "functions": list(answer.functions),
        "interfaces": list(answer.interfaces),
        "masked_name": answer.masked_name,
        "checked_at": answer.checked_at,
    }


@router.post("/cards/verify", response={200: VerifyOut, **ERRORS})
def verify_card(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    """Verify a card: its status, generation, functions and the holder's masked name."""
    answer = card_verify(
        actor=request_actor(request),
        card_number=payload.card_number,
        reader_string=payload.reader_string,
    )
    return verification_body(answer)
