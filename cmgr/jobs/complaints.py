"""`complaint`: record a complaint and its steps, render the 《商品及服务质量信息反馈单》, list
them (seed 4.6). Raises CmgrError subclasses; never prints. Asking for what is missing stays in
the CLI (a terminal is its business)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from cmgr.domain import OUT_COMPLAINT_FORM


def _write_form(files, cfg, record: dict, fmt: str, out: str | None) -> Path:
    from cmgr.render.forms import complaint_form_context, render_form
    from cmgr.render.output import expand_out

    path = expand_out(out or OUT_COMPLAINT_FORM, id=record["id"], format=fmt)
    render_form("complaint_form", complaint_form_context(record), files.path(path), fmt,
                user_dir=cfg.get("templates.dir"))
    return path


def record_new(db, cfg, new, *, form_format: str | None, out: str | None = None
               ) -> tuple[dict, Path | None]:
    """Record the complaint and, with `form_format`, its feedback form: both or neither (a
    template error records no complaint, so running the command again makes no duplicate)."""
    from cmgr.fileio import all_or_nothing
    from cmgr.i18n import tr
    from cmgr.jobs.area import check_customer_write
    from cmgr.store.area import stamp_complaint
    from cmgr.store.complaints import create_complaint

    who = check_customer_write(db, cfg, new.customer_code, tr("投诉"))
    if new.by is None and who.role is not None:
        from dataclasses import replace

        new = replace(new, by=who.name)

    def write() -> tuple[dict, Path | None]:
        path = None
        with all_or_nothing() as files, db.transaction():
            record = create_complaint(db, new)
            stamp_complaint(db, record["id"], db.writer)
            record = get(db, record["id"])
            if form_format:
                path = _write_form(files, cfg, record, form_format, out)
        return record, path

    # A deadlock with another writer (PostgreSQL) rolls everything back: run it again.
    return db.retrying(write)


def get(db, complaint_id: str) -> dict:
    from cmgr.store.complaints import get_complaint

    return get_complaint(db, complaint_id)


def take_step(db, current: dict, step: str, *, by: str | None, note: str | None = None,
              remark: str | None = None, qty: float | None = None, at: str | None = None,
              found: str | None = None, cfg=None) -> dict:
    """Record one step of `current` (as returned by `get`); `by` defaults to who recorded the
    complaint, else the customer's manager. Returns the complaint after the step. With `cfg`,
    the rules of docs/area.md: approve/reject is the area manager's decision, every other step
    the customer's manager's write; who took it is kept (changed_by)."""
    from cmgr.core.complaint_flow import StepInput
    from cmgr.store.complaints import get_complaint, parse_at, record_step

    who = None
    if cfg is not None:
        from cmgr.i18n import tr
        from cmgr.jobs.area import check_customer_write, check_decisions

        if step in ("approve", "reject"):
            who = check_decisions(db, cfg, complaint_ids=[current["id"]])
        else:
            who = check_customer_write(db, cfg, current["customer_code"], tr("投诉"))
    if not by:
        by = current.get("created_by") or current.get("manager")
    with db.transaction():
        after = record_step(db, current["id"], StepInput(step, by, note, remark, qty),
                            at=parse_at(at), found=found)
        if who is not None:
            from cmgr.store.area import stamp_complaint

            stamp_complaint(db, current["id"], db.writer)
            after = get_complaint(db, current["id"])
    return after


def write_form(db, cfg, complaint_id: str, fmt: str, out: str | None = None) -> Path:
    """The feedback form at the complaint's current step."""
    from cmgr.fileio import all_or_nothing

    with all_or_nothing() as files:
        path = _write_form(files, cfg, get(db, complaint_id), fmt, out)
    return path


def list_rows(db, *, open_only: bool, overdue: int | None, customer: str | None
              ) -> tuple[list[dict], bool]:
    """The complaints, oldest first, with their status label, age and next step; and whether
    `customer` matched no customer (then the list is of every customer's)."""
    from cmgr.core.complaint_flow import STATUS_LABELS, next_steps
    from cmgr.store.complaints import ComplaintFilter, list_complaints
    from cmgr.store.customers import find_customers

    codes = None
    no_match = False
    if customer is not None:
        codes = tuple(c["customer_code"] for c in find_customers(db, customer, limit=10_000))
        no_match = not codes
    now = datetime.now().replace(microsecond=0)
    before = (now - timedelta(days=overdue)).isoformat() if overdue is not None else None
    rows = list_complaints(db, ComplaintFilter(open_only=open_only or overdue is not None,
                                               created_before=before, customer_codes=codes))
    out = []
    for r in rows:
        nxt = next_steps(r["status"])
        out.append({
            "id": r["id"], "status": r["status"], "status_label": STATUS_LABELS[r["status"]],
            "customer_code": r["customer_code"], "customer_name": r.get("customer_name"),
            "sku_code": r.get("sku_code"), "sku": r.get("sku_name"), "qty": r["qty"],
            "qty_input": r.get("qty_input"), "problem": r["problem"], "created_at": r["created_at"],
            "last_at": r.get("last_at"),
            "age_days": (now - datetime.fromisoformat(r["created_at"])).days,
            "next_step": nxt[0] if nxt else None,
        })
    return out, no_match


def demo_files(db, cfg, out_dir: Path) -> list[Path] | None:
    """A sample complaint from the demo data, walked to `submit`, its form in both formats;
    None when the data has no customer with orders."""
    from cmgr.core.complaint_flow import StepInput, parse_quantity
    from cmgr.fileio import all_or_nothing
    from cmgr.store.complaints import NewComplaint, create_complaint, demo_subject, record_step

    subject = demo_subject(db)
    if subject is None:
        return None
    day = subject["last_order_date"]
    record = create_complaint(db, NewComplaint(
        customer_code=subject["customer_code"], sku_code=subject["sku_code"],
        sku_name=subject["sku_name"], qty=parse_quantity("5包"),
        problem="客户反映该批次卷烟有5包烟支受潮发霉、烟丝松散。", at=f"{day}T09:30:00"))
    manager = record.get("created_by") or subject.get("manager")
    record_step(db, record["id"], StepInput("inspect", manager, "现场查看：5包受潮，外包装完好，"
                                            "系储存环境潮湿所致"), at=f"{day}T10:15:00",
                found="烟支受潮发霉5包，外包装完好，系柜台靠近水源、储存环境潮湿所致。")
    record_step(db, record["id"], StepInput("sign", manager, "客户已在反馈单上签字"),
                at=f"{day}T10:20:00")
    record = record_step(db, record["id"], StepInput("submit", manager,
                                                     "反馈单及不合格卷烟交区域市场经理"),
                         at=f"{day}T16:00:00")
    with all_or_nothing() as files:
        for fmt in ("docx", "html"):
            _write_form(files, cfg, record, fmt, str(out_dir / OUT_COMPLAINT_FORM))
    return files.written
