"""`cmgr plan-week` (next week's 《客户访问日程表》 and sign-in sheet) and `cmgr plan-review`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.domain import OUT_PLAN_REVIEW
from cmgr.errors import ExitCode
from cmgr.i18n import tr

PlanFormatOpt = options.format_option(
    "table", "xlsx", "html", "csv", "json", optional=True,
    help=tr("输出格式，默认按 `--out` 的后缀，否则为 table；csv、json 不带 `--out` 时写到标准输出。"))
ReviewFormatOpt = options.format_option(
    "table", "json", "xlsx", optional=True, help=tr("输出格式，默认按 `--out` 的后缀，否则为 table。"))
PlanOutOpt = options.out_option("{manager} {week} {date} {format}", more=tr(
    "例如 plans/{manager}-{week}.xlsx；xlsx、html 默认写到 "
    "客户访问日程表-{manager}-{week}.{format}。"))
ReviewOutOpt = options.out_option("{week} {manager} {date}",
                                  default=OUT_PLAN_REVIEW,
                                  more=tr("json 或 xlsx。"))

# A plan table narrower than this drops the columns the day's title already says (route,
# distance) and puts the code under the name, so that it fits 80 columns and names stay readable.
WIDE_TABLE = 120


def register(app: typer.Typer) -> None:
    app.command("plan-week", help=tr(
        "下周的访问计划：《客户访问日程表》和《营销人员市场走访签到记录簿》。\n\n"
        "按档位的访问频次选出到期客户，加上特殊情况（投诉、违规标记、断订、订货大幅下降、"
        "上周未完成的访问），按每个工作日的访问能力安排（中国日历，含调休），"
        "线路放在它惯常的星期几，每天排成一条短的路线（直线距离）。"
        "访问计划会保存，供 `cmgr plan-review` 核对。"))(plan_week_command)
    app.command("plan-review", help=tr(
        "核对已保存的访问计划和记录的访问：按计划、改日、未访问。\n\n"
        "计划的访问没有发生时需要原因（`--reason`）；漏访的到期客户在下周计划里排在最前。"
    ))(plan_review_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step(tr("访问日程表（plan-week）"), demo_step)


def plan_week_command(
    week: options.WeekOpt = None,
    start: Annotated[date | None, options.date_option(
        "--start", help=tr("这一周的周一，例如 2026-11-30（代替 `--week`）。"))] = None,
    manager: options.ManagersOpt = None,
    all_managers: options.AllManagersOpt = False,
    fmt: PlanFormatOpt = None,
    out: PlanOutOpt = None,
    fill: Annotated[bool, typer.Option(
        "--fill", help=tr("用最快到期的客户填满剩余的访问能力。"))] = False,
    visits_per_day: Annotated[int | None, typer.Option(
        "--visits-per-day", metavar=tr("数量"),
        help=tr("每个工作日的访问户数（默认：配置项 plan.visits_per_day）。"))] = None,
    solver_seconds: Annotated[float | None, typer.Option(
        "--solver-seconds", metavar=tr("秒数"),
        help=tr("让 OR-Tools 为每个客户经理的路线优化这么多秒（默认：配置项 "
                "plan.solver_seconds；0 = 只用内置算法，每次结果逐字节相同）。"))] = None,
    no_save: Annotated[bool, typer.Option(
        "--no-save", help=tr("预览：不保存访问计划，plan-review 看不到它。"))] = False,
) -> None:
    # Next week's plan: due customers, special situations, capacity, routes; saved for review.
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
                                save_plans=not no_save, cfg=cfg)
    if fmt == "json" and not out:
        common.print_json(plan_week.run_json(run))
    elif fmt == "csv" and not out:
        import sys

        sys.stdout.write(plan_week.csv_text(run.plans))
        sys.stdout.flush()
    for path in written:
        common.info(tr("已写入 {path}", path=path))
    if fmt == "table":
        _print_tables(run)
    _summaries(run, saved=not no_save)
    if run.customer_warnings:
        common.warn(tr("{n} 户客户按备用规则安排（请在客户名册中核对档位或访销日）；"
                       "访问计划是完整的：退出码 {code}",
                       n=run.customer_warnings, code=int(ExitCode.WARNINGS)))
        common.exit_with(ExitCode.WARNINGS)


def weekday_label(day: date) -> str:
    """周一 ... 周日, or Mon ... Sun in English."""
    return (tr("周一"), tr("周二"), tr("周三"), tr("周四"), tr("周五"), tr("周六"),
            tr("周日"))[day.weekday()]


def _km_text(km: float | None) -> str:
    return "—" if km is None else tr("{km} km（直线距离）", km=f"{km:.1f}")


def _print_tables(run) -> None:
    from rich.markup import escape
    from rich.table import Table

    con = common.out_console
    wide = con.width >= WIDE_TABLE
    for plan in run.plans:
        con.print(tr("[bold]客户访问日程表[/bold]  {manager}  {week}（{start} 至 {end}）",
                     manager=escape(plan.manager), week=plan.week,
                     start=plan.start.isoformat(), end=plan.end.isoformat()))
        for day in plan.days:
            if not day.visits:  # one line, not an empty table
                con.print(tr("{date} {weekday} · 本日没有安排访问", date=day.date.isoformat(),
                             weekday=weekday_label(day.date)))
                continue
            title = tr("{date} {weekday} · {n} 户 · {km} · 线路 {routes}",
                       date=day.date.isoformat(), weekday=weekday_label(day.date),
                       n=len(day.visits), km=_km_text(day.km),
                       routes=escape("、".join(day.routes) or "—"))
            table = _day_table(title, wide, con.width)
            for v in day.visits:
                reason = escape((tr("【特殊访问】") if v.kind == "special" else "")
                                + "；".join(v.reasons))
                last = v.customer.last_visit.isoformat() if v.customer.last_visit else tr("从未")
                name = escape(v.customer.name or "")
                if wide:
                    km = "" if v.km_from_previous is None else f"{v.km_from_previous:.1f}"
                    table.add_row(str(v.seq), v.customer.code, name,
                                  escape(v.customer.route or ""), v.customer.grade_text, reason,
                                  last, km)
                else:
                    table.add_row(str(v.seq), f"{name}\n{v.customer.code}",
                                  v.customer.grade_text, reason, last)
            con.print(table)
        if plan.pushed:
            table = Table(title=tr("顺延到下周 · {n} 户", n=len(plan.pushed)), title_justify="left",
                          width=None if wide else con.width)
            table.add_column(tr("客户"), ratio=2, overflow="fold")
            table.add_column(tr("应访日期"), no_wrap=True)
            table.add_column(tr("原因"), ratio=3, overflow="fold")
            for p in plan.pushed:
                table.add_row(escape(f"{p.customer.name or ''}\n{p.customer.code}"),
                              p.next_due.isoformat() if p.next_due else "", escape(p.reason))
            con.print(table)
        for p in plan.not_planned:
            con.print(tr("未计划：{code} {name}：{reason}", code=p.customer.code,
                         name=escape(p.customer.name or ""), reason=escape(p.reason)))


def _day_table(title: str, wide: bool, width: int):
    """One day's table. Wide: every column. Narrow (80 columns): the route and distance are in
    the title, the code goes under the name, and the name and reason wrap by display width."""
    from rich.table import Table

    if wide:
        table = Table(title=title, title_justify="left")
        for col, right, keep in ((tr("序号"), True, True), (tr("客户编码"), False, True),
                                 (tr("客户名称"), False, False), (tr("线路"), False, False),
                                 (tr("档位"), True, True), (tr("访问事由"), False, False),
                                 (tr("上次访问"), False, True), ("km", True, True)):
            table.add_column(col, justify="right" if right else "left", no_wrap=keep,
                             overflow="fold")
        return table
    table = Table(title=title, title_justify="left", width=width)
    table.add_column(tr("序"), justify="right", no_wrap=True)
    table.add_column(tr("客户"), ratio=2, overflow="fold")
    table.add_column(tr("档位"), justify="right", no_wrap=True)
    table.add_column(tr("访问事由"), ratio=3, overflow="fold")
    table.add_column(tr("上次访问"), no_wrap=True)
    return table


def _summaries(run, *, saved: bool) -> None:
    for plan in run.plans:
        common.info(tr("{manager} {week}：{workdays} 个工作日，访问 {visits} 次（特殊访问 {special}，"
                       "提前 {fill}），{km}，顺延到下周 {pushed} 户",
                       manager=plan.manager, week=plan.week, workdays=len(plan.workdays),
                       visits=len(plan.visits), special=plan.counts.get("special", 0),
                       fill=plan.counts.get("fill", 0), km=_km_text(plan.km),
                       pushed=len(plan.pushed)))
    if not saved:
        common.info(tr("预览：访问计划未保存（`--no-save`）"))


# --- plan-review ---------------------------------------------------------------------------------

def plan_review_command(
    week: Annotated[str | None, typer.Option(
        "--week", metavar=tr("周"),
        help=tr("要核对的 ISO 周，例如 2026-W49（默认：已开始的最近一份访问计划）。"))] = None,
    manager: options.ManagersOpt = None,
    all_managers: options.AllManagersOpt = False,
    reason: Annotated[list[str] | None, typer.Option(
        "--reason", metavar=tr("客户编码:原因"),
        help=tr("计划的访问没有发生的原因：客户编码:\"原因\"（可重复）。"))] = None,
    fmt: ReviewFormatOpt = None,
    out: ReviewOutOpt = None,
) -> None:
    # A saved plan against the visits recorded: as planned, another day, not visited.
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
        plan_week.record_reasons(db, week_label, reviews, reasons, cfg=st.config())
        common.info(tr("已记录 {n} 条原因", n=len(reasons)))
    if fmt == "json" and not out:
        common.print_json(plan_week.review_json(week_label, reviews))
    elif fmt in ("json", "xlsx"):
        path = plan_week.write_review(week_label, reviews, fmt, out, _one(managers))
        common.info(tr("已写入 {path}", path=path))
    else:
        _print_review(week_label, reviews)
    missing = sum(r.summary["not_visited_without_reason"] for r in reviews)
    if missing:
        common.warn(tr("{n} 次计划的访问没有发生，也没有原因：cmgr plan-review --week {week} "
                       "--reason 客户编码:\"...\"", n=missing, week=week_label))


def _one(managers: list[str]) -> str:
    return managers[0] if len(managers) == 1 else "all"


def _print_review(week: str, reviews) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cmgr.domain import PLAN_REVIEW_LABELS

    con = common.out_console
    for r in reviews:
        s = r.summary
        con.print(tr("[bold]访问计划执行情况[/bold]  {manager}  {week}：计划 {planned}，按计划 "
                     "{as_planned}，改日 {other_day}，未访问 {not_visited}（缺原因 {no_reason}），"
                     "计划外访问 {unplanned}",
                     manager=escape(r.manager), week=week, planned=s["planned"],
                     as_planned=s["as_planned"], other_day=s["other_day"],
                     not_visited=s["not_visited"], no_reason=s["not_visited_without_reason"],
                     unplanned=s["unplanned_visits"]))
        rows = [x for x in r.lines if x["status"] != "as_planned"]
        if not rows:
            continue
        table = Table()
        table.add_column(tr("计划日期"), no_wrap=True)
        table.add_column(tr("客户"), ratio=2, overflow="fold")
        table.add_column(tr("情况"))
        table.add_column(tr("实际访问"), no_wrap=True)
        table.add_column(tr("原因"), ratio=2, overflow="fold")
        for x in rows:
            why = (escape(x["miss_reason"]) if x["miss_reason"]
                   else f"[red]{tr('缺原因')}[/red]" if x["status"] == "not_visited" else "")
            table.add_row(x["date"], escape(f"{x['customer_name'] or ''}\n{x['customer_code']}"),
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
