"""Store imported records: set-based upserts keyed by natural keys, counted exactly.

A file's rows are staged first, then one INSERT ... SELECT ... ON CONFLICT DO UPDATE merges
them on their natural key; rows identical to what is stored are left untouched. Only the
columns the file had are written, so a roster export without coordinates does not wipe them.

On PostgreSQL the parts go by COPY into a temporary table of the import's transaction
(`PgStage`: Arrow written as CSV by Arrow's C writer, read by the server's COPY), merged
once by two statements (`_pg_merge`: UPDATE of the changed rows, INSERT of the new keys in
key order); the counts are the rows each wrote.

Two ways to stage on SQLite, one merge: an import's columns (Arrow) go to scratch SQLite files
through ADBC (`staged()`), which binds values in C: a million rows take about 0.5 s, where
building a Python tuple per row for executemany takes about 1.5 s, and a big file's later
parts are written while the earlier ones merge. A few rows given as tuples (tests, small
callers) go to a temporary table with executemany.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Self

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
    "settlements": ("settlements", "settlement_key", (
        "deduction_id", "order_id", "order_date", "customer_code", "amount", "settle_status",
        "status_text", "settled_at", "fail_reason")),
    "supply": ("supply_limits", "limit_key", (
        "sku_code", "sku_name", "grade_band", "grade_from", "grade_to", "limit_qty",
        "valid_from", "valid_to")),
    "targets": ("targets", "target_key", ("manager", "month", "target_cases")),
    "survey": ("surveys", "survey_key", (
        "survey_round", "survey_date", "customer_code", "customer_name", "survey_item", "score",
        "level")),
}
_HAS_UPDATED_AT = {"customers", "visits", "prices", "settlements", "supply", "targets", "survey"}


@dataclass
class StoreCounts:
    stored: int = 0
    updated: int = 0
    unchanged: int = 0


def start_import(db: Database, kind: str, file_name: str, sheet: str | None, sha256: str, *,
                 by: str | None = None) -> int:
    return db.insert_id("INSERT INTO imports(kind, file_name, sheet, sha256, started_at, created_by) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (kind, file_name, sheet, sha256, now_iso(), by))


def finish_import(db: Database, import_id: int, *, rows_read: int, stored: int, updated: int,
                  unchanged: int, skipped: int, rejected: int) -> None:
    db.execute("UPDATE imports SET rows_read=?, stored=?, updated=?, unchanged=?, skipped=?, "
               "rejected=?, finished_at=? WHERE id=?",
               (rows_read, stored, updated, unchanged, skipped, rejected, now_iso(), import_id))


STAGE_PREFIX = "cmgr-stage-"
STALE_STAGE_SECONDS = 24 * 3600
STAGE_PART_ROWS = 131_072
MAX_STAGE_PARTS = 8  # SQLite attaches at most 10 databases unless compiled otherwise


def stage_parts(rows: int) -> list[tuple[int, int]]:
    """How a file of `rows` data rows is cut into parts: [start, stop) each, in order."""
    parts = max(1, min(MAX_STAGE_PARTS, -(-rows // STAGE_PART_ROWS)))
    size = -(-rows // parts) if rows else 0
    return [(i * size, min(rows, (i + 1) * size)) for i in range(parts)]


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
        # ADBC reports a full disk as its failed ROLLBACK; the free space tells the cause.
        try:
            free = shutil.disk_usage(path.parent).free
        except OSError:
            free = None
        cause = (f"no space left on the device ({free / 1e6:.1f} MB free)"
                 if free is not None and free < max(2 * table.nbytes, 1 << 20) else str(exc))
        raise DatabaseError(f"cannot stage {table.num_rows:,} rows in {path.parent}: {cause}",
                            hint="free space in the temporary folder, or point TMPDIR at one "
                                 "with room") from exc


class _Staging:
    """What both stages share: `running`, over each one's `start` and `stop`."""

    def start(self, import_id: int | None) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    @contextmanager
    def running(self, import_id: int | None) -> Iterator[Self]:
        """Write and merge while the block runs (inside the caller's transaction; the block
        leaves `db` alone until `finish`). If the block fails, the stage's threads are stopped
        before the exception reaches the transaction, so its rollback has `db` to itself."""
        self.start(import_id)
        try:
            yield self
        except BaseException:
            self.stop()
            raise


class Stage(_Staging):
    """An import's parts on their way in: each part handed over with `put` is converted to
    Arrow and written to its scratch file by ADBC on one background thread, and merged into the
    table on another, while the caller parses the next part. ADBC and SQLite work without the
    GIL, so on two cores the storing costs little beside the parsing. Made by `staged()`.
    """

    def __init__(self, db: Database, kind: str, columns: tuple[str, ...], paths: list[Path],
                 relations: list[str]) -> None:
        import queue
        import threading

        self.db, self.kind, self.columns = db, kind, columns
        self._paths, self._relations = paths, relations
        self._queue: queue.Queue = queue.Queue()
        self._written = [threading.Event() for _ in paths]
        self._rows = [0] * len(paths)
        self._failed: list[BaseException] = []
        self._threads: list = []
        self._given = 0
        self.counts: StoreCounts | None = None

    def start(self, import_id: int | None) -> None:
        """Start writing and merging (inside the caller's transaction; the caller leaves `db`
        alone until `finish` or `stop`). `running` is the safer way to call it."""
        import threading

        self._threads = [threading.Thread(target=self._write, name="cmgr-stage-write", daemon=True),
                         threading.Thread(target=self._merge, args=(import_id,),
                                          name="cmgr-stage-merge", daemon=True)]
        for thread in self._threads:
            thread.start()

    def put(self, make_table: Callable[[], object]) -> None:
        """Hand over the next part: `make_table()` gives it as an Arrow table (called on a
        background thread, so converting it overlaps the caller's work too)."""
        if self._failed:
            raise self._failed[0]
        if self._given >= len(self._paths):
            raise ValueError(f"more parts than the {len(self._paths)} staged")
        self._given += 1
        self._queue.put(make_table)

    def finish(self) -> StoreCounts:
        """Wait for every part to be merged; the counts, or the reason it failed."""
        if self._given != len(self._paths):
            raise ValueError(f"{self._given} parts given, {len(self._paths)} staged")
        for thread in self._threads:
            thread.join()
        if self._failed:
            raise self._failed[0]
        assert self.counts is not None
        return self.counts

    def stop(self) -> None:
        """Abandon the merge (the caller is failing): the statement running is interrupted and
        the threads waited for, so the caller's rollback has `db` to itself."""
        if not any(thread.is_alive() for thread in self._threads):
            return
        self._failed.append(DatabaseError("import abandoned"))
        self._queue.put(None)
        for event in self._written:
            event.set()
        self.db.interrupt()
        for thread in self._threads:
            thread.join()

    def _write(self) -> None:
        try:
            for i, path in enumerate(self._paths):
                make_table = self._queue.get()
                if make_table is None or self._failed:
                    return
                table = make_table()
                self._rows[i] = table.num_rows
                _write_stage(path, table, "append")
                self._written[i].set()
        except BaseException as exc:  # raised in the caller's thread by put/finish
            self._failed.append(exc)
        finally:
            for event in self._written:  # the merging thread must not wait for ever
                event.set()

    def _merge(self, import_id: int | None) -> None:
        try:
            counting = _Counting(self.db, self.kind)
            sql, extra = _merge_sql(self.kind, list(self.columns), import_id)
            for i, relation in enumerate(self._relations):
                self._written[i].wait()
                if self._failed:
                    return
                if not self.db.in_transaction:  # never write outside the import's transaction
                    raise DatabaseError("the import's transaction ended before its rows were merged")
                # Read only now: ADBC has written and closed this part.
                self.db.execute(sql.format(source=relation), extra)
            self.counts = counting.done(sum(self._rows))
        except BaseException as exc:
            self._failed.append(exc)


class PgStage(_Staging):
    """An import's parts on PostgreSQL: each part handed over with `put` is converted to Arrow
    and written as CSV on one background thread while the caller parses the next part, then
    COPYed by the server:
    - a part none of whose keys is stored (a first import, a new month) straight into the
      table, under a savepoint: COPY inserts a page of rows at a time where INSERT ... SELECT
      goes row by row (about a third less server time for a million new rows), and the index
      upkeep then overlaps the parse instead of following it. Its rows are all new: counted
      stored. Should another import commit one of its keys meanwhile (the unique key refuses
      the COPY), the part goes back to its savepoint and the way below;
    - any other part into a temporary table (of the import's transaction, dropped at its
      end), merged once after the last part (`_pg_merge`).
    Same interface as `Stage`; made by `staged()`."""

    TABLE = "pg_temp.cmgr_incoming"

    def __init__(self, db: Database, kind: str, names: list[str], parts: int) -> None:
        import queue

        self.db, self.kind, self.names, self.parts = db, kind, names, parts
        self._queue: queue.Queue = queue.Queue()
        self._failed: list[BaseException] = []
        self._thread = None
        self._given = 0
        self._rows = 0
        self._merged_rows = 0  # rows in the temporary table
        self._direct_rows = 0  # rows COPYed straight into the table
        self.counts: StoreCounts | None = None
        self._import_id: int | None = None
        self._direct = False
        self._stamp: tuple[tuple[str, object], ...] = ()

    def start(self, import_id: int | None) -> None:
        import threading

        table = TABLES[self.kind][0]
        self._import_id = import_id
        # The merge sorts the rows by key in memory rather than in files (this transaction only).
        self.db.execute("SET LOCAL work_mem = '256MB'")
        self.db.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
        # The target's own column types: COPY parses each value as the table stores it.
        self.db.execute(f"CREATE TEMP TABLE cmgr_incoming ON COMMIT DROP AS SELECT "
                        f"{', '.join(self.names)} FROM {table} LIMIT 0")
        # COPY into a table under row-level security is refused for the rows' owners alike:
        # such a table (visits) takes the merge's way only.
        self._direct = not self.db.scalar(
            "SELECT relrowsecurity FROM pg_class WHERE oid = CAST(? AS regclass)", (table,))
        self._stamp = (("import_id", import_id),
                       *((("updated_at", now_iso()),) if self.kind in _HAS_UPDATED_AT else ()))
        self._thread = threading.Thread(target=self._copy, name="cmgr-stage-copy", daemon=True)
        self._thread.start()

    def put(self, make_table: Callable[[], object]) -> None:
        if self._failed:
            raise self._failed[0]
        if self._given >= self.parts:
            raise ValueError(f"more parts than the {self.parts} staged")
        self._given += 1
        self._queue.put(make_table)

    def _copy(self) -> None:
        try:
            while (make_table := self._queue.get()) is not None:
                if self._failed:
                    return
                table = make_table()
                self._rows += table.num_rows
                if not table.num_rows:
                    continue
                if self._direct and self._copy_new(table):
                    continue
                self.db.copy_csv(self.TABLE, self.names, arrow_csv(table))
                self._merged_rows += table.num_rows
        except BaseException as exc:  # raised in the caller's thread by put/finish
            self._failed.append(exc)

    # Stored keys within a part's key range read to tell whether the part's own keys are
    # among them; beyond this many (another manager's rows interleaved) the part is merged.
    PROBE_KEYS = 4096

    def _copy_new(self, table) -> bool:
        """COPY a part straight into the kind's table if none of its keys is stored; whether
        it was. The probe reads the stored keys within the part's key range from the key's
        index (none: a first import, a new month; a few: the order split between this part
        and the one before) and looks for the part's keys among them."""
        import pyarrow as pa
        import pyarrow.compute as pc

        target, key, _allowed = TABLES[self.kind]
        keys = table.column(key)
        low, high = pc.min_max(keys).values()
        stored = [r[0] for r in self.db.query(
            f"SELECT {key} FROM {target} WHERE {key} >= ? AND {key} <= ? LIMIT {self.PROBE_KEYS}",
            (low.as_py(), high.as_py()))]
        if len(stored) >= self.PROBE_KEYS or (stored and pc.any(pc.is_in(
                keys, value_set=pa.array(stored, type=keys.type))).as_py()):
            return False
        for name, value in self._stamp:
            table = table.append_column(name, pa.array([value] * table.num_rows, type=(
                pa.int64() if name == "import_id" else pa.string())))
        self.db.execute("SAVEPOINT cmgr_direct")
        try:
            self.db.copy_csv(target, table.schema.names, arrow_csv(table))
        except Exception as exc:
            if not self.db.is_unique_violation(exc):
                raise
            # Another import committed one of these keys since the probe: merge the part.
            self.db.execute("ROLLBACK TO SAVEPOINT cmgr_direct")
            self.db.execute("RELEASE SAVEPOINT cmgr_direct")
            return False
        self.db.execute("RELEASE SAVEPOINT cmgr_direct")
        self._direct_rows += table.num_rows
        return True

    def finish(self) -> StoreCounts:
        if self._given != self.parts:
            raise ValueError(f"{self._given} parts given, {self.parts} staged")
        self._queue.put(None)
        self._thread.join()
        if self._failed:
            raise self._failed[0]
        # Once, after the last part: merged part by part, each join would read the whole
        # table again (or probe its index per row): 11.5 s against 5.3 s for a million rows.
        # The planner has no row count of a fresh temporary table: ANALYZE gives it one.
        counts = StoreCounts()
        if self._merged_rows:
            self.db.execute(f"ANALYZE {self.TABLE}")
            counts = _pg_merge(self.db, self.kind, self.names[1:], self._import_id,
                               self.TABLE, self._merged_rows)
        counts.stored += self._direct_rows
        self.counts = counts
        return self.counts

    def stop(self) -> None:
        """Abandon the copy (the caller is failing): the COPY running is cancelled and the
        thread waited for, so the caller's rollback has `db` to itself."""
        if self._thread is None or not self._thread.is_alive():
            return
        self._failed.append(DatabaseError("import abandoned"))
        self._queue.put(None)
        self.db.interrupt()
        self._thread.join()


def arrow_csv(table) -> bytes:
    """An Arrow table as CSV for COPY: no header, every value quoted, so an unquoted empty
    field is NULL and a quoted one the empty text; booleans as 1/0 (stored as integers)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    for i, field in enumerate(table.schema):
        if pa.types.is_boolean(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.int64()))
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(
        include_header=False, quoting_style="all_valid"))
    return sink.getvalue().to_pybytes()


@contextmanager
def staged(db: Database, kind: str, schema, parts: int) -> Iterator[Stage]:
    """Scratch files for an import of `parts` parts whose Arrow `schema` is the kind's key
    column, then stored columns; attached to `db`, so call this before `db.transaction(
    lock_attached=False)`: SQLite cannot attach inside a transaction, and BEGIN IMMEDIATE
    would lock (and read) every attached file while it is still being written.

    Safe reading of files another SQLite library in this process writes: each part's (empty)
    table exists and its schema is read before anything is written, and `db` reads a part
    only when merging it, after ADBC has written and closed it. Everything is detached and
    deleted on the way out, whatever happens.
    """
    _table, key, allowed = TABLES[kind]
    names = list(schema.names)
    if not names or names[0] != key or any(c not in allowed for c in names[1:]):
        raise ValueError(f"a {kind} stage needs {key} then stored columns, not {names}")
    if db.is_postgres:
        yield PgStage(db, kind, names, parts)
        return
    _remove_stale_stages()
    try:
        folder = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX))
    except OSError as exc:
        raise DatabaseError(f"cannot make a scratch folder for the import: {exc}",
                            hint="point TMPDIR at a writable folder with room") from exc
    paths = [folder / f"incoming{i}.db" for i in range(parts)]
    aliases = [f"cmgr_stage{i}" for i in range(parts)]
    attached: list[str] = []
    stage = None
    try:
        for path in paths:
            _write_stage(path, schema.empty_table(), "create")
        for path, alias in zip(paths, aliases, strict=True):
            db.execute(f"ATTACH DATABASE ? AS {alias}", (str(path),))
            attached.append(alias)
        # Read every part's schema now, while no other writer is about: preparing any
        # statement later would load all attached schemas at once, parts mid-write included
        # ("database disk image is malformed"). Appends do not change a schema.
        for alias in aliases:
            db.scalar(f"SELECT count(*) FROM {alias}.sqlite_master")
        stage = Stage(db, kind, tuple(names[1:]), paths, [f"{a}.incoming" for a in aliases])
        yield stage
    finally:
        try:
            if stage is not None:
                stage.stop()
            for alias in attached:
                try:
                    db.execute(f"DETACH DATABASE {alias}")
                except sqlite3.Error:  # still locked after a failed begin: closing frees it
                    pass
        finally:
            shutil.rmtree(folder, ignore_errors=True)


class _Counting:
    """New, changed and unchanged rows of a merge without a comparison pass: new rows get
    rowids above the table's largest (no AUTOINCREMENT, so SQLite takes max + 1), and SQLite
    counts a change for each row inserted or actually updated; the rest were unchanged. Rows
    must not repeat a key (the importer removes repeats), so each is exactly one of the three."""

    def __init__(self, db: Database, kind: str) -> None:
        self.db, self.table = db, TABLES[kind][0]
        self.last_rowid = db.scalar(f"SELECT coalesce(max(rowid), 0) FROM {self.table}")
        self.changes_before = db.conn.total_changes

    def done(self, total: int) -> StoreCounts:
        changes = self.db.conn.total_changes - self.changes_before
        stored = self.db.scalar(f"SELECT count(*) FROM {self.table} WHERE rowid > ?",
                                (self.last_rowid,))
        return StoreCounts(stored=stored, updated=changes - stored, unchanged=total - changes)


def _merge_sql(kind: str, columns: list[str], import_id: int | None) -> tuple[str, tuple]:
    """The merge of one staged relation (`{source}` in the text) into the kind's table."""
    table, key, allowed = TABLES[kind]
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise ValueError(f"columns not stored for {kind}: {unknown}")
    cols = [key, *columns]
    extra_cols = ["import_id", *(["updated_at"] if kind in _HAS_UPDATED_AT else [])]
    extra = (import_id, now_iso()) if kind in _HAS_UPDATED_AT else (import_id,)
    set_clause = ", ".join(f"{c} = excluded.{c}" for c in [*columns, *extra_cols])
    changed = " OR ".join(f"NOT ({table}.{c} IS excluded.{c})" for c in columns) or "false"
    # "WHERE true" disambiguates the upsert clause for SQLite's parser. The WHERE on DO
    # UPDATE leaves identical rows untouched: no write, and no change counted.
    sql = (f"INSERT INTO {table} ({', '.join(cols + extra_cols)}) "
           f"SELECT {', '.join('i.' + c for c in cols)}, "
           # typed: PostgreSQL takes an untyped parameter in a SELECT list for text
           f"{', '.join(('CAST(? AS INTEGER)', 'CAST(? AS TEXT)')[:len(extra)])} "
           f"FROM {{source}} i WHERE true "
           f"ON CONFLICT({key}) DO UPDATE SET {set_clause} WHERE {changed}")
    return sql, extra


def _merge(db: Database, kind: str, columns: list[str], import_id: int | None, source: str,
           total: int) -> StoreCounts:
    """Merge the staged relation `source` into the kind's table; its counts. SQLite counts by
    rowids and its change counter (one upsert statement); PostgreSQL by the rows each of its
    two statements wrote (`_pg_merge`)."""
    if db.is_postgres:
        return _pg_merge(db, kind, columns, import_id, source, total)
    sql, extra = _merge_sql(kind, columns, import_id)
    counting = _Counting(db, kind)
    db.execute(sql.format(source=source), extra)
    return counting.done(total)


_MERGE_ATTEMPTS = 5


def _pg_merge(db: Database, kind: str, columns: list[str], import_id: int | None, source: str,
              total: int) -> StoreCounts:
    """PostgreSQL's merge of `source` (no key twice) into the kind's table, in two statements:
    UPDATE of the stored rows that differ in a column the file has, then INSERT of the keys not
    stored, in key order. An ON CONFLICT upsert takes a speculative insert per row (7.0 s for a
    million new rows against 5.3 s, the statements alone: docs/postgresql.md). Between the
    two statements another import may commit a key this one inserts (the INSERT waits for
    it, then fails on the unique key): the merge is undone to its savepoint and run again,
    and then finds that row stored. Counts are the rows each statement wrote: new, changed, the rest
    unchanged, exactly as the upsert's."""
    table, key, allowed = TABLES[kind]
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise ValueError(f"columns not stored for {kind}: {unknown}")
    stamp = kind in _HAS_UPDATED_AT
    extra = (import_id, now_iso()) if stamp else (import_id,)
    extra_cols = ["import_id", *(["updated_at"] if stamp else [])]
    typed = ", ".join(("CAST(? AS BIGINT)", "CAST(? AS TEXT)")[:len(extra)])
    set_clause = ", ".join([*(f"{c} = i.{c}" for c in columns),
                            *(f"{c} = {v}" for c, v in zip(extra_cols, typed.split(", "),
                                                           strict=True))])
    changed = " OR ".join(f"t.{c} IS DISTINCT FROM i.{c}" for c in columns)
    update = (f"UPDATE {table} t SET {set_clause} FROM {source} i "
              f"WHERE t.{key} = i.{key} AND ({changed})") if columns else None
    cols = [key, *columns]
    insert = (f"INSERT INTO {table} ({', '.join(cols + extra_cols)}) "
              f"SELECT {', '.join('i.' + c for c in cols)}, {typed} FROM {source} i "
              f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{key} = i.{key}) "
              # key order: the key's index grows at its end (a million rows: 5.6 s, not 8.9 s)
              f"ORDER BY i.{key}")
    for attempt in range(1, _MERGE_ATTEMPTS + 1):
        db.execute("SAVEPOINT cmgr_merge")
        try:
            updated = db.execute(update, extra).rowcount if update else 0
            stored = db.execute(insert, extra).rowcount
        except Exception as exc:
            if not db.is_unique_violation(exc):
                raise
            db.execute("ROLLBACK TO SAVEPOINT cmgr_merge")
            if attempt == _MERGE_ATTEMPTS:
                raise
            continue
        db.execute("RELEASE SAVEPOINT cmgr_merge")
        return StoreCounts(stored=stored, updated=updated, unchanged=total - stored - updated)
    raise AssertionError("unreachable")


def upsert(db: Database, kind: str, columns: list[str], rows, import_id: int | None) -> StoreCounts:
    """Merge a few rows given as tuples (key first, then `columns`) inside the caller's
    transaction; return how many were new, changed and unchanged. Imports use `staged`."""
    table, key, _allowed = TABLES[kind]
    cols = [key, *columns]
    rows = list(rows)
    db.execute("DROP TABLE IF EXISTS temp.incoming")
    # The target's column types (PostgreSQL needs them; SQLite takes them too).
    db.execute(f"CREATE TEMP TABLE incoming AS SELECT {', '.join(cols)} FROM {table} LIMIT 0")
    db.executemany(f"INSERT INTO temp.incoming VALUES ({', '.join('?' for _ in cols)})", rows)
    counts = _merge(db, kind, columns, import_id, "temp.incoming", len(rows))
    db.execute("DROP TABLE temp.incoming")
    return counts
