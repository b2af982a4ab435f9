"""The judged figures per manager and month (`cmgr kpi`), and the managers' ranking.

`kpis_for(db, cfg, month, managers)` is the one computation: the monthly report is to call
it rather than count again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cmgr.core.kpi import RANKED_FIGURES, ManagerKpi, RankRow, manager_kpis, rank_managers
from cmgr.i18n import tr
from cmgr.store.db import Database


@dataclass(frozen=True)
class KpiRun:
    month: str
    data_until: str | None  # the newest order day in the database
    kpis: list[ManagerKpi]
    notes: list[str]
    settlements_imported: bool = True


def kpis_for(db: Database, cfg, month: str, managers: Sequence[str]) -> KpiRun:
    """Each manager's figures for `month` ("YYYY-MM"). Targets: the configuration's
    [report.targets] first (what the monthly report uses), else `cmgr import targets`."""
    from cmgr.core.months import month_last_day
    from cmgr.store import kpi as store
    from cmgr.store.settlements import has_settlements, imported_targets, month_rows

    first, last = f"{month}-01", month_last_day(month).isoformat()
    managers = list(managers)
    imported = imported_targets(db, [month])
    targets: dict[str, tuple[float, str]] = {}
    for m in managers:
        configured = cfg.targets.get(m, {}).get(month)
        if configured is not None:
            targets[m] = (float(configured), "configuration")
        elif (m, month) in imported:
            targets[m] = (imported[(m, month)], "import")
    kpis = manager_kpis(month, last, managers, store.roster(db, managers),
                        store.customer_sales(db, first, last, managers), month_rows(db, first, last, managers),
                        store.visits_done(db, first, last), store.visits_planned(db, first, last),
                        targets)
    until = store.last_order_day(db)
    notes = []
    if until is not None and until < last:
        notes.append(tr("订单数据截至 {until}，{month} 尚未结束或未导入完整", until=until, month=month))
    settlements_imported = has_settlements(db)
    if not settlements_imported:
        notes.append(tr("没有电子结算数据：电子结算率为空（`cmgr import settlements 文件`）"))
    missing = [m for m in managers if m not in targets]
    if missing:
        notes.append(tr("{n} 位客户经理没有 {month} 的销量目标：{names}"
                        "（`cmgr import targets 文件` 或配置 `[report.targets]`）",
                        n=len(missing), month=month, names="、".join(missing[:10])))
    return KpiRun(month, until, kpis, notes, settlements_imported)


def ranking_weights(cfg) -> dict[str, float]:
    """Figure field -> weight, from the configuration's kpi.weight_* settings."""
    return {f: float(cfg.get(key)) for f, _, key in RANKED_FIGURES}


def rank(run: KpiRun, cfg) -> list[RankRow]:
    return rank_managers(run.kpis, ranking_weights(cfg))


def default_month(db: Database) -> str:
    """The month the demo ranks: the newest order's, else this one (`cmgr kpi` and `area
    summary` default to last month, as monthly-report)."""
    from datetime import date

    from cmgr.store.kpi import last_order_day

    last = last_order_day(db)
    return last[:7] if last else date.today().strftime("%Y-%m")


def demo_files(db: Database, cfg, out_dir: Path) -> list[Path]:
    """The demo: the chase list on the settlement data's last day and the ranking of the
    newest month with every manager's figures, as CSV files for Excel, written together."""
    from cmgr.fileio import all_or_nothing
    from cmgr.jobs.managers import resolve_managers
    from cmgr.jobs.settlements import chase_list_for, last_settlement_day
    from cmgr.render.kpi_lists import chase_csv, ranking_csv, write_csv

    day = last_settlement_day(db)
    month = default_month(db)
    run = kpis_for(db, cfg, month, resolve_managers(db, [], True))
    with all_or_nothing() as files:
        if day is not None:
            write_csv(files.path(out_dir / f"催缴清单-{day}.csv"),
                      chase_csv(chase_list_for(db, day)))
        write_csv(files.path(out_dir / f"排名-{month}.csv"), ranking_csv(run.kpis, rank(run, cfg)))
    return files.written
