"""Store imported records: set-based upserts keyed by natural keys, counted exactly.

A file's rows are staged first, then one INSERT ... SELECT ... ON CONFLICT DO UPDATE merges
them on their natural key; rows identical to what is stored are left untouched. Only the
columns the file had are written, so a roster export without coordinates does not wipe them.

Two ways to stage, one merge: an import's columns (Arrow) go to a scratch SQLite file
through ADBC (`staged()`), which binds values in C: a million rows take about 0.5 s, where
building a Python tuple per row for executemany takes about 1.5 s. A few rows given as
tuples (tests, small callers) go to a temporary table with executemany.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cmgr.errors import DatabaseError
from cmgr.store.db import Database, now_iso

# kind -> (table, key column, columns that may be stored)
TABLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "customers": ("customers", "customer_code", (
        "customer_name", "license_no", "license_expiry", "address", "phone", "grade",
        "grade_label", "manager", "route", "visit_weekdays", "lon", "lat", "joined_on", "status",
        "settlement", "business_type")),
    "orders": ("order_lines", "line_key", (
        "order_id", "order_date", "customer_code", "sku_code", "sku_name", "wholesale_price",
        "qty", "amount")),
    "visits": ("visits", "visit_key", (
        "visit_id", "visit_date", "customer_code", "customer_name", "manager", "visit_type",
        "notes", "checked_sku", "observed_price", "observed_price_text")),
    "prices": ("prices", "sku_code", (
        "sku_name", "wholesale_price", "retail_guide_price", "min_retail_price")),
}
_HAS_UPDATED_AT = {"customers", "visits", "prices"}


@dataclass
class StoreCounts:
    stored: int = 0
    updated: int = 0
    unchanged: int = 0


def start_import(db: Database, kind: str, file_name: str, sheet: str | None, sha256: str) -> int:
    cur = db.execute("INSERT INTO imports(kind, file_name, sheet, sha256, started_at) "
                     "VALUES (?, ?, ?, ?, ?)", (kind, file_name, sheet, sha256, now_iso()))
    return int(cur.lastrowid)


def finish_import(db: Database, import_id: int, *, rows_read: int, stored: int, updated: int,
                  unchanged: int, skipped: int, rejected: int) -> None:
    db.execute("UPDATE imports SET rows_read=?, stored=?, updated=?, unchanged=?, skipped=?, "
               "rejected=?, finished_at=? WHERE id=?",
               (rows_read, stored, updated, unchanged, skipped, rejected, now_iso(), import_id))


@dataclass(frozen=True)
class Stage:
    """Rows staged in an attached scratch database, ready for `upsert`."""

    kind: str
    columns: tuple[str, ...]  # stored columns, after the key
    rows: int
    relation: str = "cmgr_stage.incoming"


STAGE_PREFIX = "cmgr-stage-"
STALE_STAGE_SECONDS = 24 * 3600


def _remove_stale_stages() -> None:
    """Scratch folders left by an import that was killed (SIGKILL, power cut) go once they are
    a day old; a younger one may belong to an import running now."""
    import time

    cutoff = time.time() - STALE_STAGE_SECONDS
    try:
        for folder in Path(tempfile.gettempdir()).glob(STAGE_PREFIX + "*"):
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
    except OSError:
        pass  # housekeeping only: never the reason an import fails


@contextmanager
def staged(db: Database, kind: str, table) -> Iterator[Stage]:
    """Stage an Arrow table (the kind's key column first, then stored columns) for `upsert`.

    Written to a scratch file in the system temporary folder (TMPDIR) by ADBC's SQLite
    driver, with no journal and no fsync since it is thrown away, then attached to `db`.
    SQLite cannot attach inside a transaction, so call this before `db.transaction()`. The
    file is detached and deleted on the way out, whatever happens.
    """
    import adbc_driver_sqlite.dbapi as adbc

    _table, key, allowed = TABLES[kind]
    names = list(table.column_names)
    if not names or names[0] != key or any(c not in allowed for c in names[1:]):
        raise ValueError(f"a {kind} stage needs {key} then stored columns, not {names}")
    _remove_stale_stages()
    try:
        folder = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX))
    except OSError as exc:
        raise DatabaseError(f"cannot make a scratch folder for the import: {exc}",
                            hint="point TMPDIR at a writable folder with room") from exc
    path = folder / "incoming.db"
    attached = False
    try:
        try:
            with adbc.connect(str(path), autocommit=True) as conn, conn.cursor() as cur:
                cur.execute("PRAGMA journal_mode = OFF")
                cur.execute("PRAGMA synchronous = OFF")
                cur.adbc_ingest("incoming", table, mode="create")
        except Exception as exc:  # disk full in TMPDIR and the like
            raise DatabaseError(f"cannot stage {table.num_rows:,} rows in {folder}: {exc}",
                                hint="free space in the temporary folder, or point TMPDIR "
                                     "at one with room") from exc
        db.execute("ATTACH DATABASE ? AS cmgr_stage", (str(path),))
        attached = True
        yield Stage(kind, tuple(names[1:]), table.num_rows)
    finally:
        if attached:
            db.execute("DETACH DATABASE cmgr_stage")
        shutil.rmtree(folder, ignore_errors=True)


def upsert(db: Database, kind: str, columns: list[str], rows, import_id: int | None) -> StoreCounts:
    """Merge rows into the kind's table inside the caller's transaction; return how many were
    new, changed and unchanged. `rows` is a `Stage`, or tuples (key first, then `columns`).

    The counts need no comparison pass: new rows get rowids above the table's largest (no
    AUTOINCREMENT, so SQLite takes max + 1), and SQLite counts a change for each row inserted
    or actually updated; the rest were unchanged. Rows must not repeat a key (the importer
    removes repeats), so each row is exactly one of the three.
    """
    table, key, allowed = TABLES[kind]
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise ValueError(f"columns not stored for {kind}: {unknown}")
    cols = [key, *columns]
    if isinstance(rows, Stage):
        if list(rows.columns) != list(columns) or rows.kind != kind:
            raise ValueError(f"staged {rows.kind} {list(rows.columns)}, asked {kind} {columns}")
        source, total = rows.relation, rows.rows
    else:
        db.execute("DROP TABLE IF EXISTS temp.incoming")
        db.execute(f"CREATE TEMP TABLE incoming ({', '.join(cols)})")
        cur = db.executemany(f"INSERT INTO temp.incoming VALUES ({', '.join('?' for _ in cols)})",
                             rows)
        source, total = "temp.incoming", max(cur.rowcount, 0)
    extra_cols = ["import_id", *(["updated_at"] if kind in _HAS_UPDATED_AT else [])]
    extra = (import_id, now_iso()) if kind in _HAS_UPDATED_AT else (import_id,)
    set_clause = ", ".join(f"{c} = excluded.{c}" for c in [*columns, *extra_cols])
    changed = " OR ".join(f"NOT ({table}.{c} IS excluded.{c})" for c in columns) or "0"
    last_rowid = db.scalar(f"SELECT coalesce(max(rowid), 0) FROM {table}")
    changes_before = db.conn.total_changes
    # "WHERE true" disambiguates the upsert clause for SQLite's parser. The WHERE on DO
    # UPDATE leaves identical rows untouched: no write, and no change counted.
    db.execute(
        f"INSERT INTO {table} ({', '.join(cols + extra_cols)}) "
        f"SELECT {', '.join('i.' + c for c in cols)}, {', '.join('?' for _ in extra)} "
        f"FROM {source} i WHERE true "
        f"ON CONFLICT({key}) DO UPDATE SET {set_clause} WHERE {changed}", extra)
    changes = db.conn.total_changes - changes_before
    stored = db.scalar(f"SELECT count(*) FROM {table} WHERE rowid > ?", (last_rowid,))
    if source == "temp.incoming":
        db.execute("DROP TABLE temp.incoming")
    return StoreCounts(stored=stored, updated=changes - stored, unchanged=total - changes)
