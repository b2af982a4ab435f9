"""Benchmark the settlement import at city scale, and `cmgr settlements` / `cmgr kpi --all
--rank` on the sample territory (and, with --city, on the city), start-up included.

    python bench/bench_settlements.py [--rows 1000000] [--repeat 3] [--city] [--out bench/out]

- A settlement export of --rows rows for the city's 27,000 customers (bench/gen_city.py's
  roster; one row per weekly order from 2026-01-05 on, 扣款状态 in the export's forms, ~3 %
  failed, retries, the last week partly 未扣款), written once as a shared-strings .xlsx
  and a GB18030 CSV, each with title, export-date and 合计 rows; each import timed in a
  fresh child process into a fresh database (bench_import.py's machinery), then a re-import.
- The sample territory built by `cmgr demo`; the whole commands timed, best of 5.
- --city: the city roster, the 1M-line orders CSV (bench_import.py's) and the settlements
  in one database; the same commands timed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_import  # noqa: E402  (run_child, fresh_db)
import gen_city  # noqa: E402
from xlsx_stream import XlsxStreamWriter, column_letter  # noqa: E402

HEADER = ("扣款流水号", "客户编码", "客户名称", "订单编号", "订货日期", "应结金额(元)", "扣款状态",
          "扣款时间", "失败原因")
PAID = ("扣款成功", "成功", "已结算")
FAILED = ("扣款失败", "余额不足", "失败")
PENDING = ("未扣款", "待扣款")

# bench_import.py's child, timing wall and CPU seconds of the import alone (the machine may be
# shared: CPU seconds do not grow with other people's load, wall seconds do).
CHILD = """
import json, sys, time, resource
import pandas
from cmgr.store.db import open_database
from cmgr.jobs.ingest import import_file
db = open_database(sys.argv[1])
t, c = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
r = import_file(db, sys.argv[3] if len(sys.argv) > 3 else "settlements", sys.argv[2])
seconds = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "cpu": u.ru_utime + u.ru_stime - c.ru_utime - c.ru_stime,
                  "read": r.rows_read, "stored": r.stored, "rejected": r.rejected,
                  "skipped": r.skipped, "rss_mb": u.ru_maxrss / 1024}))
"""


def settlement_rows(n_rows: int, seed: int = 27000):
    """--rows settlement rows for the city's customers, by week from 2026-01-05."""
    city = gen_city.build_city(27_000, 100, seed)
    rng = random.Random(f"{seed}-bench-settlements")
    monday = dt.date(2026, 1, 5)
    end = gen_city.sample.ORDERS_END
    serial = 0
    emitted = 0
    while monday <= end:
        for c in city.customers:
            day = monday + dt.timedelta(days=c.route.weekday)
            if day > end:
                continue
            serial += 1
            order_id = f"{day:%Y%m%d}{serial:07d}"
            amount = round(rng.uniform(300, 9000), 2)
            attempts = 1
            roll = rng.random()
            if roll < 0.03:
                attempts = 2 if rng.random() < 0.7 else 1
            for k in range(attempts):
                last = k == attempts - 1
                if (end - day).days < 3 and rng.random() < 0.1:
                    status, at, reason = rng.choice(PENDING), "", ""
                elif roll < 0.03 and not (last and attempts == 2):
                    status = rng.choice(FAILED)
                    at = f"{day.isoformat()} 19:{rng.randint(0, 59):02d}:00"
                    reason = "" if status == "余额不足" else "账户余额不足"
                else:
                    status = rng.choice(PAID)
                    at = f"{day.isoformat()} 18:{rng.randint(0, 59):02d}:00"
                    reason = ""
                yield (f"JS{serial:09d}{k}", c.code, c.name, order_id, day, amount, status, at,
                       reason)
                emitted += 1
                if emitted >= n_rows:
                    return
        monday += dt.timedelta(days=7)


def write_files(n_rows: int, xlsx: Path, csv_path: Path) -> None:
    rows = list(settlement_rows(n_rows))
    total = round(sum(r[5] for r in rows), 2)
    n_cols = len(HEADER)
    title = [["电子结算扣款明细（全市）"] + [None] * (n_cols - 1),
             [f"统计期间：2026-01-05 至 2026-11-27    {gen_city.sample.EXPORT_DATE_TEXT}"]
             + [None] * (n_cols - 1)]
    footer = ["合计", f"共{len(rows)}笔", None, None, None, total, None, None, None]

    def sheet_rows():
        yield from title
        yield list(HEADER)
        for r in rows:
            yield [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7] or None, r[8] or None]
        yield footer

    with XlsxStreamWriter(xlsx, shared_strings=True) as writer:
        writer.write_sheet("扣款明细", sheet_rows(), merges=[f"A1:{column_letter(n_cols - 1)}1"],
                           n_rows=len(rows) + 4, n_cols=n_cols, title_rows=1)
    with open(csv_path, "w", encoding="gb18030", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow([title[0][0]])
        out.writerow([title[1][0]])
        out.writerow(HEADER)
        out.writerows((r[0], r[1], r[2], r[3], r[4].isoformat(), f"{r[5]:.2f}", r[6], r[7], r[8])
                      for r in rows)
        out.writerow(["" if v is None else v for v in footer])


def cmgr(db: Path, *args: str, check: bool = True) -> tuple[float, float]:
    """Wall and CPU seconds of one whole command, start-up included."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cmgr", "-q", "--db", str(db), *args],
                   capture_output=True, env=dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200"),
                   check=check)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def best(db: Path, args: list[str], n: int = 5) -> str:
    runs = [cmgr(db, *args) for _ in range(n)]
    return (f"{min(w for w, _ in runs):.3f} s wall (best of {n}), "
            f"{min(c for _, c in runs):.3f} s CPU")


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def ensure_city_orders(out: Path) -> Path:
    """bench_import.py's 1M-line orders CSV and the city roster (bench/gen_city.py), once."""
    orders, roster = out / "city_orders_1m.csv", out / "city_customers.xlsx"
    if not (orders.exists() and roster.exists()):
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_city.py"), "--out", str(out),
                        "--only", "customers,orders-csv"], check=True)
    return orders


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--city", action="store_true", help="also time the commands on the city")
    ap.add_argument("--orders-too", action="store_true",
                    help="also time bench_import.py's 1M-line orders CSV under the same load")
    args = ap.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    tag = gen_city._rows_tag(args.rows)
    xlsx, csv_path = out / f"city_settlements_{tag}.xlsx", out / f"city_settlements_{tag}.csv"
    if not (xlsx.exists() and csv_path.exists()):
        t = time.perf_counter()
        write_files(args.rows, xlsx, csv_path)
        print(f"wrote {xlsx.name} and {csv_path.name} in {time.perf_counter() - t:.0f} s",
              flush=True)
    print(f"machine: {os.cpu_count()} cores, load average {load_average()} at the start")
    print(f"{'what':44} {'rows':>10} {'wall s':>7} {'CPU s':>7} {'rows/s':>9} {'RSS MB':>7}")
    for label, path in (("import settlements, xlsx shared strings", xlsx),
                        ("import settlements, csv GB18030", csv_path)):
        runs = sorted((bench_import.run_child(CHILD, str(bench_import.fresh_db(out / "bench_settle.db")),
                                              str(path)) for _ in range(max(1, args.repeat))),
                      key=lambda r: r["seconds"])
        r = runs[len(runs) // 2]
        print(f"{label:44} {r['read']:>10,} {r['seconds']:>7.2f} {r['cpu']:>7.2f} "
              f"{r['read'] / r['seconds']:>9,.0f} {r['rss_mb']:>7,.0f}   (median of {len(runs)}: "
              f"{runs[0]['seconds']:.2f}-{runs[-1]['seconds']:.2f} s; {r['stored']:,} stored, "
              f"{r['rejected']} rejected)", flush=True)
    r = bench_import.run_child(CHILD, str(out / "bench_settle.db"), str(csv_path))
    print(f"{'re-import, all unchanged, csv':44} {r['read']:>10,} {r['seconds']:>7.2f} "
          f"{r['cpu']:>7.2f} {r['read'] / r['seconds']:>9,.0f} {r['rss_mb']:>7,.0f}", flush=True)
    if args.orders_too:
        orders = ensure_city_orders(out)
        r = bench_import.run_child(CHILD, str(bench_import.fresh_db(out / "bench_settle_o.db")),
                                   str(orders), "orders")
        print(f"{'for comparison: import orders, csv GB18030':44} {r['read']:>10,} "
              f"{r['seconds']:>7.2f} {r['cpu']:>7.2f} {r['read'] / r['seconds']:>9,.0f} "
              f"{r['rss_mb']:>7,.0f}", flush=True)

    demo_dir = out / "settle-demo"
    demo_db = demo_dir / "demo.db"
    if not demo_db.exists():
        subprocess.run([sys.executable, "-m", "cmgr", "-q", "demo", "--dir", str(demo_dir)],
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True, capture_output=True)
    print("\nsample territory (cmgr demo), whole command with start-up, best of 5:")
    for argv in (["settlements", "--date", "2026-11-27"], ["settlements"],
                 ["kpi", "--all", "--rank"], ["kpi", "--rank", "--manager", "王建国"],
                 ["--help"]):
        print(f"  cmgr {' '.join(argv):40} {best(demo_db, argv)}", flush=True)

    if args.city:
        city_db = out / "settle-city.db"
        orders = ensure_city_orders(out)
        roster = out / "city_customers.xlsx"
        if not city_db.exists():
            for kind, path in (("customers", roster), ("orders", orders), ("settlements", csv_path)):
                cmgr(city_db, "import", kind, str(path))
        print("\ncity (27,000 customers, 100 managers, 1M order lines, "
              f"{args.rows:,} settlement rows), best of 3:")
        for argv in (["settlements", "--date", "2026-11-27"],
                     ["settlements", "--date", "2026-11-27", "--manager", "-"],
                     ["kpi", "--month", "2026-11", "--all", "--rank"]):
            if "-" in argv:
                import sqlite3

                name = sqlite3.connect(city_db).execute(
                    "SELECT manager FROM customers LIMIT 1").fetchone()[0]
                argv = [a if a != "-" else name for a in argv]
            print(f"  cmgr {' '.join(argv):50} {best(city_db, argv, 3)}", flush=True)
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
