"""``sscard generate``: synthetic data for demos, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import click

from sscard.cli.common import _console, cli


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
