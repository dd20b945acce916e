"""``sscard policy``: check a policy pack, explain a decision, put a pack into force."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sscard.cli.common import _console, _django, _system_actor, cli


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
