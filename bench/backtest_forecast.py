"""Backtest the monthly forecaster on seeded synthetic territories.

Each territory's monthly sales (条) come from a daily model, not from the
forecaster's own assumptions: a level with a yearly trend and a slow random
walk, a month-of-year profile (中秋/国庆 gifts in September, a slack March), a
pre-festival stocking ramp of random length and height that ends on the
Spring Festival (2023-01-22, 2024-02-10, 2025-01-29, 2026-02-17, 2027-02-06),
a post-festival lull of random length and depth, and monthly noise.

Every month from 2025-03 to 2027-02 is forecast one step ahead, the way the
monthly report does it, from (a) the last 14 months only, the usual history,
and (b) all months since 2023-01. Printed: mean over territories of WAPE for
the forecaster and for seasonal naive, overall and for January+February, the
share of territories where the forecaster wins, and the coverage of the 80%
interval.

Two scenarios: "default" (a mild month-of-year profile, a stocking ramp that
peaks on the eve, 3-10% noise) and "strong" (a stronger profile with a low
December, a flat stocking window, 5-15% noise).

With --sample DB the same comparison runs on a database instead, the way the
monthly report reads it (cmgr.jobs.monthly_report.load): one manager's monthly 条
and 金额, in total and by price class, each of the last 6 complete months
forecast from the months before it (the month the orders end in is left out
when the data do not reach its last working day), the forecaster next to
seasonal naive and naive last month; then the same 2 months ahead, as the
report forecasts when its month is incomplete. Build the database from the
bundled sample data with `python -m cmgr --db X demo --dir Y`.

    python bench/backtest_forecast.py [--territories 100] [--seed 7]
    python bench/backtest_forecast.py --sample /tmp/demo/demo.db [--manager 王建国]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cmgr.core.forecast import SPRING_FESTIVAL, backtest, forecast_next  # noqa: E402

FIRST = (2023, 1)
LAST = (2027, 2)
EVAL_FROM = (2025, 3)
# Month-of-year profile outside the festival effect (Jan..Dec).
PROFILE = [1.00, 1.00, 0.90, 0.96, 1.00, 0.97, 1.00, 1.02, 1.12, 1.06, 0.98, 0.96]
# "strong": a stronger profile (year-end quota control in December, a bigger
# September), a flat-topped stocking window and more noise, to check that the
# forecaster does not rely on the mild default.
STRONG_PROFILE = [1.05, 1.00, 0.85, 0.95, 1.00, 0.92, 0.95, 1.00, 1.25, 1.10, 1.00, 0.80]


def _months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    y, m = first
    while (y, m) <= last:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def make_territory(rng: random.Random, scenario: str = "default") -> dict[str, float]:
    """One territory's monthly 条, keyed 'YYYY-MM'."""
    strong = scenario == "strong"
    daily = rng.lognormvariate(math.log(1200), 0.5)
    growth = rng.gauss(0.02, 0.05)                 # yearly trend
    profile = [p * (1 + rng.gauss(0, 0.03)) for p in (STRONG_PROFILE if strong else PROFILE)]
    ramp_days = rng.randint(14, 35)                 # stocking up before the festival
    peak = rng.uniform(0.8, 2.2)                    # extra sales on the eve, linear ramp up to it
    flat = strong                                   # strong: the whole window at 60% of the peak
    lull_days = rng.randint(6, 20)
    lull_depth = rng.uniform(0.3, 0.8)
    noise = rng.uniform(0.05, 0.15) if strong else rng.uniform(0.03, 0.10)
    walk = 0.0
    series = {}
    start = date(*FIRST, 1)
    for y, m in _months(FIRST, LAST):
        walk += rng.gauss(0, 0.01)
        total = 0.0
        day = date(y, m, 1)
        while day.month == m:
            years = (day - start).days / 365.25
            weight = 1.0
            for fy in (y - 1, y, y + 1):
                festival = SPRING_FESTIVAL[fy] if fy in SPRING_FESTIVAL else None
                if festival is None:
                    continue
                before = (festival - day).days
                if 0 < before <= ramp_days:
                    weight += peak * (0.6 if flat else 1 - (before - 1) / ramp_days)
                elif 0 <= -before < lull_days:
                    weight -= lull_depth * (1 - (-before) / lull_days)
            total += daily * math.exp(growth * years + walk) * profile[m - 1] * weight
            day += timedelta(days=1)
        series[f"{y:04d}-{m:02d}"] = round(total * math.exp(rng.gauss(0, noise)))
    return series


def evaluate(territories: list[dict[str, float]], history: int | None) -> dict:
    targets = [f"{y:04d}-{m:02d}" for y, m in _months(EVAL_FROM, LAST)]
    wapes, naive_wapes, jf, jf_naive, wins, covered, n = [], [], [], [], 0, 0, 0
    for series in territories:
        keys = list(series)
        err = err_naive = act = 0.0
        jf_err = jf_err_naive = jf_act = 0.0
        for target in targets:
            i = keys.index(target)
            lo = 0 if history is None else max(0, i - history)
            past = {k: series[k] for k in keys[lo:i]}
            fc = forecast_next(past, target)
            actual = series[target]
            year_ago = series[keys[i - 12]]
            err += abs(actual - fc.value)
            err_naive += abs(actual - year_ago)
            act += actual
            if target[5:] in ("01", "02"):
                jf_err += abs(actual - fc.value)
                jf_err_naive += abs(actual - year_ago)
                jf_act += actual
            covered += fc.low <= actual <= fc.high
            n += 1
        wapes.append(err / act)
        naive_wapes.append(err_naive / act)
        jf.append(jf_err / jf_act)
        jf_naive.append(jf_err_naive / jf_act)
        wins += err < err_naive
    k = len(territories)
    return {
        "wape": sum(wapes) / k, "naive": sum(naive_wapes) / k,
        "jf": sum(jf) / k, "jf_naive": sum(jf_naive) / k,
        "wins": wins / k, "coverage": covered / n, "forecasts": n,
    }


def sample_series(db_path: Path, manager: str | None):
    """(first and last order date, [(manager, {(measure, price class or "合计"): {month:
    value}})]) from a cmgr database, loaded as the monthly report loads it; every manager
    when `manager` is None."""
    from cmgr.config import load_config
    from cmgr.core.monthly import UNCLASSIFIED, months_between
    from cmgr.jobs.managers import resolve_managers
    from cmgr.jobs.monthly_report import load
    from cmgr.store.db import open_database

    cfg = load_config(None, overrides={"database.path": str(db_path)})
    db = open_database(cfg.db_path)
    try:
        from cmgr.store import monthly as store

        first, last = store.order_span(db)
        if last is None:
            raise SystemExit(f"{db_path}: no orders")
        names = resolve_managers(db, [manager] if manager else [], manager is None)
        loaded = load(db, cfg, last[:7], names)[0]
    finally:
        db.close()
    out = []
    for data in loaded:
        sm = data.sku_months
        if not len(sm):
            continue
        sm = sm.assign(price_class=sm["sku_code"].astype(str).map(data.sku_classes)
                       .fillna(UNCLASSIFIED))
        months = months_between(sm["month"].min(), last[:7])
        series = {}
        for measure in ("qty", "amount"):
            groups = [("合计", sm)] + [(name, sm[sm["price_class"] == name])
                                      for name in cfg.price_classes.names]
            for name, frame in groups:
                sums = frame.groupby("month")[measure].sum()
                series[measure, name] = {m: float(sums.get(m, 0.0)) for m in months}
        out.append((data.manager, series))
    return first, last, out


def sample_main(db_path: Path, manager: str | None, calendar: bool) -> None:
    """Per manager and series: the two simple rules, the old offered forecast (the fixed
    combination, "before") and the method chosen by backtest ("after"), on the same months."""
    is_workday = None
    if calendar:
        from cmgr.core.workdays import WorkCalendar

        is_workday = WorkCalendar().is_workday
    first, last, managers = sample_series(db_path, manager)
    print(f"{db_path}: orders {first} .. {last}, {len(managers)} manager(s)")
    worse = checked = 0
    before_sum = after_sum = base_sum = oos_sum = 0.0
    for name, series in managers:
        # As the report forecasts the month after the data: two months ahead when the data's
        # last month is incomplete.
        horizon = 1
        bt0 = backtest(series["qty", "合计"], data_end=last, is_workday=is_workday)
        if bt0["partial_month"]:
            horizon = 2
            bt0 = backtest(series["qty", "合计"], data_end=last, is_workday=is_workday,
                           horizon=2)
        print()
        print(f"{name}: {len(series['qty', '合计'])} months, {horizon}-step rolling origin over "
              f"{', '.join(bt0['months'])}"
              + (f" ({bt0['partial_month']} left out: the orders end on {last})"
                 if bt0["partial_month"] else ""))
        print(f"  {'measure':<8}{'class':<6}{'share':>7}{'last mo.':>9}{'seas.naive':>11}"
              f"{'before':>8}{'after':>8}{'a.oos':>7}  chosen")
        totals = {}
        for (measure, group), values in series.items():
            bt = backtest(values, data_end=last, is_workday=is_workday, horizon=horizon)
            actual = sum(r["actual"] for r in bt["rows"] if r["month"] in bt["months"])
            totals.setdefault(measure, actual)   # the first group is the total
            if not actual:
                continue
            w = bt["wape"]
            after = w[bt["offered"]]
            simple = [x for x in (w["naive"], w["seasonal_naive"]) if x is not None]
            ok = after is not None and all(after <= x + 1e-12 for x in simple)
            checked += 1
            worse += not ok
            if group == "合计":
                before_sum += w["combined"] or 0.0
                after_sum += after or 0.0
                base_sum += min(simple) if simple else 0.0
            oos = _out_of_sample(values, bt["months"], is_workday, horizon)
            if group == "合计":
                oos_sum += oos or 0.0
            print(f"  {measure:<8}{group:<6}{actual / totals[measure]:>7.1%}"
                  f"{_pct(w['naive']):>9}{_pct(w['seasonal_naive']):>11}"
                  f"{_pct(w['combined']):>8}{_pct(after):>8}{_pct(oos):>7}  {bt['offered']}"
                  + ("" if ok else "  WORSE THAN A SIMPLE RULE"))
    n = 2 * len(managers)
    print()
    print(f"series checked: {checked}; offered forecast worse than min(last month, seasonal "
          f"naive): {worse}")
    if n:
        print(f"mean over managers' totals (qty and amount): best simple rule "
              f"{base_sum / n:.1%}, before {before_sum / n:.1%}, after {after_sum / n:.1%}, "
              f"after out of sample {oos_sum / n:.1%}")
    print("WAPE = sum|forecast - actual| / sum(actual) over the months listed; last mo.: the "
          "last complete month; seas.naive: the same month a year before (n/a: not on enough "
          "months); before: the fixed combination the report offered until now; after: the "
          "method the report now offers, chosen by this backtest among cmgr.core.forecast."
          "METHODS; a.oos: the forecast the report would have offered in each of those months, "
          "its method chosen on the months before it only (out of sample).")


def _out_of_sample(values: dict, months: list[str], is_workday, horizon: int) -> float | None:
    """WAPE over `months` of forecast_next made `horizon` months before each."""
    keys = sorted(values)
    err = total = 0.0
    for month in months:
        past = {k: values[k] for k in keys[:max(0, keys.index(month) - horizon + 1)]}
        try:
            fc = forecast_next(past, month, is_workday=is_workday)
        except Exception:  # noqa: BLE001 - too little history at that origin
            return None
        err += abs(values[month] - fc.value)
        total += values[month]
    return err / total if total else None


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territories", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=Path, metavar="DB",
                        help="backtest on a cmgr database (e.g. the one `cmgr demo` builds)")
    parser.add_argument("--manager", help="with --sample: one manager (default: every one)")
    parser.add_argument("--mon-fri", action="store_true", help="with --sample: count working "
                        "days Monday to Friday instead of the holiday calendar")
    args = parser.parse_args(argv)
    if args.sample:
        sample_main(args.sample, args.manager, not args.mon_fri)
        return
    print(f"{args.territories} synthetic territories per scenario, seed {args.seed}, "
          f"one-step forecasts of every month {EVAL_FROM[0]}-{EVAL_FROM[1]:02d}.."
          f"{LAST[0]}-{LAST[1]:02d}")
    print(f"{'scenario':<10}{'history':<16}{'WAPE':>7}{'seas.naive':>12}"
          f"{'Jan+Feb':>9}{'s.naive':>9}{'wins':>6}{'80% cov.':>10}{'ms/fc':>7}")
    for scenario in ("default", "strong"):
        rng = random.Random(args.seed)
        territories = [make_territory(rng, scenario) for _ in range(args.territories)]
        for label, history in (("last 14 months", 14), ("since 2023-01", None)):
            started = time.perf_counter()
            r = evaluate(territories, history)
            ms = (time.perf_counter() - started) * 1000 / r["forecasts"]
            print(f"{scenario:<10}{label:<16}{r['wape']:>7.1%}{r['naive']:>12.1%}"
                  f"{r['jf']:>9.1%}{r['jf_naive']:>9.1%}{r['wins']:>6.0%}"
                  f"{r['coverage']:>10.0%}{ms:>7.2f}")
    print()
    print("What the monthly report would print for 2027-03 (backtest(), the 6 months to 2027-02):")
    for scenario in ("default", "strong"):
        rng = random.Random(args.seed)
        territories = [make_territory(rng, scenario) for _ in range(args.territories)]
        for label, history in (("last 14 months", 14), ("since 2023-01", None)):
            results = [backtest(dict(list(t.items())[-history:] if history else t))
                       for t in territories]
            def mean(key, rs=results):
                return sum(key(r) for r in rs) / len(rs)

            print(f"  {scenario:<8} {label:<15} over {len(results[0]['months'])} months: "
                  f"offered {mean(lambda r: r['wape'][r['offered']]):.1%}, "
                  f"last month {mean(lambda r: r['wape']['naive']):.1%}, "
                  f"seasonal naive {mean(lambda r: r['wape']['seasonal_naive'] or 0):.1%}, "
                  f"old combination {mean(lambda r: r['wape']['combined']):.1%}")
    print()
    print("WAPE: mean over territories of sum|error| / sum(actual), the forecaster then seasonal "
          "naive (same month last year). Jan+Feb: the same over January and February only. "
          "wins: territories where the forecaster's WAPE is lower. 80% cov.: share of actuals "
          "inside the 80% interval. ms/fc: per forecast, including its own 6-month backtest.")


if __name__ == "__main__":
    main()
