"""`flag`, `flag report` and the demo's flags: scan the visits, list the flags, write the list
and the 《价格违规及无证经营情况报告》. Raises CmgrError subclasses; never prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cmgr.domain import OPEN_FLAG_STATUSES
from cmgr.errors import UsageError

DEFAULT_LIST_OUT = "flags-{date}.{format}"
DEFAULT_REPORT_OUT = "价格违规及无证经营情况报告-{date}.{format}"


def date_range(since: date | None, until: date | None) -> tuple[str | None, str | None]:
    """--since/--until as ISO text, checked to be in order."""
    first = since.isoformat() if since else None
    last = until.isoformat() if until else None
    if first and last and first > last:
        raise UsageError(f"--since {first} is after --until {last}")
    return first, last


def check_manager(db, manager: str | None) -> None:
    """A --manager filter must name a known manager (close names suggested)."""
    if not manager:
        return
    from cmgr.jobs.managers import resolve_managers
    from cmgr.store.flags import known_managers

    # Flags also belong to managers named only in visit records, so those count as known.
    resolve_managers(db, [manager], False, known=known_managers(db))


def scan(db, cfg, since: str | None, until: str | None, rescan: bool):
    """Read the visits that need reading (all in the range with `rescan`) and store the flags;
    returns store.flags' ScanSummary (what was read, found, and not checked)."""
    from cmgr.core.flag_rules import load_lexicon
    from cmgr.store.flags import scan as store_scan

    lexicon = load_lexicon(cfg.get("flags.lexicon"))
    return store_scan(db, lexicon, min_retail_factor=float(cfg.get("flags.price.min_retail_factor")),
                      since=since, until=until, rescan=rescan)


def list_flags(db, *, since: str | None = None, until: str | None = None,
               manager: str | None = None, kind: str | None = None,
               statuses: tuple[str, ...] | None = None, cfg=None) -> list[dict]:
    """The flags; with `cfg`, each open one carries `suggest_close` when a later visit's note
    says the problem is fixed (None otherwise)."""
    from cmgr.store.flags import FlagFilter
    from cmgr.store.flags import list_flags as store_list

    rows = store_list(db, FlagFilter(since=since, until=until, manager=manager, kind=kind,
                                     statuses=statuses))
    proposals = close_proposals(db, cfg, [(r["id"], r["customer_code"], r["kind"], r["visit_date"])
                                          for r in rows if r["status"] in OPEN_FLAG_STATUSES]
                                ) if cfg is not None else {}
    for r in rows:
        r["suggest_close"] = proposals.get(r["id"])
    return rows


def close_proposals(db, cfg, flags: list[tuple]) -> dict[int, str]:
    """flag id -> the later visit saying its problem is fixed, for open flags given as
    (id, customer, kind, date[, ...]): the manager confirms with `flag review ID --close`."""
    if not flags:
        return {}
    from cmgr.core.flag_engine import close_proposals as proposals
    from cmgr.core.flag_rules import load_lexicon
    from cmgr.store.flags import notes_after

    lexicon = load_lexicon(cfg.get("flags.lexicon"))
    return proposals([tuple(f[:4]) for f in flags], notes_after(db, flags), lexicon)


def write_list(rows: list[dict], fmt: str, out: str | None, manager: str | None) -> Path:
    """The flag list as a csv, xlsx or json file (default DEFAULT_LIST_OUT)."""
    import json

    from cmgr.fileio import all_or_nothing
    from cmgr.render import flag_report as fr
    from cmgr.render.output import expand_out

    path = expand_out(out or DEFAULT_LIST_OUT, manager=manager or "all", format=fmt)
    with all_or_nothing() as files:
        staged = files.path(path)
        if fmt == "json":
            staged.write_text(json.dumps([fr.flag_record(r) for r in rows], ensure_ascii=False,
                                         indent=2) + "\n", encoding="utf-8")
        elif fmt == "csv":
            staged.write_text(fr.flags_csv(rows), encoding="utf-8-sig")  # Excel reads the BOM
        else:
            fr.write_flags_xlsx(rows, staged)
    return path


@dataclass
class FlagReport:
    path: Path
    counts: dict
    marked: int = 0  # new flags recorded as reported with it


def write_report(db, cfg, fmt: str, out: str | None, *, since: str | None, until: str | None,
                 manager: str | None, kind: str | None = None, include_done: bool = False,
                 mark_reported: bool = False, by: str | None = None) -> FlagReport:
    """《价格违规及无证经营情况报告》 of the open flags (all with `include_done`). With
    `mark_reported`, the new flags in it are recorded as reported only when the file is
    written, and the file is kept only when they are recorded."""
    from cmgr.fileio import all_or_nothing
    from cmgr.render import flag_report as fr
    from cmgr.render.output import expand_out
    from cmgr.store.flags import last_events
    from cmgr.store.flags import mark_reported as mark

    rows = list_flags(db, since=since, until=until, manager=manager, kind=kind,
                      statuses=None if include_done else OPEN_FLAG_STATUSES)
    context = fr.report_context(rows, last_events(db, [r["id"] for r in rows]), since=since,
                                until=until, manager=manager)
    path = expand_out(out or DEFAULT_REPORT_OUT, manager=manager or "all", format=fmt)
    report = FlagReport(path, context["counts"])
    with all_or_nothing() as files:
        fr.write_report(fmt, context, files.path(path), user_dir=cfg.get("templates.dir"))
        if mark_reported:
            report.marked = mark(db, [r["id"] for r in rows], by=by,
                                 text=f"随《{fr.REPORT_TITLE}》上报 ({path.name})")
    return report


def demo_files(db, cfg, out_dir: Path) -> list[Path]:
    """The demo: the whole list as xlsx and one escalation report per manager."""
    from cmgr.render.flag_report import write_flags_xlsx

    rows = list_flags(db, cfg=cfg)
    paths = []
    from cmgr.fileio import all_or_nothing

    with all_or_nothing() as files:
        write_flags_xlsx(rows, files.path(out_dir / "违规标记.xlsx"))
    paths += files.written
    for manager in sorted({r["manager"] for r in rows if r["manager"]}):
        paths.append(write_report(db, cfg, "html",
                                  str(out_dir / "价格违规及无证经营情况报告-{manager}.html"),
                                  since=None, until=None, manager=manager).path)
    return paths
