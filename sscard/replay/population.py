"""A replay's population: the synthetic city, cut down to the districts replayed, imported
through the registry's and network's own imports.

The generator writes a whole city at ``persons`` residents (its districts in their real
proportions); the cut keeps what the replay's districts need — their retirees, pupils and
pre-school children (registered or insured there), the staff of their employers, the guardians
of the children kept, the employers and schools these rows name, and the districts' outlets
(the service banks' branches, community centres and the banks' other acceptance points). Persons
born after ``as_of`` (the eve of the replay) are left out: on that day they were not yet born.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sscard.core.actors import Actor
from sscard.core.models import ImportJob
from sscard.network.imports import import_outlets
from sscard.registry.imports import import_employers, import_persons, import_schools
from sscard.synthetic.population import generate_population

KEPT_CATEGORIES = frozenset({"retiree", "pupil", "preschool_child", "in_service_staff"})
CHILDREN = frozenset({"pupil", "preschool_child"})
IMPORT_ORDER = ("employers", "schools", "outlets", "persons")

#: Reports progress: (what, done, total) — rows of an import, persons generated.
Say = Callable[[str, int, int], None]


@dataclass
class PopulationCut:
    """What the cut kept, per file and per category of person."""

    persons: int = 0
    employers: int = 0
    schools: int = 0
    outlets: int = 0
    categories: dict[str, int] = field(default_factory=dict)
    not_yet_born: int = 0
    files: dict[str, Path] = field(default_factory=dict)


def _born_after(id_number: str, day: date) -> bool:
    """Whether the birth date in the number (digits 7-14 of the resident ID and of both
    permits' 18-character numbers) is after ``day``."""
    born = id_number[6:14]
    return len(id_number) == 18 and born.isdigit() and born > day.strftime("%Y%m%d")


def _kept(row: dict[str, str], districts: Collection[str]) -> bool:
    category = row["category"]
    if category not in KEPT_CATEGORIES:
        return False
    if category == "in_service_staff":
        # Staff belong to the district their employer is insured in, which is theirs.
        return row["insured_region"] in districts
    return row["hukou_region"] in districts or row["insured_region"] in districts


def cut_population(
    *, source: Path, out_dir: Path, districts: Collection[str], as_of: date
) -> PopulationCut:
    """Write the cut of the generated files in ``source`` into ``out_dir`` (two passes over
    ``persons.csv``: the first finds the guardians of the children kept)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cut = PopulationCut(files={kind: out_dir / f"{kind}.csv" for kind in IMPORT_ORDER})
    guardians: set[str] = set()
    with (source / "persons.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["category"] in CHILDREN and _kept(row, districts) and row["guardian_id_number"]:
                guardians.add(row["guardian_id_number"])
    employers: set[str] = set()
    schools: set[str] = set()
    with (
        (source / "persons.csv").open(encoding="utf-8", newline="") as fh,
        cut.files["persons"].open("w", encoding="utf-8", newline="") as out,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or ()), lineterminator="\n")
        writer.writeheader()
        for row in reader:
            if not (_kept(row, districts) or row["id_number"] in guardians):
                continue
            if _born_after(row["id_number"], as_of):
                cut.not_yet_born += 1
                continue
            writer.writerow(row)
            cut.persons += 1
            cut.categories[row["category"]] = cut.categories.get(row["category"], 0) + 1
            if row["employer_credit_code"]:
                employers.add(row["employer_credit_code"])
            if row["school_code"]:
                schools.add(row["school_code"])
    cut.employers = _copy_rows(
        source / "employers.csv",
        cut.files["employers"],
        lambda r: r["credit_code"] in employers or r["insured_district"] in districts,
    )
    cut.schools = _copy_rows(
        source / "schools.csv", cut.files["schools"], lambda r: r["school_code"] in schools
    )
    cut.outlets = _copy_rows(
        source / "outlets.csv", cut.files["outlets"], lambda r: r["district"] in districts
    )
    return cut


def _copy_rows(source: Path, target: Path, keep: Callable[[dict[str, str]], bool]) -> int:
    kept = 0
    with (
        source.open(encoding="utf-8", newline="") as fh,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or ()), lineterminator="\n")
        writer.writeheader()
        for row in reader:
            if keep(row):
                writer.writerow(row)
                kept += 1
    return kept


def population_build(
    *,
    city: str,
    persons: int,
    seed: int,
    districts: Collection[str],
    as_of: date,
    work_dir: Path,
    actor: Actor,
    say: Say,
) -> tuple[PopulationCut, list[ImportJob]]:
    """Generate the city, cut it to ``districts`` and import the cut (employers, schools,
    outlets, persons, in that order: persons name the others)."""
    generated = work_dir / "generated"
    generate_population(
        city=city,
        persons=persons,
        out_dir=generated,
        seed=seed,
        progress=lambda n: say("generate", n, persons),
    )
    cut = cut_population(
        source=generated, out_dir=work_dir / "cut", districts=districts, as_of=as_of
    )
    importers = {
        "employers": import_employers,
        "schools": import_schools,
        "outlets": import_outlets,
        "persons": import_persons,
    }
    jobs = []
    for kind in IMPORT_ORDER:
        path = cut.files[kind]
        total = getattr(cut, kind)

        def progress(rows: int, _bytes: int, kind: str = kind, total: int = total) -> None:
            say(kind, rows, total)

        jobs.append(importers[kind](actor=actor, path=path, file_name=path.name, progress=progress))
    return cut, jobs
