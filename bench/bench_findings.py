"""How many customers each finding of the monthly report's part b lists, per manager.

    python bench/bench_findings.py --db DB [--db DB2 ...] --month 2026-08 --month 2026-10 ...

For each database and month: per manager, the ordering customers and, per problem of part b
(预警, 大幅下降, 断订, ...), how many customers it counts, their share of the ordering
customers, and how many the document prints (the rest are counted, and all are in the xlsx).
The goal (issue 15): in a normal month no rule lists more than about one ordering customer
in ten; in a holiday month (2026-10 after 国庆, 2026-02 春节) no more than in a normal one.
Only reads `make_reports`' output, so it also measures older versions of cmgr.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RULES = ("warning", "decline", "stopped")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, action="append", required=True)
    parser.add_argument("--month", action="append", required=True)
    args = parser.parse_args(argv)

    from cmgr.config import load_config
    from cmgr.jobs.monthly_report import make_reports
    from cmgr.store.db import open_database

    worst: dict[tuple[str, str], float] = {}
    for path in args.db:
        cfg = load_config(None, overrides={"database.path": str(path)})
        db = open_database(path)
        try:
            for month in args.month:
                started = time.perf_counter()
                run = make_reports(db, cfg, month, None)
                seconds = time.perf_counter() - started
                print(f"\n{path.name} {month} ({len(run.reports)} managers, {seconds:.1f} s)")
                print(f"  {'manager':<8}{'ordering':>9}" + "".join(
                    f"{rule:>18}" for rule in RULES) + "   other problems (counted/printed)")
                for r in run.reports:
                    ordering = r["ordering_customers"] or 0
                    by_key = {p["key"]: p for p in r["problems"]}
                    cells = []
                    for rule in RULES:
                        p = by_key.get(rule)
                        count = p["count"] if p else 0
                        shown = len(p["customers_shown"]) if p else 0
                        share = count / ordering if ordering else 0.0
                        key = (path.name, month)
                        worst[key] = max(worst.get(key, 0.0), share)
                        cells.append(f"{count:>4} {share:>6.1%} /{shown:>3}  ")
                    others = ", ".join(f"{k} {p['count']}/{len(p['customers_shown'])}"
                                       for k, p in by_key.items()
                                       if k not in RULES and p["customers"])
                    print(f"  {r['manager']:<8}{ordering:>9}" + "".join(
                        f"{c:>18}" for c in cells) + f"   {others}")
        finally:
            db.close()
    print("\nlargest share of ordering customers listed by one rule for one manager:")
    for (name, month), share in worst.items():
        print(f"  {name} {month}: {share:.1%}")
    print("cells: customers the rule counts, their share of the manager's ordering customers, "
          "/ how many the document prints.")


if __name__ == "__main__":
    main()
