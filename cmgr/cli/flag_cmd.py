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
from cmgr.domain import FLAG_STATUSES, OUT_FLAG_LIST, OUT_FLAG_REPORT
from cmgr.errors import ExitCode, UsageError
from cmgr.i18n import tr

app = common.new_app(
    tr("违规标记：从访问内容、实际零售价和客户名册中发现价格违规和无证经营；列出、处理，"
       "并写出上报的报告。\n\n"
       "不带命令运行时，读取还没读过的访问，保存发现的违规标记并列出。"),
    invoke_without_command=True, no_args_is_help=False)


class Kind(StrEnum):
    unlicensed = "unlicensed"
    price = "price"


Status = StrEnum("Status", {s: s for s in FLAG_STATUSES})  # cmgr.domain: the one list


LIST_FILE_FORMATS = ("csv", "xlsx", "json")
ListFormatOpt = options.format_option("table", *LIST_FILE_FORMATS, optional=True, help=tr(
    "输出格式；默认按 `--out` 的后缀，否则 table；csv、json 不带 `--out` 时写到标准输出。"))
REPORT_FORMATS = ("html", "xlsx", "docx")
ReportFormatOpt = options.format_option(*REPORT_FORMATS, optional=True, help=tr(
    "输出格式；默认按 `--out` 的后缀，否则 html。"))
ListOutOpt = options.out_option("{date} {manager} {format}",
                                more=tr("csv、xlsx 或 json（xlsx 默认 {default}）。",
                                        default=OUT_FLAG_LIST))
ReportOutOpt = options.out_option("{date} {manager} {format}",
                                  default=OUT_FLAG_REPORT)
KindOpt = Annotated[Kind | None, typer.Option(
    "--kind", help=tr("unlicensed（无证经营）或 price（价格违规）。"))]
RescanOpt = Annotated[bool, typer.Option(
    "--rescan", help=tr("重新读取范围内的每一次访问，不只是新的和改过的"
                        "（修改词表或更正价格表之后）。"))]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="flag")
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step(tr("价格违规及无证经营（flag）"), demo_step)


def _scan(st: common.AppState, since: str | None, until: str | None, rescan: bool) -> None:
    """Scan, and tell the user on stderr what was (not) checked."""
    from cmgr.jobs import flags

    summary = flags.scan(st.db(), st.config(), since, until, rescan)
    common.info(tr("违规标记扫描：读取 {visits} 次访问（{notes} 条访问内容，核对 {prices} 个价格），"
                   "用时 {seconds} 秒：新增 {added}，更新 {refreshed}，移除 {removed}",
                   visits=f"{summary.visits:,}", notes=f"{summary.notes:,}",
                   prices=f"{summary.price_checks:,}", seconds=f"{summary.seconds:.1f}",
                   added=f"{summary.added:,}", refreshed=f"{summary.refreshed:,}",
                   removed=f"{summary.removed:,}"))
    if summary.not_found:
        common.warn(tr("{n} 条已上报的违规标记在其访问中已找不到；已保留，见 `cmgr flag review 编号`",
                       n=summary.not_found))
    if summary.unmatched_skus:
        sep = tr("、")
        names = sep.join(f"{name} ×{n}" for name, n in list(summary.unmatched_skus.items())[:12])
        more = len(summary.unmatched_skus) - 12
        if more > 0:
            names = tr("{listed}；另有 {n} 个", listed=names, n=more)
        if summary.prices_in_list:
            common.warn(tr("检查品规不在价格表中，价格未核对：{names}", names=names))
        else:
            common.warn(tr("检查品规不在价格表中，价格未核对：{names}（价格表是空的："
                           "cmgr import prices 文件）", names=names))
    if summary.unparsed_prices:
        shown = tr("、").join(f"{who}: {text!r}" for who, text in summary.unparsed_prices[:8])
        common.warn(tr("{n} 个实际零售价不是价格，未核对：{shown}", n=len(summary.unparsed_prices),
                       shown=shown))
    if summary.price_without_sku:
        common.warn(tr("{n} 个实际零售价没有检查品规，未核对", n=summary.price_without_sku))


# --- cmgr flag -----------------------------------------------------------------------------------

@app.callback(invoke_without_command=True)
def flag_command(
    ctx: typer.Context,
    since: options.SinceOpt = None,
    until: options.UntilOpt = None,
    manager: options.ManagerOpt = None,
    kind: KindOpt = None,
    status: Annotated[list[Status] | None, typer.Option(
        "--status", help=tr("new、reported、closed 或 dismissed（可重复；默认全部）。"))] = None,
    fmt: ListFormatOpt = None,
    out: ListOutOpt = None,
    new_only: Annotated[bool, typer.Option(
        "--new-only", help=tr("只看还没上报的违规标记（状态 new）：每晚的 cron。"))] = False,
    fail_on_new: Annotated[bool, typer.Option(
        "--fail-on-new", help=tr("列表中有新的违规标记时退出码为 1，cron 可以发邮件。"))] = False,
    rescan: RescanOpt = False,
) -> None:
    # Read new and changed visits, store what they show, list the flags (help: the group's).
    if ctx.invoked_subcommand is not None:
        given = [name for name, value in (("--since", since), ("--until", until),
                                          ("--manager", manager), ("--kind", kind),
                                          ("--status", status), ("--out", out)) if value]
        if given or new_only or fail_on_new or rescan or fmt is not None:
            raise UsageError(tr("`cmgr flag` 的选项写在命令之后：cmgr flag {command} {given}",
                                command=ctx.invoked_subcommand, given=" ".join(given) or "..."))
        return
    from cmgr.jobs import flags

    first, last = flags.date_range(since, until)
    statuses = tuple(dict.fromkeys(s.value for s in status or ()))
    if new_only:
        if statuses and statuses != ("new",):
            raise UsageError(tr("`--new-only` 只列状态 new；不能与 --status {statuses} 一起用",
                                statuses=" ".join(statuses)))
        statuses = ("new",)
    if out and fmt == "table":
        raise UsageError(tr("`--out` 需要 --format csv、xlsx 或 json"))
    fmt = options.format_from(fmt, out, LIST_FILE_FORMATS)
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
        common.info(tr("{n} 条新的违规标记：退出码 {code}（--fail-on-new）", n=n_new,
                       code=int(ExitCode.FINDINGS)))
        common.exit_with(ExitCode.FINDINGS)


def _present(rows: list[dict], fmt: str, out: str | None, manager: str | None) -> None:
    import sys

    from cmgr.jobs import flags
    from cmgr.render import flag_report as fr

    if fmt == "table":
        _print_table(rows)
    elif out or fmt == "xlsx":
        path = flags.write_list(rows, fmt, out, manager)
        common.info(tr("{n} 条违规标记已写入 {path}", n=f"{len(rows):,}", path=path))
    elif fmt == "json":
        common.print_json([fr.flag_record(r) for r in rows])
    else:
        sys.stdout.write(fr.flags_csv(rows))
        sys.stdout.flush()


def _short_source(source: str) -> str:
    return {"note": tr("记录"), "observed_price": tr("实价"), "roster": tr("名册"),
            "note+observed_price": tr("记录+实价")}.get(source, source)


def _print_table(rows: list[dict]) -> None:
    """The flags in parts that fit the terminal (common.print_fitted_table): who, when and what
    on one line each, the matched words (wrapped) in the next part, by the same 编号."""
    from rich.markup import escape

    from cmgr.core.flag_engine import subkind_label
    from cmgr.domain import flag_status_label

    if not rows:
        common.info(tr("没有违规标记"))
        return
    proposed = any(r.get("suggest_close") for r in rows)
    columns = [(tr("编号"), "right"), (tr("状态"), "left"), (tr("日期"), "left"),
               (tr("客户"), "left"), (tr("问题"), "left"), (tr("命中内容"), "left"),
               *(((tr("建议办结"), "left"),) if proposed else ())]
    cells = []
    for r in rows:
        matched = r["matched"] or ""
        if len(matched) > 60:
            matched = matched[:59] + "…"
        problem = f"{subkind_label(r['subkind'])}·{_short_source(r['source'])}"
        cells.append([str(r["id"]), flag_status_label(r["status"]), r["visit_date"] or "",
                      escape(r["customer_name"] or r["customer_code"] or ""), escape(problem),
                      escape(matched),
                      *((escape(r.get("suggest_close") or ""),) if proposed else ())])
    common.print_fitted_table(tr("违规标记 · {n} 条", n=len(rows)), columns, cells,
                              fold=(5, 6) if proposed else (5,))


# --- cmgr flag review ----------------------------------------------------------------------------

@app.command("review", help=tr(
    "处理违规标记：--report、--close --result 文本、--report --close --result 文本，"
    "或 --dismiss --reason 文本；对一条、几条，或一个选择范围。\n\n"
    "不给步骤时，显示违规标记和它的经过（或列出选择范围）。几条违规标记一起处理，"
    "要么全部、要么都不：其中任何一条被拒绝（办结还没上报的，或对已办结、已排除的做任何事），"
    "退出码 2，什么都不改。"))
def review_command(
    flag_ids: Annotated[list[int] | None, typer.Argument(
        metavar=tr("标记编号"),
        help=tr("违规标记的编号（`cmgr flag` 的第一列）；或一个选择范围：--all-new、"
                "--customer、--since、--kind。"), show_default=False)] = None,
    all_new: Annotated[bool, typer.Option("--all-new", help=tr("每一条新的（待上报）违规标记。"))]
    = False,
    customer: Annotated[str | None, typer.Option(
        "--customer", metavar=tr("客户编码"), help=tr("这个客户编码的违规标记。"))] = None,
    since: options.SinceOpt = None,
    kind: KindOpt = None,
    report: Annotated[bool, typer.Option(
        "--report", help=tr("已上报区域市场经理（价格违规：降级；无证经营：转专卖）。"))]
    = False,
    close: Annotated[bool, typer.Option(
        "--close", help=tr("办结，给出 --result；同时给 --report：上报和办结一步完成"
                           "（区域市场经理的决定已经知道）。"))] = False,
    dismiss: Annotated[bool, typer.Option("--dismiss", help=tr("误报，给出 --reason。"))] = False,
    result: Annotated[str | None, typer.Option("--result", metavar=tr("文本"),
                                               help=tr("处理结果（与 --close 一起）。"))] = None,
    reason: Annotated[str | None, typer.Option("--reason", metavar=tr("文本"),
                                               help=tr("排除的理由。"))] = None,
    note: Annotated[str | None, typer.Option(
        "--note", metavar=tr("文本"), help=tr("与 --report 一起：报给谁、转交了什么。"))] = None,
    by: Annotated[str | None, typer.Option("--by", metavar=tr("姓名"),
                                           help=tr("经办人（默认：违规标记的客户经理）。"))]
    = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.domain import flag_status_label
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
            common.info(tr("违规标记 {id}：{actions} 已记录；现在是 {label}（{status}）",
                           id=flag["id"], actions=actions, label=flag_status_label(flag["status"]),
                           status=flag["status"]))
        if fmt == "json":
            from cmgr.render.flag_report import flag_record

            common.print_json({**flag_record(flag), "events": flag["events"]})
        elif not steps or not common.state().quiet:
            _print_flag(flag)
        return
    if not outcome.rows and selection.given():
        common.info(tr("没有违规标记符合这个选择范围；什么都没有改"))
    elif steps:
        common.info(tr("{n} 条违规标记：{actions} 已记录", n=len(outcome.rows), actions=actions))
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
    con.print(tr("[bold]违规标记 {id}[/bold]  {label}（{status}）  {kind}·{subkind}  来源 {source}",
                 id=flag["id"], label=flag_status_label(flag["status"]), status=flag["status"],
                 kind=KIND_LABELS.get(flag["kind"], flag["kind"]),
                 subkind=escape(subkind_label(flag["subkind"])),
                 source=SOURCE_LABELS.get(flag["source"])))
    who = tr("{date}  {name} {code}  客户经理 {manager}", date=flag["visit_date"] or "",
             name=escape(flag["customer_name"] or ""), code=flag["customer_code"] or "",
             manager=escape(flag["manager"] or ""))
    if flag.get("visit_id"):
        who = tr("{who}  访问 {visit}", who=who, visit=escape(flag["visit_id"]))
    con.print(who)
    con.print(tr("命中：{text}", text=escape(flag["matched"] or "")))
    con.print(tr("规则：{text}", text=escape(flag["rule"] or "")))
    if flag.get("observed_price") is not None:
        con.print(tr("实际零售价 {price} 元/条，参考价 {reference}，偏离 {deviation} 元（{pct}%）",
                     price=f"{flag['observed_price']:g}", reference=f"{flag['reference_price']:g}",
                     deviation=f"{flag['deviation']:+.2f}", pct=f"{flag['deviation_pct']:+.2f}"))
    if flag.get("note"):
        from rich.text import Text

        from cmgr.inert_text import strip_control

        # A Text bypasses the console's own stripping: no escape sequence reaches the terminal.
        note, matched = strip_control(flag["note"]), strip_control(flag.get("matched") or "")
        at = note.find(matched) if matched and flag["source"] == "note" else -1

        shown = Text(tr("访问内容："))
        if at < 0:
            shown.append(note)
        else:  # Text, not markup: a note may hold brackets and backslashes
            shown.append(note[:at]).append(matched, style="reverse").append(note[at + len(matched):])
        con.print(shown)
    for e in flag["events"]:
        con.print(f"  {e['at']}  {e['action']:<9} {escape(e['by'] or '')}"
                  + (f"  {escape(e['text'])}" if e.get("text") else ""))


# --- cmgr flag decisions -------------------------------------------------------------------------

@app.command("decisions", help=tr(
    "区域市场经理的处理决定（处理决定表：标记编号或客户编码、处理决定、决定日期、决定人、备注），"
    "要么全部应用、要么都不：有任何被拒绝的行，什么都不改（退出码 2）。\n\n"
    "降级 办结违规标记，并在客户上记下降级（`customer show`）；转专卖 和 已整改 办结；"
    "不予处理、排除 把它排除。已经应用过的行保持不变。"))
def decisions_command(
    file: Annotated[Path, typer.Argument(metavar=tr("文件"),
                                         help=tr("处理决定表（.xlsx、.xls 或 .csv）。"))],
    sheet: Annotated[str | None, typer.Option(
        metavar=tr("工作表"), help=tr("工作簿有多个工作表时，要读的那一个。"))] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=tr("试运行：检查每一行，显示会做什么；什么都不改。"))] = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
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
        title = (tr("处理决定（试运行：未写入任何内容）") if result.dry_run or result.rejects
                 else tr("处理决定"))
        table = Table(title=title, title_justify="left")
        for col in (tr("行"), tr("编号"), tr("客户"), tr("决定"), tr("日期"), tr("决定人"),
                    tr("原状态"), tr("结果")):
            table.add_column(col)
        for p in result.planned:
            outcome = (tr("已记录，不变") if p.unchanged else
                       tr("排除") if p.decision == "dismiss" else tr("办结"))
            table.add_row(str(p.row), str(p.flag_id), escape(p.customer_code or ""),
                          DECISION_LABELS[p.decision], p.decided_on, escape(p.decided_by or ""),
                          flag_status_label(p.status_before), outcome)
        common.out_console.print(table)
    for r in result.rejects:
        common.err_console.print(tr("[red]拒收：[/red]{where}：{reason}",
                                    where=escape(str(r.location(result.file, result.sheet))),
                                    reason=escape(r.reason)))
    if not result.rejects:
        n = len(result.planned) - result.unchanged
        if result.dry_run:
            common.info(tr("读取 {rows} 行：将应用 {n} 行，{unchanged} 行已记录",
                           rows=result.rows_read, n=n, unchanged=result.unchanged))
        else:
            common.info(tr("读取 {rows} 行：已应用 {n} 行，{unchanged} 行已记录",
                           rows=result.rows_read, n=n, unchanged=result.unchanged))


# --- cmgr flag report ----------------------------------------------------------------------------

@app.command("report", help=tr(
    "给区域市场经理的《价格违规及无证经营情况报告》：一张价格违规表（降级）和一张无证经营表"
    "（转专卖），来自未办结的违规标记。"))
def report_command(
    since: options.SinceOpt = None,
    until: options.UntilOpt = None,
    manager: options.ManagerOpt = None,
    kind: KindOpt = None,
    fmt: ReportFormatOpt = None,
    out: ReportOutOpt = None,
    include_closed: Annotated[bool, typer.Option(
        "--include-closed", help=tr("也包括已办结和已排除的违规标记（默认：新的和已上报的）。"))]
    = False,
    mark_reported: Annotated[bool, typer.Option(
        "--mark-reported", help=tr("把报告中新的违规标记记为已上报。"))] = False,
    by: Annotated[str | None, typer.Option("--by", metavar=tr("姓名"),
                                           help=tr("上报人（与 --mark-reported 一起）。"))]
    = None,
    rescan: RescanOpt = False,
) -> None:
    from cmgr.jobs import flags

    if by is not None and not mark_reported:
        raise UsageError(tr("`--by` 要与 `--mark-reported` 一起用"))
    first, last = flags.date_range(since, until)
    st = common.state()
    db = st.db()
    flags.check_manager(db, manager)
    _scan(st, first, last, rescan)
    report = flags.write_report(db, st.config(), options.format_from(fmt, out, REPORT_FORMATS,
                                                                     "html"), out, since=first, until=last,
                                manager=manager, kind=kind.value if kind else None,
                                include_done=include_closed, mark_reported=mark_reported, by=by)
    _report_written(report)
    if mark_reported:
        common.info(tr("{n} 条新的违规标记已记为已上报", n=report.marked))
    typer.echo(str(report.path))


def _report_written(report) -> None:
    from cmgr.render.flag_report import REPORT_TITLE

    c = report.counts
    common.info(tr("{title}：价格违规 {price} 起，无证经营 {unlicensed} 起，来自 {flags} 条违规标记"
                   " -> {path}", title=REPORT_TITLE, price=c["price_cases"],
                   unlicensed=c["unlicensed_cases"], flags=c["flags"], path=report.path))


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
