"""`cmgr plan-week` (next week's 《客户访问日程表》 and sign-in sheet) and `cmgr plan-review`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.errors import ExitCode

PlanFormatOpt = options.format_option(
    "table", "xlsx", "html", "csv", "json", optional=True,
    help="Output format (default: from --out, else table); csv/json without --out go to stdout.")
ReviewFormatOpt = options.format_option("table", "json", "xlsx", optional=True,
                                        help="Output format (default: from --out, else table).")
PlanOutOpt = options.out_option("{manager} {week} {date} {format}", more=(
    "e.g. plans/{manager}-{week}.xlsx (xlsx/html default 客户访问日程表-{manager}-{week}."
    "{format})."))
ReviewOutOpt = options.out_option("{week} {manager} {date}",
                                  default="访问计划执行情况-{week}.xlsx", more="json or xlsx.")


def register(app: typer.Typer) -> None:
    app.command("plan-week")(plan_week_command)
    app.command("plan-review")(plan_review_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("访问日程表 (plan-week)", demo_step)


def plan_week_command(
    week: options.WeekOpt = None,
    start: Annotated[date | None, options.date_option(
        "--start", help="The week's Monday, e.g. 2026-11-30 (instead of --week).")] = None,
    manager: options.ManagersOpt = None,
    all_managers: options.AllManagersOpt = False,
    fmt: PlanFormatOpt = None,
    out: PlanOutOpt = None,
    fill: Annotated[bool, typer.Option(
        "--fill", help="Fill spare capacity with the customers due soonest.")] = False,
    visits_per_day: Annotated[int | None, typer.Option(
        "--visits-per-day", help="Visits per working day (default: plan.visits_per_day).")] = None,
    solver_seconds: Annotated[float | None, typer.Option(
        "--solver-seconds",
        help="Let OR-Tools improve each manager's tours this long (default: plan.solver_seconds; "
             "0 = the built-in heuristic only, byte-for-byte reproducible).")] = None,
    no_save: Annotated[bool, typer.Option(
        "--no-save", help="Do not save the plan for plan-review (a preview).")] = False,
) -> None:
    """Next week's visit plan (《客户访问日程表》 and 《营销人员市场走访签到记录簿》).

    Due customers from the visit policy per 档位 band, special situations (complaints, flags,
    断订, large drops, last week's missed visits), capacity per working day (Chinese calendar
    with 调休), routes on their usual weekday, and each day ordered into a short tour
    (straight-line km). The plan is saved for `cmgr plan-review`.
    """
    from cmgr.jobs import plan_week
    from cmgr.jobs.managers import resolve_managers

    st = common.state()
    cfg = st.config()
    fmt = options.format_from(fmt, out, ("table", "xlsx", "html", "csv", "json"))
    plan_week.check_out(fmt, out, 1)
    week_start, week_end = plan_week.week_bounds(week, start, date.today())
    settings = plan_week.settings_from_config(cfg, fill=fill, visits_per_day=visits_per_day,
                                              solver_seconds=solver_seconds)
    db = st.db()
    managers = resolve_managers(db, manager or [], all_managers)
    plan_week.check_out(fmt, out, len(managers))
    run = plan_week.make_plans(db, cfg, managers, week_start, week_end, today=date.today(),
                               settings=settings)
    for message in run.warnings:
        common.warn(message)
    written = plan_week.publish(db, run, fmt, out, user_dir=cfg.get("templates.dir"),
                                save_plans=not no_save)
    if fmt == "json" and not out:
        common.print_json(plan_week.run_json(run))
    elif fmt == "csv" and not out:
        import sys

        sys.stdout.write(plan_week.csv_text(run.plans))
        sys.stdout.flush()
    for path in written:
        common.info(f"written {path}")
    if fmt == "table":
        _print_tables(run)
    _summaries(run, saved=not no_save)
    if run.customer_warnings:
        common.warn(f"{run.customer_warnings} customer(s) planned by a fallback rule (档位 or 访销日 to "
                    f"check in the roster); the plan is complete: exit {int(ExitCode.WARNINGS)}")
        common.exit_with(ExitCode.WARNINGS)


def _print_tables(run) -> None:
    from rich.markup import escape
    from rich.table import Table

    con = common.out_console
    for plan in run.plans:
        con.print(f"[bold]客户访问日程表[/bold]  {escape(plan.manager)}  {plan.week}"
                  f"（{plan.start.isoformat()} 至 {plan.end.isoformat()}）")
        for day in plan.days:
            km = "—" if day.km is None else f"{day.km:.1f} km（直线距离）"
            routes = "、".join(day.routes) or "—"
            table = Table(title=f"{day.date.isoformat()} {day.weekday_cn} · {len(day.visits)} 户 · "
                                f"{km} · 线路 {escape(routes)}", title_justify="left")
            for col in ("序号", "客户编码", "客户名称", "线路", "档位", "访问事由", "上次访问", "km"):
                table.add_column(col, justify="right" if col in ("序号", "档位", "km") else "left",
                                 no_wrap=col in ("客户编码", "上次访问"))
            for v in day.visits:
                table.add_row(str(v.seq), v.customer.code, escape(v.customer.name or ""),
                              escape(v.customer.route or ""), v.customer.grade_text,
                              escape(("【特殊访问】" if v.kind == "special" else "")
                                     + "；".join(v.reasons)),
                              v.customer.last_visit.isoformat() if v.customer.last_visit else "从未",
                              "" if v.km_from_previous is None else f"{v.km_from_previous:.1f}")
            con.print(table)
        if plan.pushed:
            table = Table(title=f"顺延到下周 · {len(plan.pushed)} 户", title_justify="left")
            for col in ("客户编码", "客户名称", "应访日期", "原因"):
                table.add_column(col, no_wrap=col in ("客户编码", "应访日期"))
            for p in plan.pushed:
                table.add_row(p.customer.code, escape(p.customer.name or ""),
                              p.next_due.isoformat() if p.next_due else "", escape(p.reason))
            con.print(table)
        for p in plan.not_planned:
            con.print(f"未计划 {p.customer.code} {escape(p.customer.name or '')}: {escape(p.reason)}")


def _summaries(run, *, saved: bool) -> None:
    for plan in run.plans:
        km = "—" if plan.km is None else f"{plan.km:.1f} km（直线距离）"
        extra = []
        if plan.counts.get("special"):
            extra.append(f"特殊访问 {plan.counts['special']}")
        if plan.counts.get("fill"):
            extra.append(f"提前 {plan.counts['fill']}")
        common.info(f"{plan.manager} {plan.week}: {len(plan.visits)} visits on "
                    f"{len(plan.workdays)} working days, {km}, {len(plan.pushed)} pushed to next week"
                    + (f" ({', '.join(extra)})" if extra else "")
                    + ("" if saved else " (not saved)"))


# --- plan-review ---------------------------------------------------------------------------------

def plan_review_command(
    week: Annotated[str | None, typer.Option(
        "--week", metavar="WEEK",
        help="ISO week to review (default: the latest saved plan that has started).")] = None,
    manager: options.ManagersOpt = None,
    all_managers: options.AllManagersOpt = False,
    reason: Annotated[list[str] | None, typer.Option(
        "--reason", help='Why a planned visit did not happen: CUSTOMER_CODE:"text" (repeatable).')] = None,
    fmt: ReviewFormatOpt = None,
    out: ReviewOutOpt = None,
) -> None:
    """Compare a saved plan with the visits recorded: as planned, another day, not visited.

    A planned visit that did not happen needs a reason (--reason); missed due customers come
    first in the next plan.
    """
    from cmgr.jobs import plan_week
    from cmgr.jobs.managers import resolve_managers

    st = common.state()
    fmt = options.format_from(fmt, out, ("table", "json", "xlsx"))
    db = st.db()
    managers = resolve_managers(db, manager or [], all_managers)
    reasons = plan_week.parse_reasons(reason or [])
    week_label, reviews, notes = plan_week.review_week(db, managers, week, date.today(),
                                                       explicit=bool(manager))
    for note in notes:
        common.info(note)
    if reasons:
        plan_week.record_reasons(db, week_label, reviews, reasons)
        common.info(f"recorded {len(reasons)} reason(s)")
    if fmt == "json" and not out:
        common.print_json(plan_week.review_json(week_label, reviews))
    elif fmt in ("json", "xlsx"):
        path = plan_week.write_review(week_label, reviews, fmt, out, _one(managers))
        common.info(f"written {path}")
    else:
        _print_review(week_label, reviews)
    missing = sum(r.summary["not_visited_without_reason"] for r in reviews)
    if missing:
        common.warn(f"{missing} planned visit(s) did not happen and have no reason: "
                    f"cmgr plan-review --week {week_label} --reason CUSTOMER_CODE:\"...\"")


def _one(managers: list[str]) -> str:
    return managers[0] if len(managers) == 1 else "all"


def _print_review(week: str, reviews) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cmgr.domain import PLAN_REVIEW_LABELS

    con = common.out_console
    for r in reviews:
        s = r.summary
        con.print(f"[bold]访问计划执行情况[/bold]  {escape(r.manager)}  {week}: 计划 {s['planned']}，"
                  f"按计划 {s['as_planned']}，改日 {s['other_day']}，未访问 {s['not_visited']}"
                  f"（缺原因 {s['not_visited_without_reason']}），计划外访问 {s['unplanned_visits']}")
        rows = [x for x in r.lines if x["status"] != "as_planned"]
        if not rows:
            continue
        table = Table()
        for col in ("计划日期", "客户编码", "客户名称", "情况", "实际访问", "原因"):
            table.add_column(col, no_wrap=col in ("计划日期", "客户编码", "实际访问"))
        for x in rows:
            why = (escape(x["miss_reason"]) if x["miss_reason"]
                   else "[red]缺原因[/red]" if x["status"] == "not_visited" else "")
            table.add_row(x["date"], x["customer_code"], escape(x["customer_name"] or ""),
                          PLAN_REVIEW_LABELS[x["status"]], x["visited_on"] or "", why)
        con.print(table)


# --- cmgr demo -----------------------------------------------------------------------------------

def demo_step(st, out_dir: Path) -> list[Path]:
    """The week after the sample data's last visit (deterministic), every manager, xlsx and html."""
    from datetime import timedelta

    from cmgr.core.workdays import next_week_start
    from cmgr.jobs import plan_week
    from cmgr.jobs.managers import resolve_managers
    from cmgr.store.plans import latest_visit_date

    cfg = st.config()
    db = st.db()
    last = latest_visit_date(db) or date.today()
    week_start = next_week_start(last)
    managers = resolve_managers(db, [], True)
    run = plan_week.make_plans(db, cfg, managers, week_start, week_start + timedelta(days=6),
                               today=week_start, settings=plan_week.settings_from_config(cfg))
    for message in run.warnings:
        common.warn(message)
    written = []
    for fmt in ("xlsx", "html"):
        written += plan_week.publish(db, run, fmt,
                                     str(out_dir / "plans" / ("{manager}-{week}." + fmt)),
                                     user_dir=cfg.get("templates.dir"), save_plans=fmt == "html")
    return written
