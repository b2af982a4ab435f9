"""`cmgr today`: the day's stops from the saved plan, and at the day's end what was not done.

Each stop, in route order: why it is due (the plan's reasons), the last visit's note, the open
complaints and flags, and what to check (prices to re-check, licence, tags). `--done` lists the
planned stops without a visit that day and records one-line reasons, through plan-review's
machinery (cmgr.jobs.plan_week.record_reasons), so the next plan puts them first.

Raises CmgrError subclasses; never prints. Fast: no pandas or openpyxl here (cmgr today must
answer in under half a second, start-up included; bench/bench_today.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from cmgr.domain import OUT_TODAY, WEEKDAY_NAMES, flag_status_label
from cmgr.errors import NotFound, UsageError
from cmgr.i18n import tr
from cmgr.store.db import Database

SHEET_FORMATS = ("html", "xlsx")
STANDARD_REASONS = ("店主外出", "关门", "时间不够", "改日")
LICENCE_WARN_DAYS = 30


@dataclass
class Stop:
    seq: int
    customer_code: str
    customer_name: str | None
    address: str | None
    phone: str | None
    grade: str | None
    route: str | None
    kind: str  # routine | special
    reasons: list[str]
    last_visit: str | None
    last_note: str | None
    complaints: list[str]
    flags: list[str]
    checks: list[str]
    visited: bool  # a visit of that customer is recorded on the day
    miss_reason: str | None = None


@dataclass
class DaySheet:
    manager: str
    day: date
    week: str
    stops: list[Stop]
    # Issue 14 (e-settlements) adds the customers whose electronic settlement failed, to chase
    # on the day's round: a list of {customer_code, customer_name, amount, reason}.
    chase: list[dict] = field(default_factory=list)

    @property
    def weekday_cn(self) -> str:
        return WEEKDAY_NAMES[self.day.weekday()]


def day_sheet(db: Database, manager: str, day: date) -> DaySheet:
    """The manager's stops on `day` from the saved plan of its week."""
    from cmgr.core.visit_plan import week_label
    from cmgr.store import plans as plan_store
    from cmgr.store import today as store

    monday = day - timedelta(days=day.weekday())
    week = week_label(monday)
    plan = plan_store.load_plan(db, manager, week)
    if plan is None:
        raise NotFound(tr("{manager} 没有 {week} 的已保存访问计划", manager=manager, week=week),
                       hint=tr("请先运行 `cmgr plan-week --week {week} --manager {manager}`",
                               week=week, manager=manager))
    planned = sorted((v for v in plan.visits if v.visit_date == day), key=lambda v: v.seq)
    codes = [v.customer_code for v in planned]
    info = store.customers(db, codes)
    last = store.last_visits(db, codes, day)
    visited = store.visited_on(db, codes, day)
    complaints = _complaints(db, codes)
    flags = _flags(db, codes)
    stops = []
    for v in planned:
        c = info.get(v.customer_code, {})
        note_day, note = last.get(v.customer_code, (None, None))
        stops.append(Stop(
            v.seq, v.customer_code, v.customer_name or c.get("customer_name"), c.get("address"),
            c.get("phone"), c.get("grade_label") or (None if c.get("grade") is None else str(c["grade"])),
            v.route, v.kind, [r for r in (v.reasons or "").split("；") if r], note_day, note,
            complaints.get(v.customer_code, []), flags.get(v.customer_code, []),
            checks(c, flags.get(v.customer_code, []), day), v.customer_code in visited,
            plan.miss_reasons.get(v.customer_code)))
    return DaySheet(manager, day, week, stops)


def checks(customer: dict, flags: Sequence[str], day: date) -> list[str]:
    """What to check at this shop besides the a-f duties: the licence, flagged prices, tags."""
    out = []
    expiry = customer.get("license_expiry")
    if not customer.get("license_no"):
        out.append("许可证号缺失：核对许可证")
    elif expiry:
        if expiry < day.isoformat():
            out.append(f"许可证已于 {expiry} 过期：核对是否续办")
        elif expiry <= (day + timedelta(days=LICENCE_WARN_DAYS)).isoformat():
            out.append(f"许可证 {expiry} 到期：提醒续办")
    if any(f.startswith("价格违规") for f in flags):
        out.append("复查标记的卷烟零售价")
    if any("价签" in f or "标签" in f for f in flags):
        out.append("复查价签")
    return out


def _complaints(db: Database, codes: list[str]) -> dict[str, list[str]]:
    from cmgr.store import today as store

    rows = store.open_complaints(db, codes)
    if not rows:
        return {}
    from cmgr.core.complaint_flow import STATUS_LABELS

    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["customer_code"], []).append(
            f"投诉 {r['id']}（{r['problem'] or ''}）：{STATUS_LABELS.get(r['status'], r['status'])}")
    return out


def _flags(db: Database, codes: list[str]) -> dict[str, list[str]]:
    from cmgr.store import today as store

    rows = store.open_flags(db, codes)
    if not rows:
        return {}
    from cmgr.core.flag_engine import KIND_LABELS, subkind_label

    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["customer_code"], []).append(
            f"{KIND_LABELS.get(r['kind'], r['kind'])}·{subkind_label(r['subkind'])} #{r['id']}"
            f"（{flag_status_label(r['status'])}）：{r['matched'] or ''}")
    return out


def sheet_json(sheet: DaySheet) -> dict:
    return {"manager": sheet.manager, "date": sheet.day.isoformat(), "weekday": sheet.weekday_cn,
            "week": sheet.week, "stops": [s.__dict__ for s in sheet.stops], "chase": sheet.chase}


def write_sheets(sheet: DaySheet, formats: Sequence[str], out: str | None = None, *,
                 user_dir: str | None = None) -> list[Path]:
    """The day's visit sheet in each of `formats` (html, xlsx), all or nothing; `out` with the
    placeholders {manager} {date} {format} (default OUT_TODAY)."""
    from cmgr.fileio import all_or_nothing
    from cmgr.render.output import expand_out

    with all_or_nothing() as files:
        for fmt in formats:
            path = expand_out(out or OUT_TODAY, manager=sheet.manager, date=sheet.day.isoformat(),
                              format=fmt)
            staged = files.path(path)
            if fmt == "html":
                from cmgr.render.today_sheet import render_day_html

                staged.write_text(render_day_html(sheet_json(sheet), user_dir=user_dir),
                                  encoding="utf-8")
            else:
                from cmgr.render.today_sheet import write_day_xlsx

                write_day_xlsx(sheet, staged)
    return files.written


def demo_files(db: Database, cfg, out_dir: Path) -> list[Path]:
    """`cmgr demo`: the first planned day of the demo manager (the one with the largest saved
    plan) as the html and xlsx visit sheets; none without a saved plan."""
    from cmgr.jobs.managers import resolve_managers
    from cmgr.store.plans import load_plan, saved_weeks

    plans = [load_plan(db, m, weeks[0][0]) for m in resolve_managers(db, [], True)
             if (weeks := saved_weeks(db, m))]
    if not plans:
        return []
    plan = max(plans, key=lambda p: (len(p.visits), p.manager))
    first = min(v.visit_date for v in plan.visits) if plan.visits else plan.week_start
    return write_sheets(day_sheet(db, plan.manager, first), SHEET_FORMATS,
                        str(Path(out_dir) / "today" / "{manager}-{date}.{format}"),
                        user_dir=cfg.get("templates.dir"))


# --- the day's end -------------------------------------------------------------------------------

def missed(sheet: DaySheet) -> list[Stop]:
    return [s for s in sheet.stops if not s.visited]


def resolve_reasons(sheet: DaySheet, items: Sequence[str]) -> dict[str, str]:
    """--reason WHO:WHY, several at once. WHO: a customer code, a part of its name (unambiguous
    among the day's missed stops), or * for every missed stop without a reason yet. WHY: one of
    the standard reasons, its number (1 店主外出, 2 关门, 3 时间不够, 4 改日), or any text."""
    pending = missed(sheet)
    out: dict[str, str] = {}
    wildcard = None
    for item in items:
        who, sep, why = item.replace("：", ":", 1).partition(":")
        who, why = who.strip(), why.strip()
        if not sep or not who or not why:
            raise UsageError(tr("`--reason` {item}：应为 客户:原因", item=repr(item)),
                             hint=tr('例如 `--reason 053200103756:店主外出 --reason 信达:2 '
                                     '--reason "*:时间不够"`'))
        if why.isdigit() and 1 <= int(why) <= len(STANDARD_REASONS):
            why = STANDARD_REASONS[int(why) - 1]
        if who == "*":
            wildcard = why
            continue
        out[_match_stop(pending, who, sheet).customer_code] = why
    if wildcard is not None:
        for s in pending:
            if s.customer_code not in out and not s.miss_reason:
                out[s.customer_code] = wildcard
    return out


def _match_stop(pending: Sequence[Stop], who: str, sheet: DaySheet) -> Stop:
    exact = [s for s in pending if s.customer_code == who]
    if exact:
        return exact[0]
    found = [s for s in pending if who in s.customer_code or who in (s.customer_name or "")]
    if len(found) == 1:
        return found[0]
    if not found:
        visited = [s for s in sheet.stops if s.visited and (who == s.customer_code
                                                           or who in (s.customer_name or ""))]
        if visited:
            raise UsageError(tr("「{who}」：{code} {name} 已于 {day} 访问；只有未访问的才需要原因",
                                who=who, code=visited[0].customer_code,
                                name=visited[0].customer_name or "", day=sheet.day.isoformat()))
        raise NotFound(tr("「{who}」不在 {day} 未访问的客户中", who=who, day=sheet.day.isoformat()),
                       hint=tr("`cmgr today --done` 会列出它们"))
    names = "、".join(f"{s.customer_code} {s.customer_name or ''}" for s in found[:5])
    raise UsageError(tr("「{who}」与 {n} 个未访问的客户相符：{names}", who=who, n=len(found),
                        names=names),
                     hint=tr("请多给出一些名称，或给出客户编码"))


def record_day_reasons(db: Database, sheet: DaySheet, reasons: dict[str, str], *,
                       cfg=None) -> None:
    """Store the reasons with the week's saved plan (plan-review shows them; the next plan
    puts the missed customers first)."""
    from cmgr.jobs import plan_week

    week, reviews, _ = plan_week.review_week(db, [sheet.manager], sheet.week, sheet.day,
                                             explicit=True)
    plan_week.record_reasons(db, week, reviews, reasons, cfg=cfg)
    for s in sheet.stops:
        if s.customer_code in reasons:
            s.miss_reason = reasons[s.customer_code]
