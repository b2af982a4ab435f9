"""Benchmark `cmgr plan-week`: wall time as a user runs it, and the tours' km against OR-Tools.

    python bench/bench_plan.py [--out bench/out] [--ortools-seconds 10] [--runs 3]
                               [--skip-city] [--skip-ratio] [--rebuild]

1. The sample territory (王建国, sample_data/, ~250 customers) and a 300-customer territory
   (sample_data/generate.py --customers 300): databases built once with the importer, then
   `cmgr plan-week --week 2026-W49 -m 王建国` in a new process, wall clock including start-up
   (json to stdout, and the printable xlsx written), best and median of --runs.
2. The km of each plan's tours against OR-Tools' routing solver given --ortools-seconds on the
   same instance (distances as a transit matrix in metres; the same visits, day restrictions
   and capacity), in process. Three instances per territory: the plan as made (routes tied to
   their weekday), the same visits with every day allowed (days as vehicles: the pure VRP),
   and --fill at 30 visits a day (more visits pulled forward).
3. The whole city (bench/gen_city.py: 27,000 customers, 100 managers) written straight into a
   cmgr database (executemany; ~12 weeks of orders and visits), then
   `cmgr plan-week --all --out .../{manager}-{week}.json` and the same with xlsx, wall clock.

Targets (issue 3): each territory < 2 s wall; the city with --all < 60 s; total km within 3%
of OR-Tools given 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PY = sys.executable
WEEK = "2026-W49"
WEEK_START = dt.date(2026, 11, 30)
MANAGER = "王建国"


def cmgr(db: Path, *args: str, stdout=subprocess.DEVNULL) -> float:
    """Run cmgr in a new process; return the wall seconds (failing loudly)."""
    t = time.perf_counter()
    proc = subprocess.run([PY, "-m", "cmgr", "--db", str(db), *args], cwd=ROOT, stdout=stdout,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"cmgr {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return wall


def import_territory(src: Path, db_path: Path) -> None:
    from cmgr.cli.demo_cmd import SAMPLE_IMPORTS
    from cmgr.jobs.ingest import import_files
    from cmgr.store.db import open_database

    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    db = open_database(db_path)
    try:
        for kind, patterns in SAMPLE_IMPORTS:
            files = sorted({p for pat in patterns for p in src.glob(pat)})
            for r in import_files(db, kind, files):
                if r.error:
                    raise r.error
    finally:
        db.close()


def territory_db(out: Path, name: str, customers: int | None, rebuild: bool) -> Path:
    db = out / f"plan_{name}.db"
    if db.exists() and not rebuild:
        return db
    if customers is None and (ROOT / "sample_data" / "customers.xlsx").exists():
        src = ROOT / "sample_data"
    else:
        src = out / f"plan_{name}_exports"
        shutil.rmtree(src, ignore_errors=True)
        args = [PY, str(ROOT / "sample_data" / "generate.py"), "--out", str(src)]
        if customers:
            args += ["--customers", str(customers)]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    print(f"  building {db.name} from {src} ...", flush=True)
    import_territory(src, db)
    return db


def time_territory(db: Path, runs: int) -> dict:
    json_walls = [cmgr(db, "plan-week", "--week", WEEK, "-m", MANAGER, "--format", "json",
                       "--no-save") for _ in range(runs)]
    out = db.parent / "plan_xlsx"
    xlsx_walls = [cmgr(db, "plan-week", "--week", WEEK, "-m", MANAGER, "--out",
                       str(out / "{manager}-{week}.xlsx")) for _ in range(runs)]
    return {"json": json_walls, "xlsx": xlsx_walls}


def ratios(db_path: Path, seconds: float) -> list[tuple]:
    """(instance, visits, free visits, heuristic km, heuristic s, OR-Tools km or None,
    OR-Tools-from-the-heuristic km, ratio)."""
    from cmgr.config import load_config
    from cmgr.core import routing
    from cmgr.jobs import plan_week as planning
    from cmgr.store.db import open_database

    cfg = load_config(environ={})
    db = open_database(db_path)
    rows = []
    try:
        for label, kw in (("as planned", {}), ("fill, 30/day", {"fill": True, "visits_per_day": 30})):
            settings = planning.settings_from_config(cfg, **kw)
            run = planning.make_plans(db, cfg, [MANAGER], WEEK_START,
                                      WEEK_START + dt.timedelta(days=6), today=WEEK_START,
                                      settings=settings)
            problem = run.plans[0].routing_problem
            variants = [(label, problem)]
            if not kw:
                full = (1 << problem.n_days) - 1
                free = routing.RoutingProblem(problem.dist, problem.capacity,
                                              [0] + [full] * (problem.n_nodes - 1),
                                              problem.group, problem.xy)
                variants.append(("every day allowed (pure VRP)", free))
            for name, p in variants:
                t = time.perf_counter()
                tours = routing.solve_heuristic(p)
                h_s = time.perf_counter() - t
                h_km = routing.total_km(p.dist, tours)
                try:  # OR-Tools on its own
                    own = routing.total_km(p.dist, routing.solve_ortools(p, seconds))
                except routing.Infeasible:
                    own = None  # its first-solution strategies all dead-ended
                # and OR-Tools started from the heuristic's tours: what 10 s more would gain
                polished = routing.total_km(p.dist, routing.solve_ortools(p, seconds, tours))
                n_free = sum(1 for a in p.allowed[1:] if a & (a - 1))
                best = min(x for x in (own, polished) if x is not None)
                rows.append((name, p.n_nodes - 1, n_free, h_km, h_s, own, polished, h_km / best))
    finally:
        db.close()
    return rows


# --- the city ---------------------------------------------------------------------------------

def city_db(out: Path, rebuild: bool) -> Path:
    path = out / "plan_city.db"
    if path.exists() and not rebuild:
        return path
    sys.path.insert(0, str(ROOT / "bench"))
    import gen_city

    from cmgr.store.db import open_database

    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    city = gen_city.build_city()
    db = open_database(path)
    first, last = dt.date(2026, 9, 1), dt.date(2026, 11, 27)
    try:
        with db.transaction():
            db.executemany(
                "INSERT INTO customers (customer_code, customer_name, license_no, address, phone, "
                "grade, grade_label, manager, route, lon, lat, joined_on, status, settlement, "
                "business_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(c.code, c.name, c.license_no, c.address, c.phone, c.grade, str(c.grade_text),
                  c.manager, c.route.name, c.lon, c.lat, c.joined_on.isoformat(), c.status,
                  c.settlement, c.business_type) for c in city.customers])
            print(f"  city: {len(city.customers):,} customers", flush=True)
            visits = [(v.visit_id, v.visit_id, v.visit_date.isoformat(), v.customer.code,
                       v.manager, v.visit_type)
                      for v in gen_city.iter_visit_rows(city, first, last)]
            db.executemany("INSERT INTO visits (visit_key, visit_id, visit_date, customer_code, "
                           "manager, visit_type) VALUES (?, ?, ?, ?, ?, ?)", visits)
            print(f"  city: {len(visits):,} visits", flush=True)
            n = 0
            batch = []
            for row in gen_city.iter_order_rows(city, first, last):
                order_id, day, code, _name, sku, sku_name, price, qty, amount = row
                batch.append((f"{order_id}|{sku}", order_id, day.isoformat(), code, sku, sku_name,
                              price, qty, amount))
                if len(batch) >= 200_000:
                    db.executemany(_ORDER_SQL, batch)
                    n += len(batch)
                    batch = []
            db.executemany(_ORDER_SQL, batch)
            n += len(batch)
            print(f"  city: {n:,} order lines", flush=True)
        db.execute("ANALYZE")
    finally:
        db.close()
    print(f"  city database built in {time.perf_counter() - t0:.0f} s: {path}", flush=True)
    return path


_ORDER_SQL = ("INSERT INTO order_lines (line_key, order_id, order_date, customer_code, sku_code, "
              "sku_name, wholesale_price, qty, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--ortools-seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-city", action="store_true")
    parser.add_argument("--skip-ratio", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    print("## plan-week wall time (new process, start-up included)")
    territories = [("sample", None), ("300", 300)]
    dbs = {}
    for name, n in territories:
        dbs[name] = db = territory_db(args.out, name, n, args.rebuild)
        walls = time_territory(db, args.runs)
        for fmt, w in walls.items():
            print(f"  {name:7} territory, {fmt:4}: best {min(w):.2f} s, median "
                  f"{statistics.median(w):.2f} s  (target < 2 s)", flush=True)

    if not args.skip_ratio:
        print(f"\n## total km: built-in heuristic vs OR-Tools given {args.ortools_seconds:g} s")
        print("  (OR-Tools alone, and OR-Tools started from the heuristic's tours; the ratio is "
              "against the better of the two)")
        print(f"  {'territory':9} {'instance':30} {'visits':>6} {'free':>5} {'heuristic km':>12} "
              f"{'(s)':>5} {'OR-Tools':>9} {'from ours':>9} {'ratio':>7}")
        for name, _ in territories:
            for inst, n, free, hk, hs, own, pol, ratio in ratios(dbs[name], args.ortools_seconds):
                own_text = "no start" if own is None else f"{own:.2f}"
                print(f"  {name:9} {inst:30} {n:6d} {free:5d} {hk:12.2f} {hs:5.2f} {own_text:>9} "
                      f"{pol:9.2f} {ratio:7.4f}", flush=True)

    if not args.skip_city:
        print("\n## the city: --all")
        db = city_db(args.out, args.rebuild)
        out = args.out / "city_plans"
        shutil.rmtree(out, ignore_errors=True)
        for fmt in ("json", "xlsx"):
            wall = cmgr(db, "plan-week", "--week", WEEK, "--all", "--out",
                        str(out / fmt / ("{manager}-{week}." + fmt)))
            files = len(list((out / fmt).glob(f"*.{fmt}")))
            print(f"  --all, {fmt}: {wall:.1f} s wall for {files} plans (target < 60 s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
