"""`cmgr db backup|check|export|restore`: keep the data safe, and let its owner take it along."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.errors import ExitCode, NotFound, UsageError

db_app = common.new_app(
    "The database: a consistent backup while others use it, an integrity check, an export of "
    "every table, and a restore.")


ExportFormatOpt = options.format_option(
    "xlsx", "csv", help="xlsx: one workbook, a sheet for each of the database's tables; csv: "
                        "a UTF-8 (with BOM) file for each, for any size.")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


def _db_path() -> Path:
    from cmgr.i18n import tr

    cfg = common.state().config()
    if cfg.db_url:  # these work on the SQLite file itself
        raise UsageError(tr("cmgr db backup/check/export/restore 只用于 SQLite 数据库文件；"
                            "PostgreSQL 数据库请用 pg_dump / pg_restore"),
                         hint=tr("见 docs/postgresql.md"))
    return cfg.db_path


def _open_existing():
    """The configured database as it is: not created, not migrated (check/backup/export must
    not change what they look at)."""
    from cmgr.store.db import Database

    path = _db_path()
    if not path.is_file():
        raise NotFound(f"no database at {path}",
                       hint="pass --db (or CMGR_DB), or create one with `cmgr init`")
    return Database(path, busy_timeout=float(common.state().config().get("database.busy_timeout")))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


@db_app.command("backup")
def backup_command(
    path: Annotated[str, typer.Argument(
        help="Backup file to write (placeholder {date}), or a folder (existing, or written with "
             "a trailing /): a file named after the database and the time is made there.",
        metavar="PATH")],
    fmt: options.TableJsonOpt = "table",
) -> None:
    """A consistent copy of the database through SQLite's online backup, safe while other cmgr
    commands read and write it; the copy is checked before the command succeeds."""
    from cmgr.render.output import expand_out
    from cmgr.store.maintenance import describe, inspect_backup

    started = time.perf_counter()
    target = expand_out(path)
    with _open_existing() as db:
        if target.is_dir() or path.endswith(("/", "\\")):
            target = target / f"{db.path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.db"
        if _same_file(target, db.path) or target.resolve() == db.path.resolve():
            raise UsageError(f"{target} is the database itself; give another file or a folder")
        db.backup(target)
    copy = inspect_backup(target)
    seconds = time.perf_counter() - started
    size = target.stat().st_size
    common.info(f"backup written: {target} ({size:,} bytes, schema version {copy.schema_version}, "
                f"{describe(copy.tables)}) in {seconds:.2f} s")
    if fmt == "json":
        common.print_json({"database": str(db.path), "backup": str(target), "bytes": size,
                           "schema_version": copy.schema_version, "tables": copy.tables,
                           "seconds": round(seconds, 3)})


@db_app.command("check")
def check_command(
    quick: Annotated[bool, typer.Option("--quick", help="SQLite's quick_check: faster on a big "
                                                        "database, skips index contents.")] = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Integrity check, schema version and the rows of every table. Changes nothing.

    Exit status: 0 sound; 1 a problem was found (damage, dangling references, missing tables);
    2 no database there, or not a database at all.
    """
    from cmgr.store.maintenance import check_database

    with _open_existing() as db:
        report = check_database(db, quick=quick)
    common.info(f"checked {report.database}: {'ok' if report.ok else 'PROBLEMS FOUND'}")
    if fmt == "json":
        common.print_json(report.as_dict())
    else:
        _present_check(report)
    for problem in report.problems():
        common.warn(problem)
    if report.pending_migrations:
        common.info(f"schema version {report.schema_version}; this cmgr will apply migrations "
                    f"{report.pending_migrations} (with a backup first) on the next command that "
                    "opens the database")
    if not report.ok:
        common.exit_with(ExitCode.FINDINGS)


def _present_check(report) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{escape(report.database)}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in report.tables.items():
        table.add_row(escape(name), f"{n:,}")
    common.out_console.print(table)
    common.out_console.print(
        f"integrity: {escape('; '.join(report.integrity[:5]))}\n"
        f"foreign key errors: {report.foreign_key_errors}\n"
        f"schema version: {report.schema_version} (this cmgr knows up to {report.latest_known})\n"
        f"journal mode: {report.journal_mode}, size: {report.size_bytes:,} bytes")


@db_app.command("export")
def export_command(
    directory: Annotated[Path, typer.Argument(
        help="Folder to write into (created if missing; placeholder {date}).")],
    fmt: ExportFormatOpt = "xlsx",
) -> None:
    """Every table of the database, from one consistent moment, so the data can leave with its
    owner. Column names are cmgr's field names, which `cmgr import` reads back."""
    from cmgr.jobs.maintenance import export
    from cmgr.render.output import expand_out
    from cmgr.store.maintenance import EXCEL_MAX_DATA_ROWS, table_counts

    started = time.perf_counter()
    target = expand_out(str(directory))
    with _open_existing() as db:
        if fmt == "xlsx":
            biggest = max(table_counts(db).values(), default=0)
            if biggest > EXCEL_MAX_DATA_ROWS // 4:
                common.warn(f"a table has {biggest:,} rows: the workbook will take a while "
                            "(about a minute per million rows); --format csv is much faster")
        result = export(db, target, fmt.value)
    seconds = time.perf_counter() - started
    for table, n in result.tables.items():
        sheets = result.sheets.get(table)
        more = f" (sheets {', '.join(sheets)})" if sheets and len(sheets) > 1 else ""
        common.debug(f"{table}: {n:,} rows{more}")
    if result.cleaned_cells:
        common.warn(f"{result.cleaned_cells:,} cells held control characters Excel cannot store; "
                    "they were removed in the workbook (the csv export keeps them)")
    common.info(f"exported {len(result.tables)} tables, {sum(result.tables.values()):,} rows, to "
                + ", ".join(result.files if fmt == "xlsx" else [str(target)])
                + f" in {seconds:.2f} s")


@db_app.command("restore")
def restore_command(
    path: Annotated[Path, typer.Argument(help="A backup made by `cmgr db backup`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Replace without asking (cron, scripts).")]
    = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Replace the database with a backup, after checking that the file is a sound cmgr database
    and taking a backup of the current one beside it. Asks first (--yes answers)."""
    import sqlite3

    from cmgr.store import maintenance
    from cmgr.store.db import Database

    st = common.state()
    st.yes = st.yes or yes
    db_path = _db_path()
    source = Path(path)
    if _same_file(source, db_path):
        raise UsageError(f"{source} is the database itself; give a backup file")
    info = maintenance.inspect_backup(source)
    busy_timeout = float(st.config().get("database.busy_timeout"))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    previous: Path | None = None
    if db_path.exists():
        current_text, readable = _describe_current(db_path, busy_timeout)
        common.confirm_or_fail(
            f"Replace {db_path} ({current_text}) with {source} (schema version "
            f"{info.schema_version}, {maintenance.describe(info.tables)})? The current database is "
            "backed up first.")
        previous = _unused(db_path.with_name(f"{db_path.name}.before-restore-{stamp}.bak"))
        if readable:
            try:
                with Database(db_path, busy_timeout=busy_timeout) as current:
                    current.backup(previous)
            except sqlite3.DatabaseError:  # damaged beyond what SQLite can copy
                readable = False
        if not readable:
            _set_aside(db_path, previous)
        common.info(f"current database saved as {previous}")
    with Database(db_path, busy_timeout=busy_timeout) as db:
        maintenance.restore_into(db, source)
        applied = db.migrate(backup=False)  # an older backup gets today's schema
        report = maintenance.check_database(db, quick=True)
    if not report.ok:  # the file passed its check a moment ago: this is a bug or a disk fault
        raise RuntimeError(f"restored database fails its check: {report.problems()}")
    common.info(f"restored {db_path} from {source}: {maintenance.describe(report.tables)}"
                + (f"; migrated to schema version {report.schema_version}" if applied else ""))
    if fmt == "json":
        common.print_json({"database": str(db_path), "restored_from": str(source),
                           "previous_saved_as": str(previous) if previous else None,
                           "schema_version": report.schema_version, "migrations_applied": applied,
                           "tables": report.tables})


def _describe_current(path: Path, busy_timeout: float) -> tuple[str, bool]:
    """What the restore would replace, and whether SQLite can read it (to back it up)."""
    import sqlite3

    from cmgr.errors import DatabaseError
    from cmgr.store.db import Database
    from cmgr.store.maintenance import describe, table_counts

    try:
        with Database(path, busy_timeout=busy_timeout) as db:
            return describe(table_counts(db)), True
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        return f"unreadable: {exc}", False


def _unused(path: Path) -> Path:
    """`path`, or `path` with -2, -3... when taken (two restores in one second must not
    overwrite the first one's saved copy, which may be the very file being restored)."""
    candidate, n = path, 2
    while candidate.exists() or Path(str(candidate) + "-wal").exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def _set_aside(db_path: Path, target: Path) -> None:
    """An unreadable database cannot be backed up through SQLite: keep its files as they are."""
    import os

    os.replace(db_path, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(str(db_path) + suffix)
        if extra.exists():
            if suffix == "-wal":
                os.replace(extra, Path(str(target) + suffix))
            else:
                extra.unlink()

