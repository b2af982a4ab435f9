"""Monthly report figures (cmgr.core.monthly on cmgr.store.monthly), checked against an
independent pandas computation on the raw order lines of a seeded fixture database."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from cmgr.config import load_config
from cmgr.core import monthly
from cmgr.core.monthly import (
    ManagerData,
    ReportSettings,
    early_warning,
    month_add,
    opinion_topics,
    parse_notes,
    parse_report_month,
)
from cmgr.domain import band_for
from cmgr.errors import InputError, UsageError

MONTH = "2026-11"
MANAGER = "张三"
OTHER = "李四"
# sku -> (name, wholesale price per 条 or None when no line or list carries one)
SKUS = {
    "S1": ("中华(硬)", 120.0), "S2": ("泰山(心悦)", 80.0), "S3": ("泰山(宏图)", 45.0),
    "S4": ("红塔山(硬经典)", 20.0), "S5": ("大前门(软)", 10.0), "S6": ("无价烟", None),
}
GRADES = {"C01": 3, "C02": 5, "C03": 8, "C04": 10, "C05": 12, "C06": 15, "C07": 18, "C08": 22,
          "C09": 25, "C10": 28, "C11": 4, "C12": 9, "C13": 16, "C14": 27}


def build_fixture(db, seed: int = 5) -> None:
    """Two managers' customers, 14 months of weekly orders (2025-10..2026-11), messy on
    purpose: lines without amount (valued at the wholesale price), without order id, a
    cigarette priced only by its amount, a customer missing from the roster, a customer who
    left, one who stopped, one who joined in the report month."""
    rng = random.Random(seed)
    with db.transaction():
        for code, grade in GRADES.items():
            manager = MANAGER if code <= "C10" else OTHER
            joined = "2026-11-10" if code == "C10" else "2024-05-01"
            status, left = ("已退网", "2026-10-20") if code == "C09" else (None, None)
            db.execute("INSERT INTO customers(customer_code, customer_name, grade, manager, "
                       "joined_on, left_on, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (code, f"客户{code}", grade, manager, joined, left, status))
        for code, (name, price) in SKUS.items():
            if price is not None and code != "S5":  # S5: price only on the order lines
                db.execute("INSERT INTO prices(sku_code, sku_name, wholesale_price) VALUES (?, ?, ?)",
                           (code, name, price))
        rows = []
        month = "2025-10"
        while month <= MONTH:
            y, m = int(month[:4]), int(month[5:])
            for code in [*GRADES, "X99"]:
                if code == "C10" and month < MONTH:
                    continue
                if code == "C09" and month >= "2026-11":
                    continue
                if code == "C08" and month == MONTH:
                    continue
                scale = GRADES.get(code, 10) / 10 * (1.3 if code == "C03" and month == MONTH else 1)
                for day in (3, 10, 17, 24):
                    if rng.random() < 0.15:
                        continue
                    order_id = None if rng.random() < 0.2 else f"{code}-{month}-{day}"
                    for sku in rng.sample(list(SKUS), rng.randint(1, 4)):
                        qty = float(max(1, round(rng.uniform(1, 12) * scale)))
                        price = SKUS[sku][1]
                        if sku == "S6":
                            line_price, amount = None, qty * 55.0
                        elif rng.random() < 0.1:
                            line_price, amount = price, None
                        else:
                            line_price, amount = price, qty * price
                        d = f"{y:04d}-{m:02d}-{day:02d}"
                        key = f"{order_id or d + '|' + code}|{sku}"
                        rows.append((key, order_id, d, code, sku, SKUS[sku][0], line_price, qty,
                                     amount))
            month = month_add(month, 1)
        db.executemany("INSERT INTO order_lines(line_key, order_id, order_date, customer_code, "
                       "sku_code, sku_name, wholesale_price, qty, amount) VALUES "
                       "(?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        visits = [("V1", "2026-11-05", "C01", "常规访问", "老板对送货时间有意见，说送得太晚。"),
                  ("V2", "2026-11-06", "C02", "常规访问", "店面收拾得挺干净，没有意见。"),
                  ("V3", "2026-11-07", "C03", "特殊访问", "客户投诉泰山(宏图)受潮，已填反馈单。"),
                  ("V4", "2026-09-01", "C04", "常规访问", "看了库存。"),
                  ("V5", "2026-11-20", "C10", "常规访问", "新户，讲了订货流程。")]
        for vid, d, code, vtype, notes in visits:
            db.execute("INSERT INTO visits(visit_key, visit_id, visit_date, customer_code, "
                       "manager, visit_type, notes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (vid, vid, d, code, MANAGER, vtype, notes))


@pytest.fixture
def fixture_db(db):
    build_fixture(db)
    return db


@pytest.fixture
def cfg(tmp_path):
    return load_config(None, overrides={"database.path": str(tmp_path / "unused.db")})


def report_for(db, cfg, manager=MANAGER, month=MONTH, notes=None):
    from cmgr.jobs.monthly_report import load, settings_from

    data, _ = load(db, cfg, month, [manager])
    return monthly.build_report(data[0], month, settings_from(cfg), notes, date(2026, 12, 7))


# --- the independent computation ---------------------------------------------------------

def raw_lines(db) -> pd.DataFrame:
    rows = db.query("SELECT o.order_id, o.order_date, o.customer_code, o.sku_code, "
                    "o.wholesale_price, o.qty, o.amount, c.manager, c.grade, c.joined_on "
                    "FROM order_lines o LEFT JOIN customers c USING (customer_code)")
    lines = pd.DataFrame([tuple(r) for r in rows], columns=[
        "order_id", "order_date", "customer_code", "sku_code", "wholesale_price", "qty", "amount",
        "manager", "grade", "joined_on"])
    lines["month"] = lines["order_date"].str[:7]
    lines["value"] = lines["amount"].astype(float).fillna(
        lines["qty"] * lines["wholesale_price"].astype(float)).fillna(0.0)
    lines["order"] = lines["order_id"].astype(object).where(lines["order_id"].notna(),
                                                            lines["order_date"])
    return lines


def expected_class(sku: str, lines: pd.DataFrame) -> str:
    own = lines[lines["sku_code"] == sku]
    latest = own[own["month"] == own["month"].max()]
    priced = latest[latest["wholesale_price"].notna()]
    if len(priced):
        price = (priced["qty"] * priced["wholesale_price"]).sum() / priced["qty"].sum()
    else:
        price = latest["value"].sum() / latest["qty"].sum()
    for name, bound in (("一类", 100), ("二类", 70), ("三类", 30), ("四类", 16.5)):
        if price >= bound:
            return name
    return "五类"


def test_part_a_totals_match_an_independent_computation(fixture_db, cfg):
    r = report_for(fixture_db, cfg)
    lines = raw_lines(fixture_db)
    mine = lines[lines["manager"] == MANAGER]
    now = mine[mine["month"] == MONTH]
    qty, amount = now["qty"].sum(), now["value"].sum()
    assert r["qty_cartons"] == pytest.approx(qty)
    assert r["cases"] == pytest.approx(qty / 250, abs=0.005)
    assert r["amount"] == pytest.approx(amount, abs=0.01)
    assert r["value_per_case"] == pytest.approx(amount / (qty / 250), abs=0.01)
    buyers = now.groupby("customer_code")["qty"].sum()
    assert r["ordering_customers"] == int((buyers > 0).sum())
    orders = now.groupby("customer_code")["order"].nunique().sum()
    assert r["orders"] == orders
    assert r["orders_per_customer"] == pytest.approx(orders / (buyers > 0).sum(), abs=0.005)
    for key, base in (("mom", "2026-10"), ("yoy", "2025-11")):
        then = mine[mine["month"] == base]
        assert r[key]["base_month"] == base
        assert r[key]["qty_cartons"] == pytest.approx(then["qty"].sum())
        assert r[key]["qty_cartons_pct"] == pytest.approx(
            (qty / then["qty"].sum() - 1) * 100, abs=0.005)
        assert r[key]["amount_pct"] == pytest.approx(
            (amount / then["value"].sum() - 1) * 100, abs=0.005)


def test_part_a_breakdowns_match(fixture_db, cfg):
    r = report_for(fixture_db, cfg)
    lines = raw_lines(fixture_db)
    mine = lines[lines["manager"] == MANAGER].copy()
    mine["price_class"] = mine["sku_code"].map({s: expected_class(s, lines) for s in SKUS})
    now = mine[mine["month"] == MONTH]
    by_class = now.groupby("price_class")[["qty", "value"]].sum()
    got = {c["price_class"]: c for c in r["by_price_class"]}
    assert sum(c["qty_cartons"] for c in got.values()) == pytest.approx(now["qty"].sum())
    for name, row in by_class.iterrows():
        assert got[name]["qty_cartons"] == pytest.approx(row["qty"])
        assert got[name]["amount"] == pytest.approx(row["value"], abs=0.01)
        assert got[name]["qty_share_pct"] == pytest.approx(row["qty"] / now["qty"].sum() * 100,
                                                           abs=0.005)
    # S6 has no price anywhere: classed by amount / qty = 55 -> 三类; S5 only on the lines.
    assert expected_class("S6", lines) == "三类"

    top = now.groupby("sku_code", as_index=False)["qty"].sum().sort_values(
        ["qty", "sku_code"], ascending=[False, True]).set_index("sku_code")["qty"]
    assert [t["sku_code"] for t in r["top_skus"]] == list(top.index[: len(r["top_skus"])])
    assert r["top_skus"][0]["sku_name"] == SKUS[top.index[0]][0]

    cust = mine.pivot_table(index="customer_code", columns="month", values="qty",
                            aggfunc="sum").fillna(0)
    change = (cust[MONTH] - cust["2026-10"]).rename("change").reset_index()
    up = change[change["change"] > 0].sort_values(["change", "customer_code"],
                                                  ascending=[False, True]).set_index("customer_code")["change"]
    down = change[change["change"] < 0].sort_values(["change", "customer_code"]).set_index(
        "customer_code")["change"]
    assert [g["customer_code"] for g in r["growing"]] == list(up.index[:10])
    # Customers part b lists (断订, 大幅下降, 预警) are not repeated among the movers.
    listed = {c["customer_code"] for key in ("stopped", "large_declines", "warning_customers")
              for c in r[key]}
    assert listed and [f["customer_code"] for f in r["falling"]] == [
        c for c in down.index if c not in listed][:10]
    assert r["growing"][0]["change_qty_cartons"] == pytest.approx(up.iloc[0])

    before = cust[["2026-09", "2026-10"]].sum(axis=1) > 0
    stopped = sorted(cust.index[before & (cust[MONTH] <= 0)])
    assert sorted(s["customer_code"] for s in r["stopped"]) == stopped
    at_stake = [s["amount_at_stake"] for s in r["stopped"]]   # ranked by money at stake
    assert at_stake == sorted(at_stake, reverse=True)
    assert {"C08", "C09"} <= set(stopped)
    assert next(s for s in r["stopped"] if s["customer_code"] == "C09")["status"] == "已退网"
    assert [n["customer_code"] for n in r["new_customers"]] == ["C10"]

    bands = {}
    for code, grade in GRADES.items():
        if code <= "C10":
            bands[code] = band_for(grade, cfg.policy).name
    band_rows = {b["band"]: b for b in r["by_grade_band"]}
    now_by_customer = now.groupby("customer_code")["qty"].sum()
    for band in set(bands.values()):
        members = [c for c, b in bands.items() if b == band]
        assert band_rows[band]["qty_cartons"] == pytest.approx(
            now_by_customer.reindex(members).fillna(0).sum())


def test_early_warning_matches_the_rule(fixture_db, cfg):
    """November follows 国庆: customers are compared with November last year, per working
    day (the fixture's roster has no 访销日), against 0.8 x the band's average and 30 points
    below it; those more than 45 points below it are 大幅下降 instead (listed once)."""
    from dataclasses import replace

    from cmgr.core.workdays import WorkCalendar
    from cmgr.jobs.monthly_report import load, settings_from

    data, _ = load(fixture_db, cfg, MONTH, [MANAGER])
    data[0].order_weekdays = {}  # every working day counts (the inference is tested below)
    # Fixed margins (no spread factor) so the rule can be recomputed by hand.
    settings = replace(settings_from(cfg), warning_gap_pct=30.0, decline_pct=45.0,
                       warning_sd=0.0, decline_sd=0.0)
    r = monthly.build_report(data[0], MONTH, settings, None, date(2026, 12, 7))
    assert r["comparison"]["basis"] == "yoy" and r["comparison"]["base_month"] == "2025-11"
    cal = WorkCalendar()
    days = {m: sum(cal.is_workday(date(int(m[:4]), int(m[5:]), d)) for d in range(1, 31))
            for m in ("2025-11", MONTH)}
    lines = raw_lines(fixture_db)
    mine = lines[lines["manager"] == MANAGER]
    cust = mine.pivot_table(index="customer_code", columns="month", values="qty",
                            aggfunc="sum").fillna(0)
    warned, declined = set(), set()
    band_of = {c: band_for(g, cfg.policy).name for c, g in GRADES.items()}
    expected_qty = cust["2025-11"] * days[MONTH] / days["2025-11"]
    now = cust[MONTH]
    for band in set(band_of.values()):
        members = [c for c in cust.index if band_of.get(c) == band and expected_qty[c] > 0]
        if not members:
            continue
        avg = now[members].sum() / expected_qty[members].sum() - 1
        line = min(0.8 * avg if avg >= 0 else avg / 0.8, avg - 0.30)
        for c in members:
            if now[c] <= 0:
                continue
            growth = now[c] / expected_qty[c] - 1
            if growth - avg < -0.45:
                declined.add(c)
            elif growth < line:
                warned.add(c)
    assert {w["customer_code"] for w in r["warning_customers"]} == warned
    assert {d["customer_code"] for d in r["large_declines"]} == declined


def test_early_warning_thresholds_on_rising_and_falling_bands():
    table = pd.DataFrame({
        "customer_code": ["a", "b", "c", "d", "e", "f"],
        "customer_name": list("abcdef"), "grade_int": [1] * 3 + [20] * 3,
        "band": ["一级"] * 3 + ["三级"] * 3,
        "qty_1": [100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
        "qty_0": [130.0, 105.0, 95.0, 90.0, 85.0, 75.0],
    })
    flagged, bands = early_warning(table, 0.8)
    by_band = {b["band"]: b for b in bands}
    # 一级: average +10%, line +8%: b (+5%) and c (-5%) flagged, a (+30%) not.
    assert by_band["一级"]["avg_growth_pct"] == pytest.approx(10.0)
    assert by_band["一级"]["threshold_pct"] == pytest.approx(8.0)
    # 三级: average -16.67%; the line is average / 0.8 = -20.83%: only f (-25%) falls below.
    assert by_band["三级"]["threshold_pct"] == pytest.approx(-16.6667 / 0.8, abs=0.01)
    # Ranked by what is at stake (条 below the base here, no amounts): f 25, c 5, b -5.
    assert [f["customer_code"] for f in flagged] == ["f", "c", "b"]
    # A gap of 20 points below the average: 一级's line -10%, 三级's -36.7%: nobody.
    flagged, bands = early_warning(table, 0.8, gap_pct=20)
    assert flagged == [] and bands[0]["threshold_pct"] == pytest.approx(-10.0)


def test_the_warning_line_widens_with_the_spread_of_the_band():
    # 20 customers: growths spread evenly from -40% to +36%; one more at -90%.
    growth = [-0.40 + 0.04 * k for k in range(20)] + [-0.90]
    table = pd.DataFrame({
        "customer_code": [f"c{k:02d}" for k in range(21)], "customer_name": "x",
        "grade_int": 5, "band": "一级", "qty_1": 100.0,
        "qty_0": [100.0 * (1 + g) for g in growth]})
    plain, _ = early_warning(table, 0.8)
    wide, bands = early_warning(table, 0.8, spread_factor=1.0)
    spread = bands[0]["spread_pct"]
    assert 20 < spread < 35            # the band's robust spread, in points
    assert len(wide) < len(plain) and {"c20"} <= {f["customer_code"] for f in wide}
    assert all(f["growth_pct"] < bands[0]["avg_growth_pct"] - spread for f in wide)


def test_no_year_ago_data_says_so(fixture_db, cfg):
    r = report_for(fixture_db, cfg, month="2026-02")
    assert r["yoy"]["available"] is False and r["yoy"]["note"] == "无同期数据"
    assert r["yoy"]["qty_cartons_pct"] is None and r["yoy"]["qty_cartons"] is None
    assert r["mom"]["available"] is True
    assert any("无同期数据" in s for s in r["summary_text"])
    first = report_for(fixture_db, cfg, month="2025-10")
    assert first["mom"]["available"] is False
    assert first["forecast"]["month"] == "2025-11"


def test_zero_base_gives_null_percentages(fixture_db, cfg):
    r = report_for(fixture_db, cfg)
    bands = {c["band"]: c for c in r["by_grade_band"]}
    # 五级 is C10 alone, new this month: nothing last month, so no percentage (not inf, not 0).
    assert bands["五级"]["qty_cartons"] > 0 and bands["五级"]["mom_qty_pct"] is None
    assert bands["一级"]["mom_qty_pct"] is not None
    growing = {g["customer_code"]: g for g in r["growing"]}
    assert growing["C10"]["change_pct"] is None


def test_target_completion_and_problem(fixture_db, tmp_path):
    path = tmp_path / "cfg.toml"
    path.write_text(f'[report.targets."{MANAGER}"]\n"{MONTH}" = 1000.0\n', encoding="utf-8")
    cfg = load_config(path, overrides={"database.path": str(tmp_path / "x.db")})
    r = report_for(fixture_db, cfg)
    assert r["target"]["cases"] == 1000.0
    assert r["target"]["rate_pct"] == pytest.approx(r["qty_cartons"] / 250 / 1000 * 100, abs=0.01)
    assert "target" in [p["key"] for p in r["problems"]]


def test_problems_carry_evidence_and_placeholders(fixture_db, cfg):
    r = report_for(fixture_db, cfg)
    keys = [p["key"] for p in r["problems"]]
    assert "stopped" in keys and "overdue_visits" in keys
    stopped = next(p for p in r["problems"] if p["key"] == "stopped")
    assert {c["customer_code"] for c in stopped["customers"]} == {
        s["customer_code"] for s in r["stopped"]}
    assert stopped["cause"] == "" and stopped["cause_hint"] == "请填写原因"
    assert "--notes" not in stopped["cause_text"] + stopped["measure_text"]
    overdue = {o["customer_code"]: o for o in r["overdue_visits"]}
    # C04 (grade 10, every 14 days) was last seen 2026-09-01: due 09-15, overdue at month end.
    assert overdue["C04"]["due"] == "2026-09-15" and overdue["C04"]["days_overdue"] == 76
    assert overdue["C05"]["last_visit"] is None          # never visited
    assert "C01" not in overdue                          # grade 3: 30 days from 11-05
    assert "C09" not in overdue                          # left the network


def test_notes_merge_into_problems_and_sections(fixture_db, cfg):
    notes = parse_notes(
        "## 断订客户\n原因：两户装修停业，\n一户退网。\n对策：装修结束后回访。\n\n"
        "## overdue_visits\n- 原因: 月底集中走访\n\n## 价格违规\n原因：客户经理补充的问题\n\n"
        "## 意见建议\n老板们普遍希望旺季多投放。\n\n第二段。\n", "n.md")
    r = report_for(fixture_db, cfg, notes=notes)
    by_key = {p["key"]: p for p in r["problems"]}
    assert by_key["stopped"]["cause"] == "两户装修停业，一户退网。"
    assert by_key["stopped"]["measure_text"] == "装修结束后回访。"
    assert by_key["overdue_visits"]["cause"] == "月底集中走访"
    assert by_key["overdue_visits"]["measure_hint"] == "请填写对策措施"
    assert by_key["price_flags"]["from_data"] is False  # kept, not dropped
    assert r["notes"]["opinions"] == ["老板们普遍希望旺季多投放。", "第二段。"]


def test_notes_unknown_heading_names_the_line():
    with pytest.raises(InputError) as err:
        parse_notes("## 断订\n原因：x\n\n## 天气\n很冷\n", "notes.md")
    assert "notes.md" in err.value.message and "第 4 行" in err.value.message


def test_opinions_from_visits(fixture_db, cfg):
    r = report_for(fixture_db, cfg)
    op = r["opinions"]
    texts = [v["text"] for v in op["visit_opinions"]]
    assert any("送货" in t for t in texts)
    assert not any("没有意见" in t for t in texts)     # negated
    assert [v["customer_code"] for v in op["special_visits"]] == ["C03"]
    assert opinion_topics("客户投诉卷烟受潮") == ["商品质量", "意见建议"]
    assert opinion_topics("没有意见") == []


def test_forecast_part_states_method_and_backtest(fixture_db, cfg):
    r = report_for(fixture_db, cfg)
    fc = r["forecast"]
    assert fc["month"] == "2026-12" and fc["available"]
    assert fc["low"] <= fc["qty_cartons"] <= fc["high"]
    assert fc["cases"] == pytest.approx(fc["qty_cartons"] / 250, abs=0.005)
    assert fc["backtest_wape"] is not None and fc["naive_wape"] is not None
    assert fc["method"] and fc["backtest_wape"] <= fc["naive_wape"]
    text = "".join(fc["statement"])
    # 箱 and 金额 with the range, against this month and last year, the calendar, reliability
    assert f"{fc['cases']:,.2f} 箱" in text and "万元" in text
    assert f"{fc['cases_low']:,.2f}～{fc['cases_high']:,.2f} 箱" in text
    assert "比本月" in text and "比去年同月" in text
    assert f"有 {fc['calendar']['workdays']} 个工作日" in text
    assert f"本方法的平均误差约为 {fc['backtest_wape']:.0%}" in text
    assert "WAPE" not in text and "naive" not in text
    assert fc["vs_month_pct"] == pytest.approx(
        (fc["qty_cartons"] / r["qty_cartons"] - 1) * 100, abs=0.01)
    assert {c["price_class"] for c in fc["by_price_class"]} <= {"一类", "二类", "三类", "四类", "五类"}


def test_against_an_incomplete_month_the_forecast_says_so(fixture_db, cfg):
    """A report made before the month's orders are all in (data to 11-27, the 30th a working
    day) compares the forecast with a part of the month: the sentence says how much."""
    from cmgr.core.monthly import forecast_statement

    fc = dict(report_for(fixture_db, cfg)["forecast"])
    whole = "".join(forecast_statement(dict(fc, month_partial_until=None)))
    part = "".join(forecast_statement(dict(fc, month_partial_until="2026-11-27")))
    assert "未满月" not in whole and re.search("比本月(增长|下降)", whole)
    assert re.search("比本月（订单数据截至 11月27日，未满月）(增长|下降)", part)


def test_other_manager_and_orders_outside_the_roster(fixture_db, cfg):
    from cmgr.jobs.monthly_report import make_reports

    run = make_reports(fixture_db, cfg, MONTH, None)
    assert [r["manager"] for r in run.reports] == sorted([OTHER, MANAGER])
    lines = raw_lines(fixture_db)
    now = lines[lines["month"] == MONTH]
    orphan = now[now["manager"].isna()]
    assert run.summary["unassigned"]["qty_cartons"] == pytest.approx(orphan["qty"].sum())
    assert run.summary["total"]["qty_cartons"] + orphan["qty"].sum() == pytest.approx(
        now["qty"].sum())
    assert any("不在客户名册" in w for w in run.warnings)
    # the 合计 row counts every column the managers' rows count, 预警 included
    for key in ("stopped", "new_customers", "warning_customers"):
        assert run.summary["total"][key] == sum(m[key] for m in run.summary["managers"])


def test_complaints_are_counted_by_kind_of_problem_not_by_sentence():
    from cmgr.core.monthly import complaint_kind

    assert complaint_kind("客户反映该批次卷烟有 5 包烟支受潮发霉、烟丝松散。") == "受潮霉变"
    assert complaint_kind("两条烟有掉丝") == "烟丝松散"
    assert complaint_kind("条盒封口开了") == "包装问题"
    assert complaint_kind("说不清楚") == "其他质量问题"


def test_parse_report_month():
    today = date(2026, 1, 15)
    assert parse_report_month("last", today) == "2025-12"
    assert parse_report_month(None, today) == "2025-12"
    assert parse_report_month("2026/3", today) == "2026-03"
    assert parse_report_month("202611", today) == "2026-11"
    assert parse_report_month("2026年11月", today) == "2026-11"
    with pytest.raises(UsageError):
        parse_report_month("2026-13", today)


def test_a_visits_note_flag_and_price_flag_are_one_item_of_the_price_problem(fixture_db, cfg):
    # 《报告》 part b lists cases, as `cmgr flag` does: the note "加价卖" and the observed price
    # of the same visit were two lines of one customer and counted twice.
    db = fixture_db
    db.executemany("INSERT INTO flags(flag_key, kind, subkind, source, visit_key, visit_date, "
                   "customer_code, manager, matched, status, created_at) "
                   "VALUES (?, 'price', ?, ?, ?, ?, ?, ?, ?, 'new', '2026-11-12T18:00:00')", [
                       ("n1", "above", "note", "V1", "2026-11-12", "C02", MANAGER, "加价卖"),
                       ("p1", "above_guide", "observed_price", "V1", "2026-11-12", "C02", MANAGER,
                        "中华(软) 实际零售价750元/条"),
                       ("n2", "above", "note", "V2", "2026-11-14", "C03", MANAGER, "卖贵了"),
                       ("r1", "expired", "roster", None, "2026-11-15", "C03", MANAGER, "许可证过期")])
    db.execute("UPDATE flags SET kind = 'unlicensed' WHERE flag_key = 'r1'")
    r = report_for(db, cfg)
    price = {p["key"]: p for p in r["problems"]}["price_flags"]
    assert price["count"] == 2 and "本月记录 2 条价格违规，其中 2 条尚未上报" in price["summary"]
    c02 = [c for c in price["customers"] if c["customer_code"] == "C02"]
    assert len(c02) == 1 and "加价卖；中华(软) 实际零售价750元/条" in c02[0]["detail"]


def test_empty_manager_data_gives_zeros_not_errors():
    empty = pd.DataFrame(columns=["customer_code", "month", "qty", "amount", "orders", "lines",
                                  "unvalued_lines"])
    roster = pd.DataFrame({"customer_code": ["A"], "customer_name": ["a"], "manager": ["m"],
                           "grade": [5], "grade_label": ["5"], "route": [None],
                           "joined_on": [None], "left_on": [None], "status": [None]})
    sku = pd.DataFrame(columns=["manager", "month", "sku_code", "sku_name", "qty", "amount",
                                "lines", "last_date", "priced_qty", "priced_value"])
    data = ManagerData("m", roster, empty, sku, {}, "2026-01-01", "2026-11-30")
    r = monthly.build_report(data, MONTH, ReportSettings(bands=tuple(
        load_config(None, overrides={"database.path": "/tmp/x.db"}).policy)))
    assert r["qty_cartons"] == 0 and r["customers_served"] == 1
    assert r["forecast"]["available"] is False
    assert any("没有订单" in w for w in r["warnings"])


def test_flags_and_complaints_become_problems_and_opinions(fixture_db, cfg):
    db = fixture_db
    # The flags table comes with migration 002; the contract's columns are enough here.
    db.execute("CREATE TABLE IF NOT EXISTS flags (id INTEGER PRIMARY KEY, flag_key TEXT UNIQUE, "
               "kind TEXT, subkind TEXT, source TEXT, visit_key TEXT, visit_id TEXT, "
               "visit_date TEXT, customer_code TEXT, manager TEXT, matched TEXT, rule TEXT, "
               "note TEXT, observed_price REAL, reference_price REAL, deviation REAL, "
               "deviation_pct REAL, status TEXT, created_at TEXT, updated_at TEXT)")
    db.executemany("INSERT INTO flags(flag_key, kind, subkind, visit_date, customer_code, manager, "
                   "note, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
                       ("f1", "price", "above", "2026-11-12", "C02", MANAGER, "中华卖贵了", "new",
                        "2026-11-12T18:00:00"),
                       ("f2", "unlicensed", "tip", "2026-11-13", None, MANAGER, "菜市场无证卖烟",
                        "reported", "2026-11-13T18:00:00"),
                       ("f3", "price", "below", "2026-10-02", "C02", MANAGER, "上月的", "new",
                        "2026-10-02T18:00:00"),
                       ("f5", "price", "above", "2026-11-15", "C02", MANAGER, "看错了", "dismissed",
                        "2026-11-15T18:00:00"),
                       ("f4", "price", "above", "2026-11-14", "C11", OTHER, "别人的", "new",
                        "2026-11-14T18:00:00")])
    db.executemany("INSERT INTO complaints(id, customer_code, sku_code, sku_name, qty, problem, "
                   "status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
                       ("TS-20261105-001", "C03", "S3", "泰山(宏图)", 2.0, "受潮", "submitted",
                        "2026-11-05T10:00:00"),
                       ("TS-20261020-001", "C04", "S1", "中华(硬)", 1.0, "破损", "approved",
                        "2026-10-20T10:00:00"),
                       ("TS-20261001-001", "C05", "S1", "中华(硬)", 1.0, "破损", "closed",
                        "2026-10-01T10:00:00")])
    r = report_for(db, cfg)
    by_key = {p["key"]: p for p in r["problems"]}
    assert [c["customer_code"] for c in by_key["price_flags"]["customers"]] == ["C02"]
    assert "中华卖贵了" in by_key["price_flags"]["customers"][0]["detail"]
    assert by_key["unlicensed_flags"]["count"] == 1
    open_ids = [c["detail"].split()[0] for c in by_key["complaints_open"]["customers"]]
    assert open_ids == ["TS-20261020-001", "TS-20261105-001"]  # closed one left out
    complaints = r["opinions"]["complaints"]
    assert complaints["available"] and [c["id"] for c in complaints["list"]] == ["TS-20261105-001"]
    assert complaints["by_type"] == [{"name": "受潮霉变", "count": 1}]
    assert complaints["by_status"][0]["name"] != "submitted"  # shown with its Chinese label


def test_order_weekdays_are_inferred_when_the_roster_has_none():
    from cmgr.core.monthly import infer_order_weekdays

    frame = pd.DataFrame({"customer_code": ["a", "a", "a", "b", "b"],
                          "weekday": ["2", "5", "0", "1", "3"],   # %w: 0 = Sunday
                          "days": [6, 5, 1, 6, 6]})
    # a: Tuesday and Friday (a single Sunday order is under a quarter); b: Monday, Wednesday
    assert infer_order_weekdays(frame) == {"a": "25", "b": "13"}
    assert infer_order_weekdays(frame.iloc[0:0]) == {}


def test_network_line_says_which_figures_wait_for_an_import():
    """Part a's 网建 line quotes cmgr.core.kpi's figures and says plainly when the settlements
    or the month's target have not been imported."""
    from cmgr.core.kpi import ManagerKpi

    kpi = ManagerKpi(manager=MANAGER, month=MONTH, active_customers=10, joined=1, left=2,
                     ordering_customers=9, order_rate_pct=90.0, esettle_customers=8,
                     esettle_customers_pct=80.0, settled_orders=0, settlement_count_pct=None,
                     settlement_amount_pct=None, sales_cases=3.0, amount=90000.0,
                     target_cases=None, target_source=None, completion_pct=None,
                     value_per_case=30000.0, visits_done=12, visits_planned=None,
                     planned_done=None, visit_completion_pct=None)
    net = monthly.network_figures(kpi, settlements_imported=False)
    assert net["in_network"] == 10 and net["joined"] == 1 and net["left"] == 2
    assert net["kpi"]["order_rate_pct"] == 90.0
    assert "订货率 90.00%（在网客户中 9 户订货）" in net["text"]
    assert "电子结算明细尚未导入" in net["text"] and "销量目标尚未导入" in net["text"]
    done = monthly.network_figures(replace(kpi, settlement_amount_pct=95.5, settlement_count_pct=97.0,
                                           target_cases=4.0, completion_pct=75.0), True)
    assert "电子结算率 95.50%" in done["text"] and "完成率 75.00%" in done["text"]
    assert "尚未导入" not in done["text"]


def test_a_holiday_month_lists_only_customers_out_of_line_on_both_bases(fixture_db, cfg):
    """November follows 国庆, so customers are compared with November last year; a customer
    who looks low only against last year (its last November was unusually big) is the
    calendar's or last year's doing and is not listed; one low against last year and against
    its last three months is."""
    from cmgr.jobs.monthly_report import load, settings_from

    data, _ = load(fixture_db, cfg, MONTH, [MANAGER])
    d = data[0]
    d.order_weekdays = {}
    cm = d.customer_months.copy()
    last_year = (cm["customer_code"] == "C04") & (cm["month"] == "2025-11")
    cm.loc[last_year, ["qty", "amount"]] *= 3  # C04: low against last year only
    both = (cm["customer_code"] == "C06") & cm["month"].isin(
        ["2025-11", "2026-08", "2026-09", "2026-10"])
    cm.loc[both, ["qty", "amount"]] *= 4  # C06: low against last year and the recent months
    d.customer_months = cm
    # The bare provincial rule (no gap, no spread factor): these bands have three customers.
    settings = replace(settings_from(cfg), warning_gap_pct=0.0, warning_sd=0.0, decline_sd=0.0)
    r = monthly.build_report(d, MONTH, settings, None, date(2026, 12, 7))
    assert r["comparison"]["basis"] == "yoy"
    listed = ({w["customer_code"] for w in r["warning_customers"]}
              | {x["customer_code"] for x in r["large_declines"]})
    assert "C06" in listed and "C04" not in listed
    # Against last year alone, C04 is out of line: the second base is what keeps it off.
    table = monthly._customer_table(d, MONTH, settings.stopped_lookback_months, settings.bands)
    yoy = monthly.like_for_like(table, MONTH, r["comparison"], settings.is_workday)
    alone, bands = monthly.early_warning(yoy, settings.warning_ratio, None,
                                         settings.warning_gap_pct, settings.warning_sd)
    alone_declines = monthly._large_declines(yoy, settings.decline_pct, bands, settings.decline_sd)
    assert "C04" in {w["customer_code"] for w in alone} | {x["customer_code"] for x in alone_declines}
    assert any("长假月份只列出" in p["summary"] for p in r["problems"]
               if p["key"] in ("warning", "decline"))


def test_an_order_due_in_a_holiday_lands_in_the_month_it_is_placed():
    """2026-10-01 (Thursday) to 10-07 is 国庆; the week of 09-28 works Monday to Wednesday,
    so a Thursday customer's order of that week is placed on 09-30: four October orders
    (10-08, 15, 22, 29) and five September ones. A Monday customer's 10-05 order moves to
    Thursday 10-08, inside October: four (10-08, 12, 19, 26)."""
    from cmgr.core.workdays import WorkCalendar

    workday = WorkCalendar().is_workday
    assert monthly._order_days("2026-10", "4", workday, {}) == 4
    assert monthly._order_days("2026-09", "4", workday, {}) == 5
    assert monthly._order_days("2026-10", "1", workday, {}) == 4
    assert monthly._order_days("2026-08", "1", workday, {}) == 5  # no holiday: five Mondays
