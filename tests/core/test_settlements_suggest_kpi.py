"""The chase list's order, the order suggestion's rules, the KPI figures on small cases
computed by hand, and the ranking's ties."""

from __future__ import annotations

from datetime import date

import pytest

from cmgr.core.kpi import (
    CustomerSales,
    ManagerKpi,
    RosterEntry,
    competition_places,
    manager_kpis,
    rank_managers,
)
from cmgr.core.settlements import (
    FAILED,
    PAID,
    PENDING,
    CustomerInfo,
    SettlementRow,
    chase_list,
    settlement_rate,
)
from cmgr.core.suggest import SeasonIndex, suggest_order

# --- the chase list ---------------------------------------------------------------------------


def row(code, ref, status, amount=100.0, day="2026-11-20", at=None, seq=0, reason=None):
    return SettlementRow(code, ref, status, amount, day, at, status, reason, seq)


def test_chase_order_failed_first_then_days_then_failures_then_money():
    rows = [
        row("P1", "o1", PENDING, 5000, "2026-11-10"),          # pending, old, big: after failures
        row("F1", "o2", FAILED, 100, "2026-11-25"),           # failed 2 days
        row("F2", "o3", FAILED, 100, "2026-11-15"),           # failed 12 days: first
        row("F3", "o4", FAILED, 100, "2026-11-25"),           # 2 days, but failed twice lately
        row("F3", "o9", FAILED, 100, "2026-11-01", seq=1),
        row("F3", "o9", PAID, 100, "2026-11-01", at="2026-11-03", seq=2),  # retried: paid
        row("F4", "o5", FAILED, 900, "2026-11-25"),           # 2 days, once, more money than F1
        row("OK", "o6", FAILED, 100, "2026-11-20", at="2026-11-20", seq=1),
        row("OK", "o6", PAID, 100, "2026-11-20", at="2026-11-21", seq=2),   # paid on retry
        row("LATE", "o7", FAILED, 100, "2026-11-28"),          # after the date: not yet
    ]
    infos = {"F2": CustomerInfo("F2", "乙", "138")}
    result = chase_list(rows, infos, date(2026, 11, 27))
    assert [x.customer_code for x in result.lines] == ["F2", "F3", "F4", "F1", "P1"]
    assert [x.rank for x in result.lines] == [1, 2, 3, 4, 5]
    first = result.lines[0]
    assert (first.customer_name, first.phone, first.days_outstanding) == ("乙", "138", 12)
    f3 = result.lines[1]
    assert (f3.failures_90d, f3.orders, f3.amount) == (2, 1, 100.0)
    assert result.lines[-1].status == PENDING and result.amount == 6200.0


def test_a_paid_order_is_not_reopened_by_a_later_pending_line():
    rows = [row("C", "o1", PAID, at="2026-11-20", seq=1), row("C", "o1", PENDING, seq=2)]
    assert chase_list(rows, {}, date(2026, 11, 27)).lines == []


def test_settlement_rate_by_count_and_by_money():
    rows = [row("A", "1", PAID, 300), row("A", "2", FAILED, 100), row("B", "3", PAID, 600),
            row("B", "4", FAILED, 50, seq=1), row("B", "4", PAID, 50, at="2026-11-22", seq=2)]
    rate = settlement_rate(rows)
    assert (rate.orders, rate.paid) == (4, 3)
    assert rate.by_count_pct == 75.0
    assert rate.by_amount_pct == round(100 * 950 / 1050, 2)
    assert settlement_rate([]).by_count_pct is None


# --- the order suggestion ---------------------------------------------------------------------

HISTORY = [(f"2026-{m:02d}-{d:02d}", sku, q) for (m, d) in
           ((9, 7), (9, 14), (9, 21), (9, 28), (10, 12), (10, 19), (10, 26), (11, 2))
           for sku, q in (("A", 6), ("B", 2))] + [("2026-11-02", "C", 9)]


def test_no_history_says_so_and_suggests_nothing():
    s = suggest_order("X", [("2026-12-01", "A", 5)], date(2026, 11, 30))
    assert s.lines == [] and s.total == 0 and "无订货记录" in s.note


def test_the_usual_quantity_is_suggested_and_a_one_off_is_not():
    s = suggest_order("X", HISTORY, date(2026, 11, 9))
    got = {line.sku_code: line for line in s.lines}
    assert got["A"].suggested == 6 and got["B"].suggested == 2
    assert got["C"].suggested == 0 and got["C"].ordered_in == 1  # once in 8: not every week
    assert "近8次订货8次订购" in got["A"].reason and "建议 6 条" in got["A"].reason
    assert s.history_orders == 8


def test_stock_counted_is_taken_off():
    s = suggest_order("X", HISTORY, date(2026, 11, 9), stock={"A": 2, "B": 5})
    got = {line.sku_code: line for line in s.lines}
    assert got["A"].suggested == 4 and "库存 2 条" in got["A"].reason
    assert got["B"].suggested == 0 and "库存足够" in got["B"].reason


def test_a_supply_limit_binds_and_says_so():
    s = suggest_order("X", HISTORY, date(2026, 11, 9), limits={"A": 3, "B": 5})
    got = {line.sku_code: line for line in s.lines}
    assert got["A"].suggested == 3 and got["A"].limit_binds
    assert "货源限量 3 条（按限量）" in got["A"].reason
    assert got["B"].suggested == 2 and not got["B"].limit_binds


def test_the_season_carries_last_years_weeks_over():
    # Last year the target's week sold twice the weeks of the history: ask for more, by half
    # of that ratio (its square root: SEASON_DAMPING).
    daily = {}
    for week in range(60):
        day = date(2025, 8, 4).toordinal() + 7 * week
        daily[date.fromordinal(day)] = 200.0 if date.fromordinal(day) == date(2025, 11, 10) else 100.0
    season = SeasonIndex(daily)
    s = suggest_order("X", HISTORY, date(2026, 11, 9), season=season)
    got = {line.sku_code: line for line in s.lines}
    assert got["A"].suggested == 8 and "季节系数 1.41" in got["A"].reason  # 6 x 2 ** 0.5
    assert SeasonIndex.year_before(date(2026, 2, 10)) == date(2025, 1, 22)  # 7 days before 春节


# --- the KPI figures ---------------------------------------------------------------------------

ROSTER = [
    RosterEntry("a1", "甲", None, "2020-01-01", None, "电子结算"),
    RosterEntry("a2", "甲", "正常", "2026-11-10", None, "现金"),  # joined this month
    RosterEntry("a3", "甲", "已退网", "2020-01-01", "2026-11-15"),  # left this month
    RosterEntry("a4", "甲", "已退网", "2020-01-01", "2026-12-03", "电子结算"),  # left after
    RosterEntry("a5", "甲", "暂停经营", "2020-01-01", None),      # suspended: not active
    RosterEntry("a6", "甲", "正常", "2026-12-01", None),          # joins next month
    RosterEntry("b1", "乙", "正常", "2020-01-01", None),
]


def _kpis(**kw):
    sales = [CustomerSales("a1", 250, 25000), CustomerSales("a2", 125, 10000),
             CustomerSales("a3", 100, 5000), CustomerSales("b1", 50, 2500),
             CustomerSales("zz", 999, 999)]
    settlements = [("甲", row("a1", "1", PAID, 25000)), ("甲", row("a2", "2", FAILED, 10000)),
                   ("乙", row("b1", "3", PAID, 2500))]
    args = dict(visits_done={"甲": 9, "乙": 4}, visits_planned={"甲": (10, 8)},
                targets={"甲": (2.0, "import")})
    args.update(kw)
    return {k.manager: k for k in manager_kpis("2026-11", "2026-11-30", ["甲", "乙"], ROSTER,
                                               sales, settlements, **args)}


def test_kpi_figures_against_a_hand_computed_case():
    a = _kpis()["甲"]
    assert (a.active_customers, a.joined, a.left) == (3, 1, 1)  # a1, a2, a4
    assert a.ordering_customers == 2 and a.order_rate_pct == 66.67  # a1, a2 of 3
    assert (a.esettle_customers, a.esettle_customers_pct) == (2, 66.67)  # a1, a4 (roster)
    assert a.sales_cases == 1.9  # (250 + 125 + 100) / 250, a3 ordered before leaving
    assert a.amount == 40000 and a.value_per_case == round(40000 / 1.9, 2)
    assert a.target_cases == 2.0 and a.completion_pct == 95.0 and a.target_source == "import"
    assert (a.settled_orders, a.settlement_count_pct, a.settlement_amount_pct) == (2, 50.0, 71.43)
    assert (a.visits_done, a.visits_planned, a.planned_done, a.visit_completion_pct) == (9, 10, 8, 80.0)
    b = _kpis()["乙"]
    assert (b.active_customers, b.order_rate_pct, b.sales_cases) == (1, 100.0, 0.2)
    assert b.target_cases is None and b.completion_pct is None
    assert b.visits_planned is None and b.visit_completion_pct is None


def _kpi(name, **values) -> ManagerKpi:
    base = dict(manager=name, month="2026-11", active_customers=1, joined=0, left=0,
                ordering_customers=1, order_rate_pct=None, esettle_customers=0,
                esettle_customers_pct=None, settled_orders=0,
                settlement_count_pct=None, settlement_amount_pct=None, sales_cases=0.0,
                amount=0.0, target_cases=None, target_source=None, completion_pct=None,
                value_per_case=None, visits_done=0, visits_planned=None, planned_done=None,
                visit_completion_pct=None)
    base.update(values)
    return ManagerKpi(**base)


def test_competition_places_share_ties_and_put_missing_last():
    assert competition_places({"a": 90, "b": 95, "c": 90, "d": None, "e": 80}) == {
        "b": 1, "a": 2, "c": 2, "e": 4, "d": 5}
    assert competition_places({"a": 1.0, "b": 2.0}, higher_better=False) == {"a": 1, "b": 2}


def test_ranking_ties_overall_and_weights():
    kpis = [_kpi("甲", completion_pct=100.0, order_rate_pct=90.0),
            _kpi("乙", completion_pct=100.0, order_rate_pct=90.0),
            _kpi("丙", completion_pct=90.0, order_rate_pct=95.0)]
    weights = {"completion_pct": 1.0, "order_rate_pct": 1.0}
    rows = rank_managers(kpis, weights)
    # 甲 and 乙: places 1 and 2 -> 1.5 each; 丙: places 3 and 1 -> 2.0
    assert [(r.manager, r.overall, r.score) for r in rows] == [
        ("乙", 1, 1.5), ("甲", 1, 1.5), ("丙", 3, 2.0)]
    assert rows[2].places == {"completion_pct": 3, "order_rate_pct": 1}
    heavy = rank_managers(kpis, {"completion_pct": 1.0, "order_rate_pct": 3.0})
    assert heavy[0].manager == "丙" and heavy[0].overall == 1


@pytest.mark.parametrize("weights", [{}, {"completion_pct": 0.0}])
def test_no_weight_everyone_shares_first_place(weights):
    rows = rank_managers([_kpi("甲"), _kpi("乙")], weights)
    assert [r.overall for r in rows] == [1, 1]


def test_next_order_day_from_the_roster_or_the_habit():
    from cmgr.core.suggest import next_order_day

    monday = date(2026, 11, 30)
    assert next_order_day([], monday, "25") == date(2026, 12, 1)  # Tuesday
    assert next_order_day([], date(2026, 12, 2), "25") == date(2026, 12, 4)  # then Friday
    thursdays = ["2026-11-05", "2026-11-12", "2026-11-18", "2026-11-26"]  # one a Wednesday
    assert next_order_day(thursdays, monday) == date(2026, 12, 3)
    assert next_order_day([], monday) == monday


def test_a_manager_without_a_plan_is_not_ranked_on_visit_completion():
    weights = {"completion_pct": 1.0, "visit_completion_pct": 1.0}
    kpis = [_kpi("甲", completion_pct=90.0, visits_planned=10, planned_done=8,
                 visit_completion_pct=80.0),
            _kpi("乙", completion_pct=80.0, visits_planned=10, planned_done=9,
                 visit_completion_pct=90.0),
            _kpi("丙", completion_pct=100.0),  # no saved plan
            _kpi("丁", completion_pct=70.0, visits_planned=0)]  # a plan, none of its days judged
    rows = {r.manager: r for r in rank_managers(kpis, weights)}
    assert rows["乙"].places == {"completion_pct": 3, "visit_completion_pct": 1}
    assert rows["甲"].places == {"completion_pct": 2, "visit_completion_pct": 2}
    # neither first nor last on 拜访完成率: not ranked on it, scored on the rest
    assert rows["丙"].places == {"completion_pct": 1, "visit_completion_pct": None}
    assert rows["丁"].places["visit_completion_pct"] is None
    assert (rows["丙"].score, rows["甲"].score, rows["乙"].score, rows["丁"].score) == (
        1.0, 2.0, 2.0, 4.0)
    assert (rows["丙"].overall, rows["甲"].overall, rows["丁"].overall) == (1, 2, 4)


def test_when_nobody_planned_visit_completion_ranks_nobody():
    kpis = [_kpi("甲", completion_pct=90.0), _kpi("乙", completion_pct=100.0)]
    with_visits = rank_managers(kpis, {"completion_pct": 3.0, "visit_completion_pct": 2.0})
    without = rank_managers(kpis, {"completion_pct": 3.0})
    assert all(r.places["visit_completion_pct"] is None for r in with_visits)  # not "1" each
    assert [(r.manager, r.overall, r.score) for r in with_visits] == [
        (r.manager, r.overall, r.score) for r in without]
    only_visits = rank_managers(kpis, {"visit_completion_pct": 1.0})
    assert [(r.overall, r.score) for r in only_visits] == [(1, None), (1, None)]
