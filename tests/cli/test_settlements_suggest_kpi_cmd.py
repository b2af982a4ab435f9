"""`cmgr import settlements|supply|targets`, `cmgr settlements`, `cmgr suggest`, `cmgr kpi`:
exit codes, --format json, one-line errors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rich.cells import cell_len

from tests.cli.records_seed import run, run_json, seeded_db_path
from tests.conftest import write_xlsx

TODAY = date.today()


@pytest.fixture
def territory(tmp_path, monkeypatch):
    return seeded_db_path(tmp_path, monkeypatch)


def _settlements(tmp_path, rows):
    return write_xlsx(tmp_path / "settle.xlsx",
                      [["客户编码", "订单编号", "订货日期", "应结金额", "扣款状态", "扣款时间"], *rows],
                      title="电子结算扣款明细", total=["合计"])


def test_import_settlements_exit_codes_and_rejects_file(territory, tmp_path):
    day = (TODAY - timedelta(days=3)).isoformat()
    path = _settlements(tmp_path, [["C001", "1", day, 500, "余额不足", day],
                                   ["C003", "2", day, 200, "没听说过", day]])
    rejects = tmp_path / "rejects.csv"
    result = run(["import", "settlements", str(path), "--rejects", str(rejects)])
    assert result.exit_code == 3, result.output
    assert "没听说过" in rejects.read_text("utf-8-sig")
    ok = _settlements(tmp_path, [["C001", "1", day, 500, "扣款成功", day]])
    assert run(["import", "settlements", str(ok)]).exit_code == 0
    wrong = write_xlsx(tmp_path / "t.xlsx", [["客户经理", "月份", "销量目标"], ["王建国", "2026-11", 1]])
    result = run(["import", "settlements", str(wrong)])
    assert result.exit_code == 2 and "不是电子结算明细（`settlements`）的导出文件" in result.output


def test_settlements_chase_list_json_and_manager_filter(territory, tmp_path):
    old = (TODAY - timedelta(days=10)).isoformat()
    new = (TODAY - timedelta(days=1)).isoformat()
    path = _settlements(tmp_path, [["C001", "1", old, 500, "扣款失败", old],
                                   ["C003", "2", new, 200, "未扣款", None],
                                   ["C005", "3", old, 300, "余额不足", old],
                                   ["C004", "4", old, 300, "成功", old]])
    assert run(["import", "settlements", str(path)]).exit_code == 0
    data = run_json(["settlements"])
    assert [x["customer_code"] for x in data["lines"]] == ["C001", "C005", "C003"]
    first = data["lines"][0]
    assert first["days_outstanding"] == 10 and first["phone"] == "13800000000"
    assert data["amount"] == 1000.0
    mine = run_json(["settlements", "--manager", "李娜"])
    assert [x["customer_code"] for x in mine["lines"]] == ["C005"]
    result = run(["settlements", "--manager", "王建"])
    assert result.exit_code != 0 and "王建国" in result.output  # the close name suggested
    assert run(["settlements", "--date", "not a day"]).exit_code == 2
    as_csv = run(["settlements", "--format", "csv"])
    assert as_csv.exit_code == 0
    lines = as_csv.stdout.strip().splitlines()
    assert lines[0].startswith("序号,客户编码") and len(lines) == 4
    assert run(["settlements", "--format", "docx"]).exit_code == 2


def test_suggest_json_limit_and_no_history(territory, tmp_path):
    supply = write_xlsx(tmp_path / "supply.xlsx", [["卷烟编码", "卷烟名称", "档位", "限量"],
                                                   ["6901016302772", "利群(新版)", "全部", 4]])
    assert run(["import", "supply", str(supply)]).exit_code == 0
    data = run_json(["suggest", "C004", "--date", (TODAY + timedelta(days=1)).isoformat()])
    line = {x["sku_code"]: x for x in data["lines"]}["6901016302772"]
    assert line["suggested"] == 4 and line["limit_binds"] and "按限量" in line["reason"]
    plain = run_json(["suggest", "C003"])["lines"][0]
    stocked = run_json(["suggest", "C003", "--stock", "利群=6"])["lines"][0]
    assert plain["sku_code"] == stocked["sku_code"] == "6901016302772"
    assert plain["suggested"] == 4 and plain["base"] >= 7  # 8 a week, the limit 4 binds
    assert stocked["suggested"] == min(4, round(plain["base"] - 6)) and stocked["stock"] == 6
    early = run_json(["suggest", "C003", "--date", "2000-01-03"])
    assert early["lines"] == [] and "无订货记录" in early["note"]
    bad = run(["suggest", "C003", "--stock", "利群"])
    assert bad.exit_code == 2 and "卷烟=条数" in bad.output
    assert run(["suggest", "NOPE"]).exit_code != 0


def test_kpi_rank_json_with_targets(territory, tmp_path):
    month = TODAY.strftime("%Y-%m")
    targets = write_xlsx(tmp_path / "targets.xlsx", [["客户经理", "考核月份", "销量目标(箱)"],
                                                     ["王建国", month, 1.0], ["李娜", month, 0.1]])
    assert run(["import", "targets", str(targets)]).exit_code == 0
    data = run_json(["kpi", "--month", month, "--rank", "--manager", "李娜"])
    assert data["highlight"] == "李娜" and len(data["ranking"]) == 2
    assert [k["manager"] for k in data["kpis"]] == ["李娜"]
    assert data["kpis"][0]["target_source"] == "import"
    everyone = run_json(["kpi", "--month", month, "--all"])
    by = {k["manager"]: k for k in everyone["kpis"]}
    assert by["王建国"]["active_customers"] == 4 and by["李娜"]["active_customers"] == 1
    table = run(["kpi", "--month", month, "--rank", "--manager", "李娜"])
    assert table.exit_code == 0 and "综合第" in table.output
    assert run(["kpi", "--month", "13"]).exit_code == 2
    assert run(["kpi", "--manager", "李娜", "--all"]).exit_code == 2


def test_kpi_table_says_none_planned_for_a_manager_without_a_saved_plan(territory):
    month = TODAY.strftime("%Y-%m")
    data = run_json(["kpi", "--month", month, "--manager", "李娜"])
    assert data["kpis"][0]["visits_planned"] is None  # no plan-week saved in this territory
    table = run(["kpi", "--month", month, "--manager", "李娜"])
    assert table.exit_code == 0
    assert "[report.targets]" in table.output  # the note's configuration table, not eaten as markup
    rows = [line for line in table.output.splitlines() if "李娜" in line and "│" in line]
    assert "".join(rows).count("无") == 3, rows  # 计划拜访, 按计划完成, 拜访完成率%: none planned
    # an 80-column terminal: the 17 columns come in parts that fit, repeating the manager's
    # name, instead of every cell squeezed to "…"
    assert len(rows) >= 2 and all(cell_len(line) <= 80 for line in table.output.splitlines() if "│" in line), rows
    assert "…" not in table.output and "（续）" in table.output


def test_kpi_and_area_summary_say_no_plan_alike_on_the_same_figures():
    """One test of "no plan" (cmgr.core.kpi.has_plan): a manager with no saved plan (None) and
    one whose plan has no visit on the month's judged days (0) read 无 in `cmgr kpi`'s cells,
    in its ranking CSV and in `cmgr area summary`'s cells; a planned manager shows figures."""
    from cmgr.cli.kpi_cmd import _kpi_cell
    from cmgr.core.area import summary_cell, summary_rows
    from cmgr.core.kpi import manager_kpis, rank_managers
    from cmgr.render.kpi_lists import ranking_csv

    kpis = manager_kpis("2026-11", "2026-11-30", ["甲", "乙", "丙"], [], [], [],
                        visits_done={"甲": 9, "乙": 4, "丙": 2},
                        visits_planned={"甲": (10, 8), "丙": (0, 0)}, targets={})
    ranking = rank_managers(kpis, {"visit_completion_pct": 1.0})
    area = {r.manager: r for r in summary_rows(kpis, ranking, {}, {})}
    for k in kpis:
        values = k.__dict__
        kpi_cells = [_kpi_cell(values, f) for f in ("visits_planned", "planned_done",
                                                     "visit_completion_pct")]
        area_cells = [summary_cell(area[k.manager], f)
                      for f in ("planned_visits", "visit_completion_pct")]
        if k.manager == "甲":
            assert kpi_cells == ["10", "8", "80.00"] and area_cells == ["8/10", 80.0]
        else:
            assert kpi_cells == ["无"] * 3 and area_cells == ["无"] * 2, (k.manager, kpi_cells)
        assert _kpi_cell(values, "visits_done") == str(k.visits_done)  # visits still count
    lines = ranking_csv(kpis, ranking).splitlines()
    header = lines[0].split(",")
    column = header.index("计划拜访")
    by_manager = {line.split(",")[1]: line.split(",") for line in lines[1:]}
    assert by_manager["甲"][column] == "10"
    assert by_manager["乙"][column] == by_manager["丙"][column] == "无"


def test_kpi_rank_shows_wu_without_a_place_for_visit_completion_without_a_plan(territory):
    month = TODAY.strftime("%Y-%m")
    data = run_json(["kpi", "--month", month, "--rank"])
    assert data["ranking"] and all(r["places"]["visit_completion_pct"] is None
                                   for r in data["ranking"])  # no plan saved in this territory
    table = run(["kpi", "--month", month, "--rank"])
    assert table.exit_code == 0
    part = table.output[table.output.index("拜访完成率（名次）"):]
    lines = [line for line in part.splitlines() if "李娜" in line or "王建国" in line]
    # the column's cell is 无 alone, not "— (1)": a place nobody earned
    assert len(lines) == 2 and all(line.split("│")[3].strip() == "无" for line in lines), lines
