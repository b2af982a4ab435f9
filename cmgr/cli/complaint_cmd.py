"""`cmgr complaint`: the 《商品及服务质量信息反馈单》 workflow (duty 4.6, docs/domain.md).

new -> inspect -> sign -> submit -> approve | reject -> exchange -> confirm -> feedback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options, prompting

app = common.new_app("质量投诉: the 《商品及服务质量信息反馈单》 workflow, step by step "
                     "(new, inspect, sign, submit, approve/reject, exchange, confirm, feedback).")

ByOpt = Annotated[str | None, typer.Option("--by", help="Who took the step (default: the "
                                                        "customer's manager).")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="What was done or said.")]
AtOpt = Annotated[str | None, typer.Option(
    "--at", parser=options.parse_moment, metavar="DATE[THH:MM]",
    help=f"When: a date ({options.DATE_FORMS}) or a date and time (2026-11-29T14:30); "
         "default now.")]
IdArg = Annotated[str, typer.Argument(help="Complaint id, e.g. TS-20261129-003.")]
FormOutOpt = options.out_option("{id} {format}", default="{id}.{format}")
ListFormatOpt = options.format_option("table", "csv", "json", help="Output format.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="complaint")
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("complaint form", demo_step)


# --- new ---------------------------------------------------------------------------------------

@app.command("new")
def new_command(
    customer: Annotated[str | None, typer.Option(help="Customer code or part of the name.")] = None,
    sku: Annotated[str | None, typer.Option(help="Cigarette: 卷烟编码 or name.")] = None,
    qty: Annotated[str | None, typer.Option(help="Quantity: 2, 2条 or 5包 (10 包 = 1 条).")] = None,
    unit: Annotated[str | None, typer.Option(help="条 or 包, for a bare number (default 条).")] = None,
    problem: Annotated[str | None, typer.Option(help="The problem as the customer describes it.")] = None,
    found: Annotated[str | None, typer.Option(help="What you saw on site (may come later with "
                                                   "`inspect`).")] = None,
    by: Annotated[str | None, typer.Option(help="Who recorded it (default: the customer's "
                                                "manager).")] = None,
    at: Annotated[str | None, typer.Option(
        "--date", parser=options.parse_moment, metavar="DATE[THH:MM]",
        help="When it was received (default now); its date is in the id.")] = None,
    sku_as_typed: Annotated[bool, typer.Option("--sku-as-typed", help="Record a cigarette not in "
                                               "the price list or orders as written.")] = False,
    form: Annotated[bool, typer.Option("--form/--no-form", help="Render the feedback form.")] = True,
    form_format: options.FormFormatOpt = options.FORM_DEFAULT,
    out: FormOutOpt = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Record a quality complaint and print its id (TS-YYYYMMDD-NNN).

    On a terminal, what is missing is asked for; in a script a missing field is an error naming
    its option.
    """
    from cmgr.core.complaint_flow import parse_quantity
    from cmgr.jobs import complaints
    from cmgr.store.complaints import NewComplaint, parse_at

    st = common.state()
    db = st.db()
    when = parse_at(at, what="--date")
    cust = prompting.choose_customer(db, customer)
    cig = prompting.choose_sku(db, sku, customer_code=cust["customer_code"], as_typed=sku_as_typed)
    quantity = prompting.ask_parsed("数量 (条，或如 5包)", "--qty",
                                    lambda text: parse_quantity(text, unit), qty)
    problem_text = problem if problem and problem.strip() else prompting.ask("问题描述", "--problem")
    if found is None and prompting.interactive():
        found = prompting.ask("现场查看情况 (可留空，现场查看后用 inspect 补记)", "--found",
                              required=False)
    record, path = complaints.record_new(db, st.config(), NewComplaint(
        customer_code=cust["customer_code"], sku_code=cig["sku_code"], sku_name=cig["sku_name"],
        qty=quantity, problem=problem_text, found=found or None, by=by, at=when),
        form_format=form_format.value if form else None, out=out)
    common.info(f"complaint {record['id']} recorded: {record.get('customer_name') or ''} "
                f"{record['sku_name'] or ''} {record['qty_input']}")
    if path is not None:
        common.info(f"form: {path}")
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
        by = prompting.ask("区域市场经理姓名", "--by")
    if step == "reject" and not (remark or "").strip():
        remark = prompting.ask("不同意的理由 (反馈给客户)", "--remark")
    record = complaints.take_step(db, current, step, by=by, note=note, remark=remark, qty=qty,
                                  at=at, found=found, cfg=common.state().config())
    nxt = next_steps(record["status"])
    common.info(f"{record['id']}: {step} recorded; now {record['status']} "
                f"({STATUS_LABELS[record['status']]})"
                + (f"; next: {' or '.join(nxt)}" if nxt else ""))
    _print_record(record, fmt, id_only=False, quiet_table=True)


@app.command("inspect")
def inspect_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                    found: Annotated[str | None, typer.Option(
                        help="The on-site finding (the cause), printed on the form.")] = None,
                    fmt: options.TableJsonOpt = "table") -> None:
    """现场查看: the manager saw the goods on site and found the cause."""
    _step("inspect", complaint_id, by, note, at, fmt, found=found)


@app.command("sign")
def sign_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                 fmt: options.TableJsonOpt = "table") -> None:
    """客户签字: the customer signed the feedback form."""
    _step("sign", complaint_id, by, note, at, fmt)


@app.command("submit")
def submit_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                   fmt: options.TableJsonOpt = "table") -> None:
    """交区域市场经理: the form and the goods handed to the area market manager."""
    _step("submit", complaint_id, by, note, at, fmt)


RemarkOpt = Annotated[str | None, typer.Option("--remark", help="The area market manager's opinion.")]
AreaByOpt = Annotated[str | None, typer.Option("--by", help="The area market manager's name.")]


@app.command("approve")
def approve_command(complaint_id: IdArg, by: AreaByOpt = None, remark: RemarkOpt = None,
                    note: NoteOpt = None, at: AtOpt = None,
                    fmt: options.TableJsonOpt = "table") -> None:
    """审核同意: the area market manager approves the exchange (--by NAME, --remark)."""
    _step("approve", complaint_id, by, note, at, fmt, remark=remark)


@app.command("reject")
def reject_command(complaint_id: IdArg, by: AreaByOpt = None, remark: RemarkOpt = None,
                   note: NoteOpt = None, at: AtOpt = None,
                   fmt: options.TableJsonOpt = "table") -> None:
    """审核不同意: the area market manager rejects it (--by NAME, --remark REASON); the reason
    then goes back to the customer with `feedback`."""
    _step("reject", complaint_id, by, note, at, fmt, remark=remark)


@app.command("exchange")
def exchange_command(complaint_id: IdArg, by: ByOpt = None,
                     qty: Annotated[float | None, typer.Option(
                         "--qty", help="条 exchanged (default: the quantity complained about).")] = None,
                     note: NoteOpt = None, at: AtOpt = None,
                     fmt: options.TableJsonOpt = "table") -> None:
    """调换: the defective cigarettes exchanged at the shop."""
    _step("exchange", complaint_id, by, note, at, fmt, qty=qty)


@app.command("confirm")
def confirm_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                    fmt: options.TableJsonOpt = "table") -> None:
    """客户确认: the customer signed 客户确认 for the exchanged goods."""
    _step("confirm", complaint_id, by, note, at, fmt)


@app.command("feedback")
def feedback_command(complaint_id: IdArg, by: ByOpt = None, note: NoteOpt = None, at: AtOpt = None,
                     fmt: options.TableJsonOpt = "table") -> None:
    """结果反馈: the result reported back to the customer; closes the complaint."""
    _step("feedback", complaint_id, by, note, at, fmt)


# --- list, show, form ----------------------------------------------------------------------

@app.command("list")
def list_command(
    open_only: Annotated[bool, typer.Option("--open", help="Only complaints not closed.")] = False,
    overdue: Annotated[int | None, typer.Option(
        "--overdue", min=0, help="Only open complaints received more than DAYS days ago.",
        metavar="DAYS")] = None,
    customer: Annotated[str | None, typer.Option(help="Customer code or part of the name.")] = None,
    fmt: ListFormatOpt = "table",
) -> None:
    """List complaints, oldest first, with their status and the next step."""
    from cmgr.jobs import complaints

    out, no_match = complaints.list_rows(common.state().db(), open_only=open_only,
                                         overdue=overdue, customer=customer)
    if no_match:
        common.warn(f"no customer matches {customer!r}")
    if fmt == "json":
        common.print_json(out)
    elif fmt == "csv":
        _write_csv(out)
    else:
        from rich.table import Table

        table = Table(title=f"质量投诉 complaints ({len(out)})")
        for col in ("编号", "状态", "客户", "卷烟", "数量", "受理", "天数", "下一步"):
            table.add_column(col, justify="right" if col in ("数量", "天数") else "left")
        for r in out:
            table.add_row(r["id"], r["status_label"], f"{r['customer_code']} {r['customer_name'] or ''}",
                          r["sku"] or "", r["qty_input"] or f"{r['qty']:g}条", r["created_at"][:10],
                          str(r["age_days"]), r["next_step"] or "—")
        common.out_console.print(table)


@app.command("show")
def show_command(complaint_id: IdArg, fmt: options.TableJsonOpt = "table") -> None:
    """The complaint and its timeline: each step, who and when."""
    from cmgr.jobs import complaints

    _print_record(complaints.get(common.state().db(), complaint_id), fmt, id_only=False)


@app.command("form")
def form_command(
    complaint_id: IdArg,
    form_format: options.FormOutputFormatOpt = options.FORM_DEFAULT,
    out: FormOutOpt = None,
) -> None:
    """Render the 《商品及服务质量信息反馈单》 at its current step: what is known so far, blank
    boxes for the signatures still to come."""
    from cmgr.jobs import complaints

    st = common.state()
    path = complaints.write_form(st.db(), st.config(), complaint_id, form_format.value, out)
    common.info(f"form: {path}")
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
    con.print(f"[bold]{record['id']}[/bold]  {STATUS_LABELS[record['status']]} ({record['status']})"
              + (f"  next: {' / '.join(nxt)}" if nxt else ""))
    con.print(escape(f"客户 {record['customer_code']} {record.get('customer_name') or ''}  "
                     f"卷烟 {record.get('sku_name') or ''} {record.get('sku_code') or ''}  "
                     f"数量 {qty_text(record['qty'])}"
                     + (f" ({record['qty_input']})" if record.get("unit") == "包" else "")))
    con.print(escape(f"问题 {record['problem']}"))
    if record.get("found"):
        con.print(escape(f"现场查看 {record['found']}"))
    table = Table(title="经过 timeline")
    for col in ("环节", "经办人", "时间", "说明"):
        table.add_column(col)
    for e in record["events"]:
        text = "；".join(t for t in (e.get("note"), e.get("remark"),
                                     f"调换 {qty_text(e['qty'])}" if e.get("qty") else None) if t)
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
        common.warn("demo: no customer with orders; no sample complaint")
        return []
    return paths
