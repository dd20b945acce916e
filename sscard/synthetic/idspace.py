"""Unique identity numbers without remembering the ones already issued.

An 18-character number is ``region(6) + birth date(8) + sequence(3) + check``; the last digit
of the sequence is odd for men and even for women. Uniqueness comes from construction:

* Ages are exact ages on the profile's ``as_of`` day, so an *age window* ``w`` is the 365 or
  366 birth dates on which a person is ``w`` years old that day.
* The number space is cut into *buckets* ``(region, w, sex)``. Each bucket has a counter
  ``c`` (one ``array('I')`` slot: a few MB in all, whatever the population). The ``c``-th
  person of a bucket gets ``k, m = divmod(c, len(window))``; the day is ``m`` scrambled by a
  permutation of the window and the sequence is ``k`` scrambled by a permutation of the 500
  odd (men) or 499 even (women) sequence numbers, both salted by the bucket (and the
  sequence by the day), so numbers look spread out. Distinct ``c`` give distinct (day,
  sequence), so two persons can share a number only if they share region, window and sex —
  the same bucket — and then their counters differ. A bucket holds 365 x 499 = 182,000
  numbers; the largest bucket of a 25-million-person city holds about 50,000 (checked,
  raising if ever full).
* The three check computations are split into precomputed weighted sums of the region, the
  date and the sequence, so each number costs a handful of additions.

The same scheme serves the permits, whose "region" is ``810000``/``820000``/``830000`` (Hong
Kong, Macao, Taiwan residence permits) or ``9`` + province + nationality (foreign permanent
residence identity card, 2023 format).
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_right
from collections.abc import Iterable

from stdnum import numdb

from sscard.synthetic.checks import ID_CHECK, id_weighted_sum

MAX_AGE = 100  # windows 0..99
HMT_REGIONS = ("810000", "820000", "830000")  # Hong Kong, Macao, Taiwan residence permits
DAY_STRIDE = 211  # prime: a permutation of both 365 and 366 days
SEQ_STRIDE = 263  # prime: a permutation of the 500 odd and the 499 even sequence numbers
_PLACEHOLDER_NAMES = frozenset(
    {"市辖区", "县", "市区", "省直辖县级行政单位", "自治区直辖县级行政单位"}
)


def years_before(day: dt.date, years: int) -> dt.date:
    """``day`` shifted back by whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Exact age in whole years on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class AgeWindows:
    """For each age ``w`` the birth dates giving exactly that age on ``as_of``."""

    def __init__(self, as_of: dt.date, max_age: int = MAX_AGE) -> None:
        self.as_of = as_of
        self.dates: list[list[str]] = []
        self.sums: list[list[int]] = []
        self.first_year: list[int] = []
        self.last_year: list[int] = []
        for w in range(max_age):
            last = years_before(as_of, w)
            first = years_before(as_of, w + 1) + dt.timedelta(days=1)
            days = [
                (first + dt.timedelta(days=i)).strftime("%Y%m%d")
                for i in range((last - first).days + 1)
            ]
            self.dates.append(days)
            self.sums.append([id_weighted_sum(d, 6) for d in days])
            self.first_year.append(first.year)
            self.last_year.append(last.year)

    def birth_year(self, w: int) -> int:
        """The calendar year most of window ``w`` falls in."""
        return self.first_year[w] if self.as_of.timetuple().tm_yday < 183 else self.last_year[w]


class IdSpace:
    """Issues unique numbers for registered 6-character prefixes ("regions")."""

    def __init__(self, windows: AgeWindows) -> None:
        self.windows = windows
        self.regions: list[str] = []
        self.region_sums: list[int] = []
        #: The prefix as a number: salts the scrambles so they do not depend on the order in
        #: which regions were registered.
        self.region_ints: list[int] = []
        self._index: dict[str, int] = {}
        self.counts = array("I")
        self.seqs = [f"{s:03d}" for s in range(1000)]
        self.seq_sums = [id_weighted_sum(s, 14) for s in self.seqs]

    def region(self, prefix: str) -> int:
        """The index of ``prefix``, registering it on first use."""
        found = self._index.get(prefix)
        if found is not None:
            return found
        if len(prefix) != 6 or not prefix.isdigit():
            raise ValueError(f"a region prefix is 6 digits, got {prefix!r}")
        index = len(self.regions)
        self._index[prefix] = index
        self.regions.append(prefix)
        self.region_sums.append(id_weighted_sum(prefix, 0))
        self.region_ints.append(int(prefix))
        self.counts.extend([0] * (MAX_AGE * 2))
        return index

    def number(self, region: int, w: int, male: bool) -> str:
        """A number never issued before, for a person of age ``w`` and that sex."""
        key = (region * MAX_AGE + w) * 2 + male
        salt = (self.region_ints[region] * MAX_AGE + w) * 2 + male
        c = self.counts[key]
        self.counts[key] = c + 1
        dates = self.windows.dates[w]
        size = len(dates)
        k, m = divmod(c, size)
        day = (m * DAY_STRIDE + salt) % size
        if male:
            if k >= 500:
                raise RuntimeError(f"identity bucket full: {self.regions[region]} age {w}")
            s = 2 * ((k * SEQ_STRIDE + day * 31 + salt) % 500) + 1
        else:
            if k >= 499:
                raise RuntimeError(f"identity bucket full: {self.regions[region]} age {w}")
            s = 2 * ((k * SEQ_STRIDE + day * 31 + salt) % 499) + 2
        total = self.region_sums[region] + self.windows.sums[w][day] + self.seq_sums[s]
        return self.regions[region] + dates[day] + self.seqs[s] + ID_CHECK[total % 11]


def current_codes(provinces: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
    """County-level codes in force today in each province (2-digit prefix), from python-stdnum's
    ``cn/loc`` database, as (first year in force, code) sorted by year (0 = always)."""
    wanted = set(provinces)
    found: dict[str, list[tuple[int, str]]] = {p: [] for p in wanted}
    for _length, low, _high, _props, children in numdb.get("cn/loc").prefixes:
        if low not in wanted:
            continue
        for _l, county, _h, props, _c in children:
            if county.endswith("00"):
                continue  # province or prefecture level
            for part in props.get("county", "").split(","):
                start: int | None = None
                name = part
                if part.startswith("["):
                    span, name = part[1:].split("]", 1)
                    first, last = span.split("-")
                    if last:
                        continue  # abolished
                    start = int(first) if first else None
                if name in _PLACEHOLDER_NAMES or name.endswith("直辖县级行政单位"):
                    continue
                found[low].append((start or 0, low + county))
                break
    for codes in found.values():
        codes.sort()
    return found


def valid_since(codes: list[tuple[int, str]], year: int) -> int:
    """How many of ``codes`` (sorted by first year) were in force in ``year``."""
    return bisect_right(codes, (year, "999999"))
