"""The report the notice gave (SH-02), read from the bureau's statistics for the day.

"截至12月20日，全市共换发新版社保卡285万张（其中网点办理278万张，线上办理7万张），累计制作、发放新版社保卡
174万张": applications, split into those taken at outlets and those made online, and cards made
and issued. The split follows the notice: online are the holders' own channels (online, and a
parent online); everything a clerk takes is at an outlet — the service banks' and community
centres' counters, and the employer batches the service banks take with the employers
(服务银行会同单位批量换发, the pilot's staff channel; the statistics show an employer's batch as
one channel, online or at the bank, and in the pilot every one is taken at a bank). Each line
shows the notice's figure at the replay's scale beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _

from sscard.core.actors import Actor, Role
from sscard.core.models import MilestoneKind
from sscard.reports.statistics import APPLIED_NET, figures_on, scope_for

#: The holder's own channels: what the notice counts as "线上办理".
ONLINE_CHANNELS = frozenset({"online", "parent_online"})


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One line: its depth, label, the count, and the notice's figure at scale (if any)."""

    depth: int
    label: str
    count: int
    notice: float | None = None

    def text(self) -> str:
        line = f"{'  ' * self.depth}{self.label}: {self.count:,}"
        if self.notice is not None:
            deviation = (self.count - self.notice) / self.notice if self.notice else 0.0
            line += " " + _("(notice × scale: %(notice)s; %(deviation)s)") % {
                "notice": f"{round(self.notice):,}",
                "deviation": f"{deviation:+.1%}",
            }
        return line


def sh02_lines(
    *,
    city_code: str,
    day: date,
    scale: float,
    notice: dict[str, int],
    english: bool = False,
) -> list[str]:
    """The SH-02 report for ``day`` in Chinese (or English), as a city officer reads it.

    ``notice`` holds the notice's figures at scale 1: ``applications``, ``at_outlets``,
    ``online``, ``made`` and ``issued``."""
    officer = Actor(role=Role.CITY_OFFICER, label="replay:report", city_code=city_code)
    with translation.override("en" if english else "zh-hans"):
        figures = figures_on(actor=officer, day=day, scope=scope_for(officer))
        channels = next(b for b in figures.applications_by if b.dimension == "channel").rows
        online = [r for r in channels if r[0] in ONLINE_CHANNELS]
        at_outlets = [r for r in channels if r[0] not in ONLINE_CHANNELS]
        lines = [
            ReportLine(
                0,
                _("Applications for the new card"),
                figures.cumulative[APPLIED_NET],
                notice["applications"] * scale,
            ),
            ReportLine(
                1, _("at outlets"), sum(r[2] for r in at_outlets), notice["at_outlets"] * scale
            ),
            *(ReportLine(2, name, n) for _code, name, n in at_outlets),
            ReportLine(1, _("online"), sum(r[2] for r in online), notice["online"] * scale),
            *(ReportLine(2, name, n) for _code, name, n in online),
            ReportLine(
                0,
                _("Cards made, in all"),
                figures.cumulative[MilestoneKind.MADE],
                notice["made"] * scale,
            ),
            ReportLine(
                0,
                _("Cards issued, in all (handed over or delivered)"),
                figures.cumulative[MilestoneKind.ISSUED],
                notice["issued"] * scale,
            ),
        ]
        title = _("Shanghai new-card pilot (SH-02): figures as they stood on %(day)s") % {
            "day": day.isoformat()
        }
        return [title, *(line.text() for line in lines)]
