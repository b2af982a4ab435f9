"""Next week's 《客户访问日程表》: who is due and why, capacity, days and tours (pure logic).

No SQL and no I/O: cmgr/store/plans.py gathers the records (customers with their last visit,
order totals, open complaints and flags, last week's plan against what happened) and the CLI
renders the `WeekPlan` this module returns. The rules, in the order they apply:

1. Only customers in normal business (cmgr.domain.is_active: status 正常 or empty) are planned.
2. Each customer's interval comes from the visit policy band of its 档位; its next due date is
   the last visit (routine or special) + interval, in calendar days (`next_due_date`). It is due
   when that date is on or before the week's last day; overdue when before the week's first.
   Never-visited customers, and customers who joined within `new_customer_days` before the
   week's first day, are due. An interval shorter than a week plans the customer again every
   interval within the week.
   A customer whose 档位 no band covers (blank, unreadable, outside every band) is planned as
   due at the highest frequency of the policy (`PlanSettings.fallback_band`), with the reason
   and a line in `WeekPlan.warnings`: a roster mistake must not stop the week's plan.
3. Special situations (an open complaint waiting for an on-site step, a flag to re-check, 断订,
   a large drop in orders, a visit missed last week) raise a due customer's priority, or bring
   a customer who is not due in as a special visit (特殊访问); the situation is the reason.
   Urgent ones (seed 4.1.2 "立即": a complaint still waiting for its on-site inspection, a new
   unlicensed-sale lead) go first, on the week's first working day.
4. Ranking: urgent specials, then last week's missed visits, then overdue, then by how
   overdue, then by priority. Capacity is visits_per_day per working day; the lowest-ranked
   (routine visits, as long as the urgent ones fit) go to the pushed list with the reason.
   `fill` pulls forward the customers due soonest into the spare capacity.
5. Days: a visit goes on its weekday (moved to the next working day of the week when that
   day is off): the route's weekday set in `[plan.route_weekdays]`, else the customer's own
   访销日 from the roster (a customer seen twice a week takes its listed days in turn), else
   the route's usual weekday learned from past visits. A day over capacity keeps its highest-ranked visits and the rest go where the
   tours are shortest; repeat visits of one customer go on different days.
6. Tours: each day is a closed tour from the start point (configured, or the centroid of the
   territory), in straight-line (haversine) km (cmgr.core.routing).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from cmgr.domain import WEEKDAY_NAMES, GradeBand, band_for, is_active
from cmgr.errors import InputError
from cmgr.i18n import tr

ROUTINE = "routine"
SPECIAL = "special"

# Priority points; only their order matters (ranking ties after "how overdue").
PRIORITY_COMPLAINT = 40
PRIORITY_FLAG = 30
PRIORITY_STOP_ORDERING = 20
PRIORITY_ORDER_DROP = 10
PRIORITY_NEW = 5
PRIORITY_MISSED = 50


def next_due_date(last_visit: date | None, interval_days: float) -> date | None:
    """The day a customer is next due: last visit + interval, rounded up to a whole day (an
    interval of 3.5 days from a Thursday is due on Monday). None when never visited."""
    if last_visit is None:
        return None
    return last_visit + timedelta(days=math.ceil(interval_days - 1e-9))


def week_label(week_start: date) -> str:
    iso = week_start.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def short_date(d: date) -> str:
    return f"{d.month}月{d.day}日"


# --- records -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanCustomer:
    code: str
    name: str | None = None
    address: str | None = None
    phone: str | None = None
    grade: int | None = None
    grade_label: str | None = None
    route: str | None = None
    visit_weekdays: str | None = None  # 访销日 from the roster, ISO digits: "2", "25"
    lon: float | None = None
    lat: float | None = None
    joined_on: date | None = None
    status: str | None = None
    last_visit: date | None = None

    @property
    def grade_text(self) -> str:
        """The 档位 as a number when it is one ("12档" and "十二" both show 12), else as written (A3)."""
        if self.grade is not None:
            return str(self.grade)
        return "" if self.grade_label in (None, "") else str(self.grade_label)

    @property
    def has_coords(self) -> bool:
        return (self.lon is not None and self.lat is not None
                and -180 <= self.lon <= 180 and -90 <= self.lat <= 90
                and not (self.lon == 0 and self.lat == 0))  # 0, 0: an empty cell read as zero


@dataclass(frozen=True)
class Situation:
    """A special situation that raises a customer's priority or brings a special visit."""

    customer_code: str
    code: str  # complaint | flag | stop_ordering | order_drop | missed
    text: str  # the reason as printed (访问事由)
    priority: int
    urgent: bool = False  # seed 4.1.2 "立即": placed before every routine visit
    # False: only a reason on a visit planned anyway (a flag a later visit says is fixed, to
    # confirm there), never a special visit of its own, no priority.
    brings_visit: bool = True


@dataclass
class PlanSettings:
    visits_per_day: int = 25
    new_customer_days: int = 30
    fill: bool = False
    start: tuple[float, float] | None = None  # (lon, lat); None: the territory's centroid
    solver_seconds: float = 0.0  # > 0: OR-Tools polishes the heuristic's tours this long
    route_weekdays: Mapping[str, int] = field(default_factory=dict)  # configured, 1 = Monday
    # The band a customer whose 档位 no band covers is planned with (the policy's most
    # frequent); None: such a customer is an InputError.
    fallback_band: GradeBand | None = None


@dataclass
class PlannedVisit:
    customer: PlanCustomer
    date: date
    seq: int
    kind: str  # routine | special
    reasons: list[str]
    next_due: date | None
    km_from_previous: float | None
    due: bool  # False: pulled forward by fill
    occurrence: int = 1

    @property
    def last_visit(self) -> date | None:
        return self.customer.last_visit


@dataclass
class PushedVisit:
    customer: PlanCustomer
    reason: str
    next_due: date | None


@dataclass
class DayPlan:
    date: date
    visits: list[PlannedVisit]
    km: float | None  # closed tour, back to the start point; None without coordinates
    routes: list[str]  # the routes whose usual day this is

    @property
    def weekday_cn(self) -> str:
        return WEEKDAY_NAMES[self.date.weekday()]


@dataclass
class WeekPlan:
    manager: str
    week: str
    start: date
    end: date
    workdays: list[date]
    days: list[DayPlan]
    pushed: list[PushedVisit]
    not_planned: list[PushedVisit]  # active customers the plan cannot take (named reasons)
    start_point: tuple[float, float] | None
    start_point_source: str | None  # "config" | "centroid" | None
    route_weekdays: dict[str, int]  # the usual weekday of each route used (1 = Monday)
    counts: dict[str, int]
    visits_per_day: int
    solver: str = "heuristic"
    # Customers planned by a fallback rule ("CODE 名称: why"): to check in the roster.
    warnings: list[str] = field(default_factory=list)
    # The tours' routing problem (cmgr.core.routing), kept for bench/bench_plan.py.
    routing_problem: object | None = field(default=None, repr=False)

    @property
    def visits(self) -> list[PlannedVisit]:
        return [v for day in self.days for v in day.visits]

    @property
    def km(self) -> float | None:
        kms = [d.km for d in self.days if d.km is not None]
        return round(sum(kms), 2) if kms else None


# --- situations ---------------------------------------------------------------------------------

def order_situations(daily: Mapping[str, Sequence[tuple[date, float]]], anchor: date, *,
                     stop_weeks: int = 3, lookback_weeks: int = 8, drop_ratio: float = 0.5,
                     recent_weeks: int = 4, base_weeks: int = 8) -> dict[str, Situation]:
    """断订 and large drops from each customer's order quantities (条) by day.

    `anchor` is the first day not counted (the plan's week start, or the day after the last
    order in the database when the exports end earlier). 断订: nothing in the `stop_weeks`
    before the anchor while it ordered in the `lookback_weeks` before those. A large drop: the
    weekly average of the last `recent_weeks` below `drop_ratio` times that of the `base_weeks`
    before them.
    """
    stop_from = anchor - timedelta(weeks=stop_weeks)
    look_from = stop_from - timedelta(weeks=lookback_weeks)
    recent_from = anchor - timedelta(weeks=recent_weeks)
    base_from = recent_from - timedelta(weeks=base_weeks)
    out = {}
    for code, rows in daily.items():
        stopped = before = recent = base = 0.0
        for day, qty in rows:
            if day >= anchor:
                continue
            if stop_from <= day:
                stopped += qty
            elif look_from <= day:
                before += qty
            if recent_from <= day:
                recent += qty
            elif base_from <= day:
                base += qty
        if stopped <= 0 and before > 0:
            out[code] = Situation(
                code, "stop_ordering",
                f"断订：近{stop_weeks}周未订货（此前{lookback_weeks}周订 {before:g} 条）",
                PRIORITY_STOP_ORDERING)
            continue
        recent_avg, base_avg = recent / recent_weeks, base / base_weeks
        if base_avg > 0 and recent_avg < drop_ratio * base_avg:
            out[code] = Situation(
                code, "order_drop",
                f"订货大幅下降：近{recent_weeks}周周均 {recent_avg:.1f} 条，"
                f"此前{base_weeks}周周均 {base_avg:.1f} 条",
                PRIORITY_ORDER_DROP)
    return out


def complaint_situations(rows: Iterable[tuple[str, str, str]]) -> list[Situation]:
    """(complaint id, customer code, status): 'new' waits for the on-site inspection,
    'approved' for the on-site exchange (duty 4.6, docs/domain.md)."""
    out = []
    for complaint_id, code, status in rows:
        if status == "new":
            text = f"【急】质量投诉待现场查看不合格品（{complaint_id}）"
        elif status == "approved":
            text = f"质量投诉已批准，待现场调换卷烟（{complaint_id}）"
        else:
            continue
        out.append(Situation(code, "complaint", text, PRIORITY_COMPLAINT, urgent=status == "new"))
    return out


def flag_situations(rows: Iterable[tuple], last_visits: Mapping[str, date | None] | None = None,
                    proposals: Mapping[int, str] | None = None) -> list[Situation]:
    """(flag id, customer code, kind, visit date[, status]) of open flags: re-check on the next
    visit. A flag found before the customer's last visit was re-checked by that visit already
    and is left to the flag workflow (given `last_visits`), unless a later visit's note says
    the problem is fixed (`proposals`: flag id -> that visit): then a visit planned anyway
    carries the reason to confirm the fix, so the flag can be closed (no visit of its own). A new (not yet reported) unlicensed-sale lead is urgent
    (seed 4.7: report at once)."""
    out = []
    fixed: dict[tuple[str, str], list[tuple[int, str]]] = {}  # (customer, kind) -> flags
    for flag_id, code, kind, seen, *rest in rows:
        what = {"price": "价格违规", "unlicensed": "无证经营线索"}.get(kind, f"{kind} 标记")
        proposal = (proposals or {}).get(flag_id)
        if proposal:
            fixed.setdefault((code, what), []).append((flag_id, proposal))
            continue
        last = (last_visits or {}).get(code)
        if seen and last is not None and str(seen)[:10] < last.isoformat():
            continue
        urgent = kind == "unlicensed" and bool(rest) and rest[0] == "new"
        when = f"，{seen} 发现" if seen else ""
        out.append(Situation(code, "flag", f"{'【急】' if urgent else ''}{what}待复查"
                                           f"（标记 #{flag_id}{when}）", PRIORITY_FLAG, urgent=urgent))
    for (code, what), found in fixed.items():  # one line per customer and kind: the plan prints it
        ids = "、".join(f"#{i}" for i, _ in found)
        day, _, phrase = max(p for _, p in found).partition(" 访问记录：")
        # Short: it rides on a routine visit's line of the printed plan.
        out.append(Situation(code, "flag_fixed", f"{what}建议办结 {ids}（{day[5:]} {phrase}）", 0,
                             brings_visit=False))
    return out


def missed_situations(missed: Mapping[str, date]) -> list[Situation]:
    """Customers due in last week's plan and not visited that week come first."""
    return [Situation(code, "missed", f"上周计划访问未完成（原定 {short_date(day)}）", PRIORITY_MISSED)
            for code, day in missed.items()]


# --- routes and days ----------------------------------------------------------------------------

def learn_route_weekdays(records: Iterable[tuple[str | None, date]]) -> dict[str, int]:
    """Each route's usual weekday (1 = Monday): the most common weekday of its visits; a tie
    goes to the earlier weekday."""
    counts: dict[str, Counter] = {}
    for route, day in records:
        if route:
            counts.setdefault(route, Counter())[day.isoweekday()] += 1
    return {route: min(c, key=lambda wd: (-c[wd], wd)) for route, c in sorted(counts.items())}


def route_day(week_start: date, weekday: int, workdays: Sequence[date]) -> date | None:
    """The date of `weekday` (1 = Monday) in the week, moved to the next working day of the
    week when it is off, else to the previous one; None when the week has no working day."""
    day = week_start + timedelta(days=weekday - 1)
    later = [d for d in workdays if d >= day]
    if later:
        return later[0]
    earlier = [d for d in workdays if d < day]
    return earlier[-1] if earlier else None


# --- the plan -----------------------------------------------------------------------------------

@dataclass
class _Slot:
    customer: PlanCustomer
    index: int  # the customer's position, for the routing groups
    occurrence: int
    occurrences: int
    target: date
    kind: str
    due: bool
    missed: bool
    overdue: bool
    overdue_days: int
    priority: int
    reasons: list[str]
    next_due: date | None
    preferred: date | None = None
    urgent: bool = False

    def rank(self) -> tuple:
        return (0 if self.urgent else 1, 0 if self.missed else 1, 0 if self.overdue else 1, -self.overdue_days,
                -self.priority, 0 if self.due else 1, self.occurrence, self.customer.code)


def _interval_text(interval: float) -> str:
    per_week = 7 / interval
    if abs(per_week - round(per_week)) < 1e-9 and interval < 7:
        return f"每周 {round(per_week)} 次"
    return f"每 {interval:g} 天"


def build_plan(manager: str, week_start: date, week_end: date, workdays: Sequence[date],
               customers: Sequence[PlanCustomer], bands: Sequence[GradeBand],
               *, situations: Iterable[Situation] = (),
               learned_weekdays: Mapping[str, int] | None = None,
               settings: PlanSettings | None = None) -> WeekPlan:
    """The week's plan for one manager. A customer whose 档位 no policy band covers is planned
    with `settings.fallback_band` and named in the plan's warnings; without a fallback band,
    InputError names every such customer (nothing is planned half)."""
    settings = settings or PlanSettings()
    workdays = sorted(d for d in workdays if week_start <= d <= week_end)
    by_customer: dict[str, list[Situation]] = {}
    for s in situations:
        by_customer.setdefault(s.customer_code, []).append(s)

    counts = Counter()
    counts["customers"] = len(customers)
    active: list[tuple[PlanCustomer, GradeBand]] = []
    not_planned: list[PushedVisit] = []
    uncovered = []
    fallback: dict[str, str] = {}  # customer code -> why it is planned by the fallback band
    unread: dict[str, str] = {}  # a 访销日 that could not be read: planned as if empty
    for c in sorted(customers, key=lambda c: c.code):
        if not is_active(c.status):  # an unknown word too (docs/domain.md): the import warned
            counts[f"status:{c.status}"] += 1
            continue
        if c.visit_weekdays and not all(ch in "1234567" for ch in c.visit_weekdays):
            unread[c.code] = f"访销日“{c.visit_weekdays}”无法识别，按线路安排，请核对"
            c = replace(c, visit_weekdays=None)
        if c.joined_on is not None and c.joined_on > week_end:
            not_planned.append(PushedVisit(c, f"入网日期 {c.joined_on.isoformat()} 在本周之后", None))
            continue
        band = band_for(c.grade, bands)
        if band is None and settings.fallback_band is not None:
            band = settings.fallback_band
            fallback[c.code] = fallback_reason(c)
        if band is None:
            uncovered.append(c)
            continue
        active.append((c, band))
    if uncovered:
        shown = "；".join(f"{c.code} {c.name or ''} 档位 {c.grade_text or '（空）'}"
                          for c in uncovered[:10])
        raise InputError(
            tr("{manager}：{n} 个客户的档位不在访问标准的任何档位段内：{shown}", manager=manager,
               n=len(uncovered), shown=shown) if len(uncovered) <= 10 else
            tr("{manager}：{n} 个客户的档位不在访问标准的任何档位段内：{shown} 等，另有 {more} 个",
               manager=manager, n=len(uncovered), shown=shown, more=len(uncovered) - 10),
            hint=tr("请在配置中为这些档位添加 `[[plan.policy]]` 档位段，"
                    "或改正客户名册中的档位后重新导入"))
    counts["active"] = len(active)

    new_since = week_start - timedelta(days=settings.new_customer_days)
    slots: list[_Slot] = []
    fill_pool: list[tuple[date, str, PlanCustomer, GradeBand, int]] = []
    for index, (c, band) in enumerate(active):
        interval = band.interval_days
        due_day = next_due_date(c.last_visit, interval)
        sits = sorted(by_customer.get(c.code, []), key=lambda s: (-s.priority, s.text))
        missed = any(s.code == "missed" for s in sits)
        strongest: dict[str, int] = {}  # several flags of one customer count once
        for s in sits:
            strongest[s.code] = max(strongest.get(s.code, 0), s.priority)
        priority = band.level + sum(strongest.values())
        is_new = c.joined_on is not None and new_since <= c.joined_on <= week_end
        never = c.last_visit is None
        guessed = c.code in fallback
        due = never or is_new or guessed or (due_day is not None and due_day <= week_end)
        reasons: list[str] = [fallback[c.code]] if guessed else []
        if never:
            reasons.append("从未访问")
            basis = c.joined_on if c.joined_on is not None and c.joined_on < week_start else None
            overdue = c.joined_on is None or c.joined_on < week_start
            overdue_days = (week_start - basis).days if basis else (10_000 if overdue else 0)
        else:
            overdue = due_day < week_start
            overdue_days = (week_start - due_day).days
            if overdue:
                reasons.append(f"逾期 {overdue_days} 天（应于 {short_date(due_day)} 访问，"
                               f"{band.name}{_interval_text(interval)}）")
            elif due_day <= week_end:
                reasons.append(f"到期（应于 {short_date(due_day)} 访问，{band.name}"
                               f"{_interval_text(interval)}）")
        if is_new:
            reasons.append(f"新入网客户（{short_date(c.joined_on)} 入网）")
            priority += PRIORITY_NEW
        reasons.extend(s.text for s in sits)
        if c.code in unread:  # said last: the visit's own reasons come first
            reasons.append(unread[c.code])
        if due:
            first = max(due_day or week_start, week_start)
            if due_day is not None and due_day > week_end:  # due only as new or by the fallback
                first = week_start
            n = 1
            if interval < 7:
                n = int(((week_end - first).days + 1e-9) // interval) + 1
            for k in range(n):
                target = first + timedelta(days=math.floor(k * interval + 1e-9))
                slot_reasons = list(reasons)
                if k > 0:
                    slot_reasons = [f"本周第 {k + 1} 次（{band.name}{_interval_text(interval)}）",
                                    *[r for r in reasons if not r.startswith(("逾期", "到期"))]]
                slots.append(_Slot(
                    c, index, k + 1, n, target, ROUTINE, True, missed,
                    overdue if k == 0 else False,
                    overdue_days if k == 0 else -(target - week_start).days,
                    priority, slot_reasons, due_day if k == 0 else target))
        elif any(s.brings_visit for s in sits):
            slots.append(_Slot(c, index, 1, 1, week_start, SPECIAL, True, missed, False, 0,
                               priority, [s.text for s in sits], due_day))
        else:
            fill_pool.append((due_day, c.code, c, band, index))
        if any(s.urgent for s in sits):  # this customer's slots are the last ones added
            for slot in reversed(slots):
                if slot.customer.code != c.code:
                    break
                slot.urgent = slot.occurrence == 1

    capacity = len(workdays) * settings.visits_per_day
    pushed: list[PushedVisit] = []
    slots.sort(key=_Slot.rank)
    if not workdays:
        for s in slots:
            pushed.append(PushedVisit(s.customer, "本周没有工作日（节假日），顺延到下周", s.next_due))
        slots = []
    # Repeat visits need a working day each: snap every occurrence to its own day.
    for s in slots:  # a customer seen twice a week: its listed 访销日 are the targets
        if s.occurrences > 1:
            own = _own_day(s.customer, s.occurrence, week_start, workdays, settings)
            if own is not None:
                s.target = own
    slots, no_day = _place_repeats(slots, workdays)
    for s in no_day:
        pushed.append(PushedVisit(s.customer, f"本周工作日不够安排第 {s.occurrence} 次访问，顺延到下周",
                                  s.next_due))
    if len(slots) > capacity:
        for s in slots[capacity:]:
            pushed.append(PushedVisit(
                s.customer,
                f"本周已排满（{len(workdays)} 个工作日 × 每天 {settings.visits_per_day} 户），"
                f"{'逾期' + str(s.overdue_days) + '天，' if s.overdue else ''}按优先级顺延到下周",
                s.next_due))
        slots = slots[:capacity]
    if settings.fill and len(slots) < capacity:
        fill_pool.sort(key=lambda t: (t[0], t[1]))
        for due_day, _, c, band, index in fill_pool[: capacity - len(slots)]:
            slots.append(_Slot(c, index, 1, 1, week_start, ROUTINE, False, False, False,
                               -(due_day - week_start).days, band.level,
                               [f"提前访问（应于 {short_date(due_day)} 访问）"], due_day))

    weekdays = dict(learned_weekdays or {})
    weekdays.update(settings.route_weekdays)
    route_dates = {r: route_day(week_start, wd, workdays) for r, wd in weekdays.items()}
    for s in slots:
        if s.occurrences > 1:
            continue
        own = _own_day(s.customer, 1, week_start, workdays, settings)
        if s.urgent and workdays:  # 立即: the week's first working day, whatever its route
            s.preferred = workdays[0]
        elif own is not None:
            s.preferred = own
        elif s.customer.route in route_dates:
            s.preferred = route_dates[s.customer.route]

    start_point, source = _start_point(settings, [c for c, _ in active])
    days, unplaced, problem = _assign_and_route(slots, workdays, settings, start_point)
    for s in unplaced:
        pushed.append(PushedVisit(s.customer, "没有能安排的工作日（容量或同一客户重复访问冲突），顺延到下周",
                                  s.next_due))
    day_routes: dict[date, list[str]] = {}
    for r, d in sorted(route_dates.items()):
        if d is not None:
            day_routes.setdefault(d, []).append(r)
    plans = [DayPlan(d, visits, km, day_routes.get(d, [])) for d, (visits, km) in days.items()]
    counts["planned"] = sum(len(d.visits) for d in plans)
    counts["pushed"] = len(pushed)
    counts["special"] = sum(1 for d in plans for v in d.visits if v.kind == SPECIAL)
    counts["fill"] = sum(1 for d in plans for v in d.visits if not v.due)
    return WeekPlan(
        manager=manager, week=week_label(week_start), start=week_start, end=week_end,
        workdays=list(workdays), days=plans, pushed=pushed, not_planned=not_planned,
        start_point=start_point, start_point_source=source,
        route_weekdays={r: weekdays[r] for r in sorted(weekdays)
                        if any(c.route == r for c, _ in active)},
        counts=dict(counts), visits_per_day=settings.visits_per_day,
        solver="heuristic+ortools" if settings.solver_seconds > 0 else "heuristic",
        routing_problem=problem,
        warnings=[f"{' '.join(filter(None, (c.code, c.name)))}: "
                  f"{'；'.join(filter(None, (fallback.get(c.code), unread.get(c.code))))}"
                  for c, _ in active if c.code in fallback or c.code in unread])


def fallback_reason(c: PlanCustomer) -> str:
    """Why a customer is planned by the fallback band: its 档位 is blank, unreadable or outside
    every band of the visit policy."""
    if c.grade is None and c.grade_label in (None, ""):
        return "档位缺失，按最高频次安排，请核对"
    if c.grade is None:
        return f"档位“{c.grade_label}”无法识别，按最高频次安排，请核对"
    return f"档位 {c.grade} 不在访问标准的任何档段内，按最高频次安排，请核对"


def _own_day(c: PlanCustomer, occurrence: int, week_start: date, workdays: Sequence[date],
             settings: PlanSettings) -> date | None:
    """The working day of the customer's own 访销日 for this visit of the week (the first listed
    day for the first visit, and so on), unless its route's weekday is set in the config."""
    if not c.visit_weekdays or c.route in settings.route_weekdays:
        return None
    if occurrence > len(c.visit_weekdays):
        return None
    return route_day(week_start, int(c.visit_weekdays[occurrence - 1]), workdays)


def _place_repeats(slots: list[_Slot], workdays: Sequence[date]) -> tuple[list[_Slot], list[_Slot]]:
    """Give each occurrence of a customer seen several times a week its own working day, as
    near its target as the week allows (later first). Single visits are left free."""
    kept, dropped = [], []
    used: dict[str, set[date]] = {}
    for s in sorted(slots, key=lambda s: (s.customer.code, s.occurrence)):
        if s.occurrences == 1:
            continue
        taken = used.setdefault(s.customer.code, set())
        options = sorted((d for d in workdays if d not in taken),
                         key=lambda d: (abs((d - s.target).days) + (0.5 if d < s.target else 0), d))
        if options:
            s.preferred = options[0]
            taken.add(options[0])
    for s in slots:
        if s.occurrences > 1 and s.preferred is None:
            dropped.append(s)
        else:
            kept.append(s)
    return kept, dropped


def _start_point(settings: PlanSettings, customers: Sequence[PlanCustomer]
                 ) -> tuple[tuple[float, float] | None, str | None]:
    if settings.start is not None:
        return settings.start, "config"
    pts = [(c.lon, c.lat) for c in customers if c.has_coords]
    if not pts:
        return None, None
    return (round(sum(p[0] for p in pts) / len(pts), 6),
            round(sum(p[1] for p in pts) / len(pts), 6)), "centroid"


def _assign_and_route(slots: list[_Slot], workdays: Sequence[date], settings: PlanSettings,
                      start: tuple[float, float] | None
                      ) -> tuple[dict[date, tuple[list[PlannedVisit], float | None]], list[_Slot],
                                 object | None]:
    from cmgr.core import routing

    cap = settings.visits_per_day
    problem = None

    def routable(s: _Slot) -> bool:
        return start is not None and s.customer.has_coords

    # Phase A: each day keeps its highest-ranked visits that belong on it, up to capacity.
    pinned: dict[date, list[_Slot]] = {d: [] for d in workdays}
    free: list[_Slot] = []
    for s in sorted(slots, key=_Slot.rank):
        if s.preferred is not None and len(pinned[s.preferred]) < cap:
            pinned[s.preferred].append(s)
        else:
            free.append(s)
    # Visits without coordinates cannot be routed: they stay on their day, or take the day
    # with the most room, and close the day's list.
    loose = {d: [s for s in pinned[d] if not routable(s)] for d in workdays}
    load = {d: len(pinned[d]) for d in workdays}
    unplaced: list[_Slot] = []
    for s in free:
        if routable(s):
            continue
        options = [d for d in workdays
                   if load[d] < cap and not any(o.customer.code == s.customer.code
                                                for o in pinned[d] + loose[d])]
        if not options:
            unplaced.append(s)
            continue
        best = min(options, key=lambda d: (load[d], d))
        loose[best].append(s)
        load[best] += 1

    day_index = {d: i for i, d in enumerate(workdays)}
    full = (1 << len(workdays)) - 1
    nodes: list[_Slot] = []
    allowed = [0]
    for d in workdays:
        for s in pinned[d]:
            if routable(s):
                nodes.append(s)
                allowed.append(1 << day_index[d])
    for s in free:
        if routable(s):
            nodes.append(s)
            allowed.append(full)
    tours: list[list[int]] = [[] for _ in workdays]
    dist: list[list[float]] = [[0.0]]
    if nodes:
        points = [start] + [(s.customer.lon, s.customer.lat) for s in nodes]
        groups = [-1] + [s.index if s.occurrences > 1 else -1 for s in nodes]
        problem = routing.RoutingProblem(routing.distance_matrix(points),
                                         [cap - len(loose[d]) for d in workdays], allowed,
                                         groups, routing.planar_xy(points, start))
        while True:
            try:
                tours = routing.solve_heuristic(problem)
                break
            except routing.Infeasible as exc:  # report what fits nowhere, plan the rest
                bad = set(exc.nodes)
                unplaced.extend(nodes[v - 1] for v in sorted(bad))
                keep = [v for v in range(1, len(nodes) + 1) if v not in bad]
                nodes = [nodes[v - 1] for v in keep]
                problem = _subproblem(problem, keep)
        if settings.solver_seconds > 0 and nodes:
            tours = routing.solve_ortools(problem, settings.solver_seconds, initial=tours)
        dist = problem.dist

    out: dict[date, tuple[list[PlannedVisit], float | None]] = {}
    for i, d in enumerate(workdays):
        visits = []
        prev = 0
        for v in tours[i]:
            s = nodes[v - 1]
            visits.append(_visit(s, d, len(visits) + 1, round(dist[prev][v], 2)))
            prev = v
        for s in sorted(loose[d], key=lambda s: (s.customer.route or "", s.customer.code)):
            visits.append(_visit(s, d, len(visits) + 1, None))
        km = round(routing.route_km(dist, tours[i]), 2) if start is not None else None
        out[d] = (visits, km)
    return out, unplaced, problem


def _subproblem(p, keep: list[int]):
    from cmgr.core import routing

    idx = [0, *keep]
    return routing.RoutingProblem(
        [[p.dist[a][b] for b in idx] for a in idx], p.capacity,
        [p.allowed[v] for v in idx], [p.group[v] for v in idx],
        [p.xy[v] for v in idx] if p.xy is not None else None)


def _visit(s: _Slot, d: date, seq: int, km: float | None) -> PlannedVisit:
    return PlannedVisit(s.customer, d, seq, s.kind, list(s.reasons), s.next_due, km, s.due,
                        s.occurrence)
