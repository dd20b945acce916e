"""The Chinese official working-day calendar and due-date arithmetic (BJ-11).

Every year the General Office of the State Council publishes the public-holiday schedule: the
rest days (放假) and the weekend days that become working days to make the breaks longer
(调休上班). A day is a working day if it is a working weekend day of the schedule, or a Monday
to Friday that is not a rest day of the schedule.

Periods follow the Civil Code (民法典) arts. 200-204: the day the period starts is not counted;
a period of *n* days ends at the end of day ``start + n``; if that last day is a rest day (a
public holiday, or a Saturday or Sunday that is not a 调休 working day) the period ends on the
next working day. A period of *n* working days ends on the *n*-th working day after the start.

The calendar never guesses: a date outside every known year schedule raises
:class:`CalendarCoverageError`. The years 2004 onwards come from the ``chinesecalendar``
package (its coverage is read from its data); a bureau loads later years with
:func:`load_schedule` as soon as the State Council publishes them.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import yaml

from sscard.kernel.errors import KernelError

__all__ = [
    "FESTIVALS",
    "CalendarCoverageError",
    "PeriodError",
    "ScheduleError",
    "ScheduleFile",
    "WorkCalendar",
    "YearSchedule",
    "load_schedule",
    "read_schedule_file",
]

_SATURDAY: Final = 5


class CalendarCoverageError(KernelError):
    """A date outside every year schedule the calendar knows."""

    def __init__(self, day: date, years: Iterable[int]) -> None:
        known = sorted(years)
        span = f"{known[0]}-{known[-1]}" if known else "none"
        super().__init__(
            "calendar_not_covered",
            f"工作日历中没有{day.year}年的节假日安排（{day.isoformat()}），"
            f"请先导入国务院办公厅公布的该年度放假安排。已知年份：{span}。",
            f"The working-day calendar has no holiday schedule for {day.year} "
            f"({day.isoformat()}); load the State Council schedule for that year first. "
            f"Known years: {span}.",
            {"date": day.isoformat(), "year": day.year, "known_years": known},
        )


class PeriodError(KernelError):
    """A period that cannot be counted (negative length)."""


class ScheduleError(KernelError):
    """A year schedule that is malformed or contradicts itself or another schedule."""


def _schedule_error(code: str, zh: str, en: str, **details: Any) -> ScheduleError:
    return ScheduleError(code, zh, en, details)


@dataclass(frozen=True)
class YearSchedule:
    """The official holiday schedule of one year (国务院办公厅关于部分节假日安排的通知).

    ``holidays`` are the rest days of the public holidays (weekend days inside a holiday block
    may be listed too); ``working_weekends`` are the Saturdays and Sundays that are working days
    (调休上班). A notice may list days of the neighbouring December or January (the New Year
    break of 2018-12-30 to 2019-01-01 is in the 2019 notice), so dates up to a month outside
    ``year`` are accepted; coverage is still the calendar year ``year``.
    """

    year: int
    holidays: frozenset[date]
    working_weekends: frozenset[date]
    source: str

    def __post_init__(self) -> None:
        # Accept any iterable of dates from callers, store frozensets.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "working_weekends", frozenset(self.working_weekends))
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise _schedule_error(
                "schedule_year_invalid",
                "年度必须是整数。",
                "The year must be an integer.",
                year=repr(self.year),
            )
        if not 1949 < self.year < 10000:
            raise _schedule_error(
                "schedule_year_invalid",
                f"年度{self.year}不合理。",
                f"The year {self.year} is not plausible.",
                year=self.year,
            )
        if not isinstance(self.source, str) or not self.source.strip():
            raise _schedule_error(
                "schedule_source_missing",
                "必须注明放假安排的来源（通知文号或名称）。",
                "The source of the schedule (the notice) must be given.",
                year=self.year,
            )
        lo = date(self.year - 1, 12, 1)
        hi = date(self.year + 1, 1, 31)
        for field, days in (
            ("holidays", self.holidays),
            ("working_weekends", self.working_weekends),
        ):
            for day in days:
                if type(day) is not date:
                    raise _schedule_error(
                        "schedule_date_invalid",
                        f"{field}中的{day!r}不是日期。",
                        f"{day!r} in {field} is not a date.",
                        field=field,
                        value=repr(day),
                    )
                if not lo <= day <= hi:
                    raise _schedule_error(
                        "schedule_date_outside_year",
                        f"{field}中的{day.isoformat()}不属于{self.year}年度。",
                        f"{day.isoformat()} in {field} does not belong to {self.year}.",
                        field=field,
                        value=day.isoformat(),
                    )
        for day in self.working_weekends:
            if day.weekday() < _SATURDAY:
                raise _schedule_error(
                    "schedule_working_weekend_not_weekend",
                    f"调休上班日{day.isoformat()}不是星期六或星期日。",
                    f"The working weekend day {day.isoformat()} is not a Saturday or Sunday.",
                    value=day.isoformat(),
                )
        both = self.holidays & self.working_weekends
        if both:
            first = min(both).isoformat()
            raise _schedule_error(
                "schedule_overlap",
                f"{first}同时被列为放假日和调休上班日。",
                f"{first} is listed both as a holiday and as a working weekend day.",
                value=first,
            )


def _parse_day(raw: object, field: str) -> date:
    if type(raw) is date:
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise _schedule_error(
        "schedule_date_invalid",
        f"{field}中的{raw!r}不是YYYY-MM-DD格式的日期。",
        f"{raw!r} in {field} is not a date in YYYY-MM-DD form.",
        field=field,
        value=repr(raw),
    )


def load_schedule(mapping: Mapping[str, Any]) -> YearSchedule:
    """Build a :class:`YearSchedule` from plain data (a policy pack, YAML, JSON).

    ``{"year": 2027, "holidays": ["2027-01-01", ...], "working_weekends": [...],
    "source": "国务院办公厅关于2027年部分节假日安排的通知 ..."}``; dates may be ISO strings or
    ``date`` objects. Raises :class:`ScheduleError` with a precise code on any problem.
    """
    if not isinstance(mapping, Mapping):
        raise _schedule_error(
            "schedule_invalid",
            "放假安排必须是一个映射（字典）。",
            "A schedule must be a mapping.",
        )
    allowed = {"year", "holidays", "working_weekends", "source"}
    unknown = sorted(str(k) for k in mapping if k not in allowed)
    if unknown:
        raise _schedule_error(
            "schedule_invalid",
            f"放假安排含有未知字段：{', '.join(unknown)}。",
            f"The schedule has unknown fields: {', '.join(unknown)}.",
            fields=unknown,
        )
    missing = sorted(k for k in ("year", "holidays", "source") if k not in mapping)
    if missing:
        raise _schedule_error(
            "schedule_invalid",
            f"放假安排缺少字段：{', '.join(missing)}。",
            f"The schedule lacks fields: {', '.join(missing)}.",
            fields=missing,
        )
    lists: dict[str, frozenset[date]] = {}
    for field in ("holidays", "working_weekends"):
        raw = mapping.get(field, [])
        if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
            raise _schedule_error(
                "schedule_invalid",
                f"{field}必须是日期列表。",
                f"{field} must be a list of dates.",
                field=field,
            )
        lists[field] = frozenset(_parse_day(item, field) for item in raw)
    return YearSchedule(
        year=mapping["year"],
        holidays=lists["holidays"],
        working_weekends=lists["working_weekends"],
        source=mapping["source"],
    )


#: The public holidays a State Council notice names (全国年节及纪念日放假办法), in the order of
#: the year; a schedule file may give each as a named range of rest days.
FESTIVALS: Final = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
#: The longest holiday block a notice has ever had is 9 days (春节 2026); anything much longer
#: is a typing error, not a schedule.
_LONGEST_BLOCK_DAYS: Final = 14
_MAX_FILE_BYTES: Final = 256 * 1024
_FILE_KEYS: Final = frozenset({"year", "source", "example", "holidays", "working_weekends"})


@dataclass(frozen=True)
class ScheduleFile:
    """A year schedule read from a file, and whether the file says it is only an example."""

    schedule: YearSchedule
    example: bool


class _StrictYamlLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key written twice in one mapping."""


def _construct_unique_mapping(
    loader: _StrictYamlLoader, node: yaml.MappingNode
) -> dict[Hashable, Any]:
    loader.flatten_mapping(node)
    seen: set[Hashable] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise _schedule_error(
                "schedule_file_unreadable",
                f"第{line}行：字段“{key}”出现了两次。",
                f"Line {line}: the field “{key}” appears twice.",
                field=str(key),
                line=line,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictYamlLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)
# Dates stay text until they are checked with the field they belong to (YAML would raise a bare
# ValueError for 2027-04-31, and turn 2027-01-01 10:00 into a datetime).
_StrictYamlLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


def _file_mapping(raw: bytes) -> dict[Any, Any]:
    if len(raw) > _MAX_FILE_BYTES:
        raise _schedule_error(
            "schedule_file_unreadable",
            f"放假安排文件超过{_MAX_FILE_BYTES // 1024}KB，不像是一份年度放假安排。",
            f"The schedule file is larger than {_MAX_FILE_BYTES // 1024} KB; "
            "it is not a year schedule.",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _schedule_error(
            "schedule_file_unreadable",
            "放假安排文件必须是UTF-8编码的YAML或JSON。",
            "The schedule file must be YAML or JSON encoded in UTF-8.",
        ) from None
    try:
        data = yaml.load(text, Loader=_StrictYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except ScheduleError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise _schedule_error(
            "schedule_file_unreadable",
            f"放假安排文件不是合法的YAML或JSON{f'（第{line}行）' if line else ''}。",
            f"The schedule file is not valid YAML or JSON{f' (line {line})' if line else ''}.",
            line=line,
        ) from None
    if not isinstance(data, dict):
        raise _schedule_error(
            "schedule_invalid",
            "放假安排文件的顶层必须是一个映射（year、source、holidays……）。",
            "The top level of a schedule file must be a mapping (year, source, holidays, ...).",
        )
    unknown = sorted(str(k) for k in data if k not in _FILE_KEYS)
    if unknown:
        raise _schedule_error(
            "schedule_invalid",
            f"放假安排文件含有未知字段：{', '.join(unknown)}。",
            f"The schedule file has unknown fields: {', '.join(unknown)}.",
            field=unknown[0],
            fields=unknown,
        )
    return data


def _file_list(data: Mapping[Any, Any], field: str) -> list[Any]:
    raw = data.get(field) or []
    if not isinstance(raw, list):
        raise _schedule_error(
            "schedule_invalid",
            f"{field}必须是一个列表。",
            f"{field} must be a list.",
            field=field,
        )
    return raw


def _holiday_range(item: Mapping[Any, Any], at: str) -> list[date]:
    keys = {str(k) for k in item}
    if keys != {"name", "from", "to"}:
        raise _schedule_error(
            "schedule_holiday_range_invalid",
            f"{at}必须恰好有name、from、to三个字段。",
            f"{at} must have exactly the fields name, from and to.",
            field=at,
        )
    name = item["name"]
    if name not in FESTIVALS:
        raise _schedule_error(
            "schedule_holiday_name_unknown",
            f"{at}.name“{name}”不是法定节日（{'、'.join(FESTIVALS)}）。",
            f"{at}.name “{name}” is not a public holiday ({', '.join(FESTIVALS)}).",
            field=f"{at}.name",
            value=str(name),
        )
    first = _parse_day(item["from"], f"{at}.from")
    last = _parse_day(item["to"], f"{at}.to")
    if last < first:
        raise _schedule_error(
            "schedule_holiday_range_invalid",
            f"{at}（{name}）的结束日{last.isoformat()}早于开始日{first.isoformat()}。",
            f"{at} ({name}) ends on {last.isoformat()}, before it starts on {first.isoformat()}.",
            field=f"{at}.to",
            value=last.isoformat(),
        )
    length = (last - first).days + 1
    if length > _LONGEST_BLOCK_DAYS:
        raise _schedule_error(
            "schedule_holiday_range_invalid",
            f"{at}（{name}）长达{length}天，超过{_LONGEST_BLOCK_DAYS}天。",
            f"{at} ({name}) lasts {length} days, more than {_LONGEST_BLOCK_DAYS}.",
            field=f"{at}.to",
            value=last.isoformat(),
        )
    return [first + timedelta(days=i) for i in range(length)]


def read_schedule_file(raw: bytes) -> ScheduleFile:
    """Read a year schedule file (YAML, or JSON which is YAML too) and validate it.

    The file holds ``year``, ``source`` (the notice, e.g. 国办发明电〔2026〕N号), ``holidays``
    (dates, or named ranges ``{name: 春节, from: 2027-02-05, to: 2027-02-11}``) and
    ``working_weekends`` (the 调休 Saturdays and Sundays that are working days); ``example:
    true`` marks a file that is not an official schedule. Raises :class:`ScheduleError`
    whose ``details["field"]`` names the offending field, e.g. ``holidays[2].to``.
    """
    data = _file_mapping(raw)
    example = data.get("example", False)
    if not isinstance(example, bool):
        raise _schedule_error(
            "schedule_invalid",
            "example必须是true或false。",
            "example must be true or false.",
            field="example",
        )
    holidays: list[date] = []
    for i, item in enumerate(_file_list(data, "holidays")):
        at = f"holidays[{i}]"
        if isinstance(item, dict):
            holidays.extend(_holiday_range(item, at))
        else:
            holidays.append(_parse_day(item, at))
    working = [
        _parse_day(item, f"working_weekends[{i}]")
        for i, item in enumerate(_file_list(data, "working_weekends"))
    ]
    for field in ("year", "source"):
        if field not in data:
            raise _schedule_error(
                "schedule_invalid",
                f"放假安排文件缺少字段{field}。",
                f"The schedule file lacks the field {field}.",
                field=field,
            )
    if not holidays:
        raise _schedule_error(
            "schedule_invalid",
            "放假安排文件没有列出任何放假日。",
            "The schedule file lists no holiday.",
            field="holidays",
        )
    schedule = load_schedule(
        {
            "year": data["year"],
            "source": data["source"],
            "holidays": holidays,
            "working_weekends": working,
        }
    )
    return ScheduleFile(schedule=schedule, example=example)


class WorkCalendar:
    """Which days are working days, for the years whose official schedule is known.

    Immutable: :meth:`with_schedules` returns a new calendar. A schedule loaded for a year the
    calendar already has replaces it (a bureau can correct the packaged data).
    """

    __slots__ = (
        "_holidays",
        "_run_ends",
        "_run_starts",
        "_schedules",
        "_work_ordinals",
        "_working",
        "_years",
    )

    def __init__(self, schedules: Iterable[YearSchedule] = ()) -> None:
        by_year: dict[int, YearSchedule] = {}
        for schedule in schedules:
            by_year[schedule.year] = schedule
        self._schedules = dict(sorted(by_year.items()))
        self._years = frozenset(by_year)
        holidays: set[date] = set()
        working: set[date] = set()
        for schedule in self._schedules.values():
            holidays |= schedule.holidays
            working |= schedule.working_weekends
        clash = holidays & working
        if clash:
            first = min(clash).isoformat()
            raise _schedule_error(
                "schedule_conflict",
                f"不同年度的放假安排对{first}的规定相互矛盾。",
                f"Two year schedules disagree about {first}.",
                value=first,
            )
        self._holidays = frozenset(holidays)
        self._working = frozenset(working)
        # Covered years grouped in runs of consecutive years, as ordinal ranges; and every
        # working day of the covered years, sorted, so that counting is a bisection.
        starts: list[int] = []
        ends: list[int] = []
        for year in sorted(self._years):
            first_day = date(year, 1, 1).toordinal()
            if ends and ends[-1] + 1 == first_day:
                ends[-1] = date(year, 12, 31).toordinal()
            else:
                starts.append(first_day)
                ends.append(date(year, 12, 31).toordinal())
        self._run_starts = starts
        self._run_ends = ends
        ordinals: list[int] = []
        for lo, hi in zip(starts, ends, strict=True):
            for ordinal in range(lo, hi + 1):
                day = date.fromordinal(ordinal)
                if day in working or (day.weekday() < _SATURDAY and day not in holidays):
                    ordinals.append(ordinal)
        self._work_ordinals = ordinals

    @classmethod
    def default(cls) -> WorkCalendar:
        """The calendar of every year the ``chinesecalendar`` package knows (built once)."""
        return _default_calendar()

    def with_schedules(self, *schedules: YearSchedule) -> WorkCalendar:
        """A new calendar with ``schedules`` added (replacing any year already present)."""
        return WorkCalendar([*self._schedules.values(), *schedules])

    @property
    def years(self) -> frozenset[int]:
        """The years whose schedule is known."""
        return self._years

    @property
    def schedules(self) -> Mapping[int, YearSchedule]:
        """The year schedules, by year."""
        return dict(self._schedules)

    def covers(self, day: date) -> bool:
        """Whether the official schedule of ``day``'s year is known."""
        return day.year in self._years

    def covered_until(self, day: date) -> date | None:
        """The last day of the unbroken run of covered years that holds ``day``; None if
        ``day``'s year is not covered. Due dates from ``day`` can be counted up to it."""
        if day.year not in self._years:
            return None
        run = bisect_right(self._run_starts, day.toordinal()) - 1
        return date.fromordinal(self._run_ends[run])

    def _require(self, day: date) -> None:
        if day.year not in self._years:
            raise CalendarCoverageError(day, self._years)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is an official working day."""
        self._require(day)
        if day in self._working:
            return True
        return day.weekday() < _SATURDAY and day not in self._holidays

    def is_rest_day(self, day: date) -> bool:
        """Whether ``day`` is a public holiday or a weekend day that is not a 调休 working day."""
        return not self.is_working_day(day)

    def next_working_day(self, day: date) -> date:
        """The first working day on or after ``day``."""
        self._require(day)
        i = bisect_right(self._work_ordinals, day.toordinal() - 1)
        return self._pick(day, i)

    def _pick(self, first_needed: date, i: int) -> date:
        """The working day at index ``i``, provided every day from ``first_needed`` to it is
        covered; otherwise the coverage error for the first uncovered day."""
        run = bisect_right(self._run_starts, first_needed.toordinal()) - 1
        run_end = self._run_ends[run]
        if i < len(self._work_ordinals) and self._work_ordinals[i] <= run_end:
            return date.fromordinal(self._work_ordinals[i])
        raise CalendarCoverageError(date.fromordinal(run_end + 1), self._years)

    @staticmethod
    def _check_period(n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError("a period length must be an int")
        if n < 0:
            raise PeriodError(
                "period_negative",
                f"期间天数不能为负数（{n}）。",
                f"A period cannot be negative ({n}).",
                {"n": n},
            )

    def add_calendar_days(self, start: date, n: int) -> date:
        """The last day of a period of ``n`` days starting on ``start`` (Civil Code 200-204).

        The start day is not counted, so the period ends on ``start + n``; if that is a rest
        day, it ends on the next working day. ``n == 0`` means "the same day" and returns
        ``start`` as it is.
        """
        self._check_period(n)
        if n == 0:
            return start
        return self.next_working_day(start + timedelta(days=n))

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        ``n == 0`` returns ``start`` as it is.
        """
        self._check_period(n)
        if n == 0:
            return start
        first = start + timedelta(days=1)
        self._require(first)
        i = bisect_right(self._work_ordinals, start.toordinal())
        return self._pick(first, i + n - 1)


@functools.cache
def _default_calendar() -> WorkCalendar:
    return WorkCalendar(_package_schedules())


def _package_schedules() -> list[YearSchedule]:
    """One schedule per year covered by the ``chinesecalendar`` package.

    Coverage is the package's own: from the first to the last year of its holiday table.
    """
    import chinese_calendar

    holidays: Iterable[date] = chinese_calendar.holidays.keys()
    working: Iterable[date] = chinese_calendar.workdays.keys()
    version: str = getattr(chinese_calendar, "__version__", "unknown")
    by_year_h: dict[int, set[date]] = {}
    by_year_w: dict[int, set[date]] = {}
    for day in holidays:
        by_year_h.setdefault(day.year, set()).add(day)
    for day in working:
        by_year_w.setdefault(day.year, set()).add(day)
    first, last = min(by_year_h), max(by_year_h)
    return [
        YearSchedule(
            year=year,
            holidays=frozenset(by_year_h.get(year, ())),
            working_weekends=frozenset(by_year_w.get(year, ())),
            source=f"chinesecalendar {version} (国务院办公厅部分节假日安排的通知)",
        )
        for year in range(first, last + 1)
    ]
