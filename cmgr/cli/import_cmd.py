"""`cmgr import customers|orders|visits|prices|settlements|supply|targets FILE...`"""

from __future__ import annotations

from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.errors import ExitCode, UsageError


class ImportKind(StrEnum):
    customers = "customers"
    orders = "orders"
    visits = "visits"
    prices = "prices"
    settlements = "settlements"
    supply = "supply"
    targets = "targets"
    survey = "survey"


def register(app: typer.Typer) -> None:
    app.command("import", no_args_is_help=True)(import_command)


def import_command(
    kind: Annotated[ImportKind, typer.Argument(help="What the files hold.")],
    files: Annotated[list[Path], typer.Argument(help=".xlsx, .xls or .csv exports.")],
    sheet: Annotated[str | None, typer.Option(help="Sheet to read in a workbook with several.")] = None,
    mapping: Annotated[Path | None, typer.Option(
        help="TOML file of extra header -> field mappings (adds to the configuration's [mapping]).")] = None,
    rejects: Annotated[Path | None, typer.Option(
        help="Write rejected rows and cells stored empty to this CSV.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")] = False,
    kind_is_right: Annotated[bool, typer.Option(
        "--kind-is-right", help="Import even a file whose columns look more like another kind's.")] = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Import the company system's exports. Re-importing the same rows adds nothing.

    Exit status: 0 all rows stored; 3 some rows rejected; 2 a file could not be used.
    """
    from cmgr.config import read_mapping_file
    from cmgr.jobs.ingest import import_files, write_issues_csv
    from cmgr.sources.importer import Plausible

    missing = [str(f) for f in files if not f.is_file()]
    if missing:  # a mistyped name: nothing to summarise and no rejects to write
        raise UsageError(f"file not found: {', '.join(missing)}; nothing was imported",
                         hint="check the name and the folder (`ls`)")
    st = common.state()
    cfg = st.config()
    extra = dict(cfg.mapping)
    if mapping is not None:
        extra.update(read_mapping_file(mapping))
    db = (st.scratch_db() if dry_run and not cfg.db_url and not cfg.db_path.exists()
          else st.db(create=True))
    with _progress() as progress:
        results = import_files(db, kind.value, files, sheet=sheet, mapping=extra, dry_run=dry_run,
                               progress=progress, kind_is_right=kind_is_right,
                               plausible=Plausible.from_config(cfg))
    issues_path = rejects
    n_issues = sum(len(r.issues) + (1 if r.error else 0) for r in results)
    if issues_path is None and any(r.rejected or r.error for r in results):
        import time

        # Beside the database, not the working directory: cron's may be anywhere.
        issues_path = cfg.db_path.parent / "rejects" / (
            f"{kind.value}-{time.strftime('%Y%m%d-%H%M%S')}.csv")
    if dry_run:
        issues_path = None  # a dry run writes nothing; the problems are listed below
    if issues_path is not None and n_issues:
        write_issues_csv(results, issues_path)
    if fmt == "json":
        common.print_json({"dry_run": dry_run, "files": [_result_json(r) for r in results],
                           "rejects_file": str(issues_path) if issues_path and n_issues else None})
    elif not st.quiet or any(r.error or r.rejected for r in results):  # -q: only problems
        _present(results, dry_run, issues_path if n_issues else None)
    if any(r.error for r in results):
        common.exit_with(ExitCode.USAGE)
    if any(r.rejected for r in results):
        common.exit_with(ExitCode.REJECTED_ROWS)


@contextmanager
def _progress():
    """A rich progress bar on a terminal (none otherwise): a spinner while a file is read, then
    the rows stored so far out of the file's rows."""
    import sys

    if not sys.stderr.isatty() or common.state().quiet:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TextColumn("行"), TimeElapsedColumn(),
                  console=common.err_console, transient=True) as bar:
        task = bar.add_task("importing", total=None)

        def show(message: str, done: int | None = None, total: int | None = None) -> None:
            if done is None:  # reading: the row count is not known yet
                bar.reset(task, total=None, description=message)
            else:
                bar.update(task, total=total, completed=done, description=message)
        yield show


def _result_json(r) -> dict:
    return {
        "file": r.file, "kind": r.kind, "sheet": r.sheet,
        "error": r.error.message if r.error else None,
        "rows_read": r.rows_read, "stored": r.stored, "updated": r.updated,
        "unchanged": r.unchanged, "merged": r.merged, "skipped": r.skipped, "skipped_detail": r.skipped_detail,
        "rejected": r.rejected, "warnings": r.warnings, "ignored_columns": r.ignored_columns,
        "notes": r.notes, "seconds": round(r.seconds, 3),
        "issues": [{"row": i.row, "column": i.column, "value": None if i.value is None else str(i.value),
                    "reason": i.reason, "action": i.action} for i in r.issues[:1000]],
    }


def _present(results, dry_run: bool, issues_path: Path | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    con = common.err_console
    table = Table(title="导入结果 import summary" + (" (dry run: nothing written)" if dry_run else ""))
    for col in ("file", "read", "stored", "updated", "unchanged", "skipped", "rejected"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for r in results:
        name = Path(r.file).name + (f" [{r.sheet}]" if r.sheet else "")
        if r.error:
            table.add_row(escape(name), "-", "-", "-", "-", "-", "[red]file not used[/red]")
        else:
            table.add_row(escape(name), f"{r.rows_read:,}", f"{r.stored:,}", f"{r.updated:,}",
                          f"{r.unchanged:,}", f"{r.skipped:,}",
                          f"[red]{r.rejected:,}[/red]" if r.rejected else "0")
    con.print(table)
    for r in results:
        name = Path(r.file).name
        if r.error:
            con.print(f"[red]error:[/red] {escape(r.error.message)}")
            if r.error.hint:
                con.print(f"[dim]hint: {escape(r.error.hint)}[/dim]")
            continue
        if r.merged:
            con.print(f"{escape(name)}: {r.merged:,} visit(s) already recorded in cmgr or on a "
                      "sign-in sheet: merged into those (one visit, one record)")
        detail = ", ".join(f"{v} {k}" for k, v in r.skipped_detail.items() if v)
        if detail:
            con.print(f"{escape(name)}: skipped {detail} rows")
        if r.ignored_columns:
            con.print(f"{escape(name)}: ignored columns: {escape(', '.join(r.ignored_columns))}")
        for note in r.notes:
            con.print(f"{escape(name)}: {escape(note)}")
        shown = [i for i in r.issues][:10]
        for i in shown:
            tag = "[red]rejected[/red]" if i.action == "rejected" else "[yellow]warning[/yellow]"
            con.print(f"{tag} {escape(str(i.location()))}: {escape(i.reason)}"
                      + ("" if i.action == "rejected" else f" ({i.action})"))
        if len(r.issues) > len(shown):
            con.print(f"... and {len(r.issues) - len(shown):,} more")
    if issues_path is not None:
        con.print(f"rejected rows and warnings written to {issues_path}")
