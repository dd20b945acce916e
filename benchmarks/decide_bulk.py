"""The policy engine in bulk over 1,000,000 persons, beside the bare SQL count of the same set.

    uv run python -m benchmarks.decide_bulk --persons 1000000

A synthetic Beijing population is imported into a fresh PostgreSQL database. Then, for the day
of BJ-14's first later phase, every group that a rule in force names is selected with the
engine's own predicate compiled to SQL, and ``decide`` answers a migration request for each
selected person (the SQL selection plus per-person decisions). The baseline is the bare
``COUNT(*)`` of the same selection in the same run.
"""

from __future__ import annotations

import argparse
from datetime import date

from benchmarks._common import Timer, fresh_database, population


def run(persons: int, *, day: date, pack_id: str = "beijing-2024") -> None:
    folder = population("beijing", persons)
    with fresh_database("postgresql"):
        from sscard.campaigns.bulk import decide_population
        from sscard.core.actors import Actor
        from sscard.network.services import banks_load
        from sscard.policy import DecisionRequest, builtin_pack
        from sscard.registry.eligibility import eligible_persons
        from sscard.registry.imports import import_employers, import_persons, import_schools
        from sscard.registry.services import divisions_load

        actor = Actor.system("benchmark")
        divisions_load(actor=actor)
        banks_load(actor=actor)
        for name, importer in (
            ("employers", import_employers),
            ("schools", import_schools),
            ("persons", import_persons),
        ):
            importer(actor=actor, path=folder / f"{name}.csv", file_name=name)

        pack = builtin_pack(pack_id)
        groups = sorted(
            {
                g
                for phase in pack.phases_on(day)
                for rule in phase.rules
                if rule.effect == "allow"
                for g in rule.groups
                if pack.groups[g].subject == "person"
            }
        )
        request = DecisionRequest(action="migrate", channel="collective_online", day=day)
        with Timer() as base:
            counted = sum(eligible_persons(pack, g, today=day).count() for g in groups)
        decided = allowed = 0
        with Timer() as ours:
            for group in groups:
                for _pk, decision in decide_population(pack, group_id=group, request=request):
                    decided += 1
                    allowed += decision.allowed
        assert decided == counted, (decided, counted)
        print(f"\ndecide() in bulk on {day}: {len(groups)} groups {groups}")
        print(
            f"  ours     : {decided:>10,} decisions in {ours.seconds:7.2f} s "
            f"= {decided / ours.seconds:>10,.0f} decisions/s ({allowed:,} allowed)"
        )
        print(f"  baseline : bare SQL COUNT(*) of the same selection: {base.seconds:7.2f} s")
        print(f"  ratio    : {base.seconds / ours.seconds:.3f} (baseline time / our time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2024, 6, 15))
    args = parser.parse_args()
    run(args.persons, day=args.day)


if __name__ == "__main__":
    main()
