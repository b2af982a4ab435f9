"""`plan-week` and `plan-review` between the store and the pure plan logic.

Gathers each manager's records (cmgr.store.plans), builds the plans (cmgr.core.visit_plan),
turns them into the documented JSON/CSV records, saves them, and reviews a saved plan against
the visits recorded since. Raises CmgrError subclasses; never prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from cmgr.core import visit_plan as vp
from cmgr.core.routing import DISTANCE_NOTE
from cmgr.core.workdays import WorkCalendar, iso_week_bounds, next_week_start
from cmgr.domain import (
    OUT_PLAN,
    OUT_PLAN_REVIEW,
    PLAN_REVIEW_LABELS,
    WEEKDAY_NAMES,
    GradeBand,
    is_active,
)
from cmgr.errors import ConfigError, InputError, NotFound, UsageError
from cmgr.i18n import tr
from cmgr.store import plans as store

VISIT_KEYS = ("manager", "date", "seq", "customer_code", "customer_name", "route", "grade", "kind",
              "reasons", "last_visit", "next_due", "km_from_previous")
ROUTE_HISTORY_WEEKS = 12  # a route's usual weekday is learned from this many weeks of visits


# --- which week, which managers ------------------------------------------------------------------

def week_bounds(week: str | None, start: date | None, today: date) -> tuple[date, date]:
    """--week 2026-W49 or --start 2026-11-30 (a Monday); default: the week after today's."""
    if week and start:
        raise UsageError(tr("请给出 `--week` 或 `--start`，不要两者都给"))
    if week:
        return iso_week_bounds(week)
    if start:
        if start.weekday() != 0:
            first = start - timedelta(days=start.weekday())
            raise UsageError(tr("`--start` {day} 是{weekday}；每周从周一开始", day=start.isoformat(),
                                weekday=WEEKDAY_NAMES[start.weekday()]),
                             hint=tr("那一周请用 `--start {monday}`", monday=first.isoformat()))
        return start, start + timedelta(days=6)
    monday = next_week_start(today)
    return monday, monday + timedelta(days=6)


# --- building plans ------------------------------------------------------------------------------

@dataclass
class PlanRun:
    week_start: date
    week_end: date
    plans: list[vp.WeekPlan]
    warnings: list[str] = field(default_factory=list)

    @property
    def week(self) -> str:
        return vp.week_label(self.week_start)

    @property
    def customer_warnings(self) -> int:
        """Customers planned by a fallback rule: the run is done, with warnings (exit 6)."""
        return sum(len(p.warnings) for p in self.plans)


def settings_from_config(cfg, *, fill: bool = False, visits_per_day: int | None = None,
                         solver_seconds: float | None = None) -> vp.PlanSettings:
    lon, lat = cfg.get("plan.start_lon"), cfg.get("plan.start_lat")
    if (lon is None) != (lat is None):
        raise ConfigError(tr("`plan.start_lon` 和 `plan.start_lat` 要么都给，要么都不给"),
                          key="plan.start_lon" if lon is None else "plan.start_lat")
    if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ConfigError(tr("出发点（{lon}, {lat}）不是有效的经度/纬度", lon=lon, lat=lat),
                          key="plan.start_lon")
    if visits_per_day is not None and visits_per_day < 1:
        raise UsageError(tr("`--visits-per-day` 至少为 1"))
    return vp.PlanSettings(
        visits_per_day=visits_per_day or int(cfg.get("plan.visits_per_day")),
        new_customer_days=int(cfg.get("plan.new_customer_days")),
        fill=fill,
        start=(float(lon), float(lat)) if lon is not None else None,
        solver_seconds=float(cfg.get("plan.solver_seconds") if solver_seconds is None
                             else solver_seconds),
        route_weekdays=dict(cfg.route_weekdays),
        fallback_band=most_frequent_band(cfg),
    )


def most_frequent_band(cfg) -> GradeBand | None:
    """The policy band with the shortest interval: a customer whose 档位 cannot be read is
    planned as often as the most frequently visited (never forgotten; the warning asks for a check)."""
    bands = sorted(cfg.policy, key=lambda b: (b.interval_days, -b.level))
    return bands[0] if bands else None


def calendar_from_config(cfg) -> WorkCalendar:
    return WorkCalendar(cfg.get("calendar.file"))


def make_plans(db, cfg, managers: Sequence[str], week_start: date, week_end: date, *,
               today: date, settings: vp.PlanSettings, calendar: WorkCalendar | None = None
               ) -> PlanRun:
    """One plan per manager. Every manager is checked before anything is returned, so a bad
    customer anywhere stops the run with all the problems named (nothing half-written)."""
    cal = calendar or calendar_from_config(cfg)
    run = PlanRun(week_start, week_end, [])
    run.warnings.extend(cal.guess_warnings(week_start, week_end))
    if week_end < today:
        run.warnings.append(tr("{week}（{start} 至 {end}）已经过去：按当时的数据重排（补打或核对用）",
                               week=vp.week_label(week_start), start=week_start.isoformat(),
                               end=week_end.isoformat()))
    own_start = dict(cfg.start_points)
    shared = [m for m in managers if m not in own_start]
    if settings.start is not None and len(shared) > 1:
        run.warnings.append(tr("`plan.start_lon`/`plan.start_lat` 用于本次排计划的 {n} 位客户经理；"
                               "请在 `[plan.start_points]` 中给每人设自己的出发点", n=len(shared)))
    last_order = store.latest_order_date(db)
    if last_order is None:
        run.warnings.append(tr("数据库中没有订单：不检查断订和订量大幅下降"))
    anchor = min(week_start, last_order + timedelta(days=1)) if last_order else week_start
    if last_order is not None and anchor < week_start - timedelta(days=7):
        run.warnings.append(tr("数据库中最新的订单是 {day} 的：断订和订量下降按截至那时的各周判断",
                               day=last_order.isoformat()))
    stop_w = int(cfg.get("plan.stop_ordering_weeks"))
    look_w = int(cfg.get("plan.stop_ordering_lookback_weeks"))
    ratio = float(cfg.get("plan.order_drop_ratio"))
    weeks_back = max(stop_w + look_w, 12)
    problems: list[str] = []

    for manager in managers:
        customers = [vp.PlanCustomer(**row) for row in store.customers_for_plan(db, manager, week_start)]
        if not customers:
            raise NotFound(tr("客户经理「{manager}」在客户名册中没有客户", manager=manager))
        history = store.route_visit_days(db, manager, week_start - timedelta(weeks=ROUTE_HISTORY_WEEKS),
                                         week_start)
        learned = vp.learn_route_weekdays(history)
        situations: list[vp.Situation] = []
        if last_order is not None:
            daily = store.daily_orders(db, manager, anchor - timedelta(weeks=weeks_back), anchor)
            situations.extend(vp.order_situations(daily, anchor, stop_weeks=stop_w,
                                                  lookback_weeks=look_w, drop_ratio=ratio).values())
        complaints = store.open_complaints(db, manager)
        if complaints:
            situations.extend(vp.complaint_situations(complaints))
        flags = store.open_flags(db, manager)
        if flags:
            from cmgr.jobs.flags import close_proposals

            situations.extend(vp.flag_situations(flags, {c.code: c.last_visit for c in customers},
                                                 close_proposals(db, cfg, flags)))
        missed = missed_last_week(db, manager, week_start)
        situations.extend(vp.missed_situations(missed))
        workdays = cal.workdays(week_start, week_end, manager)
        try:
            mine = (replace(settings, start=own_start[manager])
                    if manager in own_start else settings)
            plan = vp.build_plan(manager, week_start, week_end, workdays, customers, cfg.policy,
                                 situations=situations, learned_weekdays=learned, settings=mine)
        except InputError as exc:
            problems.append(exc.message)
            continue
        unrouted = [c for c in customers if is_active(c.status) and not c.has_coords]
        if unrouted and plan.start_point is not None:
            run.warnings.append(tr("{manager}：{n} 个正常经营的客户没有坐标，排在当天最后，不在线路内",
                                   manager=manager, n=len(unrouted)))
        if not workdays:
            run.warnings.append(tr("{manager}：{week} 没有工作日", manager=manager,
                                   week=vp.week_label(week_start)))
        run.warnings.extend(tr("{manager}：{warning}", manager=manager, warning=w)
                            for w in plan.warnings)
        if plan.counts.get("active", 0) == 0:
            run.warnings.append(tr("{manager}：没有正常经营的客户：访问计划为空", manager=manager))
        run.plans.append(plan)
    if problems:
        raise InputError("；".join(problems) if len(problems) <= 3 else
                         tr("{n} 位客户经理有档位不在任何档位段内的客户：{first} ……", n=len(problems),
                            first="；".join(problems[:3])),
                         hint=tr("请在配置中为这些档位添加 `[[plan.policy]]` 档位段，"
                                 "或改正客户名册中的档位后重新导入"))
    return run


def missed_last_week(db, manager: str, week_start: date) -> dict[str, date]:
    """Customers due in the saved plan of the week before and not visited that week."""
    if not db.has_table("plans"):
        return {}
    previous = store.load_plan(db, manager, vp.week_label(week_start - timedelta(days=7)))
    if previous is None:
        return {}
    lines = review_lines(previous, store.visits_between(
        db, [v.customer_code for v in previous.visits], previous.week_start, previous.week_end))
    out: dict[str, date] = {}
    for line in lines:
        if line["status"] == "not_visited" and line["due"]:
            code = line["customer_code"]
            day = date.fromisoformat(line["date"])
            out[code] = min(out.get(code, day), day)
    return out


# --- records: JSON and CSV -----------------------------------------------------------------------

def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _grade(c: vp.PlanCustomer):
    return c.grade if c.grade is not None else (c.grade_label or None)


def visit_records(plan: vp.WeekPlan) -> list[dict]:
    return [{
        "manager": plan.manager, "date": v.date.isoformat(), "seq": v.seq,
        "customer_code": v.customer.code, "customer_name": v.customer.name,
        "route": v.customer.route, "grade": _grade(v.customer), "kind": v.kind,
        "reasons": list(v.reasons), "last_visit": _iso(v.customer.last_visit),
        "next_due": _iso(v.next_due), "km_from_previous": v.km_from_previous,
    } for v in plan.visits]


def pushed_records(plan: vp.WeekPlan) -> list[dict]:
    return [{"customer_code": p.customer.code, "customer_name": p.customer.name,
             "reason": p.reason, "next_due": _iso(p.next_due)} for p in plan.pushed]


def plan_json(plan: vp.WeekPlan) -> dict:
    return {
        "manager": plan.manager, "week": plan.week, "start": plan.start.isoformat(),
        "end": plan.end.isoformat(), "workdays": [d.isoformat() for d in plan.workdays],
        "visits_per_day": plan.visits_per_day,
        "start_point": (None if plan.start_point is None else
                        {"lon": plan.start_point[0], "lat": plan.start_point[1],
                         "source": plan.start_point_source}),
        "km": plan.km, "route_weekdays": plan.route_weekdays,
        "days": [{"date": d.date.isoformat(), "weekday": d.weekday_cn, "routes": d.routes,
                  "visits": len(d.visits), "km": d.km} for d in plan.days],
        "counts": plan.counts,
        "visits": visit_records(plan),
        "pushed": pushed_records(plan),
        "warnings": list(plan.warnings),
        "not_planned": [{"customer_code": p.customer.code, "customer_name": p.customer.name,
                         "reason": p.reason} for p in plan.not_planned],
    }


def run_json(run: PlanRun, plans: Sequence[vp.WeekPlan] | None = None) -> dict:
    return {"week": run.week, "start": run.week_start.isoformat(), "end": run.week_end.isoformat(),
            "distance": DISTANCE_NOTE,
            "managers": [plan_json(p) for p in (run.plans if plans is None else plans)]}


def csv_rows(plans: Sequence[vp.WeekPlan]) -> list[list]:
    rows: list[list] = [list(VISIT_KEYS)]
    for plan in plans:
        for r in visit_records(plan):
            rows.append([("；".join(r[k]) if k == "reasons" else
                          "" if r[k] is None else r[k]) for k in VISIT_KEYS])
    return rows


def save(db, plans: Sequence[vp.WeekPlan]) -> None:
    store.save_plans(db, [{
        "manager": p.manager, "week": p.week, "week_start": p.start.isoformat(),
        "week_end": p.end.isoformat(), "workdays": ",".join(d.isoformat() for d in p.workdays),
        "visits_per_day": p.visits_per_day, "km": p.km,
        "visits": [{**r, "grade": None if r["grade"] is None else str(r["grade"]),
                    "reasons": "；".join(r["reasons"]), "due": v.due}
                   for r, v in zip(visit_records(p), p.visits, strict=True)],
        "pushed": pushed_records(p),
    } for p in plans])


# --- review --------------------------------------------------------------------------------------

def review_lines(plan: store.SavedPlan, visits: Sequence[tuple[str, date, str | None]]) -> list[dict]:
    """Each planned visit: visited as planned, visited another day of the week, or not visited.
    A customer's visits in the week are matched to its planned visits, same day first."""
    seen: dict[str, list[date]] = {}
    for code, day, _ in visits:
        if plan.week_start <= day <= plan.week_end:
            seen.setdefault(code, []).append(day)
    planned: dict[str, list[store.SavedVisit]] = {}
    for v in plan.visits:
        planned.setdefault(v.customer_code, []).append(v)
    result: dict[int, tuple[str, date | None]] = {}
    for code, items in planned.items():
        days = sorted(seen.get(code, []))
        rest = []
        for v in items:
            if v.visit_date in days:
                days.remove(v.visit_date)
                result[id(v)] = ("as_planned", v.visit_date)
            else:
                rest.append(v)
        for v in rest:
            if days:
                best = min(days, key=lambda d: (abs((d - v.visit_date).days), d))
                days.remove(best)
                result[id(v)] = ("other_day", best)
            else:
                result[id(v)] = ("not_visited", None)
    out = []
    for v in plan.visits:
        status, on = result[id(v)]
        out.append({
            "date": v.visit_date.isoformat(), "seq": v.seq, "customer_code": v.customer_code,
            "customer_name": v.customer_name, "route": v.route, "kind": v.kind, "due": v.due,
            "planned_reasons": v.reasons, "status": status,
            "visited_on": _iso(on),
            "miss_reason": plan.miss_reasons.get(v.customer_code) if status == "not_visited" else None,
        })
    return out


@dataclass
class Review:
    manager: str
    plan: store.SavedPlan
    lines: list[dict]
    unplanned: list[dict]

    @property
    def summary(self) -> dict:
        c = {k: sum(1 for x in self.lines if x["status"] == k) for k in PLAN_REVIEW_LABELS}
        missing = sum(1 for x in self.lines if x["status"] == "not_visited" and not x["miss_reason"])
        return {"planned": len(self.lines), **c, "not_visited_without_reason": missing,
                "unplanned_visits": len(self.unplanned)}


def review_week(db, managers: Sequence[str], week: str | None, today: date, *,
                explicit: bool) -> tuple[str, list[Review], list[str]]:
    """The week to review (given, or the latest saved plan that has started) and each manager's
    review. `explicit`: the managers were named, so a missing plan is an error."""
    notes: list[str] = []
    if week is None:
        started = [(start, w) for m in managers for w, start in store.saved_weeks(db, m)
                   if start <= today]
        if not started:
            raise NotFound(tr("没有已开始的周的已保存访问计划"),
                           hint=tr("访问计划由 `cmgr plan-week` 保存；用 `--week` 指定一周"))
        week = max(started)[1]
    else:
        week = vp.week_label(iso_week_bounds(week)[0])
    reviews = []
    for m in managers:
        plan = store.load_plan(db, m, week)
        if plan is None:
            if explicit:
                raise NotFound(tr("{manager} 没有 {week} 的已保存访问计划", manager=m, week=week),
                               hint=tr("请先运行 `cmgr plan-week --week {week} --manager {manager}`",
                                       week=week, manager=m))
            notes.append(tr("{manager}：没有 {week} 的已保存访问计划", manager=m, week=week))
            continue
        visits = store.visits_between(db, [v.customer_code for v in plan.visits],
                                      plan.week_start, plan.week_end)
        lines = review_lines(plan, visits)
        planned_codes = {v.customer_code for v in plan.visits}
        matched = {(x["customer_code"], x["visited_on"]) for x in lines if x["visited_on"]}
        unplanned = [{"customer_code": code, "customer_name": name, "date": d.isoformat(),
                      "in_plan": code in planned_codes}
                     for code, name, d in store.manager_visits_between(db, m, plan.week_start,
                                                                       plan.week_end)
                     if (code, d.isoformat()) not in matched]
        reviews.append(Review(m, plan, lines, unplanned))
    if not reviews:
        raise NotFound(tr("没有 {week} 的已保存访问计划", week=week),
                       hint=tr("请先为那一周运行 `cmgr plan-week`"))
    return week, reviews, notes


def parse_reasons(items: Sequence[str]) -> dict[str, str]:
    """--reason CODE:"text" (customer code, colon, why the planned visit did not happen)."""
    out = {}
    for item in items:
        code, sep, text = item.replace("：", ":", 1).partition(":")
        code, text = code.strip(), text.strip()
        if not sep or not code or not text:
            raise UsageError(tr("`--reason` {item}：应为 客户编码:\"未访问的原因\"", item=repr(item)),
                             hint=tr('例如 `--reason 053200103756:"店主外出，门店关闭"`'))
        out[code] = text
    return out


def record_reasons(db, week: str, reviews: Sequence[Review], reasons: dict[str, str], *,
                   cfg=None) -> None:
    """Attach each reason to the missed planned visits of that customer; a customer not in the
    plans, or visited, is an error (nothing is recorded then). With `cfg`, the rules of
    docs/area.md: a manager records reasons in their own plans only."""
    per_manager: dict[str, dict[str, str]] = {}
    for code, text in reasons.items():
        owners = [r for r in reviews if any(x["customer_code"] == code for x in r.lines)]
        if not owners:
            raise NotFound(tr("客户 {code} 不在 {week} 的已保存访问计划中", code=code, week=week),
                           hint=tr("`cmgr plan-review` 会列出计划的访问"))
        lines = [x for r in owners for x in r.lines if x["customer_code"] == code]
        if not any(x["status"] == "not_visited" for x in lines):
            on = ", ".join(sorted({x["visited_on"] for x in lines if x["visited_on"]}))
            raise UsageError(tr("客户 {code} 已访问（{days}）；只有未进行的访问才需要原因", code=code,
                                days=on))
        for r in owners:
            per_manager.setdefault(r.manager, {})[code] = text
    if cfg is not None:
        from cmgr.jobs.area import check_manager_writes

        check_manager_writes(cfg, sorted(per_manager), tr("访问计划"))
    for manager, items in per_manager.items():
        store.save_miss_reasons(db, manager, week, items)
    for r in reviews:
        for x in r.lines:
            if x["status"] == "not_visited" and x["customer_code"] in per_manager.get(r.manager, {}):
                x["miss_reason"] = per_manager[r.manager][x["customer_code"]]
                r.plan.miss_reasons[x["customer_code"]] = x["miss_reason"]


def review_json(week: str, reviews: Sequence[Review]) -> dict:
    return {"week": week, "managers": [{
        "manager": r.manager, "week": week, "start": r.plan.week_start.isoformat(),
        "end": r.plan.week_end.isoformat(), "plan_saved_at": r.plan.created_at,
        "summary": r.summary,
        "visits": [{k: v for k, v in x.items() if k != "due"} | {"due": x["due"]} for x in r.lines],
        "unplanned": r.unplanned,
    } for r in reviews]}


# --- output files --------------------------------------------------------------------------------

FILE_FORMATS = ("xlsx", "html", "csv", "json")


def csv_text(plans: Sequence[vp.WeekPlan]) -> str:
    import io

    from cmgr.inert_text import csv_writer

    buf = io.StringIO()
    csv_writer(buf, lineterminator="\r\n").writerows(csv_rows(plans))
    return buf.getvalue()


def check_out(fmt: str, out: str | None, n_managers: int) -> None:
    """Refuse, before any work, an --out that cannot hold the run."""
    if fmt == "table" and out:
        raise UsageError(tr("`--out` 写出文件：请给出 `--format xlsx`、`html`、`csv` 或 `json`"))
    if fmt in ("xlsx", "html") and n_managers > 1 and out and "{manager}" not in out:
        raise UsageError(tr("`--out` {out}：{n} 位客户经理各需要一个 {format} 文件", out=out,
                            n=n_managers, format=fmt),
                         hint=tr("在文件名中加入 {{manager}}，例如 plans/{{manager}}-{{week}}.{format}",
                                 format=fmt))


def publish(db, run: PlanRun, fmt: str, out: str | None, *, user_dir: str | None = None,
            save_plans: bool = True, cfg=None) -> list[Path]:
    """Write the run's files (`out`, default OUT_PLAN; one per {manager} when given) and save
    the plans for plan-review, all or nothing: a failed file saves nothing, a failed save leaves
    no file. csv/json without `out`, and table, write no file (the caller prints them). With
    `cfg`, the rules of docs/area.md: a manager saves their own plans only (checked first)."""
    import json

    if save_plans and cfg is not None:
        from cmgr.jobs.area import check_manager_writes

        check_manager_writes(cfg, [p.manager for p in run.plans], tr("访问计划"))

    from cmgr.fileio import all_or_nothing
    from cmgr.render.output import expand_out

    to_files = fmt in FILE_FORMATS and not (fmt in ("csv", "json") and not out)
    groups: dict[Path, list[vp.WeekPlan]] = {}
    if to_files:
        for plan in run.plans:
            path = expand_out(out or OUT_PLAN, manager=plan.manager, week=run.week, format=fmt)
            groups.setdefault(path, []).append(plan)
    with all_or_nothing() as files:
        for path, plans in groups.items():
            staged = files.path(path)
            if fmt == "json":
                staged.write_text(json.dumps(run_json(run, plans), ensure_ascii=False, indent=2)
                                  + "\n", encoding="utf-8")
            elif fmt == "csv":
                staged.write_text(csv_text(plans), encoding="utf-8-sig", newline="")
            elif fmt == "html":
                from cmgr.render.plan_html import render_plan_html

                staged.write_text(render_plan_html(plans, user_dir=user_dir), encoding="utf-8")
            else:
                from cmgr.render.plan_xlsx import write_plan_xlsx

                write_plan_xlsx(plans, staged)
        if save_plans:
            save(db, run.plans)
    return files.written


def write_review(week: str, reviews: Sequence[Review], fmt: str, out: str | None,
                 manager: str) -> Path:
    """plan-review as a json or xlsx file (`manager`: the one reviewed, or "all")."""
    import json

    from cmgr.fileio import all_or_nothing
    from cmgr.render.output import expand_out

    if fmt == "json" and not out:
        raise UsageError(tr("不带 `--out` 的 json 输出到标准输出"))  # the caller prints it
    path = expand_out(out or OUT_PLAN_REVIEW, week=week, manager=manager, format=fmt)
    with all_or_nothing() as files:
        if fmt == "json":
            files.path(path).write_text(json.dumps(review_json(week, reviews), ensure_ascii=False,
                                                   indent=2) + "\n", encoding="utf-8")
        else:
            from cmgr.render.plan_xlsx import write_review_xlsx

            write_review_xlsx(week, reviews, files.path(path))
    return path
