"""Small helpers for fast weighted sampling, and the demographic tables behind ages.

Sampling in the hot loop is ``table[int(random() * len(table))]`` on a table in which each
value appears in proportion to its weight (:func:`expand`): one multiplication and one index,
far cheaper than ``random.choices`` per person.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def expand(weights: Sequence[float], size: int) -> list[int]:
    """Indices of ``weights`` repeated in proportion to the weights, ``size`` entries in all
    (largest-remainder rounding; every positive weight gets at least one entry)."""
    if size <= 0:
        raise ValueError("size must be positive")
    positive = [i for i, w in enumerate(weights) if w > 0]
    if not positive:
        raise ValueError("no positive weight")
    if len(positive) > size:
        raise ValueError(f"{len(positive)} positive weights do not fit in {size} entries")
    total = sum(weights[i] for i in positive)
    quotas = {i: weights[i] / total * size for i in positive}
    counts = {i: max(1, math.floor(q)) for i, q in quotas.items()}
    missing = size - sum(counts.values())
    by_remainder = sorted(positive, key=lambda i: (-(quotas[i] - math.floor(quotas[i])), i))
    k = 0
    while missing > 0:
        counts[by_remainder[k % len(by_remainder)]] += 1
        missing -= 1
        k += 1
    by_size = sorted(positive, key=lambda i: (-counts[i], i))
    k = 0
    while missing < 0:
        i = by_size[k % len(by_size)]
        if counts[i] > 1:
            counts[i] -= 1
            missing += 1
        k += 1
    table: list[int] = []
    for i in positive:
        table.extend([i] * counts[i])
    return table


# Live births in mainland China by year, in millions (National Bureau of Statistics yearbooks,
# rounded). Years before 1950 use 18, after 2023 use 9.
# fmt: off
BIRTHS: dict[int, float] = {
    1950: 20.2, 1951: 21.1, 1952: 21.1, 1953: 21.5, 1954: 22.6, 1955: 19.8, 1956: 19.6,
    1957: 21.7, 1958: 19.1, 1959: 16.5, 1960: 13.9, 1961: 11.9, 1962: 24.6, 1963: 29.3,
    1964: 27.3, 1965: 27.0, 1966: 25.8, 1967: 25.6, 1968: 27.6, 1969: 27.1, 1970: 27.4,
    1971: 25.7, 1972: 25.5, 1973: 24.6, 1974: 22.3, 1975: 21.0, 1976: 18.5, 1977: 17.9,
    1978: 17.5, 1979: 17.3, 1980: 17.8, 1981: 20.6, 1982: 22.3, 1983: 20.5, 1984: 20.5,
    1985: 22.0, 1986: 23.8, 1987: 25.2, 1988: 24.6, 1989: 24.1, 1990: 23.9, 1991: 22.6,
    1992: 21.3, 1993: 21.3, 1994: 21.0, 1995: 20.6, 1996: 20.7, 1997: 20.4, 1998: 19.4,
    1999: 18.3, 2000: 17.7, 2001: 17.0, 2002: 16.5, 2003: 16.0, 2004: 15.9, 2005: 16.2,
    2006: 15.9, 2007: 15.9, 2008: 16.1, 2009: 15.9, 2010: 15.9, 2011: 16.0, 2012: 16.4,
    2013: 16.4, 2014: 16.9, 2015: 16.6, 2016: 17.9, 2017: 17.2, 2018: 15.2, 2019: 14.7,
    2020: 12.0, 2021: 10.6, 2022: 9.6, 2023: 9.0,
}
# fmt: on


def births(year: int) -> float:
    if year < 1950:
        return 18.0
    return BIRTHS.get(year, 9.0)


def survival(age: int) -> float:
    """Share of a birth cohort alive at ``age`` (Gompertz mortality, megacity life tables:
    about 85% at 65, 55% at 80, 20% at 90)."""
    return math.exp(-0.00003 / 0.095 * (math.exp(0.095 * age) - 1.0))


def in_band(age: int, bands: Sequence[tuple[int, float]]) -> float:
    """The factor of the last band whose lower age is <= ``age``."""
    factor = 0.0
    for lower, value in bands:
        if age >= lower:
            factor = value
    return factor
