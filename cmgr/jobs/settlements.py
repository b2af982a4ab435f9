"""The settlement chase list (`cmgr settlements`, and `cmgr today`'s block): who to chase for
money whose electronic settlement failed or is still pending."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from cmgr.core.settlements import FAILURE_WINDOW_DAYS, ChaseList, chase_list
from cmgr.i18n import tr
from cmgr.store.db import Database


def chase_list_for(db: Database, as_of: date, managers: Sequence[str] | None = None) -> ChaseList:
    """The chase list on `as_of` for these managers' customers (all customers when None).
    Names are checked by the caller (cmgr.jobs.managers.resolve_managers)."""
    from cmgr.store import settlements as store

    day = as_of.isoformat()
    rows = store.open_order_rows(db, day, managers)
    since = (as_of - timedelta(days=FAILURE_WINDOW_DAYS)).isoformat()
    failures = store.failures_between(db, since, day, managers)
    codes = sorted({r.customer_code for r in rows})
    infos = store.customer_infos(db, codes)
    result = chase_list(rows, infos, as_of, failures=failures,
                        any_settlements=store.has_settlements(db))
    unknown = [line.customer_code for line in result.lines if line.customer_code not in infos]
    if unknown:
        result = replace(result, notes=[
            *result.notes, tr("{n} 户不在客户信息表中（没有名称、电话和客户经理）：{codes}",
                              n=len(unknown), codes="、".join(unknown[:10]))])
    return result


def last_settlement_day(db: Database) -> date | None:
    """The newest order or deduction day in the settlement rows."""
    day = db.scalar("SELECT max(coalesce(order_date, settled_at)) FROM settlements")
    return date.fromisoformat(day) if day else None
