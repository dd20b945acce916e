"""The site itself: ``demo``, ``setup``, ``serve``, and Django's own commands (``manage``)."""

from __future__ import annotations

from pathlib import Path

import click

from sscard.cli.common import NOT_SET_UP, _console, _django, _migrate, _system_actor, cli
from sscard.cli.registry import _run_import_with_bar, _summarise
from sscard.synthetic.cities import DEMO_PACKS

DEMO_PERSONS = 20_000
DEMO_CITY = "beijing"


def _load_reference() -> None:
    from sscard.network.services import banks_load
    from sscard.registry.services import divisions_load

    actor = _system_actor()
    divisions_load(actor=actor)
    banks_load(actor=actor)


def _demo_setup(*, persons: int, city: str) -> list[tuple[str, str, str]]:
    """The demo city (``sscard.testing.demo``, which the browser tests set up too), with the
    imports' progress bars and a line per step."""
    from django.conf import settings

    from sscard.core import clock
    from sscard.testing.demo import demo_city_create

    console = _console()
    console.print(f"数据目录 / data directory: [bold]{settings.DATA_DIR}[/bold]")
    _migrate()
    return demo_city_create(
        city=city,
        persons=persons,
        today=clock.today(),
        import_file=_run_import_with_bar,
        say=console.print,
    )


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
    _load_reference()
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
