"""Import export files into the database: parse, then store each file in one transaction.

The library behind `cmgr import`: it returns results and raises; the CLI presents them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cmgr.errors import InputError
from cmgr.i18n import tr
from cmgr.store.db import Database
from cmgr.store.records import TABLES, finish_import, stage_parts, staged, start_import


@dataclass
class FileResult:
    file: str
    kind: str
    sheet: str | None = None
    rows_read: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_detail: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    issues: list = field(default_factory=list)  # importer.Issue: rejects then warnings
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: InputError | None = None  # the file could not be used at all
    later_sheets: list[str] = field(default_factory=list)  # import_files reads these too
    merged: int = 0  # visits: export rows folded into a visit recorded in cmgr or on a sheet
    seconds: float = 0.0

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if not i.rejected)


# progress(message, rows done, rows in the file): the counts are None while the file is read.
Progress = Callable[..., None]


def import_file(db: Database, kind: str, path: str | Path, *, sheet: str | None = None,
                mapping: dict[str, str] | None = None, dry_run: bool = False,
                progress: Progress | None = None,
                kind_is_right: bool = False, plausible=None, by: str | None = None) -> FileResult:
    """Import one file in one transaction. An unusable file raises InputError and writes
    nothing. `progress(message, done, total)` hears the rows parsed and stored so far.

    A big file goes in parts (records.stage_parts): while part i is parsed here, background
    threads stage and merge the parts before it into the database (records.Stage), so on
    two cores the store costs little beside the parse. The first part is parsed before the
    transaction starts; its columns fix every part's.
    """
    import time
    from functools import partial

    from cmgr.jobs.customer_edit import keep_manual_edits
    from cmgr.sources.importer import finish_file, parse_rows, prepare_file
    from cmgr.store.customers import left_in_cmgr, read_overrides, settle_overrides

    t0 = time.perf_counter()
    say = progress or (lambda _msg, _done=None, _total=None: None)
    name = Path(path).name
    say(tr("正在读取 {name}", name=name))
    prep = prepare_file(path, kind, sheet=sheet, mapping=mapping, kind_is_right=kind_is_right,
                        plausible=plausible)
    total = len(prep)
    parsed = prep.parsed
    _, key, allowed = TABLES[kind]
    bounds = stage_parts(len(prep))
    first = parse_rows(prep, *bounds[0])
    columns = [c for c in allowed if c in first.columns]
    schema = _arrow_schema(first, key, columns)
    leaving: list = []
    # The count is of rows checked and handed to the writer; the database work that follows
    # the last part (merging, indexes) has no count of its own and shows as its own step.
    say(tr("正在检查 {name}", name=name), bounds[0][1] - bounds[0][0], total)
    import_id = None
    try:
        with staged(db, kind, schema, len(bounds)) as stage, \
                db.transaction(check_foreign_keys=False, lock_attached=False):
            import_id = start_import(db, kind, Path(parsed.file).name, parsed.sheet, parsed.sha256,
                                     by=by)
            # Read under the write lock, so a `customer leave` cannot slip in between.
            left = left_in_cmgr(db) if kind == "customers" and "status" in first.columns else {}
            overrides = read_overrides(db) if kind == "customers" else {}
            settled: list = []
            with stage.running(import_id):  # db belongs to the stage's threads until finish()
                for i, (start, stop) in enumerate(bounds):
                    part = first if i == 0 else parse_rows(prep, start, stop)
                    if left:
                        leaving += _keep_recorded_leaving(left, part, parsed)
                    if overrides:  # manual changes (cmgr customer edit) against the roster
                        found, done = keep_manual_edits(overrides, part, parsed)
                        leaving += found
                        settled += done
                    stage.put(partial(_arrow_part, part, key, columns, schema))
                    say(tr("正在检查 {name}", name=name), stop - bounds[0][0], total)
                say(tr("正在写入数据库 {name}", name=name))
                counts = stage.finish()
                say(tr("已保存 {name}", name=name), total, total)
            if settled:
                settle_overrides(db, settled)
            merged = mine = 0
            if kind == "visits":  # one visit, one record (cmgr.store.visits)
                from cmgr.store.visits import drop_deleted_exports, merge_export_rows

                dropped = drop_deleted_exports(db, import_id)
                if dropped:
                    parsed.notes.append(tr("已用 `cmgr visit delete` 删除的 {n} 次访问未导入",
                                           n=dropped))
                # every export row, not only this file's: duplicates stored before 007 too
                folded: list = []
                merged = merge_export_rows(db, folded_imports=folded)
                mine = folded.count(import_id) + dropped  # stored by this file, then gone
            finish_file(prep)
            finish_import(db, import_id, rows_read=parsed.rows_read, stored=counts.stored,
                          updated=counts.updated, unchanged=counts.unchanged,
                          skipped=parsed.skipped, rejected=len(parsed.rejects))
            if dry_run:
                # Everything ran, so the counts are real; the rollback keeps nothing.
                raise _DryRun()
    except _DryRun:
        pass
    except KeyboardInterrupt:
        # Ctrl-C may land just after COMMIT: then the file is stored, and must be said so.
        if import_id is not None and not dry_run and _import_logged(db, import_id):
            raise ImportInterrupted([parsed.file]) from None
        raise
    result = FileResult(parsed.file, kind, parsed.sheet, rows_read=parsed.rows_read,
                        stored=counts.stored - mine, updated=counts.updated,
                        unchanged=counts.unchanged, merged=merged,
                        skipped=parsed.skipped, rejected=len(parsed.rejects),
                        issues=[*parsed.rejects, *parsed.warnings, *leaving],
                        ignored_columns=parsed.ignored_columns, notes=parsed.notes,
                        later_sheets=parsed.later_sheets,
                        skipped_detail={"blank": parsed.skipped_blank,
                                        "合计": parsed.skipped_total,
                                        "duplicate": parsed.skipped_duplicate})
    result.seconds = time.perf_counter() - t0
    logging.getLogger("cmgr.ingest").info(
        "%s %s%s: %d read, %d stored, %d updated, %d unchanged, %d skipped, %d rejected in %.2f s",
        kind, parsed.file, " (dry run)" if dry_run else "", result.rows_read, result.stored,
        result.updated, result.unchanged, result.skipped, result.rejected, result.seconds)
    return result


def _keep_recorded_leaving(left: dict[str, str], records, parsed) -> list:
    """A roster that still says 正常 for a customer recorded as left with `cmgr customer leave`
    does not undo the 退网: exports lag behind. Kept, and said per row (the issues returned);
    `cmgr customer join` takes a customer back."""
    from cmgr.domain import LEFT, NORMAL
    from cmgr.sources.importer import Issue

    issues = []
    hit = records["customer_code"].isin(list(left)) & (records["status"].fillna(NORMAL) != LEFT)
    for i in records.index[hit]:
        code = records.at[i, "customer_code"]
        issues.append(Issue(
            parsed.file, parsed.sheet, int(records.at[i, "_row"]), "status",
            records.at[i, "status"],
            tr("客户 {code} 已于 {day} 退网（`cmgr customer leave`）；保持「{left}」。如已重新入网，"
               "请用 `cmgr customer join {code}`", code=code, day=left[code], left=LEFT),
            tr("状态保存为「{left}」", left=LEFT)))
        records.at[i, "status"] = LEFT
    return issues


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl-C during a multi-file import, after `stored_files` were stored in full (each in
    its own committed transaction); the CLI says which, not just "interrupted"."""

    def __init__(self, stored_files: list[str]) -> None:
        super().__init__()
        self.stored_files = stored_files


def _import_logged(db: Database, import_id: int) -> bool:
    try:
        return bool(db.scalar("SELECT count(*) FROM imports WHERE id = ?", (import_id,)))
    except Exception:  # the connection in an unknown state: claim nothing
        return False


def importer_name(db: Database, by: str | None) -> str:
    """Who an import is recorded as made by: on PostgreSQL the database user (Database.writer,
    what the row rules of `cmgr db init-team` check); on SQLite the given name, else the
    writer (`[user] name`, else the OS user)."""
    if db.is_postgres:
        return db.writer
    return (by or "").strip() or db.writer


def import_files(db: Database, kind: str, paths: list[str | Path], *, sheet: str | None = None,
                 mapping: dict[str, str] | None = None, dry_run: bool = False,
                 progress: Progress | None = None,
                 kind_is_right: bool = False, plausible=None,
                 by: str | None = None) -> list[FileResult]:
    """Import several files; one unusable file does not stop the others (per-file trap).

    `plausible` (importer.Plausible, from the configuration's import.* keys) bounds dates and
    numbers. A workbook without `sheet`: every sheet whose header fits the kind is imported, each in
    its own transaction and with its own result (a long month spills onto a second sheet);
    the sheets that do not fit are named, with the reason, in the notes of the file's first.
    Ctrl-C raises ImportInterrupted naming the files already stored, if any. `by` is who
    imports (`[user] name`); without it the database user on PostgreSQL, else the OS user.
    """
    results: list[FileResult] = []
    by = importer_name(db, by)
    options = {"mapping": mapping, "dry_run": dry_run, "progress": progress,
               "kind_is_right": kind_is_right, "plausible": plausible, "by": by}
    try:
        for path in paths:
            results.extend(_import_sheets(db, kind, path, sheet, options))
    except KeyboardInterrupt as exc:
        done = [] if dry_run else [r.file for r in results if r.error is None]
        done += getattr(exc, "stored_files", [])
        if done:
            raise ImportInterrupted(list(dict.fromkeys(done))) from None
        raise
    return results


def _import_sheets(db: Database, kind: str, path, sheet: str | None, options: dict) -> list[FileResult]:
    """One file of import_files: its results, one per sheet imported (or its error)."""
    import time

    from cmgr.sources.importer import skipped_sheet_note

    t0 = time.perf_counter()
    try:
        if kind == "visits" and sheet is None and _is_visit_sheet(path):
            from cmgr.jobs.visits import import_visit_sheet

            return [db.retrying(lambda: import_visit_sheet(db, path, dry_run=options["dry_run"],
                                                           by=options["by"]))]
        # Two imports of overlapping files on PostgreSQL may deadlock in their merges (one is
        # aborted, nothing of it kept): that one is read and stored again.
        first = db.retrying(lambda: import_file(db, kind, path, sheet=sheet, **options))
    except InputError as exc:
        logging.getLogger("cmgr.ingest").warning("%s %s: file not used: %s", kind, path, exc)
        return [FileResult(str(path), kind, error=exc, seconds=time.perf_counter() - t0)]
    results = [first]
    for name in first.later_sheets:
        try:
            results.append(db.retrying(
                lambda name=name: import_file(db, kind, path, sheet=name, **options)))
        except InputError as exc:
            first.notes.append(skipped_sheet_note(name, exc.reason))
    return results


def _is_visit_sheet(path) -> bool:
    """A filled 《营销人员市场走访签到记录簿》 (plan-week's sheet), read by its own reader."""
    from cmgr.sources.visit_sheet import is_visit_sheet

    return is_visit_sheet(path)


def _arrow_schema(records, key: str, columns: list[str]):
    """The Arrow schema every part is staged under: the natural key (named as its column),
    then the stored columns, typed from the frame's dtypes (text -> string, float -> float64,
    Int64 -> int64), so a part whose column happens to be all empty matches the others."""
    import pyarrow as pa

    dtypes = records.dtypes
    return pa.schema([(key, pa.string())] + [
        (c, pa.float64() if dtypes[c].kind == "f" else pa.int64() if dtypes[c].kind in "iu"
         else pa.bool_() if dtypes[c].kind == "b" else pa.string()) for c in columns])


def _arrow_part(records, key: str, columns: list[str], schema):
    """One part's records as an Arrow table under `schema`; NaN becomes null (SQL NULL)."""
    import pyarrow as pa

    frame = records[["_key", *columns]].rename(columns={"_key": key})
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def write_issues_csv(results: list[FileResult], path: str | Path) -> int:
    """Every rejected row and every cell stored empty, as CSV (UTF-8 with BOM for Excel)."""
    from cmgr.fileio import all_or_nothing
    from cmgr.inert_text import csv_writer

    n = 0
    with all_or_nothing() as files, files.path(path).open("w", encoding="utf-8-sig",
                                                          newline="") as fh:
        w = csv_writer(fh)
        w.writerow(["file", "sheet", "row", "column", "value", "reason", "action"])
        for r in results:
            if r.error is not None:
                loc = r.error.location
                w.writerow([r.file, getattr(loc, "sheet", None) or "", "", "", "", r.error.reason,
                            tr("文件未导入")])
                n += 1
            for i in r.issues:
                w.writerow([i.file, i.sheet or "", i.row, i.column or "",
                            "" if i.value is None else i.value, i.reason, i.action_text()])
                n += 1
    return n
