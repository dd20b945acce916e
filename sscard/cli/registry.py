"""The registry's commands: ``import`` (persons, employers, schools, outlets) and ``keys``
(field-encryption keys)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sscard.cli.common import _console, _django, _refused, _system_actor, cli

if TYPE_CHECKING:
    from sscard.core.models import ImportJob

IMPORT_KINDS = ("employers", "schools", "outlets", "persons", "departures", "legacy-cards")


def _run_import_with_bar(kind: str, path: Path, *, quiet: bool = False) -> ImportJob:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from sscard.cards.departure_import import import_departures
    from sscard.cards.legacy import import_legacy_cards
    from sscard.network.imports import import_outlets
    from sscard.registry.imports import import_employers, import_persons, import_schools

    importer = {
        "persons": import_persons,
        "employers": import_employers,
        "schools": import_schools,
        "outlets": import_outlets,
        "departures": import_departures,
        "legacy-cards": import_legacy_cards,
    }[kind]
    total = path.stat().st_size
    with Progress(
        TextColumn(f"[bold]{kind}[/bold]"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:>12,} rows"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=_console(),
        disable=quiet,
        transient=False,
    ) as bar:
        task = bar.add_task(kind, total=total, rows=0)

        def progress(rows: int, done: int) -> None:
            bar.update(task, completed=done or bar.tasks[task].completed, rows=rows)

        job = importer(actor=_system_actor(), path=path, file_name=path.name, progress=progress)
        bar.update(task, completed=total)
    return job


def _summarise(job: ImportJob) -> str:
    return (
        f"#{job.pk} {job.kind}: {job.rows_read:,} rows read, {job.rows_inserted:,} inserted, "
        f"{job.rows_unchanged:,} unchanged, {job.rows_refused:,} refused"
    )


@cli.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bar.")
def import_command(kind: str, file: Path, quiet: bool) -> None:
    """Import persons, employers, schools, outlets, the civil-affairs file of deaths and
    departures (``departures``) or the legacy system's cards (``legacy-cards``) from CSV or
    XLSX."""
    _django()
    from sscard.core.errors import ApplicationError

    console = _console()
    try:
        job = _run_import_with_bar(kind, file, quiet=quiet)
    except ApplicationError as exc:
        console.print(f"[red]{exc.code}[/red] {exc.message_zh}\n{exc.message_en}")
        sys.exit(2)
    console.print(_summarise(job))
    if kind == "departures":
        from sscard.cards.departure_import import departure_import_summary

        done = departure_import_summary(job)
        console.print(
            f"死亡及转出 / departures recorded: {done.recorded:,}; 注销卡 / cards cancelled: "
            f"{done.cards_cancelled:,}; 撤回申请 / applications withdrawn: "
            f"{done.applications_withdrawn:,}; 停发短信 / texts stopped: {done.messages_stopped:,}"
        )
    if job.rows_refused:
        console.print(
            f"[yellow]有 {job.rows_refused:,} 行未导入 / {job.rows_refused:,} rows refused[/yellow]"
            f" — report: {job.report_path}"
        )
        sys.exit(1)


@cli.group()
def keys() -> None:
    """Field-encryption keys: rotate stored values (and wrapped private keys) to the current
    version, retire old ones."""


@keys.command("status")
def keys_status() -> None:
    """Stored encrypted values and wrapped private keys per key version, for every table."""
    _django()
    from rich.table import Table

    from sscard.registry.keys import field_key_status

    status = field_key_status()
    retired = ", ".join(f"v{v}" for v in sorted(status.retired)) or "-"
    _console().print(
        f"当前版本 / current: v{status.current}   "
        f"已配置 / configured: {', '.join(f'v{v}' for v in status.configured)}   "
        f"已停用 / retired: {retired}"
    )
    table = Table("表 / table", "字段 / column", "版本 / version", "行数 / rows")
    for label, columns in status.counts.items():
        for column, counts in columns.items():
            for version, rows in counts.items():
                table.add_row(label, column, f"v{version}", f"{rows:,}")
    _console().print(table)
    behind = sum(status.behind.values())
    _console().print(f"待轮换 / rows behind the current version: {behind:,}")


@keys.command("rotate")
@click.option("--chunk-rows", type=click.IntRange(1, 100_000), default=1000, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def keys_rotate(chunk_rows: int, quiet: bool) -> None:
    """Re-encrypt every stored value, and re-wrap every card and CA private key, under the
    current key (resumable; the platform serves on)."""
    _django()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from sscard.core.crypto import current_key_version
    from sscard.registry.keys import field_key_rows_behind, field_keys_rotate

    total = field_key_rows_behind()
    with Progress(
        TextColumn(f"[bold]v{current_key_version()}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        console=_console(),
        disable=quiet,
    ) as bar:
        task = bar.add_task("rotate", total=total)
        done = field_keys_rotate(
            actor=_system_actor(),
            chunk_rows=chunk_rows,
            on_chunk=lambda _table, _rewritten, seen: bar.advance(task, seen),
        )
    _console().print(
        f"已轮换 / rotated: {sum(done.values()):,} rows "
        f"({', '.join(f'{label} {n:,}' for label, n in done.items())})"
    )


@keys.command("retire")
@click.option("--version", "version", type=click.IntRange(1, 255), required=True)
def keys_retire(version: int) -> None:
    """Stop accepting a key version; refused while any stored value or key still uses it."""
    _django()
    from sscard.core.errors import ApplicationError
    from sscard.registry.keys import field_key_retire

    try:
        field_key_retire(actor=_system_actor(), version=version)
    except ApplicationError as exc:
        _refused(exc)
    _console().print(f"已停用 / retired: v{version}")


@cli.command("person-updates")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--apply", "apply_", is_flag=True, help="Apply the changes after the preview (else preview)."
)
def person_updates_command(file: Path, apply_: bool) -> None:
    """Update persons from a file keyed by id_number (the persons import's columns): list
    every change per row, masked, and write nothing; with --apply, write the non-identity
    changes. Identity changes (name, ID number, birth date, sex) need an officer's proposal and
    a second officer's approval: propose them from the page or the API."""
    _django()
    from django.core.files.uploadedfile import UploadedFile

    from sscard.core.errors import ApplicationError
    from sscard.core.models import BackgroundJob
    from sscard.registry.updates import person_updates_confirm, person_updates_queue

    console = _console()
    actor = _system_actor()
    try:
        with file.open("rb") as handle:
            upload = UploadedFile(handle, name=file.name, size=file.stat().st_size)
            job = person_updates_queue(actor=actor, upload=upload)
        if apply_ and job.status == BackgroundJob.Status.AWAITING:
            job = person_updates_confirm(actor=actor, job_id=job.pk)
    except ApplicationError as exc:
        console.print(f"[red]{exc.code}[/red] {exc.message_zh}\n{exc.message_en}")
        sys.exit(2)
    if job.error_code:
        console.print(f"[red]{job.error_code}[/red] {job.error_message_zh}\n{job.error_message_en}")
        sys.exit(2)
    for row in job.result.get("rows", []):
        changes = "; ".join(f"{k}: {o} → {n}" for k, (o, n) in row.get("changes", {}).items())
        errors = ", ".join(e["code"] for e in row.get("errors", []))
        console.print(f"{row['row']:>7} {row.get('person', '')} {changes} {errors}".rstrip())
    counts = job.result.get("counts", {})
    console.print(f"#{job.pk} {job.status}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if counts.get("refused"):
        sys.exit(1)
