"""``sscard audit``: verify the audit trail's chain, sign and export its checkpoints (core)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sscard.cli.common import _console, _django, _refused, _system_actor, cli


@cli.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option(
    "--checkpoints",
    "checkpoints_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Checkpoints exported earlier (JSON lines) to check the chain against too.",
)
def audit_verify(checkpoints_file: Path | None) -> None:
    """Recompute the keyed chain, compare it with its head and with the signed checkpoints."""
    _django()
    from sscard.core.audit import audit_checkpoints_read, audit_verify_chain
    from sscard.core.errors import ApplicationError

    try:
        outside = audit_checkpoints_read(path=checkpoints_file) if checkpoints_file else []
        result = audit_verify_chain(checkpoints=outside)
    except ApplicationError as exc:
        _refused(exc)
    console = _console()
    if result.ok:
        console.print(
            f"审计链完整 / audit chain intact: {result.events:,} events, "
            f"{result.checkpoints:,} checkpoint(s) confirmed"
        )
        return
    console.print(f"[red]审计链被篡改 / audit chain tampered[/red] ({result.problem})")
    if result.first_bad_id is not None:
        at = f"{result.first_bad_at:%Y-%m-%d %H:%M:%S %Z}" if result.first_bad_at else "?"
        console.print(
            f"首个问题事件 / first bad event: #{result.first_bad_id} {at} {result.first_bad_action}"
        )
    console.print(result.message_zh, markup=False)
    console.print(result.message_en, markup=False)
    if result.details:
        console.print(
            " ".join(f"{k}={v}" for k, v in result.details.items() if v is not None), markup=False
        )
    sys.exit(2)


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's tip now (SM2, key outside the database)."""
    _django()
    from sscard.core.audit import audit_checkpoint_write

    checkpoint = audit_checkpoint_write(actor=_system_actor())
    _console().print(
        f"检查点 / checkpoint #{checkpoint.pk}: event #{checkpoint.last_event_id}, "
        f"{checkpoint.events:,} events, link {bytes(checkpoint.last_hash).hex()[:16]}…"
    )


@audit.command("export-checkpoints")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def audit_export_checkpoints(file: Path) -> None:
    """Write every signed checkpoint to FILE (JSON lines) for an outside party to keep."""
    _django()
    from sscard.core.audit import audit_checkpoints_export

    count = audit_checkpoints_export(path=file)
    _console().print(f"已导出 / exported {count:,} checkpoint(s) to {file}")
