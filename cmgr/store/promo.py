"""Promotion data: the figures the 综合测评 needs, the kept recommendation lists, campaigns and
the 《宣传促销品签收单》 lines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta

from cmgr.core.promo import PromoCandidate, PromoScore
from cmgr.domain import OPEN_FLAG_STATUSES
from cmgr.errors import NotFound, UsageError
from cmgr.i18n import tr
from cmgr.store.customers import last_order_date
from cmgr.store.db import Database, now_iso, sql_in


def default_as_of(db: Database, manager: str | None = None) -> date:
    """The last order date (of the manager's customers): scores do not drift with the clock."""
    if manager:
        from cmgr.store.db import date_horizon

        last = db.scalar("SELECT max(o.order_date) FROM order_lines o JOIN customers c "
                         "ON c.customer_code = o.customer_code WHERE c.manager = ? "
                         "AND o.order_date < ?", (manager, date_horizon()))
    else:
        last = last_order_date(db)
    return date.fromisoformat(last) if last else date.today()


def promo_candidates(db: Database, *, as_of: date, period_days: int,
                     manager: str | None = None) -> list[PromoCandidate]:
    """Every customer (of `manager`) with their sales in (as_of - period, as_of] and the period
    before, open flags dated in the last period and complaints open or filed in it."""
    recent_start = as_of - timedelta(days=period_days - 1)
    prior_start = recent_start - timedelta(days=period_days)
    r0, p0, end = recent_start.isoformat(), prior_start.isoformat(), as_of.isoformat()
    where, params = "", []
    if manager:
        if not db.scalar("SELECT count(*) FROM customers WHERE manager = ?", (manager,)):
            managers = [r[0] for r in db.query(
                "SELECT DISTINCT manager FROM customers WHERE manager IS NOT NULL ORDER BY 1")]
            raise NotFound(tr("没有属于客户经理「{name}」的客户", name=manager),
                           hint=tr("客户名册中的客户经理：{names}",
                                   names="、".join(managers) or tr("无")))
        where, params = "WHERE c.manager = ?", [manager]
    sales = {r["customer_code"]: r for r in db.query(
        "SELECT o.customer_code, "
        "sum(CASE WHEN o.order_date >= ? THEN o.qty ELSE 0 END) AS qty_recent, "
        "sum(CASE WHEN o.order_date >= ? THEN coalesce(o.amount, o.qty * o.wholesale_price) END) "
        "AS amount_recent, "
        "sum(CASE WHEN o.order_date < ? THEN o.qty ELSE 0 END) AS qty_prior "
        "FROM order_lines o WHERE o.order_date >= ? AND o.order_date <= ? GROUP BY o.customer_code",
        (r0, r0, r0, p0, end))}
    flags: dict[str, int] | None = None
    if db.has_table("flags"):
        flags = {r[0]: int(r[1]) for r in db.query(
            "SELECT customer_code, count(*) FROM flags WHERE kind IN ('price', 'unlicensed') "
            f"AND {sql_in('status', OPEN_FLAG_STATUSES)} "
            "AND coalesce(visit_date, substr(created_at, 1, 10)) >= ? "
            "AND coalesce(visit_date, substr(created_at, 1, 10)) <= ? GROUP BY customer_code",
            (r0, end))}
    complaints = {r[0]: int(r[1]) for r in db.query(
        "SELECT customer_code, count(*) FROM complaints WHERE status <> 'closed' "
        "OR (created_at >= ? AND created_at < ?) GROUP BY customer_code",
        (r0, (as_of + timedelta(days=1)).isoformat()))}
    out = []
    for c in db.query("SELECT customer_code, customer_name, grade, grade_label, manager, status, "
                      f"settlement FROM customers c {where} ORDER BY customer_code", tuple(params)):
        s = sales.get(c["customer_code"])
        out.append(PromoCandidate(
            customer_code=c["customer_code"], customer_name=c["customer_name"], grade=c["grade"],
            grade_label=c["grade_label"], manager=c["manager"], status=c["status"],
            settlement=c["settlement"],
            qty_recent=float(s["qty_recent"] or 0) if s else 0.0,
            amount_recent=(float(s["amount_recent"]) if s and s["amount_recent"] is not None
                           else None),
            qty_prior=float(s["qty_prior"] or 0) if s else 0.0,
            open_flags=None if flags is None else flags.get(c["customer_code"], 0),
            complaints=complaints.get(c["customer_code"], 0)))
    return out


def save_list(db: Database, scores: list[PromoScore], *, manager: str | None, as_of: date,
              settings: dict) -> int:
    with db.transaction():
        list_id = db.insert_id(
            "INSERT INTO promo_lists (created_at, manager, as_of, settings, created_by) "
            "VALUES (?, ?, ?, ?, ?)",
            (now_iso(), manager, as_of.isoformat(), json.dumps(settings, ensure_ascii=False),
             db.writer))
        db.executemany(
            "INSERT INTO promo_list_items (list_id, rank, customer_code, score, parts) VALUES (?, ?, ?, ?, ?)",
            [(list_id, i, s.candidate.customer_code, s.total,
              json.dumps({p.name: {"value": p.value, "score": p.score, "weight": p.weight}
                          for p in s.parts}, ensure_ascii=False))
             for i, s in enumerate(scores, start=1)])
    return list_id


def last_list(db: Database, managers: Sequence[str] | None = None) -> tuple[dict, list[str]]:
    """The last saved recommendation list and its customer codes, in rank order; with
    `managers`, the last one made for one of them (a list of every manager is nobody's own)."""
    if managers is None:
        head = db.execute("SELECT * FROM promo_lists ORDER BY id DESC LIMIT 1").fetchone()
    elif managers:
        head = db.execute(f"SELECT * FROM promo_lists WHERE manager IN "
                          f"({', '.join('?' for _ in managers)}) ORDER BY id DESC LIMIT 1",
                          tuple(managers)).fetchone()
    else:
        head = None
    if head is None and managers is not None:
        raise UsageError(tr("{managers} 还没有推荐名单：请用 `--customers 客户编码` 给出，或先运行 "
                            "`cmgr promo recommend --manager 客户经理`",
                            managers="、".join(managers) or tr("（片区中没有客户经理）")))
    if head is None:
        raise UsageError(tr("还没有推荐名单：请用 `--customers 客户编码` 给出，或先运行 "
                            "`cmgr promo recommend`"))
    codes = [r[0] for r in db.query("SELECT customer_code FROM promo_list_items WHERE list_id = ? "
                                    "ORDER BY rank", (head["id"],))]
    return dict(head), codes


def ensure_campaign(db: Database, name: str, *, item: str | None, qty: float | None) -> dict:
    """The campaign by name, created on first use; item / qty given later update its defaults."""
    name = name.strip()
    if not name:
        raise UsageError(tr("`--campaign` 需要一个名称"))
    with db.transaction():
        row = db.execute("SELECT * FROM promo_campaigns WHERE name = ?", (name,)).fetchone()
        if row is None:
            db.execute("INSERT INTO promo_campaigns (name, item, qty, created_at, created_by) "
                       "VALUES (?, ?, ?, ?, ?)", (name, item, qty, now_iso(), db.writer))
        elif item is not None or qty is not None:
            db.execute("UPDATE promo_campaigns SET item = coalesce(?, item), qty = coalesce(?, qty) "
                       "WHERE name = ?", (item, qty, name))
        return dict(db.execute("SELECT * FROM promo_campaigns WHERE name = ?", (name,)).fetchone())


def record_receipts(db: Database, campaign_id: int, lines: list[tuple[str, str, float | None]],
                    issued_on: date) -> None:
    """(customer_code, item, qty) lines of a 签收单; the same customer and item again updates."""
    now = now_iso()
    with db.transaction():
        db.executemany(
            "INSERT INTO promo_receipts (campaign_id, customer_code, item, qty, issued_on, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, customer_code, item) "
            "DO UPDATE SET qty = excluded.qty, issued_on = excluded.issued_on, "
            "created_by = excluded.created_by",
            [(campaign_id, code, item, qty, issued_on.isoformat(), now, db.writer)
             for code, item, qty in lines])


def customers_by_code(db: Database, codes: list[str]) -> dict[str, dict]:
    out = {}
    for i in range(0, len(codes), 500):
        chunk = codes[i:i + 500]
        for r in db.query("SELECT * FROM customers WHERE customer_code IN "
                          f"({', '.join('?' for _ in chunk)})", tuple(chunk)):
            out[r["customer_code"]] = dict(r)
    return out
