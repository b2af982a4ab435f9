"""Complaints (《商品及服务质量信息反馈单》) and their steps; cigarettes looked up for them.

The workflow rules are in cmgr.core.complaint_flow; this module stores what they allow, each
step in one transaction with the status change, so two people cannot both take a step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cmgr.core import complaint_flow as flow
from cmgr.domain import ACTIVE_STATUS_WORDS, normalize_name
from cmgr.errors import NotFound, UsageError
from cmgr.i18n import tr
from cmgr.store.customers import last_order_date, require_customer
from cmgr.store.db import Database, now_iso, sql_in


@dataclass(frozen=True)
class NewComplaint:
    customer_code: str
    sku_code: str | None
    sku_name: str | None
    qty: flow.Quantity
    problem: str
    found: str | None = None
    by: str | None = None
    at: str | None = None  # ISO timestamp; default now. Its date is the id's date.


def create_complaint(db: Database, new: NewComplaint) -> dict:
    if not (new.problem or "").strip():
        raise UsageError(tr("投诉需要填写问题：请用 `--problem 问题` 给出"))
    at = new.at or now_iso()
    day = date.fromisoformat(at[:10])
    with db.transaction():
        customer = require_customer(db, new.customer_code)
        # Two writers numbering the same day read the same ids: the second waits here until
        # the first has committed (PostgreSQL; SQLite has one writer already).
        db.lock(f"complaint-id:{day.isoformat()}")
        used = [r[0] for r in db.query("SELECT id FROM complaints WHERE id LIKE ?",
                                       (flow.id_prefix(day) + "%",))]
        cid = flow.complaint_id(day, flow.next_sequence(used, day))
        by = new.by or customer.get("manager")
        db.execute(
            "INSERT INTO complaints (id, customer_code, sku_code, sku_name, qty, unit, qty_input, "
            "problem, found, status, created_at, created_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?)",
            (cid, new.customer_code, new.sku_code, new.sku_name, new.qty.cartons, new.qty.unit,
             new.qty.text, new.problem.strip(), (new.found or "").strip() or None, at, by, now_iso()))
        db.execute("INSERT INTO complaint_events (complaint_id, step, by, at, note, recorded_by) "
                   "VALUES (?, 'new', ?, ?, ?, ?)", (cid, by, at, new.problem.strip(), db.writer))
    return get_complaint(db, cid)


def get_complaint(db: Database, complaint_id: str) -> dict:
    """The complaint with its customer's name and its events (oldest first)."""
    cid = flow.normalise_id(complaint_id)
    row = db.execute(
        "SELECT c.*, k.customer_name, k.license_no, k.address, k.phone, k.manager "
        "FROM complaints c LEFT JOIN customers k ON k.customer_code = c.customer_code "
        "WHERE c.id = ?", (cid,)).fetchone()
    if row is None:
        raise NotFound(tr("找不到投诉「{id}」", id=complaint_id),
                       hint=tr("`cmgr complaint list` 会列出投诉及其编号"))
    out = dict(row)
    out["events"] = [dict(r) for r in db.query(
        "SELECT step, by, at, note, remark, qty FROM complaint_events WHERE complaint_id = ? "
        "ORDER BY at, id", (cid,))]
    return out


def record_step(db: Database, complaint_id: str, inp: flow.StepInput, *, at: str | None = None,
                found: str | None = None) -> dict:
    """Take one workflow step: StateError when out of order (nothing written)."""
    flow.check_step_input(inp)
    cid = flow.normalise_id(complaint_id)
    at = at or now_iso()
    with db.transaction():
        row = db.execute("SELECT status, qty FROM complaints WHERE id = ?", (cid,)).fetchone()
        if row is None:
            raise NotFound(tr("找不到投诉「{id}」", id=complaint_id),
                           hint=tr("`cmgr complaint list` 会列出投诉及其编号"))
        new_status = flow.apply_step(row["status"], inp.step, cid)
        last_at = db.scalar("SELECT max(at) FROM complaint_events WHERE complaint_id = ?", (cid,))
        if last_at and at < last_at:
            raise UsageError(tr("`{step}` 的时间 {at} 早于上一步（{last}）", step=inp.step, at=at,
                                last=last_at),
                             hint=tr("请用 `--at` 给出晚于上一步的时间，或不给"))
        qty = inp.qty
        if inp.step == "exchange" and qty is None:
            qty = row["qty"]  # the quantity complained about, unless told otherwise
        db.execute("INSERT INTO complaint_events (complaint_id, step, by, at, note, remark, qty, "
                   "recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (cid, inp.step, inp.by, at, inp.note, inp.remark, qty, db.writer))
        db.execute("UPDATE complaints SET status = ?, updated_at = ? WHERE id = ?",
                   (new_status, now_iso(), cid))
        if inp.step == "inspect" and (found or inp.note):
            # The on-site finding goes on the form; a later inspect note does not overwrite one given.
            db.execute("UPDATE complaints SET found = ? WHERE id = ? AND (? IS NOT NULL OR found IS NULL)",
                       (found or inp.note, cid, found))
    return get_complaint(db, cid)


@dataclass(frozen=True)
class ComplaintFilter:
    open_only: bool = False
    created_before: str | None = None  # ISO timestamp: only complaints opened before it
    customer_codes: tuple[str, ...] | None = None
    created_from: str | None = None  # ISO date/timestamp, inclusive
    created_to: str | None = None  # ISO date/timestamp, exclusive
    statuses: tuple[str, ...] | None = None


def list_complaints(db: Database, flt: ComplaintFilter = ComplaintFilter()) -> list[dict]:
    where, params = [], []
    if flt.open_only:
        where.append("c.status <> 'closed'")
    if flt.statuses:
        where.append(f"c.status IN ({', '.join('?' for _ in flt.statuses)})")
        params += list(flt.statuses)
    if flt.created_before:
        where.append("c.created_at < ?")
        params.append(flt.created_before)
    if flt.created_from:
        where.append("c.created_at >= ?")
        params.append(flt.created_from)
    if flt.created_to:
        where.append("c.created_at < ?")
        params.append(flt.created_to)
    if flt.customer_codes is not None:
        if not flt.customer_codes:
            return []
        where.append(f"c.customer_code IN ({', '.join('?' for _ in flt.customer_codes)})")
        params += list(flt.customer_codes)
    sql = ("SELECT c.*, k.customer_name, k.manager, "
           "(SELECT max(at) FROM complaint_events e WHERE e.complaint_id = c.id) AS last_at "
           "FROM complaints c LEFT JOIN customers k ON k.customer_code = c.customer_code"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.created_at, c.id")
    return [dict(r) for r in db.query(sql, tuple(params))]


# --- cigarettes ------------------------------------------------------------------------------

def find_skus(db: Database, text: str, *, customer_code: str | None = None,
              limit: int = 30) -> list[dict]:
    """Cigarettes matching `text` by code or by (part of) the name, from the price list and the
    order history; those the customer orders most come first. Full-width brackets, digits and
    spaces are ignored: '中华（软）' finds '中华(软)'."""
    text = (text or "").strip()
    if not text:
        return []
    known: dict[str, dict] = {}
    for r in db.query("SELECT sku_code, sku_name FROM prices"):
        known[r["sku_code"]] = {"sku_code": r["sku_code"], "sku_name": r["sku_name"], "ordered": 0.0}
    if customer_code:
        for r in db.query("SELECT sku_code, max(sku_name) AS sku_name, sum(qty) AS qty FROM order_lines "
                          "WHERE customer_code = ? GROUP BY sku_code", (customer_code,)):
            entry = known.setdefault(r["sku_code"], {"sku_code": r["sku_code"],
                                                     "sku_name": r["sku_name"], "ordered": 0.0})
            entry["ordered"] = float(r["qty"] or 0)
            entry["sku_name"] = entry["sku_name"] or r["sku_name"]
    matches = _match_skus(known.values(), text)
    if not matches:
        # Not in the price list nor in this customer's orders: anyone's orders.
        for r in db.query("SELECT sku_code, max(sku_name) AS sku_name FROM order_lines GROUP BY sku_code"):
            known.setdefault(r["sku_code"], {"sku_code": r["sku_code"], "sku_name": r["sku_name"],
                                             "ordered": 0.0})
        matches = _match_skus(known.values(), text)
    matches.sort(key=lambda s: (-s["ordered"], s["sku_name"] or "", s["sku_code"]))
    return matches[: limit + 1]


def _match_skus(skus, text: str) -> list[dict]:
    wanted = normalize_name(text)
    by_code = [s for s in skus if s["sku_code"].lower() == wanted]
    if by_code:
        return by_code
    same_name = [s for s in skus if normalize_name(s["sku_name"]) == wanted]
    if same_name:
        return same_name
    return [s for s in skus if wanted in normalize_name(s["sku_name"])
            or (len(wanted) >= 4 and wanted in s["sku_code"].lower())]


def parse_at(text: str | None, *, what: str = "--at") -> str | None:
    """'2026-11-29' or '2026-11-29T14:30' (or with a space) -> ISO timestamp; None -> None."""
    if text is None or not str(text).strip():
        return None
    t = str(text).strip().replace(" ", "T")
    try:
        if len(t) == 10:
            d = date.fromisoformat(t)
            now = datetime.now()
            # A bare date: today's time when it is today, else noon (a plausible working hour).
            clock = now.time() if d == now.date() else datetime.min.time().replace(hour=12)
            return datetime.combine(d, clock).replace(microsecond=0).isoformat()
        return datetime.fromisoformat(t).replace(microsecond=0).isoformat()
    except ValueError:
        raise UsageError(tr("{what} 「{text}」不是日期或时间；应为如 2026-11-29 或 2026-11-29T14:30",
                            what=what, text=text)) from None


_IN_BUSINESS = sql_in("coalesce(k.status, '')", ACTIVE_STATUS_WORDS)  # cmgr.domain.is_active


def demo_subject(db: Database) -> dict | None:
    """For `cmgr demo`: the active customer (of the manager with most customers) who ordered
    most in the last month of data, with
    the cigarette they ordered most then (deterministic on the same data)."""
    last = last_order_date(db)
    if not last:
        return None
    month = last[:7]
    manager = db.scalar("SELECT manager FROM customers WHERE manager IS NOT NULL GROUP BY manager "
                        "ORDER BY count(*) DESC, manager LIMIT 1")
    row = db.execute(
        "SELECT o.customer_code, o.sku_code, coalesce(max(o.sku_name), max(p.sku_name)) AS sku_name, "
        "sum(o.qty) AS qty, k.manager FROM order_lines o "
        "JOIN customers k ON k.customer_code = o.customer_code "
        "LEFT JOIN prices p ON p.sku_code = o.sku_code "
        f"WHERE o.order_date >= ? AND {_IN_BUSINESS} AND k.manager IS ? "
        "GROUP BY o.customer_code, o.sku_code, k.manager "
        "ORDER BY sum(o.qty) DESC, o.customer_code, o.sku_code LIMIT 1",
        (f"{month}-01", manager)).fetchone()
    if row is None:
        return None
    out = dict(row)
    out["last_order_date"] = last
    return out
