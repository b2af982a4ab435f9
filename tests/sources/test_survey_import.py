"""`cmgr import survey`: the service centre's satisfaction results, defined like every kind."""

from __future__ import annotations

import datetime as dt

from cmgr.jobs.ingest import import_file
from tests.conftest import write_xlsx

HEADER = ["调查轮次", "调查日期", "客户编码", "客户名称", "调查项目", "得分", "满意度"]


def survey_rows():
    return [
        HEADER,
        ["2026年第三季度", dt.datetime(2026, 9, 20), "C01", "客户C01", "服务态度", 95, None],
        ["2026年第三季度", "2026/9/20", "C01", "客户C01", "送货及时性", None, "一般"],
        ["2026年第三季度", "2026/9/21", "C02", "客户C02", "服务态度", "八十", "满意"],
        ["2026年第三季度", "2026/9/21", "C02", "客户C02", "送货及时性", None, "很不满意"],
        ["2026年第三季度", "2026/9/21", "", "无编码", "服务态度", 90, None],
    ]


def test_survey_rows_stored_levels_scored_and_a_row_without_customer_rejected(db, tmp_path):
    path = write_xlsx(tmp_path / "满意度.xlsx", survey_rows(), title="客户满意度调查结果")
    result = import_file(db, "survey", path)
    assert result.stored == 4 and result.rejected == 1
    reject = next(i for i in result.issues if i.action == "rejected")
    assert reject.column == "客户编码" and reject.row == 7
    rows = db.query("SELECT customer_code, survey_item, score, level, survey_round, survey_date "
                    "FROM surveys ORDER BY customer_code, survey_item")
    assert [tuple(r) for r in rows] == [
        ("C01", "服务态度", 95.0, None, "2026年第三季度", "2026-09-20"),
        ("C01", "送货及时性", 60.0, "一般", "2026年第三季度", "2026-09-20"),
        ("C02", "服务态度", 80.0, "满意", "2026年第三季度", "2026-09-21"),
        ("C02", "送货及时性", 20.0, "很不满意", "2026年第三季度", "2026-09-21"),
    ]
    again = import_file(db, "survey", path)
    assert again.stored == 0 and again.unchanged == 4


def test_a_round_named_by_its_date_only(db, tmp_path):
    rows = [["测评日期", "客户编码", "测评项目", "评价"],
            ["2026-06-15", "C01", "服务态度", "非常满意"]]
    path = write_xlsx(tmp_path / "s.xlsx", rows)
    assert import_file(db, "survey", path).stored == 1
    assert tuple(db.query("SELECT survey_round, score FROM surveys")[0]) == ("2026-06-15", 100.0)


def test_a_file_that_is_not_a_survey_says_which_columns_are_missing(db, tmp_path):
    import pytest

    from cmgr.errors import InputError

    path = write_xlsx(tmp_path / "s.xlsx", [["客户编码", "得分"], ["C01", 90]])
    with pytest.raises(InputError, match="调查项目"):
        import_file(db, "survey", path)
