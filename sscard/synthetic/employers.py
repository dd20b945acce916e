"""Employers: heavy-tailed sizes, valid unified social credit codes, names, payroll banks.

Sizes. Employer sizes are heavy-tailed at every scale: a body drawn from a discrete Pareto law
(shape 1.1, truncated at ``min(40,000, staff / 20)``), so that most employers have fewer than
20 staff, plus, once there are 400,000 staff or more (a city of about a million persons and
up), ``floor(3 * sqrt(staff / 450,000))`` giants of 50,000 to 50,000 + min(70,000, 4% of
staff) staff each (together at most half the staff) — the central
SOEs, banks and hospital groups that each insure tens of thousands of people. There are about
``staff / 15`` employers. Sizes are exact: they add up to the number of staff the generator
will write, and each staff member takes one *slot* (see :meth:`Employers.staff_employer`).

Codes. ``type(2) + district(6) + organisation code(9) + check`` (GB 32100): type 91 enterprise,
92 individual business, 12 public institution, 52 private non-enterprise unit; the
organisation code (GB 11714) is either an 8-digit legacy body or a post-2015 ``MA…`` body,
both followed by their own check character. Bodies come from a bijective scramble of a
counter, so codes are unique without a set.
"""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from sscard.synthetic.checks import USCC_ALPHABET, org_code_check_char, uscc_check_char
from sscard.synthetic.cities import CityProfile
from sscard.synthetic.names import name_data
from sscard.synthetic.tables import expand

STAFF_PER_EMPLOYER = 15
PARETO_SHAPE = 1.1
GIANT_THRESHOLD = 400_000
GIANT_MIN, GIANT_MAX = 50_000, 120_000


def coprime_stride(space: int, fraction: float = 0.6180339887) -> int:
    """A multiplier near ``fraction * space`` that is coprime with ``space``."""
    stride = max(1, int(space * fraction))
    while math.gcd(stride, space) != 1:
        stride += 1
    return stride


def employer_sizes(staff: int, rng: random.Random) -> list[int]:
    """Sizes of ``round(staff / 15)`` employers adding up to exactly ``staff``, in random order."""
    if staff < 1:
        raise ValueError("there must be staff")
    count = max(1, round(staff / STAFF_PER_EMPLOYER))
    giants: list[int] = []
    if staff >= GIANT_THRESHOLD:
        spread = min(GIANT_MAX - GIANT_MIN, 0.04 * staff)
        for _ in range(int(3 * math.sqrt(staff / 450_000))):
            giants.append(GIANT_MIN + int(rng.random() * spread))
        while sum(giants) > 0.5 * staff:
            giants.pop()
    body_count = count - len(giants)
    body_staff = staff - sum(giants)
    cap = min(40_000, max(50, staff // 20))
    tail = 1.0 - cap**-PARETO_SHAPE
    draws = [(1.0 - rng.random() * tail) ** (-1.0 / PARETO_SHAPE) for _ in range(body_count)]
    scale = body_staff / sum(draws)
    sizes = [max(1, int(d * scale)) for d in draws]
    missing = body_staff - sum(sizes)
    if missing > 0:
        for i in rng.choices(range(body_count), weights=draws, k=missing):
            sizes[i] += 1
    order = sorted(range(body_count), key=lambda i: -sizes[i])
    k = 0
    while missing < 0:
        i = order[k % body_count]
        if sizes[i] > 1:
            sizes[i] -= 1
            missing += 1
        k += 1
    sizes.extend(giants)
    rng.shuffle(sizes)
    return sizes


class _Scramble:
    """A bijection of ``range(space)``: ``i -> (i * stride + offset) % space``."""

    def __init__(self, space: int, offset: int) -> None:
        self.space = space
        self.stride = coprime_stride(space)
        self.offset = offset % space

    def __call__(self, i: int) -> int:
        if i >= self.space:
            raise RuntimeError(f"code space of {self.space} exhausted")
        return (i * self.stride + self.offset) % self.space


def _base31(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, digit = divmod(value, 31)
        out.append(USCC_ALPHABET[digit])
    return "".join(reversed(out))


#: Employers whose name and payroll banks are kept after writing (for enterprise points).
NOTABLE = 200


@dataclass
class Employers:
    """What is kept of the employers once ``employers.csv`` is written: O(employers) and
    compact (the credit codes, and arrays of districts, sizes and slot ends)."""

    codes: list[str]
    districts: array[int]
    sizes: array[int]
    #: ``ends[i]`` is one past the last slot of employer ``i``.
    ends: array[int]
    stride: int
    offset: int
    #: The largest employers: index -> (name, payroll bank codes).
    notable: dict[int, tuple[str, tuple[str, ...]]]

    @property
    def staff(self) -> int:
        return self.ends[-1]

    def staff_employer(self, j: int) -> int:
        """The employer of the ``j``-th staff member written (``0 <= j < staff``).

        The slots ``0..staff-1`` are laid out employer by employer; staff member ``j`` takes
        slot ``(j * stride + offset) % staff``, a permutation, so every employer ends up with
        exactly its size however the staff are interleaved with other persons."""
        return bisect_right(self.ends, (j * self.stride + self.offset) % self.ends[-1])

    def weighted_employer(self, u: float) -> int:
        """An employer chosen in proportion to size, for ``0 <= u < 1``."""
        return bisect_right(self.ends, int(u * self.ends[-1]))


def build_employers(
    profile: CityProfile,
    staff: int,
    rng: random.Random,
    district_table: Sequence[int],
    out: TextIO,
) -> Employers:
    """Write ``employers.csv`` rows for ``staff`` staff members to ``out`` (header included);
    ``district_table`` samples an insured district."""
    sizes = employer_sizes(staff, rng)
    notable_from = sorted(sizes)[-min(NOTABLE, len(sizes))]
    ties_left = NOTABLE - sum(1 for size in sizes if size > notable_from)
    chars = name_data().brand_chars
    pairs = len(chars) * (len(chars) - 1)
    trades = name_data().trades
    name_scrambles = {t: _Scramble(pairs * len(v), rng.getrandbits(32)) for t, v in trades.items()}
    name_counters = dict.fromkeys(trades, 0)
    legacy = _Scramble(90_000_000, rng.getrandbits(32))
    modern = _Scramble(31**6, rng.getrandbits(40))
    legacy_n = modern_n = 0

    bank_codes = [b.code for b in (*profile.partner_banks, *profile.other_banks)]
    bank_table = expand([profile.bank_weights[c] for c in bank_codes], 1000)

    # The largest units sit in the business districts: weight by employment squared.
    central_table = expand([d.employment**2 for d in profile.districts], 1 << 12)
    codes: list[str] = []
    districts = array("B")
    ends = array("q")
    notable: dict[int, tuple[str, tuple[str, ...]]] = {}
    end = 0
    out.write("credit_code,name,insured_district,payroll_banks\n")
    for i, size in enumerate(sizes):
        table = central_table if size >= 10_000 else district_table
        d = table[int(rng.random() * len(table))]
        district = profile.districts[d]
        r = rng.random()
        if size <= 3 and r < 0.3:
            kind = "92"
        elif 20 <= size < 5_000 and r < 0.08:
            kind = "12"
        elif 5 <= size < 500 and r < 0.10:
            kind = "52"
        else:
            kind = "91"
        # Trade name: a unique (character pair, trade) per kind.
        k = name_scrambles[kind](name_counters[kind])
        name_counters[kind] += 1
        pair, trade_i = divmod(k, len(trades[kind]))
        first, second = divmod(pair, len(chars) - 1)
        brand = chars[first] + chars[second if second < first else second + 1]
        trade = trades[kind][trade_i]
        if kind == "91":
            if size >= 20_000:
                suffix = "集团有限公司"
            elif size >= 1_000 and rng.random() < 0.5:
                suffix = "股份有限公司"
            else:
                suffix = "有限责任公司" if rng.random() < 0.15 else "有限公司"
            name = f"{profile.short_zh}{brand}{trade}{suffix}"
        else:
            name = f"{profile.name_zh}{district.name_zh}{brand}{trade}"
        # Organisation code: legacy numeric body for older/larger units, MA… for newer ones.
        if rng.random() < (0.65 if size < 100 else 0.35):
            body = "MA" + _base31(modern(modern_n), 6)
            modern_n += 1
        else:
            body = f"{legacy(legacy_n) + 10_000_000:08d}"
            legacy_n += 1
        first17 = kind + district.code + body + org_code_check_char(body)
        code = first17 + uscc_check_char(first17)
        # Payroll banks: 1-3, more for larger units; drawn from partners and non-partners alike.
        wanted = 1 + (rng.random() < min(0.8, 0.15 + 0.1 * math.log10(size + 1))) * (
            1 + (size >= 500 and rng.random() < 0.5)
        )
        chosen: list[str] = []
        while len(chosen) < wanted:
            bank = bank_codes[bank_table[int(rng.random() * len(bank_table))]]
            if bank not in chosen:
                chosen.append(bank)
        out.write(f"{code},{name},{district.code},{';'.join(chosen)}\n")
        codes.append(code)
        districts.append(d)
        end += size
        ends.append(end)
        if size > notable_from or (size == notable_from and ties_left > 0):
            ties_left -= size == notable_from
            notable[i] = (name, tuple(chosen))
    return Employers(
        codes=codes,
        districts=districts,
        sizes=array("i", sizes),
        ends=ends,
        stride=coprime_stride(end),
        offset=rng.randrange(end),
        notable=notable,
    )
