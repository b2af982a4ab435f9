"""`cmgr kpi`: the month's judged figures per manager (在网户数, 订货率, 电子结算率, 销量完成率,
单箱值, 拜访完成率), and with --rank the managers' ranking (察看自己排位情况)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.i18n import tr


def register(app: typer.Typer) -> None:
    app.command("kpi", help=tr(
        "显示每位客户经理某月的考核指标；`--rank` 再加上排名。\n\n"
        "不给 `--month` 时：上个月（与 monthly-report 相同）。目标取自配置的 [report.targets]，"
        "否则取自 `cmgr import targets`。"))(kpi_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step(tr("催缴清单和排名（settlements、kpi --rank）"), demo_step)


def kpi_command(
    month: options.MonthOpt = "last",
    manager: options.ManagerOpt = None,
    all_managers: options.AllManagersOpt = False,
    ranked: Annotated[bool, typer.Option(
        "--rank", help=tr("按每项指标和综合给数据库中的每位客户经理排名（权重：配置中的 "
                          "`kpi.weight_*`）；这时 `--manager` 显示这位客户经理的指标，并突出其名次。"
                          ))] = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.core.months import parse_report_month
    from cmgr.jobs.kpi import kpis_for, rank
    from cmgr.jobs.managers import resolve_managers

    st = common.state()
    cfg, db = st.config(), st.db()
    the_month = parse_report_month(month, date.today())
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
    if fmt == "json":
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


def _figures_table(run, kpis) -> None:
    from cmgr.render.kpi_lists import KPI_FIGURES

    title = (tr("{month} 主要指标（数据截至 {date}）", month=run.month, date=run.data_until)
             if run.data_until else tr("{month} 主要指标", month=run.month))
    columns = [(tr("客户经理"), "left"), *((label, "right") for _, label in KPI_FIGURES)]
    rows = []
    for k in kpis:
        values = asdict(k)
        rows.append([common.escape(k.manager), *(_kpi_cell(values, f) for f, _ in KPI_FIGURES)])
    common.print_fitted_table(title, columns, rows)


def _kpi_cell(values: dict, field: str) -> str:
    """无 in the planned-visit cells of a manager who planned nothing for the month
    (cmgr.core.kpi.has_plan, as `area summary` decides it): not a missing figure (—)."""
    from cmgr.core.kpi import PLAN_FIGURES, has_plan

    if field in PLAN_FIGURES and not has_plan(values["visits_planned"]):
        return tr("无")
    return common.figure_cell(values[field])


def _ranking_table(month: str, ranking, highlight: str | None) -> None:
    from cmgr.core.kpi import RANKED_FIGURES

    labels = {f: label for f, label, _ in RANKED_FIGURES}
    figures = list(ranking[0].places) if ranking else []
    columns = [(tr("排名"), "right"), (tr("客户经理"), "left"),
               *((tr("{figure}（名次）", figure=labels[f]), "right") for f in figures),
               (tr("综合得分"), "right")]
    rows, styles = [], []
    for r in ranking:
        me = r.manager == highlight
        rows.append([str(r.overall), common.escape(("▶ " if me else "") + r.manager),
                     *(_place_cell(r, f) for f in figures),
                     common.figure_cell(r.score)])
        styles.append("bold reverse" if me else None)
    common.print_fitted_table(tr("{month} 客户经理排名（{n} 人）", month=month, n=len(ranking)),
                              columns, rows, keep=2, row_styles=styles)
    if highlight is not None:
        mine = next(r for r in ranking if r.manager == highlight)
        common.info(tr("{name}：综合第 {place} 名（共 {n} 人）", name=highlight, place=mine.overall,
                       n=len(ranking)))


def _place_cell(row, figure: str) -> str:
    """A figure's value and the manager's place on it; 无 alone for a manager not ranked on it
    (拜访完成率 without a plan: nothing planned, so no place, cmgr.core.kpi.ranked_on)."""
    if row.places[figure] is None:
        return tr("无")
    return f"{common.figure_cell(row.values[figure])} ({row.places[figure]})"


def demo_step(st: common.AppState, out_dir: Path) -> list[Path]:
    """The chase list on the settlement data's last day and the ranking of the data's
    last month, as CSV files for Excel."""
    from cmgr.jobs import kpi

    return kpi.demo_files(st.db(), st.config(), out_dir)
