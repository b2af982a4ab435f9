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
Prints one alone (the median), all at once, their ratio, and beside it the ratio's lower
limit on this machine: the CPU seconds the 10 client processes and the server spent during
the run at once, over the cores, over one alone's wall time (no schedule can finish sooner
with the cores to itself). While they run, the server's sessions are sampled
(pg_stat_activity, every 0.1 s): what the imports' sessions were doing, so waits for locks
show. The server's CPU is read from /proc for a server on this machine (the throwaway one,
or --url's when its data directory is readable), else left out (said so). The database is
--url's (dropped and created again: give one for benchmarks only), else a throwaway server
started here with tests/pg_server.py.
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
    # Each in its own session, as ten managers' commands are (their own terminals, their own
    # machines): with the kernel's autogroup scheduling (sched_autogroup_enabled) one session's
    # processes share one session's slice of a busy machine, so ten children of this one
    # would get no more CPU at once than one alone, and measure the machine's other work.
    return subprocess.Popen([sys.executable, "-m", "cmgr", "-q", "--db", url, *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def finished(proc: subprocess.Popen, what: str) -> None:
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed (exit {proc.returncode}):\n{err[-2000:]}")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ticks(pid: int, reaped: bool = False) -> int:
    """A process's CPU in clock ticks (user + system; with its reaped children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15 if reaped else 13])


def server_cpu(postmaster: int | None) -> float | None:
    """CPU seconds the PostgreSQL server has used so far: the postmaster with the backends
    that have ended (reaped: counted in its children's time) and those still running."""
    if postmaster is None:
        return None
    try:
        ticks = _ticks(postmaster, reaped=True)
        for child in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split():
            try:
                ticks += _ticks(int(child))
            except (OSError, ValueError):
                pass  # ended meanwhile: in the postmaster's reaped time by the next reading
    except OSError:
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def postmaster_pid(url: str, data_dir: Path | None) -> int | None:
    """The server's postmaster on this machine, from its data directory's postmaster.pid."""
    import psycopg

    try:
        if data_dir is None:
            with psycopg.connect(url) as conn:
                data_dir = Path(conn.execute("SHOW data_directory").fetchone()[0])
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        Path(f"/proc/{pid}/stat").read_text()
        return pid
    except (OSError, ValueError, IndexError, psycopg.Error):
        return None


class Sampler:
    """What the cmgr sessions are doing, every `every` seconds, on a thread: counts of
    (state, wait event) over the samples of the imports' sessions."""

    def __init__(self, url: str, every: float = 0.1) -> None:
        import collections
        import threading

        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.counts: collections.Counter = collections.Counter()
        self.every, self._stop = every, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for state, wait_type, wait, query in self.conn.execute(
                    "SELECT state, wait_event_type, wait_event, left(query, 30) "
                    "FROM pg_stat_activity WHERE application_name = 'cmgr' "
                    "AND pid <> pg_backend_pid()").fetchall():
                what = state if not wait_type or wait_type == "Client" else f"{wait_type}:{wait}"
                if state == "active":
                    what = f"active {wait_type}:{wait}" if wait_type else "active (running)"
                    what += f" [{' '.join((query or '').split()[:2])}]"
                self.counts[what] += 1
            self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.conn.close()

    def report(self) -> str:
        total = sum(self.counts.values()) or 1
        return "\n".join(f"  {n / total:6.1%}  {what}" for what, n in self.counts.most_common(12))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--managers", type=int, default=10)
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--url", help="a PostgreSQL server's database to use (dropped and created)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = ap.parse_args()
    roster, files = make_files(args.out, args.managers, args.month)
    from bench.pg_databases import bench_databases

    with bench_databases(args.url, "concurrent") as pg:
        fresh, data_dir = pg.fresh, pg.data_dir
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
        postmaster = postmaster_pid(url, data_dir)
        with Sampler(url) as sampler:
            cpu_before, server_before = children_cpu(), server_cpu(postmaster)
            started = time.perf_counter()
            procs = [cmgr(url, "import", "orders", str(path)) for path in files]
            for proc, path in zip(procs, files, strict=True):
                finished(proc, f"import {path.name}")
            together = time.perf_counter() - started
            together_cpu = children_cpu() - cpu_before
            server_after = server_cpu(postmaster)
        # the sampler's own session and queries are in the server's CPU too: a few ms a sample
        server_used = (None if server_before is None or server_after is None
                       else server_after - server_before)

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
        if server_used is None:
            print(f"lower limit on {cores} cores: >= {together_cpu / cores / one:.2f}x one alone "
                  f"(the clients' CPU only: the server's is not readable here)")
        else:
            limit = (together_cpu + server_used) / cores
            print(f"lower limit of the ratio on {cores} cores: {limit / one:6.2f}  ((client CPU "
                  f"{together_cpu:.1f} s + server CPU {server_used:.1f} s) / {cores} cores = "
                  f"{limit:.2f} s, over one alone); measured {together / one:.2f} = "
                  f"{together / limit:.2f}x the limit")
        print(f"the imports' server sessions, sampled every 0.1 s while all ran:\n{sampler.report()}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
