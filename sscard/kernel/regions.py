"""Administrative division codes (行政区划代码) as used in citizen IDs and credit codes.

The table is python-stdnum's ``cn/loc`` database (the one ``stdnum.cn.ric`` uses). It keeps
counties that have since been abolished or renamed, which is what an identity number needs: a
number issued in 1985 in a county that no longer exists is still a valid number. A code is
"known" if it appears in the table at all, whatever years the county existed.

The table is read once, on first use, into a frozenset and a dict.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from stdnum import numdb

__all__ = [
    "PROVINCE_CODES",
    "city_of",
    "city_prefix",
    "is_known",
    "known_codes",
    "province_name",
    "region_name",
]

#: Two-digit codes of the 31 provincial-level divisions of the mainland (GB/T 2260).
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(c) for c in range(11, 16)]
    + [str(c) for c in range(21, 24)]
    + [str(c) for c in range(31, 38)]
    + [str(c) for c in range(41, 47)]
    + [str(c) for c in range(50, 55)]
    + [str(c) for c in range(61, 66)]
)

# Provincial-level municipalities: their second level (市辖区/县) is not a real prefecture.
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# Second-level placeholders that carry no name worth showing.
_PLACEHOLDER_NAMES = frozenset(
    {
        "市辖区",
        "县",
        "郊县",
        "省直辖县级行政区划",
        "省直辖县级行政单位",
        "自治区直辖县级行政区划",
        "自治区直辖县级行政单位",
        "省直辖行政单位",
    }
)


def city_of(region: str) -> str:
    """The city (地级行政区) a 6-digit division code lies in, as its own 6-digit code.

    A municipality's districts belong to the municipality (``110105`` → ``110000``); a
    prefecture-level city's districts and counties to the city (``440106`` → ``440100``,
    ``320508`` → ``320500``); a county-level city governed directly by its province
    (``429004`` 仙桃市, second level ``90``) is a city of its own. ``""`` for no region.
    """
    if len(region) != 6 or not region.isdigit():
        return ""
    if region[:2] in _MUNICIPALITIES:
        return region[:2] + "0000"
    if region[2:4] == "00":
        return region  # a province itself: no city to narrow to
    if region[2:4] == "90":
        return region
    return region[:4] + "00"


def city_prefix(city: str) -> str:
    """The division-code prefix every region of ``city`` starts with (``11``, ``4401``).

    The inverse of :func:`city_of` for queries: ``region.startswith(city_prefix(city))``.
    """
    if not city:
        return ""
    if city[2:] == "0000":
        return city[:2]
    if city[2:4] == "90":
        return city
    return city[:4]


@dataclass(frozen=True, slots=True)
class _Table:
    codes: frozenset[str]
    names: dict[str, str]  # 6-digit code -> most recent name of that unit
    provinces: dict[str, str]  # 2-digit code -> province name


def _latest_name(raw: str) -> str:
    """Pick the current (or last) name from ``"[1983-2019]桥东区,[2020-]襄都区"``."""
    best = raw
    for item in raw.split(","):
        if item.startswith("["):
            span, _, name = item[1:].partition("]")
            best = name
            if span.endswith("-"):  # open-ended: still in use
                return name
        else:
            best = item
    return best


@functools.cache
def _table() -> _Table:
    db = numdb.get("cn/loc")
    codes: set[str] = set()
    names: dict[str, str] = {}
    provinces: dict[str, str] = {}
    for length, low, high, props, children in db.prefixes:
        if length != 2:
            continue
        for p in range(int(low), int(high) + 1):
            prov = f"{p:02d}"
            provinces[prov] = props.get("province", "")
            for c_length, c_low, c_high, c_props, _ in children:
                if c_length != 4:
                    continue
                for c in range(int(c_low), int(c_high) + 1):
                    code = f"{prov}{c:04d}"
                    codes.add(code)
                    if "county" in c_props:
                        names[code] = _latest_name(c_props["county"])
    return _Table(frozenset(codes), names, provinces)


def known_codes() -> frozenset[str]:
    """Every 6-digit code of the table (current and historical)."""
    return _table().codes


def is_known(code: str) -> bool:
    """Whether ``code`` (6 digits) appears in the division table."""
    return code in _table().codes


def province_name(code: str) -> str | None:
    """Name of the province whose 2-digit code starts ``code``."""
    return _table().provinces.get(code[:2])


def region_name(code: str) -> str | None:
    """Human-readable name of a 6-digit division code, e.g. ``"北京市朝阳区"``.

    Province, then prefecture (where there is a real one), then county. Historical codes get
    the last name the unit had. ``None`` for an unknown code.
    """
    table = _table()
    if code not in table.codes:
        return None
    prov = code[:2]
    prov_name = table.names.get(prov + "0000") or table.provinces.get(prov, "")
    if code[2:] == "0000":
        return prov_name
    parts = [prov_name]
    if code[4:] != "00" and prov not in _MUNICIPALITIES:
        pref_name = table.names.get(code[:4] + "00")
        if pref_name and pref_name not in _PLACEHOLDER_NAMES:
            parts.append(pref_name)
    own = table.names.get(code)
    if own and own not in parts:
        parts.append(own)
    return "".join(parts)
