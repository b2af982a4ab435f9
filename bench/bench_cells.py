"""Time the vectorised cell parsers on 1,000,000-value columns, clean and 2% messy.

    python bench/bench_cells.py [--rows 1000000] [--repeat 2]

Columns are shaped like what the readers hand over: object columns of str (python-calamine,
csv), pandas "str" columns (fastexcel, pyarrow), float64 serials and datetime64 columns.
"Messy" replaces 2% of the cells, at random, by the awkward forms real exports carry.
Prints the best of --repeat runs as seconds and rows/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cmgr.sources.cells import (  # noqa: E402
    parse_code_series,
    parse_date_series,
    parse_date_series_iso,
    parse_int_series,
    parse_number_series,
    parse_text_series,
)

MESSY_SHARE = 0.02


def _messy(values: list[object], forms: list[object], rng: random.Random) -> list[object]:
    out = list(values)
    for i in rng.sample(range(len(out)), int(len(out) * MESSY_SHARE)):
        out[i] = rng.choice(forms)
    return out


def build_columns(rows: int, seed: int = 7) -> list[tuple[str, str, pd.Series]]:
    """(parser name, column description, Series) for each case."""
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    start = dt.date(2025, 10, 1)
    days = [(start + dt.timedelta(days=int(d))).isoformat() for d in nprng.integers(0, 400, rows)]
    stamps = [f"{d} {h:02d}:{m:02d}:{s:02d}" for d, h, m, s in zip(
        days, nprng.integers(8, 18, rows), nprng.integers(0, 60, rows),
        nprng.integers(0, 60, rows), strict=True)]
    serials = nprng.integers(45900, 46300, rows).astype(np.float64)
    prices = [f"{p:.2f}" for p in nprng.choice(nprng.uniform(10, 300, 40), rows)]
    amounts = [f"{a:.2f}" for a in nprng.uniform(10, 50000, rows)]
    grouped = [f"{a:,.2f}" for a in nprng.uniform(10, 50000, rows)]
    qty = [str(q) for q in nprng.integers(1, 60, rows)]
    customers = [f"{c:012d}" for c in nprng.integers(320100000000, 320100027000, rows)]
    order_ids = [f"DD{i:010d}" for i in range(rows)]
    names = [f" 零售户{c % 27000}号烟酒店 " for c in nprng.integers(0, 10**9, rows)]
    notes = [f"检查价格，{i}号店陈列良好" for i in range(rows)]

    messy_dates = ["2026年11月3日", "20261103", "2026/11/3", "２０２６-１１-０３", "2026-02-30",
                   "—", 46329, dt.date(2026, 11, 3)]
    messy_numbers = ["1,234.50", "12条", "二十", "¥23", "１２", "—", "abc", "23元/条", 12.5]
    messy_ints = ["12档", "二十", "12.0", "１２", "—", "12.5", 7]
    messy_codes = [" 320100000123 ", "３２０１００００００１２", "5.32001E+11", '="0123"', "—",
                   320100000123.0]
    messy_text = ["\u3000张三\u3000", "—", "无", "张\xa0三", 12, dt.date(2026, 11, 3)]

    def obj(values: list[object]) -> pd.Series:
        return pd.Series(values, dtype=object)

    return [
        ("date_iso", "ISO text, 400 distinct", obj(days)),
        ("date_iso", "ISO text, 400 distinct, str dtype", pd.Series(days, dtype="str")),
        ("date_iso", "ISO text + 2% messy", obj(_messy(days, messy_dates, rng))),
        ("date_iso", "timestamps, ~all distinct", obj(stamps)),
        ("date_iso", "timestamps + 2% messy", obj(_messy(stamps, messy_dates, rng))),
        ("date_iso", "Excel serials, float64", pd.Series(serials)),
        ("date_iso", "serials + 2% messy, object", obj(_messy(serials.tolist(), messy_dates,
                                                              rng))),
        ("date_iso", "datetime64 column", pd.Series(pd.to_datetime(stamps))),
        ("date", "ISO text -> datetime.date", obj(days)),
        ("number", "prices, 40 distinct", obj(prices)),
        ("number", "amounts, ~all distinct", obj(amounts)),
        ("number", "amounts, str dtype", pd.Series(amounts, dtype="str")),
        ("number", "amounts + 2% messy", obj(_messy(amounts, messy_numbers, rng))),
        ("number", "amounts, all 1,234.50", obj(grouped)),
        ("number", "float64 column", pd.Series(nprng.uniform(10, 50000, rows))),
        ("int", "quantities", obj(qty)),
        ("int", "quantities + 2% messy", obj(_messy(qty, messy_ints, rng))),
        ("code", "customer codes, 27k distinct", obj(customers)),
        ("code", "customer codes + 2% messy", obj(_messy(customers, messy_codes, rng))),
        ("code", "order ids, all distinct", obj(order_ids)),
        ("code", "order ids, str dtype", pd.Series(order_ids, dtype="str")),
        ("code", "numeric codes, float64", pd.Series(np.array(customers, dtype=np.int64)
                                                     .astype(np.float64))),
        ("text", "names, 27k distinct", obj(names)),
        ("text", "names + 2% messy", obj(_messy(names, messy_text, rng))),
        ("text", "notes, all distinct", obj(notes)),
    ]


PARSERS = {
    "date": parse_date_series,
    "date_iso": parse_date_series_iso,
    "number": parse_number_series,
    "int": parse_int_series,
    "code": parse_code_series,
    "text": parse_text_series,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    t0 = time.perf_counter()
    columns = build_columns(args.rows)
    print(f"built {len(columns)} columns of {args.rows:,} values in "
          f"{time.perf_counter() - t0:.1f} s; pandas {pd.__version__}, numpy {np.__version__}")
    print(f"{'parser':<9} {'column':<36} {'seconds':>8} {'rows/s':>12} {'bad':>7}")
    for name, label, series in columns:
        best = float("inf")
        bad_count = 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            _, bad = PARSERS[name](series)
            best = min(best, time.perf_counter() - start)
            bad_count = int(bad.sum())
        print(f"{name:<9} {label:<36} {best:>8.3f} {args.rows / best:>12,.0f} {bad_count:>7,}")


if __name__ == "__main__":
    main()
