"""The service network's commands: ``network parties import FILE --tokens-out PATH`` (SH-03)."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import click

from sscard.cli.common import _console, _django, _system_actor, cli


@cli.group()
def network() -> None:
    """The service network: relying parties (hospitals, pharmacies, terminals)."""


@network.group()
def parties() -> None:
    """Relying parties that verify cards through the API."""


@parties.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--tokens-out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the new parties' tokens (CSV, owner-only; it must not exist yet). "
    "It is the only copy: the platform keeps only each token's digest.",
)
def parties_import(file: Path, tokens_out: Path) -> None:
    """Onboard the relying parties of a CSV or XLSX file (party_code, name, kind, district,
    contact), each with its own API account and token; all or nothing.

    Exit 0 when the file is taken (the tokens file holds the new parties), 2 when it is refused
    (every refused row is printed; nothing was written)."""
    _django()
    from sscard.core.errors import ApplicationError
    from sscard.portal.onboarding import relying_parties_onboard

    console = _console()
    try:
        # Owner-only and opened first, so that tokens are never issued with nowhere to go; it
        # must not exist yet (the tokens are secrets in the clear).
        fd = os.open(tokens_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        console.print(f"[red]{tokens_out}[/red]: {exc.strerror} (不会覆盖 / never overwritten)")
        sys.exit(2)
    with open(fd, "w", newline="", encoding="utf-8") as out:
        try:
            result = relying_parties_onboard(actor=_system_actor(), path=file, file_name=file.name)
        except ApplicationError as exc:
            tokens_out.unlink(missing_ok=True)
            console.print(f"[red]{exc.code}[/red] {exc.message_zh}\n{exc.message_en}")
            for error in exc.details.get("errors", []):
                console.print(
                    f"  row {error['row']} {error['column']}: {error['code']} {error['message_en']}"
                )
            sys.exit(2)
        writer = csv.writer(out)
        writer.writerow(["party_code", "name", "kind", "district", "username", "token"])
        for t in result.issued:
            writer.writerow([t.code, t.name, t.kind, t.district, t.username, t.token])
    if not result.issued:
        tokens_out.unlink(missing_ok=True)
    console.print(
        f"{result.rows:,} rows: {len(result.issued):,} onboarded, {result.unchanged:,} unchanged"
        + (f"; tokens → {tokens_out}" if result.issued else "; no token issued")
    )
