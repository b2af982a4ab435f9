"""`monthly-report` end to end: load (store.monthly), compute (core.monthly), write (render).

The command and `cmgr demo` both call `make_reports`. Loading is timed apart from rendering
(`ReportRun.timings`) so the benchmark can quote the database side on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from cmgr.domain import OUT_MONTHLY_REPORT
from cmgr.errors import UsageError
from cmgr.i18n import tr

SUMMARY_NAME = "区域汇总"
# History loaded for the forecast: its members look 12 and 24 months back, and its backtest
# re-forecasts the last 6 months.
HISTORY_MONTHS = 36


@dataclass
class ReportRun:
    month: str
    due_date: date
    reports: list[dict]
    summary: dict | None
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)


def settings_from(cfg, calendar=None):
    from cmgr.core.monthly import ReportSettings
    from cmgr.core.workdays import WorkCalendar

    return ReportSettings(
        is_workday=(calendar or WorkCalendar(cfg.get("calendar.file"))).is_workday,
        price_classes=cfg.price_classes, bands=tuple(cfg.policy),
        stopped_lookback_months=int(cfg.get("report.stopped_lookback_months")),
        decline_pct=float(cfg.get("report.decline_pct")),
        warning_ratio=float(cfg.get("report.warning_ratio")),
        warning_gap_pct=float(cfg.get("report.warning_gap_pct")),
        warning_sd=float(cfg.get("report.warning_sd")),
        decline_sd=float(cfg.get("report.decline_sd")),
        holiday_sd=float(cfg.get("report.holiday_sd")),
        list_rows=int(cfg.get("report.list_rows")))


def order_days_off(db, calendar, month: str) -> frozenset[date]:
    """The days off around `month` on which the company took orders: chosen by
    core.monthly.choose_order_days_off, counted on the order_date index day by day."""
    from cmgr.core.monthly import choose_order_days_off
    from cmgr.store.monthly import order_lines_on_day

    return choose_order_days_off(month, calendar.is_workday,
                                 lambda day, at_most: order_lines_on_day(db, day, at_most))


def due_date_for(cal, month: str) -> tuple[date, list[str]]:
    """The report's deadline (the 5th of the next month, 节假日顺延) and calendar guesses."""
    from cmgr.core.months import month_add
    from cmgr.core.workdays import report_due_date

    following = month_add(month, 1)
    due = report_due_date(cal, int(following[:4]), int(following[5:7]))
    return due, cal.guess_warnings(due, due)


def load(db, cfg, month: str, managers: list[str] | None):
    """ManagerData for each manager (all when None), and the orders no manager owns."""
    from cmgr.core.months import BASE_MONTHS, month_add, month_first_day, month_last_day
    from cmgr.store import monthly as store

    first_date, last_date = store.order_span(db)
    if last_date is None:
        raise UsageError(tr("数据库中没有订单"),
                         hint=tr("请先导入订单导出文件（`cmgr import orders 文件...`）"))
    if last_date < month_first_day(month).isoformat():
        raise UsageError(tr("数据库中没有 {month} 的订单：订单截至 {last}", month=month,
                            last=last_date),
                         hint=tr("请导入该月的订单导出文件，或用 `--month` 选另一个月份"))
    end = month_first_day(month_add(month, 1)).isoformat()
    history_from = month_first_day(month_add(month, -(HISTORY_MONTHS - 1))).isoformat()
    # Bounds that restrict nothing are left out (see store.monthly._date_range).
    end_bound = end if end <= last_date else None
    sku_bounds = (history_from if history_from > first_date else None, end_bound)
    lookback = int(cfg.get("report.stopped_lookback_months"))
    base_from = month_first_day(month_add(month, -max(lookback, BASE_MONTHS))).isoformat()
    # the same month last year: part b compares a holiday month with it
    year_ago = ((month_first_day(month_add(month, -12)).isoformat(),
                 month_first_day(month_add(month, -11)).isoformat())
                if max(lookback, BASE_MONTHS) < 12 else None)
    weekdays_from = month_first_day(month_add(month, -BASE_MONTHS)).isoformat()
    # The order lines' aggregates, nearly all of the database's time (the per-cigarette
    # history two thirds of it, on a city, for one manager as for the whole area), are read
    # on two more connections from here on, while this thread imports pandas and reads the
    # rest.
    sku_reader = _beside(db, store.sku_months, *sku_bounds, managers)
    sales_reader = _beside(db, _customer_sales, base_from, end_bound, year_ago, weekdays_from,
                           end, managers)

    import pandas as pd

    from cmgr.core.monthly import ManagerData, classify_skus, infer_order_weekdays, sku_name_map

    month_start = month_first_day(month).isoformat()
    month_end = month_last_day(month).isoformat()
    roster = store.customers(db, managers)
    last_visits = store.last_visits(db, month_end, managers)
    month_visits = store.visits(db, month_start, month_end, managers)
    flags = store.flags(db, month_start, month_end, managers)
    complaints = store.complaints(db, month_end, managers)
    surveys = store.surveys(db, month_end, managers)

    from cmgr.store.customers import managers as roster_managers

    names = managers if managers is not None else roster_managers(db)
    from cmgr.jobs.kpi import kpis_for

    # 网建 figures and the month's target: cmgr kpi's computation, not a second count here
    kpi_run = kpis_for(db, cfg, month, names)
    kpi_of = {k.manager: k for k in kpi_run.kpis}
    price_list = store.prices(db)
    customer_months, year_ago_months, weekdays = sales_reader()
    if year_ago_months is not None:
        customer_months = pd.concat([year_ago_months, customer_months], ignore_index=True)
    weekdays["customer_code"] = weekdays["customer_code"].astype(str)
    sku_months = sku_reader()
    classes, _ = classify_skus(sku_months, price_list, cfg.price_classes)
    names_of_skus = sku_name_map(sku_months, price_list)
    roster_manager = dict(zip(roster["customer_code"].astype(str), roster["manager"], strict=True))
    weekdays["manager"] = weekdays["customer_code"].map(roster_manager)
    customer_months["manager"] = customer_months["customer_code"].astype(str).map(roster_manager)
    last_visits["manager"] = last_visits["customer_code"].astype(str).map(roster_manager)

    def split(frame, column="manager"):
        if frame is None:
            return {}
        return {k: g for k, g in frame.groupby(column, sort=False, dropna=True)}

    by = {key: split(frame) for key, frame in (
        ("roster", roster), ("cm", customer_months), ("sm", sku_months), ("lv", last_visits),
        ("mv", month_visits), ("fl", flags), ("co", complaints), ("sv", surveys),
        ("wd", weekdays))}
    empty_roster = roster.iloc[0:0]
    data = []
    for name in names:
        lv = by["lv"].get(name, last_visits.iloc[0:0])
        data.append(ManagerData(
            manager=name, roster=by["roster"].get(name, empty_roster),
            customer_months=by["cm"].get(name, customer_months.iloc[0:0]),
            sku_months=by["sm"].get(name, sku_months.iloc[0:0]),
            sku_classes=classes, data_first_date=first_date, data_last_date=last_date,
            target_cases=kpi_of[name].target_cases if name in kpi_of else None,
            kpi=kpi_of.get(name), settlements_imported=kpi_run.settlements_imported,
            last_visits=lv, has_visits=len(lv) > 0,
            month_visits=by["mv"].get(name, month_visits.iloc[0:0]),
            flags=None if flags is None else by["fl"].get(name, flags.iloc[0:0]),
            complaints=None if complaints is None else by["co"].get(name, complaints.iloc[0:0]),
            surveys=None if surveys is None else by["sv"].get(name, surveys.iloc[0:0]),
            order_weekdays=infer_order_weekdays(by["wd"].get(name)),
            sku_names=names_of_skus))
    unassigned = {"customers": 0, "qty_cartons": 0.0, "amount": 0.0}
    if managers is None:
        orphan = customer_months[customer_months["manager"].isna()
                                 & (customer_months["month"] == month)]
        unassigned = {"customers": int(orphan["customer_code"].nunique()),
                      "qty_cartons": round(float(orphan["qty"].sum()), 2),
                      "amount": round(float(orphan["amount"].sum()), 2)}
    return data, unassigned


def _customer_sales(db, base_from: str, end_bound: str | None, year_ago: tuple[str, str] | None,
                    weekdays_from: str, end: str, managers: list[str] | None):
    """Per customer and month from base_from (and the month a year ago), and the customers'
    order weekdays: the order-line queries of load() other than the cigarette history."""
    from cmgr.store import monthly as store

    months = store.customer_months(db, base_from, end_bound, managers)
    months_ago = store.customer_months(db, *year_ago, managers) if year_ago else None
    return months, months_ago, store.order_weekdays(db, weekdays_from, end, managers)


def _beside(db, query, *args):
    """Run `query(connection, *args)` on a thread with a second connection to the database
    (Database.another); the returned function waits for it and gives its result (or raises
    its error). Without a second connection (an in-memory database), or inside a transaction
    (whose rows another connection would not see), the query runs on the open one when its
    result is asked for."""
    import threading

    other = None if db.in_transaction else db.another()
    if other is None:
        return lambda: query(db, *args)
    result: dict = {}

    def work() -> None:
        try:
            result["value"] = query(other, *args)
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc
        finally:
            other.close()

    thread = threading.Thread(target=work, name="cmgr-report-query", daemon=True)
    thread.start()

    def wait():
        thread.join()
        if "error" in result:
            raise result["error"]
        return result["value"]

    return wait


def notes_loader(pattern: Path | None, all_managers: bool,
                 edited: Path | None = None) -> Callable[[str, str], object]:
    """A function (manager, month) -> Notes | None reading --notes and --from (the report as
    edited in Word; its text wins), each of which may hold {manager}."""
    from cmgr.errors import InputError
    from cmgr.render.output import expand_out

    if edited is not None:
        from cmgr.sources.edited_report import read_edited_report

        if all_managers and "{manager}" not in str(edited):
            raise UsageError(tr("`--from` 与 `--all` 同用时需要 {manager} 占位符，例如 "
                                "`--from '月度报告-{manager}-{month}.docx'`"))
        markdown = notes_loader(pattern, all_managers)

        def load_both(manager: str, month: str):
            from cmgr.core.monthly import combine_notes

            path = expand_out(edited, manager=manager, month=month)
            written = read_edited_report(path) if path.exists() or not all_managers else None
            return combine_notes(markdown(manager, month), written)

        return load_both
    if pattern is None:
        return lambda manager, month: None
    if all_managers and "{manager}" not in str(pattern):
        raise UsageError(tr("`--notes` 与 `--all` 同用时需要 {manager} 占位符，例如 "
                            "`--notes 'notes/{manager}-{month}.md'`"))

    def load_notes(manager: str, month: str):
        path = expand_out(pattern, manager=manager, month=month)
        if not path.exists():
            if all_managers:
                return None
            raise UsageError(tr("找不到说明文件：{path}", path=path))
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = path.read_text(encoding="gb18030")
            except UnicodeDecodeError as exc:
                raise InputError(tr("无法按 UTF-8 或 GB18030 文本读取：{error}", error=exc)) from exc
        from cmgr.core.monthly import parse_notes

        return parse_notes(text, str(path))

    return load_notes


def make_reports(db, cfg, month: str, managers: list[str] | None, *,
                 notes: Callable[[str, str], object] | None = None,
                 fmt: str | None = None) -> ReportRun:
    """Load and compute the reports (one per manager, plus the area summary with --all).
    `fmt`: the format write_run will write them in; with a chart process running
    (render.charts.start_worker), their charts are drawn there while the figures are
    computed, when the reports are written by this process."""
    from cmgr.core.workdays import WorkCalendar

    calendar = WorkCalendar(cfg.get("calendar.file"))  # reads the user's calendar file: once
    due, guesses = due_date_for(calendar, month)
    started = time.perf_counter()
    data, unassigned = load(db, cfg, month, managers)
    loaded = time.perf_counter()
    from cmgr.core.monthly import area_summary, build_report  # pandas: imported by load()

    settings = replace(settings_from(cfg, calendar),
                       order_days_off=order_days_off(db, calendar, month))
    from cmgr.render.charts import worker_running
    from cmgr.render.monthly_report_doc import CHART_FORMATS, draw_charts_ahead

    series: list[dict | None] = [None] * len(data)
    if fmt in CHART_FORMATS and _render_workers(len(data), fmt) == 1 and worker_running():
        from cmgr.core.monthly import chart_series

        series = [chart_series(d, month, settings) for d in data]
        for s in series:
            draw_charts_ahead(s, fmt)
    reports = [build_report(d, month, settings, notes(d.manager, month) if notes else None, due,
                            s) for d, s in zip(data, series, strict=True)]
    computed = time.perf_counter()
    summary = area_summary(reports, month, due, unassigned) if managers is None else None
    run = ReportRun(month, due, reports, summary,
                    {"query_s": loaded - started, "compute_s": computed - loaded},
                    list(guesses))
    if unassigned["customers"]:
        run.warnings.append(tr(
            "{n} 个订货客户不在客户名册或没有客户经理，{qty} 条未计入任何客户经理（见区域汇总）",
            n=unassigned["customers"], qty=f"{unassigned['qty_cartons']:,.0f}"))
    for r in reports:
        run.warnings.extend(tr("{manager}：{warning}", manager=r["manager"], warning=w)
                            for w in r["warnings"])
    return run


def write_run(run: ReportRun, fmt: str, out: str | Path | None, *,
              user_dir: str | None = None) -> list[Path]:
    """Write each report (and the summary) in `fmt` to `out` (placeholders {manager},
    {month}, {format}), all or nothing; returns the paths written."""
    from cmgr.fileio import all_or_nothing
    from cmgr.render.monthly_report_doc import write_report, write_summary
    from cmgr.render.output import expand_out

    pattern = str(out) if out else OUT_MONTHLY_REPORT
    several = len(run.reports) + (1 if run.summary else 0) > 1
    if several and "{manager}" not in pattern:
        raise UsageError(tr("`--out` {pattern}：多份报告需要 {{manager}} 占位符", pattern=pattern),
                         hint=tr("例如 `--out 'reports/{manager}-{month}.docx'`"))
    started = time.perf_counter()
    with all_or_nothing() as files:
        staged = [files.path(expand_out(pattern, manager=report["manager"], month=run.month,
                                        format=fmt)) for report in run.reports]
        workers = _render_workers(len(run.reports), fmt)
        if workers > 1:
            _render_in_parallel(run.reports, fmt, staged, user_dir, workers)
        else:
            for report, path in zip(run.reports, staged, strict=True):
                write_report(report, fmt, path, user_dir=user_dir)
        if run.summary is not None:
            path = expand_out(pattern, manager=SUMMARY_NAME, month=run.month, format=fmt)
            write_summary(run.summary, fmt, files.path(path), user_dir=user_dir)
    run.timings["render_s"] = time.perf_counter() - started
    run.outputs.extend(files.written)
    return files.written


# Reports at which the documents are drawn by worker processes, one per core (at most 4): a
# worker's start-up (its imports, about 1 s) pays off when each draws a dozen or more; a city
# of 100 docx reports drew for 46 s on one core.
PARALLEL_FROM = 12
MAX_WORKERS = 4


def _render_workers(reports: int, fmt: str) -> int:
    import os

    if fmt == "json" or reports < PARALLEL_FROM:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1, reports // (PARALLEL_FROM // 2)))


def _render_one(report: dict, fmt: str, path: Path, user_dir: str | None) -> None:
    from cmgr.render.monthly_report_doc import write_report

    write_report(report, fmt, path, user_dir=user_dir)


def _render_in_parallel(reports: list[dict], fmt: str, paths: list[Path], user_dir: str | None,
                        workers: int) -> None:
    """write_report for each report in `workers` fresh processes (spawned, not forked: a
    forked child would carry this process's open SQLite connection); the first error is
    raised here, and all_or_nothing removes what was staged."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_render_one, report, fmt, path, user_dir)
                   for report, path in zip(reports, paths, strict=True)]
        try:
            for future in futures:
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def run_json(run: ReportRun) -> dict:
    """The json of a run: one manager's report as it is; several, with the summary if any."""
    if run.summary is None and len(run.reports) == 1:
        return run.reports[0]
    data: dict = {"month": run.month, "reports": run.reports}
    if run.summary is not None:
        data["summary"] = run.summary
    return data
