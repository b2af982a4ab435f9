"""Part b's comparison basis (cmgr.core.monthly.comparison_basis) on data that does not follow
the calendar: orders taken through 国庆, and a territory whose data starts inside the month
that would be the year-ago base."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from cmgr.config import load_config
from cmgr.core import monthly
from cmgr.core.workdays import WorkCalendar

MANAGER = "赵六"
# Month-of-year volume (a 中秋/国庆 bump in September), as the city benchmark's data has.
SEASON = {1: 1.3, 2: 1.0, 3: 0.8, 4: 0.97, 5: 0.95, 6: 1.0, 7: 1.0, 8: 0.98, 9: 1.2,
          10: 0.95, 11: 0.97, 12: 1.1}
CUSTOMERS = 150
NOISE_LO, NOISE_HI = 0.7, 1.3
DROPPED = "H007"   # really orders half as much in 2026-10: must still be listed


def build_through_holidays(db, first_day: date = date(2025, 10, 1),
                           last_day: date = date(2026, 11, 30), seed: int = 15,
                           dropped_month: str = "2026-10") -> None:
    """CUSTOMERS weekly customers on the five weekdays (H000 Monday, H001 Tuesday, ...), who
    order every week on their weekday, 国庆 or not: the company kept taking orders."""
    rng = random.Random(seed)
    with db.transaction():
        db.execute("INSERT INTO prices(sku_code, sku_name, wholesale_price) VALUES ('S1', '泰山', 50)")
        for i in range(CUSTOMERS):
            db.execute("INSERT INTO customers(customer_code, customer_name, grade, manager, "
                       "joined_on) VALUES (?, ?, ?, ?, '2020-01-01')",
                       (f"H{i:03d}", f"客户{i:03d}", 1 + (i * 7) % 30, MANAGER))
        rows = []
        monday = first_day - timedelta(days=first_day.weekday())
        while monday <= last_day:
            for i in range(CUSTOMERS):
                day = monday + timedelta(days=i % 5)
                if not first_day <= day <= last_day:
                    continue
                qty = (4 + (1 + (i * 7) % 30) / 3) * SEASON[day.month] * rng.uniform(NOISE_LO, NOISE_HI)
                code = f"H{i:03d}"
                if code == DROPPED and day.strftime("%Y-%m") == dropped_month:
                    qty /= 2
                qty = float(round(qty))
                rows.append((f"{code}-{day}", f"{code}-{day}", day.isoformat(), code, "S1",
                             "泰山", 50.0, qty, qty * 50.0))
            monday += timedelta(days=7)
        db.executemany("INSERT INTO order_lines(line_key, order_id, order_date, customer_code, "
                       "sku_code, sku_name, wholesale_price, qty, amount) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


@pytest.fixture
def cfg(tmp_path):
    return load_config(None, overrides={"database.path": str(tmp_path / "unused.db")})


def report(db, cfg, month: str, *, read_orders: bool = True) -> dict:
    from cmgr.jobs.monthly_report import load, order_days_off, settings_from

    calendar = WorkCalendar()
    data, _ = load(db, cfg, month, [MANAGER])
    settings = settings_from(cfg, calendar)
    if read_orders:
        settings = replace(settings, order_days_off=order_days_off(db, calendar, month))
    return monthly.build_report(data[0], month, settings, None, date(2026, 12, 7))


def listed(r: dict) -> set[str]:
    return ({w["customer_code"] for w in r["warning_customers"]}
            | {d["customer_code"] for d in r["large_declines"]})


def test_days_off_with_a_working_days_orders_are_order_days():
    workday = WorkCalendar().is_workday
    lines = {"2026-09-29": 1000, "2026-09-30": 980, "2026-10-01": 990,   # 10-01 taken as usual
             "2026-10-03": 12,                                            # a stray make-up order
             "2026-10-08": 1010}
    assert monthly.open_days_off(workday, lines) == frozenset({date(2026, 10, 1)})
    assert monthly.open_days_off(workday, {}) == frozenset()
    # the sample's data: nothing on the days off, so the calendar stands
    assert monthly.open_days_off(workday, {"2026-09-30": 900, "2026-10-08": 950}) == frozenset()


def test_the_days_off_chosen_for_a_month_and_how_far_each_is_counted():
    """choose_order_days_off on counts alone (no database): the comparison months' days off
    on which orders came in as on a working day are open; a working day's count is taken in
    full only for a few sampled days, a day off's only up to half the typical day."""
    workday = WorkCalendar().is_workday
    asked: list[tuple[date, int | None]] = []

    def lines_on(day: date, at_most: int | None) -> int:
        asked.append((day, at_most))
        n = 1000 if workday(day) or day == date(2026, 10, 2) else (7 if day == date(2026, 10, 3) else 0)
        return n if at_most is None else min(n, at_most)

    opened = monthly.choose_order_days_off("2026-10", workday, lines_on)
    assert opened == frozenset({date(2026, 10, 2)})  # 10-03's stray orders do not open it
    full = [d for d, at_most in asked if at_most is None]
    capped = {d: at_most for d, at_most in asked if at_most is not None}
    assert 1 <= len(full) <= monthly.TYPICAL_DAY_SAMPLE + 1 and all(workday(d) for d in full)
    assert set(capped.values()) == {500}  # half the typical 1000 lines is enough to tell
    # the days off counted: those of 2026-07..2026-10 and of 2025-10, none of another month
    months = {d.strftime("%Y-%m") for d in capped}
    assert months == {"2026-07", "2026-08", "2026-09", "2026-10", "2025-10"}
    assert date(2026, 10, 1) in capped and date(2025, 10, 1) in capped
    # no orders at all on the working days: the calendar stands, no day off is counted
    asked.clear()
    assert monthly.choose_order_days_off("2026-10", workday, lambda d, at_most: 0) == frozenset()


def test_a_holiday_the_orders_ignore_is_compared_like_a_normal_month(db, cfg):
    """The company took orders through 国庆 2025 and 2026. Counting order days by the calendar
    then gives a Wednesday customer four October 2025 orders where it placed five (10-01 was a
    Wednesday), so against last year every Wednesday shop looks 20% down. Read from the orders,
    October is no holiday month: it is compared with its last three months, nobody is out of
    line by the calendar, and the one shop that really halved its orders is still listed."""
    build_through_holidays(db)
    wrong = report(db, cfg, "2026-10", read_orders=False)
    assert wrong["comparison"]["basis"] == "yoy"
    october = report(db, cfg, "2026-10")
    august = report(db, cfg, "2026-08")
    assert october["comparison"]["basis"] == "mom"
    assert october["comparison"]["holiday_week"] is False
    assert "照常订货" in october["comparison"]["reason"]
    assert october["comparison"]["base_months"] == ["2026-09", "2026-08", "2026-07"]
    assert DROPPED in listed(october)
    assert len(listed(october)) <= len(listed(august))
    # The calendar's fault shows as a list of Wednesday shops (in the city: 514 of 573 预警).
    wednesdays = {f"H{i:03d}" for i in range(2, CUSTOMERS, 5)}
    assert len((listed(wrong) - {DROPPED}) & wednesdays) >= 4
    assert len((listed(october) - {DROPPED}) & wednesdays) <= 1
    # Without reading the orders, the calendar's 国庆 makes the Wednesday shops look down
    # against last year: the fault this guards against.
    from cmgr.jobs.monthly_report import load, settings_from

    data, _ = load(db, cfg, "2026-10", [MANAGER])
    settings = settings_from(cfg, WorkCalendar())
    table = monthly._customer_table(data[0], "2026-10", 2, settings.bands)
    yoy = monthly.like_for_like(table, "2026-10", wrong["comparison"], settings.is_workday)
    yoy = yoy.set_index("customer_code")
    others = [c for c in yoy.index if c not in wednesdays and c != DROPPED]
    assert yoy.loc[sorted(wednesdays), "growth"].median() < -0.12
    assert abs(yoy.loc[others, "growth"].median()) < 0.05
    november = report(db, cfg, "2026-11")
    assert november["comparison"]["basis"] == "mom"  # October was no holiday for the orders


def test_a_year_ago_month_the_data_covers_in_part_is_no_base():
    """The data's first month is the year-ago base of a holiday month. Starting on its first
    order day (2025-10-09, after 国庆) it covers the month; starting on 2025-10-15 it does not:
    then the recent months are the base, and the reason says why."""
    workday = WorkCalendar().is_workday
    whole = monthly.comparison_basis("2026-10", "2025-10-09", workday, workday)
    assert whole["basis"] == "yoy" and whole["base_month"] == "2025-10"
    part = monthly.comparison_basis("2026-10", "2025-10-15", workday, workday)
    assert part["basis"] == "mom" and part["holiday_week"] is True
    assert part["base_months"] == ["2026-09", "2026-08", "2026-07"]
    assert "2025-10-15" in part["reason"] and "不完整" in part["reason"]
    assert part["label"] == "与前3个月平均相比（按订货日数折算）"
    # November after 国庆: the same month last year is wholly in the data
    assert monthly.comparison_basis("2026-11", "2025-10-15", workday, workday)["basis"] == "yoy"
    # no year-ago data at all
    none = monthly.comparison_basis("2026-10", "2026-01-05", workday, workday)
    assert none["basis"] == "mom" and "没有去年同月数据" in none["reason"]


def test_recent_months_before_the_data_are_left_out_of_the_average(db, cfg):
    """November 2025, the data's second month: its base is October alone, not October and
    two empty months (which made every customer look three times up)."""
    build_through_holidays(db)
    r = report(db, cfg, "2025-11")
    assert r["comparison"]["base_months"] == ["2025-10"]
    assert r["comparison"]["label"].startswith("与上月相比")
    growth = [b["avg_growth_pct"] for b in r["warning_bands"]]
    assert growth and all(abs(g) < 15 for g in growth)
    first = report(db, cfg, "2025-10")
    assert first["comparison"]["base_months"] == []
    assert first["warning_customers"] == [] and first["large_declines"] == []


def test_the_xlsx_names_the_basis_of_its_comparison_column(db, cfg):
    from cmgr.render.monthly_report_doc import report_sheets

    build_through_holidays(db)
    for r, words in ((report(db, cfg, "2026-10"), "前3个月平均"),
                     (report(db, cfg, "2026-10", read_orders=False), "去年同月")):
        sheets = {name: cols for name, cols, _ in report_sheets(r)}
        for name in ("预警客户", "大幅下降客户"):
            headers = [c[0] for c in sheets[name]]
            assert f"{words}折算（条）" in headers and "上月（条）" not in headers


def test_a_holiday_month_without_a_year_ago_month_lists_only_the_far_out_of_line(db, cfg):
    """A territory whose data starts in 2025-11 has no 2025-02 to set its 春节 February
    against: February is compared with the three months before, which hold no holiday, so
    the calendar's swing is taken for the customers'. Both lists then need report.holiday_sd
    spreads below the band (预警) and as many more for 大幅下降; a shop that really halved its
    orders is still listed, and a normal month is judged as before."""
    build_through_holidays(db, first_day=date(2025, 11, 3), dropped_month="2026-02")
    strict = report(db, cfg, "2026-02", read_orders=False)
    basis = strict["comparison"]
    assert basis["basis"] == "mom" and basis["holiday_week"] is True
    assert "没有去年同月数据" in basis["reason"]
    loose_cfg = load_config(None, overrides={"database.path": cfg.get("database.path"),
                                             "report.holiday_sd": 0})
    loose = report(db, loose_cfg, "2026-02", read_orders=False)
    assert DROPPED in listed(strict)
    assert listed(strict) <= listed(loose) and len(listed(strict)) < len(listed(loose))
    sd = float(cfg.get("report.holiday_sd"))
    assert sd > float(cfg.get("report.warning_sd"))
    spread = {b["band"]: b["spread_pct"] for b in strict["warning_bands"]}
    average = {b["band"]: b["avg_growth_pct"] for b in strict["warning_bands"]}
    for w in strict["warning_customers"]:
        assert w["growth_pct"] < average[w["band"]] - sd * spread[w["band"]] + 1e-6
    problems = " ".join(p["summary"] for p in strict["problems"]
                        if p["key"] in ("warning", "decline"))
    assert "长假月份没有可比的基数" in problems
    # a normal month does not move with the setting
    assert listed(report(db, cfg, "2026-08")) == listed(report(db, loose_cfg, "2026-08"))
