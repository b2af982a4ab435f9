"""The 电子结算 chase list and the managers' figures and ranking as CSV (UTF-8 with BOM, for
Excel), with the Chinese column headers the terminal tables use too."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

CHASE_COLUMNS = (("rank", "序号"), ("customer_code", "客户编码"), ("customer_name", "客户名称"),
                 ("phone", "联系电话"), ("manager", "客户经理"), ("status", "状态"),
                 ("amount", "未结金额(元)"), ("orders", "未结订单"), ("oldest", "最早订单"),
                 ("days_outstanding", "欠款天数"), ("failures_90d", "近90天失败次数"),
                 ("reason", "失败原因"))

KPI_FIGURES = (("active_customers", "在网户数"), ("joined", "入网"), ("left", "退网"),
               ("ordering_customers", "订货户数"), ("order_rate_pct", "订货率%"),
               ("esettle_customers_pct", "电结户占比%"),
               ("settlement_count_pct", "电结率(笔)%"), ("settlement_amount_pct", "电结率(金额)%"),
               ("sales_cases", "销量(箱)"), ("target_cases", "目标(箱)"),
               ("completion_pct", "完成率%"), ("value_per_case", "单箱值(元)"),
               ("visits_done", "拜访"), ("visits_planned", "计划拜访"),
               ("planned_done", "按计划完成"), ("visit_completion_pct", "拜访完成率%"))


def _csv(header: list, rows: list[list]) -> str:
    import io

    from cmgr.inert_text import csv_writer

    buf = io.StringIO()
    w = csv_writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _blank(value):
    return "" if value is None else value


def chase_csv(chase) -> str:
    """The chase list (core.settlements.ChaseList) as CSV text, every line and column."""
    rows = []
    for line in chase.lines:
        values = asdict(line)
        rows.append([_blank(values[k]) for k, _ in CHASE_COLUMNS])
    return _csv([label for _, label in CHASE_COLUMNS], rows)


def _kpi_value(values: dict, field: str):
    """A figure's CSV cell: 无 in the planned-visit cells without a plan, as the terminal shows."""
    from cmgr.core.kpi import NO_PLAN, PLAN_FIGURES, has_plan

    if field in PLAN_FIGURES and not has_plan(values["visits_planned"]):
        return NO_PLAN
    return _blank(values[field])


def ranking_csv(kpis, ranking) -> str:
    """The ranking (core.kpi.RankRow, best first) with each manager's figures."""
    by_manager = {k.manager: asdict(k) for k in kpis}
    rows = [[r.overall, r.manager, _blank(r.score),
             *(_kpi_value(by_manager[r.manager], f) for f, _ in KPI_FIGURES)] for r in ranking]
    return _csv(["排名", "客户经理", "综合得分", *(label for _, label in KPI_FIGURES)], rows)


def write_csv(path: Path, text: str) -> None:
    """CSV text as a file Excel opens as UTF-8 (the BOM)."""
    from cmgr.fileio import write_text

    write_text(path, text, encoding="utf-8-sig")
