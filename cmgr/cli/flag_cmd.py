"""`cmgr flag`: price violations (价格违规) and unlicensed sales (无证经营) found in the visits and
the roster, listed, reviewed (new -> reported -> closed, or dismissed) and escalated to the area
market manager in 《价格违规及无证经营情况报告》 (duties 4.1.3 e-f and 4.7, docs/domain.md). docs/flags.md.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.domain import FLAG_STATUSES
from cmgr.errors import ExitCode, UsageError

app = common.new_app(
    "违规标记: find price violations and unlicensed sales in visit notes, observed prices "
    "and the roster; list them, review them, write the escalation report.\n\n"
    "Run bare, it reads the visits not read yet, stores what it finds and lists the flags.",
    invoke_without_command=True, no_args_is_help=False)


class Kind(StrEnum):
    unlicensed = "unlicensed"
    price = "price"


Status = StrEnum("Status", {s: s for s in FLAG_STATUSES})  # cmgr.domain: the one list


ListFormatOpt = options.format_option(
    "table", "csv", "xlsx", "json", help="Output format; csv/json without --out go to stdout.")
ReportFormatOpt = options.format_option("html", "xlsx", "docx", help="Output format.")
ListOutOpt = options.out_option("{date} {manager} {format}", more="csv/xlsx/json (xlsx default "
                                                                  "flags-{date}.{format}).")
ReportOutOpt = options.out_option("{date} {manager} {format}",
                                  default="价格违规及无证经营情况报告-{date}.{format}")
KindOpt = Annotated[Kind | None, typer.Option("--kind", help="unlicensed or price.")]
RescanOpt = Annotated[bool, typer.Option(
    "--rescan", help="Read every visit in the range again, not only new and changed ones "
                     "(after editing the lexicon or correcting the price list).")]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="flag")
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("价格违规及无证经营 (flag)", demo_step)


def _scan(st: common.AppState, since: str | None, until: str | None, rescan: bool) -> None:
    """Scan, and tell the user on stderr what was (not) checked."""
    from cmgr.jobs import flags

    summary = flags.scan(st.db(), st.config(), since, until, rescan)
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


# --- cmgr flag -----------------------------------------------------------------------------------

@app.callback(invoke_without_command=True)
def flag_command(
    ctx: typer.Context,
    since: options.SinceOpt = None,
    until: options.UntilOpt = None,
    manager: options.ManagerOpt = None,
    kind: KindOpt = None,
    status: Annotated[list[Status] | None, typer.Option(
        "--status", help="new, reported, closed or dismissed (repeatable; default all).")] = None,
    fmt: ListFormatOpt = "table",
    out: ListOutOpt = None,
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
        if given or new_only or fail_on_new or rescan or fmt != "table":
            raise UsageError(f"options of `cmgr flag` go after the command: cmgr flag "
                             f"{ctx.invoked_subcommand} {' '.join(given) or '...'}")
        return
    from cmgr.jobs import flags

    first, last = flags.date_range(since, until)
    statuses = tuple(dict.fromkeys(s.value for s in status or ()))
    if new_only:
        if statuses and statuses != ("new",):
            raise UsageError("--new-only lists status new; it cannot be combined with --status "
                             + ", ".join(statuses))
        statuses = ("new",)
    if out and fmt == "table":
        raise UsageError("--out needs --format csv, xlsx or json")
    st = common.state()
    db = st.db()
    flags.check_manager(db, manager)
    _scan(st, first, last, rescan)
    rows = flags.list_flags(db, since=first, until=last, manager=manager,
                            kind=kind.value if kind else None, statuses=statuses or None,
                            cfg=st.config())
    _present(rows, fmt, out, manager)
    n_new = sum(1 for r in rows if r["status"] == "new")
    if fail_on_new and n_new:
        common.info(f"{n_new} new flag(s): exit {int(ExitCode.FINDINGS)} (--fail-on-new)")
        common.exit_with(ExitCode.FINDINGS)


def _present(rows: list[dict], fmt: str, out: str | None, manager: str | None) -> None:
    import sys

    from cmgr.jobs import flags
    from cmgr.render import flag_report as fr

    if fmt == "table":
        _print_table(rows)
    elif out or fmt == "xlsx":
        path = flags.write_list(rows, fmt, out, manager)
        common.info(f"{len(rows):,} flag(s) written to {path}")
    elif fmt == "json":
        common.print_json([fr.flag_record(r) for r in rows])
    else:
        sys.stdout.write(fr.flags_csv(rows))
        sys.stdout.flush()


_SHORT_SOURCE = {"note": "记录", "observed_price": "实价", "roster": "名册"}


def _print_table(rows: list[dict]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cmgr.core.flag_engine import subkind_label
    from cmgr.domain import flag_status_label

    if not rows:
        common.info("no flags")
        return
    table = Table(title=f"违规标记 · {len(rows)} 条", title_justify="left")
    proposed = any(r.get("suggest_close") for r in rows)
    for col in ("编号", "状态", "日期", "客户", "问题", "命中内容", *(("建议办结",) if proposed else ())):
        table.add_column(col, justify="right" if col == "编号" else "left",
                         no_wrap=col in ("编号", "状态", "日期"),
                         ratio=3 if col == "命中内容" else (1 if col in ("客户", "问题") else None),
                         overflow="fold")
    for r in rows:
        matched = r["matched"] or ""
        if len(matched) > 60:
            matched = matched[:59] + "…"
        problem = f"{subkind_label(r['subkind'])}·{_SHORT_SOURCE.get(r['source'], r['source'])}"
        table.add_row(str(r["id"]), flag_status_label(r["status"]), r["visit_date"] or "",
                      escape(r["customer_name"] or r["customer_code"] or ""), escape(problem),
                      escape(matched), *((escape(r.get("suggest_close") or ""),) if proposed else ()))
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
    since: options.SinceOpt = None,
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
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Move flags on: --report, --close --result TEXT, --report --close --result TEXT, or
    --dismiss --reason TEXT; for one flag, several ids, or a selection.

    Without a step, show the flag and its history (or list the selection). Several flags are
    moved together or not at all: a step refused for any of them (closing a flag not yet
    reported, anything on a closed or dismissed flag) exits 2 and changes nothing.
    """
    from cmgr.jobs import flags

    steps = flags.review_steps(report=report, close=close, dismiss=dismiss, note=note,
                               result=result, reason=reason)
    selection = flags.ReviewSelection(all_new=all_new, customer=customer,
                                      since=since.isoformat() if since else None,
                                      kind=kind.value if kind else None)
    st = common.state()
    outcome = flags.review(st.db(), flag_ids, selection, steps, by, cfg=st.config())
    actions = " + ".join(a for a, _ in steps)
    if outcome.flag is not None:
        flag = outcome.flag
        if steps:
            common.info(f"flag {flag['id']}: {actions} recorded; now {flag['status']}")
        if fmt == "json":
            from cmgr.render.flag_report import flag_record

            common.print_json({**flag_record(flag), "events": flag["events"]})
        elif not steps or not common.state().quiet:
            _print_flag(flag)
        return
    if not outcome.rows and selection.given():
        common.info("no flag matches the selection; nothing was changed")
    elif steps:
        common.info(f"{len(outcome.rows)} flags: {actions} recorded")
    if fmt == "json":
        from cmgr.render.flag_report import flag_record

        common.print_json([flag_record(r) for r in outcome.rows])
    elif outcome.rows and (not steps or not common.state().quiet):
        _print_table(outcome.rows)


def _print_flag(flag: dict) -> None:
    from rich.markup import escape

    from cmgr.core.flag_engine import KIND_LABELS, SOURCE_LABELS, subkind_label
    from cmgr.domain import flag_status_label

    con = common.out_console
    con.print(f"[bold]flag {flag['id']}[/bold]  {flag_status_label(flag['status'])} "
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
        from rich.text import Text

        from cmgr.inert_text import strip_control

        # A Text bypasses the console's own stripping: no escape sequence reaches the terminal.
        note, matched = strip_control(flag["note"]), strip_control(flag.get("matched") or "")
        at = note.find(matched) if matched and flag["source"] == "note" else -1

        shown = Text("访问内容: ")
        if at < 0:
            shown.append(note)
        else:  # Text, not markup: a note may hold brackets and backslashes
            shown.append(note[:at]).append(matched, style="reverse").append(note[at + len(matched):])
        con.print(shown)
    for e in flag["events"]:
        con.print(f"  {e['at']}  {e['action']:<9} {escape(e['by'] or '')}"
                  + (f"  {escape(e['text'])}" if e.get("text") else ""))


# --- cmgr flag decisions -------------------------------------------------------------------------

@app.command("decisions")
def decisions_command(
    file: Annotated[Path, typer.Argument(help="The decisions sheet (.xlsx, .xls or .csv).")],
    sheet: Annotated[str | None, typer.Option(help="Sheet to read in a workbook with several.")]
    = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check every row and show what would be done; change nothing.")] = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """The area market manager's decisions (处理决定表: 标记编号 or 客户编码, 处理决定, 决定日期,
    决定人, 备注), applied all or nothing: any rejected row leaves everything unchanged (exit 2).

    降级 closes the flag and records the downgrade on the customer (`customer show`); 转专卖 and
    已整改 close it; 不予处理/排除 dismiss it. A row already applied is left as it is.
    """
    from cmgr.jobs import flag_decisions as fd

    st = common.state()
    result = fd.apply_sheet(st.db(), file, sheet=sheet, dry_run=dry_run, cfg=st.config())
    if fmt == "json":
        common.print_json({
            "file": result.file, "sheet": result.sheet, "dry_run": dry_run,
            "rows_read": result.rows_read, "applied": result.applied,
            "unchanged": result.unchanged,
            "decisions": [{"row": p.row, "flag_id": p.flag_id, "customer_code": p.customer_code,
                           "decision": p.decision, "decided_on": p.decided_on,
                           "decided_by": p.decided_by, "remark": p.remark,
                           "status_before": p.status_before, "unchanged": p.unchanged}
                          for p in result.planned],
            "rejects": [{"row": r.row, "column": r.column, "value": r.value, "reason": r.reason}
                        for r in result.rejects]})
    else:
        _print_decisions(result)
    if result.rejects:
        raise fd.rejected_error(result)


def _print_decisions(result) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cmgr.domain import flag_status_label
    from cmgr.jobs.flag_decisions import DECISION_LABELS

    if result.planned:
        title = "处理决定" + (" (dry run: 未写入)" if result.dry_run or result.rejects else "")
        table = Table(title=title, title_justify="left")
        for col in ("行", "编号", "客户", "决定", "日期", "决定人", "原状态", "结果"):
            table.add_column(col)
        for p in result.planned:
            outcome = ("已记录, 不变" if p.unchanged else
                       "排除" if p.decision == "dismiss" else "办结")
            table.add_row(str(p.row), str(p.flag_id), escape(p.customer_code or ""),
                          DECISION_LABELS[p.decision], p.decided_on, escape(p.decided_by or ""),
                          flag_status_label(p.status_before), outcome)
        common.out_console.print(table)
    for r in result.rejects:
        common.err_console.print(f"[red]rejected:[/red] {escape(str(r.location(result.file, result.sheet)))}: "
                                 f"{escape(r.reason)}")
    if not result.rejects:
        verb = "would apply" if result.dry_run else "applied"
        common.info(f"{result.rows_read} row(s) read: {verb} {len(result.planned) - result.unchanged}, "
                    f"{result.unchanged} already recorded")


# --- cmgr flag report ----------------------------------------------------------------------------

@app.command("report")
def report_command(
    since: options.SinceOpt = None,
    until: options.UntilOpt = None,
    manager: options.ManagerOpt = None,
    kind: KindOpt = None,
    fmt: ReportFormatOpt = "html",
    out: ReportOutOpt = None,
    include_closed: Annotated[bool, typer.Option(
        "--include-closed", help="Also closed and dismissed flags (default: new and reported).")]
    = False,
    mark_reported: Annotated[bool, typer.Option(
        "--mark-reported", help="Record the new flags in the report as reported.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who reports (with --mark-reported).")]
    = None,
    rescan: RescanOpt = False,
) -> None:
    """《价格违规及无证经营情况报告》 for the area market manager: a 价格违规 table (降级) and an
    无证经营 table (to 专卖), from the open flags."""
    from cmgr.jobs import flags

    if by is not None and not mark_reported:
        raise UsageError("--by goes with --mark-reported")
    first, last = flags.date_range(since, until)
    st = common.state()
    db = st.db()
    flags.check_manager(db, manager)
    _scan(st, first, last, rescan)
    report = flags.write_report(db, st.config(), fmt.value, out, since=first, until=last,
                                manager=manager, kind=kind.value if kind else None,
                                include_done=include_closed, mark_reported=mark_reported, by=by)
    _report_written(report)
    if mark_reported:
        common.info(f"{report.marked} new flag(s) recorded as reported")
    typer.echo(str(report.path))


def _report_written(report) -> None:
    from cmgr.render.flag_report import REPORT_TITLE

    c = report.counts
    common.info(f"{REPORT_TITLE}: {c['price_cases']} price case(s), {c['unlicensed_cases']} "
                f"unlicensed case(s) from {c['flags']} flag(s) -> {report.path}")


# --- cmgr demo -----------------------------------------------------------------------------------

def demo_step(st: common.AppState, out_dir: Path) -> list[Path]:
    """The sample territory's flags: a summary on stderr, the list as xlsx, and one escalation
    report per manager."""
    from collections import Counter

    from cmgr.core.flag_engine import KIND_LABELS, subkind_label
    from cmgr.jobs import flags

    _scan(st, None, None, False)
    counts = Counter((r["kind"], r["subkind"]) for r in flags.list_flags(st.db()))
    for (kind, subkind), n in sorted(counts.items()):
        common.info(f"  {KIND_LABELS[kind]}·{subkind_label(subkind)}: {n}")
    return flags.demo_files(st.db(), st.config(), out_dir)
