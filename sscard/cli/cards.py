"""``sscard card``: the demo's virtual card."""

from __future__ import annotations

import sys

import click

from sscard.cli.common import _console, _django, cli


@cli.group()
def card() -> None:
    """Cards: the demo's virtual card."""


@card.command("sign-challenge")
@click.option("--card-number", required=True)
@click.option("--nonce", required=True, help="The challenge's nonce, hex, as the API gave it.")
def card_sign_challenge(card_number: str, nonce: str) -> None:
    """Answer a challenge as the card's chip would: print the SM2 signature (base64).

    The demo's "virtual card": it holds the key the production centre made for the card. A real
    chip never gives its key out; use this with /api/v1/cards/challenges in the demo only.
    """
    _django()
    import base64

    from sscard.cards.models import Card
    from sscard.production.virtual_card import VirtualCard

    found = Card.objects.filter(card_number=card_number.strip().upper()).first()
    if found is None:
        _console().print("[red]not_found[/red] 未找到该卡 / no such card")
        sys.exit(2)
    try:
        challenge = bytes.fromhex(nonce)
    except ValueError:
        _console().print("[red]nonce_invalid[/red] 挑战须为十六进制 / the nonce must be hex")
        sys.exit(2)
    click.echo(base64.b64encode(VirtualCard(found).answer(challenge)).decode())
