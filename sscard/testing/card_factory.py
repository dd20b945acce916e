"""A stand-in for the card factory (制卡厂), for the tests and the demo.

It does what the real factory's intake does with a batch file — checks the manifest's SM2
signature against the issuing CA in the file, checks both SM3 digests, opens the SM4-GCM file,
reads every card — and writes the result file the production centre imports, with the cards it
is told to spoil marked defective. It uses only the file format, never the database.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sscard.kernel.gm import GmError, Sm3Stream, sm4_gcm_decrypt_file
from sscard.kernel.pki import PkiError, parse_certificate, verify_chain
from sscard.production.services.factory import FORMAT, RESULT_HEADER, manifest_body


class FactoryRefusal(Exception):
    """The factory refuses a file (bad signature, wrong digest, cannot be opened)."""


@dataclass(frozen=True, slots=True)
class Intake:
    """What the factory read from a batch file."""

    header: dict[str, Any]
    cards: list[dict[str, Any]]


def _digest(path: Path) -> str:
    stream = Sm3Stream()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            stream.update(block)
    return stream.hexdigest()


def factory_read(*, data: Path, manifest: Path, key: bytes, trusted_root: bytes) -> Intake:
    """Check and open a batch file as the factory would: the issuing CA in the file must chain
    to the root the factory was given out of band, and must have signed the manifest."""
    sealed = json.loads(manifest.read_text())
    if sealed.get("format") != FORMAT:
        raise FactoryRefusal("unknown format")
    if _digest(data) != sealed["sealed_sm3"]:
        raise FactoryRefusal("sealed file digest mismatch")
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "batch.jsonl"
        aad = f"{FORMAT}|batch:{sealed['batch']}".encode()
        try:
            sm4_gcm_decrypt_file(key, data, plain, aad=aad)
        except GmError as exc:
            raise FactoryRefusal(f"cannot be opened: {exc.code}") from exc
        if _digest(plain) != sealed["plain_sm3"]:
            raise FactoryRefusal("plaintext digest mismatch")
        lines = [json.loads(line) for line in plain.read_text().splitlines()]
    header, cards = lines[0], lines[1:]
    issuing_der = base64.b64decode(header["issuing_ca"])
    try:
        verify_chain(issuing_der, [trusted_root], at=datetime.now(UTC))
    except PkiError as exc:
        raise FactoryRefusal(f"issuing CA not trusted: {exc.code}") from exc
    issuing = parse_certificate(issuing_der)
    signature = base64.b64decode(sealed["signature"])
    if not issuing.public_key.verify(signature, manifest_body(sealed)):
        raise FactoryRefusal("manifest signature invalid")
    if len(cards) != sealed["cards"]:
        raise FactoryRefusal("card count mismatch")
    return Intake(header, cards)


def factory_result(intake: Intake, *, defective: Collection[str] = ()) -> bytes:
    """The result file: every card made, except those whose numbers are in ``defective``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULT_HEADER)
    for card in intake.cards:
        spoiled = card["card_number"] in defective
        writer.writerow(
            [
                card["card_number"],
                card["card_id_code"],
                "defective" if spoiled else "made",
                "chip failed the personalisation check" if spoiled else "",
            ]
        )
    return out.getvalue().encode()
