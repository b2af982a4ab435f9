"""Database maintenance: check, export every table, validate a backup file and restore it.

The SQL behind `cmgr db`. Backups themselves are `Database.backup()` (SQLite's online backup
API). Restoring goes through the same API in the other direction, into the open database, so it
takes SQLite's write lock like any writer (others wait or time out; readers see the old or the
new data, never a mix) instead of swapping files under processes that have them open.
The export writes plain files (CSV with BOM, or one xlsx sheet per table) straight from the
cursor, so a table of millions of rows is streamed, not loaded; openpyxl is imported only there.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from cmgr.errors import DatabaseError, InputError
from cmgr.i18n import tr
from cmgr.inert_text import strip_control
from cmgr.store.db import Database, latest_version, migrations

CORE_TABLES = ("customers", "order_lines", "visits", "prices", "imports")
SQLITE_HEADER = b"SQLite format 3\x00"
EXCEL_MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def user_tables(conn: sqlite3.Connection | Database) -> list[str]:
    """Every table but SQLite's own, in name order."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    return [r[0] for r in rows]


def table_counts(conn: sqlite3.Connection | Database) -> dict[str, int]:
    return {t: int(conn.execute(f"SELECT count(*) FROM {quote_identifier(t)}").fetchone()[0])
            for t in user_tables(conn)}


def applied_versions(conn: sqlite3.Connection | Database) -> set[int]:
    has = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                       "AND name = 'schema_migrations'").fetchone()[0]
    if not has:
        return set()
    return {int(r[0]) for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}


# --- check --------------------------------------------------------------------------------

@dataclass
class CheckReport:
    """What `cmgr db check` found. `ok` is False when something needs the user's attention."""

    database: str
    size_bytes: int
    journal_mode: str
    page_size: int
    schema_version: int
    latest_known: int
    pending_migrations: list[int]
    unknown_migrations: list[int]
    integrity: list[str]
    foreign_key_errors: int
    foreign_key_sample: list[dict]
    missing_tables: list[str]
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (self.integrity == ["ok"] and self.foreign_key_errors == 0
                and not self.missing_tables and not self.unknown_migrations)

    def problems(self) -> list[str]:
        out = []
        if self.integrity != ["ok"]:
            out.append(tr("完整性检查：{n} 个问题，第一个：{first}", n=len(self.integrity),
                          first=self.integrity[0]))
        if self.foreign_key_errors:
            out.append(tr("{n} 行指向不存在的行", n=self.foreign_key_errors))
        if self.missing_tables:
            out.append(tr("缺少表：{tables}", tables=", ".join(self.missing_tables)))
        if self.unknown_migrations:
            out.append(tr("数据库结构版本 {versions} 来自更新版本的 cmgr",
                          versions=self.unknown_migrations))
        return out

    def as_dict(self) -> dict:
        return {"database": self.database, "ok": self.ok, "problems": self.problems(),
                "size_bytes": self.size_bytes, "journal_mode": self.journal_mode,
                "page_size": self.page_size, "schema_version": self.schema_version,
                "latest_known": self.latest_known, "pending_migrations": self.pending_migrations,
                "integrity": self.integrity, "foreign_key_errors": self.foreign_key_errors,
                "foreign_key_sample": self.foreign_key_sample,
                "missing_tables": self.missing_tables, "tables": self.tables}


def check_database(db: Database, *, quick: bool = False) -> CheckReport:
    """Integrity (full, or SQLite's quicker check that skips index contents), foreign keys,
    schema version against this cmgr's migrations, and the rows of every table. A damaged
    file is reported, not raised, as far as SQLite lets it be read."""
    applied = applied_versions(db)
    known = {v for v, _, _ in migrations()}
    try:
        rows = db.query("PRAGMA quick_check" if quick else "PRAGMA integrity_check")
        # One message a line; SQLite may pack several into one row under a header line.
        integrity = [line.strip() for r in rows for line in str(r[0]).splitlines()
                     if line.strip() and not line.startswith("*** in database")] or ["ok"]
    except sqlite3.DatabaseError as exc:
        integrity = [tr("无法读取：{error}", error=exc)]
    fk_sample: list[dict] = []
    fk_errors = 0
    try:
        for r in db.execute("PRAGMA foreign_key_check"):
            fk_errors += 1
            if len(fk_sample) < 20:
                fk_sample.append({"table": r[0], "rowid": r[1], "parent": r[2]})
    except sqlite3.DatabaseError as exc:
        integrity.append(tr("外键检查失败：{error}", error=exc))
    try:
        counts = table_counts(db)
    except sqlite3.DatabaseError as exc:
        counts = {}
        integrity.append(tr("无法统计行数：{error}", error=exc))
    if integrity != ["ok"] and integrity[0] == "ok":
        integrity = integrity[1:]
    missing = [t for t in CORE_TABLES if t not in counts]
    return CheckReport(
        database=str(db.path), size_bytes=_size_on_disk(db.path),
        journal_mode=str(db.scalar("PRAGMA journal_mode")), page_size=int(db.scalar("PRAGMA page_size")),
        schema_version=max(applied, default=0), latest_known=latest_version(),
        pending_migrations=sorted(known - applied), unknown_migrations=sorted(applied - known),
        integrity=integrity, foreign_key_errors=fk_errors, foreign_key_sample=fk_sample,
        missing_tables=missing, tables=counts)


def _size_on_disk(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        p = Path(str(path) + suffix)
        if p.exists():
            total += p.stat().st_size
    return total


# --- export -------------------------------------------------------------------------------

@contextmanager
def read_snapshot(db: Database | sqlite3.Connection) -> Iterator[Database | sqlite3.Connection]:
    """One read transaction: every table read inside sees the same moment, while writers go on
    (WAL). `db` is a Database or a plain connection in autocommit (`open_read_only`)."""
    conn = db.conn if isinstance(db, Database) else db
    db.execute("BEGIN")
    try:
        yield db
    finally:
        if conn.in_transaction:
            db.execute("COMMIT")


def open_read_only(path: str | Path) -> sqlite3.Connection:
    """An SQLite file opened read-only (nothing of it can change through this connection), in
    autocommit so that `read_snapshot` sets the transaction."""
    return sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro", uri=True,
                           isolation_level=None)


@dataclass
class ExportResult:
    directory: str
    format: str
    files: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows written
    sheets: dict[str, list[str]] = field(default_factory=dict)  # xlsx: table -> sheet names
    cleaned_cells: int = 0  # xlsx: cells whose control characters Excel cannot hold were removed


def export_tables(db: Database, directory: str | Path, fmt: str, *,
                  workbook_name: str = "cmgr-export.xlsx") -> ExportResult:
    """Every table, from one consistent snapshot: CSV files `<table>.csv` (UTF-8 with BOM, so
    Excel and WPS open them right) or one workbook with a sheet per table (a table longer than
    Excel's sheet is continued on `<table> (2)`, ...; nothing is cut)."""
    from cmgr.fileio import atomic_path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    result = ExportResult(str(directory), fmt)
    with read_snapshot(db):
        tables = user_tables(db)
        if fmt == "csv":
            for table in tables:
                path = directory / f"{table}.csv"
                with atomic_path(path) as tmp:
                    result.tables[table] = _write_csv(db, table, tmp)
                result.files.append(str(path))
        elif fmt == "xlsx":
            path = directory / workbook_name
            with atomic_path(path) as tmp:
                _write_xlsx(db, tables, tmp, result)
            result.files.append(str(path))
        else:
            raise ValueError(f"export format {fmt!r}")
    return result


def _select_all(db: Database, table: str) -> sqlite3.Cursor:
    return db.execute(f"SELECT * FROM {quote_identifier(table)}")


def _write_csv(db: Database, table: str, path: Path) -> int:
    cur = _select_all(db, table)
    n = 0
    from cmgr.inert_text import csv_writer

    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow([d[0] for d in cur.description])
        while True:
            batch = cur.fetchmany(5000)
            if not batch:
                break
            writer.writerows(tuple(_csv_value(v) for v in row) for row in batch)
            n += len(batch)
    return n


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.hex()
    return value


def _sheet_name(table: str, part: int, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ ; unique ignoring case.
    base = "".join("_" if c in "[]:*?/\\" else c for c in table)
    suffix = "" if part == 1 else f" ({part})"
    name = base[: 31 - len(suffix)] + suffix
    i = 2
    while name.lower() in taken:
        tag = f"~{i}"
        name = base[: 31 - len(suffix) - len(tag)] + tag + suffix
        i += 1
    taken.add(name.lower())
    return name


def _write_xlsx(db: Database, tables: list[str], path: Path, result: ExportResult) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    index = wb.create_sheet("目录")
    taken = {"目录"}
    index.append(["表 table", "行数 rows", "工作表 sheets"])
    listing = []
    for table in tables:
        cur = _select_all(db, table)
        header = [d[0] for d in cur.description]
        part, rows_in_sheet, total = 1, 0, 0
        ws = wb.create_sheet(_sheet_name(table, part, taken))
        names = [ws.title]
        ws.append(header)
        while True:
            batch = cur.fetchmany(5000)
            if not batch:
                break
            for row in batch:
                if rows_in_sheet == EXCEL_MAX_DATA_ROWS:
                    part += 1
                    ws = wb.create_sheet(_sheet_name(table, part, taken))
                    names.append(ws.title)
                    ws.append(header)
                    rows_in_sheet = 0
                out = []
                for value in row:
                    if isinstance(value, bytes):
                        value = value.hex()
                    if isinstance(value, str):
                        cleaned = strip_control(value)
                        if cleaned != value:
                            value = cleaned
                            result.cleaned_cells += 1
                        if value.startswith("="):  # text, not a formula
                            cell = WriteOnlyCell(ws, value=value)
                            cell.data_type = "s"
                            value = cell
                    out.append(value)
                ws.append(out)
                rows_in_sheet += 1
                total += 1
        result.tables[table] = total
        result.sheets[table] = names
        listing.append([table, total, ", ".join(names)])
    for line in listing:
        index.append(line)
    wb.save(path)


# --- restore ------------------------------------------------------------------------------

@dataclass
class BackupInfo:
    """A file offered for restore, checked to be a sound cmgr database this cmgr can use."""

    path: str
    schema_version: int
    tables: dict[str, int]
    page_size: int


def inspect_backup(path: str | Path) -> BackupInfo:
    """Refuse anything that is not a sound cmgr database: not SQLite, damaged, no cmgr schema,
    or written by a newer cmgr. Opens the file read-only."""
    path = Path(path)
    if not path.is_file():
        raise InputError(tr("找不到文件") if not path.exists() else tr("不是文件"),
                         _loc(path), hint=tr("请给出用 `cmgr db backup` 做的备份的路径"))
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise InputError(tr("不是 cmgr 数据库（不是 SQLite 文件）"), _loc(path),
                             hint=tr("请给出用 `cmgr db backup` 做的备份"))
    try:
        con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(tr("无法打开：{error}", error=exc), _loc(path)) from None
    try:
        integrity = [str(r[0]) for r in con.execute("PRAGMA integrity_check").fetchall()]
        if integrity != ["ok"]:
            raise InputError(tr("文件已损坏（{detail}）", detail=integrity[0]), _loc(path),
                             hint=tr("请用更早的备份"))
        applied = applied_versions(con)
        tables = table_counts(con)
        missing = [t for t in CORE_TABLES if t not in tables]
        if not applied or missing:
            raise InputError(tr("不是 cmgr 数据库（SQLite 文件中没有 cmgr 的表：缺少 {tables}）",
                                tables=", ".join(missing)) if missing else
                             tr("不是 cmgr 数据库（SQLite 文件中没有 cmgr 的表）"), _loc(path),
                             hint=tr("请给出用 `cmgr db backup` 做的备份"))
        known = {v for v, _, _ in migrations()}
        if applied - known:
            raise DatabaseError(tr("{path} 由更新版本的 cmgr 写入（数据库结构版本 {version}；"
                                   "本 cmgr 最高只认识 {known}）", path=path, version=max(applied),
                                   known=max(known, default=0)),
                                hint=tr("请先升级 cmgr，再恢复它"))
        page_size = int(con.execute("PRAGMA page_size").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise InputError(tr("文件已损坏或不是数据库：{error}", error=exc), _loc(path),
                         hint=tr("请用更早的备份")) from None
    finally:
        con.close()
    return BackupInfo(str(path), max(applied), tables, page_size)


def _loc(path: Path):
    from cmgr.errors import Location

    return Location(str(path))


def restore_into(db: Database, source: str | Path) -> None:
    """Replace the whole content of the open database `db` with `source` (already inspected),
    in one write transaction. Waits for other writers up to db.busy_timeout, then DatabaseBusy."""
    source = Path(source)
    target_page = int(db.scalar("PRAGMA page_size"))
    with _same_page_size(source, target_page) as src_path:
        src = sqlite3.connect(f"file:{quote(str(src_path.resolve()))}?mode=ro", uri=True)
        deadline = time.monotonic() + db.busy_timeout

        def give_up_when_busy(status: int, remaining: int, total: int) -> None:
            # Python retries a busy step forever; the timeout is ours to enforce.
            if status in (_SQLITE_BUSY, _SQLITE_LOCKED) and time.monotonic() > deadline:
                raise _Busy

        try:
            src.backup(db.conn, progress=give_up_when_busy)
        except _Busy:
            raise db._busy_error() from None
        finally:
            src.close()


class _Busy(Exception):
    pass


@contextmanager
def _same_page_size(source: Path, page_size: int) -> Iterator[Path]:
    """SQLite cannot back up into a WAL database of another page size: convert a copy first."""
    con = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=ro", uri=True)
    try:
        same = int(con.execute("PRAGMA page_size").fetchone()[0]) == page_size
        if same:
            yield source
            return
        import tempfile

        with tempfile.TemporaryDirectory(prefix="cmgr-restore-") as tmpdir:
            copy = Path(tmpdir) / "restore.db"
            dest = sqlite3.connect(str(copy), isolation_level=None)
            try:
                con.backup(dest)
                dest.execute(f"PRAGMA page_size = {int(page_size)}")
                dest.execute("VACUUM")
            finally:
                dest.close()
            yield copy
    finally:
        con.close()


def describe(tables: dict[str, int]) -> str:
    """'250 customers, 41,000 order lines, ...' for a confirmation question."""
    counted = {"customers": lambda n: tr("{n} 个客户", n=n),
               "order_lines": lambda n: tr("{n} 条订单明细", n=n),
               "visits": lambda n: tr("{n} 次访问", n=n), "prices": lambda n: tr("{n} 个价格", n=n)}
    parts = [words(f"{tables[t]:,}") for t, words in counted.items() if t in tables]
    if not parts:
        return tr("没有 cmgr 数据")
    text = parts[0]
    for part in parts[1:]:
        text = tr("{before}、{after}", before=text, after=part)
    return text

