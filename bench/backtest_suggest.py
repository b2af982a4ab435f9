"""Backtest of the order suggestion (cmgr.core.suggest) against two naive rules.

    python bench/backtest_suggest.py [--city-customers 1000] [--city-managers 10] [--no-city]

For each customer, its last 8 order days: the suggestion for that day is made from the orders
before it only, and compared, cigarette by cigarette, with what the customer actually ordered
that day. WAPE = sum |suggested - ordered| / sum ordered, in 条, over every (customer, day,
cigarette) where either is non-zero. Side by side:
- "same as the last order": each cigarette's quantity on the customer's previous order day;
- "average of the last 4 orders": its mean over the previous 4 order days (0 where absent).

Data: the sample territory (sample_data/, imported as `cmgr demo` does, into a scratch
database) and the city generator's (bench/gen_city.py, generated in memory at a reduced size:
--city-customers customers, the months the backtest needs: Jun-Nov 2026 for the history and
the days tested, Jun-Nov 2025 for last year's season).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cmgr.core.suggest import SeasonIndex, suggest_order  # noqa: E402

LAST_DAYS = 8


def last_order(history: list[tuple[str, str, float]], day: str) -> dict[str, float]:
    days = sorted({d for d, _, _ in history if d < day})
    if not days:
        return {}
    out: dict[str, float] = defaultdict(float)
    for d, sku, q in history:
        if d == days[-1]:
            out[sku] += q
    return out


def average_of_last(history: list[tuple[str, str, float]], day: str, n: int = 4) -> dict[str, float]:
    days = sorted({d for d, _, _ in history if d < day})[-n:]
    if not days:
        return {}
    keep = set(days)
    out: dict[str, float] = defaultdict(float)
    for d, sku, q in history:
        if d in keep:
            out[sku] += q / len(days)
    return out


def backtest(lines_by_customer: dict[str, list[tuple[str, str, float]]],
             season: SeasonIndex | None, last_days: int = LAST_DAYS,
             until: str | None = None) -> dict[str, float]:
    """WAPE of each method over each customer's last `last_days` order days (up to `until`
    when given), and the counts behind them."""
    err = {"suggestion": 0.0, "last order": 0.0, "average of last 4": 0.0}
    actual_total = 0.0
    cases = 0
    for code, history in lines_by_customer.items():
        history.sort()
        days = sorted({d for d, _, _ in history if until is None or d <= until})
        for day in days[-last_days:]:
            if day == days[0]:
                continue  # nothing before it to suggest from
            actual: dict[str, float] = defaultdict(float)
            for d, sku, q in history:
                if d == day:
                    actual[sku] += q
            past = [h for h in history if h[0] < day]
            s = suggest_order(code, past, dt.date.fromisoformat(day), season=season)
            predictions = {
                "suggestion": {line.sku_code: line.suggested for line in s.lines},
                "last order": last_order(past, day),
                "average of last 4": average_of_last(past, day),
            }
            for name, pred in predictions.items():
                for sku in set(pred) | set(actual):
                    err[name] += abs(pred.get(sku, 0.0) - actual.get(sku, 0.0))
            actual_total += sum(actual.values())
            cases += 1
    out = {name: e / actual_total for name, e in err.items()}
    out["order days"] = cases
    out["customers"] = len(lines_by_customer)
    out["qty"] = actual_total
    return out


def sample_territory() -> tuple[dict, SeasonIndex]:
    """The sample exports imported as `cmgr demo` imports them, into a scratch database."""
    from cmgr.cli.demo_cmd import SAMPLE_IMPORTS
    from cmgr.config import read_mapping_file
    from cmgr.jobs.ingest import import_files
    from cmgr.store.db import open_database

    sample = ROOT / "sample_data"
    folder = Path(tempfile.mkdtemp(prefix="cmgr-backtest-"))
    db = open_database(folder / "sample.db")
    mapping = read_mapping_file(sample / "mapping-example.toml")
    for kind, patterns in SAMPLE_IMPORTS:
        if kind not in ("customers", "prices", "orders"):
            continue
        files = sorted({p for pat in patterns for p in sample.glob(pat)})
        for r in import_files(db, kind, files, mapping=mapping):
            if r.error:
                raise r.error
    by_customer: dict[str, list] = defaultdict(list)
    daily: dict[str, float] = defaultdict(float)
    for code, day, sku, qty in db.query(
            "SELECT customer_code, order_date, sku_code, qty FROM order_lines"):
        by_customer[code].append((day, sku, float(qty)))
        daily[day] += float(qty)
    db.close()
    return by_customer, SeasonIndex(daily)


def city(n_customers: int, n_managers: int) -> tuple[dict, SeasonIndex]:
    sys.path.insert(0, str(ROOT / "bench"))
    import gen_city

    c = gen_city.build_city(n_customers, n_managers)
    by_customer: dict[str, list] = defaultdict(list)
    daily: dict[str, float] = defaultdict(float)
    spans = ((dt.date(2025, 6, 1), dt.date(2025, 11, 30), False),
             (dt.date(2026, 6, 1), gen_city.sample.ORDERS_END, True))
    for first, last, keep in spans:
        for row in gen_city.iter_order_rows(c, first, last):
            day = row[1].isoformat()
            daily[day] += row[7]
            if keep:
                by_customer[row[2]].append((day, row[4], float(row[7])))
    return by_customer, SeasonIndex(daily)


def show(title: str, result: dict, seconds: float) -> None:
    print(f"\n{title}: {result['customers']:,} customers, {result['order days']:,} order days, "
          f"{result['qty']:,.0f} 条 ordered ({seconds:.1f} s)")
    print(f"  {'method':34} {'WAPE (条)':>10}")
    for name in ("suggestion", "suggestion, no season", "last order", "average of last 4"):
        if name not in result:
            continue
        label = {"suggestion": "cmgr suggest", "last order": "same as the last order",
                 "suggestion, no season": "cmgr suggest without the season",
                 "average of last 4": "average of the last 4 orders"}[name]
        print(f"  {label:34} {100 * result[name]:>9.1f}%")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--city-customers", type=int, default=1000)
    ap.add_argument("--city-managers", type=int, default=10)
    ap.add_argument("--no-city", action="store_true")
    args = ap.parse_args()
    beaten = True
    t = time.perf_counter()
    lines, season = sample_territory()
    result = backtest(lines, season)
    show("sample territory (sample_data/)", result, time.perf_counter() - t)
    beaten &= result["suggestion"] < min(result["last order"], result["average of last 4"])
    # Around 春节 (2026-02-17), where last year's season matters most: the suggestion with it
    # and without it.
    for until, words in (("2026-02-16", "the eve of 春节 2026-02-17"),
                         ("2026-03-20", "a month after 春节")):
        t = time.perf_counter()
        result = backtest(lines, season, until=until)
        result["suggestion, no season"] = backtest(lines, None, until=until)["suggestion"]
        show(f"sample territory, the last 8 order days up to {until} ({words})", result,
             time.perf_counter() - t)
        beaten &= result["suggestion"] < min(result["last order"], result["average of last 4"])
    if not args.no_city:
        t = time.perf_counter()
        lines, season = city(args.city_customers, args.city_managers)
        result = backtest(lines, season)
        show(f"city generator (bench/gen_city.py, {args.city_customers:,} customers, "
             f"{args.city_managers} managers)", result, time.perf_counter() - t)
        beaten &= result["suggestion"] < min(result["last order"], result["average of last 4"])
    print("\nthe suggestion beats both rules" if beaten else "\nTHE SUGGESTION DOES NOT BEAT BOTH")
    return 0 if beaten else 1


if __name__ == "__main__":
    sys.exit(main())
