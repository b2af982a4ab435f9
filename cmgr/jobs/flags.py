"""`flag`, `flag report` and the demo's flags: scan the visits, list the flags, write the list
and the 《价格违规及无证经营情况报告》. Raises CmgrError subclasses; never prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cmgr.domain import OPEN_FLAG_STATUSES, OUT_FLAG_LIST, OUT_FLAG_REPORT
from cmgr.errors import UsageError
from cmgr.i18n import tr


def date_range(since: date | None, until: date | None) -> tuple[str | None, str | None]:
    """--since/--until as ISO text, checked to be in order."""
    first = since.isoformat() if since else None
    last = until.isoformat() if until else None
    if first and last and first > last:
        raise UsageError(tr("`--since` {first} 晚于 `--until` {last}", first=first, last=last))
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
                      since=since, until=until, rescan=rescan, workers=cfg.get("flags.workers"),
                      text_model=text_model(cfg))


def text_model(cfg):
    """The statistical second reader (its models, one per label), or None when
    `flags.statistical_reader` is off."""
    if not cfg.get("flags.statistical_reader"):
        return None
    from cmgr.core.flag_model import load_statistical_reader

    return load_statistical_reader()


def list_flags(db, *, since: str | None = None, until: str | None = None,
               manager: str | None = None, kind: str | None = None,
               statuses: tuple[str, ...] | None = None, cfg=None,
               cases: bool = True) -> list[dict]:
    """The flags, one row per case (a note's and an observed price's flag of one visit and
    problem are one case: `flag_ids`, `evidence`); `cases=False`, one row per flag. With
    `cfg`, each open one carries `suggest_close` when a later visit's note says the problem
    is fixed (None otherwise)."""
    from cmgr.store.flags import FlagFilter, list_cases
    from cmgr.store.flags import list_flags as store_list

    rows = (list_cases if cases else store_list)(
        db, FlagFilter(since=since, until=until, manager=manager, kind=kind, statuses=statuses))
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
    """The flag list as a csv, xlsx or json file (default OUT_FLAG_LIST)."""
    import json

    from cmgr.fileio import all_or_nothing
    from cmgr.render import flag_report as fr
    from cmgr.render.output import expand_out

    path = expand_out(out or OUT_FLAG_LIST, manager=manager or "全部", format=fmt)
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


def review_steps(*, report: bool, close: bool, dismiss: bool, note: str | None,
                 result: str | None, reason: str | None) -> list[tuple[str, str | None]]:
    """The review steps asked for, in order (report before close), each with its text; the
    texts must go with their step."""
    if dismiss and (report or close):
        raise UsageError(tr("`--dismiss` 只能单独使用，不能与 `--report` 或 `--close` 同用"))
    steps: list[tuple[str, str | None]] = []
    if report:
        steps.append(("report", note))
    if close:
        steps.append(("close", result))
    if dismiss:
        steps.append(("dismiss", reason))
    actions = [a for a, _ in steps]
    if result is not None and "close" not in actions:
        raise UsageError(tr("`--result` 要与 `--close` 一起使用"))
    if reason is not None and "dismiss" not in actions:
        raise UsageError(tr("`--reason` 要与 `--dismiss` 一起使用"))
    if note is not None and "report" not in actions:
        raise UsageError(tr("`--note` 要与 `--report` 一起使用"))
    return steps


@dataclass(frozen=True)
class ReviewSelection:
    """`flag review`'s selection instead of ids: new flags, a customer's, since a day, a kind."""
    all_new: bool = False
    customer: str | None = None
    since: str | None = None
    kind: str | None = None

    def given(self) -> bool:
        return bool(self.all_new or self.customer is not None or self.since is not None
                    or self.kind is not None)


@dataclass
class ReviewOutcome:
    rows: list[dict]  # the flags reviewed (or shown), as listed, after the steps
    flag: dict | None = None  # one flag asked for by id: with its events


def review(db, ids: list[int] | None, selection: ReviewSelection,
           steps: list[tuple[str, str | None]], by: str | None, cfg=None) -> ReviewOutcome:
    """Apply the steps to the flags given by id or by the selection, all of them or none
    (store.flags.review_many); without steps, only look them up. With `cfg`, the write rules
    of docs/area.md are checked first and who made the write is kept (flags.changed_by)."""
    from cmgr.errors import NotFound
    from cmgr.store.flags import FlagFilter, as_cases, get_flag, list_flags
    from cmgr.store.flags import list_cases as store_list

    def review_many(db, chosen, steps, *, by):
        from cmgr.store.flags import review_many as store_review

        # A deadlock with another writer on PostgreSQL (a flag scan of an import): run again.
        if cfg is None:
            return db.retrying(lambda: store_review(db, chosen, steps, by=by))
        from cmgr.jobs.area import check_flag_writes
        from cmgr.store.area import stamp_flags

        who = check_flag_writes(db, cfg, chosen)

        def write() -> list:
            with db.transaction():
                rows = store_review(db, chosen, steps, by=by or (who.name if who.role else None))
                moved = [r["id"] for r in rows]  # with the other evidence of each case
                stamp_flags(db, moved, db.writer)
            return moved if rows else []

        moved = db.retrying(write)
        return list_flags(db, FlagFilter(ids=tuple(moved))) if moved else []

    if ids and selection.given():
        raise UsageError(tr("请给出标记编号或筛选条件（`--all-new`、`--customer`、`--since`、`--kind`），"
                            "不要两者都给"))
    if not ids and not selection.given():
        raise UsageError(tr("请给出一个或几个标记编号，或筛选条件（`--all-new`、`--customer`、"
                            "`--since`、`--kind`）"))
    if selection.given():
        # The flags the first step can move (report: new ones; close: reported ones, or new ones
        # reported in the same step; dismiss: open ones); without a step, all that match.
        first = steps[0][0] if steps else None
        statuses = (("new",) if selection.all_new or first == "report"
                    else ("reported",) if first == "close"
                    else OPEN_FLAG_STATUSES if first == "dismiss" else None)
        rows = store_list(db, FlagFilter(since=selection.since, kind=selection.kind,
                                         customer=selection.customer, statuses=statuses))
        chosen = [r["id"] for r in rows]
        if not chosen or not steps:
            return ReviewOutcome(rows)
        return ReviewOutcome(as_cases(review_many(db, chosen, steps, by=by)))
    chosen = list(dict.fromkeys(ids or ()))
    if len(chosen) == 1:
        if steps:
            review_many(db, chosen, steps, by=by)
        flag = get_flag(db, chosen[0])
        return ReviewOutcome([flag], flag)
    if steps:
        return ReviewOutcome(as_cases(review_many(db, chosen, steps, by=by)))
    rows = store_list(db, FlagFilter(ids=tuple(chosen)))
    missing = sorted(set(chosen) - {i for r in rows for i in r["flag_ids"]})
    if missing:
        raise NotFound(tr("找不到标记 {id}", id=missing[0]), hint=tr("用 `cmgr flag` 列出标记"))
    return ReviewOutcome(rows)


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

    # One flag per row: the report folds each case into one line itself, with its evidence.
    rows = list_flags(db, since=since, until=until, manager=manager, kind=kind,
                      statuses=None if include_done else OPEN_FLAG_STATUSES, cases=False)
    context = fr.report_context(rows, last_events(db, [r["id"] for r in rows]), since=since,
                                until=until, manager=manager)
    path = expand_out(out or OUT_FLAG_REPORT, manager=manager or "全部", format=fmt)
    report = FlagReport(path, context["counts"])
    to_mark = [r["id"] for r in rows if r["status"] == "new"] if mark_reported else []
    if to_mark:  # marking them reported is a write on each (docs/area.md)
        from cmgr.jobs.area import check_flag_writes

        who = check_flag_writes(db, cfg, to_mark)
        by = by or (who.name if who.role else None)
    with all_or_nothing() as files:
        fr.write_report(fmt, context, files.path(path), user_dir=cfg.get("templates.dir"))
        if to_mark:
            from cmgr.store.area import stamp_flags

            with db.transaction():
                report.marked = mark(db, to_mark, by=by,
                                     text=f"随《{fr.REPORT_TITLE}》上报 ({path.name})")
                stamp_flags(db, to_mark, db.writer)
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
