"""The database connection: SQLite (a file: WAL mode, busy timeout, foreign keys) or
PostgreSQL (a `postgresql://user@host:port/dbname` URL, through psycopg 3), numbered migrations.

Every SQL statement of cmgr lives in `cmgr/store/`; this module owns the connection, the
migrations and the write transaction. Other store modules take a `Database` and run their
parameterised queries through it, written once in SQLite's spelling (`?` placeholders).

Where the two dialects differ, it is said here and nowhere else (`Dialect`): on PostgreSQL
each statement is translated once (and cached) before it runs, and each migration file when
it is applied: placeholders, `temp.` tables, LIKE's case, NULL ordering, `IS` between values,
types (INTEGER PRIMARY KEY -> identity, REAL -> double precision, text compared byte-wise like
SQLite), and the catalogue (sqlite_master, PRAGMA table_info) behind `has_table`/`columns`.
Hand-written SQL with one translator, rather than SQLAlchemy Core: the store's ~200 queries
stay as they are, readable and tuned for SQLite, and the differences fit in one small class.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from cmgr.errors import ConfigError, DatabaseBusy, DatabaseError
from cmgr.i18n import tr

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def sql_in(expression: str, values: Iterable[str]) -> str:
    """`expression IN ('a', 'b')` for a fixed vocabulary (cmgr.domain's statuses), so a query
    says "open flag" or "in normal business" from the one definition, not a copy of it."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{expression} IN ({quoted})"


def os_user() -> str:
    """The operating system's user name ("cmgr" in a bare container without one)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cmgr"


def now_iso() -> str:
    """Local timestamp, seconds precision, as stored in every *_at column."""
    return datetime.now().replace(microsecond=0).isoformat()


def date_horizon() -> str:
    """ISO date ten years ahead: a stored date beyond it is a typo imported before cmgr checked
    dates (9999-12-31), so it is never taken for the data's end, from which every report
    counts its weeks and months (date arithmetic past 9999 overflows)."""
    from datetime import date, timedelta

    return (date.today() + timedelta(days=3653)).isoformat()


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
            raise DatabaseError(f"cannot open database {self.path}: {exc}",
                                hint="check that the file and its folder are writable: SQLite "
                                     "writes its -wal and -shm files beside the database, even "
                                     "to read") from exc
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

    # -- what differs between the backends (PgDatabase overrides) -----------------------
    dialect: Dialect  # set below the class
    is_postgres = False
    # The configured `[user] name`, set by whoever opens the database with a configuration
    # (cli.common.AppState.db); SQLite has no users of its own.
    user_name: str | None = None

    @property
    def writer(self) -> str:
        """Who this connection's writes are recorded as made by (every created_by, changed_by,
        recorded_by ... column): the one place that decides it. SQLite: `[user] name`, else
        the OS user. PostgreSQL: the database user, which the server vouches for whatever a
        configuration says (PgDatabase.writer)."""
        return (self.user_name or "").strip() or os_user()

    @property
    def location(self) -> str:
        """The database as messages name it: the file, or the URL (never with a password)."""
        return str(self.path)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    @contextmanager
    def sort_memory(self, megabytes: int) -> Iterator[None]:
        """Statements inside may use `megabytes` for each sort or hash (PostgreSQL's work_mem,
        on this connection; restored after); nothing on SQLite, whose sorts take the page
        cache they need."""
        yield

    def another(self) -> Database | None:
        """A second connection to the same database, for a read on another thread while
        this one goes on (sqlite3 releases the GIL while a statement runs); None when there
        is no file to open again (an in-memory database)."""
        if not self.path.is_file():
            return None
        return Database(self.path, busy_timeout=self.busy_timeout)

    def insert_id(self, sql: str, params: tuple = ()) -> int:
        """Run an INSERT of one row and return its new `id` (RETURNING, on both backends)."""
        return int(self.execute(sql + " RETURNING id", params).fetchone()[0])

    def columns(self, table: str) -> set[str]:
        """The column names of `table` (empty when it does not exist)."""
        return {row[1] for row in self.query(f"PRAGMA table_info({table})")}

    def user_tables(self) -> list[str]:
        """Every table but the engine's own, in name order."""
        return [r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' ORDER BY name")]

    def iterate(self, sql: str, params: tuple | list = (), *, batch: int = 20_000
                ) -> Iterator[list[tuple]]:
        """The rows of a big query as plain tuples, `batch` at a time (not all in memory)."""
        cur = self.conn.cursor()
        cur.row_factory = None  # plain tuples: 350,000 rows read noticeably faster
        try:
            cur.execute(sql, params)
            while rows := cur.fetchmany(batch):
                yield rows
        finally:
            cur.close()

    def lock(self, name: str) -> None:
        """Serialise writers that read, then write, the same thing (the next complaint id, a
        day's visit numbers) until the transaction ends. SQLite has one writer at a time
        already; PostgreSQL takes an advisory lock on `name`."""

    def retrying(self, work: Callable[[], T], *, attempts: int = 5) -> T:
        """`work()` (which opens its own transaction), run again when PostgreSQL aborted it
        for a serialization failure or a deadlock; SQLite never needs it (one writer)."""
        return work()

    def interrupt(self) -> None:
        """Stop the statement running on another thread (an abandoned import)."""
        self.conn.interrupt()

    def is_unique_violation(self, exc: BaseException) -> bool:
        """`exc` is a row refused for a key already stored (another writer's, just committed)."""
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

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
        return bool(self.scalar(self.dialect.has_table_sql, (name,)))

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
                f"{self.location} was written by a newer cmgr (schema version {current}; "
                f"this cmgr knows up to {newest})",
                hint="upgrade cmgr (pip install -U cmgr) or use the newer installation")
        # Every known migration not yet recorded, in order (not only those above the maximum).
        pending = [s for s in steps if s[0] not in applied]
        if not pending:
            return []
        if current == 0 and self.user_tables():
            raise DatabaseError(tr("{database} 不是 cmgr 的数据库（有表，但没有 schema_migrations）",
                                   database=self.location),
                                hint=tr("检查 --db / CMGR_DB / database.path"))
        if current > 0 and backup and not self.is_postgres:
            # PostgreSQL's DDL is transactional: a failed migration leaves the schema as it was.
            self.backup(self.path.with_name(
                f"{self.path.name}.before-v{newest}-{time.strftime('%Y%m%d%H%M%S')}.bak"))
        done = []
        with self.transaction():
            self.lock("cmgr-migrate")
            # Another process may have migrated while we waited for the lock: look again.
            applied = self.applied_versions()
            pending = [s for s in steps if s[0] not in applied]
            self.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                         "version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
                         "applied_at TEXT NOT NULL)")
            for version, name, path in pending:
                for statement in _split_sql(path.read_text(encoding="utf-8")):
                    self.execute(self.dialect.ddl(statement))
                self.execute("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                             (version, name, now_iso()))
                done.append(version)
        return done

    def backup(self, target: str | Path) -> Path:
        """A consistent copy through SQLite's online backup API, safe while others write."""
        from cmgr.fileio import atomic_path

        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_dead_partials(target.parent)
        with atomic_path(target) as tmp:
            dest = sqlite3.connect(str(tmp))
            try:
                self.conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.OperationalError as exc:
                if "full" in str(exc).lower():  # the backup's disk, not the database's
                    raise DatabaseError(f"no space left on the device for the backup {target}",
                                        hint="free space there, or back up elsewhere") from exc
                raise
            finally:
                dest.close()
                Path(f"{tmp}-journal").unlink(missing_ok=True)  # a failed copy's hot journal
        return target

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Dialect:
    """SQLite's spelling, which every store module writes: nothing to translate."""

    name = "sqlite"
    has_table_sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
    # A SELECT's rows kept from other writers until the transaction ends (the read of a
    # read-then-write): SQLite's one writer already is; PostgreSQL locks them.
    for_update = ""

    def sql(self, text: str) -> str:
        return text

    def ddl(self, statement: str) -> str:
        return statement

    def weekday(self, iso_date: str) -> str:
        """The weekday of an ISO date text as text, '0' Sunday .. '6' Saturday."""
        return f"strftime('%w', {iso_date})"


Database.dialect = Dialect()


# Tokens of a statement: quoted text and identifiers pass through untouched.
_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|[^'"-]+|-""")
_IS_NOT_VALUE = re.compile(r"\bIS\s+NOT\s+(?!NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", re.I)
_IS_VALUE = re.compile(r"\bIS\s+(?!NOT\b|NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", re.I)
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.I)
_ORDER_END = re.compile(r"\b(LIMIT|OFFSET|FOR|UNION|EXCEPT|INTERSECT|ON\s+CONFLICT|RETURNING)\b|\)|;",
                        re.I)


class PostgresDialect(Dialect):
    """What PostgreSQL needs, translated from SQLite's spelling in one pass per statement."""

    name = "postgresql"
    has_table_sql = ("SELECT count(*) FROM information_schema.tables "
                     "WHERE table_schema = current_schema() AND table_name = ?")
    for_update = " FOR UPDATE"

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def sql(self, text: str) -> str:
        done = self._cache.get(text)
        if done is None:
            done = self._cache[text] = self._translate(text)
        return done

    def _translate(self, text: str) -> str:
        out = []
        for token in _TOKENS.findall(text):
            if token[0] in "'\"" or token.startswith("--"):
                out.append(token.replace("%", "%%"))
                continue
            # A parameter tested for NULL has no type PostgreSQL could infer: text.
            token = re.sub(r"\?(\s+IS\s+(NOT\s+)?NULL\b)", r"CAST(? AS TEXT)\1", token, flags=re.I)
            token = token.replace("%", "%%").replace("?", "%s")
            # SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does the same.
            token = re.sub(r"\bLIKE\b", "ILIKE", token, flags=re.I)
            token = re.sub(r"\btemp\.", "pg_temp.", token)
            # SQLite's CROSS JOIN ... ON fixes the join order; PostgreSQL plans a plain join.
            token = re.sub(r"\bCROSS\s+JOIN\b", "JOIN", token, flags=re.I)
            # `a IS b` between values: null-safe equality.
            token = _IS_NOT_VALUE.sub("IS DISTINCT FROM ", token)
            token = _IS_VALUE.sub("IS NOT DISTINCT FROM ", token)
            out.append(token)
        return _nulls_as_sqlite("".join(out))

    def ddl(self, statement: str) -> str:
        """A migration statement: identity keys, 8-byte numbers, text compared byte-wise.
        Types are upper case in the migrations; lower-case words are names (a `text` column)."""
        out = []
        for token in _TOKENS.findall(statement):
            if token[0] not in "'\"" and not token.startswith("--"):
                # An imported row's link to its import-log row, made in the same transaction:
                # checking it row by row (an RI trigger each) costs a fifth of a 1M-row import
                # and proves nothing; SQLite's imports skip the check too.
                token = re.sub(r"\bimport_id\s+INTEGER\s+REFERENCES\s+imports\s*\(id\)",
                               "import_id INTEGER", token)
                token = re.sub(r"\bINTEGER\s+PRIMARY\s+KEY\b",
                               "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", token)
                token = re.sub(r"\bINTEGER\b(?!\s+GENERATED)", "BIGINT", token)
                token = re.sub(r"\bREAL\b", "DOUBLE PRECISION", token)
                # SQLite compares text by its bytes: so do these columns, whatever the
                # database's locale (UTF-8 byte order is code point order).
                token = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', token)
            out.append(token)
        return "".join(out)

    def weekday(self, iso_date: str) -> str:
        return f"CAST(EXTRACT(DOW FROM CAST({iso_date} AS date)) AS INTEGER)::text"


def _nulls_as_sqlite(sql: str) -> str:
    """SQLite sorts NULL first going up and last going down; PostgreSQL the other way round.
    Each ORDER BY term without NULLS FIRST/LAST gets SQLite's order, so both list alike."""
    pieces, pos = [], 0
    for m in _ORDER_BY.finditer(sql):
        if m.start() < pos:
            continue
        start = m.end()
        depth, i = 0, start
        terms, term_start = [], start
        while i < len(sql):
            c = sql[i]
            if c == "'":
                i = sql.index("'", i + 1) + 1 if "'" in sql[i + 1:] else len(sql)
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                terms.append((term_start, i))
                term_start = i + 1
            elif depth == 0 and _ORDER_END.match(sql, i) and (i == 0 or not sql[i - 1].isalnum()
                                                                and sql[i - 1] != "_"):
                break
            i += 1
        terms.append((term_start, i))
        pieces.append(sql[pos:start])
        parts = []
        for a, b in terms:
            term = sql[a:b]
            if re.search(r"\bNULLS\s+(FIRST|LAST)\b", term, re.I):
                parts.append(term)
                continue
            bare = term.rstrip()
            tail = term[len(bare):]
            nulls = " NULLS LAST" if re.search(r"\bDESC$", bare, re.I) else " NULLS FIRST"
            parts.append(bare + nulls + tail)
        pieces.append(",".join(parts))
        pos = i
    pieces.append(sql[pos:])
    return "".join(pieces)


def is_url(target: str | Path) -> bool:
    """A PostgreSQL URL rather than a file path."""
    return str(target).startswith(("postgresql://", "postgres://"))


class _PgRow(tuple):
    """A row read by index or by column name, like sqlite3.Row (dict(row) works too)."""

    __slots__ = ()
    _names: tuple[str, ...] = ()

    def keys(self) -> tuple[str, ...]:
        return self._names

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._names.index(key))
            except ValueError:
                raise IndexError(f"no column {key!r}") from None
        return tuple.__getitem__(self, key)


def _pg_row_factory(cursor):
    names = tuple(d.name for d in cursor.description or ())
    row_type = type("Row", (_PgRow,), {"_names": names, "__slots__": ()})
    return lambda values: row_type(values)


class PgDatabase(Database):
    """A cmgr database on a PostgreSQL server: the same store, through psycopg 3.

    The connection runs in autocommit and `transaction()` issues BEGIN/COMMIT, as on SQLite.
    Readers never wait (MVCC); a writer waits for a row another transaction holds up to
    busy_timeout (lock_timeout), then DatabaseBusy (exit 4). Transactions are READ COMMITTED:
    a statement sees what was committed before it began, and no serialization failure can
    happen; a deadlock (two writers taking the same rows in another order) aborts one of them,
    reported as busy unless the work is run through `retrying()` (imports, visit log, flag
    review are). A read-then-write locks what it read (`dialect.for_update`, `lock(name)`).
    """

    dialect = PostgresDialect()
    is_postgres = True

    @property
    def writer(self) -> str:
        return str(self.conn.info.user)

    def __init__(self, url: str, *, busy_timeout: float = 30.0) -> None:
        from urllib.parse import urlsplit

        self.url = url
        self.busy_timeout = busy_timeout
        parts = urlsplit(url)
        if parts.password is not None:
            raise ConfigError(
                tr("数据库地址里不能写密码：{url}", url=_without_password(url)),
                hint=tr("把密码放在 PGPASSWORD 环境变量、~/.pgpass 或 pg_service.conf 里，"
                        "地址只写 postgresql://用户@主机:端口/库名"))
        self.path = Path(parts.path.lstrip("/") or "postgres")  # the database's name
        try:
            import psycopg
        except ImportError as exc:
            raise DatabaseError(tr("要使用 PostgreSQL 数据库，需要安装 psycopg"),
                                hint="pip install 'psycopg[binary]'") from exc
        self._psycopg = psycopg
        self._in_tx = False
        self.conn = None
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(busy_timeout)),
                                        application_name="cmgr")
        except psycopg.Error as exc:
            raise DatabaseError(tr("无法连接 PostgreSQL 数据库 {database}：{error}",
                                   database=self.location, error=str(exc).strip()),
                                hint=tr("检查服务器是否在运行、地址和用户名是否正确，以及密码"
                                        "（PGPASSWORD 或 ~/.pgpass）")) from exc
        self.conn.row_factory = _pg_row_factory
        self._register_loaders()
        self.conn.execute(f"SET lock_timeout = {int(busy_timeout * 1000)}")
        # An import stages up to a million rows in a temporary table: in memory, not in
        # 8 MB of local buffers spilling to files (a limit, allocated only as used).
        self.conn.execute("SET temp_buffers = '256MB'")
        # No JIT: the planner's cost of one manager's report queries (a quarter of a million
        # order lines through the customer index) is past jit_above_cost, and compiling them
        # took 0.9 s of a 1.9 s statement; the city's full scans ran no faster with it.
        self.conn.execute("SET jit = off")
        self.conn.execute("SET client_encoding = 'UTF8'")
        self._rls_tables: frozenset[str] | None = None  # bound_tables(), asked on first write

    def _register_loaders(self) -> None:
        """numeric (what sum() of integers gives) read as int or float, like SQLite's."""
        from psycopg.adapt import Loader

        class NumericLoader(Loader):
            def load(self, data):
                text = bytes(data).decode()
                return float(text) if any(c in text for c in ".eEN") else int(text)

        self.conn.adapters.register_loader("numeric", NumericLoader)

    @property
    def location(self) -> str:
        return _without_password(self.url)

    @contextmanager
    def sort_memory(self, megabytes: int) -> Iterator[None]:
        self.execute(f"SET work_mem = '{int(megabytes)}MB'")
        try:
            yield
        finally:
            self.execute("RESET work_mem")

    def another(self) -> PgDatabase:
        """A second connection (the same login), for a read on another thread: the server
        runs its statement while this process goes on (psycopg waits without the GIL)."""
        return PgDatabase(self.url, busy_timeout=self.busy_timeout)

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.conn.info.transaction_status != TransactionStatus.IDLE

    def columns(self, table: str) -> set[str]:
        return {r[0] for r in self.query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ?", (table,))}

    def user_tables(self) -> list[str]:
        return [r[0] for r in self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name")]

    def iterate(self, sql: str, params: tuple | list = (), *, batch: int = 20_000
                ) -> Iterator[list[tuple]]:
        with self.conn.cursor(row_factory=self._psycopg.rows.tuple_row) as cur:
            self._run(cur.execute, sql, params)
            while rows := cur.fetchmany(batch):
                yield rows

    def lock(self, name: str) -> None:
        self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (name,))

    def retrying(self, work: Callable[[], T], *, attempts: int = 5) -> T:
        import random

        for attempt in range(1, attempts + 1):
            try:
                return work()
            except DatabaseConflict:
                if attempt == attempts or self._in_tx:
                    raise
                time.sleep(random.uniform(0.05, 0.2) * attempt)
        raise AssertionError("unreachable")

    def is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, self._psycopg.errors.UniqueViolation)

    def interrupt(self) -> None:
        try:
            self.conn.cancel_safe()
        except Exception:  # the statement may have ended meanwhile
            pass

    def _run(self, method, sql: str, params):
        return self._mapped(method, self.dialect.sql(sql), params if params is not None else ())

    def _mapped(self, method, *args):
        """method(*args), its server errors as cmgr's: busy, refused, conflict, gone."""
        errors = self._psycopg.errors
        try:
            return method(*args)
        except (errors.LockNotAvailable, errors.QueryCanceled) as exc:
            if isinstance(exc, errors.QueryCanceled) and "lock timeout" not in str(exc):
                raise
            raise self._busy_error() from exc
        except errors.InsufficientPrivilege as exc:
            raise _refused_write(exc, self.location) from exc
        except (errors.SerializationFailure, errors.DeadlockDetected) as exc:
            raise DatabaseConflict(
                tr("数据库 {database} 上另一个写入与本次冲突，本次已全部撤销", database=self.location),
                hint=tr("再运行一次该命令")) from exc
        except self._psycopg.OperationalError as exc:  # the server went away, a full disk...
            raise DatabaseError(tr("PostgreSQL 数据库 {database} 出错：{error}",
                                   database=self.location, error=str(exc).strip()),
                                hint=tr("检查服务器是否在运行；本次写入未完成的部分已撤销")) from exc

    def execute(self, sql: str, params: tuple | dict = ()):
        write = self._narrowed_write(sql, params)
        if write is None:
            return self._run(self.conn.execute, sql, params)
        # An UPDATE/DELETE that row-level security may narrow: the rows the login can see are
        # counted first, so a row seen but not written (another manager's) is a refusal,
        # not a silent "0 rows".
        table, command, count_sql, count_params = write
        visible = int(self._run(self.conn.execute, count_sql, count_params).fetchone()[0])
        cur = self._run(self.conn.execute, sql, params)
        if cur.rowcount < visible:
            raise hidden_rows_refusal(table, command, visible - cur.rowcount, self.location)
        return cur

    def executemany(self, sql: str, rows):
        rows = list(rows)
        if rows and self._narrowed_write(sql, rows[0]) is not None:
            cur = None
            for row in rows:  # each checked as execute() does
                cur = self.execute(sql, row)
            return cur
        cur = self.conn.cursor()
        self._run(cur.executemany, sql, rows)
        return cur

    def bound_tables(self) -> frozenset[str]:
        """The tables whose row-level security binds this login (none for the tables' owner,
        a superuser or a BYPASSRLS role): asked once per connection."""
        if self._rls_tables is None:
            self._rls_tables = frozenset(r[0] for r in self.conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_roles me ON me.rolname = current_user "
                "WHERE c.relrowsecurity AND c.relkind = 'r' "
                "AND c.relnamespace = CAST(current_schema() AS regnamespace) "
                "AND c.relowner <> me.oid AND NOT me.rolsuper AND NOT me.rolbypassrls").fetchall())
        return self._rls_tables

    def _narrowed_write(self, sql: str, params) -> tuple[str, str, str, tuple] | None:
        """(table, UPDATE|DELETE, the SELECT count(*) of the rows it targets, its parameters)
        for a write of a table bound by row-level security; None for anything else."""
        head = _WRITE_HEAD.match(sql)
        if head is None or not isinstance(params, (tuple, list)):
            return None
        table = head.group("table")
        if table not in self.bound_tables():
            return None
        split = _split_where(sql, head.end())
        if split is None:
            return None
        where, params_before = split
        alias = head.group("alias")
        source = f"{table} {alias}" if alias else table
        return (table, head.group("command").split()[0].upper(),
                f"SELECT count(*) FROM {source}" + (f" WHERE {where}" if where else ""),
                tuple(params[params_before:]))

    def copy_csv(self, table: str, columns: list[str], data: bytes) -> None:
        """COPY CSV text (NULL unquoted empty, every value quoted) into `table`; a lock
        timeout, a deadlock or a refusal as for any statement (`_run`)."""
        def copy() -> None:
            with self.conn.cursor() as cur:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as c:
                    c.write(data)

        self._mapped(copy)

    @contextmanager
    def transaction(self, *, check_foreign_keys: bool = True,
                    lock_attached: bool = True) -> Iterator[Database]:
        """A write transaction: all or nothing (the SQLite-only arguments are ignored)."""
        if self._in_tx:
            yield self
            return
        self.execute("BEGIN")
        self._in_tx = True
        try:
            yield self
            self.execute("COMMIT")
        except BaseException:
            if self.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except self._psycopg.Error:
                    pass
            raise
        finally:
            self._in_tx = False

    def _busy_error(self) -> DatabaseBusy:
        return DatabaseBusy(
            tr("数据库 {database} 中要写的行正被另一个 cmgr 命令占用；已等待 {seconds} 秒",
               database=self.location, seconds=f"{self.busy_timeout:g}"),
            hint=tr("等另一个命令结束后再试，或在配置中调大 database.busy_timeout"))

    def backup(self, target: str | Path) -> Path:
        raise DatabaseError(tr("PostgreSQL 数据库的备份请用 pg_dump：{database}",
                               database=self.location),
                            hint=tr("pg_dump -Fc -f cmgr.dump 库名；恢复用 pg_restore"))

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


_REFUSED_TABLE = re.compile(r'(?:for table|for relation) "?([A-Za-z_][A-Za-z0-9_]*)"?')
# Tables only an area manager writes: a refusal there is the decision rule.
_DECISION_TABLES = {"flag_decisions"}
# Tables whose rows are a manager's own, not a customer's (cmgr.store.team._MANAGER_OF).
_PLAN_TABLES = {"plans", "plan_visits", "plan_pushed", "plan_miss_reasons"}
_PROMO_LIST_TABLES = {"promo_lists", "promo_list_items"}
_IMPORT_LOG = {"imports"}


def _rule_hint(table: str, location: str) -> str:
    """The rule of docs/postgresql.md that guards `table`, as a hint: the rule, then where it
    was set (one sentence for every table, so its wording cannot drift between them)."""
    return tr("{rule}。规则由 `cmgr db init-team` 在 {database} 中设置；本次写入未保存任何内容",
              rule=_table_rule(table), database=location)


def _table_rule(table: str) -> str:
    """Who may write `table`'s rows, in one sentence."""
    if table in _DECISION_TABLES:
        return tr("只有区域市场经理能记录决定，且只限自己片区的客户")
    if table in _PLAN_TABLES:
        return tr("客户经理只能写入自己的访问计划（计划的客户经理是自己）；区域市场经理只查看")
    if table in _PROMO_LIST_TABLES:
        return tr("客户经理只能写入自己的促销推荐名单；区域市场经理只查看")
    if table in _IMPORT_LOG:
        return tr("导入记录只能由导入它的数据库用户写入；区域市场经理不导入")
    return tr("客户经理只能写入自己客户的记录（访问、投诉、标记处理、促销签收、客户信息），"
              "区域市场经理只查看并记录决定")


def _refused_write(exc: Exception, location: str):
    """PostgreSQL refused a write (a row-level security policy of `cmgr db init-team`, or a
    table the login's group may not write): the rule of docs/area.md it enforces, exit 2."""
    from cmgr.core.area import NotPermitted

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    m = _REFUSED_TABLE.search(text)
    if m is None:  # not a table: the schema (a migration run by a member), a function...
        return NotPermitted(tr("不允许：数据库用户没有这项权限（{error}）", error=text),
                            hint=tr("迁移数据库（升级 cmgr 后的第一次运行）和 `cmgr db init-team` "
                                    "要由数据库的所有者运行；init-team 还需要 CREATEROLE 权限"))
    table = m.group(1)
    if table in _DECISION_TABLES:
        message = tr("不允许：数据库拒绝了对表 {table} 的写入：只有区域市场经理能记录决定，且只限"
                     "自己片区的客户（{error}）", table=table, error=text)
        return NotPermitted(message, hint=tr("规则由 `cmgr db init-team` 在 {database} 中设置；"
                                             "本次写入未保存任何内容", database=location))
    if table in _CUSTOMER_RULE_TABLES:
        message = tr("不允许：数据库拒绝了对表 {table} 的写入：客户经理只能写入自己客户的记录"
                     "（访问、投诉、标记处理），区域市场经理只查看并记录决定（{error}）",
                     table=table, error=text)
        return NotPermitted(message, hint=tr("规则由 `cmgr db init-team` 在 {database} 中设置；"
                                             "本次写入未保存任何内容", database=location))
    return NotPermitted(tr("不允许：数据库拒绝了对表 {table} 的写入（{error}）", table=table,
                           error=text), hint=_rule_hint(table, location))


# The tables whose refusal keeps the message of the first round (tests and documents quote it).
_CUSTOMER_RULE_TABLES = {"visits", "visit_prices", "visit_events", "complaints",
                         "complaint_events", "flags", "flag_events"}


_WRITE_HEAD = re.compile(
    r"\s*(?P<command>UPDATE|DELETE\s+FROM)\s+(?P<table>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:\s+(?:AS\s+)?(?P<alias>(?!SET\b|WHERE\b)[A-Za-z_][A-Za-z0-9_]*))?\b", re.I)
_NOT_SIMPLE = re.compile(r"\b(RETURNING|FROM|USING)\b", re.I)


def _split_where(sql: str, start: int) -> tuple[str, int] | None:
    """The top-level WHERE condition of an UPDATE/DELETE (after `start`, the table) and the
    number of `?` parameters before it; None when the statement is not a plain one (a join,
    RETURNING: not checked)."""
    depth, where_at, params_before = 0, None, 0
    for m in _TOKENS.finditer(sql, start):
        token = m.group(0)
        if token[0] in "'\"" or token.startswith("--"):
            continue
        for piece in re.finditer(r"\(|\)|\?|\b[A-Za-z_]+\b", token):
            word = piece.group(0)
            if word == "(":
                depth += 1
            elif word == ")":
                depth -= 1
            elif word == "?":
                if where_at is None:
                    params_before += 1
            elif depth == 0 and _NOT_SIMPLE.fullmatch(word):
                return None
            elif depth == 0 and where_at is None and word.upper() == "WHERE":
                where_at = m.start() + piece.end()
    if where_at is None:
        return "", params_before
    return sql[where_at:].strip().rstrip(";"), params_before


def hidden_rows_refusal(table: str, command: str, rows: int, location: str):
    """An UPDATE or DELETE that row-level security narrowed: `rows` rows the login reads but
    may not write (another manager's) were left as they were. Refused, exit 2."""
    from cmgr.core.area import NotPermitted

    if command == "DELETE":
        message = tr("不允许：表 {table} 中要删除的 {n} 行能查看但不能删除（属于别的客户经理，"
                     "或只由区域市场经理决定）", table=table, n=rows)
    else:
        message = tr("不允许：表 {table} 中要修改的 {n} 行能查看但不能修改（属于别的客户经理，"
                     "或只由区域市场经理决定）", table=table, n=rows)
    return NotPermitted(message, hint=_rule_hint(table, location))


class DatabaseConflict(DatabaseBusy):
    """PostgreSQL aborted the transaction (deadlock, serialization failure): run it again."""


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


_PARTIAL = re.compile(r"^\..+\.(\d+)\.[^.]+\.part(-journal|-wal|-shm)?$")


def remove_dead_partials(folder: Path) -> list[Path]:
    """Half-written copies (atomic_path's hidden `.NAME.PID.XXXX.part`, and SQLite's journal
    beside one) whose writer is gone: a killed `db backup` leaves up to the database's size."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _PARTIAL.match(entry.name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            try:
                entry.unlink()
                removed.append(entry)
            except OSError:
                pass  # housekeeping only
    return removed


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


def connect(target: str | Path, *, busy_timeout: float = 30.0) -> Database:
    """The database at `target`, as it is: an SQLite file (created if missing) or a
    PostgreSQL URL (psycopg imported only then, so `cmgr --help` stays fast)."""
    if is_url(target):
        return PgDatabase(str(target), busy_timeout=busy_timeout)
    if str(target).startswith(("postgresql:", "postgres:")):
        # A URL that went through Path() has lost a slash ("postgresql:/u@/db"): opening it as
        # an SQLite path would create a stray file of that name instead of reaching the server.
        raise ConfigError(tr("数据库地址写错了：{target}", target=str(target)),
                          hint=tr("地址只写 postgresql://用户@主机:端口/库名（两个斜杠）"))
    return Database(target, busy_timeout=busy_timeout)


def open_database(path: str | Path, *, busy_timeout: float = 30.0, migrate: bool = True) -> Database:
    """Open (creating if needed) and migrate a cmgr database: a file path or a PostgreSQL URL."""
    db = connect(path, busy_timeout=busy_timeout)
    try:
        if migrate:
            db.migrate()
        elif db.schema_version() > latest_version():
            db.migrate()  # raises the "newer cmgr" error
    except BaseException:
        db.close()
        raise
    return db
