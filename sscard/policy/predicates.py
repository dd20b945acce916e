"""Eligibility predicates: a tiny AST over registry facts, evaluated here for one person.

The same :data:`Predicate` object is compiled to one ORM filter for the whole population by
``sscard.registry.eligibility``; the two must agree on every person, so the meaning of each
condition is fixed here, precisely:

* ``in`` / ``not_in``: the fact equals / does not equal one of the values. A missing fact (a
  person without employer has no ``employer_district``) is never ``in`` and always ``not_in``.
* ``prefix_in``: the fact (a region code) starts with one of the prefixes (``"31"`` is any
  code of province 31, ``"3101"`` any of its prefecture 01 …). A missing fact never matches.
* ``between`` (age only): the person's age in whole years on ``today`` is within the two
  values, both included. A person born on 29 February turns one year older on 1 March in a
  common year (see :func:`age_on`).
* ``is_true`` (``school_notified`` only): the pupil's school was notified on or before
  ``today``.

In a pack a predicate is written as YAML: ``{all: [...]}``, ``{any: [...]}``, ``{not: ...}``,
``{group: other_group}`` (resolved at load) or a condition ``{fact: age, op: between,
values: [0, 17]}``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal, get_args

from sscard.kernel import regions
from sscard.policy.errors import PackError

__all__ = [
    "AGE_MAX",
    "OPS_BY_FACT",
    "PERSON_CATEGORIES",
    "TRUE",
    "AllOf",
    "AnyOf",
    "Condition",
    "EmployerFacts",
    "Fact",
    "NotOf",
    "Op",
    "PersonFacts",
    "Predicate",
    "age_on",
    "birth_cutoff",
    "conditions",
    "conditions_at",
    "evaluate",
    "is_constant_true",
    "may_overlap",
    "parse_predicate",
    "predicate_data",
]

Fact = Literal[
    "category", "employer_district", "hukou_region", "insured_region", "age", "school_notified"
]
Op = Literal["in", "not_in", "prefix_in", "between", "is_true"]

FACTS: Final[tuple[str, ...]] = get_args(Fact)
REGION_FACTS: Final = frozenset({"employer_district", "hukou_region", "insured_region"})
OPS_BY_FACT: Final[Mapping[str, frozenset[str]]] = {
    "category": frozenset({"in", "not_in"}),
    "employer_district": frozenset({"in", "not_in", "prefix_in"}),
    "hukou_region": frozenset({"in", "not_in", "prefix_in"}),
    "insured_region": frozenset({"in", "not_in", "prefix_in"}),
    "age": frozenset({"between"}),
    "school_notified": frozenset({"is_true"}),
}
#: The person categories of the registry (``registry.choices.PersonCategory``; a registry test
#: keeps the two equal).
PERSON_CATEGORIES: Final = frozenset(
    {"in_service_staff", "flexible_worker", "retiree", "pupil", "preschool_child", "other"}
)
#: The oldest age a pack may name.
AGE_MAX: Final = 150


@dataclass(frozen=True)
class Condition:
    """One test of one fact: ``{fact: category, op: in, values: [retiree]}``."""

    fact: Fact
    op: Op
    values: tuple[str | int, ...]


@dataclass(frozen=True)
class AllOf:
    """Every part holds (an empty ``AllOf`` always holds)."""

    parts: tuple[Predicate, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one part holds (an empty ``AnyOf`` never holds)."""

    parts: tuple[Predicate, ...]


@dataclass(frozen=True)
class NotOf:
    """The part does not hold."""

    part: Predicate


Predicate = Condition | AllOf | AnyOf | NotOf

#: The predicate that holds for everyone.
TRUE: Final[Predicate] = AllOf(())


@dataclass(frozen=True)
class PersonFacts:
    """What the policy engine knows of a person (from ``registry.Person``)."""

    category: str
    employer_district: str | None
    hukou_region: str
    insured_region: str
    birth_date: date
    school_notified_on: date | None = None
    pension_bank: str = ""
    payroll_banks: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmployerFacts:
    """What the policy engine knows of an employer (from ``registry.Employer``).

    Only ``employer_district`` conditions apply to an employer (a pack's employer groups may
    test nothing else); every other condition is false for an employer.
    """

    insured_district: str
    payroll_banks: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def age_on(birth: date, today: date) -> int:
    """Age in whole years on ``today`` (negative if ``birth`` is after ``today``)."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def birth_cutoff(today: date, years: int) -> date:
    """The latest birth date of a person who is at least ``years`` old on ``today``.

    ``age_on(b, today) >= years`` exactly when ``b <= birth_cutoff(today, years)``. On 29
    February of a leap year, ``years`` back may be a common year: the cutoff is then 28
    February (nobody is born on a day that year does not have). Years before 1 are clamped.
    """
    year = today.year - years
    if year < 1:
        return date.min
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February -> a common year
        return date(year, 2, 28)


_MISSING: Final = object()


def _fact_value(fact: str, facts: PersonFacts | EmployerFacts) -> object:
    if isinstance(facts, EmployerFacts):
        return facts.insured_district if fact == "employer_district" else _MISSING
    if fact == "category":
        return facts.category
    if fact == "employer_district":
        return facts.employer_district
    if fact == "hukou_region":
        return facts.hukou_region
    if fact == "insured_region":
        return facts.insured_region
    if fact == "age":
        return facts.birth_date
    if fact == "school_notified":
        return facts.school_notified_on
    return _MISSING


def _holds(cond: Condition, facts: PersonFacts | EmployerFacts, today: date) -> bool:
    value = _fact_value(cond.fact, facts)
    if value is _MISSING:
        return False
    op = cond.op
    if op == "in":
        return value is not None and value in cond.values
    if op == "not_in":
        return value is None or value not in cond.values
    if op == "prefix_in":
        return isinstance(value, str) and any(
            isinstance(p, str) and value.startswith(p) for p in cond.values
        )
    if op == "between":
        if not isinstance(value, date):
            return False
        lo, hi = cond.values
        return isinstance(lo, int) and isinstance(hi, int) and lo <= age_on(value, today) <= hi
    if op == "is_true":
        return isinstance(value, date) and value <= today
    return False


def evaluate(predicate: Predicate, facts: PersonFacts | EmployerFacts, today: date) -> bool:
    """Whether ``predicate`` holds for ``facts`` on ``today``."""
    if isinstance(predicate, Condition):
        return _holds(predicate, facts, today)
    if isinstance(predicate, AllOf):
        return all(evaluate(p, facts, today) for p in predicate.parts)
    if isinstance(predicate, AnyOf):
        return any(evaluate(p, facts, today) for p in predicate.parts)
    return not evaluate(predicate.part, facts, today)


def is_constant_true(predicate: Predicate) -> bool:
    """Whether ``predicate`` holds whatever the facts (an ``all`` of nothing, or of such)."""
    if isinstance(predicate, AllOf):
        return all(is_constant_true(p) for p in predicate.parts)
    if isinstance(predicate, AnyOf):
        return any(is_constant_true(p) for p in predicate.parts)
    return False


def conditions(predicate: Predicate) -> Iterator[Condition]:
    """Every condition inside ``predicate``."""
    if isinstance(predicate, Condition):
        yield predicate
    elif isinstance(predicate, AllOf | AnyOf):
        for part in predicate.parts:
            yield from conditions(part)
    else:
        yield from conditions(predicate.part)


def conditions_at(predicate: Predicate, path: str = "") -> Iterator[tuple[str, Condition]]:
    """Every condition inside ``predicate`` with its path in the YAML form (``all[1]``)."""
    if isinstance(predicate, Condition):
        yield path, predicate
    elif isinstance(predicate, AllOf | AnyOf):
        key = "all" if isinstance(predicate, AllOf) else "any"
        for i, part in enumerate(predicate.parts):
            yield from conditions_at(part, f"{_join(path, key)}[{i}]")
    else:
        yield from conditions_at(predicate.part, _join(path, "not"))


# --------------------------------------------------------------------------------------------
# Parsing (pack YAML -> AST)
# --------------------------------------------------------------------------------------------


def _err(code: str, path: str, zh: str, en: str, **details: Any) -> PackError:
    return PackError(code, zh, en, {"path": path, **details})


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def parse_predicate(raw: object, path: str = "") -> Predicate:
    """Build a predicate from its YAML form; :class:`PackError` with the sub-path on error.

    ``{group: ...}`` references must have been resolved before (the loader does it).
    """
    if not isinstance(raw, Mapping):
        raise _err(
            "pack_predicate_invalid",
            path,
            "条件必须是一个映射：all、any、not 或 fact/op/values。",
            "A predicate must be a mapping: all, any, not, or fact/op/values.",
        )
    keys = set(raw)
    for combinator in ("all", "any"):
        if combinator in keys:
            if keys != {combinator}:
                extra = sorted(str(k) for k in keys - {combinator})
                raise _err(
                    "pack_unknown_key",
                    _join(path, extra[0]),
                    f"“{combinator}”不能与其他字段并列。",
                    f"“{combinator}” cannot stand beside other keys.",
                )
            items = raw[combinator]
            if not isinstance(items, list):
                raise _err(
                    "pack_predicate_invalid",
                    _join(path, combinator),
                    f"“{combinator}”必须是条件列表。",
                    f"“{combinator}” must be a list of predicates.",
                )
            sub = _join(path, combinator)
            parts = tuple(parse_predicate(item, _join(sub, i)) for i, item in enumerate(items))
            return AllOf(parts) if combinator == "all" else AnyOf(parts)
    if "not" in keys:
        if keys != {"not"}:
            extra = sorted(str(k) for k in keys - {"not"})
            raise _err(
                "pack_unknown_key",
                _join(path, extra[0]),
                "“not”不能与其他字段并列。",
                "“not” cannot stand beside other keys.",
            )
        return NotOf(parse_predicate(raw["not"], _join(path, "not")))
    if "group" in keys:
        raise _err(
            "pack_group_unknown",
            _join(path, "group"),
            "引用的人群未能解析。",
            "The referenced group could not be resolved.",
        )
    return _parse_condition(raw, path)


def _parse_condition(raw: Mapping[Any, Any], path: str) -> Condition:
    allowed = {"fact", "op", "values"}
    for key in raw:
        if key not in allowed:
            raise _err(
                "pack_unknown_key",
                _join(path, str(key)),
                f"条件中有未知字段“{key}”（可用：fact、op、values，或 all、any、not、group）。",
                f"Unknown key “{key}” in a condition (allowed: fact, op, values; or all, any, "
                "not, group).",
            )
    fact = raw.get("fact")
    if fact not in FACTS:
        raise _err(
            "pack_predicate_invalid",
            _join(path, "fact"),
            f"未知的事实“{fact}”，可用：{'、'.join(FACTS)}。",
            f"Unknown fact “{fact}”; one of: {', '.join(FACTS)}.",
        )
    op = raw.get("op")
    if op not in OPS_BY_FACT[fact]:
        ops = sorted(OPS_BY_FACT[fact])
        raise _err(
            "pack_predicate_invalid",
            _join(path, "op"),
            f"事实“{fact}”不能使用运算“{op}”，可用：{'、'.join(ops)}。",
            f"The fact “{fact}” cannot use the operator “{op}”; one of: {', '.join(ops)}.",
        )
    values_raw = raw.get("values", [])
    if not isinstance(values_raw, list):
        raise _err(
            "pack_predicate_invalid",
            _join(path, "values"),
            "values 必须是列表。",
            "values must be a list.",
        )
    vpath = _join(path, "values")
    if op == "is_true":
        if values_raw:
            raise _err(
                "pack_predicate_invalid",
                vpath,
                "运算 is_true 不带取值。",
                "The operator is_true takes no values.",
            )
        return Condition(fact=fact, op=op, values=())
    if op == "between":
        return Condition(fact=fact, op=op, values=_age_bounds(values_raw, vpath))
    if not values_raw:
        raise _err(
            "pack_predicate_invalid",
            vpath,
            "取值列表不能为空。",
            "The list of values cannot be empty.",
        )
    values: list[str] = []
    for i, value in enumerate(values_raw):
        ipath = _join(vpath, i)
        if not isinstance(value, str):
            raise _err(
                "pack_predicate_invalid",
                ipath,
                f"取值{value!r}必须是字符串（区划代码请加引号）。",
                f"The value {value!r} must be a string (quote division codes).",
            )
        if fact == "category":
            if value not in PERSON_CATEGORIES:
                raise _err(
                    "pack_predicate_invalid",
                    ipath,
                    f"未知的人员类别“{value}”，可用：{'、'.join(sorted(PERSON_CATEGORIES))}。",
                    f"Unknown person category “{value}”; one of: "
                    f"{', '.join(sorted(PERSON_CATEGORIES))}.",
                )
        elif op == "prefix_in":
            _check_prefix(value, ipath)
        else:
            _check_code(value, ipath)
        values.append(value)
    if len(set(values)) != len(values):
        raise _err(
            "pack_predicate_invalid",
            vpath,
            "取值列表中有重复项。",
            "The list of values has a duplicate.",
        )
    return Condition(fact=fact, op=op, values=tuple(values))


def _age_bounds(values: list[Any], path: str) -> tuple[int, int]:
    ok = (
        len(values) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        and 0 <= values[0] <= values[1] <= AGE_MAX
    )
    if not ok:
        raise _err(
            "pack_predicate_invalid",
            path,
            f"年龄区间应为两个整数 [下限, 上限]，0 ≤ 下限 ≤ 上限 ≤ {AGE_MAX}。",
            f"An age range is two integers [low, high] with 0 <= low <= high <= {AGE_MAX}.",
        )
    return values[0], values[1]


def _check_code(value: str, path: str) -> None:
    if not (len(value) == 6 and value.isascii() and value.isdigit() and regions.is_known(value)):
        raise _err(
            "pack_district_unknown",
            path,
            f"区划代码“{value}”不存在（GB/T 2260）。",
            f"The division code “{value}” does not exist (GB/T 2260).",
            value=value,
        )


def _check_prefix(value: str, path: str) -> None:
    ok = (
        len(value) in (2, 4, 6)
        and value.isascii()
        and value.isdigit()
        and any(code.startswith(value) for code in regions.known_codes())
    )
    if not ok:
        raise _err(
            "pack_district_unknown",
            path,
            f"区划代码前缀“{value}”不对应任何区划（应为2、4或6位数字）。",
            f"The division code prefix “{value}” matches no division (2, 4 or 6 digits).",
            value=value,
        )


def predicate_data(predicate: Predicate) -> dict[str, Any]:
    """The YAML form of a predicate (``parse_predicate`` of it gives it back)."""
    if isinstance(predicate, Condition):
        out: dict[str, Any] = {"fact": predicate.fact, "op": predicate.op}
        if predicate.values:
            out["values"] = list(predicate.values)
        return out
    if isinstance(predicate, AllOf):
        return {"all": [predicate_data(p) for p in predicate.parts]}
    if isinstance(predicate, AnyOf):
        return {"any": [predicate_data(p) for p in predicate.parts]}
    return {"not": predicate_data(predicate.part)}


# --------------------------------------------------------------------------------------------
# Overlap: can two predicates hold for the same person?
# --------------------------------------------------------------------------------------------

_PROBE_TODAY: Final = date(2000, 6, 15)
_PROBE_LIMIT: Final = 200_000
_OTHER_CODE: Final = "~none"  # matches no code and no prefix
_OTHER_CATEGORY: Final = "~other"


def _region_candidates(values: set[str], prefixes: set[str]) -> list[str | None]:
    """One value for every way a region code can relate to ``values`` and ``prefixes``."""
    candidates: list[str | None] = [None, _OTHER_CODE, *sorted(values)]
    for prefix in sorted(prefixes):
        for filler in ("99", "98", "97", "96", "89", "88", "79"):
            code = (prefix + filler * 3)[:6]
            if code not in values and not any(
                p != prefix and p.startswith(prefix) and code.startswith(p) for p in prefixes
            ):
                candidates.append(code)
                break
        candidates.append(prefix)  # the prefix itself, for 6-digit prefixes
    return list(dict.fromkeys(candidates))


def _candidates(fact: str, conds: Sequence[Condition]) -> list[object]:
    mine = [c for c in conds if c.fact == fact]
    if fact == "category":
        return [_OTHER_CATEGORY, *sorted({str(v) for c in mine for v in c.values})]
    if fact in REGION_FACTS:
        exact = {str(v) for c in mine if c.op != "prefix_in" for v in c.values}
        prefixes = {str(v) for c in mine if c.op == "prefix_in" for v in c.values}
        return list(_region_candidates(exact, prefixes))
    if fact == "age":
        ages = {0}
        for c in mine:
            for v in c.values:
                assert isinstance(v, int)
                ages.update({max(v - 1, 0), v, v + 1})
        return [date(_PROBE_TODAY.year - a, _PROBE_TODAY.month, _PROBE_TODAY.day) for a in ages]
    if fact == "school_notified":
        return [None, _PROBE_TODAY]
    return [None]


def may_overlap(first: Predicate, second: Predicate, *, employer: bool = False) -> bool:
    """Whether some person (or employer) satisfies both predicates.

    Exact for this language: every condition only distinguishes values by the constants it
    names, so one representative of each class of values is tried for every fact the two
    predicates test. If the classes are too many to try, the answer is a cautious ``True``.
    """
    conds = [*conditions(first), *conditions(second)]
    used = sorted({c.fact for c in conds})
    pools = [_candidates(fact, conds) for fact in used]
    size = 1
    for pool in pools:
        size *= len(pool)
    if size > _PROBE_LIMIT:
        return True
    for combo in itertools.product(*pools):
        values = dict(zip(used, combo, strict=True))
        facts: PersonFacts | EmployerFacts
        if employer:
            district = values.get("employer_district")
            facts = EmployerFacts(insured_district=district if isinstance(district, str) else "")
            if district is None and "employer_district" in values:
                continue  # an employer always has its district
        else:
            facts = PersonFacts(
                category=str(values.get("category", _OTHER_CATEGORY)),
                employer_district=_opt_str(values.get("employer_district")),
                hukou_region=_opt_str(values.get("hukou_region")) or "",
                insured_region=_opt_str(values.get("insured_region")) or "",
                birth_date=_as_date(values.get("age")),
                school_notified_on=_opt_date(values.get("school_notified")),
            )
        if evaluate(first, facts, _PROBE_TODAY) and evaluate(second, facts, _PROBE_TODAY):
            return True
    return False


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _opt_date(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date(1970, 1, 1)
