"""`cmgr plan-week` (next week's 《客户访问日程表》 and sign-in sheet) and `cmgr plan-review`."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common
from cmgr.errors import UsageError
from cmgr.managers import resolve_managers


class PlanFormat(StrEnum):
    table = "table"
    xlsx = "xlsx"
    html = "html"
    csv = "csv"
    json = "json"


class ReviewFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


DEFAULT_OUT = "客户访问日程表-{manager}-{week}.{format}"
DEFAULT_REVIEW_OUT = "访问计划执行情况-{week}.xlsx"


def register(app: typer.Typer) -> None:
    app.command("plan-week")(plan_week_command)
    app.command("plan-review")(plan_review_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("访问日程表 (plan-week)", demo_step)


def _format_from(fmt, out: str | None, enum):
    if fmt is not None:
        return fmt
    if out:
        suffix = Path(out).suffix.lower().lstrip(".")
        try:
            return enum(suffix)
        except ValueError:
            raise UsageError(f"--out {out}: cannot tell the format from {Path(out).suffix!r}",
                             hint="add --format " + "|".join(e.value for e in enum)) from None
    return enum.table


def plan_week_command(
    week: Annotated[str | None, typer.Option("--week", help="ISO week, e.g. 2026-W49.")] = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="The week's Monday, e.g. 2026-11-30 (instead of --week).")] = None,
    manager: Annotated[list[str] | None, typer.Option(
        "--manager", "-m", help="客户经理 to plan (repeatable).")] = None,
    all_managers: Annotated[bool, typer.Option("--all", help="Plan every manager in the roster.")] = False,
    fmt: Annotated[PlanFormat | None, typer.Option(
        "--format", help="table, xlsx, html, csv or json (default: from --out, else table).")] = None,
    out: Annotated[str | None, typer.Option(
        "--out", help="Output file; placeholders {manager} {week} {date} {format}, e.g. "
                      "plans/{manager}-{week}.xlsx. csv/json without it go to stdout.")] = None,
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
    from cmgr import planning

    st = common.state()
    cfg = st.config()
    fmt = _format_from(fmt, out, PlanFormat)
    if fmt == PlanFormat.table and out:
        raise UsageError("--out writes a file: give --format xlsx, html, csv or json")
    week_start, week_end = planning.week_bounds(week, start, date.today())
    settings = planning.settings_from_config(cfg, fill=fill, visits_per_day=visits_per_day,
                                             solver_seconds=solver_seconds)
    db = st.db()
    managers = resolve_managers(db, manager or [], all_managers)
    if fmt in (PlanFormat.xlsx, PlanFormat.html) and len(managers) > 1 and out \
            and "{manager}" not in out:
        raise UsageError(f"--out {out}: {len(managers)} managers need one {fmt.value} file each",
                         hint="put {manager} in the file name, e.g. plans/{manager}-{week}."
                              + fmt.value)
    run = planning.make_plans(db, cfg, managers, week_start, week_end, today=date.today(),
                              settings=settings)
    for message in run.warnings:
        common.warn(message)
    written = _write_outputs(run, fmt, out, cfg)
    if not no_save:
        planning.save(db, run.plans)
    for path in written:
        common.info(f"written {path}")
    if fmt == PlanFormat.table:
        _print_tables(run)
    _summaries(run, saved=not no_save)


def _write_outputs(run, fmt: PlanFormat, out: str | None, cfg) -> list[Path]:
    """Render every file first, then move them into place, so a failure writes nothing."""
    from cmgr import planning
    from cmgr.render.output import expand_out

    if fmt == PlanFormat.table:
        return []
    if fmt in (PlanFormat.csv, PlanFormat.json) and not out:
        if fmt == PlanFormat.json:
            common.print_json(planning.run_json(run))
        else:
            import sys

            sys.stdout.write(_csv_text(planning.csv_rows(run.plans)))
            sys.stdout.flush()
        return []
    pattern = out or DEFAULT_OUT
    groups: dict[Path, list] = {}
    for plan in run.plans:
        path = expand_out(pattern, manager=plan.manager, week=run.week, format=fmt.value)
        groups.setdefault(path, []).append(plan)
    jobs = []
    for path, plans in groups.items():
        if fmt == PlanFormat.json:
            import json

            text = json.dumps(planning.run_json(run, plans), ensure_ascii=False, indent=2) + "\n"
            jobs.append((path, "text", text))
        elif fmt == PlanFormat.csv:
            jobs.append((path, "bom", _csv_text(planning.csv_rows(plans))))
        elif fmt == PlanFormat.html:
            from cmgr.render.plan_html import render_plan_html

            jobs.append((path, "text", render_plan_html(plans, user_dir=cfg.get("templates.dir"))))
        else:
            jobs.append((path, "xlsx", plans))
    return _commit(jobs)


def _commit(jobs) -> list[Path]:
    from contextlib import ExitStack

    from cmgr.render.output import atomic_path

    written = []
    with ExitStack() as stack:  # every temporary file is renamed only when all were written
        for path, kind, payload in jobs:
            tmp = stack.enter_context(atomic_path(path))
            if kind == "xlsx":
                from cmgr.render.plan_xlsx import write_plan_xlsx

                write_plan_xlsx(payload, tmp)
            elif kind == "bom":
                tmp.write_text(payload, encoding="utf-8-sig", newline="")
            else:
                tmp.write_text(payload, encoding="utf-8")
            written.append(path)
    return written


def _csv_text(rows) -> str:
    import io

    from cmgr.render.output import csv_writer

    buf = io.StringIO()
    csv_writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


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
        "--week", help="ISO week to review (default: the latest saved plan that has started).")] = None,
    manager: Annotated[list[str] | None, typer.Option("--manager", "-m", help="客户经理 (repeatable).")] = None,
    all_managers: Annotated[bool, typer.Option("--all", help="Every manager with a saved plan.")] = False,
    reason: Annotated[list[str] | None, typer.Option(
        "--reason", help='Why a planned visit did not happen: CUSTOMER_CODE:"text" (repeatable).')] = None,
    fmt: Annotated[ReviewFormat | None, typer.Option(
        "--format", help="table, json or xlsx (default: from --out, else table).")] = None,
    out: Annotated[str | None, typer.Option(
        "--out", help="Output file (json or xlsx); placeholders {week} {manager} {date}.")] = None,
) -> None:
    """Compare a saved plan with the visits recorded: as planned, another day, not visited.

    A planned visit that did not happen needs a reason (--reason); missed due customers come
    first in the next plan.
    """
    from cmgr import planning

    st = common.state()
    fmt = _format_from(fmt, out, ReviewFormat)
    db = st.db()
    managers = resolve_managers(db, manager or [], all_managers)
    reasons = planning.parse_reasons(reason or [])
    week_label, reviews, notes = planning.review_week(db, managers, week, date.today(),
                                                      explicit=bool(manager))
    for note in notes:
        common.info(note)
    if reasons:
        planning.record_reasons(db, week_label, reviews, reasons)
        common.info(f"recorded {len(reasons)} reason(s)")
    if fmt == ReviewFormat.json:
        data = planning.review_json(week_label, reviews)
        if out:
            import json

            from cmgr.render.output import expand_out, write_text

            path = write_text(expand_out(out, week=week_label, manager=_one(managers),
                                         format="json"),
                              json.dumps(data, ensure_ascii=False, indent=2) + "\n")
            common.info(f"written {path}")
        else:
            common.print_json(data)
    elif fmt == ReviewFormat.xlsx:
        from cmgr.render.output import atomic_path, expand_out
        from cmgr.render.plan_xlsx import write_review_xlsx

        path = expand_out(out or DEFAULT_REVIEW_OUT, week=week_label, manager=_one(managers),
                          format="xlsx")
        with atomic_path(path) as tmp:
            write_review_xlsx(week_label, reviews, tmp)
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

    from cmgr.planning import REVIEW_STATUS_CN

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
                          REVIEW_STATUS_CN[x["status"]], x["visited_on"] or "", why)
        con.print(table)


# --- cmgr demo -----------------------------------------------------------------------------------

def demo_step(st, out_dir: Path) -> list[Path]:
    """The week after the sample data's last visit (deterministic), every manager, xlsx and html."""
    from datetime import timedelta

    from cmgr import planning
    from cmgr.core.workdays import next_week_start
    from cmgr.store.plans import latest_visit_date

    cfg = st.config()
    db = st.db()
    last = latest_visit_date(db) or date.today()
    week_start = next_week_start(last)
    managers = resolve_managers(db, [], True)
    run = planning.make_plans(db, cfg, managers, week_start, week_start + timedelta(days=6),
                              today=week_start, settings=planning.settings_from_config(cfg))
    for message in run.warnings:
        common.warn(message)
    written = []
    for fmt in (PlanFormat.xlsx, PlanFormat.html):
        written += _write_outputs(run, fmt, str(out_dir / "plans" / ("{manager}-{week}." + fmt.value)),
                                  cfg)
    planning.save(db, run.plans)
    return written
