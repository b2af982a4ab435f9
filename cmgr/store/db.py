"""The database connection: SQLite in WAL mode, busy timeout, foreign keys, numbered migrations.

Every SQL statement of cmgr lives in `cmgr/store/`; this module owns the connection, the
migrations and the write transaction. Other store modules take a `Database` and run their
parameterised queries through it.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from cmgr.errors import DatabaseBusy, DatabaseError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def sql_in(expression: str, values: Iterable[str]) -> str:
    """`expression IN ('a', 'b')` for a fixed vocabulary (cmgr.domain's statuses), so a query
    says "open flag" or "in normal business" from the one definition, not a copy of it."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{expression} IN ({quoted})"


def now_iso() -> str:
    """Local timestamp, seconds precision, as stored in every *_at column."""
    return datetime.now().replace(microsecond=0).isoformat()


def migrations() -> list[tuple[int, str, Path]]:
    """The packaged migrations, in order: (version, name, path)."""
    found = []
    for path in MIGRATIONS_DIR.glob("*.sql"):
        m = _MIGRATION_NAME.match(path.name)
        if m:
            found.append((int(m.group(1)), m.group(2), path))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise DatabaseError(f"two migration files share a number: {versions}")
    return found


def latest_version() -> int:
    return max((v for v, _, _ in migrations()), default=0)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class Database:
    """One open cmgr database. Use `open_database()` to get one with migrations applied."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = None
        try:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a write transaction
            # takes the lock up front (BEGIN IMMEDIATE) and never deadlocks on an upgrade.
            self.conn = sqlite3.connect(str(self.path), timeout=busy_timeout,
                                        isolation_level=None, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            mode = self._switch_to_wal()
        except sqlite3.OperationalError as exc:
            self._close_quietly()
            if _is_busy(exc):
                raise self._busy_error() from exc
            raise DatabaseError(f"cannot open database {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise DatabaseError(f"{self.path} is not a cmgr database (or is damaged): {exc}",
                                hint="run `cmgr db check`, or restore a backup") from exc
        if mode.lower() != "wal":
            self._close_quietly()
            raise self._busy_error()
        self.conn.execute("PRAGMA synchronous = NORMAL")
        # Big imports build indexes on millions of keys: a larger page cache and in-memory
        # temporary tables roughly halve the time of a 1M-row load.
        self.conn.execute("PRAGMA cache_size = -262144")
        self.conn.execute("PRAGMA temp_store = MEMORY")
        self._in_tx = False

    def _close_quietly(self) -> None:
        """A connection that failed to open properly: closed, so no file handle is left."""
        if self.conn is not None:
            try:
                self.conn.close()
            except sqlite3.Error:
                pass

    def _switch_to_wal(self) -> str:
        """WAL mode, retried: while another process holds the new file open in its first
        (rollback-journal) moments, SQLite answers with the old mode instead of waiting."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() == "wal" or time.monotonic() >= deadline:
                return mode
            time.sleep(0.05)

    # -- queries -----------------------------------------------------------------------
    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise self._busy_error() from exc
            raise

    def executemany(self, sql: str, rows) -> sqlite3.Cursor:
        try:
            return self.conn.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise self._busy_error() from exc
            raise

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: tuple | dict = ()):
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def transaction(self, *, check_foreign_keys: bool = True,
                    lock_attached: bool = True) -> Iterator[Database]:
        """A write transaction: all or nothing. Waits for the write lock up to busy_timeout.

        `check_foreign_keys=False` is for bulk imports only: every imported row references the
        import-log row made in the same transaction, so the per-row parent lookup (about a
        second per million rows) proves nothing. SQLite ignores the pragma inside a
        transaction, so it is switched before BEGIN and back after the end.

        `lock_attached=False` locks only the main database at the start, for imports whose
        staged parts (attached files) are still being written when the transaction starts:
        BEGIN IMMEDIATE would lock and read every attached file at once. Each part is then
        locked and read when first used, once written.
        """
        if self._in_tx:  # nested: join the outer transaction
            yield self
            return
        lock_file = self.path.with_name(self.path.name + ".writer")
        try:
            if not check_foreign_keys:
                self.conn.execute("PRAGMA foreign_keys = OFF")
            if lock_attached:
                self.conn.execute("BEGIN IMMEDIATE")
            else:
                self.conn.execute("BEGIN DEFERRED")
                # A write statement takes the main database's write lock (waiting busy_timeout)
                # even when it changes nothing; the attached files stay unlocked.
                self.conn.execute("UPDATE main.schema_migrations SET version = version WHERE 0")
        except BaseException as exc:  # busy, a damaged file, Ctrl-C: leave no half-begun state
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self.conn.execute("PRAGMA foreign_keys = ON")
            if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
                raise self._busy_error() from exc
            raise
        self._in_tx = True
        try:
            _write_lock_note(lock_file)
            yield self
            # The note goes while we still hold the lock, so we never delete the next writer's.
            _remove_lock_note(lock_file)
            self.conn.execute("COMMIT")
        except BaseException:
            _remove_lock_note(lock_file)
            # SQLite may already have rolled back (disk full, I/O error): do not mask the cause.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._in_tx = False
            if not check_foreign_keys:
                self.conn.execute("PRAGMA foreign_keys = ON")

    def _busy_error(self) -> DatabaseBusy:
        holder = _read_lock_note(self.path.with_name(self.path.name + ".writer"))
        who = f" by {holder}" if holder else " by another process"
        return DatabaseBusy(
            f"database {self.path} is locked{who}; waited {self.busy_timeout:g} s",
            hint="try again when the other cmgr command has finished, or raise "
                 "database.busy_timeout in the configuration")

    # -- schema ------------------------------------------------------------------------
    def applied_versions(self) -> set[int]:
        if not self.has_table("schema_migrations"):
            return set()
        return {int(r[0]) for r in self.query("SELECT version FROM schema_migrations")}

    def has_table(self, name: str) -> bool:
        return bool(self.scalar(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", (name,)))

    def schema_version(self) -> int:
        return max(self.applied_versions(), default=0)

    def migrate(self, *, backup: bool = True) -> list[int]:
        """Apply the pending migrations, each in its own transaction; return the versions applied.

        A database written by a newer cmgr is refused. Before migrating a database that already
        holds data, a backup copy is taken beside it.
        """
        applied = self.applied_versions()
        current = max(applied, default=0)
        steps = migrations()
        known = {v for v, _, _ in steps}
        newest = max(known, default=0)
        if applied - known:
            raise DatabaseError(
                f"{self.path} was written by a newer cmgr (schema version {current}; "
                f"this cmgr knows up to {newest})",
                hint="upgrade cmgr (pip install -U cmgr) or use the newer installation")
        # Every known migration not yet recorded, in order (not only those above the maximum).
        pending = [s for s in steps if s[0] not in applied]
        if not pending:
            return []
        if current == 0 and self.scalar("SELECT count(*) FROM sqlite_master WHERE type='table' "
                                        "AND name NOT LIKE 'sqlite_%'"):
            raise DatabaseError(f"{self.path} is an SQLite database but not a cmgr one "
                                "(it has tables but no schema_migrations)",
                                hint="check --db / database.path")
        if current > 0 and backup:
            self.backup(self.path.with_name(
                f"{self.path.name}.before-v{newest}-{time.strftime('%Y%m%d%H%M%S')}.bak"))
        done = []
        with self.transaction():
            # Another process may have migrated while we waited for the lock: look again.
            applied = self.applied_versions()
            pending = [s for s in steps if s[0] not in applied]
            self.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                         "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            for version, name, path in pending:
                for statement in _split_sql(path.read_text(encoding="utf-8")):
                    self.execute(statement)
                self.execute("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                             (version, name, now_iso()))
                done.append(version)
        return done

    def backup(self, target: str | Path) -> Path:
        """A consistent copy through SQLite's online backup API, safe while others write."""
        from cmgr.fileio import atomic_path

        target = Path(target)
        with atomic_path(target) as tmp:
            dest = sqlite3.connect(str(tmp))
            try:
                self.conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            finally:
                dest.close()
        return target

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _split_sql(text: str) -> list[str]:
    """Statements of a migration file (no semicolons inside literals in our migrations)."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _write_lock_note(path: Path) -> None:
    import sys

    try:
        # The whole command line: its first words are often global options (cmgr -q --db X ...).
        command = " ".join(["cmgr", *sys.argv[1:]])
        command = command if len(command) <= 160 else command[:157] + "..."
        path.write_text(f"pid {os.getpid()} ({command})", encoding="utf-8")
    except OSError:
        pass


def _remove_lock_note(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _read_lock_note(path: Path) -> str | None:
    """The holder named in the note, unless that process is gone (a killed writer's note)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    m = re.match(r"pid (\d+)", text)
    if m and not _pid_alive(int(m.group(1))):
        return None
    return text or None


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but not ours, or the platform cannot tell
    return True


def open_database(path: str | Path, *, busy_timeout: float = 30.0, migrate: bool = True) -> Database:
    """Open (creating if needed) and migrate a cmgr database."""
    db = Database(path, busy_timeout=busy_timeout)
    try:
        if migrate:
            db.migrate()
        elif db.schema_version() > latest_version():
            db.migrate()  # raises the "newer cmgr" error
    except BaseException:
        db.close()
        raise
    return db
