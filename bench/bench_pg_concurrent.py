"""10 managers importing a month each into one PostgreSQL database at the same time, against
one alone (issue 18: "finish within 2x of one alone").

    python bench/bench_pg_concurrent.py [--managers 10] [--month 2026-10]
                                        [--url postgresql://user@host:port/db] [--out bench/out]

Generates (once, with bench/gen_city.py's generators) a city of --managers managers at the
city's scale per manager (270 customers each, ~17,000 order lines a month) and one orders CSV
per manager for --month; then, each through the real CLI as its own process
(`cmgr --db URL import orders FILE`), into a fresh database holding the roster:
- the managers' files one after another: each one alone (its wall time, process start
  included), and their sum;
- into another fresh database, all of them at once (10 processes started together): the wall
  time until the last has finished.
Prints one alone (the median), all at once, their ratio, and the CPU the processes used (the
bound on a machine of few cores: 10 imports' parsing cannot take less than their CPU seconds
divided by the cores). The database is --url's (dropped and created again: give one for
benchmarks only), else a throwaway server started here with tests/pg_server.py.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

CUSTOMERS_EACH = 270  # the city's 27,000 customers for 100 managers


def make_files(out: Path, managers: int, month: str) -> tuple[Path, list[Path]]:
    """The roster and one orders CSV per manager for `month` (written once)."""
    import gen_city

    folder = out / f"pg_concurrent_{managers}_{month}"
    roster = folder / "customers.xlsx"
    files = [folder / f"orders_{i:02d}_{month}.csv" for i in range(managers)]
    if roster.exists() and all(f.exists() for f in files):
        return roster, files
    folder.mkdir(parents=True, exist_ok=True)
    print(f"generating {managers} managers' {month} orders with bench/gen_city.py ...", flush=True)
    city = gen_city.build_city(CUSTOMERS_EACH * managers, managers)
    gen_city.write_customers(roster, city)
    manager_of = {c.code: c.manager for c in city.customers}
    index = {name: i for i, name in enumerate(city.managers)}
    year, mon = (int(x) for x in month.split("-"))
    first, last = gen_city._month_bounds(year, mon)
    rows: list[list[tuple]] = [[] for _ in range(managers)]
    for row in gen_city.iter_order_rows(city, first, last):
        rows[index[manager_of[row[2]]]].append(row)
    for i, path in enumerate(files):
        n = gen_city.write_orders_csv(path, iter(rows[i]), encoding="gb18030",
                                      title=f"卷烟订单明细表（{city.managers[i]}）",
                                      period=f"{first.isoformat()} 至 {last.isoformat()}")
        print(f"  {path.name}: {n:,} lines", flush=True)
    return roster, files


def cmgr(url: str, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMGR_")}
    env.update(CMGR_CONFIG="", PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "cmgr", "-q", "--db", url, *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen, what: str) -> None:
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed (exit {proc.returncode}):\n{err[-2000:]}")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--managers", type=int, default=10)
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--url", help="a PostgreSQL server's database to use (dropped and created)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    roster, files = make_files(args.out, args.managers, args.month)
    server = None
    if args.url:
        from urllib.parse import urlsplit, urlunsplit

        import psycopg

        parts = urlsplit(args.url)
        base = parts.path.lstrip("/")
        admin = urlunsplit(parts._replace(path="/postgres"))

        def fresh(name: str) -> str:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{base}_{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{base}_{name}"')
            return urlunsplit(parts._replace(path=f"/{base}_{name}"))
    else:
        from tests import pg_server

        server, why = pg_server.start()
        if server is None:
            raise SystemExit(f"no PostgreSQL server: {why} (give --url)")

        def fresh(name: str) -> str:
            server.psql(f"DROP DATABASE IF EXISTS bench_{name} WITH (FORCE)")
            server.psql(f"CREATE DATABASE bench_{name}")
            return server.url(f"bench_{name}")
    try:
        cores = os.cpu_count() or 1
        started = time.perf_counter()
        finished(cmgr(fresh("start"), "--help"), "cmgr --help")
        print(f"cmgr start-up (--help): {time.perf_counter() - started:.2f} s", flush=True)

        url = fresh("serial")
        finished(cmgr(url, "import", "customers", str(roster)), "the roster's import")
        alone, cpu_before = [], children_cpu()
        for path in files:
            started = time.perf_counter()
            finished(cmgr(url, "import", "orders", str(path)), f"import {path.name}")
            alone.append(time.perf_counter() - started)
        serial_cpu = children_cpu() - cpu_before

        url = fresh("together")
        finished(cmgr(url, "import", "customers", str(roster)), "the roster's import")
        cpu_before = children_cpu()
        started = time.perf_counter()
        procs = [cmgr(url, "import", "orders", str(path)) for path in files]
        for proc, path in zip(procs, files, strict=True):
            finished(proc, f"import {path.name}")
        together = time.perf_counter() - started
        together_cpu = children_cpu() - cpu_before

        import psycopg

        with psycopg.connect(url) as conn:
            stored = conn.execute("SELECT count(*) FROM order_lines").fetchone()[0]
        one = statistics.median(alone)
        print(f"one alone (median of {len(alone)}): {one:6.2f} s  (each: "
              f"{', '.join(f'{s:.2f}' for s in alone)}; one after another: {sum(alone):.2f} s, "
              f"client CPU {serial_cpu:.1f} s)")
        print(f"{len(files)} at once:                {together:6.2f} s  "
              f"(client CPU {together_cpu:.1f} s; {stored:,} lines stored)")
        print(f"ratio (at once / one alone):  {together / one:6.2f}  (target <= 2: "
              f"{'met' if together <= 2 * one else 'NOT met'}); at once / one after another: "
              f"{together / sum(alone):.2f}")
        print(f"bound on {cores} cores: the processes' CPU alone needs >= "
              f"{together_cpu / cores:.2f} s, i.e. {together_cpu / cores / one:.2f}x one alone "
              f"(the server's own CPU comes on top)")
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
