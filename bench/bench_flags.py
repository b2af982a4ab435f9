"""Time `cmgr flag`'s scan at city scale: 27,000 customers, three months of visits (~345,000 notes).

    python bench/bench_flags.py                 # build bench/out/flags_city.db once, then time
    python bench/bench_flags.py --fresh         # rebuild the database first
    python bench/bench_flags.py --customers 3000 --order-weeks 0   # a quick small run
    python bench/bench_flags.py --no-statistical   # the rules alone (as flags.statistical_reader = false)
    python bench/bench_flags.py --model-cost       # also the statistical reader's own CPU share

The database is loaded directly from bench/gen_city.py's generators (roster, ~150-spec price
list, the visits with their notes, 检查品规 and 实际零售价 as written, plus --order-weeks of
orders for the roster rule), so the figure is the flag work alone, not the import. Measured:

1. the first scan: every visit read, note rules and price checks run, flags stored
   (the issue's figure: < 30 s);
2. a second run: nothing new to read, nothing added (idempotent);
3. `--rescan`: every visit read again and compared with the stored flags;
4. listing all flags as JSON records.

It also prints precision and recall of the stored flags against the generator's labels
(bench/out/flags_city.db keeps them in a side table).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import gen_city  # noqa: E402

from cmgr.store.db import open_database  # noqa: E402

DEFAULT_DB = REPO / "bench" / "out" / "flags_city.db"
VISITS_FIRST = dt.date(2026, 9, 1)
VISITS_LAST = dt.date(2026, 11, 27)


def build(path: Path, customers: int, managers: int, order_weeks: int, seed: int) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    city = gen_city.build_city(customers, managers, seed)
    db = open_database(path)
    with db.transaction():
        db.executemany(
            "INSERT INTO customers (customer_code, customer_name, license_no, license_expiry, "
            "address, grade, manager, route, status, joined_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(c.code, c.name, c.license_no, c.license_expiry.isoformat() if c.license_expiry else None,
              c.address, c.grade, c.manager, c.route.name, c.status, c.joined_on.isoformat())
             for c in city.customers])
        db.executemany(
            "INSERT INTO prices (sku_code, sku_name, wholesale_price, retail_guide_price, "
            "min_retail_price) VALUES (?, ?, ?, ?, ?)",
            [(s.code, s.name, s.wholesale, s.guide, s.min_price) for s in city.skus])
    print(f"city: {len(city.customers):,} customers, {len(city.skus)} specs "
          f"({time.perf_counter() - started:.1f} s)", flush=True)
    started = time.perf_counter()
    visits = list(gen_city.iter_visit_rows(city, VISITS_FIRST, VISITS_LAST, seed=seed))
    now = "2026-11-28T00:00:00"
    rows, labels = [], []
    for v in visits:
        price, text = v.observed_price, None
        if isinstance(price, str):  # as written: "２３０元/条", "23元/包": the engine parses it
            price, text = None, price
        rows.append((v.visit_id, v.visit_id, v.visit_date.isoformat(), v.customer.code,
                     v.customer.name, v.manager, v.visit_type, v.notes, v.checked_sku, price, text, now))
        labels.append((v.visit_id, v.unlicensed, v.price_violation, v.price_check))
    with db.transaction():
        db.executemany(
            "INSERT INTO visits (visit_key, visit_id, visit_date, customer_code, customer_name, "
            "manager, visit_type, notes, checked_sku, observed_price, observed_price_text, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("CREATE TABLE bench_labels (visit_id TEXT PRIMARY KEY, unlicensed INTEGER, "
                   "price_violation INTEGER, price_check TEXT)")
        db.executemany("INSERT INTO bench_labels VALUES (?, ?, ?, ?)", labels)
    print(f"visits: {len(rows):,} ({time.perf_counter() - started:.1f} s)", flush=True)
    if order_weeks:
        started = time.perf_counter()
        first = VISITS_LAST - dt.timedelta(weeks=order_weeks)
        n = 0
        batch = []
        with db.transaction():
            for r in gen_city.iter_order_rows(city, first, VISITS_LAST, seed=seed):
                batch.append((f"{r[0]}|{r[4]}", r[0], r[1].isoformat(), r[2], r[4], r[5], r[6],
                              r[7], r[8]))
                if len(batch) >= 100_000:
                    _orders(db, batch)
                    n += len(batch)
                    batch.clear()
            _orders(db, batch)
            n += len(batch)
        print(f"orders: {n:,} lines over {order_weeks} weeks ({time.perf_counter() - started:.1f} s)",
              flush=True)
    db.close()


def _orders(db, batch) -> None:
    db.executemany("INSERT INTO order_lines (line_key, order_id, order_date, customer_code, sku_code, "
                   "sku_name, wholesale_price, qty, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)


def reset_flags(db) -> None:
    with db.transaction():
        db.execute("DELETE FROM flag_events")
        db.execute("DELETE FROM flags")
        db.execute("DELETE FROM flag_scans")


def accuracy(db) -> None:
    has = db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'bench_labels'")
    if not has:
        return
    checks = (
        ("unlicensed (notes)", "unlicensed = 1", "kind = 'unlicensed' AND source = 'note'"),
        ("price (notes)", "price_violation = 1", "kind = 'price' AND source = 'note'"),
        ("price (observed)", "price_check IN ('above_guide', 'below_min')", "source = 'observed_price'"),
    )
    print(f"{'label':<20}{'TP':>8}{'FP':>8}{'FN':>8}{'precision':>11}{'recall':>8}")
    for name, truth, flagged in checks:
        tp, fp, fn = db.execute(
            f"WITH f AS (SELECT DISTINCT visit_id FROM flags WHERE {flagged}) "
            f"SELECT sum(CASE WHEN f.visit_id IS NOT NULL AND {truth} THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN f.visit_id IS NOT NULL AND NOT ({truth}) THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN f.visit_id IS NULL AND {truth} THEN 1 ELSE 0 END) "
            "FROM bench_labels b LEFT JOIN f ON f.visit_id = b.visit_id").fetchone()
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{name:<20}{tp:>8,}{fp:>8,}{fn:>8,}{precision:>11.3f}{recall:>8.3f}")


def model_cost(db, lexicon, models) -> None:
    """The statistical reader's own share of a scan, in CPU time, per model: every distinct note
    is read by the rules first (not timed), then only what `flag_model.read_note` adds is timed."""
    from cmgr.core.flag_model import asks
    from cmgr.core.flag_rules.reader import scan_note_normalised

    notes = list(dict.fromkeys(r[0] for r in db.execute(
        "SELECT notes FROM visits WHERE notes IS NOT NULL AND trim(notes) <> ''")))
    read = [scan_note_normalised(n, lexicon) for n in notes]
    for model in models:
        asked = scored = 0
        started = time.process_time()
        for found, text, dropped in read:
            if any(f.kind == model.label for f in found):
                continue
            asked += 1
            text = text.lower()
            if asks(model.label, text, dropped):
                scored += 1
                model.score(text)
        cpu = time.process_time() - started
        print(f"5. statistical reader ({model.label}): {len(notes):,} distinct notes, {asked:,} "
              f"without a finding of the label, {scored:,} scored: {cpu:.2f} s CPU "
              f"({cpu / len(notes) * 1e6:.1f} µs per distinct note, "
              f"{cpu / max(scored, 1) * 1e6:.0f} µs per note scored)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--fresh", action="store_true", help="rebuild the database")
    parser.add_argument("--customers", type=int, default=27_000)
    parser.add_argument("--managers", type=int, default=100)
    parser.add_argument("--order-weeks", type=int, default=4,
                        help="weeks of orders before 2026-11-27 for the roster rule (0: none)")
    parser.add_argument("--seed", type=int, default=gen_city.DEFAULT_SEED)
    parser.add_argument("--limit", type=float, default=30.0, help="seconds allowed for the first scan")
    parser.add_argument("--no-statistical", action="store_true",
                        help="rules only: without the statistical second reader "
                             "(flags.statistical_reader = false)")
    parser.add_argument("--model-cost", action="store_true",
                        help="also time the statistical reader's own share (CPU) on the distinct notes")
    args = parser.parse_args(argv)
    if args.fresh or not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        build(args.db, args.customers, args.managers, args.order_weeks, args.seed)

    from cmgr.core.flag_model import load_statistical_reader
    from cmgr.core.flag_rules import load_lexicon
    from cmgr.render.flag_report import flag_record
    from cmgr.store.flags import list_flags, scan

    db = open_database(args.db)
    n_visits = db.scalar("SELECT count(*) FROM visits")
    n_customers = db.scalar("SELECT count(*) FROM customers")
    print(f"database: {args.db} ({n_customers:,} customers, {n_visits:,} visits, "
          f"{db.scalar('SELECT count(*) FROM order_lines'):,} order lines)")
    reset_flags(db)
    started = time.perf_counter()
    lexicon = load_lexicon()
    model = None if args.no_statistical else load_statistical_reader()
    first = scan(db, lexicon, min_retail_factor=1.0, text_model=model)
    first_s = time.perf_counter() - started
    n_flags = db.scalar("SELECT count(*) FROM flags")
    print(f"1. first scan (lexicon{'' if model is None else ' and model'} load + read + rules + "
          f"store): {first_s:.1f} s; "
          f"{first.visits:,} visits, {first.price_checks:,} prices checked, {first.added:,} flags "
          f"({first.roster_cases} from the roster); "
          f"{len(first.unmatched_skus)} unmatched 检查品规 names, "
          f"{len(first.unparsed_prices)} unparsed prices")
    started = time.perf_counter()
    again = scan(db, lexicon, min_retail_factor=1.0, text_model=model)
    print(f"2. second run: {time.perf_counter() - started:.2f} s; {again.visits:,} visits read, "
          f"{again.added} added, {again.removed} removed; flags {db.scalar('SELECT count(*) FROM flags'):,} "
          f"(was {n_flags:,})")
    started = time.perf_counter()
    full = scan(db, lexicon, min_retail_factor=1.0, rescan=True, text_model=model)
    print(f"3. --rescan: {time.perf_counter() - started:.1f} s; {full.visits:,} visits read, "
          f"{full.added} added, {full.refreshed} refreshed, {full.removed} removed")
    started = time.perf_counter()
    text = json.dumps([flag_record(r) for r in list_flags(db)], ensure_ascii=False)
    print(f"4. list all flags as JSON: {time.perf_counter() - started:.2f} s ({len(text) / 1e6:.1f} MB)")
    if args.model_cost and model is not None:
        model_cost(db, lexicon, model)
    accuracy(db)
    db.close()
    ok = first_s < args.limit
    print(f"first scan {first_s:.1f} s {'<' if ok else '>='} {args.limit:g} s: {'OK' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
