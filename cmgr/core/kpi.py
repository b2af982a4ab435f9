"""The figures a customer manager is judged on each month (网建 report: 主要指标完成情况), and
the managers' ranking on them.

Pure: the month's inputs in (roster, per-customer orders, settlement rows, visit counts,
targets), one `ManagerKpi` per manager out. `cmgr kpi` prints them; the monthly report is
to quote the same dataclasses (one computation). docs/kpi.md defines each figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cmgr.core.settlements import SettlementRow, settlement_rate
from cmgr.domain import CARTONS_PER_CASE, has_left, is_active, pays_electronically


@dataclass(frozen=True)
class RosterEntry:
    customer_code: str
    manager: str | None
    status: str | None
    joined_on: str | None
    left_on: str | None
    settlement: str | None = None  # 结算方式 in the roster: 电子结算 | 现金


@dataclass(frozen=True)
class CustomerSales:
    """One customer's orders in the month."""

    customer_code: str
    qty: float  # 条
    amount: float  # 元


@dataclass(frozen=True)
class ManagerKpi:
    """One manager's figures for one month. `*_pct` are percentages (93.6 = 93.6 %), None
    where the base is zero or the data is missing."""

    manager: str
    month: str
    active_customers: int  # 在网户数: active at the month's end
    joined: int  # 入网 in the month
    left: int  # 退网 in the month
    ordering_customers: int  # 订货户数: active customers with an order in the month
    order_rate_pct: float | None  # 订货率
    esettle_customers: int  # active customers whose 结算方式 is 电子结算 (the roster)
    esettle_customers_pct: float | None  # their share of 在网户数
    settled_orders: int  # orders with a settlement row (cancelled ones left out)
    settlement_count_pct: float | None  # 电子结算率 by count of orders
    settlement_amount_pct: float | None  # 电子结算率 by money
    sales_cases: float  # 销量, 箱
    amount: float  # 金额, 元
    target_cases: float | None
    target_source: str | None  # "configuration" | "import"
    completion_pct: float | None  # 销量完成率 against the target
    value_per_case: float | None  # 单箱值, 元/箱
    visits_done: int  # every visit of the month
    visits_planned: int | None  # planned in the saved weekly plans (None: no saved plan)
    planned_done: int | None  # of those, the customer visited in the plan's week
    visit_completion_pct: float | None  # 拜访完成率 = planned_done / visits_planned


# The figures measured against the saved weekly plans, and the word shown in their cells when
# the manager planned nothing for the month: nothing was planned to be done, which is neither
# 0 nor a missing figure (—). `cmgr kpi`, its ranking and `cmgr area summary` all say it.
PLAN_FIGURES = ("visits_planned", "planned_done", "visit_completion_pct")
NO_PLAN = "无"


def has_plan(visits_planned: int | None) -> bool:
    """Whether a manager planned any visit for the month's judged days (None: no saved plan;
    0: a plan with none of its visits on those days): the one test of "no plan"."""
    return bool(visits_planned)


def _pct(part: float, whole: float | None) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def manager_kpis(month: str, month_end: str, managers: Sequence[str],
                 roster: Iterable[RosterEntry], sales: Iterable[CustomerSales],
                 settlements: Iterable[tuple[str | None, SettlementRow]],
                 visits_done: Mapping[str, int], visits_planned: Mapping[str, tuple[int, int]],
                 targets: Mapping[str, tuple[float, str]]) -> list[ManagerKpi]:
    """The month's figures for each of `managers` (the roster's current manager of each
    customer owns its orders, settlements and visits, as in the monthly report).

    targets: manager -> (箱, source); visits_planned: manager -> (planned, of them done),
    only for managers with a saved plan in the month."""
    month_first = month + "-01"
    by_manager: dict[str, list[RosterEntry]] = {m: [] for m in managers}
    owner: dict[str, str] = {}
    for c in roster:
        if c.manager in by_manager:
            by_manager[c.manager].append(c)
            owner[c.customer_code] = c.manager
    qty = dict.fromkeys(managers, 0.0)
    amount = dict.fromkeys(managers, 0.0)
    ordered: set[str] = set()
    for s in sales:
        m = owner.get(s.customer_code)
        if m is None:
            continue
        qty[m] += s.qty or 0.0
        amount[m] += s.amount or 0.0
        if (s.qty or 0) > 0:
            ordered.add(s.customer_code)
    settle_rows: dict[str, list[SettlementRow]] = {m: [] for m in managers}
    for m, row in settlements:
        if m in settle_rows:
            settle_rows[m].append(row)
    out = []
    for m in managers:
        customers = by_manager[m]
        active = [c for c in customers if _active_at(c, month_end)]
        joined = sum(1 for c in customers if c.joined_on and month_first <= c.joined_on <= month_end)
        left = sum(1 for c in customers if has_left(c.status) and c.left_on
                   and month_first <= c.left_on <= month_end)
        ordering = sum(1 for c in active if c.customer_code in ordered)
        esettle = sum(1 for c in active if pays_electronically(c.settlement))
        rate = settlement_rate(settle_rows[m])
        cases = qty[m] / CARTONS_PER_CASE
        target, source = targets.get(m, (None, None))
        planned, planned_done = visits_planned.get(m, (None, None))
        done = int(visits_done.get(m, 0))
        out.append(ManagerKpi(
            m, month, len(active), joined, left, ordering, _pct(ordering, len(active)),
            esettle, _pct(esettle, len(active)), rate.orders, rate.by_count_pct, rate.by_amount_pct, round(cases, 2),
            round(amount[m], 2), target, source, _pct(cases, target),
            round(amount[m] / cases, 2) if cases else None, done, planned, planned_done,
            _pct(planned_done or 0, planned)))
    return out


def _active_at(c: RosterEntry, day: str) -> bool:
    """在网 and trading at the end of `day`: joined by then, and not left by then. A customer
    who has left since counts for the months before it left; one suspended (暂停经营) does
    not count (the roster does not say since when)."""
    if c.joined_on and c.joined_on > day:
        return False
    if has_left(c.status):
        return bool(c.left_on) and c.left_on > day
    return is_active(c.status)


# --- ranking ---------------------------------------------------------------------------------

# (field, Chinese label, weight's configuration key): the figures managers are ranked on,
# higher is better for each.
RANKED_FIGURES = (
    ("completion_pct", "销量完成率", "kpi.weight_completion"),
    ("order_rate_pct", "订货率", "kpi.weight_order_rate"),
    ("settlement_amount_pct", "电子结算率(金额)", "kpi.weight_settlement"),
    ("value_per_case", "单箱值", "kpi.weight_value_per_case"),
    ("visit_completion_pct", "拜访完成率", "kpi.weight_visits"),
)


@dataclass(frozen=True)
class RankRow:
    manager: str
    overall: int  # 1 = best; equal scores share a place
    score: float | None  # the weighted mean of the places below (lower is better); None: no place
    places: dict[str, int | None] = field(default_factory=dict)  # figure -> place (1 = best);
    # None: not ranked on that figure (拜访完成率 without a plan)
    values: dict[str, float | None] = field(default_factory=dict)


def competition_places(values: Mapping[str, float | None], higher_better: bool = True
                       ) -> dict[str, int]:
    """Standard competition ranking ("1224"): equal values share a place, the next place
    skips. A missing value is placed after every known one (all missing share that place)."""
    known = {k: v for k, v in values.items() if v is not None}
    ordered = sorted(known.values(), reverse=higher_better)
    places = {}
    for k, v in known.items():
        better = sum(1 for x in ordered if (x > v if higher_better else x < v))
        places[k] = 1 + better
    for k in values:
        if k not in known:
            places[k] = len(known) + 1
    return places


def ranked_on(k: ManagerKpi, figure: str) -> bool:
    """Whether `k` takes a place on `figure`: 拜访完成率 judges keeping to one's own saved plan,
    so a manager who planned nothing (has_plan) is not ranked on it: there is nothing to keep
    to, and no place (neither first nor last) would say so. Any other missing figure (no
    target, no sales) is a place after every manager with one."""
    return figure != "visit_completion_pct" or has_plan(k.visits_planned)


def rank_managers(kpis: Sequence[ManagerKpi], weights: Mapping[str, float]) -> list[RankRow]:
    """Each manager's place on each ranked figure, and overall: the weighted mean of the
    places (weights by figure field; a weight of 0 leaves the figure out), itself ranked
    with ties shared. A manager not ranked on a figure (ranked_on) has the mean of the other
    places; one ranked on none is placed after everyone. Sorted best first, then by name."""
    used = [(f, label) for f, label, _ in RANKED_FIGURES if weights.get(f, 0) > 0]
    places_by_figure = {}
    for f, _ in used:
        placed = competition_places({k.manager: getattr(k, f) for k in kpis if ranked_on(k, f)})
        places_by_figure[f] = {k.manager: placed.get(k.manager) for k in kpis}
    scores: dict[str, float | None] = {}
    for k in kpis:
        mine = [(weights[f], places_by_figure[f][k.manager]) for f, _ in used
                if places_by_figure[f][k.manager] is not None]
        if not used:
            scores[k.manager] = 1.0
        elif mine:
            scores[k.manager] = round(sum(w * p for w, p in mine) / sum(w for w, _ in mine), 6)
        else:
            scores[k.manager] = None
    overall = competition_places(scores, higher_better=False)
    rows = [RankRow(k.manager, overall[k.manager], scores[k.manager],
                    {f: places_by_figure[f][k.manager] for f, _ in used},
                    {f: getattr(k, f) for f, _ in used}) for k in kpis]
    rows.sort(key=lambda r: (r.overall, r.manager))
    return rows
