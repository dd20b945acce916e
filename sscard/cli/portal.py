"""The site itself: ``demo``, ``setup``, ``serve``, and Django's own commands (``manage``)."""

from __future__ import annotations

from pathlib import Path

import click

from sscard.cli.common import NOT_SET_UP, _console, _django, _migrate, _system_actor, cli
from sscard.cli.registry import IMPORT_KINDS, _run_import_with_bar, _summarise

DEMO_PERSONS = 20_000
DEMO_CITY = "beijing"
DEMO_PACKS = {"beijing": "beijing-2024", "shanghai": "shanghai-2019"}
CITY_CODES = {"beijing": "110000", "shanghai": "310000"}


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
        from sscard.core import clock
        from sscard.testing.demo import demo_cards_create

        cards = demo_cards_create(today=clock.today())
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


@cli.command("manage", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (``sscard manage migrate`` …)."""
    _django(ready=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sscard manage", *args])
