"""`cmgr complaint`: the 《商品及服务质量信息反馈单》 workflow (duty 4.6, docs/domain.md).

new -> inspect -> sign -> submit -> approve | reject -> exchange -> confirm -> feedback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options, prompting
from cmgr.domain import OUT_COMPLAINT_FORM
from cmgr.i18n import tr

app = common.new_app(tr("质量投诉：《商品及服务质量信息反馈单》的流程，一步一步（new、inspect、"
                        "sign、submit、approve/reject、exchange、confirm、feedback）。"))

ByOpt = Annotated[str | None, typer.Option("--by", metavar=tr("姓名"),
                                           help=tr("经办人（默认：该客户的客户经理）。"))]
NoteOpt = Annotated[str | None, typer.Option("--note", metavar=tr("文本"),
                                             help=tr("做了什么或说了什么。"))]
AtOpt = Annotated[str | None, typer.Option(
    "--at", parser=options.parse_moment, metavar=tr("日期[T时:分]"),
    help=tr("时间：日期（{forms}），或日期和时刻（2026-11-29T14:30）；默认现在。",
            forms=options.DATE_FORMS))]
IdArg = Annotated[str, typer.Argument(metavar=tr("投诉编号"),
                                      help=tr("投诉编号，例如 TS-20261129-003。"))]
FormOutOpt = options.out_option("{id} {format}", default=OUT_COMPLAINT_FORM)
ListFormatOpt = options.format_option("table", "csv", "json", help=tr("输出格式。"))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="complaint")
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step(tr("投诉反馈单"), demo_step)


# --- new ---------------------------------------------------------------------------------------

CustomerOpt = Annotated[str | None, typer.Option(
    "--customer", metavar=tr("客户"), help=tr("客户编码，或名称的一部分。"))]


@app.command("new", help=tr("记录一条质量投诉，并输出它的编号（TS-YYYYMMDD-NNN）。\n\n"
                            "在终端上，缺少的内容会询问；在脚本中，缺少的字段是错误，并指出对应的选项。"))
def new_command(
    customer: CustomerOpt = None,
    sku: Annotated[str | None, typer.Option(metavar=tr("卷烟"),
                                            help=tr("卷烟：卷烟编码或名称。"))] = None,
    qty: Annotated[str | None, typer.Option(
        metavar=tr("数量"), help=tr("数量：2、2条 或 5包（10 包 = 1 条）。"))] = None,
    unit: Annotated[str | None, typer.Option(
        metavar=tr("单位"), help=tr("条 或 包，用于只写数字时（默认 条）。"))] = None,
    problem: Annotated[str | None, typer.Option(
        metavar=tr("文本"), help=tr("客户所说的问题。"))] = None,
    found: Annotated[str | None, typer.Option(
        metavar=tr("文本"), help=tr("现场查看情况（也可以之后用 `inspect` 补记）。"))] = None,
    by: Annotated[str | None, typer.Option(
        metavar=tr("姓名"), help=tr("记录人（默认：该客户的客户经理）。"))] = None,
    at: Annotated[str | None, typer.Option(
        "--date", parser=options.parse_moment, metavar=tr("日期[T时:分]"),
        help=tr("受理时间（默认现在）；日期写在编号里。"))] = None,
    sku_as_typed: Annotated[bool, typer.Option(
        "--sku-as-typed", help=tr("不在价格表和订单中的卷烟，按所写名称记录。"))] = False,
    form: Annotated[bool, typer.Option("--form/--no-form", help=tr("生成反馈单。"))] = True,
    form_format: options.FormFormatOpt = None,
    out: FormOutOpt = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.core.complaint_flow import parse_quantity
    from cmgr.jobs import complaints
    from cmgr.store.complaints import NewComplaint, parse_at

    st = common.state()
    db = st.db()
    when = parse_at(at, what="--date")
    cust = prompting.choose_customer(db, customer)
    cig = prompting.choose_sku(db, sku, customer_code=cust["customer_code"], as_typed=sku_as_typed)
    quantity = prompting.ask_parsed(tr("数量（条，或如 5包）"), "--qty",
                                    lambda text: parse_quantity(text, unit), qty)
    problem_text = (problem if problem and problem.strip()
                    else prompting.ask(tr("问题描述"), "--problem"))
    if found is None and prompting.interactive():
        found = prompting.ask(tr("现场查看情况（可留空，现场查看后用 inspect 补记）"), "--found",
                              required=False)
    record, path = complaints.record_new(db, st.config(), NewComplaint(
        customer_code=cust["customer_code"], sku_code=cig["sku_code"], sku_name=cig["sku_name"],
        qty=quantity, problem=problem_text, found=found or None, by=by, at=when),
        form_format=options.form_format(form_format, out) if form else None, out=out)
    common.info(tr("投诉 {id} 已记录：{customer} {sku} {qty}", id=record["id"],
                   customer=record.get("customer_name") or "", sku=record["sku_name"] or "",
                   qty=record["qty_input"]))
    if path is not None:
        common.info(tr("反馈单：{path}", path=path))
    _print_record(record, fmt, id_only=True)


# --- the steps -----------------------------------------------------------------------------

def _step(step: str, complaint_id: str, by: str | None, note: str | None, at: str | None,
          fmt: str, *, remark: str | None = None, qty: float | None = None,
          found: str | None = None) -> None:
    from cmgr.core.complaint_flow import STATUS_LABELS, next_steps
    from cmgr.jobs import complaints

    db = common.state().db()
    current = complaints.get(db, complaint_id)
    if step in ("approve", "reject") and not (by or "").strip():
        by = prompting.ask(tr("区域市场经理姓名"), "--by")
    if step == "reject" and not (remark or "").strip():
        remark = prompting.ask(tr("不同意的理由（反馈给客户）"), "--remark")
    record = complaints.take_step(db, current, step, by=by, note=note, remark=remark, qty=qty,
                                  at=at, found=found, cfg=common.state().config())
    nxt = next_steps(record["status"])
    if nxt:
        common.info(tr("{id}：{step} 已记录；现在是 {label}（{status}）；下一步：{next}",
                       id=record["id"], step=step, label=STATUS_LABELS[record["status"]],
                       status=record["status"], next=" | ".join(nxt)))
    else:
        common.info(tr("{id}：{step} 已记录；现在是 {label}（{status}）", id=record["id"],
                       step=step, label=STATUS_LABELS[record["status"]], status=record["status"]))
    _print_record(record, fmt, id_only=False, quiet_table=True)


@app.command("inspect", help=tr("现场查看：客户经理在现场看了商品，找到原因。"))
def inspect_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                    found: Annotated[str | None, typer.Option(
                        metavar=tr("文本"), help=tr("现场查看的结果（原因），印在反馈单上。"))] = None,
                    fmt: options.TableJsonOpt = "table") -> None:
    _step("inspect", complaint_id, by, note, at, fmt, found=found)


@app.command("sign", help=tr("客户签字：客户在反馈单上签字。"))
def sign_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                 fmt: options.TableJsonOpt = "table") -> None:
    _step("sign", complaint_id, by, note, at, fmt)


@app.command("submit", help=tr("交区域市场经理：反馈单和商品交给区域市场经理。"))
def submit_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                   fmt: options.TableJsonOpt = "table") -> None:
    _step("submit", complaint_id, by, note, at, fmt)


RemarkOpt = Annotated[str | None, typer.Option("--remark", metavar=tr("文本"),
                                               help=tr("区域市场经理的意见。"))]
AreaByOpt = Annotated[str | None, typer.Option("--by", metavar=tr("姓名"),
                                               help=tr("区域市场经理的姓名。"))]


@app.command("approve", help=tr("审核同意：区域市场经理同意调换（`--by` 姓名，`--remark`）。"))
def approve_command(complaint_id: IdArg, by: AreaByOpt = None, remark: RemarkOpt = None,
                    note: NoteOpt = None, at: AtOpt = None,
                    fmt: options.TableJsonOpt = "table") -> None:
    _step("approve", complaint_id, by, note, at, fmt, remark=remark)


@app.command("reject", help=tr("审核不同意：区域市场经理不同意（`--by` 姓名，`--remark` 理由）；理由之后用 `feedback` 反馈给客户。"))
def reject_command(complaint_id: IdArg, by: AreaByOpt = None, remark: RemarkOpt = None,
                   note: NoteOpt = None, at: AtOpt = None,
                   fmt: options.TableJsonOpt = "table") -> None:
    _step("reject", complaint_id, by, note, at, fmt, remark=remark)


@app.command("exchange", help=tr("调换：在店里调换有问题的卷烟。"))
def exchange_command(complaint_id: IdArg, by: ByOpt = None,
                     qty: Annotated[float | None, typer.Option(
                         "--qty", metavar=tr("条数"),
                         help=tr("调换的条数（默认：投诉的数量）。"))] = None,
                     note: NoteOpt = None, at: AtOpt = None,
                     fmt: options.TableJsonOpt = "table") -> None:
    _step("exchange", complaint_id, by, note, at, fmt, qty=qty)


@app.command("confirm", help=tr("客户确认：客户为调换的商品签字确认。"))
def confirm_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                    fmt: options.TableJsonOpt = "table") -> None:
    _step("confirm", complaint_id, by, note, at, fmt)


@app.command("feedback", help=tr("结果反馈：把结果告诉客户；投诉办结。"))
def feedback_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                     fmt: options.TableJsonOpt = "table") -> None:
    _step("feedback", complaint_id, by, note, at, fmt)


# --- list, show, form ----------------------------------------------------------------------

@app.command("list", help=tr("列出投诉，最早的在前，附状态和下一步。"))
def list_command(
    open_only: Annotated[bool, typer.Option("--open", help=tr("只看未办结的投诉。"))] = False,
    overdue: Annotated[int | None, typer.Option(
        "--overdue", min=0, help=tr("只看受理超过这么多天、未办结的投诉。"),
        metavar=tr("天数"))] = None,
    customer: CustomerOpt = None,
    fmt: ListFormatOpt = "table",
) -> None:
    from cmgr.jobs import complaints

    out, no_match = complaints.list_rows(common.state().db(), open_only=open_only,
                                         overdue=overdue, customer=customer)
    if no_match:
        common.warn(tr("没有与 {text} 匹配的客户", text=repr(customer)))
    if fmt == "json":
        common.print_json(out)
    elif fmt == "csv":
        _write_csv(out)
    else:
        from rich.table import Table

        table = Table(title=tr("质量投诉（{n}）", n=len(out)))
        for col, right in ((tr("编号"), False), (tr("状态"), False), (tr("客户"), False),
                           (tr("卷烟"), False), (tr("数量"), True), (tr("受理"), False),
                           (tr("天数"), True), (tr("下一步"), False)):
            table.add_column(col, justify="right" if right else "left")
        for r in out:
            table.add_row(r["id"], r["status_label"], f"{r['customer_code']} {r['customer_name'] or ''}",
                          r["sku"] or "", r["qty_input"] or f"{r['qty']:g}条", r["created_at"][:10],
                          str(r["age_days"]), r["next_step"] or "—")
        common.out_console.print(table)


@app.command("show", help=tr("投诉和它的经过：每个环节、经办人和时间。"))
def show_command(complaint_id: IdArg, fmt: options.TableJsonOpt = "table") -> None:
    from cmgr.jobs import complaints

    _print_record(complaints.get(common.state().db(), complaint_id), fmt, id_only=False)


@app.command("form", help=tr("按当前环节生成《商品及服务质量信息反馈单》：已知的内容填上，"
                             "还没有的签字留空。"))
def form_command(
    complaint_id: IdArg,
    form_format: options.FormOutputFormatOpt = None,
    out: FormOutOpt = None,
) -> None:
    from cmgr.jobs import complaints

    st = common.state()
    path = complaints.write_form(st.db(), st.config(), complaint_id,
                                 options.form_format(form_format, out), out)
    common.info(tr("反馈单：{path}", path=path))
    typer.echo(str(path))


# --- helpers ---------------------------------------------------------------------------------

def record_json(record: dict) -> dict:
    """The json of `complaint show`: id, status, customer_code, sku, qty, problem, events[...]."""
    return {
        "id": record["id"], "status": record["status"], "customer_code": record["customer_code"],
        "customer_name": record.get("customer_name"), "sku": record.get("sku_name"),
        "sku_code": record.get("sku_code"), "qty": record["qty"], "unit": record.get("unit"),
        "qty_input": record.get("qty_input"), "problem": record["problem"],
        "found": record.get("found"), "created_at": record["created_at"],
        "created_by": record.get("created_by"), "changed_by": record.get("changed_by"),
        "events": [{"step": e["step"], "by": e["by"], "at": e["at"], "note": e["note"],
                    "remark": e["remark"], "qty": e["qty"]} for e in record["events"]],
    }


def _print_record(record: dict, fmt: str, *, id_only: bool, quiet_table: bool = False) -> None:
    from cmgr.core.complaint_flow import STATUS_LABELS, STEP_LABELS, next_steps, qty_text

    if fmt == "json":
        common.print_json(record_json(record))
        return
    if id_only:
        typer.echo(record["id"])
        return
    if quiet_table:
        return
    from rich.markup import escape
    from rich.table import Table

    con = common.out_console
    nxt = next_steps(record["status"])
    status = f"[bold]{record['id']}[/bold]  {STATUS_LABELS[record['status']]} ({record['status']})"
    con.print(tr("{status}  下一步：{next}", status=status, next=" / ".join(nxt)) if nxt else status)
    qty = qty_text(record["qty"]) + (f" ({record['qty_input']})" if record.get("unit") == "包"
                                     else "")
    con.print(escape(tr("客户 {code} {name}  卷烟 {sku} {sku_code}  数量 {qty}",
                        code=record["customer_code"], name=record.get("customer_name") or "",
                        sku=record.get("sku_name") or "", sku_code=record.get("sku_code") or "",
                        qty=qty)))
    con.print(escape(tr("问题 {text}", text=record["problem"])))
    if record.get("found"):
        con.print(escape(tr("现场查看 {text}", text=record["found"])))
    table = Table(title=tr("经过"))
    for col in (tr("环节"), tr("经办人"), tr("时间"), tr("说明")):
        table.add_column(col)
    for e in record["events"]:
        exchanged = tr("调换 {qty}", qty=qty_text(e["qty"])) if e.get("qty") else None
        text = "；".join(t for t in (e.get("note"), e.get("remark"), exchanged) if t)
        table.add_row(STEP_LABELS.get(e["step"], e["step"]), escape(e.get("by") or ""),
                      e["at"].replace("T", " ")[:16], escape(text))
    con.print(table)


def _write_csv(rows: list[dict]) -> None:
    import csv
    import sys

    cols = ["id", "status", "status_label", "customer_code", "customer_name", "sku_code", "sku",
            "qty", "qty_input", "problem", "created_at", "last_at", "age_days", "next_step"]
    from cmgr.inert_text import safe_dict_writer

    writer = safe_dict_writer(csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore",
                                             lineterminator="\n"))
    writer.writeheader()
    writer.writerows(rows)


# --- demo ----------------------------------------------------------------------------------

def demo_step(st: common.AppState, out_dir: Path) -> list[Path]:
    """A sample complaint from the demo data, walked to `submit`, its form in both formats."""
    from cmgr.jobs import complaints

    paths = complaints.demo_files(st.db(), st.config(), out_dir)
    if paths is None:
        common.warn(tr("演示：没有订过货的客户；不生成示例投诉"))
        return []
    return paths
