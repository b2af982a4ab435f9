"""`cmgr db migrate-to`: the demo territory's SQLite database into an empty PostgreSQL one, then
the same again (every row already there).

    python bench/bench_migrate_to.py [--orders FILE] [--url postgresql://user@host:port/db]
                                     [--out bench/out]

Builds the demo database (`cmgr demo`, from the committed sample_data/), optionally imports
one more orders file into it (e.g. bench/gen_city.py's 1M-row `city_orders_1m.csv`, for a
manager's database of that size), then times the command, each run in a fresh process, into:
the server given by --url (its database is dropped and created again: give one for benchmarks
only), else a throwaway server started here with tests/pg_server.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cmgr(env: dict, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cmgr", *args], env=env, capture_output=True,
                          text=True, cwd=ROOT)
    return time.perf_counter() - started, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=Path, help="one more orders file to import first")
    parser.add_argument("--url", help="a PostgreSQL database to drop, create and fill")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()

    folder = args.out / "migrate-to"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = folder / "demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMGR_")}
    env.update(CMGR_CONFIG="", XDG_CONFIG_HOME=str(folder / "cfg"),
               XDG_DATA_HOME=str(folder / "data"), MPLBACKEND="Agg")
    _, done = cmgr(env, "--db", str(source), "demo", "--dir", str(folder))
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    if args.orders:
        seconds, done = cmgr(env, "--db", str(source), "import", "orders", str(args.orders))
        if done.returncode not in (0, 3):
            raise SystemExit(done.stderr)
        print(f"import {args.orders.name} into the SQLite file: {seconds:.1f} s")

    from bench.pg_databases import bench_databases

    with bench_databases(args.url, "migrate_to") as pg:
        url = pg.fresh(None)
        for run in ("first run (empty team database)", "second run (all already there)"):
            seconds, done = cmgr(env, "--db", str(source), "db", "migrate-to", url,
                                 "--format", "json")
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            report = json.loads(done.stdout)
            rows = sum(t["copied"] + t["already_there"] for t in report["tables"].values())
            print(f"{run}: {seconds:.2f} s for the command ({report['seconds']:.2f} s of work), "
                  f"{rows:,} rows, {report['copied']:,} copied")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
