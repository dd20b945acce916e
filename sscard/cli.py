"""The ``sscard`` command: demo, serve, import, generate, audit, and Django's own commands.

Exit codes: 0 done; 1 done but some rows were refused (the report's path is printed);
2 the input was refused as a whole or the command was misused.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from sscard.core.actors import Actor
    from sscard.core.models import ImportJob

DEMO_PERSONS = 20_000
DEMO_CITY = "beijing"
DEMO_PACKS = {"beijing": "beijing-2024", "shanghai": "shanghai-2019"}
CITY_CODES = {"beijing": "110000", "shanghai": "310000"}
IMPORT_KINDS = ("employers", "schools", "outlets", "persons")


def _django(settings: str | None = None, *, ready: bool = True) -> None:
    """Set Django up; with ``ready`` (most commands) stop with one line if the database is not.

    ``demo``, ``setup``, ``serve`` and ``manage`` pass ``ready=False``: they set it up themselves.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings or "config.settings.base")
    import django
    from django.conf import settings as conf

    django.setup()
    # The embedded database lives in the data directory: make sure it exists.
    Path(conf.DATA_DIR).mkdir(parents=True, exist_ok=True)
    if ready:
        _require_set_up()


NOT_SET_UP = (
    "尚无数据：请先运行 `sscard setup --city beijing`（或 shanghai） / "
    "no data yet: run `sscard setup --city beijing` (or shanghai) first"
)
NOT_MIGRATED = (
    "数据库需要升级：请运行 `sscard manage migrate` / "
    "the database is behind this version: run `sscard manage migrate`"
)


def _require_set_up() -> None:
    """Exit 2 with one line, never a traceback, when the database has no tables or is behind."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        _database_unreachable(exc)
    if pending:
        # click.echo, not rich: the line must stay one line however narrow the terminal.
        click.echo(NOT_MIGRATED if executor.loader.applied_migrations else NOT_SET_UP)
        sys.exit(2)


def _database_unreachable(exc: BaseException) -> NoReturn:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    click.echo(f"数据库无法访问 / the database cannot be reached: {first}")
    sys.exit(2)


def _console() -> Any:
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        # Piped or logged output: wide enough that no password is ever cut short.
        console = Console(highlight=False, width=max(console.width, 120))
    return console


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sscard")
def cli() -> None:
    """sscard — 社会保障卡服务平台 / the social security card platform."""


def _system_actor() -> Actor:
    from sscard.core.actors import Actor

    return Actor.system("sscard-cli")


def _migrate(verbosity: int = 0) -> None:
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=verbosity)


def _run_import_with_bar(kind: str, path: Path, *, quiet: bool = False) -> ImportJob:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from sscard.network.imports import import_outlets
    from sscard.registry.imports import import_employers, import_persons, import_schools

    importer = {
        "persons": import_persons,
        "employers": import_employers,
        "schools": import_schools,
        "outlets": import_outlets,
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
    """Import persons, employers, schools or outlets from CSV or XLSX."""
    _django()
    from sscard.core.errors import ApplicationError

    console = _console()
    try:
        job = _run_import_with_bar(kind, file, quiet=quiet)
    except ApplicationError as exc:
        console.print(f"[red]{exc.code}[/red] {exc.message_zh}\n{exc.message_en}")
        sys.exit(2)
    console.print(_summarise(job))
    if job.rows_refused:
        console.print(
            f"[yellow]有 {job.rows_refused:,} 行未导入 / {job.rows_refused:,} rows refused[/yellow]"
            f" — report: {job.report_path}"
        )
        sys.exit(1)


@cli.group()
def generate() -> None:
    """Generate synthetic data for demos, tests and benchmarks."""


@generate.command("population")
@click.option("--city", type=click.Choice(["beijing", "shanghai"]), required=True)
@click.option("--persons", type=click.IntRange(1_000, 25_000_000), required=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--seed", type=int, default=20240131, show_default=True)
def generate_population_command(city: str, persons: int, out: Path, seed: int) -> None:
    """Write persons.csv, employers.csv, schools.csv and outlets.csv (deterministic)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from sscard.synthetic.population import generate_population

    with Progress(
        TextColumn("[bold]persons[/bold]"), BarColumn(), MofNCompleteColumn(), console=_console()
    ) as bar:
        task = bar.add_task("persons", total=persons)
        summary = generate_population(
            city=city,
            persons=persons,
            out_dir=out,
            seed=seed,
            progress=lambda n: bar.update(task, completed=n),
        )
    _console().print(summary)


def _load_reference(city_code: str) -> None:
    from sscard.network.services import banks_load
    from sscard.registry.services import divisions_load

    actor = _system_actor()
    divisions_load(actor=actor)
    banks_load(actor=actor)


def _demo_setup(*, persons: int, city: str) -> list[tuple[str, str, str]]:
    from django.conf import settings

    from sscard.portal.services import demo_accounts_create
    from sscard.synthetic.population import generate_population

    console = _console()
    data_dir = Path(settings.DATA_DIR)
    console.print(f"数据目录 / data directory: [bold]{data_dir}[/bold]")
    _migrate()
    city_code = CITY_CODES[city]
    _load_reference(city_code)
    out = data_dir / "demo" / f"{city}-{persons}"
    if not (out / "persons.csv").exists():
        console.print(f"生成示例人口 / generating {persons:,} synthetic persons → {out}")
        generate_population(city=city, persons=persons, out_dir=out)
    for kind in IMPORT_KINDS:
        job = _run_import_with_bar(kind, out / f"{kind}.csv")
        console.print("  " + _summarise(job))
    from sscard.campaigns.services import campaign_put_in_force
    from sscard.policy import builtin_pack

    campaign = campaign_put_in_force(actor=_system_actor(), pack=builtin_pack(DEMO_PACKS[city]))
    console.print(f"  policy in force: {campaign.title} ({campaign.pack_id})")
    accounts = demo_accounts_create(actor=_system_actor(), city_code=city_code)
    if city == "beijing":
        from django.utils import timezone

        from sscard.testing.demo import demo_cards_create

        cards = demo_cards_create(today=timezone.localdate())
        console.print(
            f"  cards: {cards.made} made, {cards.handed_over} handed over and enabled, "
            f"{cards.waiting} applications waiting for production"
        )
    return accounts


def _print_accounts(accounts: list[tuple[str, str, str]], url: str) -> None:
    from rich.table import Table

    table = Table(title=f"示例账号 / demo accounts — {url}")
    table.add_column("角色 / role")
    table.add_column("用户名 / username", no_wrap=True)
    table.add_column("密码 / password", no_wrap=True)
    for username, password, role in accounts:
        table.add_row(role, username, password)
    _console().print(table)


def _serve(host: str, port: int) -> None:
    import uvicorn

    uvicorn.run("config.asgi:application", host=host, port=port, log_level="warning")


@cli.command()
@click.option("--no-serve", is_flag=True, help="Set up the demo and exit.")
@click.option("--persons", type=click.IntRange(1_000, 25_000_000), default=DEMO_PERSONS)
@click.option("--city", type=click.Choice(["beijing", "shanghai"]), default=DEMO_CITY)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
def demo(no_serve: bool, persons: int, city: str, host: str, port: int) -> None:
    """Set up an embedded demo city (SQLite) and serve it at http://127.0.0.1:8000."""
    _django(ready=False)
    accounts = _demo_setup(persons=persons, city=city)
    url = f"http://{host}:{port}/"
    _print_accounts(accounts, url)
    if no_serve:
        return
    _console().print(f"打开 / open [bold]{url}[/bold]  (Ctrl+C 停止 / to stop)")
    _serve(host, port)


@cli.command()
@click.option("--city", type=click.Choice(sorted(DEMO_PACKS)), required=True)
@click.option(
    "--demo-outlets",
    is_flag=True,
    help="Also load the demo's synthetic outlets (bank branches, community centres).",
)
def setup(city: str, demo_outlets: bool) -> None:
    """Set up the database for a city: divisions, banks, its policy pack in force; no persons.

    Running it again changes nothing. A real deployment then imports its own files
    (``sscard import employers|schools|outlets|persons FILE``).
    """
    _django(ready=False)
    from django.conf import settings

    from sscard.campaigns.services import campaign_put_in_force
    from sscard.network.models import Bank
    from sscard.policy import builtin_pack
    from sscard.registry.models import Division

    console = _console()
    console.print(f"数据目录 / data directory: [bold]{settings.DATA_DIR}[/bold]")
    _migrate()
    _load_reference(CITY_CODES[city])
    campaign = campaign_put_in_force(actor=_system_actor(), pack=builtin_pack(DEMO_PACKS[city]))
    console.print(
        f"  {Division.objects.count():,} divisions, {Bank.objects.count():,} banks; "
        f"policy in force: {campaign.title} ({campaign.pack_id})"
    )
    if demo_outlets:
        from sscard.synthetic.population import generate_population

        out = Path(settings.DATA_DIR) / "demo" / f"{city}-{DEMO_PERSONS}"
        if not (out / "outlets.csv").exists():
            generate_population(city=city, persons=DEMO_PERSONS, out_dir=out)
        console.print("  " + _summarise(_run_import_with_bar("outlets", out / "outlets.csv")))
    console.print(
        "下一步 / next: sscard import employers|schools|outlets|persons FILE; "
        "sscard manage createsuperuser"
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve sscard (ASGI, uvicorn) on the configured database."""
    _django(ready=False)
    _migrate()
    from sscard.registry.models import Division

    if not Division.objects.exists():
        # It serves all the same (the sign-in page, the API's health); say what would fill it.
        click.echo(NOT_SET_UP)
    _serve(host, port)


@cli.group()
def policy() -> None:
    """Policy packs: check one, explain a decision, put one into force."""


def _pack(ref: str) -> Any:
    from sscard.policy import builtin_pack, builtin_pack_ids, load_pack

    return builtin_pack(ref) if ref in builtin_pack_ids() else load_pack(Path(ref))


def _print_pack_error(exc: Any) -> None:
    console = _console()
    path = (exc.details or {}).get("path")
    console.print(f"[red]{exc.code}[/red]" + (f" at [bold]{path}[/bold]" if path else ""))
    console.print(exc.message_zh)
    console.print(exc.message_en)


@policy.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def policy_check(file: Path) -> None:
    """Validate a policy pack; exit 0 when it would load, 2 with the offending key otherwise."""
    from sscard.policy import PackError, load_pack

    try:
        pack = load_pack(file)
    except PackError as exc:
        _print_pack_error(exc)
        sys.exit(2)
    _console().print(
        f"ok: {pack.id} — {pack.title} ({len(pack.phases)} phases, {len(pack.groups)} groups)"
        f"\nSM3 {pack.content_hash}"
    )


@policy.command("explain")
@click.option("--pack", "pack_ref", required=True, help="A shipped pack id or a pack file.")
@click.option("--id-number", required=True, help="The person's ID number (looked up, not shown).")
@click.option("--channel", required=True)
@click.option(
    "--action",
    required=True,
    type=click.Choice(["first", "migrate", "replace_lost", "replace_damaged", "collective"]),
)
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--bank", default=None)
@click.option("--pickup", default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
def policy_explain(
    pack_ref: str,
    id_number: str,
    channel: str,
    action: str,
    day: Any,
    bank: str | None,
    pickup: str | None,
    as_json: bool,
) -> None:
    """Decide for one registered person and say why."""
    import json

    _django()
    from sscard.core.actors import Actor
    from sscard.core.calendar import work_calendar
    from sscard.core.errors import ApplicationError
    from sscard.policy import DecisionRequest, PackError, decide
    from sscard.registry.eligibility import person_facts
    from sscard.registry.selectors import person_find_by_id_number

    console = _console()
    try:
        pack = _pack(pack_ref)
    except PackError as exc:
        _print_pack_error(exc)
        sys.exit(2)
    try:
        person = person_find_by_id_number(actor=Actor.system("sscard-cli"), id_number=id_number)
    except ApplicationError as exc:
        console.print(f"[red]{exc.code}[/red] {exc.message_zh}\n{exc.message_en}")
        sys.exit(2)
    request = DecisionRequest(
        action=action,  # type: ignore[arg-type]  # click.Choice holds it to the five actions
        channel=channel,
        day=day.date(),
        bank=bank,
        pickup=pickup,
    )
    decision = decide(pack, request, person_facts(person), calendar=work_calendar())
    if as_json:
        click.echo(json.dumps(decision.as_dict(), ensure_ascii=False, indent=2, default=str))
        return
    mark = "[green]允许 / allowed[/green]" if decision.allowed else "[red]不允许 / refused[/red]"
    console.print(
        f"{person.masked_name} {person.masked_id_number}: {mark}  ({decision.reason_code})"
    )
    console.print(decision.message_zh)
    console.print(decision.message_en)
    facts = [
        ("pack", f"{decision.pack_id} SM3 {decision.pack_hash[:16]}…"),
        ("phase", decision.phase_id),
        ("rule", decision.rule_id),
        ("clause", decision.clause),
        ("card generation", decision.card_generation),
        ("pickup methods", ", ".join(decision.pickup_methods) or None),
        ("banks", ", ".join(decision.banks) or None),
        ("default bank", decision.bank_default),
        ("due date", decision.due_date),
        ("redirect to", decision.redirect_to),
    ]
    for label, value in facts:
        if value is not None:
            console.print(f"  {label:<16} {value}")


@policy.command("activate")
@click.option("--pack", "pack_ref", required=True, help="A shipped pack id or a pack file.")
def policy_activate(pack_ref: str) -> None:
    """Put a policy pack into force for its city (supersedes the one in force)."""
    _django()
    from sscard.campaigns.services import campaign_put_in_force
    from sscard.policy import PackError

    try:
        pack = _pack(pack_ref)
    except PackError as exc:
        _print_pack_error(exc)
        sys.exit(2)
    campaign = campaign_put_in_force(actor=_system_actor(), pack=pack)
    _console().print(f"in force: #{campaign.pk} {campaign.title} (SM3 {campaign.pack_hash[:16]}…)")


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


@cli.group()
def keys() -> None:
    """Field-encryption keys: rotate stored values to the current version, retire old ones."""


@keys.command("status")
def keys_status() -> None:
    """Stored encrypted values per key version, for every table that holds them."""
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
    """Re-encrypt every stored value under the current key (resumable; the platform serves on)."""
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
    """Stop accepting a key version; refused while any stored value still uses it."""
    _django()
    from sscard.core.errors import ApplicationError
    from sscard.registry.keys import field_key_retire

    try:
        field_key_retire(actor=_system_actor(), version=version)
    except ApplicationError as exc:
        _refused(exc)
    _console().print(f"已停用 / retired: v{version}")


def _refused(exc: Any) -> None:
    _console().print(f"[red]{exc.code}[/red] {exc.message_zh}\n{exc.message_en}")
    sys.exit(2)


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
    from django.utils import timezone

    from sscard.core.errors import ApplicationError
    from sscard.production.services import batches_form

    try:
        formed = batches_form(actor=_operator(), today=timezone.localdate())
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
    from sscard.production.personalise import Personaliser, batch_personalise_step
    from sscard.production.selectors import batch_get, batch_progress
    from sscard.production.services import batch_start

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
    from sscard.production.factory import batch_export

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
    from django.utils import timezone

    from sscard.core.errors import ApplicationError
    from sscard.production.factory import factory_result_import

    try:
        result = factory_result_import(
            actor=_operator(), batch_id=batch_id, data=file.read_bytes(), today=timezone.localdate()
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


@cli.group()
def schools() -> None:
    """Schools: record a school's notice, or a whole district's (SH-09)."""


@schools.command("notify")
@click.option("--school", "school_code", help="One school, by its 10-digit code.")
@click.option("--district", "district_code", help="Every school of a district not yet notified.")
@click.option(
    "--date",
    "notified_on",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day of the notice, YYYY-MM-DD (not later than today).",
)
def schools_notify(school_code: str | None, district_code: str | None, notified_on: Any) -> None:
    """Record a notice; the pupils' parents are texted the pack's school notice."""
    _django()
    from sscard.campaigns.services import school_notify
    from sscard.core.errors import ApplicationError

    try:
        notice = school_notify(
            actor=_system_actor(),
            notified_on=notified_on.date(),
            school_code=school_code,
            district_code=district_code,
        )
    except ApplicationError as exc:
        _refused(exc)
    _console().print(
        f"已通知 {len(notice.school_codes):,} 所学校 / {len(notice.school_codes):,} school(s)"
        f" notified on {notice.notified_on.isoformat()}; "
        f"{notice.messages:,} 条短信 / text(s) to parents queued"
    )


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


@cli.group()
def calendar() -> None:
    """The official working-day calendar: which years are covered, and loading the next one."""


@calendar.command("status")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Default: today.")
def calendar_status_command(today: Any) -> None:
    """Covered years (package and loaded, with their source) and the warning from 60 days
    before the covered calendar ends."""
    _django()
    from django.utils import timezone

    from sscard.core.calendar import calendar_status

    day = today.date() if today is not None else timezone.localdate()
    status = calendar_status(actor=_system_actor(), today=day)
    console = _console()
    console.print(
        f"{status.package_first}–{status.package_last}  软件包 / package  ({status.package_source})"
    )
    for year in status.loaded:
        mark = "  示例 / EXAMPLE" if year.example else ""
        replaces = "  取代软件包 / replaces the package" if year.replaces_package else ""
        console.print(
            f"{year.year}  已导入 / loaded  {year.source}  SM3 {year.file_digest[:16]}…  "
            f"{year.loaded_by} {year.loaded_at:%Y-%m-%d %H:%M}{replaces}{mark}"
        )
    if status.covered_until is None:
        console.print(
            f"[red]{day.year}年没有官方放假安排 / no official schedule for {day.year}[/red]: "
            f"sscard calendar load FILE"
        )
    elif status.warn:
        console.print(
            f"[yellow]工作日历只到{status.covered_until.isoformat()}（还有{status.days_left}天），"
            f"请导入{status.next_year}年放假安排 / the calendar ends on "
            f"{status.covered_until.isoformat()} ({status.days_left} days left): load the "
            f"{status.next_year} schedule[/yellow]: sscard calendar load FILE"
        )
    else:
        console.print(
            f"工作日历覆盖至 / covered until {status.covered_until.isoformat()} "
            f"({status.days_left} days)"
        )


@calendar.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--allow-example",
    is_flag=True,
    help="Load a file marked example: true (demos and tests only, never in production).",
)
def calendar_load_command(file: Path, allow_example: bool) -> None:
    """Load a year's official holiday schedule (YAML or JSON, see docs/calendar/), and give
    pending applications their due dates."""
    _django()
    from sscard.applications.calendar import calendar_year_load
    from sscard.core.errors import ApplicationError

    try:
        result = calendar_year_load(
            actor=_system_actor(),
            content=file.read_bytes(),
            file_name=file.name,
            allow_example=allow_example,
        )
    except ApplicationError as exc:
        field = exc.details.get("field")
        if field:
            _console().print(f"field: {field}")
        _refused(exc)
        return
    console = _console()
    if not result.changed:
        console.print(
            f"{result.year}年放假安排未变 / the {result.year} schedule is unchanged "
            f"(SM3 {result.file_digest[:16]}…)"
        )
        return
    console.print(
        f"已导入{result.year}年放假安排 / loaded the {result.year} schedule: {result.source}"
    )
    console.print(
        f"制卡期限已确定 / due dates set: {result.applications_due_set} applications, "
        f"{result.collectives_due_set} collective applications; still pending: "
        f"{result.still_pending}"
    )


@cli.command("manage", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (``sscard manage migrate`` …)."""
    _django(ready=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sscard manage", *args])


def main() -> None:
    try:
        cli()
    except Exception as exc:
        # A database that went away mid-command, or one whose tables another process dropped:
        # one line, as for a database never set up. Anything else is a bug and keeps its trace.
        from django.db import OperationalError

        if not isinstance(exc, OperationalError):
            raise
        _database_unreachable(exc)


if __name__ == "__main__":
    main()
