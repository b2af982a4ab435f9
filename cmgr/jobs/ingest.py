"""Import export files into the database: parse, then store each file in one transaction.

The library behind `cmgr import`: it returns results and raises; the CLI presents them.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cmgr.errors import InputError
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
    merged: int = 0  # visits: export rows folded into a visit recorded in cmgr or on a sheet
    seconds: float = 0.0

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.action != "rejected")


# progress(message, rows done, rows in the file): the counts are None while the file is read.
Progress = Callable[..., None]


def import_file(db: Database, kind: str, path: str | Path, *, sheet: str | None = None,
                mapping: dict[str, str] | None = None, dry_run: bool = False,
                progress: Progress | None = None) -> FileResult:
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
    say(f"reading {name}")
    prep = prepare_file(path, kind, sheet=sheet, mapping=mapping)
    total = len(prep)
    parsed = prep.parsed
    _, key, allowed = TABLES[kind]
    bounds = stage_parts(len(prep))
    first = parse_rows(prep, *bounds[0])
    columns = [c for c in allowed if c in first.columns]
    schema = _arrow_schema(first, key, columns)
    leaving: list = []
    say(f"storing {name}", bounds[0][1] - bounds[0][0], total)
    try:
        with staged(db, kind, schema, len(bounds)) as stage, \
                db.transaction(check_foreign_keys=False, lock_attached=False):
            import_id = start_import(db, kind, Path(parsed.file).name, parsed.sheet, parsed.sha256)
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
                    say(f"storing {name}", stop - bounds[0][0], total)
                counts = stage.finish()
                say(f"stored {name}", total, total)
            if settled:
                settle_overrides(db, settled)
            merged = mine = 0
            if kind == "visits":  # one visit, one record (cmgr.store.visits)
                from cmgr.store.visits import drop_deleted_exports, merge_export_rows

                dropped = drop_deleted_exports(db, import_id)
                if dropped:
                    parsed.notes.append(f"{dropped} visit(s) deleted with `cmgr visit delete` "
                                        "left out")
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
    result = FileResult(parsed.file, kind, parsed.sheet, rows_read=parsed.rows_read,
                        stored=counts.stored - mine, updated=counts.updated,
                        unchanged=counts.unchanged, merged=merged,
                        skipped=parsed.skipped, rejected=len(parsed.rejects),
                        issues=[*parsed.rejects, *parsed.warnings, *leaving],
                        ignored_columns=parsed.ignored_columns, notes=parsed.notes,
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
            f"customer {code} left the network on {left[code]} (cmgr customer leave); kept "
            f"{LEFT} — use `cmgr customer join {code}` if it has rejoined",
            f"stored with status {LEFT}"))
        records.at[i, "status"] = LEFT
    return issues


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def import_files(db: Database, kind: str, paths: list[str | Path], *, sheet: str | None = None,
                 mapping: dict[str, str] | None = None, dry_run: bool = False,
                 progress: Progress | None = None) -> list[FileResult]:
    """Import several files; one unusable file does not stop the others (per-file trap)."""
    import time

    results = []
    for path in paths:
        t0 = time.perf_counter()
        try:
            if kind == "visits" and sheet is None and _is_visit_sheet(path):
                from cmgr.jobs.visits import import_visit_sheet

                results.append(import_visit_sheet(db, path, dry_run=dry_run))
                continue
            results.append(import_file(db, kind, path, sheet=sheet, mapping=mapping,
                                       dry_run=dry_run, progress=progress))
        except InputError as exc:
            logging.getLogger("cmgr.ingest").warning("%s %s: file not used: %s", kind, path, exc)
            results.append(FileResult(str(path), kind, error=exc,
                                      seconds=time.perf_counter() - t0))
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

    n = 0
    with all_or_nothing() as files, files.path(path).open("w", encoding="utf-8-sig",
                                                          newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "sheet", "row", "column", "value", "reason", "action"])
        for r in results:
            if r.error is not None:
                loc = r.error.location
                w.writerow([r.file, getattr(loc, "sheet", None) or "", "", "", "", r.error.reason,
                            "file not imported"])
                n += 1
            for i in r.issues:
                w.writerow([i.file, i.sheet or "", i.row, i.column or "",
                            "" if i.value is None else i.value, i.reason, i.action])
                n += 1
    return n
