from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pandas as pd
import pytest

from cmgr.core.forecast import (
    METHOD_NAMES,
    METHODS,
    SPRING_FESTIVAL,
    _combined,
    _parse_month,
    _to_monthly,
    backtest,
    forecast_next,
    method_name,
)
from cmgr.errors import UsageError

NAIVE = METHOD_NAMES["naive"]
SEASONAL_NAIVE = METHOD_NAMES["seasonal_naive"]


def combined_value(series, target: str) -> float:
    """The fixed combination's forecast of `target` from the months before it."""
    h = _to_monthly({k: v for k, v in dict(series).items() if k < target})
    return _combined(h, h.last, _parse_month(target))[0]


def months(first: str, count: int) -> list[str]:
    return [str(p) for p in pd.period_range(first, periods=count, freq="M")]


def daily_model_series(first: str, count: int, rng: random.Random, noise: float = 0.05,
                       growth: float = 0.04) -> pd.Series:
    """Monthly 条 from a daily model: trend, a September peak, a stocking ramp before each
    Spring Festival and a lull after it, and monthly noise. Independent of the forecaster."""
    profile = [1.0, 1.0, 0.9, 0.95, 1.0, 0.97, 1.0, 1.03, 1.15, 1.05, 0.98, 0.95]
    values = {}
    start = pd.Period(first, freq="M").start_time.date()
    for label in months(first, count):
        y, m = int(label[:4]), int(label[5:])
        total = 0.0
        day = date(y, m, 1)
        while day.month == m:
            weight = 1.0
            for fy in (y, y + 1):
                festival = SPRING_FESTIVAL[fy]
                before = (festival - day).days
                if 0 < before <= 24:
                    weight += 1.6 * (1 - (before - 1) / 24)
                elif 0 <= -before < 12:
                    weight -= 0.6
            years = (day - start).days / 365.25
            total += 1000 * math.exp(growth * years) * profile[m - 1] * weight
            day += timedelta(days=1)
        values[label] = round(total * math.exp(rng.gauss(0, noise)))
    return pd.Series(values)


# -- the Spring Festival table ----------------------------------------------------------------

def test_festival_dates_fall_in_the_official_holidays_and_the_lunar_window():
    import chinese_calendar

    assert set(SPRING_FESTIVAL) == set(range(2015, 2036))
    for year, festival in SPRING_FESTIVAL.items():
        # The lunar new year always falls between January 21 and February 20.
        assert date(year, 1, 21) <= festival <= date(year, 2, 20), year
        if year <= 2026:
            on_holiday, name = chinese_calendar.get_holiday_detail(festival)
            assert on_holiday and name == "Spring Festival", year
    # The dates the monthly report's years depend on (docs/domain.md, "Calendar").
    assert SPRING_FESTIVAL[2025] == date(2025, 1, 29)
    assert SPRING_FESTIVAL[2026] == date(2026, 2, 17)
    assert SPRING_FESTIVAL[2027] == date(2027, 2, 6)


# -- inputs ---------------------------------------------------------------------------------

def test_period_index_and_strings_give_the_same_forecast():
    series = daily_model_series("2024-11", 14, random.Random(1))
    by_period = pd.Series(series.values, index=pd.PeriodIndex(series.index, freq="M"))
    a = forecast_next(series, "2026-01")
    b = forecast_next(by_period, "2026-01")
    assert a == b


def test_missing_months_count_as_zero():
    series = pd.Series({"2026-01": 100.0, "2026-02": 120.0, "2026-04": 110.0, "2026-05": 90.0,
                        "2026-06": float("nan")})
    bt = backtest(series)
    actual = {row["month"]: row["actual"] for row in bt["rows"]}
    assert actual == {"2026-04": 110.0, "2026-05": 90.0, "2026-06": 0.0}
    # naive last month for April is March's 0
    assert [row["naive"] for row in bt["rows"]] == [0.0, 110.0, 90.0]


def test_months_from_the_target_on_are_ignored():
    series = daily_model_series("2024-09", 18, random.Random(2))
    assert forecast_next(series, "2025-11") == forecast_next(series[:"2025-10"], "2025-11")


@pytest.mark.parametrize("target", ["2026-13", "2026", "next", "26-01"])
def test_bad_target_month(target):
    with pytest.raises(UsageError):
        forecast_next(pd.Series({"2026-01": 1.0}), target)


def test_no_history_before_the_target():
    with pytest.raises(UsageError):
        forecast_next(pd.Series({"2026-05": 1.0}), "2026-05")
    with pytest.raises(UsageError):
        forecast_next(pd.Series(dtype=float), "2026-05")


def test_all_zero_series():
    fc = forecast_next(pd.Series(dict.fromkeys(months("2025-01", 14), 0.0)), "2026-03")
    assert fc.value == 0 and fc.low == 0 and fc.high == 0
    assert fc.backtest_wape is None and fc.naive_wape is None


# -- the backtest --------------------------------------------------------------------------------

def test_backtest_wapes_match_an_independent_computation():
    series = daily_model_series("2023-10", 26, random.Random(3))
    bt = backtest(series, months=6)
    last6 = series.index[-6:]
    assert bt["months"] == list(last6)
    values = series.to_dict()
    keys = list(series.index)
    sn_err = sum(abs(values[m] - values[keys[keys.index(m) - 12]]) for m in last6)
    naive_err = sum(abs(values[m] - values[keys[keys.index(m) - 1]]) for m in last6)
    total = sum(values[m] for m in last6)
    assert bt["wape"]["seasonal_naive"] == pytest.approx(sn_err / total)
    assert bt["wape"]["naive"] == pytest.approx(naive_err / total)
    # The combination's backtest is the combination run at each origin.
    method_err = sum(abs(values[m] - combined_value(series, m)) for m in last6)
    assert bt["wape"]["combined"] == pytest.approx(method_err / total)
    fc = forecast_next(series, "2025-12")
    assert fc.method_key == bt["offered"]
    assert fc.method == method_name(bt["offered"], _parse_month("2025-12"))
    assert fc.backtest_wape == pytest.approx(bt["wape"][bt["offered"]])
    assert fc.last_month_wape == pytest.approx(naive_err / total)
    assert fc.seasonal_naive_wape == pytest.approx(sn_err / total)
    assert fc.naive_wape == pytest.approx(min(sn_err, naive_err) / total)
    assert fc.backtest_months == 6 and fc.note == ""
    assert fc.horizon == 1 and fc.partial_month is None


def test_the_offered_method_never_loses_to_the_simple_rules_in_its_backtest():
    rng = random.Random(11)
    for count in (14, 15, 20, 26):
        for _ in range(8):
            series = daily_model_series("2024-01", count, rng, noise=rng.uniform(0.02, 0.2))
            bt = backtest(series)
            offered = bt["wape"][bt["offered"]]
            for rule in ("naive", "seasonal_naive"):
                if bt["wape"][rule] is not None:
                    assert offered <= bt["wape"][rule] + 1e-12, (count, rule, bt["wape"])
            target = str(pd.Period(series.index[-1], freq="M") + 1)
            fc = forecast_next(series, target)
            assert fc.backtest_wape == pytest.approx(offered)
            # the offered value is the chosen method applied to the whole history
            method = next(m for m in METHODS if m.key == fc.method_key)
            h = _to_monthly(series)
            days = lambda m: 1  # noqa: E731 - Mon-Fri counts are tested below
            if method.key not in ("workday_naive", "recent_workdays", "seasonal_ratio",
                                  "yoy_growth"):
                assert fc.value == pytest.approx(max(0.0, method.predict(
                    h, days, h.last, _parse_month(target))))


def test_working_days_scale_the_last_month():
    # Every working day sells 10: the month's sales follow its working days exactly.
    from datetime import date as d

    def workdays(y: int, m: int) -> int:
        day, n = d(y, m, 1), 0
        while day.month == m:
            n += day.weekday() < 5
            day += timedelta(days=1)
        return n

    labels = months("2025-01", 20)
    series = pd.Series({m: 10.0 * workdays(int(m[:4]), int(m[5:])) for m in labels})
    bt = backtest(series)
    assert bt["wape"]["workday_naive"] == pytest.approx(0.0)
    assert bt["wape"]["naive"] > 0.02
    fc = forecast_next(series, "2026-09")
    assert fc.value == pytest.approx(10.0 * workdays(2026, 9))


def test_two_months_ahead_is_backtested_two_months_ahead():
    series = daily_model_series("2023-10", 26, random.Random(3))   # 2023-10 .. 2025-11
    fc = forecast_next(series, "2026-01")
    assert fc.horizon == 2
    bt = backtest(series, horizon=2)
    last6 = list(series.index[-6:])
    assert bt["months"] == last6
    values = series.to_dict()
    # each month forecast from the data up to two months before it
    method_err = sum(abs(values[m] - combined_value(series[series.index < m].iloc[:-1], m))
                     for m in last6)
    naive_err = sum(abs(values[m] - values[series.index[series.index.get_loc(m) - 2]])
                    for m in last6)
    total = sum(values[m] for m in last6)
    assert bt["wape"]["combined"] == pytest.approx(method_err / total)
    assert bt["wape"]["naive"] == pytest.approx(naive_err / total)
    assert fc.backtest_wape == pytest.approx(bt["wape"][fc.method_key])
    assert bt["wape"]["combined"] != pytest.approx(backtest(series)["wape"]["combined"])


def test_fourteen_months_compare_with_seasonal_naive_on_the_two_comparable_months():
    series = daily_model_series("2024-10", 14, random.Random(4))
    fc = forecast_next(series, "2025-12")
    assert fc.seasonal_naive_wape is not None
    assert fc.backtest_months == 2
    assert "只有 2 个月有去年同月数据" in fc.note
    bt = backtest(series)
    assert bt["months"] == ["2025-10", "2025-11"]
    assert len(bt["rows"]) == 6


def test_thirteen_months_fall_back_to_naive_last_month_and_say_so():
    series = daily_model_series("2024-10", 13, random.Random(5))
    fc = forecast_next(series, "2025-11")
    assert fc.naive_method == NAIVE and fc.seasonal_naive_wape is None
    assert fc.backtest_months == 6
    assert "只与上月销量作了比较" in fc.note


def test_short_history_forecasts_from_the_recent_level_and_says_so():
    series = pd.Series(dict(zip(months("2026-01", 8), [100, 110, 90, 105, 95, 100, 98, 102],
                                strict=True)))
    fc = forecast_next(series, "2026-09")
    assert fc.method_key not in ("seasonal_naive", "seasonal_ratio", "yoy_growth")
    assert "8 个月" in fc.note and "去年同月" in fc.note
    assert fc.naive_method == NAIVE
    assert fc.backtest_months == 5          # months 4-8: each has 3 months before it
    assert 90 <= fc.value <= 110
    assert fc.low < fc.value < fc.high


def test_one_month_of_history():
    fc = forecast_next(pd.Series({"2026-10": 500.0}), "2026-11")
    assert fc.value == 500.0
    assert fc.backtest_months == 0 and fc.backtest_wape is None
    assert "无法检验" in fc.note


# -- an incomplete last month -------------------------------------------------------------------

def test_a_month_the_data_do_not_cover_to_its_end_is_left_out():
    series = daily_model_series("2024-10", 26, random.Random(8))      # 2024-10 .. 2026-11
    cut = series.copy()
    cut["2026-11"] = round(series["2026-11"] * 19 / 20)    # orders to Friday the 27th, Monday the 30th missing
    fc = forecast_next(cut, "2026-12", data_end="2026-11-27")
    from_october = forecast_next(series[:"2026-10"], "2026-12")
    assert (fc.value, fc.low, fc.high) == (from_october.value, from_october.low, from_october.high)
    assert fc.backtest_wape == from_october.backtest_wape and fc.backtest_months == 6
    assert fc.partial_month == "2026-11" and fc.horizon == 2
    assert "2026年11月" in fc.note and "11 月 27 日" in fc.note and "提前 2 个月" in fc.note
    # Without the end date the short month is taken at face value, one month ahead.
    taken_as_complete = forecast_next(cut, "2026-12")
    assert taken_as_complete.partial_month is None and taken_as_complete.horizon == 1
    assert taken_as_complete.value != fc.value
    # Months after the data's end (zeros in a report's series) are left out too.
    padded = pd.concat([cut, pd.Series({"2026-12": 0.0})])
    assert forecast_next(padded, "2027-01", data_end="2026-11-27").horizon == 3


def test_the_backtest_covers_the_last_complete_months():
    series = daily_model_series("2024-10", 26, random.Random(9))
    bt = backtest(series, data_end=date(2026, 11, 27))
    assert bt["months"] == months("2026-05", 6) and bt["partial_month"] == "2026-11"
    assert bt["wape"] == backtest(series[:"2026-10"])["wape"]


@pytest.mark.parametrize(("data_end", "partial"), [
    ("2026-11-27", "2026-11"),        # a Friday; Monday the 30th is still to come
    ("2026-11-30", None),             # the month's last day
    ("2026-10-30", None),             # a Friday; only the weekend is left
    ("2026-10-30T17:45:00", None),
    (date(2026, 10, 29), "2026-10"),
])
def test_a_month_is_complete_when_no_working_day_of_it_is_left(data_end, partial):
    last = data_end if isinstance(data_end, date) else date.fromisoformat(data_end[:10])
    series = pd.Series(dict.fromkeys(months(f"{last.year - 1}-{last.month:02d}", 13), 100.0))
    assert backtest(series, data_end=data_end)["partial_month"] == partial


def test_a_holiday_calendar_decides_what_is_left_of_the_month():
    # The 2025 Spring Festival holiday ran from Tuesday January 28 to February 4: orders to
    # Monday January 27 cover January.
    holidays = {date(2025, 1, 28) + timedelta(days=k) for k in range(8)}
    series = pd.Series(dict.fromkeys(months("2024-01", 13), 100.0))
    assert backtest(series, data_end="2025-01-27")["partial_month"] == "2025-01"
    assert backtest(series, data_end="2025-01-27",
                    is_workday=lambda d: d.weekday() < 5 and d not in holidays
                    )["partial_month"] is None


def test_short_history_with_an_incomplete_month_compares_with_the_last_complete_month():
    series = pd.Series(dict(zip(months("2026-03", 9), [100, 110, 90, 105, 95, 100, 98, 102, 40],
                                strict=True)))
    fc = forecast_next(series, "2026-12", data_end="2026-11-10")
    assert fc.partial_month == "2026-11" and fc.horizon == 2
    assert fc.naive_method == NAIVE and "只与上月销量" not in fc.note
    assert 90 <= fc.value <= 110          # the 40 of ten days is not taken for a month


def test_no_complete_month_or_a_bad_end_date():
    with pytest.raises(UsageError, match="没有完整月份的销售历史"):
        forecast_next(pd.Series({"2026-11": 500.0}), "2026-12", data_end="2026-11-20")
    with pytest.raises(UsageError, match="无效的数据截止日期"):
        forecast_next(pd.Series({"2026-11": 500.0}), "2026-12", data_end="27/11/2026")


# -- what the method does ----------------------------------------------------------------------

def test_spring_festival_moving_from_january_to_february():
    """2025's festival (Jan 29) put the stocking peak in January; 2026's (Feb 17) splits it."""
    truth = daily_model_series("2024-01", 26, random.Random(0), noise=0.0)
    history = truth[:"2025-12"]
    jan = forecast_next(history, "2026-01").value
    assert abs(jan - truth["2026-01"]) < 0.5 * abs(truth["2025-01"] * 1.04 - truth["2026-01"])
    feb = forecast_next(truth[:"2026-01"], "2026-02").value
    assert abs(feb - truth["2026-02"]) < 0.5 * abs(truth["2025-02"] * 1.04 - truth["2026-02"])
    # January falls and February rises against last year, as the festival moved later.
    assert jan < truth["2025-01"] and feb > truth["2025-02"]


def test_beats_seasonal_naive_on_realistic_series():
    rng = random.Random(42)
    method_err = naive_err = actual = 0.0
    for _ in range(12):
        series = daily_model_series("2024-01", 26, rng, noise=rng.uniform(0.03, 0.08),
                                    growth=rng.gauss(0.02, 0.05))
        for target in series.index[14:]:
            history = series[:target].iloc[-15:-1]      # the usual 14 months
            fc = forecast_next(history, target)
            year_ago = series[str(pd.Period(target, freq="M") - 12)]
            method_err += abs(series[target] - fc.value)
            naive_err += abs(series[target] - year_ago)
            actual += series[target]
    assert method_err / actual < 0.85 * naive_err / actual


def test_interval_widens_with_noise():
    calm = daily_model_series("2024-01", 26, random.Random(6), noise=0.02)
    rough = daily_model_series("2024-01", 26, random.Random(6), noise=0.20)
    fc_calm, fc_rough = forecast_next(calm, "2026-03"), forecast_next(rough, "2026-03")
    for fc in (fc_calm, fc_rough):
        assert 0 <= fc.low < fc.value < fc.high
    assert (fc_rough.high - fc_rough.low) / fc_rough.value > (fc_calm.high - fc_calm.low) / fc_calm.value


def test_growth_is_carried_forward():
    # 20% a year, no seasonality, no noise: seasonal naive is a year behind.
    labels = months("2025-01", 15)
    series = pd.Series({m: 1000 * 1.2 ** (i / 12) for i, m in enumerate(labels)})
    history, truth = series.iloc[:14], series.iloc[14]
    fc = forecast_next(history, labels[14])
    year_ago = series.iloc[2]
    assert year_ago < fc.value < truth * 1.01
    assert truth - fc.value < 0.6 * (truth - year_ago)


def test_the_spring_festival_is_named_only_in_a_january_or_february_forecast():
    """The report prints the method's name: "1-2月按春节日期拆分" under a December forecast
    tells the area manager of a split that was not made."""
    for m in METHODS:
        for target in (2026 * 12 + 0, 2026 * 12 + 1):  # January, February (index = year*12 + month-1)
            assert method_name(m.key, target) == METHOD_NAMES[m.key]
        for target in range(2026 * 12 + 2, 2026 * 12 + 12):
            assert "春节" not in method_name(m.key, target)
            assert method_name(m.key, target).count("（") == method_name(m.key, target).count("）")
    assert method_name("combined", 2026 * 12 + 11) == "去年同月按同比增幅推算并参考近期水平"
    assert method_name("yoy_growth", 2026 * 12 + 10) == "去年同月销量乘以近几个月的同比增幅（按工作日校正）"
