"""The order suggestion for one customer and day (`cmgr suggest`, and `cmgr today`'s visit
sheet): history, season, stock counted at the visit and supply limits put together."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from cmgr.core.suggest import WINDOW_ORDERS, SeasonIndex, Suggestion, suggest_order
from cmgr.errors import UsageError
from cmgr.i18n import tr
from cmgr.store.db import Database

# How far back the customer's orders are read: enough for WINDOW_ORDERS order days of a
# customer who orders every other week.
HISTORY_DAYS = 7 * 2 * WINDOW_ORDERS + 30


def season_for(db: Database, order_day: date) -> SeasonIndex:
    """The territory's daily volume over the weeks a year before the days a suggestion for
    `order_day` looks at. Made once and passed to `suggestion_for` for many customers."""
    from cmgr.store.suggest import daily_volume

    days = [order_day - timedelta(days=d) for d in range(0, HISTORY_DAYS + 7, 7)]
    before = [SeasonIndex.year_before(d) for d in days]
    return SeasonIndex(daily_volume(db, min(before) - timedelta(days=7),
                                    max(before) + timedelta(days=7)))


def suggestion_for(db: Database, customer_code: str, order_day: date | None = None, *,
                   stock: Mapping[str, float] | None = None,
                   season: SeasonIndex | None = None) -> Suggestion:
    """The suggested order of one customer for `order_day`, by default its next order day
    from today (core.suggest.next_order_day). `stock`: 条 counted at the visit, by cigarette
    code or name (names are matched to the customer's cigarettes). Raises NotFound for an
    unknown customer."""
    from cmgr.store.customers import require_customer
    from cmgr.store.settlements import supply_limits
    from cmgr.store.suggest import customer_lines, sku_names

    customer = require_customer(db, customer_code)
    if order_day is None:
        from cmgr.core.suggest import next_order_day

        today = date.today()
        recent = customer_lines(db, customer_code, today, 8 * 14)
        order_day = next_order_day(sorted({d for d, _, _ in recent}), today,
                                   customer.get("visit_weekdays"))
    history = customer_lines(db, customer_code, order_day, HISTORY_DAYS)
    names = sku_names(db, sorted({sku for _, sku, _ in history}))
    counted = resolve_stock(stock or {}, names)
    limits = supply_limits(db, customer.get("grade"), order_day.isoformat())
    return suggest_order(customer_code, history, order_day,
                         season=season if season is not None else season_for(db, order_day),
                         stock=counted, limits=limits, names=names)


def resolve_stock(stock: Mapping[str, float], names: Mapping[str, str]) -> dict[str, float]:
    """Stock keyed by cigarette code: a key that is a code stays; a name is matched (full-width
    brackets and spaces ignored) to one of the customer's cigarettes."""
    from cmgr.domain import normalize_name

    by_name: dict[str, list[str]] = {}
    for code, name in names.items():
        by_name.setdefault(normalize_name(name), []).append(code)
    out: dict[str, float] = {}
    for key, qty in stock.items():
        if qty is None or qty < 0:
            raise UsageError(tr("`--stock` {key}：应为条数（0 或更多）", key=key))
        if key in names:
            out[key] = float(qty)
            continue
        wanted = normalize_name(key)
        codes = by_name.get(wanted) or sorted(
            {c for n, cs in by_name.items() if wanted and wanted in n for c in cs})
        if len(codes) != 1:
            known = "、".join(sorted(set(names.values()))[:15])
            raise UsageError(
                tr("`--stock` {key}：该客户有多种卷烟与「{key}」相符", key=key) if codes
                else tr("`--stock` {key}：该客户没有卷烟与「{key}」相符", key=key),
                hint=tr("请给出卷烟编码，或以下之一：{names}", names=known))
        out[codes[0]] = float(qty)
    return out
