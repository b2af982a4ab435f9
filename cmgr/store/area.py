"""The area manager's queries (issue 18): open work per manager, the queue of what waits for a
decision, the owner (客户经理) of what is written, and who made each write (migration 012).
Portable SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence

from cmgr.domain import OPEN_FLAG_STATUSES
from cmgr.store.db import Database, sql_in


def _managers_in(column: str, managers: Sequence[str]) -> tuple[str, list]:
    return f"{column} IN ({', '.join('?' for _ in managers)})", list(managers)


def open_cases(db: Database, managers: Sequence[str]) -> dict[str, int]:
    """Open flag cases (new or reported) per manager of the customer (the flag's manager when
    the customer is not in the roster): a visit's note flag and observed-price flag of one kind
    are one case, as `cmgr flag` lists them (store.flags.list_cases)."""
    from cmgr.store.flag_cases import case_key_sql

    if not managers:
        return {}
    where, params = _managers_in("coalesce(c.manager, f.manager)", managers)
    return {r[0]: int(r[1]) for r in db.query(
        f"SELECT coalesce(c.manager, f.manager), count(DISTINCT {case_key_sql('f')}) FROM flags f "
        "LEFT JOIN customers c ON c.customer_code = f.customer_code "
        f"WHERE {sql_in('f.status', OPEN_FLAG_STATUSES)} AND {where} "
        "GROUP BY coalesce(c.manager, f.manager)", params)}


def open_complaints(db: Database, managers: Sequence[str]) -> dict[str, int]:
    if not managers:
        return {}
    where, params = _managers_in("k.manager", managers)
    return {r[0]: int(r[1]) for r in db.query(
        "SELECT k.manager, count(*) FROM complaints c JOIN customers k "
        f"ON k.customer_code = c.customer_code WHERE c.status <> 'closed' AND {where} "
        "GROUP BY k.manager", params)}


def escalations(db: Database, managers: Sequence[str]) -> list[dict]:
    """Flags reported to the area manager and not decided yet, oldest first."""
    if not managers:
        return []
    where, params = _managers_in("coalesce(c.manager, f.manager)", managers)
    return [dict(r) for r in db.query(
        "SELECT f.id, f.kind, f.subkind, f.visit_date, f.customer_code, c.customer_name, "
        "coalesce(c.manager, f.manager) AS manager, f.matched, f.status, "
        "(SELECT max(e.at) FROM flag_events e WHERE e.flag_id = f.id AND e.action = 'report') "
        "AS reported_at FROM flags f LEFT JOIN customers c ON c.customer_code = f.customer_code "
        f"WHERE f.status = 'reported' AND {where} AND NOT EXISTS "
        "(SELECT 1 FROM flag_decisions d WHERE d.flag_id = f.id) "
        "ORDER BY f.visit_date, f.id", params)]


def approvals(db: Database, managers: Sequence[str]) -> list[dict]:
    """Complaints handed to the area manager (submitted), waiting for approve or reject."""
    if not managers:
        return []
    where, params = _managers_in("k.manager", managers)
    return [dict(r) for r in db.query(
        "SELECT c.id, c.customer_code, k.customer_name, k.manager, c.sku_name, c.qty, "
        "c.qty_input, c.problem, c.found, c.created_at, "
        "(SELECT max(e.at) FROM complaint_events e WHERE e.complaint_id = c.id) AS submitted_at "
        "FROM complaints c JOIN customers k ON k.customer_code = c.customer_code "
        f"WHERE c.status = 'submitted' AND {where} ORDER BY c.created_at, c.id", params)]


def customer_owner(db: Database, code: str) -> tuple[bool, str | None]:
    """Whether the customer is in the roster, and its 客户经理 there."""
    row = db.execute("SELECT manager FROM customers WHERE customer_code = ?", (code,)).fetchone()
    return (row is not None, row[0] if row is not None else None)


def flag_owners(db: Database, flag_ids: Sequence[int]) -> dict[int, str | None]:
    out: dict[int, str | None] = {}
    ids = sorted(set(flag_ids))
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        out.update({r[0]: r[1] for r in db.query(
            "SELECT f.id, coalesce(c.manager, f.manager) FROM flags f "
            "LEFT JOIN customers c ON c.customer_code = f.customer_code "
            f"WHERE f.id IN ({', '.join('?' for _ in part)})", part)})
    return out


def complaint_owner(db: Database, complaint_id: str) -> str | None:
    return db.scalar("SELECT k.manager FROM complaints c JOIN customers k "
                     "ON k.customer_code = c.customer_code WHERE c.id = ?", (complaint_id,))


# --- who made each write (migration 012) ------------------------------------------------------

def stamp_visit(db: Database, visit_id: int, who: str, *, created: bool) -> None:
    if created:
        db.execute("UPDATE visits SET created_by = ?, changed_by = ? WHERE id = ?",
                   (who, who, visit_id))
    else:
        db.execute("UPDATE visits SET changed_by = ? WHERE id = ?", (who, visit_id))


def stamp_complaint(db: Database, complaint_id: str, who: str) -> None:
    db.execute("UPDATE complaints SET changed_by = ? WHERE id = ?", (who, complaint_id))


def stamp_flags(db: Database, flag_ids: Sequence[int], who: str) -> None:
    db.executemany("UPDATE flags SET changed_by = ? WHERE id = ?", [(who, i) for i in flag_ids])


def stamp_decisions(db: Database, flag_ids: Sequence[int], who: str) -> None:
    db.executemany("UPDATE flag_decisions SET recorded_by = ? WHERE flag_id = ?",
                   [(who, i) for i in flag_ids])
