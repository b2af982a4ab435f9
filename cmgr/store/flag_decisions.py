"""The area market manager's decisions on flags (migration 008): what the decisions sheet is
checked against, and applying a checked sheet in one transaction. The sheet is read and each
row judged in cmgr/jobs/flag_decisions.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cmgr.core import flag_engine as fe
from cmgr.domain import OPEN_FLAG_STATUSES
from cmgr.store.db import Database, now_iso, sql_in
from cmgr.store.flags import case_members, locked_case_members


@dataclass(frozen=True)
class DecisionToApply:
    flag_id: int
    customer_code: str | None
    decision: str  # downgrade | refer | rectified | dismiss
    decided_on: str  # ISO date
    decided_by: str | None
    remark: str | None
    event_text: str  # the flag's result (close) or reason (dismiss)
    source_file: str
    source_row: int


def flags_by_id(db: Database, ids: Sequence[int]) -> dict[int, dict]:
    """id -> the flag, with `case_id`: the first flag of its case (store.flags.case_members)."""
    out: dict[int, dict] = {}
    ids = sorted(set(ids))
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        for r in db.query("SELECT id, customer_code, kind, subkind, status, manager FROM flags "
                          f"WHERE id IN ({', '.join('?' for _ in part)})", part):
            out[r["id"]] = dict(r)
    for i, members in case_members(db, list(out)).items():
        out[i]["case_id"] = members[0]
    return out


def open_flags_of(db: Database, codes: Sequence[str]) -> dict[str, list[dict]]:
    """customer_code -> its open cases (oldest first), each as its first flag with `case_id`:
    a note's and an observed price's flag of one visit are one case, decided once."""
    out: dict[str, list[dict]] = {}
    codes = sorted(set(codes))
    for start in range(0, len(codes), 500):
        part = codes[start:start + 500]
        for r in db.query(
                "SELECT id, customer_code, kind, subkind, status, manager FROM flags WHERE "
                f"customer_code IN ({', '.join('?' for _ in part)}) AND "
                f"{sql_in('status', OPEN_FLAG_STATUSES)} ORDER BY visit_date, id", part):
            out.setdefault(r["customer_code"], []).append(dict(r))
    cases = case_members(db, [f["id"] for flags in out.values() for f in flags])
    for code, flags in out.items():
        for f in flags:
            f["case_id"] = cases[f["id"]][0]
        out[code] = [f for f in flags if f["id"] == f["case_id"]]
    return out


def decisions_of(db: Database, *, flag_ids: Sequence[int] = (),
                 codes: Sequence[str] = ()) -> list[dict]:
    """Decisions already recorded for these flags or customers."""
    rows: list[dict] = []
    for column, values in (("flag_id", sorted(set(flag_ids))), ("customer_code", sorted(set(codes)))):
        for start in range(0, len(values), 500):
            part = values[start:start + 500]
            rows += [dict(r) for r in db.query(
                "SELECT * FROM flag_decisions WHERE "
                f"{column} IN ({', '.join('?' for _ in part)}) ORDER BY id", part)]
    return list({r["id"]: r for r in rows}.values())


def known_customers(db: Database, codes: Sequence[str]) -> set[str]:
    codes = sorted(set(codes))
    found: set[str] = set()
    for start in range(0, len(codes), 500):
        part = codes[start:start + 500]
        found |= {r[0] for r in db.query(
            f"SELECT customer_code FROM customers WHERE customer_code IN "
            f"({', '.join('?' for _ in part)}) UNION SELECT customer_code FROM flags WHERE "
            f"customer_code IN ({', '.join('?' for _ in part)})", (*part, *part))}
    return found


def apply_decisions(db: Database, decisions: Sequence[DecisionToApply], *,
                    report_text: str) -> list[int]:
    """Record every decision and move its flag on, all in one transaction: a flag still new is
    reported first (the decision shows it was), then closed with the decision as its result;
    `dismiss` dismisses it. Any refusal rolls everything back. The ids of the flags moved (each
    decided flag's case, read under the case lock)."""
    now = now_iso()
    moved: list[int] = []
    with db.transaction():
        members = locked_case_members(db, [d.flag_id for d in decisions])
        for d in decisions:
            # The decision is on the case: the other evidence of it moves with the flag named.
            for flag_id in members[d.flag_id]:
                moved.append(flag_id)
                row = db.execute("SELECT status FROM flags WHERE id = ?"
                                 f"{db.dialect.for_update}", (flag_id,)).fetchone()
                status = row["status"]
                who = d.decided_by or "区域市场经理"
                steps = ["dismiss"] if d.decision == "dismiss" else (
                    ["report", "close"] if status == "new" else ["close"])
                for action in steps:
                    status = fe.next_status(flag_id, status, action)
                    text = report_text if action == "report" else d.event_text
                    db.execute("INSERT INTO flag_events (flag_id, action, by, at, text, recorded_by) "
                               "VALUES (?, ?, ?, ?, ?, ?)", (flag_id, action, who, now, text,
                                                             db.writer))
                db.execute("UPDATE flags SET status = ?, updated_at = ? WHERE id = ?",
                           (status, now, flag_id))
            db.execute("INSERT INTO flag_decisions (flag_id, customer_code, decision, decided_on, "
                       "decided_by, remark, source_file, source_row, recorded_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (d.flag_id, d.customer_code, d.decision, d.decided_on, d.decided_by,
                        d.remark, d.source_file, d.source_row, now))
    return list(dict.fromkeys(moved))


def customer_decisions(db: Database, code: str) -> list[dict]:
    """The area manager's decisions on the customer's flags (downgrades among them), by date."""
    if not db.has_table("flag_decisions"):
        return []
    return [dict(r) for r in db.query(
        "SELECT d.flag_id, d.decision, d.decided_on, d.decided_by, d.remark, f.kind, f.subkind "
        "FROM flag_decisions d LEFT JOIN flags f ON f.id = d.flag_id "
        "WHERE d.customer_code = ? ORDER BY d.decided_on, d.id", (code,))]
