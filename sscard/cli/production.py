"""``sscard production``: batches, personalisation, the card-factory files, dispatch (the last
through delivery's service)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sscard.cli.common import _console, _django, _refused, cli


def _operator() -> Any:
    from sscard.core.actors import Actor, Role

    return Actor(role=Role.PRODUCTION_OPERATOR, label="sscard-cli")


@cli.group()
def production() -> None:
    """Card production: batches, personalisation, the card-factory files, dispatch."""


@production.command("status")
def production_status() -> None:
    """Every batch with its progress, oldest collection first."""
    _django()
    from rich.table import Table

    from sscard.production.selectors import batch_list, batch_progress

    table = Table(title="制卡批次 / production batches")
    for column in ("#", "kind", "channel", "collected", "status", "cards", "personalised",
                   "made", "defective"):  # fmt: skip
        table.add_column(column)
    for batch in batch_list(actor=_operator()):
        progress = batch_progress(batch)
        table.add_row(
            str(batch.pk), batch.kind, batch.channel, batch.collected_on.isoformat(),
            batch.status, f"{progress.total:,}", f"{progress.personalised:,}",
            f"{progress.produced:,}", f"{progress.defective:,}",
        )  # fmt: skip
    _console().print(table)


@production.command("form")
def production_form() -> None:
    """Form batches of the submitted applications by channel and collection date (SH-10)."""
    _django()
    from sscard.core import clock
    from sscard.core.errors import ApplicationError
    from sscard.production.services import batches_form

    try:
        formed = batches_form(actor=_operator(), today=clock.today())
    except ApplicationError as exc:
        _refused(exc)
    for batch in formed:
        _console().print(
            f"batch #{batch.pk}: {batch.channel} {batch.collected_on} — {batch.card_count:,} cards"
        )
    if not formed:
        _console().print("没有待制卡的申请 / no applications waiting")


@production.command("personalise")
@click.argument("batch_id", type=int)
def production_personalise(batch_id: int) -> None:
    """Personalise a batch here, with a progress bar (or resume one a killed worker left).

    With a broker configured the batch's tasks also go to the workers, which share it.
    """
    _django()
    from django.conf import settings
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from sscard.core.errors import ApplicationError
    from sscard.production.selectors import batch_get, batch_progress
    from sscard.production.services import batch_start
    from sscard.production.services.personalise import Personaliser, batch_personalise_step

    try:
        # Without a broker the tasks would run in this process before the bar shows: the
        # command does the work itself, chunk by chunk; with one, workers share it too.
        batch_start(
            actor=_operator(), batch_id=batch_id, queue=not settings.CELERY_TASK_ALWAYS_EAGER
        )
        progress = batch_progress(batch_get(actor=_operator(), batch_id=batch_id))
    except ApplicationError as exc:
        _refused(exc)
    worker = Personaliser.current()
    with Progress(
        TextColumn(f"[bold]batch #{batch_id}[/bold]"), BarColumn(), MofNCompleteColumn(),
        console=_console(),
    ) as bar:  # fmt: skip
        task = bar.add_task("personalise", total=progress.total, completed=progress.personalised)
        while batch_personalise_step(batch_id=batch_id, personaliser=worker):
            now = batch_progress(batch_get(actor=_operator(), batch_id=batch_id))
            bar.update(task, completed=now.personalised)
    _console().print(f"batch #{batch_id}: {batch_get(actor=_operator(), batch_id=batch_id).status}")


@production.command("export")
@click.argument("batch_id", type=int)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
def production_export(batch_id: int, out: Path | None) -> None:
    """Write the batch's sealed card-factory file and its signed SM3 manifest."""
    _django()
    from django.conf import settings

    from sscard.core.errors import ApplicationError
    from sscard.production.services import batch_export

    try:
        files = batch_export(
            actor=_operator(), batch_id=batch_id, out_dir=out or settings.SSCARD_FACTORY_DIR
        )
    except ApplicationError as exc:
        _refused(exc)
    _console().print(f"{files.data}\n{files.manifest}\n{files.export.card_count:,} cards")


@production.command("result")
@click.argument("batch_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def production_result(batch_id: int, file: Path) -> None:
    """Import the factory's result file (all or nothing; the same file again changes nothing)."""
    _django()
    from sscard.core import clock
    from sscard.core.errors import ApplicationError
    from sscard.production.services import factory_result_import

    try:
        result = factory_result_import(
            actor=_operator(), batch_id=batch_id, data=file.read_bytes(), today=clock.today()
        )
    except ApplicationError as exc:
        _refused(exc)
    remade = f", remakes in batch #{result.remake_batch_id}" if result.remake_batch_id else ""
    _console().print(
        f"made {result.made:,}, defective {result.defective:,}, "
        f"already recorded {result.unchanged:,}{remade}"
    )


@production.command("dispatch")
@click.argument("batch_id", type=int)
def production_dispatch(batch_id: int) -> None:
    """Send the batch's made cards to their outlets, into the post, or with the bank's team."""
    _django()
    from sscard.core.errors import ApplicationError
    from sscard.delivery.services import batch_dispatch

    try:
        summary = batch_dispatch(actor=_operator(), batch_id=batch_id)
    except ApplicationError as exc:
        _refused(exc)
    _console().print(f"outlet {summary.outlet:,}, post {summary.post:,}, visit {summary.visit:,}")
