"""The area market manager's side (issue 18): who the user is, who may write what, the areas,
and the area summary's rows (the KPI figures of cmgr.core.kpi, not computed again).

Pure: no I/O. The rules (docs/area.md):

* without `[user] role` in the configuration nothing is checked (a single-user laptop);
* role "manager": writes (visits, complaints, flags) only for their own customers — the
  customer's 客户经理 in the roster is `[user] name` — and records no decision;
* role "area_manager": reads the whole area and records decisions (flag decisions, complaint
  approve/reject) on customers of the managers of their area; writes no visit, complaint or
  flag step of a manager.

A refused write raises NotPermitted (exit 2) naming the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cmgr.core.kpi import NO_PLAN, has_plan
from cmgr.errors import ConfigError, UsageError
from cmgr.i18n import tr

ROLES = ("manager", "area_manager")


class NotPermitted(UsageError):
    """A write the configured user's role does not allow; nothing was written (exit 2)."""


@dataclass(frozen=True)
class Actor:
    name: str  # who makes the write: [user] name, else the OS user
    role: str | None  # None: no rule applies (single user)
    area: str | None = None  # an area manager's area ([user] area), None: every area


def parse_areas(raw: object) -> dict[str, list[str]]:
    """The configuration's `[area]` table: area name -> the managers in it."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(tr("应为 片区名 = [\"客户经理\", ...] 的表"), key="area")
    out: dict[str, list[str]] = {}
    for name, managers in raw.items():
        if not (isinstance(managers, list) and all(isinstance(m, str) and m.strip()
                                                   for m in managers)):
            raise ConfigError(tr("应为客户经理姓名的列表，例如 [\"王建国\", \"李娜\"]；实际为 {value}",
                                 value=repr(managers)), key=f"area.{name}")
        out[str(name)] = [m.strip() for m in managers]
    return out


def area_of_manager(areas: Mapping[str, Sequence[str]], manager: str | None) -> str | None:
    for name, managers in areas.items():
        if manager in managers:
            return name
    return None


def managers_of_area(areas: Mapping[str, Sequence[str]], area: str | None,
                     everyone: Sequence[str]) -> list[str]:
    """The managers of `area`; None (or no [area] table): every manager of the roster."""
    if area is None or not areas:
        return list(everyone)
    if area not in areas:
        raise UsageError(tr("找不到片区「{area}」", area=area),
                         hint=tr("配置 [area] 中的片区：{names}", names="、".join(areas) or "—"))
    return [m for m in areas[area]]


def check_write(actor: Actor, owner: str | None, what: str, subject: str) -> None:
    """A manager's write (visit, complaint, flag step) on a customer whose 客户经理 is `owner`."""
    if actor.role is None:
        return
    if actor.role == "area_manager":
        raise NotPermitted(
            tr("不允许：区域市场经理不能写入客户经理的{what}（{subject}）；区域市场经理只查看并记录决定",
               what=what, subject=subject),
            hint=tr("决定请用 `cmgr area decide`"))
    if owner != actor.name:
        raise NotPermitted(
            tr("不允许：客户经理只能写入自己客户的{what}；{subject} 属于客户经理「{owner}」，"
               "当前用户是「{user}」", what=what, subject=subject, owner=owner or "—",
               user=actor.name),
            hint=tr("当前用户来自配置项 `user.name`；请由该客户的客户经理记录"))


def check_own_write(actor: Actor, manager: str | None, what: str) -> None:
    """A write of a manager's own record (a week's plan, its miss reasons, a promotion list)
    made for `manager`: the manager themselves only."""
    if actor.role is None:
        return
    if actor.role == "area_manager":
        raise NotPermitted(
            tr("不允许：区域市场经理不能写入客户经理的{what}（客户经理「{owner}」）；区域市场经理只查看"
               "并记录决定", what=what, owner=manager or "—"),
            hint=tr("请由客户经理本人运行"))
    if manager != actor.name:
        raise NotPermitted(
            tr("不允许：客户经理只能写入自己的{what}；这是客户经理「{owner}」的{what}，当前用户是"
               "「{user}」", what=what, owner=manager or tr("全部"), user=actor.name),
            hint=tr("当前用户来自配置项 `user.name`；请用 `--manager {user}`，或由该客户经理本人记录",
                    user=actor.name))


def check_decision(actor: Actor, owner: str | None, areas: Mapping[str, Sequence[str]],
                   subject: str) -> None:
    """A decision (flag decision, complaint approve/reject) on a customer of `owner`."""
    if actor.role is None:
        return
    if actor.role != "area_manager":
        raise NotPermitted(
            tr("不允许：只有区域市场经理能记录决定（{subject}）；当前用户「{user}」的角色是 {role}",
               subject=subject, user=actor.name, role=actor.role),
            hint=tr("区域市场经理的配置为 [user] role = \"area_manager\""))
    if actor.area is not None and areas and owner not in areas.get(actor.area, ()):
        raise NotPermitted(
            tr("不允许：{subject} 属于客户经理「{owner}」，不在区域市场经理的片区「{area}」内",
               subject=subject, owner=owner or "—", area=actor.area))


def check_area_read(actor: Actor, area: str | None) -> str | None:
    """The area an area manager may read (theirs); another one is refused."""
    if actor.role != "area_manager" or actor.area is None:
        return area
    if area is not None and area != actor.area:
        raise NotPermitted(tr("不允许：区域市场经理只能查看自己的片区「{mine}」，不能查看「{area}」",
                              mine=actor.area, area=area))
    return actor.area


# --- the summary ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AreaRow:
    """One manager in the area summary: the KPI figures, open work, and the place."""

    manager: str
    place: int | None  # 排位 (1 = best), from cmgr.core.kpi.rank_managers
    score: float | None
    sales_cases: float
    target_cases: float | None
    completion_pct: float | None
    value_per_case: float | None
    order_rate_pct: float | None
    settlement_amount_pct: float | None
    visits_done: int
    visits_planned: int | None
    planned_done: int | None
    visit_completion_pct: float | None
    open_cases: int  # open flag cases (new or reported): a visit's note and price flags are one
    open_complaints: int


def summary_rows(kpis: Iterable, ranking: Iterable, open_cases: Mapping[str, int],
                 open_complaints: Mapping[str, int]) -> list[AreaRow]:
    """The managers side by side, best place first (then by name)."""
    places = {r.manager: r for r in ranking}
    rows = []
    for k in kpis:
        r = places.get(k.manager)
        rows.append(AreaRow(k.manager, r.overall if r else None, r.score if r else None,
                            k.sales_cases, k.target_cases, k.completion_pct, k.value_per_case,
                            k.order_rate_pct, k.settlement_amount_pct, k.visits_done,
                            k.visits_planned, k.planned_done, k.visit_completion_pct,
                            int(open_cases.get(k.manager, 0)),
                            int(open_complaints.get(k.manager, 0))))
    rows.sort(key=lambda a: (a.place if a.place is not None else 10**9, a.manager))
    return rows


# (field, Chinese column title) of the summary, in order, for table, csv and xlsx (json keeps
# the AreaRow fields). planned_visits is a cell of its own: planned_done/visits_planned.
SUMMARY_COLUMNS = (
    ("place", "排位"), ("manager", "客户经理"), ("sales_cases", "销量(箱)"),
    ("target_cases", "目标(箱)"), ("completion_pct", "完成率%"), ("value_per_case", "单箱值"),
    ("order_rate_pct", "订货率%"), ("settlement_amount_pct", "电子结算率%"),
    ("visits_done", "已访问"), ("planned_visits", "计划内已访/计划"),
    ("visit_completion_pct", "拜访完成率%"), ("open_cases", "未办结违规(件)"),
    ("open_complaints", "未结投诉"),
)


def summary_cell(row: AreaRow, field: str):
    """The value shown in `field`'s column: the visits done against planned as "done/planned",
    无 for both planned-visit cells when the manager saved no plan for the month (not 0/0, not
    blank: nothing was planned to be done)."""
    if field in ("planned_visits", "visit_completion_pct") and not has_plan(row.visits_planned):
        return NO_PLAN
    if field == "planned_visits":
        return f"{row.planned_done or 0}/{row.visits_planned}"
    return getattr(row, field)

# The decisions `cmgr area decide` records: word -> (kind, decision). Flag decisions are those of
# `cmgr flag decisions` (cmgr.jobs.flag_decisions.DECISION_WORDS); a complaint is approved or not.
COMPLAINT_DECISIONS = {"approve": ("同意", "批准", "同意调换", "approve"),
                       "reject": ("不同意", "不批准", "驳回调换", "reject")}


def complaint_decision_of(text: str) -> str | None:
    key = text.strip().lower()
    for name, words in COMPLAINT_DECISIONS.items():
        if key in words:
            return name
    return None
