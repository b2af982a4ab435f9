"""Benchmark `cmgr monthly-report`: one manager (14 months) and `--all` for a city.

    python bench/bench_report.py [--db bench/out/report_city.db] [--managers 100]
                                 [--customers-per-manager 250] [--lines-per-order 16]
                                 [--regenerate] [--format docx] [--skip-city] [--skip-sample]
                                 [--repeat 5] [--no-bytecode-cache]

1. One manager, the sample territory (王建国, ~250 customers, 14 months Oct 2025 - Nov 2026):
   a fresh demo database from sample_data/, then `cmgr monthly-report` as a user runs it
   (a new process; wall clock, every format; the median of --repeat runs, with the range
   and the machine's load, which on a shared machine moves the figure by a second).
2. The city: 100 managers x 250 customers, weekly orders of ~16 lines over the same 14
   months, ~24 million order lines, generated straight into SQLite by INSERT ... SELECT
   (deterministic integer hashing, no Python per row; ~1.5 GB, kept in bench/out/, never
   committed). Then `--all`: the database side (store.monthly queries into DataFrames), the
   report figures (core.monthly, forecasts included) and rendering are timed apart, in
   process; and one manager of the city through the CLI, wall clock.

3. `--one NAME`: only NAME's report of --db, which may be a PostgreSQL URL (issue 18), each run
   a new process; the median and range of --repeat runs, the CPU seconds (the process and
   its chart process) and the load. Nothing is generated or written to the database:

       python bench/bench_report.py --db /tmp/city.db --one 经理042 --month 2026-11
       python bench/bench_report.py --db 'postgresql://u@/city?host=/tmp/s' --one 经理042

Every command timed runs as an installed cmgr would, with its bytecode (.pyc) read from a
cache under bench/out/pycache that an untimed first run fills; --no-bytecode-cache times
them compiling every module, as a checkout does under PYTHONDONTWRITEBYTECODE=1 (about
0.1 s more for one report).

Targets (issues 15, 18): one manager's docx < 2 s wall on either backend; --all for the city
< 2 minutes, start-up included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PY = sys.executable
FIRST_MONDAY = "2025-09-29"   # the Monday before 2025-10-01
WEEKS = 62                    # to 2026-12-06; lines after 2026-11-30 are not generated
LAST_DAY = "2026-11-30"
# (code, name, wholesale 元/条, permille of orders holding it): ~16 lines per order.
N_SKUS = 60
# Month-of-year factor: stocking up before the Spring Festival (2026-02-17) in January
# and early February, 中秋/国庆 in September, a slack March.
SEASON = {1: 1.35, 2: 1.05, 3: 0.80, 4: 0.97, 5: 0.95, 6: 1.0, 7: 1.0, 8: 0.98, 9: 1.20,
          10: 0.95, 11: 0.97, 12: 1.10}


# Bytecode: an installed cmgr has its .pyc files (pip compiles them), a checkout run with
# PYTHONDONTWRITEBYTECODE=1 (this machine sets it) compiles cmgr's ~60 modules in every
# process, about 0.1 s of a report. By default the commands timed here read and write their
# bytecode under bench/out/pycache (PYTHONPYCACHEPREFIX; a warm-up run fills it), as an
# installed package reads its own; --no-bytecode-cache times them compiling, as run here.
BYTECODE_CACHE = ROOT / "bench" / "out" / "pycache"
_bytecode = {"cache": True}


def cli_env(env: dict | None = None) -> dict:
    out = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    if _bytecode["cache"]:
        out.pop("PYTHONDONTWRITEBYTECODE", None)
        out["PYTHONPYCACHEPREFIX"] = str(BYTECODE_CACHE)
    else:
        out["PYTHONDONTWRITEBYTECODE"] = "1"
        out.pop("PYTHONPYCACHEPREFIX", None)
    return out


def bytecode_words() -> str:
    return (f"bytecode cached in {BYTECODE_CACHE.relative_to(ROOT)} (as installed)"
            if _bytecode["cache"] else "no bytecode cache (every module compiled in every run)")


def run_cli(args: list[str], env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run([PY, "-m", "cmgr", *args], capture_output=True, text=True,
                          env=cli_env(env), cwd=ROOT)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"cmgr {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed, proc


def bench_sample(out: Path, repeat: int = 5) -> None:
    print(f"== one manager, sample territory (14 months); {bytecode_words()} ==")
    demo = out / "sample"
    shutil.rmtree(demo, ignore_errors=True)
    demo.mkdir(parents=True)
    db = demo / "demo.db"
    seconds, _ = run_cli(["--db", str(db), "demo", "--dir", str(demo)])
    print(f"  cmgr demo (imports + every demo job): {seconds:.1f} s")
    for fmt in ("docx", "html", "md", "xlsx", "json"):
        run_cli(["--db", str(db), "monthly-report", "--manager", "王建国", "--month", "2026-11",
                 "--format", fmt, "--out", str(demo / f"report.{fmt}")])  # warm-up, not timed
        runs = sorted(run_cli(["--db", str(db), "monthly-report", "--manager", "王建国",
                               "--month", "2026-11", "--format", fmt,
                               "--out", str(demo / f"report.{fmt}")])[0] for _ in range(repeat))
        print(f"  cmgr monthly-report --manager 王建国 --month 2026-11 --format {fmt:5}: "
              f"median {statistics.median(runs):.2f} s wall of {repeat} "
              f"({runs[0]:.2f}-{runs[-1]:.2f}), load {os.getloadavg()[0]:.1f}")


def generate_city(path: Path, managers: int, per_manager: int, lines_per_order: int) -> None:
    """The city database, straight into SQLite (schema from cmgr's migrations)."""
    from cmgr.store.db import open_database

    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    open_database(path).close()
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -3000000")  # 3 GB: the index b-trees stay in memory
    con.execute("PRAGMA temp_store = MEMORY")
    started = time.perf_counter()
    con.execute("BEGIN")
    skus = []
    for i in range(N_SKUS):
        # Prices spread over the five 价类; popular mid-priced specs, rare top and bottom ones.
        price = round([260.0, 180.0, 120.0, 95.0, 80.0, 60.0, 45.0, 35.0, 25.0, 18.0, 12.0,
                       8.0][i % 12] * (1 + (i % 5) * 0.03), 2)
        permille = int(1000 * lines_per_order / N_SKUS * (0.4 + 1.2 * ((i * 37) % 11) / 10))
        skus.append((f"69010{i:08d}", f"品规{i:02d}", price, min(1000, permille)))
    con.execute("CREATE TEMP TABLE sku(id INTEGER PRIMARY KEY, code TEXT, name TEXT, price REAL, "
                "permille INTEGER)")
    con.executemany("INSERT INTO sku(code, name, price, permille) VALUES (?, ?, ?, ?)", skus)
    con.executemany("INSERT INTO prices(sku_code, sku_name, wholesale_price, retail_guide_price) "
                    "VALUES (?, ?, ?, ?)", [(c, n, p, round(p * 1.12, 2)) for c, n, p, _ in skus])
    con.execute("CREATE TEMP TABLE season(month TEXT PRIMARY KEY, factor REAL)")
    con.executemany("INSERT INTO season VALUES (?, ?)", [(f"{m:02d}", f) for m, f in SEASON.items()])
    rows = []
    for m in range(managers):
        for k in range(per_manager):
            n = m * per_manager + k
            grade = 1 + (n * 7919) % 30
            joined = f"2026-11-{1 + n % 28:02d}" if n % 97 == 0 else "2020-01-01"
            rows.append((f"53{n:08d}", f"商店{n:05d}", grade, f"经理{m:03d}", f"线路{m:03d}-{k % 5}",
                         joined, n % 5))
    con.executemany("INSERT INTO customers(customer_code, customer_name, grade, manager, route, "
                    "joined_on, business_type) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("COMMIT")
    # One INSERT ... SELECT per manager, each its own transaction. A customer orders once a
    # week on its route's weekday; each cigarette is in the order with its permille, decided
    # by integer hashing of (customer, week, cigarette); quantities scale with the grade and
    # the season. n % 53 == 0 customers stop ordering in November (断订).
    insert = f"""
        WITH RECURSIVE weeks(w) AS (SELECT 0 UNION ALL SELECT w + 1 FROM weeks WHERE w < {WEEKS - 1}),
        orders AS (
            SELECT c.rowid AS n, c.customer_code AS code, c.grade AS grade, w,
                   date('{FIRST_MONDAY}', '+' || (w * 7 + c.rowid % 5) || ' days') AS d
            FROM customers c, weeks WHERE c.manager = ?),
        picked AS (
            SELECT o.code, o.w, o.d, s.code AS sku, s.name, s.price,
                   max(1, CAST((1 + o.grade / 6.0) * z.factor
                               * (1 + ((o.n * 131 + o.w * 71 + s.id * 29) % 9)) / 2.0 AS INTEGER)) AS qty
            FROM orders o JOIN sku s JOIN season z ON z.month = substr(o.d, 6, 2)
            WHERE o.d >= '2025-10-01' AND o.d <= '{LAST_DAY}'
              AND NOT (o.n % 53 = 0 AND o.d >= '2026-11-01')
              AND ((o.n * 2654435761 + o.w * 40503 + s.id * 2246822519) % 1000) < s.permille)
        INSERT INTO order_lines(line_key, order_id, order_date, customer_code, sku_code, sku_name,
                                wholesale_price, qty, amount)
        SELECT code || '-' || w || '|' || sku, code || '-' || w, d, code, sku, name, price, qty,
               round(qty * price, 2)
        FROM picked ORDER BY code, w, sku
    """
    for m in range(managers):
        con.execute("BEGIN")
        con.execute(insert, (f"经理{m:03d}",))
        con.execute("COMMIT")
        if m % 10 == 9:
            n = con.execute("SELECT max(id) FROM order_lines").fetchone()[0]
            print(f"  generated {m + 1}/{managers} managers, {n:,} lines, "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def bench_city(path: Path, fmt: str, out: Path) -> None:
    from cmgr.config import load_config
    from cmgr.jobs.monthly_report import make_reports, write_run
    from cmgr.store.db import open_database

    db = open_database(path)
    lines = db.scalar("SELECT count(*) FROM order_lines")
    customers = db.scalar("SELECT count(*) FROM customers")
    size = path.stat().st_size / 1e9
    print(f"== the city: {customers:,} customers, {lines:,} order lines, {size:.2f} GB ==")
    cfg = load_config(None, overrides={"database.path": str(path)})
    started = time.perf_counter()
    run = make_reports(db, cfg, "2026-11", None)
    total = time.perf_counter() - started
    print(f"  --all, database side (store.monthly queries -> DataFrames): "
          f"{run.timings['query_s']:.1f} s")
    print(f"  --all, report figures for {len(run.reports)} managers (core.monthly, forecasts): "
          f"{run.timings['compute_s']:.1f} s")
    target = out / "city"
    shutil.rmtree(target, ignore_errors=True)
    write_run(run, fmt, target / "{manager}-{month}.{format}")
    print(f"  --all, rendering {len(run.reports)} {fmt} reports + the area summary: "
          f"{run.timings['render_s']:.1f} s")
    print(f"  --all, total in process: {total + run.timings['render_s']:.1f} s")
    db.close()
    seconds, proc = run_cli(["-v", "--db", str(path), "monthly-report", "--all", "--month",
                             "2026-11", "--format", fmt, "--out",
                             str(target / "cli-{manager}.{format}")])
    split = next((line for line in proc.stderr.splitlines() if "query_s" in line), "")
    print(f"  cmgr monthly-report --all --format {fmt} (new process): {seconds:.1f} s wall "
          f"({split.strip()})")
    one = f"经理{len(run.reports) // 2:03d}"
    seconds, _ = run_cli(["--db", str(path), "monthly-report", "--manager", one,
                          "--month", "2026-11", "--format", fmt,
                          "--out", str(target / "one.{format}")])
    print(f"  cmgr monthly-report --manager {one} --format {fmt} (new process): "
          f"{seconds:.2f} s wall")


def bench_one(db: str, manager: str, month: str, fmt: str, repeat: int, out: Path) -> None:
    """One manager's report of `db` (a file or a URL), as a user runs it: wall clock of a new
    process, start-up included; CPU of the process and of the chart process it waited for."""
    import resource

    print(f"== one manager of {db}: {manager}, {month}, {fmt}; {bytecode_words()} ==")
    walls, cpus, loads = [], [], []
    run_cli(["--db", db, "monthly-report", "--manager", manager, "--month", month, "--format",
             fmt, "--out", str(out / f"one.{fmt}")])  # warm-up (bytecode, page cache), not timed
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds, _ = run_cli(["--db", db, "monthly-report", "--manager", manager, "--month",
                              month, "--format", fmt, "--out", str(out / f"one.{fmt}")])
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(seconds)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        loads.append(os.getloadavg()[0])
    walls.sort()
    print(f"  cmgr --db DB monthly-report --manager {manager} --month {month} --format {fmt}: "
          f"median {statistics.median(walls):.2f} s wall of {repeat} "
          f"({walls[0]:.2f}-{walls[-1]:.2f}), CPU {statistics.median(cpus):.2f} s, "
          f"load {min(loads):.1f}-{max(loads):.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "bench" / "out" / "report_city.db"),
                        help="the city database (with --one: any database, or a PostgreSQL URL)")
    parser.add_argument("--one", metavar="MANAGER",
                        help="time only this manager's report of --db, as it is")
    parser.add_argument("--month", default="2026-11", help="the report's month for --one")
    parser.add_argument("--managers", type=int, default=100)
    parser.add_argument("--customers-per-manager", type=int, default=250)
    parser.add_argument("--lines-per-order", type=int, default=16)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--format", default="docx")
    parser.add_argument("--skip-city", action="store_true")
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of each one-manager command; the median is quoted")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="run the commands with PYTHONDONTWRITEBYTECODE=1: every module "
                             "compiled in every run (an installed package has its .pyc)")
    args = parser.parse_args(argv)
    _bytecode["cache"] = not args.no_bytecode_cache
    if args.one:
        out = ROOT / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        bench_one(args.db, args.one, args.month, args.format, args.repeat, out)
        return
    args.db = Path(args.db)
    out = args.db.parent
    out.mkdir(parents=True, exist_ok=True)
    if not args.skip_sample:
        bench_sample(out, args.repeat)
    if args.skip_city:
        return
    if args.regenerate or not args.db.exists():
        print(f"generating {args.db} ...")
        started = time.perf_counter()
        generate_city(args.db, args.managers, args.customers_per_manager, args.lines_per_order)
        print(f"  generated in {time.perf_counter() - started:.0f} s")
    bench_city(args.db, args.format, out)


if __name__ == "__main__":
    main()
