"""Benchmark `cmgr today`: wall time as a user runs it, start-up included.

    python bench/bench_today.py [--out bench/out] [--runs 7] [--rebuild]

A 300-customer territory (sample_data/generate.py --customers 300, imported once, shared
with bench_plan.py), next week planned and saved (`cmgr plan-week --week 2026-W49`), then
`cmgr today --date 2026-11-30 -m 王建国` in a new process: the terminal table and json,
best and median of --runs. Target (issue 13): < 0.5 s. The CPU time of the process (user +
sys) is printed beside the wall time: on a machine shared with other work (load average above
the core count) the wall time mostly measures the wait for a core.
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
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_plan import MANAGER, PY, WEEK, cmgr, territory_db  # noqa: E402

DAY = "2026-11-30"


def timed(db: Path, *args: str) -> tuple[float, float]:
    """(wall s, CPU s of the child) of one `cmgr` run in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([PY, "-m", "cmgr", "--db", str(db), *args], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"cmgr {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    db = territory_db(args.out, "300", 300, args.rebuild)
    cmgr(db, "plan-week", "--week", WEEK, "-m", MANAGER, "--format", "json")  # saved
    cmgr(db, "today", "--date", DAY, "-m", MANAGER)  # warm the file cache
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, extra in (("table", []), ("json", ["--format", "json"])):
        runs = [timed(db, "today", "--date", DAY, "-m", MANAGER, *extra) for _ in range(args.runs)]
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(f"cmgr today ({label}), 300-customer territory: wall best {min(walls):.3f} s, "
              f"median {statistics.median(walls):.3f} s; CPU best {min(cpus):.3f} s, median "
              f"{statistics.median(cpus):.3f} s over {args.runs} runs (target < 0.5 s)")


if __name__ == "__main__":
    main()
