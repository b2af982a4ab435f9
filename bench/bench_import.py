"""Benchmark `cmgr import orders` at city scale, against the naive pandas path, side by side.

    python bench/bench_import.py [--rows 1000000] [--naive-rows 100000] [--repeat 3] [--out bench/out]

Generates (once, with bench/gen_city.py) a 1M-row orders .xlsx in both string layouts (shared
strings as Excel/WPS save them; inline strings as big system exports write them) and a 1M-row
GB18030 CSV, then times, each in a fresh child process so peak RSS is the import's own:
- cmgr's import (read, validate, dedupe, store) of each file into a fresh database;
- the naive path, pandas.read_excel(engine="openpyxl") + DataFrame.to_sql, on --naive-rows rows;
- `cmgr --help` start-up.
Prints one table of wall seconds, rows/s and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Both children import pandas before their clock starts (the naive side needs it to begin),
# so the two are timed from the same point; each then loads its own readers on the clock.
# The whole `cmgr import` command, start-up included, is timed separately.
CHILD_CMGR = """
import json, sys, time, resource
import pandas
from cmgr.store.db import open_database
from cmgr.jobs.ingest import import_file
db = open_database(sys.argv[1])
t = time.perf_counter()
r = import_file(db, "orders", sys.argv[2])
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "read": r.rows_read, "stored": r.stored,
                  "rejected": r.rejected, "skipped": r.skipped,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHILD_NAIVE = """
import json, sys, time, resource, sqlite3
import pandas as pd
t = time.perf_counter()
df = pd.read_excel(sys.argv[2], engine="openpyxl", skiprows=2, nrows=int(sys.argv[3]))
con = sqlite3.connect(sys.argv[1])
df.to_sql("order_lines", con, if_exists="append", index=False)
con.commit()
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "read": len(df), "stored": len(df), "rejected": 0,
                  "skipped": 0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(code: str, *args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_db(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def whole_command(db: Path, path: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cmgr", "-q", "--db", str(db), "import", "orders", str(path)],
                   capture_output=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True)
    return time.perf_counter() - t


def help_startup(repeats: int = 5) -> float:
    best = 1e9
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cmgr", "--help"], capture_output=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--naive-rows", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each cmgr import; the median is reported, with the range")
    args = ap.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    tag = f"{args.rows // 1_000_000}m" if args.rows % 1_000_000 == 0 else (
        f"{args.rows // 1000}k" if args.rows % 1000 == 0 else str(args.rows))
    files = {
        "xlsx shared strings": out / f"city_orders_{tag}_shared.xlsx",
        "xlsx inline strings": out / f"city_orders_{tag}_inline.xlsx",
        "csv GB18030": out / f"city_orders_{tag}.csv",
    }
    if not all(p.exists() for p in files.values()):
        print("generating city files with bench/gen_city.py ...", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_city.py"), "--out", str(out),
                        "--order-rows", str(args.rows), "--only", "orders-xlsx,orders-csv"],
                       check=True)
    rows = []
    spread = {}
    for label, path in files.items():
        runs = sorted((run_child(CHILD_CMGR, str(fresh_db(out / "bench_import.db")), str(path))
                       for _ in range(max(1, args.repeat))), key=lambda r: r["seconds"])
        r = runs[len(runs) // 2]
        rows.append((f"cmgr import, {label}", r))
        spread[rows[-1][0]] = (runs[0]["seconds"], runs[-1]["seconds"])
        print(f"{rows[-1][0]}: median {r['seconds']:.2f} s of {len(runs)} "
              f"({runs[0]['seconds']:.2f}-{runs[-1]['seconds']:.2f})", flush=True)
    command = whole_command(fresh_db(out / "bench_import.db"), files["csv GB18030"])
    r = run_child(CHILD_CMGR, str(out / "bench_import.db"), str(files["xlsx shared strings"]))
    rows.append(("cmgr re-import (all unchanged), xlsx shared", r))
    naive = {}
    for layout in ("xlsx shared strings", "xlsx inline strings"):
        naive[layout] = run_child(CHILD_NAIVE, str(fresh_db(out / "bench_naive.db")),
                                  str(files[layout]), str(args.naive_rows))
        rows.append((f"naive read_excel+to_sql, {layout}, {args.naive_rows:,} rows", naive[layout]))
    startup = help_startup()

    print()
    print(f"{'what':58} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak RSS MB':>12}")
    for label, r in rows:
        rate = r["read"] / r["seconds"] if r["seconds"] else 0
        print(f"{label:58} {r['read']:>10,} {r['seconds']:>8.2f} {rate:>10,.0f} {r['rss_mb']:>12,.0f}")
    print()
    for label, (low, high) in spread.items():
        print(f"{label}: {low:.2f}-{high:.2f} s over {max(1, args.repeat)} runs (median above)")
    print(f"whole `cmgr import orders` command on the GB18030 CSV, start-up included: {command:.2f} s")
    for i, layout in enumerate(("xlsx shared strings", "xlsx inline strings")):
        cmgr_rate = rows[i][1]["read"] / rows[i][1]["seconds"]
        naive_rate = naive[layout]["read"] / naive[layout]["seconds"]
        print(f"cmgr vs naive ({layout}): {cmgr_rate / naive_rate:.1f}x faster per row")
    print(f"`cmgr --help` start-up: {startup:.3f} s (best of 5)")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; "
          f"bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
