"""Flags in the database: scanning visits and the roster into `flags`, listing them, and the
review steps with their history (`flag_events`). The rules are in cmgr/core/flag_engine.py.

A scan reads only what it needs: visits never read before or changed since (visits.updated_at
at or after the time of the last read, kept in `flag_scans`), or, with `rescan`, every visit
in the date range. Re-running adds nothing (flag_key is unique). When a visit is read again:

* a finding still there refreshes a flag that is still 'new' (its note, phrase, prices);
* a 'new' flag whose finding is gone (the note was edited, or the lexicon changed and the
  range was re-scanned) is removed: nobody has acted on it yet;
* a flag already reported, closed or dismissed is never changed by a scan: it is in a
  person's hands. A reported flag whose finding is gone gets a `not_found` event saying so,
  for the person who closes it.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from cmgr.core import flag_engine as fe
from cmgr.core.flag_workers import PARALLEL_FROM, NoteReader, note_workers
from cmgr.errors import NotFound, StateError, UsageError
from cmgr.i18n import tr
from cmgr.store.db import Database, now_iso
from cmgr.store.flag_cases import CASE_SOURCES as _CASE_SOURCES

FINDING_COLUMNS = ("flag_key", "kind", "subkind", "source", "visit_key", "visit_id", "visit_date",
                   "customer_code", "manager", "matched", "rule", "note", "observed_price",
                   "reference_price", "deviation", "deviation_pct")
# What a re-scan refreshes on a flag that is still 'new' (the key fixes kind, subkind, source).
_REFRESHED = FINDING_COLUMNS[4:]
_VISIT_SOURCES = ("note", "observed_price")


# ---------------------------------------------------------------------------
# Scanning


@dataclass
class ScanSummary:
    visits: int = 0  # visits read
    notes: int = 0  # of which with a note
    price_checks: int = 0  # observed prices compared with the price list
    added: int = 0
    refreshed: int = 0
    removed: int = 0
    not_found: int = 0  # reported flags whose finding is gone (kept, with an event)
    roster_cases: int = 0  # active customers trading without a valid licence (roster)
    prices_in_list: int = 0
    price_without_sku: int = 0
    unmatched_skus: dict[str, int] = field(default_factory=dict)
    unparsed_prices: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


# Chunks of visits read ahead of the one being checked while workers read their notes:
# enough to keep the workers busy, few enough that a city's visits are not all in memory.
_READ_AHEAD = 4


def scan(db: Database, lexicon, *, min_retail_factor: float = 1.0, since: str | None = None,
         until: str | None = None, rescan: bool = False, batch: int = 20_000,
         workers: int | None = None, parallel_from: int = PARALLEL_FROM,
         text_model=None) -> ScanSummary:
    """Run the flag rules (and `text_model`, the statistical second reader, if given) over
    the visits that need it and the roster; store the findings.

    From `parallel_from` visits on, the notes are read by `workers` processes (flags.workers;
    None or 0: one per core, 1: in this process) while this one reads and stores."""
    started = time.perf_counter()
    summary = ScanSummary()
    # Taken before reading: a visit changed while we read has updated_at >= this, so the next
    # scan reads it again.
    scanned_at = now_iso()
    book = fe.PriceBook(price_rows(db), min_retail_factor)
    summary.prices_in_list = len(book)
    found = fe.VisitScan()
    keys: list[str] = []
    chunks = _visits_to_scan(db, since, until, rescan, batch)
    first = next(chunks, [])
    # A first chunk shorter than `batch` is all there is; a full one, a big scan.
    n_workers = note_workers(workers, len(first) if len(first) < batch else max(batch, parallel_from),
                             parallel_from)
    # closing: a worker's error leaves the query's cursor open otherwise.
    with NoteReader(lexicon, n_workers, text_model=text_model) as notes, contextlib.closing(chunks):
        pending: deque = deque()

        def check(chunk: list[fe.VisitRow], extra: list[fe.VisitRow]) -> None:
            found.merge(fe.scan_visits(chunk, lexicon, book, notes=notes))
            if extra:  # the second and later cigarettes checked on a visit (migration 007)
                more = fe.scan_visits(extra, lexicon, book, notes=notes)
                more.visits = 0
                found.merge(more)

        for chunk in itertools.chain([first] if first else [], chunks):
            keys.extend(v.visit_key for v in chunk)
            notes.prefetch(v.notes for v in chunk)
            pending.append((chunk, _extra_price_rows(db, chunk)))
            if len(pending) > _READ_AHEAD:
                check(*pending.popleft())
        notes.flush()
        while pending:
            check(*pending.popleft())
    gaps = [g for g in map(fe.licence_gap, roster(db)) if g is not None]
    with db.transaction():
        _store_visit_findings(db, keys, found.findings, scanned_at, summary)
        _store_roster(db, gaps, since, until, summary)
    summary.visits, summary.notes, summary.price_checks = found.visits, found.notes, found.price_checks
    summary.price_without_sku = found.price_without_sku
    summary.unmatched_skus = dict(found.unmatched_skus.most_common())
    summary.unparsed_prices = found.unparsed_prices
    summary.seconds = time.perf_counter() - started
    return summary


def price_rows(db: Database) -> list[fe.PriceRow]:
    return [fe.PriceRow(*r) for r in db.query(
        "SELECT sku_code, sku_name, wholesale_price, retail_guide_price, min_retail_price "
        "FROM prices ORDER BY sku_code")]


def roster(db: Database) -> list[fe.RosterCustomer]:
    # seen_on: the day of the roster import that wrote the row, else the day it was entered
    # or changed in cmgr (customer join / edit).
    return [fe.RosterCustomer(*r) for r in db.query(
        "SELECT c.customer_code, c.customer_name, c.manager, c.license_no, c.license_expiry, "
        "c.status, coalesce(substr(i.started_at, 1, 10), substr(c.updated_at, 1, 10), c.joined_on) "
        "FROM customers c LEFT JOIN imports i ON i.id = c.import_id ORDER BY c.customer_code")]


def _visits_to_scan(db: Database, since: str | None, until: str | None, rescan: bool,
                    batch: int) -> Iterator[list[fe.VisitRow]]:
    where, params = _range("v.visit_date", since, until)
    join = ""
    if not rescan:
        join = " LEFT JOIN flag_scans s ON s.visit_key = v.visit_key"
        where.append("(s.visit_key IS NULL OR v.updated_at >= s.scanned_at)")
    sql = ("SELECT v.visit_key, v.visit_id, v.visit_date, v.customer_code, "
           "coalesce(v.manager, c.manager), v.notes, v.checked_sku, v.observed_price, "
           "v.observed_price_text FROM visits v "
           "LEFT JOIN customers c ON c.customer_code = v.customer_code" + join
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY v.visit_date, v.id")
    for rows in db.iterate(sql, params, batch=batch):
        yield [fe.VisitRow(*r) for r in rows]


def _extra_price_rows(db: Database, chunk: list[fe.VisitRow]) -> list[fe.VisitRow]:
    """A price row (no note) for each cigarette checked on a visit beyond the one the visit
    row carries; its findings carry the visit's key, so a case is one flag per visit."""
    from cmgr.store.visits import extra_prices

    by_key = {v.visit_key: v for v in chunk}
    return [fe.VisitRow(key, by_key[key].visit_id, by_key[key].visit_date,
                        by_key[key].customer_code, by_key[key].manager, None, sku, price, text)
            for key, sku, price, text in extra_prices(db, list(by_key))]


def forget_visit_flags(db: Database, visit_keys: Sequence[str]) -> ScanSummary:
    """Flags of deleted visits: a 'new' one goes (nobody acted on it), a reported one stays
    with a `not_found` event, as when a re-scan no longer finds it."""
    summary = ScanSummary()
    keys = sorted(set(visit_keys))
    with db.transaction():
        _store_visit_findings(db, keys, [], now_iso(), summary)
        db.executemany("DELETE FROM flag_scans WHERE visit_key = ?", ((k,) for k in keys))
    return summary


def _range(column: str, since: str | None, until: str | None) -> tuple[list[str], list]:
    where, params = [], []
    if since:
        where.append(f"{column} >= ?")
        params.append(since)
    if until:
        where.append(f"{column} <= ?")
        params.append(until)
    return where, params


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[list[int]]:
    """Id lists small enough for an IN (...) under every SQLite's parameter limit."""
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _finding_values(f: fe.Finding) -> tuple:
    return tuple(getattr(f, c) for c in FINDING_COLUMNS)


def _store_visit_findings(db: Database, keys: list[str], findings: list[fe.Finding],
                          scanned_at: str, summary: ScanSummary) -> None:
    if not keys:
        return
    now = now_iso()
    db.execute("DROP TABLE IF EXISTS temp.flag_scan_keys")
    db.execute("CREATE TEMP TABLE flag_scan_keys (visit_key TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO temp.flag_scan_keys (visit_key) VALUES (?)", ((k,) for k in keys))
    existing = {r["flag_key"]: r for r in db.query(
        f"SELECT f.id, f.status, {', '.join('f.' + c for c in FINDING_COLUMNS)} FROM flags f "
        "JOIN temp.flag_scan_keys k ON k.visit_key = f.visit_key "
        "WHERE f.source IN ('note', 'observed_price')")}
    new = {f.flag_key: f for f in findings}
    inserts = [(*_finding_values(f), now, now) for k, f in new.items() if k not in existing]
    refresh = []
    for key, f in new.items():
        row = existing.get(key)
        if row is not None and row["status"] == "new" and any(
                row[c] != getattr(f, c) for c in _REFRESHED):
            refresh.append((*(getattr(f, c) for c in _REFRESHED), now, row["id"]))
    gone_new = [row["id"] for key, row in existing.items() if key not in new and row["status"] == "new"]
    gone_reported = [row["id"] for key, row in existing.items()
                     if key not in new and row["status"] == "reported"]
    cols = ", ".join(FINDING_COLUMNS)
    db.executemany(f"INSERT INTO flags ({cols}, created_at, updated_at) VALUES "
                   f"({', '.join('?' for _ in FINDING_COLUMNS)}, ?, ?) "
                   "ON CONFLICT(flag_key) DO NOTHING", inserts)
    db.executemany(f"UPDATE flags SET {', '.join(c + ' = ?' for c in _REFRESHED)}, updated_at = ? "
                   "WHERE id = ?", refresh)
    _join_cases(db, [f for k, f in new.items() if k not in existing], existing, gone_new, now)
    if gone_new:
        # Nobody acted on these: no event refers to them.
        db.executemany("DELETE FROM flags WHERE id = ? AND status = 'new'", ((i,) for i in gone_new))
    if gone_reported:
        already = {r[0] for part in _chunks(gone_reported) for r in db.query(
            "SELECT DISTINCT flag_id FROM flag_events WHERE action = 'not_found' AND flag_id IN "
            f"({', '.join('?' for _ in part)})", part)}
        events = [(i, "not_found", "cmgr", now,
                   "重新检查访问记录时未再发现该问题（访问记录或规则已修改），请核实后办结或排除",
                   db.writer) for i in gone_reported if i not in already]
        db.executemany("INSERT INTO flag_events (flag_id, action, by, at, text, recorded_by) "
                       "VALUES (?, ?, ?, ?, ?, ?)", events)
        summary.not_found += len(events)
    db.execute("INSERT INTO flag_scans (visit_key, scanned_at) SELECT visit_key, ? "
               "FROM temp.flag_scan_keys WHERE true "
               "ON CONFLICT(visit_key) DO UPDATE SET scanned_at = excluded.scanned_at", (scanned_at,))
    db.execute("DROP TABLE temp.flag_scan_keys")
    summary.added += len(inserts)
    summary.refreshed += len(refresh)
    summary.removed += len(gone_new)


def _join_cases(db: Database, added: list[fe.Finding], existing: dict, gone: list[int],
                now: str) -> None:
    """A finding new to a visit whose case (same visit, same kind) is already in a person's
    hands (reported, closed or dismissed) joins that case: it takes the case's status, with an
    event naming the flag it joined, so the case stays one and moves as one."""
    held: dict[tuple[str, str], dict] = {}
    for row in sorted(existing.values(), key=lambda r: r["id"]):
        if row["status"] != "new" and row["id"] not in gone:
            held.setdefault((row["visit_key"], row["kind"]), row)
    joins = [(held[(f.visit_key, f.kind)], f.flag_key) for f in added
             if (f.visit_key, f.kind) in held]
    for lead, key in joins:
        db.execute("UPDATE flags SET status = ?, updated_at = ? WHERE flag_key = ? AND status = 'new'",
                   (lead["status"], now, key))
        db.execute("INSERT INTO flag_events (flag_id, action, by, at, text, recorded_by) "
                   "SELECT id, 'joined', 'cmgr', ?, ?, ? FROM flags WHERE flag_key = ?",
                   (now, f"同一次访问的同一问题，并入标记 {lead['id']} 的案件", db.writer, key))


def _store_roster(db: Database, gaps: list[fe.LicenceGap], since: str | None, until: str | None,
                  summary: ScanSummary) -> None:
    now = now_iso()
    existing = {r["flag_key"]: r for r in db.query(
        "SELECT id, flag_key, status, visit_date FROM flags WHERE source = 'roster'")}
    current = {g.flag_key for g in gaps}
    o_where, o_params = _range("order_date", since, until)
    v_where, v_params = _range("visit_date", since, until)
    inserts, updates = [], []
    for gap in gaps:
        code, after = gap.customer.customer_code, gap.after or ""
        first_order = db.scalar(
            "SELECT min(order_date) FROM order_lines WHERE customer_code = ? AND order_date > ?"
            + "".join(" AND " + w for w in o_where), (code, after, *o_params))
        visit = db.execute(
            "SELECT visit_date, visit_key, visit_id FROM visits WHERE customer_code = ? "
            "AND visit_date > ?" + "".join(" AND " + w for w in v_where)
            + " ORDER BY visit_date, id LIMIT 1", (code, after, *v_params)).fetchone()
        if visit is not None and (first_order is None or visit["visit_date"] <= first_order):
            activity = fe.Activity(visit["visit_date"], "visit", visit["visit_key"], visit["visit_id"])
        elif first_order is not None:
            activity = fe.Activity(first_order, "order")
        else:
            continue  # no trade inside the gap (in the range): nothing to report
        f = fe.roster_finding(gap, activity)
        summary.roster_cases += 1
        row = existing.get(f.flag_key)
        if row is None:
            inserts.append((*_finding_values(f), now, now))
        elif row["status"] == "new" and (row["visit_date"] is None or f.visit_date < row["visit_date"]):
            # A run over a wider range found earlier trade inside the gap.
            updates.append((f.visit_key, f.visit_id, f.visit_date, f.matched, now, row["id"]))
    gone = [row["id"] for key, row in existing.items() if key not in current and row["status"] == "new"]
    cols = ", ".join(FINDING_COLUMNS)
    db.executemany(f"INSERT INTO flags ({cols}, created_at, updated_at) VALUES "
                   f"({', '.join('?' for _ in FINDING_COLUMNS)}, ?, ?) "
                   "ON CONFLICT(flag_key) DO NOTHING", inserts)
    db.executemany("UPDATE flags SET visit_key = ?, visit_id = ?, visit_date = ?, matched = ?, "
                   "updated_at = ? WHERE id = ?", updates)
    # The roster now shows a valid licence (or the customer left): nothing left to report.
    db.executemany("DELETE FROM flags WHERE id = ? AND status = 'new'", ((i,) for i in gone))
    summary.added += len(inserts)
    summary.refreshed += len(updates)
    summary.removed += len(gone)


# ---------------------------------------------------------------------------
# Listing


@dataclass(frozen=True)
class FlagFilter:
    since: str | None = None
    until: str | None = None
    manager: str | None = None
    kind: str | None = None
    statuses: tuple[str, ...] | None = None
    ids: tuple[int, ...] | None = None
    customer: str | None = None  # a customer code


_LIST_SQL = (
    "SELECT f.*, coalesce(c.customer_name, v.customer_name) AS customer_name, "
    "c.license_no, c.license_expiry, c.address, v.checked_sku, v.visit_type, "
    # the price list's name of a 检查品规 written as a code, for the escalation documents
    "(SELECT p.sku_name FROM prices p WHERE p.sku_code = trim(v.checked_sku)) AS checked_sku_name "
    "FROM flags f LEFT JOIN customers c ON c.customer_code = f.customer_code "
    "LEFT JOIN visits v ON v.visit_key = f.visit_key")


def list_flags(db: Database, flt: FlagFilter = FlagFilter()) -> list[dict]:
    """Flags with the customer's name, licence and address and the visit's 检查品规, in date order."""
    where, params = _range("f.visit_date", flt.since, flt.until)
    if flt.manager:
        where.append("f.manager = ?")
        params.append(flt.manager)
    if flt.kind:
        where.append("f.kind = ?")
        params.append(flt.kind)
    if flt.customer:
        where.append("f.customer_code = ?")
        params.append(flt.customer)
    if flt.statuses:
        where.append(f"f.status IN ({', '.join('?' for _ in flt.statuses)})")
        params.extend(flt.statuses)
    if flt.ids is not None:
        if not flt.ids:
            return []
        where.append(f"f.id IN ({', '.join('?' for _ in flt.ids)})")
        params.extend(flt.ids)
    sql = _LIST_SQL + (" WHERE " + " AND ".join(where) if where else "") + \
        " ORDER BY f.visit_date, f.customer_code, f.id"
    return [dict(r) for r in db.query(sql, params)]


# One case per visit problem (store.flag_cases): the note's flag and the observed price's flag
# of one visit and kind (and in the same state) are one case with two pieces of evidence.
_EVIDENCE_KEYS = ("id", "source", "subkind", "matched", "rule", "observed_price",
                  "reference_price", "deviation", "deviation_pct")


def case_members(db: Database, flag_ids: Sequence[int]) -> dict[int, list[int]]:
    """flag id -> the ids of the flags of its case (itself among them), in id order; an id
    that is no flag maps to itself."""
    out = {i: [i] for i in flag_ids}
    for part in _chunks(list(dict.fromkeys(flag_ids))):
        for r in db.query(
                "SELECT f.id, g.id FROM flags f JOIN flags g ON g.visit_key = f.visit_key "
                "AND g.kind = f.kind AND g.status = f.status AND g.source IN ('note', 'observed_price') "
                "WHERE f.source IN ('note', 'observed_price') AND f.visit_key IS NOT NULL AND "
                f"f.id IN ({', '.join('?' for _ in part)}) ORDER BY g.id", part):
            members = out[r[0]]
            if r[1] not in members:
                members.append(r[1])
    return {i: sorted(m) for i, m in out.items()}


# Taken by every write that moves whole cases, before it reads their members: a case's members
# are the flags of one visit and kind in one status, so a reviewer who read them before another
# reviewer's commit would move a case that no longer is one (on PostgreSQL; SQLite has one
# writer at a time already).
CASES_LOCK = "cmgr-flag-cases"


def locked_case_members(db: Database, flag_ids: Sequence[int]) -> dict[int, list[int]]:
    """case_members, read inside the caller's transaction once the case lock is held."""
    if not db.in_transaction:
        raise RuntimeError("locked_case_members needs the caller's transaction")
    db.lock(CASES_LOCK)
    return case_members(db, flag_ids)


def _case_key(row: dict) -> tuple:
    if row["source"] in _CASE_SOURCES and row["visit_key"]:
        return ("visit", row["visit_key"], row["kind"], row["status"])
    return ("flag", row["id"])


def _case_row(members: list[dict]) -> dict:
    """The case as one listed row: the first flag's id, the note's text and the observed
    price's figures, both phrases, and every piece of evidence (`evidence`, `flag_ids`)."""
    members = sorted(members, key=lambda m: m["id"])
    row = dict(members[0])
    row["flag_ids"] = [m["id"] for m in members]
    by_source = sorted(members, key=lambda m: (_CASE_SOURCES.index(m["source"])
                                                if m["source"] in _CASE_SOURCES else 9, m["id"]))
    row["evidence"] = [{k: m.get(k) for k in _EVIDENCE_KEYS} for m in by_source]
    if len(members) == 1:
        return row
    observed = next((m for m in members if m["source"] == "observed_price"), None)
    noted = next((m for m in members if m["source"] == "note"), None)
    row["source"] = "+".join(dict.fromkeys(m["source"] for m in by_source))
    if observed is not None:  # the measured problem names the case (超零售指导价 / 低于最低零售价)
        row["subkind"] = observed["subkind"]
        for key in ("observed_price", "reference_price", "deviation", "deviation_pct"):
            row[key] = observed[key]
    if noted is not None:
        row["note"] = noted["note"]
    row["matched"] = "；".join(dict.fromkeys(m["matched"] for m in by_source if m["matched"]))
    row["rule"] = "；".join(dict.fromkeys(m["rule"] for m in by_source if m["rule"]))
    return row


def as_cases(rows: list[dict]) -> list[dict]:
    """Flags (as listed) folded into cases, in the order of each case's first flag."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(_case_key(r), []).append(r)
    return [_case_row(members) for members in groups.values()]


def list_cases(db: Database, flt: FlagFilter = FlagFilter()) -> list[dict]:
    """As list_flags, one row per case; with `ids`, the whole case of each id."""
    if flt.ids:
        members = case_members(db, flt.ids)
        flt = replace(flt, ids=tuple(dict.fromkeys(i for m in members.values() for i in m)))
    return as_cases(list_flags(db, flt))


def notes_after(db: Database, flags: Sequence[tuple]) -> list[tuple[str, str, str]]:
    """(customer, visit date, note) of the visits with a note to the customers of `flags`
    ((id, customer, kind, date) tuples) after the earliest of their dates."""
    first: dict[str, str] = {}
    for _id, code, _kind, day, *_ in flags:
        if code:
            first[code] = min(first.get(code, day or ""), day or "")
    out: list[tuple[str, str, str]] = []
    codes = sorted(first)
    for start in range(0, len(codes), 500):
        part = codes[start:start + 500]
        out += [(r[0], r[1], r[2]) for r in db.query(
            "SELECT customer_code, visit_date, notes FROM visits WHERE customer_code IN "
            f"({', '.join('?' for _ in part)}) AND notes IS NOT NULL AND notes <> '' "
            "ORDER BY customer_code, visit_date", part) if r[1] > first[r[0]]]
    return out


def known_managers(db: Database) -> list[str]:
    return [r[0] for r in db.query(
        "SELECT manager FROM customers WHERE manager IS NOT NULL UNION "
        "SELECT manager FROM visits WHERE manager IS NOT NULL ORDER BY 1")]


def get_flag(db: Database, flag_id: int) -> dict:
    """One flag, as listed, with its events (oldest first); with the other evidence of its
    case (`evidence`, `flag_ids`, the phrases and figures joined as in list_cases)."""
    row = db.execute(_LIST_SQL + " WHERE f.id = ?", (flag_id,)).fetchone()
    if row is None:
        raise NotFound(tr("找不到标记 {id}", id=flag_id), hint=tr("用 `cmgr flag` 列出标记"))
    case = list_cases(db, FlagFilter(ids=(flag_id,)))
    flag = dict(row) if len(case) != 1 else {**case[0], "id": flag_id}
    flag["events"] = [dict(r) for r in db.query(
        "SELECT action, by, at, text FROM flag_events WHERE flag_id = ? ORDER BY id", (flag_id,))]
    return flag


def last_events(db: Database, flag_ids: Sequence[int]) -> dict[int, dict]:
    """The latest event of each flag that has one (who reported it, the result...)."""
    out: dict[int, dict] = {}
    for part in _chunks(flag_ids):
        for r in db.query(
                "SELECT flag_id, action, by, at, text FROM flag_events WHERE flag_id IN "
                f"({', '.join('?' for _ in part)}) ORDER BY id", part):
            out[r["flag_id"]] = dict(r)
    return out


# ---------------------------------------------------------------------------
# Review


def review(db: Database, flag_id: int, action: str, *, by: str | None, text: str | None,
           at: str | None = None) -> dict:
    """report | close (text: the result) | dismiss (text: the reason); who and when are kept."""
    review_many(db, [flag_id], [(action, text)], by=by, at=at)
    return get_flag(db, flag_id)


def review_many(db: Database, flag_ids: Sequence[int], steps: Sequence[tuple[str, str | None]],
                *, by: str | None, at: str | None = None) -> list[dict]:
    """Apply the same steps to several flags, in one transaction: all of them or none.

    `steps` is one action with its text, or report then close when the area manager's
    decision is already known ([("report", note), ("close", result)]). A step refused for
    any flag (not found, closing an unreported flag, anything on a closed one) raises
    StateError / NotFound naming that flag, and nothing is changed.
    """
    if not flag_ids:
        raise UsageError(tr("没有要处理的标记"),
                         hint=tr("请给出一个或几个标记编号，或筛选条件（`--all-new`、`--customer`、"
                                 "`--since`、`--kind`）"))
    for action, text in steps:
        if action == "close" and not (text or "").strip():
            raise UsageError(tr("办结标记需要结果（`--result 结果`）"))
        if action == "dismiss" and not (text or "").strip():
            raise UsageError(tr("排除标记需要原因（`--reason 原因`）"))
    when = at or now_iso()
    with db.transaction():
        # A case moves as one: each flag named brings the other evidence of its case, as it
        # is once no other review is under way.
        members = locked_case_members(db, list(dict.fromkeys(flag_ids)))
        ids = list(dict.fromkeys(i for f in dict.fromkeys(flag_ids) for i in members[f]))
        # Locked (PostgreSQL; SQLite has one writer), in id order: a review running at the
        # same time waits, then this one reads the status it left, so neither step is lost.
        rows = {r["id"]: r for part in _chunks(sorted(ids)) for r in db.query(
            f"SELECT id, status, manager FROM flags WHERE id IN ({', '.join('?' for _ in part)}) "
            f"ORDER BY id{db.dialect.for_update}", part)}
        updates, events = [], []
        for flag_id in ids:
            row = rows.get(flag_id)
            if row is None:
                raise NotFound(tr("找不到标记 {id}；没有改动任何标记", id=flag_id) if len(ids) > 1
                               else tr("找不到标记 {id}", id=flag_id),
                               hint=tr("用 `cmgr flag` 列出标记"))
            status = row["status"]
            who = (by or "").strip() or row["manager"] or "cmgr"
            for action, text in steps:
                try:
                    status = fe.next_status(flag_id, status, action)
                except StateError as exc:  # before any write: nothing is changed
                    if len(ids) == 1:
                        raise
                    raise StateError(tr("{error}；{n} 个标记都没有改动", error=exc.message,
                                        n=len(ids)), hint=exc.hint) from exc
                events.append((flag_id, action, who, when, (text or "").strip() or None,
                               db.writer))
            updates.append((status, when, flag_id))
        db.executemany("UPDATE flags SET status = ?, updated_at = ? WHERE id = ?", updates)
        db.executemany("INSERT INTO flag_events (flag_id, action, by, at, text, recorded_by) "
                       "VALUES (?, ?, ?, ?, ?, ?)", events)
    return list_flags(db, FlagFilter(ids=tuple(ids)))


def mark_reported(db: Database, flag_ids: Sequence[int], *, by: str | None, text: str) -> int:
    """Report every flag of `flag_ids` that is still new (the escalation document went out)."""
    when = now_iso()
    with db.transaction():
        rows = [r for part in _chunks(sorted(flag_ids)) for r in db.query(
            f"SELECT id, manager FROM flags WHERE status = 'new' AND id IN "
            f"({', '.join('?' for _ in part)}) ORDER BY id{db.dialect.for_update}", part)]
        db.executemany("UPDATE flags SET status = 'reported', updated_at = ? WHERE id = ?",
                       [(when, r["id"]) for r in rows])
        db.executemany("INSERT INTO flag_events (flag_id, action, by, at, text, recorded_by) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       [(r["id"], "report", (by or "").strip() or r["manager"] or "cmgr", when, text,
                         db.writer) for r in rows])
    return len(rows)
