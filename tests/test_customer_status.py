"""One meaning of a customer's status in every command (docs/domain.md, "Customer status").

A roster carries the company system's status word. The words cmgr knows (正常, 暂停经营,
已退网 and their synonyms) are stored in canonical form; a word it does not know (停业整顿, a
typo) is stored as written, the import warns about it, and every command treats that customer
as not in normal business: plan-week does not plan it, the roster flag rule does not judge it,
promo excludes it and the monthly report does not count it overdue for a visit.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.conftest import write_xlsx

# code, name, licence, status: N1 and N2 are in normal business (N2 by a synonym), U1 has a
# status word no table knows, S1 is suspended. None has a licence number, so the roster
# rule of `cmgr flag` fires for each one it counts as trading normally.
ROSTER = [
    ("N1", "正常便利店", "正常"),
    ("N2", "营业烟酒店", "营业"),
    ("U1", "整顿食杂店", "停业整顿"),
    ("S1", "暂停超市", "暂停"),
]
MANAGER = "王建国"


def _run(args: list[str]) -> tuple[int, str, str]:
    from cmgr.cli.app import app

    result = CliRunner().invoke(app, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def territory(tmp_path) -> None:
    roster = [["客户编码", "客户名称", "许可证号", "档位", "客户经理", "线路", "状态", "入网日期",
               "结算方式"]]
    roster += [[code, name, None, 20, MANAGER, "城东一线", status, "2020-01-01", "电子结算"]
               for code, name, status in ROSTER]
    orders = [["订单编号", "订货日期", "客户编码", "卷烟编码", "卷烟名称", "批发价", "订购量", "金额"]]
    visits = [["访问编号", "访问日期", "客户编码", "访问类型", "访问内容"]]
    for code, _name, _status in ROSTER:
        for n, day in enumerate(("2026-09-08", "2026-10-13", "2026-11-10", "2026-11-24")):
            orders.append([f"{code}-{n}", day, code, "6901016302772", "利群(新版)", 140, 10, 1400])
        visits.append([f"V-{code}", "2026-06-01", code, "常规访问", "正常走访"])
    files = {"customers": write_xlsx(tmp_path / "roster.xlsx", roster),
             "orders": write_xlsx(tmp_path / "orders.xlsx", orders),
             "visits": write_xlsx(tmp_path / "visits.xlsx", visits)}
    for kind, path in files.items():
        code, out, err = _run(["import", kind, str(path), "--format", "json"])
        assert code == 0, err
        if kind == "customers":
            report = json.loads(out)
            reports = report if isinstance(report, list) else report.get("files", [report])
            issues = [i for r in reports for i in r["issues"]]
            unknown = [i for i in issues if i["value"] == "停业整顿"]
            assert len(unknown) == 1 and unknown[0]["column"] == "状态", issues
            assert "停业整顿" in unknown[0]["reason"] and unknown[0]["action"] != "rejected"
            assert not [i for i in issues if i["value"] in ("正常", "营业", "暂停")], issues


def _planned() -> set[str]:
    code, out, err = _run(["plan-week", "--all", "--week", "2026-W49", "--format", "json",
                           "--no-save"])
    assert code == 0, err
    plan = json.loads(out)
    return {v["customer_code"] for m in plan["managers"] for v in m["visits"]}


def _flagged() -> set[str]:
    code, out, err = _run(["flag", "--format", "json"])
    assert code == 0, err
    return {f["customer_code"] for f in json.loads(out)
            if f["source"] == "roster" and f["subkind"] == "license_missing"}


def _promoted() -> set[str]:
    code, out, err = _run(["promo", "recommend", "--manager", MANAGER, "--as-of", "2026-11-30",
                           "--format", "json"])
    assert code == 0, err
    return {c["customer_code"] for c in json.loads(out)["customers"]}


def _overdue() -> set[str]:
    code, out, err = _run(["monthly-report", "--manager", MANAGER, "--month", "2026-10",
                           "--format", "json"])
    assert code == 0, err
    return {c["customer_code"] for c in json.loads(out)["overdue_visits"]}


def test_an_unknown_status_word_means_the_same_in_every_command(territory):
    in_business = {"N1", "N2"}
    assert _planned() == in_business
    assert _flagged() == in_business
    assert _promoted() == in_business
    assert _overdue() == in_business


def test_store_status_words_canonical_and_unknown_ones_as_written(territory):
    import os
    import sqlite3

    with sqlite3.connect(os.environ["CMGR_DB"]) as con:
        stored = dict(con.execute("SELECT customer_code, status FROM customers"))
    assert stored == {"N1": "正常", "N2": "正常", "U1": "停业整顿", "S1": "暂停经营"}
