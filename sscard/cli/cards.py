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


@card.command("crl")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="Write here.")
@click.option("--pem", is_flag=True, help="PEM instead of DER.")
@click.option("--authority", type=int, default=None, help="An issuing CA's id (default: active).")
@click.option(
    "--openssl",
    "empty_id",
    is_flag=True,
    help="The copy signed with the empty SM2 user ID, which `openssl crl -verify` checks.",
)
def card_crl(out: str | None, pem: bool, authority: int | None, empty_id: bool) -> None:
    """Write the issuing CA's current CRL (signed SM2-with-SM3), as /api/v1/cards/crl serves it.

    Without --out: PEM on standard output. Signs a new one when a certificate was revoked
    since the last (its CRL number one higher). Signed with the GM/T 0009 user ID; --openssl
    writes the same list signed with the empty ID, the one OpenSSL 3's CRL check uses."""
    _django()
    from pathlib import Path

    from sscard.cards.services.revocation import revocation_list_current
    from sscard.core.errors import ApplicationError
    from sscard.kernel.pki import to_pem

    try:
        found = revocation_list_current(authority_id=authority)
    except ApplicationError as error:
        _console().print(f"[red]{error.code}[/red] {error.message_zh} / {error.message_en}")
        sys.exit(2)
    der = bytes(found.der_empty_id if empty_id else found.der)
    if out is None:
        click.echo(to_pem(der, "X509 CRL"), nl=False)
        return
    Path(out).write_bytes(to_pem(der, "X509 CRL").encode() if pem else der)
    _console().print(f"CRL {found.number}: {found.revoked_count} → {out}")
