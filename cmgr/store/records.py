"""Store imported records: set-based upserts keyed by natural keys, counted exactly.

A file's rows are staged first, then one INSERT ... SELECT ... ON CONFLICT DO UPDATE merges
them on their natural key; rows identical to what is stored are left untouched. Only the
columns the file had are written, so a roster export without coordinates does not wipe them.

Two ways to stage, one merge: an import's columns (Arrow) go to scratch SQLite files
through ADBC (`staged()`), which binds values in C: a million rows take about 0.5 s, where
building a Python tuple per row for executemany takes about 1.5 s, and a big file's later
parts are written while the earlier ones merge. A few rows given as tuples (tests, small
callers) go to a temporary table with executemany.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
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
    """Rows staged in attached scratch databases, ready for `upsert`: one relation per part,
    in key order; `wait(i)` returns once part i is written (or raises why it could not be)."""

    kind: str
    columns: tuple[str, ...]  # stored columns, after the key
    rows: int
    relations: tuple[str, ...]
    wait: Callable[[int], None]


STAGE_PREFIX = "cmgr-stage-"
STALE_STAGE_SECONDS = 24 * 3600
STAGE_PART_ROWS = 131_072
MAX_STAGE_PARTS = 8  # SQLite attaches at most 10 databases unless compiled otherwise


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


def _write_stage(path: Path, table, mode: str) -> None:
    """One scratch file, written by ADBC's own SQLite without fsync: it is thrown away, and a
    crash leaves nothing to recover. The rollback journal stays on: its commit bumps the file's
    change counter, which is how `db` (another SQLite library in this process) learns that
    the pages it read before are stale. Appending to a fresh file journals only a few pages."""
    import adbc_driver_sqlite.dbapi as adbc

    try:
        with adbc.connect(str(path), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("PRAGMA synchronous = OFF")
            cur.adbc_ingest("incoming", table, mode=mode)
    except Exception as exc:  # disk full in TMPDIR and the like
        raise DatabaseError(f"cannot stage {table.num_rows:,} rows in {path.parent}: {exc}",
                            hint="free space in the temporary folder, or point TMPDIR at one "
                                 "with room") from exc


@contextmanager
def staged(db: Database, kind: str, source, rows: int | None = None) -> Iterator[Stage]:
    """Stage rows for `upsert`: an Arrow table (the kind's key column first, then stored
    columns), or `source(start, stop)` giving rows [start, stop) of `rows` as one, so that a
    big frame is converted a part at a time, off the merging thread. Every part must have the
    first part's schema.

    The rows go to scratch files in the system temporary folder (TMPDIR), attached to `db`;
    SQLite cannot attach inside a transaction, so call this before `db.transaction()`.
    A big table is cut into parts (up to MAX_STAGE_PARTS files): the first is written now,
    the others by a background thread while `upsert` merges the ones before. ADBC and SQLite
    both work without the GIL, so on two cores writing part i+1 costs no time next to merging
    part i. The parts' empty tables exist before they are attached (so `db` knows their
    schema), and `db` reads a part only after ADBC has finished and closed it.
    Everything is detached and deleted on the way out, whatever happens.
    """
    import threading

    _table, key, allowed = TABLES[kind]
    if callable(source):
        n, part_of = int(rows or 0), source
    else:
        n = source.num_rows

        def part_of(start: int, stop: int):
            return source.slice(start, stop - start)
    parts = max(1, min(MAX_STAGE_PARTS, -(-n // STAGE_PART_ROWS)))
    size = -(-n // parts) if n else 0
    bounds = [(i * size, min(n, (i + 1) * size)) for i in range(parts)]
    first = part_of(*bounds[0])
    names = list(first.column_names)
    if not names or names[0] != key or any(c not in allowed for c in names[1:]):
        raise ValueError(f"a {kind} stage needs {key} then stored columns, not {names}")
    _remove_stale_stages()
    try:
        folder = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX))
    except OSError as exc:
        raise DatabaseError(f"cannot make a scratch folder for the import: {exc}",
                            hint="point TMPDIR at a writable folder with room") from exc
    paths = [folder / f"incoming{i}.db" for i in range(parts)]
    aliases = [f"cmgr_stage{i}" for i in range(parts)]
    ready = [threading.Event() for _ in range(parts)]
    failed: list[BaseException] = []
    stop = threading.Event()
    attached: list[str] = []
    worker = None

    def fill() -> None:
        try:
            for i in range(1, parts):
                if stop.is_set():
                    return
                _write_stage(paths[i], part_of(*bounds[i]), "append")
                ready[i].set()
        except BaseException as exc:  # raised in the merging thread, by wait()
            failed.append(exc)
        finally:
            for event in ready:
                event.set()

    def wait(i: int) -> None:
        ready[i].wait()
        if failed:
            raise failed[0]

    try:
        _write_stage(paths[0], first, "create")
        ready[0].set()
        for path in paths[1:]:
            _write_stage(path, first.schema.empty_table(), "create")
        for path, alias in zip(paths, aliases, strict=True):
            db.execute(f"ATTACH DATABASE ? AS {alias}", (str(path),))
            attached.append(alias)
        # Read every part's schema now, while no other writer is about: preparing any
        # statement later would load all attached schemas at once, part i+1 mid-write
        # included ("database disk image is malformed"). Appends do not change a schema.
        for alias in aliases:
            db.scalar(f"SELECT count(*) FROM {alias}.sqlite_master")
        if parts > 1:
            worker = threading.Thread(target=fill, name="cmgr-stage", daemon=True)
            worker.start()
        yield Stage(kind, tuple(names[1:]), n, tuple(f"{a}.incoming" for a in aliases), wait)
    finally:
        stop.set()
        if worker is not None:
            worker.join()
        for alias in attached:
            db.execute(f"DETACH DATABASE {alias}")
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
        sources, total = rows.relations, rows.rows
    else:
        db.execute("DROP TABLE IF EXISTS temp.incoming")
        db.execute(f"CREATE TEMP TABLE incoming ({', '.join(cols)})")
        cur = db.executemany(f"INSERT INTO temp.incoming VALUES ({', '.join('?' for _ in cols)})",
                             rows)
        sources, total = ("temp.incoming",), max(cur.rowcount, 0)
    extra_cols = ["import_id", *(["updated_at"] if kind in _HAS_UPDATED_AT else [])]
    extra = (import_id, now_iso()) if kind in _HAS_UPDATED_AT else (import_id,)
    set_clause = ", ".join(f"{c} = excluded.{c}" for c in [*columns, *extra_cols])
    changed = " OR ".join(f"NOT ({table}.{c} IS excluded.{c})" for c in columns) or "0"
    last_rowid = db.scalar(f"SELECT coalesce(max(rowid), 0) FROM {table}")
    changes_before = db.conn.total_changes
    for i, source in enumerate(sources):
        if isinstance(rows, Stage):
            rows.wait(i)
        # "WHERE true" disambiguates the upsert clause for SQLite's parser. The WHERE on DO
        # UPDATE leaves identical rows untouched: no write, and no change counted.
        db.execute(
            f"INSERT INTO {table} ({', '.join(cols + extra_cols)}) "
            f"SELECT {', '.join('i.' + c for c in cols)}, {', '.join('?' for _ in extra)} "
            f"FROM {source} i WHERE true "
            f"ON CONFLICT({key}) DO UPDATE SET {set_clause} WHERE {changed}", extra)
    changes = db.conn.total_changes - changes_before
    stored = db.scalar(f"SELECT count(*) FROM {table} WHERE rowid > ?", (last_rowid,))
    if not isinstance(rows, Stage):
        db.execute("DROP TABLE temp.incoming")
    return StoreCounts(stored=stored, updated=changes - stored, unchanged=total - changes)
