"""Populations generated once per test session (no Django, no database)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sscard.synthetic import GenerationSummary, generate_population

SMALL = 20_000


@dataclass
class Generated:
    city: str
    out: Path
    summary: GenerationSummary
    cache: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def rows(self, name: str) -> list[dict[str, str]]:
        if name not in self.cache:
            with (self.out / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
                self.cache[name] = list(csv.DictReader(fh))
        return self.cache[name]


def _generate(tmp_path_factory: pytest.TempPathFactory, city: str) -> Generated:
    out = tmp_path_factory.mktemp(city)
    summary = generate_population(city=city, persons=SMALL, out_dir=out)
    return Generated(city, out, summary)


@pytest.fixture(scope="session")
def beijing(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return _generate(tmp_path_factory, "beijing")


@pytest.fixture(scope="session")
def shanghai(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return _generate(tmp_path_factory, "shanghai")


@pytest.fixture(scope="session", params=["beijing", "shanghai"])
def generated(request: pytest.FixtureRequest) -> Generated:
    result: Generated = request.getfixturevalue(request.param)
    return result
