"""Visits as records the manager owns: one visit, one record; list, edit, delete with history.

A visit typed in cmgr (source 'cmgr') or read from a filled sign-in / visit sheet (source
'sheet') and the company export's row (source 'import') for the same customer, day and type
are one visit. `merge_export_rows` folds the export's row into the other: the export's fields
fill what is missing, both notes are kept when they differ, the export's key is kept in
`export_key` (so a re-import of the export folds into the same visit again), and the export
row's flags move to the kept visit, so a case is flagged once. Migration 007.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cmgr.errors import NotFound, UsageError
from cmgr.i18n import tr
from cmgr.store.db import Database, now_iso

EXPORT_NOTE = "导出记录："  # how the export's differing note is joined to the kept one
FILLED = ("customer_name", "manager", "checked_sku", "observed_price", "observed_price_text")
EDITABLE = ("visit_date", "visit_type", "notes", "checked_sku", "observed_price", "manager",
            "arrival_time", "duties", "customer_signed", "situation", "action")
LIST_COLUMNS = ("id", "visit_key", "visit_id", "visit_date", "customer_code", "customer_name",
                "manager", "visit_type", "notes", "checked_sku", "observed_price", "arrival_time",
                "duties", "customer_signed", "source", "export_key")


@dataclass(frozen=True)
class PriceSeen:
    """One cigarette checked on a visit: the price seen (元/条) and the stock counted (条)."""

    sku: str
    price: float | None = None
    price_text: str | None = None
    stock: float | None = None


# --- one visit, one record -----------------------------------------------------------------------

def merge_export_rows(db: Database, *, import_id: int | None = None,
                      customer_code: str | None = None, visit_date: str | None = None,
                      by: str = "cmgr", folded_imports: list | None = None) -> int:
    """Fold export rows into the typed or sheet visit of the same customer, day and type (or
    the visit they were folded into before); return how many were folded, and add each folded
    row's import id to `folded_imports`. Runs inside the caller's transaction (an import, or
    recording a visit)."""
    where, params = ["e.source = 'import'"], []
    if import_id is not None:
        where.append("e.import_id = ?")
        params.append(import_id)
    if customer_code is not None:
        where.append("e.customer_code = ?")
        params.append(customer_code)
    if visit_date is not None:
        where.append("e.visit_date = ?")
        params.append(visit_date)
    cond = " AND ".join(where)
    pairs: list[tuple[int, int]] = []  # (export row id, kept row id)
    used_e: set[int] = set()
    used_s: set[int] = set()
    # An export row folded before and imported again goes back into the same visit. Both
    # queries start from the few visits recorded in cmgr or on sheets and look the export's
    # rows up by index (visit_key, visits_customer_date).
    for row in db.query(
            "SELECT e.id AS eid, s.id AS sid FROM visits s CROSS JOIN visits e "
            "ON e.visit_key = s.export_key "
            f"WHERE s.export_key IS NOT NULL AND {cond} ORDER BY e.id", params):
        used_e.add(row["eid"])
        used_s.add(row["sid"])
        pairs.append((row["eid"], row["sid"]))
    for row in db.query(
            "SELECT e.id AS eid, s.id AS sid FROM visits s CROSS JOIN visits e "
            "ON e.customer_code = s.customer_code AND e.visit_date = s.visit_date "
            "AND coalesce(e.visit_type, '常规访问') = coalesce(s.visit_type, '常规访问') "
            f"WHERE s.source <> 'import' AND s.export_key IS NULL AND {cond} "
            "ORDER BY e.id, s.id", params):
        if row["eid"] in used_e or row["sid"] in used_s:
            continue
        used_e.add(row["eid"])
        used_s.add(row["sid"])
        pairs.append((row["eid"], row["sid"]))
    for eid, sid in pairs:
        export = _row(db, eid)
        if folded_imports is not None:
            folded_imports.append(export["import_id"])
        _fold(db, export, _row(db, sid), by)
    return len(pairs)


def _row(db: Database, rowid: int) -> dict:
    return dict(db.execute("SELECT * FROM visits WHERE id = ?", (rowid,)).fetchone())


def joined_notes(kept: str | None, export: str | None) -> str | None:
    """Both notes when they differ; the export's once, however often it is folded in."""
    kept_text, export_text = (kept or "").strip(), (export or "").strip()
    if not export_text or export_text == kept_text or export_text in kept_text:
        return kept or export
    if not kept_text:
        return export_text
    return f"{kept_text}\n{EXPORT_NOTE}{export_text}"


def _fold(db: Database, export: dict, kept: dict, by: str) -> None:
    now = now_iso()
    changes = {c: export[c] for c in FILLED if kept.get(c) in (None, "") and export.get(c) not in (None, "")}
    notes = joined_notes(kept["notes"], export["notes"])
    if notes != kept["notes"]:
        changes["notes"] = notes
    if kept.get("export_key") == export["visit_key"]:
        # The same export row imported again: folded once already. What the kept visit says
        # now is the manager's (it may have been corrected with `visit edit`): left alone.
        _move_flags(db, export["visit_key"], kept["visit_key"], kept["visit_id"])
        db.execute("DELETE FROM flag_scans WHERE visit_key = ?", (export["visit_key"],))
        db.execute("DELETE FROM visits WHERE id = ?", (export["id"],))
        return
    sets = ", ".join(f"{c} = ?" for c in changes)
    db.execute(f"UPDATE visits SET {sets + ', ' if sets else ''}export_key = ?, updated_at = ? "
               "WHERE id = ?", (*changes.values(), export["visit_key"], now, kept["id"]))
    if export.get("checked_sku"):
        db.execute("INSERT INTO visit_prices (visit_key, sku, price, price_text) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(visit_key, sku) DO UPDATE SET "
                   "price = coalesce(visit_prices.price, excluded.price), "
                   "price_text = coalesce(visit_prices.price_text, excluded.price_text)",
                   (kept["visit_key"], export["checked_sku"], export["observed_price"],
                    export["observed_price_text"]))
    _move_flags(db, export["visit_key"], kept["visit_key"], kept["visit_id"])
    db.execute("DELETE FROM visit_prices WHERE visit_key = ?", (export["visit_key"],))
    db.execute("DELETE FROM flag_scans WHERE visit_key = ?", (export["visit_key"],))
    db.execute("DELETE FROM visits WHERE id = ?", (export["id"],))
    _event(db, kept, "merged", by, {"export_key": export["visit_key"],
                                    "export_visit_id": export["visit_id"], "filled": changes})


def _move_flags(db: Database, old_key: str, new_key: str, new_id: str | None) -> None:
    """The export row's flags follow the visit it is folded into. Where the kept visit has the
    same finding already, one flag stays: the one a person has acted on, else the older."""
    for flag in db.query("SELECT id, flag_key, status FROM flags WHERE visit_key = ?", (old_key,)):
        new_flag_key = flag["flag_key"].replace(f"|{old_key}|", f"|{new_key}|", 1)
        twin = db.execute("SELECT id, status FROM flags WHERE flag_key = ?", (new_flag_key,)).fetchone()
        if twin is not None:
            if flag["status"] == "new":
                db.execute("DELETE FROM flags WHERE id = ? AND status = 'new'", (flag["id"],))
                continue
            if twin["status"] == "new":
                db.execute("DELETE FROM flags WHERE id = ?", (twin["id"],))
            else:  # both in a person's hands: keep both, the moved one marked
                new_flag_key = f"{new_flag_key}|merged-{flag['id']}"
        db.execute("UPDATE flags SET flag_key = ?, visit_key = ?, visit_id = ?, updated_at = ? "
                   "WHERE id = ?", (new_flag_key, new_key, new_id, now_iso(), flag["id"]))


def _event(db: Database, visit: dict, action: str, by: str | None, detail: dict) -> None:
    db.execute("INSERT INTO visit_events (visit_key, visit_id, customer_code, action, by, at, detail, "
               "recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               (visit["visit_key"], visit["visit_id"], visit["customer_code"], action, by, now_iso(),
                json.dumps(detail, ensure_ascii=False, default=str), db.writer))


# --- prices seen ---------------------------------------------------------------------------------

def set_details(db: Database, visit_key: str, details: dict) -> None:
    """The sign-in sheet's details of a visit (arrival_time, duties, customer_signed)."""
    bad = set(details) - {"arrival_time", "duties", "customer_signed"}
    if bad:
        raise UsageError(tr("不是访问明细：{fields}", fields=", ".join(sorted(bad))))
    db.execute(f"UPDATE visits SET {', '.join(k + ' = ?' for k in details)} WHERE visit_key = ?",
               (*details.values(), visit_key))


def save_prices(db: Database, visit_key: str, prices: Sequence[PriceSeen]) -> None:
    """Every cigarette checked on the visit (replacing what was stored); the first also fills
    visits.checked_sku / observed_price, where the flag rules read a visit's price."""
    db.execute("DELETE FROM visit_prices WHERE visit_key = ?", (visit_key,))
    db.executemany("INSERT INTO visit_prices (visit_key, sku, price, price_text, stock) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT(visit_key, sku) DO UPDATE SET "
                   "price = excluded.price, price_text = excluded.price_text, stock = excluded.stock",
                   [(visit_key, p.sku, p.price, p.price_text, p.stock) for p in prices])
    first = next((p for p in prices if p.price is not None or p.price_text), None)
    if first is not None:
        db.execute("UPDATE visits SET checked_sku = ?, observed_price = ?, observed_price_text = ? "
                   "WHERE visit_key = ?", (first.sku, first.price,
                                           None if first.price is not None else first.price_text,
                                           visit_key))


def prices_of(db: Database, keys: Iterable[str]) -> dict[str, list[dict]]:
    keys = sorted(set(keys))
    out: dict[str, list[dict]] = {}
    for i in range(0, len(keys), 500):
        part = keys[i:i + 500]
        for r in db.query("SELECT visit_key, sku, price, price_text, stock FROM visit_prices "
                          f"WHERE visit_key IN ({', '.join('?' for _ in part)}) ORDER BY id", part):
            out.setdefault(r["visit_key"], []).append(
                {"sku": r["sku"], "price": r["price"], "price_text": r["price_text"],
                 "stock": r["stock"]})
    return out


def extra_prices(db: Database, keys: Sequence[str]) -> list[tuple[str, str, float | None, str | None]]:
    """(visit key, sku, price, price text) of the prices seen beyond each visit's first (which
    the visit row carries): the flag rules check them too."""
    out = []
    for i in range(0, len(keys), 500):
        part = list(keys[i:i + 500])
        out += [tuple(r) for r in db.query(
            "SELECT p.visit_key, p.sku, p.price, p.price_text FROM visit_prices p "
            "JOIN visits v ON v.visit_key = p.visit_key "
            f"WHERE p.visit_key IN ({', '.join('?' for _ in part)}) "
            "AND (p.price IS NOT NULL OR p.price_text IS NOT NULL) "
            "AND p.sku IS NOT coalesce(v.checked_sku, '') ORDER BY p.id", part)]
    return out


# --- list, edit, delete --------------------------------------------------------------------------

def list_visits(db: Database, *, customer_code: str | None = None, since: str | None = None,
                until: str | None = None, manager: str | None = None, limit: int | None = None
                ) -> list[dict]:
    where, params = [], []
    if customer_code:
        where.append("v.customer_code = ?")
        params.append(customer_code)
    if since:
        where.append("v.visit_date >= ?")
        params.append(since)
    if until:
        where.append("v.visit_date <= ?")
        params.append(until)
    if manager:
        where.append("coalesce(v.manager, c.manager) = ?")
        params.append(manager)
    sql = (f"SELECT {', '.join('v.' + c for c in LIST_COLUMNS if c != 'manager')}, "
           "coalesce(v.manager, c.manager) AS manager FROM visits v "
           "LEFT JOIN customers c ON c.customer_code = v.customer_code"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY v.visit_date DESC, v.id DESC" + (f" LIMIT {int(limit)}" if limit else ""))
    rows = [dict(r) for r in db.query(sql, params)]
    prices = prices_of(db, [r["visit_key"] for r in rows])
    for r in rows:
        r["prices"] = prices.get(r["visit_key"], [])
    return [{c: r.get(c) for c in (*LIST_COLUMNS, "prices")} for r in rows]


def find_visit(db: Database, ref: str) -> dict:
    """A visit by its row number (`visit list` shows it), its visit_id or its key."""
    row = None
    if ref.strip().isdigit():
        row = db.execute("SELECT * FROM visits WHERE id = ?", (int(ref),)).fetchone()
    if row is None:
        rows = db.query("SELECT * FROM visits WHERE visit_id = ? OR visit_key = ? ORDER BY id",
                        (ref, ref))
        if len(rows) > 1:
            raise UsageError(tr("有 {n} 次访问的编号是「{id}」", n=len(rows), id=ref),
                             hint=tr("请用 `cmgr visit list` 第一列的序号"))
        row = rows[0] if rows else None
    if row is None:
        raise NotFound(tr("找不到访问「{id}」", id=ref),
                       hint=tr("`cmgr visit list --customer 客户编码` 会列出访问"))
    return dict(row)


def edit_visit(db: Database, visit: dict, changes: dict, by: str | None,
               prices: Sequence[PriceSeen] | None = None) -> dict:
    """Change a visit's fields (and, given, its prices); kept in visit_events with the fields
    before and after. updated_at is set, so the next flag scan reads the visit again."""
    bad = set(changes) - set(EDITABLE)
    if bad:
        raise UsageError(tr("这些字段不能修改：{fields}", fields=", ".join(sorted(bad))))
    before = {c: visit.get(c) for c in changes}
    with db.transaction():
        if visit["source"] == "import":
            visit = _own(db, visit)
        if changes:
            db.execute(f"UPDATE visits SET {', '.join(c + ' = ?' for c in changes)}, updated_at = ? "
                       "WHERE id = ?", (*changes.values(), now_iso(), visit["id"]))
        if prices is not None:
            old = prices_of(db, [visit["visit_key"]]).get(visit["visit_key"], [])
            before["prices"] = old
            save_prices(db, visit["visit_key"], prices)
            if not prices:
                db.execute("UPDATE visits SET checked_sku = NULL, observed_price = NULL, "
                           "observed_price_text = NULL WHERE id = ?", (visit["id"],))
            db.execute("UPDATE visits SET updated_at = ? WHERE id = ?", (now_iso(), visit["id"]))
        after = {c: v for c, v in changes.items()}
        if prices is not None:
            after["prices"] = [p.__dict__ for p in prices]
        _event(db, visit, "edited", by, {"before": before, "after": after})
    return _row(db, visit["id"])


def _own(db: Database, visit: dict) -> dict:
    """An export's visit being corrected becomes cmgr's record (a key of its own, the export's
    kept in export_key), so importing the export again folds into it instead of overwriting
    the correction. Its flags and prices follow the new key."""
    import uuid

    key = f"cmgr:{uuid.uuid4().hex}"
    db.execute("UPDATE visits SET visit_key = ?, export_key = ?, source = 'cmgr' WHERE id = ?",
               (key, visit["visit_key"], visit["id"]))
    db.execute("UPDATE visit_prices SET visit_key = ? WHERE visit_key = ?", (key, visit["visit_key"]))
    db.execute("UPDATE visit_events SET visit_key = ? WHERE visit_key = ?", (key, visit["visit_key"]))
    _move_flags(db, visit["visit_key"], key, visit["visit_id"])
    db.execute("DELETE FROM flag_scans WHERE visit_key = ?", (visit["visit_key"],))
    return _row(db, visit["id"])


def delete_visit(db: Database, visit: dict, by: str | None) -> None:
    """Delete a visit; the whole record is kept in visit_events. Its flags are re-evaluated by
    `forget_visit_flags` (the caller's flag store)."""
    with db.transaction():
        record = dict(visit)
        record["prices"] = prices_of(db, [visit["visit_key"]]).get(visit["visit_key"], [])
        db.execute("DELETE FROM visit_prices WHERE visit_key = ?", (visit["visit_key"],))
        db.execute("DELETE FROM visits WHERE id = ?", (visit["id"],))
        _event(db, visit, "deleted", by, {"record": record})
        if visit.get("export_key"):  # the export's row stays deleted too (drop_deleted_exports)
            _event(db, {**visit, "visit_key": visit["export_key"]}, "deleted", by,
                   {"export_of": visit["visit_key"]})


def drop_deleted_exports(db: Database, import_id: int) -> int:
    """Rows of this import that are visits deleted with `cmgr visit delete`: a deletion stands
    when the same export is imported again."""
    cur = db.execute("DELETE FROM visits WHERE import_id = ? AND source = 'import' AND visit_key IN "
                     "(SELECT visit_key FROM visit_events WHERE action = 'deleted')", (import_id,))
    return cur.rowcount


def visit_history(db: Database, visit_key: str) -> list[dict]:
    return [dict(r) for r in db.query(
        "SELECT action, by, at, detail FROM visit_events WHERE visit_key = ? ORDER BY id",
        (visit_key,))]


# --- visits read from a filled sign-in sheet -------------------------------------------------------

def store_sheet_visits(db: Database, import_id: int, visits: Sequence) -> tuple[int, int, int]:
    """Upsert the sheet's visits (source 'sheet', key 'sheet:date|customer|type': importing the
    same sheet again changes nothing) with their prices; return (stored, updated, merged)."""
    stored = updated = 0
    now = now_iso()
    touched = set()
    for v in visits:
        key = f"sheet:{v.visit_date}|{v.customer_code}|{v.visit_type}"
        row = db.execute("SELECT id FROM visits WHERE visit_key = ?", (key,)).fetchone()
        typed = None if row is not None else db.execute(
            "SELECT * FROM visits WHERE source = 'cmgr' AND customer_code = ? AND visit_date = ? "
            "AND coalesce(visit_type, '常规访问') = ? ORDER BY id LIMIT 1",
            (v.customer_code, v.visit_date, v.visit_type)).fetchone()
        if typed is not None:  # typed with `visit log` too: the sheet completes that record
            _complete_typed(db, dict(typed), v, now)
            db.executemany("INSERT INTO visit_prices (visit_key, sku, price, price_text, stock) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT(visit_key, sku) DO UPDATE SET "
                           "price = coalesce(visit_prices.price, excluded.price), "
                           "stock = coalesce(visit_prices.stock, excluded.stock)",
                           [(typed["visit_key"], *p) for p in v.prices])
            updated += 1
            touched.add((v.customer_code, v.visit_date))
            continue
        values = (v.visit_date, v.customer_code, v.customer_name, v.manager, v.visit_type, v.notes,
                  v.arrival_time, v.duties or None,
                  None if v.customer_signed is None else int(v.customer_signed))
        if row is None:
            db.execute("INSERT INTO visits (visit_key, visit_id, visit_date, customer_code, "
                       "customer_name, manager, visit_type, notes, arrival_time, duties, "
                       "customer_signed, source, import_id, updated_at) "
                       "VALUES (?, NULL, ?, ?, coalesce(?, (SELECT customer_name FROM customers "
                       "WHERE customer_code = ?)), coalesce(?, (SELECT manager FROM customers "
                       "WHERE customer_code = ?)), ?, ?, ?, ?, ?, 'sheet', ?, ?)",
                       (key, v.visit_date, v.customer_code, v.customer_name, v.customer_code,
                        v.manager, v.customer_code, *values[4:], import_id, now))
            stored += 1
        else:
            db.execute("UPDATE visits SET notes = CASE WHEN export_key IS NULL THEN ? ELSE notes END, "
                       "arrival_time = ?, duties = ?, customer_signed = ?, import_id = ?, "
                       "updated_at = ? WHERE id = ?",
                       (v.notes, *values[6:], import_id, now, row["id"]))
            updated += 1
        save_prices(db, key, [PriceSeen(*p) for p in v.prices])
        touched.add((v.customer_code, v.visit_date))
    merged = sum(merge_export_rows(db, customer_code=code, visit_date=day) for code, day in sorted(touched))
    return stored, updated, merged


def _complete_typed(db: Database, typed: dict, v, now: str) -> None:
    """A sheet row for a visit also typed in cmgr: the sheet fills what the typed record lacks;
    both notes kept when they differ."""
    changes = {}
    for column, value in (("arrival_time", v.arrival_time), ("duties", v.duties or None),
                          ("customer_signed", None if v.customer_signed is None
                           else int(v.customer_signed))):
        if typed.get(column) is None and value is not None:
            changes[column] = value
    kept, sheet = (typed["notes"] or "").strip(), (v.notes or "").strip()
    if sheet and sheet not in kept:
        changes["notes"] = f"{kept}\n签到簿：{sheet}" if kept else sheet
    if changes:
        db.execute(f"UPDATE visits SET {', '.join(c + ' = ?' for c in changes)}, updated_at = ? "
                   "WHERE id = ?", (*changes.values(), now, typed["id"]))
        _event(db, typed, "merged", "cmgr", {"sheet_row": v.row, "filled": changes})

