"""A software "virtual card": plays a card's chip in the demo and the tests.

It holds the card's SM2 private key — taken from the key the production centre wrapped for the
factory file — and signs a relying party's challenge exactly as the chip would. A real chip
never gives its key out; nothing but the demo and the tests uses this.
"""

from __future__ import annotations

from sscard.cards.models import Card
from sscard.cards.services.challenge import challenge_message
from sscard.core.crypto import secret_unwrap
from sscard.core.errors import NotFound
from sscard.kernel.gm import Sm2PrivateKey
from sscard.production.models import CardKey
from sscard.production.services.personalise import key_label


class VirtualCard:
    """The chip of one personalised card."""

    def __init__(self, card: Card) -> None:
        record = CardKey.objects.filter(card_id=card.pk).first()
        if record is None:
            raise NotFound("personalised card", what_zh="已个人化的该卡")
        self.card_number = card.card_number
        self._key = Sm2PrivateKey.from_scalar(
            secret_unwrap(bytes(record.key_wrapped), label=key_label(card.pk))
        )

    def answer(self, nonce: bytes) -> bytes:
        """The card's SM2 signature over a challenge's nonce (DER)."""
        return self._key.sign(challenge_message(nonce))
