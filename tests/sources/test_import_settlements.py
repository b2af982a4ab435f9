"""Import of the settlement export, the supply limits sheet and the monthly targets: the same
rules as every kind (nothing lost, idempotent by natural key, rejects with their location)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmgr.core.settlements import CANCELLED, FAILED, PAID, PENDING, normalise_status
from cmgr.jobs.ingest import import_file
from tests.conftest import write_csv, write_xlsx

HEADER = ["扣款流水号", "客户编码", "客户名称", "订单编号", "订货日期", "应结金额（元）", "扣款状态",
          "扣款时间", "失败原因"]


@pytest.mark.parametrize("text, status", [
    ("成功", PAID), ("扣款成功", PAID), ("已结算", PAID), (" 结算成功 ", PAID), ("已扣款", PAID),
    ("失败", FAILED), ("扣款失败", FAILED), ("余额不足", FAILED), ("账户余额不足", FAILED),
    ("失败-余额不足", FAILED), ("扣款失败（余额不足）", FAILED), ("未扣款", PENDING),
    ("待扣款", PENDING), ("处理中", PENDING), ("已撤销", CANCELLED), ("ＯＫ", PAID),
])
def test_statuses_in_the_forms_exports_write_them(text, status):
    assert normalise_status(text) == status


def test_an_unknown_status_is_not_guessed():
    assert normalise_status("搞不清") is None
    assert normalise_status("") is None


def _rows(db):
    return {r["settlement_key"]: dict(r) for r in db.query("SELECT * FROM settlements")}


def test_settlement_export_with_title_total_and_messy_cells(db, tmp_path: Path):
    path = write_xlsx(tmp_path / "s.xlsx", [HEADER,
        ["JS1", "0532001", "甲店", "20261101001", "2026/11/1", "1,234.50", "扣款成功",
         "2026-11-01 18:02:03", None],
        ["JS2", "0532002", "乙店", "20261101002", "2026年11月01日", 500, "余额不足",
         "2026-11-01 18:02:03", None],
        ["JS3", "0532003", "丙店", "20261101003", "2026-11-01", 300, "未扣款", None, None],
        ["JS4", "0532004", "丁店", "20261101004", "2026-11-01", 300, "说不清", None, None],
        [None, "0532005", "戊店", None, None, 300, "失败", None, None],
    ], title="电子结算扣款明细", export_date="导出日期：2026年11月28日",
        total=["合计", "共5笔", None, None, None, "2,634.50"])
    r = import_file(db, "settlements", path)
    assert (r.rows_read, r.stored, r.skipped, r.rejected) == (6, 3, 1, 2)
    assert any("客户名称" in c for c in r.ignored_columns)  # the roster has the names
    reasons = {i.row: i.reason for i in r.issues if i.action == "rejected"}
    assert "应为结算状态" in reasons[7] and "至少需要以下一项" in reasons[8]
    rows = _rows(db)
    assert rows["#JS1"]["settle_status"] == PAID and rows["#JS1"]["amount"] == 1234.5
    assert rows["#JS1"]["settled_at"] == "2026-11-01" and rows["#JS1"]["order_date"] == "2026-11-01"
    assert rows["#JS2"]["settle_status"] == FAILED and rows["#JS2"]["status_text"] == "余额不足"
    assert rows["#JS3"]["settle_status"] == PENDING
    again = import_file(db, "settlements", path)
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 3)


def test_a_reimport_turning_pending_into_paid_updates_the_row(db, tmp_path: Path):
    first = write_csv(tmp_path / "a.csv", [
        ["客户编码", "订单号", "订单日期", "金额", "状态"],
        ["0532003", "20261101003", "2026-11-01", "300", "待扣款"],
        ["0532004", "20261101004", "2026-11-01", "200", "扣款失败"]], encoding="gb18030")
    later = write_csv(tmp_path / "b.csv", [
        ["客户编码", "订单号", "订单日期", "金额", "状态", "扣款时间"],
        ["0532003", "20261101003", "2026-11-01", "300", "已结算", "2026-11-02 09:00:00"],
        ["0532004", "20261101004", "2026-11-01", "200", "扣款失败", ""]])
    assert import_file(db, "settlements", first).stored == 2
    r = import_file(db, "settlements", later)
    assert (r.stored, r.updated, r.unchanged) == (0, 1, 1)
    rows = _rows(db)
    assert rows["20261101003"]["settle_status"] == PAID
    assert rows["20261101003"]["settled_at"] == "2026-11-02"
    assert rows["20261101004"]["settle_status"] == FAILED
    assert db.scalar("SELECT count(*) FROM settlements") == 2


def test_orders_without_ids_are_keyed_by_day_and_customer(db, tmp_path: Path):
    path = write_xlsx(tmp_path / "s.xlsx", [["零售户编码", "订货日期", "应结金额", "结算状态"],
                                          ["0532001", "2026-11-02", 100, "成功"],
                                          ["0532001", "2026-11-09", 100, "失败"]])
    import_file(db, "settlements", path)
    assert set(_rows(db)) == {"@2026-11-02|0532001", "@2026-11-09|0532001"}


def test_supply_limits_by_grade_band(db, tmp_path: Path):
    path = write_xlsx(tmp_path / "g.xlsx", [
        ["卷烟编码", "卷烟名称", "档位", "限量(条)", "开始日期", "结束日期"],
        ["6901028001", "中华(硬)", "1-8档", 2, "2026年11月23日", "2026/12/31"],
        ["6901028001", "中华(硬)", "9~17档", 5, "2026-11-23", "2026-12-31"],
        ["6901028001", "中华(硬)", "18档以上", "10", "2026-11-23", "2026-12-31"],
        ["6901028002", "玉溪(软)", "全部", 3, None, None],
        ["6901028003", "黄鹤楼", "高档", 3, None, None],
        ["6901028004", "泰山", None, 3, None, None],
    ], title="卷烟货源投放限量表", total=["合计", None, None, 23])
    r = import_file(db, "supply", path)
    assert (r.stored, r.rejected, r.skipped) == (4, 2, 1)
    bands = {(row[0], row[1]): (row[2], row[3], row[4]) for row in db.query(
        "SELECT sku_code, grade_band, grade_from, grade_to, limit_qty FROM supply_limits")}
    assert bands[("6901028001", "18-99")] == (18, 99, 10.0)
    assert bands[("6901028001", "9-17")] == (9, 17, 5.0)
    assert bands[("6901028002", "1-99")] == (1, 99, 3.0)
    from cmgr.store.settlements import supply_limits

    assert supply_limits(db, 12, "2026-11-30") == {"6901028001": 5.0, "6901028002": 3.0}
    assert supply_limits(db, 12, "2026-11-01") == {"6901028002": 3.0}  # not yet in force
    assert supply_limits(db, None, "2026-11-30") == {"6901028002": 3.0}


def test_targets_by_manager_and_month(db, tmp_path: Path):
    path = write_xlsx(tmp_path / "t.xlsx", [
        ["客户经理", "考核月份", "销量目标(箱)"],
        ["王建国", "2026年11月", 120], ["王建国", "202610", "118.5"], ["李娜", "2026-11", 3],
        ["李娜", "13月", 3]], title="2026年度客户经理月度销量目标", total=["合计", None, 241.5])
    r = import_file(db, "targets", path)
    assert (r.stored, r.rejected) == (3, 1)
    assert "应为月份" in r.issues[0].reason
    from cmgr.store.settlements import imported_targets

    assert imported_targets(db, ["2026-11"]) == {("王建国", "2026-11"): 120.0,
                                                 ("李娜", "2026-11"): 3.0}
    fixed = write_xlsx(tmp_path / "t2.xlsx", [["客户经理", "月份", "目标"], ["王建国", "2026-11", 125]])
    assert import_file(db, "targets", fixed).updated == 1
    assert imported_targets(db, ["2026-11"])[("王建国", "2026-11")] == 125.0


def test_a_targets_sheet_is_not_taken_for_settlements(db, tmp_path: Path):
    from cmgr.errors import InputError

    path = write_xlsx(tmp_path / "t.xlsx", [["客户经理", "月份", "销量目标"], ["王建国", "2026-11", 1]])
    with pytest.raises(InputError, match="不是电子结算明细（`settlements`）的导出文件"):
        import_file(db, "settlements", path)
