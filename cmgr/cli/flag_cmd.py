"""`cmgr flag`: price violations (价格违规) and unlicensed sales (无证经营) found in the visits and
the roster, listed, reviewed (new -> reported -> closed, or dismissed) and escalated to the area
market manager in 《价格违规及无证经营情况报告》 (seed 4.1.3 e-f, 4.7). docs/flags.md.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common
from cmgr.errors import ExitCode, UsageError

app = common.new_app(
    "违规标记: find price violations and unlicensed sales in visit notes, observed prices "
    "and the roster; list them, review them, write the escalation report.\n\n"
    "Run bare, it reads the visits not read yet, stores what it finds and lists the flags.",
    invoke_without_command=True, no_args_is_help=False)


class Kind(StrEnum):
    unlicensed = "unlicensed"
    price = "price"


class Status(StrEnum):
    new = "new"
    reported = "reported"
    closed = "closed"
    dismissed = "dismissed"


class ListFormat(StrEnum):
    table = "table"
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


class ReportFormat(StrEnum):
    html = "html"
    xlsx = "xlsx"
    docx = "docx"


SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="First visit date (2026-11-01, 2026/11/1, 2026年11月1日).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last visit date (inclusive).")]
ManagerOpt = Annotated[str | None, typer.Option("--manager", "-m", help="Only this 客户经理's flags.")]
KindOpt = Annotated[Kind | None, typer.Option("--kind", help="unlicensed or price.")]
RescanOpt = Annotated[bool, typer.Option(
    "--rescan", help="Read every visit in the range again, not only new and changed ones "
                     "(after editing the lexicon or correcting the price list).")]

DEFAULT_LIST_OUT = "flags-{date}.{format}"
DEFAULT_REPORT_OUT = "价格违规及无证经营情况报告-{date}.{format}"


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="flag")
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("价格违规及无证经营 (flag)", demo_step)


# --- the scan, shared by list, report and demo ---------------------------------------------------

def _date_option(option: str, text: str | None) -> str | None:
    if text is None:
        return None
    from cmgr.sources.cells import CellError, parse_date

    try:
        day = parse_date(text)
    except CellError as exc:
        raise UsageError(f"{option} {text!r}: {exc.expected}") from None
    if day is None:
        raise UsageError(f"{option} is empty")
    return day.isoformat()


def _range(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    first, last = _date_option("--since", since), _date_option("--until", until)
    if first and last and first > last:
        raise UsageError(f"--since {first} is after --until {last}")
    return first, last


def run_scan(st: common.AppState, since: str | None, until: str | None, rescan: bool):
    """Read what needs reading, store the flags, tell the user on stderr what was (not) checked."""
    from cmgr.core.flag_rules import load_lexicon
    from cmgr.store.flags import scan

    cfg = st.config()
    lexicon = load_lexicon(cfg.get("flags.lexicon"))
    db = st.db()
    summary = scan(db, lexicon, min_retail_factor=float(cfg.get("flags.price.min_retail_factor")),
                   since=since, until=until, rescan=rescan)
    common.info(f"flag scan: {summary.visits:,} visits read ({summary.notes:,} notes, "
                f"{summary.price_checks:,} prices checked) in {summary.seconds:.1f} s: "
                f"{summary.added:,} new flags, {summary.refreshed:,} refreshed, "
                f"{summary.removed:,} removed")
    if summary.not_found:
        common.warn(f"{summary.not_found} reported flag(s) no longer found in their visits; kept, "
                    "see `cmgr flag review ID`")
    if summary.unmatched_skus:
        names = ", ".join(f"{name} ×{n}" for name, n in list(summary.unmatched_skus.items())[:12])
        more = len(summary.unmatched_skus) - 12
        common.warn(f"检查品规 not in the price list, prices not checked: {names}"
                    + (f" and {more} more" if more > 0 else "")
                    + ("" if summary.prices_in_list else " (the price list is empty: "
                       "cmgr import prices FILE)"))
    if summary.unparsed_prices:
        shown = ", ".join(f"{who}: {text!r}" for who, text in summary.unparsed_prices[:8])
        common.warn(f"{len(summary.unparsed_prices)} 实际零售价 not a price, not checked: {shown}")
    if summary.price_without_sku:
        common.warn(f"{summary.price_without_sku} 实际零售价 without a 检查品规, not checked")
    return summary


def _check_manager(db, manager: str | None) -> None:
    if not manager:
        return
    from cmgr.managers import resolve_managers
    from cmgr.store.flags import known_managers

    # Flags also belong to managers named only in visit records, so those count as known.
    resolve_managers(db, [manager], False, known=known_managers(db))


# --- cmgr flag -----------------------------------------------------------------------------------

@app.callback(invoke_without_command=True)
def flag_command(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: UntilOpt = None,
    manager: ManagerOpt = None,
    kind: KindOpt = None,
    status: Annotated[list[Status] | None, typer.Option(
        "--status", help="new, reported, closed or dismissed (repeatable; default all).")] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", help="table, csv, xlsx or json.")]
    = ListFormat.table,
    out: Annotated[str | None, typer.Option(
        "--out", help="Write csv/xlsx/json here; placeholders {date} {manager} {format} "
                      f"(xlsx default {DEFAULT_LIST_OUT}).")] = None,
    new_only: Annotated[bool, typer.Option(
        "--new-only", help="Only flags not yet reported (status new): the nightly cron.")] = False,
    fail_on_new: Annotated[bool, typer.Option(
        "--fail-on-new", help="Exit 1 when the list has new flags, so cron can mail.")] = False,
    rescan: RescanOpt = False,
) -> None:
    """Read new and changed visits, store what they show, and list the flags.

    Exit status: 0 done; 1 with --fail-on-new when new flags are listed; 2 bad option or lexicon.
    """
    if ctx.invoked_subcommand is not None:
        given = [name for name, value in (("--since", since), ("--until", until),
                                          ("--manager", manager), ("--kind", kind),
                                          ("--status", status), ("--out", out)) if value]
        if given or new_only or fail_on_new or rescan or fmt != ListFormat.table:
            raise UsageError(f"options of `cmgr flag` go after the command: cmgr flag "
                             f"{ctx.invoked_subcommand} {' '.join(given) or '...'}")
        return
    from cmgr.store.flags import FlagFilter, list_flags

    first, last = _range(since, until)
    statuses = tuple(dict.fromkeys(s.value for s in status or ()))
    if new_only:
        if statuses and statuses != ("new",):
            raise UsageError("--new-only lists status new; it cannot be combined with --status "
                             + ", ".join(statuses))
        statuses = ("new",)
    if out and fmt == ListFormat.table:
        raise UsageError("--out needs --format csv, xlsx or json")
    st = common.state()
    db = st.db()
    _check_manager(db, manager)
    run_scan(st, first, last, rescan)
    rows = list_flags(db, FlagFilter(since=first, until=last, manager=manager,
                                     kind=kind.value if kind else None, statuses=statuses or None))
    _present(rows, fmt, out, manager)
    n_new = sum(1 for r in rows if r["status"] == "new")
    if fail_on_new and n_new:
        common.info(f"{n_new} new flag(s): exit {int(ExitCode.FINDINGS)} (--fail-on-new)")
        common.exit_with(ExitCode.FINDINGS)


def _present(rows: list[dict], fmt: ListFormat, out: str | None, manager: str | None) -> None:
    import sys

    from cmgr.render import flag_report as fr
    from cmgr.render.output import expand_out, write_text

    if fmt == ListFormat.table:
        _print_table(rows)
        return
    path = expand_out(out or DEFAULT_LIST_OUT, manager=manager or "all", format=fmt.value) \
        if (out or fmt == ListFormat.xlsx) else None
    if fmt == ListFormat.json:
        records = [fr.flag_record(r) for r in rows]
        if path is None:
            common.print_json(records)
        else:
            import json

            write_text(path, json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    elif fmt == ListFormat.csv:
        text = fr.flags_csv(rows)
        if path is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            write_text(path, text, encoding="utf-8-sig")  # Excel reads the BOM as UTF-8
    else:
        fr.write_flags_xlsx(rows, path)
    if path is not None:
        common.info(f"{len(rows):,} flag(s) written to {path}")


_SHORT_SOURCE = {"note": "记录", "observed_price": "实价", "roster": "名册"}


def _print_table(rows: list[dict]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cmgr.core.flag_engine import STATUS_LABELS, subkind_label

    if not rows:
        common.info("no flags")
        return
    table = Table(title=f"违规标记 · {len(rows)} 条", title_justify="left")
    for col in ("编号", "状态", "日期", "客户", "问题", "命中内容"):
        table.add_column(col, justify="right" if col == "编号" else "left",
                         no_wrap=col in ("编号", "状态", "日期"),
                         ratio=3 if col == "命中内容" else (1 if col in ("客户", "问题") else None),
                         overflow="fold")
    for r in rows:
        matched = r["matched"] or ""
        if len(matched) > 60:
            matched = matched[:59] + "…"
        problem = f"{subkind_label(r['subkind'])}·{_SHORT_SOURCE.get(r['source'], r['source'])}"
        table.add_row(str(r["id"]), STATUS_LABELS.get(r["status"], r["status"]), r["visit_date"] or "",
                      escape(r["customer_name"] or r["customer_code"] or ""), escape(problem),
                      escape(matched))
    common.out_console.print(table)


# --- cmgr flag review ----------------------------------------------------------------------------

@app.command("review")
def review_command(
    flag_ids: Annotated[list[int] | None, typer.Argument(
        help="The flags' ids (first column of `cmgr flag`); or a selection: --all-new, "
             "--customer, --since, --kind.", show_default=False)] = None,
    all_new: Annotated[bool, typer.Option("--all-new", help="Every new (待上报) flag.")] = False,
    customer: Annotated[str | None, typer.Option(
        "--customer", help="The flags of this customer code.")] = None,
    since: SinceOpt = None,
    kind: KindOpt = None,
    report: Annotated[bool, typer.Option(
        "--report", help="Reported to the area market manager (price: 降级; unlicensed: to 专卖).")]
    = False,
    close: Annotated[bool, typer.Option(
        "--close", help="Closed, with --result; with --report too: reported and closed in one "
                        "step (the area manager's decision is already known).")] = False,
    dismiss: Annotated[bool, typer.Option("--dismiss", help="A false alarm, with --reason.")] = False,
    result: Annotated[str | None, typer.Option("--result", help="How it ended (with --close).")]
    = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is dismissed.")] = None,
    note: Annotated[str | None, typer.Option(
        "--note", help="With --report: to whom / what was passed on.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who (default: the flag's manager).")]
    = None,
    fmt: common.FormatOpt
    = common.Format.table,
) -> None:
    """Move flags on: --report, --close --result TEXT, --report --close --result TEXT, or
    --dismiss --reason TEXT; for one flag, several ids, or a selection.

    Without a step, show the flag and its history (or list the selection). Several flags are
    moved together or not at all: a step refused for any of them (closing a flag not yet
    reported, anything on a closed or dismissed flag) exits 2 and changes nothing.
    """
    from cmgr.store.flags import FlagFilter, get_flag, list_flags, review_many

    if dismiss and (report or close):
        raise UsageError("--dismiss goes alone, not with --report or --close")
    steps: list[tuple[str, str | None]] = []
    if report:
        steps.append(("report", note))
    if close:
        steps.append(("close", result))
    if dismiss:
        steps.append(("dismiss", reason))
    actions = [a for a, _ in steps]
    if result is not None and "close" not in actions:
        raise UsageError("--result goes with --close")
    if reason is not None and "dismiss" not in actions:
        raise UsageError("--reason goes with --dismiss")
    if note is not None and "report" not in actions:
        raise UsageError("--note goes with --report")
    selecting = all_new or customer is not None or since is not None or kind is not None
    if flag_ids and selecting:
        raise UsageError("give flag ids or a selection (--all-new, --customer, --since, --kind), "
                         "not both")
    if not flag_ids and not selecting:
        raise UsageError("give a flag id, several, or a selection (--all-new, --customer, "
                         "--since, --kind)")
    db = common.state().db()
    if selecting:
        # The flags the first step can move (report: new ones; close: reported ones, or new ones
        # reported in the same step; dismiss: open ones); without a step, all that match.
        first = actions[0] if actions else None
        statuses = (("new",) if all_new or first == "report"
                    else ("reported",) if first == "close"
                    else ("new", "reported") if first == "dismiss" else None)
        rows = list_flags(db, FlagFilter(since=_date_option("--since", since),
                                         kind=kind.value if kind else None, customer=customer,
                                         statuses=statuses))
        ids = [r["id"] for r in rows]
        if not ids:
            common.info("no flag matches the selection; nothing was changed")
            if fmt == common.Format.json:
                common.print_json([])
            return
    else:
        ids = list(dict.fromkeys(flag_ids))
    if len(ids) == 1 and not selecting:
        if steps:
            review_many(db, ids, steps, by=by)
        flag = get_flag(db, ids[0])
        if steps:
            common.info(f"flag {ids[0]}: {' + '.join(actions)} recorded; now {flag['status']}")
        if fmt == common.Format.json:
            from cmgr.render.flag_report import flag_record

            common.print_json({**flag_record(flag), "events": flag["events"]})
        elif not steps or not common.state().quiet:
            _print_flag(flag)
        return
    if steps:
        rows = review_many(db, ids, steps, by=by)
        common.info(f"{len(ids)} flags: {' + '.join(actions)} recorded")
    elif not selecting:
        rows = list_flags(db, FlagFilter(ids=tuple(ids)))
        missing = sorted(set(ids) - {r["id"] for r in rows})
        if missing:
            from cmgr.errors import NotFound

            raise NotFound(f"no flag {missing[0]}", hint="list them with `cmgr flag`")
    if fmt == common.Format.json:
        from cmgr.render.flag_report import flag_record

        common.print_json([flag_record(r) for r in rows])
    elif not steps or not common.state().quiet:
        _print_table(rows)


def _print_flag(flag: dict) -> None:
    from rich.markup import escape

    from cmgr.core.flag_engine import KIND_LABELS, SOURCE_LABELS, STATUS_LABELS, subkind_label

    con = common.out_console
    con.print(f"[bold]flag {flag['id']}[/bold]  {STATUS_LABELS.get(flag['status'], flag['status'])} "
              f"({flag['status']})  {KIND_LABELS.get(flag['kind'], flag['kind'])}·"
              f"{escape(subkind_label(flag['subkind']))}  来源 {SOURCE_LABELS.get(flag['source'])}")
    con.print(f"{flag['visit_date'] or ''}  {escape(flag['customer_name'] or '')} "
              f"{flag['customer_code'] or ''}  客户经理 {escape(flag['manager'] or '')}"
              + (f"  访问 {escape(flag['visit_id'])}" if flag.get("visit_id") else ""))
    con.print(f"命中: {escape(flag['matched'] or '')}")
    con.print(f"规则: {escape(flag['rule'] or '')}")
    if flag.get("observed_price") is not None:
        con.print(f"实际零售价 {flag['observed_price']:g} 元/条, 参考价 {flag['reference_price']:g}, "
                  f"偏离 {flag['deviation']:+.2f} 元 ({flag['deviation_pct']:+.2f}%)")
    if flag.get("note"):
        note, matched = flag["note"], flag.get("matched") or ""
        at = note.find(matched) if matched and flag["source"] == "note" else -1
        from rich.text import Text

        shown = Text("访问内容: ")
        if at < 0:
            shown.append(note)
        else:  # Text, not markup: a note may hold brackets and backslashes
            shown.append(note[:at]).append(matched, style="reverse").append(note[at + len(matched):])
        con.print(shown)
    for e in flag["events"]:
        con.print(f"  {e['at']}  {e['action']:<9} {escape(e['by'] or '')}"
                  + (f"  {escape(e['text'])}" if e.get("text") else ""))


# --- cmgr flag report ----------------------------------------------------------------------------

@app.command("report")
def report_command(
    since: SinceOpt = None,
    until: UntilOpt = None,
    manager: ManagerOpt = None,
    kind: KindOpt = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="html, xlsx or docx.")]
    = ReportFormat.html,
    out: Annotated[str | None, typer.Option(
        "--out", help=f"Report file; placeholders {{date}} {{manager}} {{format}} "
                      f"(default {DEFAULT_REPORT_OUT}).")] = None,
    include_done: Annotated[bool, typer.Option(
        "--all", help="Also closed and dismissed flags (default: new and reported).")] = False,
    mark_reported: Annotated[bool, typer.Option(
        "--mark-reported", help="Record the new flags in the report as reported.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who reports (with --mark-reported).")]
    = None,
    rescan: RescanOpt = False,
) -> None:
    """《价格违规及无证经营情况报告》 for the area market manager: a 价格违规 table (降级) and an
    无证经营 table (to 专卖), from the open flags."""
    if by is not None and not mark_reported:
        raise UsageError("--by goes with --mark-reported")
    first, last = _range(since, until)
    st = common.state()
    db = st.db()
    _check_manager(db, manager)
    run_scan(st, first, last, rescan)
    paths = write_report(st, fmt.value, out, since=first, until=last, manager=manager,
                         kind=kind.value if kind else None, include_done=include_done,
                         mark_reported=mark_reported, by=by)
    for path in paths:
        typer.echo(str(path))


def write_report(st: common.AppState, fmt: str, out: str | None, *, since: str | None,
                 until: str | None, manager: str | None, kind: str | None = None,
                 include_done: bool = False, mark_reported: bool = False,
                 by: str | None = None) -> list[Path]:
    from cmgr.render import flag_report as fr
    from cmgr.render.output import expand_out
    from cmgr.store.flags import FlagFilter, last_events, list_flags
    from cmgr.store.flags import mark_reported as mark

    db = st.db()
    statuses = None if include_done else ("new", "reported")
    rows = list_flags(db, FlagFilter(since=since, until=until, manager=manager, kind=kind,
                                     statuses=statuses))
    context = fr.report_context(rows, last_events(db, [r["id"] for r in rows]), since=since,
                                until=until, manager=manager)
    path = expand_out(out or DEFAULT_REPORT_OUT, manager=manager or "all", format=fmt)
    fr.write_report(fmt, context, path, user_dir=st.config().get("templates.dir"))
    c = context["counts"]
    common.info(f"{fr.REPORT_TITLE}: {c['price_cases']} price case(s), {c['unlicensed_cases']} "
                f"unlicensed case(s) from {c['flags']} flag(s) -> {path}")
    if mark_reported:
        n = mark(db, [r["id"] for r in rows], by=by, text=f"随《{fr.REPORT_TITLE}》上报 ({path.name})")
        common.info(f"{n} new flag(s) recorded as reported")
    return [path]


# --- cmgr demo -----------------------------------------------------------------------------------

def demo_step(st: common.AppState, out_dir: Path) -> list[Path]:
    """The sample territory's flags: a summary on stderr, the list as xlsx, and one escalation
    report per manager."""
    from collections import Counter

    from cmgr.core.flag_engine import KIND_LABELS, subkind_label
    from cmgr.render.flag_report import write_flags_xlsx
    from cmgr.store.flags import list_flags

    run_scan(st, None, None, False)
    rows = list_flags(st.db())
    counts = Counter((r["kind"], r["subkind"]) for r in rows)
    for (kind, subkind), n in sorted(counts.items()):
        common.info(f"  {KIND_LABELS[kind]}·{subkind_label(subkind)}: {n}")
    paths = [write_flags_xlsx(rows, out_dir / "违规标记.xlsx")]
    for manager in sorted({r["manager"] for r in rows if r["manager"]}):
        paths += write_report(st, "html", str(out_dir / "价格违规及无证经营情况报告-{manager}.html"),
                              since=None, until=None, manager=manager)
    return paths
