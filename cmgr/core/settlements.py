"""Electronic settlement (电子结算): the statuses exports write, the chase list and the rate.

Pure: rows in, dataclasses out. The chase list is what the manager works through after the
round (催促未电结成功的客户尽快交纳烟款): one line per customer with money outstanding,
most urgent first. docs/settlements.md explains the order.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

PAID = "成功"
FAILED = "失败"
PENDING = "待扣款"
CANCELLED = "撤销"
STATUSES = (PAID, FAILED, PENDING, CANCELLED)
OUTSTANDING = (FAILED, PENDING)

# The forms settlement exports write, after NFKC and without spaces.
STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(("成功", "扣款成功", "已结算", "结算成功", "已扣款", "已支付", "支付成功",
                     "电结成功", "已付款", "已完成", "完成", "已电结", "正常", "ok", "success",
                     "paid"), PAID),
    **dict.fromkeys(("失败", "扣款失败", "结算失败", "余额不足", "账户余额不足", "卡内余额不足",
                     "账户异常", "账户冻结", "卡号错误", "银行拒绝", "扣款超时", "超时",
                     "支付失败", "电结失败", "未成功", "不成功", "fail", "failed"), FAILED),
    **dict.fromkeys(("未扣款", "待扣款", "待结算", "未结算", "处理中", "扣款中", "待支付",
                     "未支付", "未电结", "待电结", "等待扣款", "pending"), PENDING),
    **dict.fromkeys(("撤销", "已撤销", "作废", "已作废", "退单", "已退单", "已退款", "取消",
                     "已取消"), CANCELLED),
}


def normalise_status(text: str | None) -> str | None:
    """成功 / 失败 / 待扣款 / 撤销 for the words exports use, None when not understood.
    A status with a reason attached ("失败-余额不足", "扣款失败（余额不足）") counts as its
    first recognised part."""
    if text is None:
        return None
    t = unicodedata.normalize("NFKC", str(text)).strip().lower().replace(" ", "")
    if t in STATUS_WORDS:
        return STATUS_WORDS[t]
    for sep in ("-", "(", "/", ":", "，", ",", "_"):
        head = t.split(sep, 1)[0]
        if head and head != t and head in STATUS_WORDS:
            return STATUS_WORDS[head]
    return None


@dataclass(frozen=True)
class SettlementRow:
    """One settlement row as stored (one deduction, or one order)."""

    customer_code: str
    order_ref: str  # the order it settles: order id, else date|customer
    status: str  # one of STATUSES
    amount: float | None
    order_date: str | None
    settled_at: str | None
    status_text: str | None = None
    fail_reason: str | None = None
    seq: int = 0  # storage order, breaks ties between attempts of the same day


@dataclass(frozen=True)
class CustomerInfo:
    customer_code: str
    customer_name: str | None = None
    phone: str | None = None
    manager: str | None = None
    route: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class ChaseLine:
    """A customer to chase: what is owed, for how long, how often it failed lately."""

    rank: int
    customer_code: str
    customer_name: str | None
    phone: str | None
    manager: str | None
    route: str | None
    status: str  # 失败 when any outstanding order failed, else 待扣款
    amount: float  # 元 outstanding (orders without an amount count 0)
    orders: int  # orders outstanding
    oldest: str  # the oldest outstanding order's date
    days_outstanding: int
    failures_90d: int  # failed deductions in the 90 days up to the date
    reason: str | None  # the latest failure's reason as written (余额不足 ...)
    unvalued: int = 0  # outstanding orders without an amount


@dataclass(frozen=True)
class ChaseList:
    as_of: str
    lines: list[ChaseLine]
    settlements_known: bool  # any settlement row at all (else: import the export first)
    notes: list[str] = field(default_factory=list)

    @property
    def amount(self) -> float:
        return round(sum(line.amount for line in self.lines), 2)


FAILURE_WINDOW_DAYS = 90


def _day(row: SettlementRow) -> str | None:
    return row.order_date or row.settled_at


def latest_by_order(rows: Iterable[SettlementRow]) -> dict[str, SettlementRow]:
    """Each order's latest attempt: by deduction time, then storage order. A success or a
    cancellation closes the order whatever came after it in the file (a late duplicate
    'pending' line does not reopen a paid order)."""
    latest: dict[str, SettlementRow] = {}
    closed: dict[str, SettlementRow] = {}
    for row in rows:
        key = f"{row.customer_code}|{row.order_ref}"
        if row.status in (PAID, CANCELLED):
            closed.setdefault(key, row)
        seen = latest.get(key)
        if seen is None or (row.settled_at or "", row.seq) >= (seen.settled_at or "", seen.seq):
            latest[key] = row
    latest.update(closed)
    return latest


def chase_list(rows: Sequence[SettlementRow], customers: dict[str, CustomerInfo], as_of: date,
               *, failures: dict[str, int] | None = None, any_settlements: bool | None = None,
               ) -> ChaseList:
    """The customers whose settlement failed or is pending on `as_of`, most urgent first.

    Urgency: a failed deduction before a pending one (pending may still go through), then
    the days the oldest order has been outstanding, then how many deductions failed in the
    last 90 days, then the money, then the code (a stable order)."""
    day = as_of.isoformat()
    since = (as_of - timedelta(days=FAILURE_WINDOW_DAYS)).isoformat()
    known = [r for r in rows if (_day(r) or "") <= day]
    if failures is None:
        failures = {}
        for r in known:
            if r.status == FAILED and (_day(r) or day) >= since:
                failures[r.customer_code] = failures.get(r.customer_code, 0) + 1
    owed: dict[str, list[SettlementRow]] = {}
    for r in latest_by_order(known).values():
        if r.status in OUTSTANDING:
            owed.setdefault(r.customer_code, []).append(r)
    found = []
    for code, items in owed.items():
        info = customers.get(code) or CustomerInfo(code)
        oldest = min((_day(r) or day) for r in items)
        failed = [r for r in items if r.status == FAILED]
        last_failed = max(failed, key=lambda r: (r.settled_at or "", r.seq)) if failed else None
        reason = None
        if last_failed is not None:
            reason = last_failed.fail_reason or (
                last_failed.status_text if last_failed.status_text not in (None, FAILED) else None)
        amount = round(sum(r.amount or 0.0 for r in items), 2)
        days = (as_of - date.fromisoformat(oldest)).days
        n_failed = failures.get(code, 0)
        found.append(((not failed, -days, -n_failed, -amount, code), (
            code, info.customer_name, info.phone, info.manager, info.route,
            FAILED if failed else PENDING, amount, len(items), oldest, days, n_failed, reason,
            sum(1 for r in items if r.amount is None))))
    found.sort(key=lambda item: item[0])
    ranked = [ChaseLine(i, *fields) for i, (_, fields) in enumerate(found, start=1)]
    return ChaseList(day, ranked, bool(rows) if any_settlements is None else any_settlements)


@dataclass(frozen=True)
class SettlementRate:
    """电子结算率 of a set of orders: the share settled electronically, by count and money."""

    orders: int  # orders with a settlement row (cancelled ones left out)
    paid: int
    amount: float
    paid_amount: float

    @property
    def by_count_pct(self) -> float | None:
        return round(100.0 * self.paid / self.orders, 2) if self.orders else None

    @property
    def by_amount_pct(self) -> float | None:
        return round(100.0 * self.paid_amount / self.amount, 2) if self.amount else None


def settlement_rate(rows: Iterable[SettlementRow]) -> SettlementRate:
    """Of the orders given (their rows, any attempts), how many ended paid, and their money."""
    orders = paid = 0
    amount = paid_amount = 0.0
    for r in latest_by_order(rows).values():
        if r.status == CANCELLED:
            continue
        orders += 1
        amount += r.amount or 0.0
        if r.status == PAID:
            paid += 1
            paid_amount += r.amount or 0.0
    return SettlementRate(orders, paid, round(amount, 2), round(paid_amount, 2))
