"""`cmgr kpi`: the month's judged figures per manager (在网户数, 订货率, 电子结算率, 销量完成率,
单箱值, 拜访完成率), and with --rank the managers' ranking (察看自己排位情况)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common

FIGURES = (("active_customers", "在网户数"), ("joined", "入网"), ("left", "退网"),
           ("ordering_customers", "订货户数"), ("order_rate_pct", "订货率%"),
           ("esettle_customers_pct", "电结户占比%"),
           ("settlement_count_pct", "电结率(笔)%"), ("settlement_amount_pct", "电结率(金额)%"),
           ("sales_cases", "销量(箱)"), ("target_cases", "目标(箱)"), ("completion_pct", "完成率%"),
           ("value_per_case", "单箱值(元)"), ("visits_done", "拜访"), ("visits_planned", "计划拜访"),
           ("planned_done", "按计划完成"), ("visit_completion_pct", "拜访完成率%"))


def register(app: typer.Typer) -> None:
    app.command("kpi")(kpi_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("催缴清单和排名 (settlements, kpi --rank)", demo_step)


def _month(db, text: str | None) -> str:
    from cmgr.core.months import parse_report_month
    from cmgr.store.kpi import last_order_day

    if text is not None:
        return parse_report_month(text, date.today())
    last = last_order_day(db)
    return last[:7] if last else date.today().strftime("%Y-%m")


def kpi_command(
    month: Annotated[str | None, typer.Option(
        "--month", help='YYYY-MM, or "last" (the month before today). Default: the month of '
                        "the newest order in the database.")] = None,
    manager: Annotated[str | None, typer.Option(
        "--manager", help="The 客户经理; with --rank, the one whose place is highlighted.")] = None,
    all_managers: Annotated[bool, typer.Option("--all", help="Every manager in the roster.")]
    = False,
    ranked: Annotated[bool, typer.Option(
        "--rank", help="Rank every manager in the database on each figure and overall "
                       "(weights: kpi.weight_* in the configuration).")] = False,
    fmt: common.FormatOpt = common.Format.table,
) -> None:
    """Print the month's figures per manager; --rank adds the ranking.

    Targets come from the configuration's [report.targets], else from `cmgr import targets`.
    """
    from cmgr.jobs.kpi import kpis_for, rank
    from cmgr.managers import resolve_managers

    st = common.state()
    cfg, db = st.config(), st.db()
    the_month = _month(db, month)
    if ranked:
        if manager and all_managers:
            resolve_managers(db, [manager], True)  # the same message as everywhere
        chosen = resolve_managers(db, [manager], False) if manager else []
        managers = resolve_managers(db, [], True)
    else:
        chosen = managers = resolve_managers(db, [manager] if manager else [], all_managers)
    run = kpis_for(db, cfg, the_month, managers)
    ranking = rank(run, cfg) if ranked else None
    for note in run.notes:
        common.warn(note)
    if fmt == common.Format.json:
        common.print_json({"month": run.month, "data_until": run.data_until,
                           "kpis": [asdict(k) for k in run.kpis if not ranked or not chosen
                                    or k.manager in chosen],
                           "ranking": None if ranking is None else [asdict(r) for r in ranking],
                           "highlight": chosen[0] if ranked and chosen else None})
        return
    shown = [k for k in run.kpis if not ranked or not chosen or k.manager in chosen]
    _figures_table(run, shown)
    if ranking is not None:
        _ranking_table(run.month, ranking, chosen[0] if chosen else None)


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _figures_table(run, kpis) -> None:
    from rich.table import Table

    table = Table(title=f"{run.month} 主要指标" + (f"（数据截至 {run.data_until}）"
                                               if run.data_until else ""))
    table.add_column("客户经理")
    for _, label in FIGURES:
        table.add_column(label, justify="right")
    for k in kpis:
        values = asdict(k)
        table.add_row(common.escape(k.manager), *(_cell(values[f]) for f, _ in FIGURES))
    common.out_console.print(table)


def _ranking_table(month: str, ranking, highlight: str | None) -> None:
    from rich.table import Table

    from cmgr.core.kpi import RANKED_FIGURES

    labels = {f: label for f, label, _ in RANKED_FIGURES}
    figures = list(ranking[0].places) if ranking else []
    table = Table(title=f"{month} 客户经理排名（{len(ranking)} 人）")
    table.add_column("排名", justify="right")
    table.add_column("客户经理")
    for f in figures:
        table.add_column(f"{labels[f]}(名次)", justify="right")
    table.add_column("综合得分", justify="right")
    for r in ranking:
        me = r.manager == highlight
        name = ("▶ " if me else "") + r.manager
        table.add_row(str(r.overall), common.escape(name),
                      *(f"{_cell(r.values[f])} ({r.places[f]})" for f in figures),
                      f"{r.score:.2f}", style="bold reverse" if me else None)
    common.out_console.print(table)
    if highlight is not None:
        mine = next(r for r in ranking if r.manager == highlight)
        common.info(f"{highlight}：综合第 {mine.overall} 名（共 {len(ranking)} 人）")


def demo_step(st: common.AppState, out_dir: Path) -> list[Path]:
    """The chase list on the settlement data's last day and the ranking of the data's
    last month, as CSV files for Excel."""
    import csv
    import io

    from cmgr.cli.settlements_cmd import write_chase_csv
    from cmgr.jobs.kpi import kpis_for, rank
    from cmgr.jobs.settlements import chase_list_for, last_settlement_day
    from cmgr.managers import resolve_managers
    from cmgr.render.output import write_text

    db, cfg = st.db(), st.config()
    paths = []
    day = last_settlement_day(db)
    if day is not None:
        paths.append(write_chase_csv(chase_list_for(db, day), out_dir / f"催缴清单-{day}.csv"))
    the_month = _month(db, None)
    run = kpis_for(db, cfg, the_month, resolve_managers(db, [], True))
    ranking = rank(run, cfg)
    by_manager = {k.manager: k for k in run.kpis}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["排名", "客户经理", "综合得分", *(label for _, label in FIGURES)])
    for r in ranking:
        values = asdict(by_manager[r.manager])
        w.writerow([r.overall, r.manager, r.score,
                    *("" if values[f] is None else values[f] for f, _ in FIGURES)])
    paths.append(write_text(out_dir / f"排名-{the_month}.csv", "\ufeff" + buf.getvalue()))
    return paths
