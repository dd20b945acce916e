"""Names: persons (surname + given name), foreigners, employers' trade names.

The material is in ``data/names.yaml``: the 100 most common surnames with their frequencies,
given-name characters and common whole given names per generation and sex (建国 and 秀英 among
people born before 1970, 子轩 and 梓涵 after 2000), foreign residents' names, and employers'
trade-name characters and trade words.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sscard.synthetic.tables import expand

NAMES_FILE = Path(__file__).resolve().parent / "data" / "names.yaml"
ERAS = ("old", "mid", "young")


@dataclass(frozen=True)
class NameData:
    surnames: tuple[tuple[str, float], ...]
    #: (era, sex) -> (characters, whole names)
    given: Mapping[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]]
    foreign_names: Mapping[str, tuple[str, ...]]
    foreign_nationalities: Mapping[str, float]
    brand_chars: tuple[str, ...]
    #: GB 32100 type ("91", "92", "12", "52") -> trade words
    trades: Mapping[str, tuple[str, ...]]


@cache
def name_data() -> NameData:
    with NAMES_FILE.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    given = {}
    for key, value in doc["given_names"].items():
        era, sex = key.split("_")
        given[(era, sex)] = (
            tuple(dict.fromkeys(value["characters"].split())),
            tuple(value["whole_names"].split()),
        )
    return NameData(
        surnames=tuple((str(s), float(w)) for s, w in doc["surnames"].items()),
        given=given,
        foreign_names={str(k): tuple(v) for k, v in doc["foreign_names"].items()},
        foreign_nationalities={str(k): float(v) for k, v in doc["foreign_nationalities"].items()},
        brand_chars=tuple(dict.fromkeys(c for c in doc["brand_characters"] if not c.isspace())),
        trades={str(k): tuple(v.split()) for k, v in doc["trades"].items()},
    )


def surname_table(boost: Mapping[str, float], size: int) -> list[str]:
    """A table of ``size`` surnames in proportion to their (boosted) frequency."""
    surnames = name_data().surnames
    names = [s for s, _ in surnames]
    weights = [w * boost.get(s, 1.0) for s, w in surnames]
    return [names[i] for i in expand(weights, size)]


def era_of_birth_year(year: int) -> str:
    return "old" if year < 1970 else "mid" if year < 2000 else "young"


def given_name_pool(rng: random.Random, era: str, sex: str, size: int) -> list[str]:
    """``size`` given names of one generation and sex: 15% common whole names, 10% one
    character, the rest two distinct characters of the generation."""
    chars, whole = name_data().given[(era, sex)]
    pool: list[str] = []
    for _ in range(size):
        r = rng.random()
        if r < 0.15:
            pool.append(rng.choice(whole))
        elif r < 0.25:
            pool.append(rng.choice(chars))
        else:
            first, second = rng.sample(chars, 2)
            pool.append(first + second)
    return pool


def foreign_name_table(size: int) -> tuple[list[str], list[str]]:
    """Parallel tables of nationality codes and names, in proportion to nationality shares."""
    data = name_data()
    codes = list(data.foreign_nationalities)
    picks = expand([data.foreign_nationalities[c] for c in codes], size)
    nationalities = [codes[i] for i in picks]
    names = [
        data.foreign_names[n][k % len(data.foreign_names[n])] for k, n in enumerate(nationalities)
    ]
    return nationalities, names
