"""Seeded generator of a city-scale territory for the import and report benchmarks.

    python bench/gen_city.py [--out DIR] [--customers 27000] [--managers 100]
                             [--order-rows 1000000] [--layout shared|inline|both]
                             [--months N] [--visit-months 3] [--only PART,...] [--seed S]

The scale of the city in docs/domain.md ("Figures the monthly report uses"): 27,000 retailers, 100 customer managers, ~1.7 million
order lines a month. Writes into bench/out/ by default (git-ignored):

- city_customers.xlsx       the roster (shared strings, title rows, 合计 row)
- city_prices.xlsx          the price list (~150 specs)
- city_orders_{N}_shared.xlsx / city_orders_{N}_inline.xlsx
                            one big orders export of --order-rows lines in both .xlsx layouts
                            (t="s" + sharedStrings.xml as Excel/WPS save; t="inlineStr" as big
                            system exports write), title rows, 合计 row, text codes
- city_orders_{N}.csv       the same lines as a GB18030 CSV
- city_visits.xlsx / city_visits.csv (UTF-8 with BOM)
                            --visit-months of visits ending 2026-11-27 (~350,000 notes)
- city_visit_labels.csv     what each note really reports (ground truth for the flag rules)
- city_orders_YYYY-MM.csv   with --months N: the last N full months (~1.7M lines each,
                            UTF-8 with BOM), e.g. 14 months for a database-scale test

The xlsx files go through sample_data/xlsx_stream.py, a direct streaming XML writer: openpyxl
would take minutes for a million rows and only writes inline strings. The building blocks
(catalogue, calendar, seasonality, shop names, visit notes) come from sample_data/generate.py.
`iter_order_rows()` and `iter_visit_rows()` are the public generators for anyone who wants the
same rows without the files (e.g. to load a database directly).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "sample_data"))

import generate as sample  # noqa: E402  (sample_data/generate.py)
from xlsx_stream import XlsxStreamWriter, column_letter  # noqa: E402

DEFAULT_OUT = REPO / "bench" / "out"
DEFAULT_SEED = 27000
LINES_PER_MONTH = 1_700_000
ORDER_HEADER = sample.ORDER_HEADER
VISIT_HEADER = sample.VISIT_HEADER
CUSTOMER_HEADER = sample.CUSTOMER_HEADER
PARTS = ("customers", "prices", "orders-xlsx", "orders-csv", "visits", "months")
MAX_UNDERCUT = 20  # 元/条: the most sample.NoteWriter writes a below-minimum price under the minimum

# The city's county-level districts: (name, code, centre lon, centre lat, spread km)
DISTRICTS = (
    ("历下区", "370102", 117.08, 36.67, 5), ("市中区", "370103", 116.99, 36.63, 5),
    ("槐荫区", "370104", 116.92, 36.66, 5), ("天桥区", "370105", 116.99, 36.71, 5),
    ("历城区", "370112", 117.12, 36.70, 8), ("长清区", "370113", 116.75, 36.55, 9),
    ("章丘区", "370114", 117.53, 36.71, 12), ("济阳区", "370115", 117.18, 36.98, 10),
    ("莱芜区", "370116", 117.66, 36.21, 12), ("钢城区", "370117", 117.81, 36.06, 7),
    ("平阴县", "370124", 116.45, 36.29, 9), ("商河县", "370126", 117.16, 37.31, 9),
)
STREET_WORDS = ("和平", "建设", "解放", "人民", "胜利", "文化", "幸福", "民生", "振兴", "富强",
                "兴隆", "工业", "泉城", "花园", "青年", "团结", "新华", "光明", "黄河", "泰山",
                "凤凰", "龙山", "汇泉", "明湖", "舜华", "齐鲁", "经十", "纬二", "山大", "历山")
ROUTE_SUFFIXES = ("一线", "二线", "三线", "四线", "五线", "六线")

# Extra specs so the city's catalogue has the breadth of a real price list (~150 specs).
_EXTRA_BRANDS = ("泰山", "将军", "哈德门", "中华", "玉溪", "云烟", "红塔山", "黄鹤楼", "利群",
                 "南京", "苏烟", "芙蓉王", "白沙", "黄金叶", "红旗渠", "贵烟", "娇子", "长白山",
                 "七匹狼", "钻石", "双喜", "好猫", "黄山", "真龙", "红河", "延安", "兰州", "猴王")
_EXTRA_SERIES = ("细支", "中支", "硬金", "软蓝", "新版", "典藏", "精品", "尚品", "金细支", "红",
                 "蓝", "白", "硬", "软", "1916", "金中支", "细支经典", "峡谷情", "珍品", "礼盒")


@dataclass
class City:
    customers: list[sample.Customer]
    skus: list[sample.Sku]
    managers: list[str]


def extended_catalogue(seed: int, n_specs: int = 150) -> list[sample.Sku]:
    """The sample's 41 specs plus generated brand/series combinations up to `n_specs`."""
    rng = random.Random(f"{seed}-city-catalogue")
    skus = sample.build_catalogue(seed)
    names = {s.name for s in skus}
    # The names the visit generator checks as "not in the price list" must stay out of it.
    unlisted = {n.replace("（", "(").replace("）", ")") for n in sample.UNLISTED_SKU_NAMES}
    codes = {s.code for s in skus}
    # pack prices by class, weighted towards the mid classes as real lists are
    price_choices = (100, 70, 50, 45, 40, 35, 30, 26, 25, 23, 22, 20, 19, 18, 16, 15, 14, 13, 12,
                     11, 10, 10, 9, 8, 8, 7, 7, 6, 6, 5, 5, 4, 3, 2.5, 2)
    while len(skus) < n_specs:
        name = f"{rng.choice(_EXTRA_BRANDS)}({rng.choice(_EXTRA_SERIES)})"
        if name in names or name in unlisted:
            continue
        names.add(name)
        guide = round(rng.choice(price_choices) * 10, 2)
        wholesale = round(guide / rng.uniform(1.10, 1.15), 2)
        min_price = round(guide * 0.92) if rng.random() < 0.6 else None
        code = sample.ean13("69013" + f"{rng.randrange(10**7):07d}")
        while code in codes:
            code = sample.ean13("69013" + f"{rng.randrange(10**7):07d}")
        codes.add(code)
        skus.append(sample.Sku(code, name, wholesale, guide, min_price,
                               rng.uniform(0.3, 4.0), sample.price_class_of(wholesale)))
    # The visit generator writes a below-minimum sale as the minimum price less up to 20 元;
    # on the cheapest specs that would be a negative price, so they get no minimum price
    # (their violations are then written as above the guide price).
    return [replace(s, min_price=None) if s.min_price is not None and s.min_price <= MAX_UNDERCUT
            else s for s in skus]


def build_city(n_customers: int = 27_000, n_managers: int = 100,
               seed: int = DEFAULT_SEED) -> City:
    """Managers with 5-6 routes each (one weekday per route), customers clustered by route."""
    rng = random.Random(f"{seed}-city")
    skus = extended_catalogue(seed)
    managers: list[str] = []
    while len(managers) < n_managers:
        name = sample.person_name(rng)
        if name not in managers:
            managers.append(name)
    routes: list[sample.Route] = []
    for m_index, manager in enumerate(managers):
        district = DISTRICTS[m_index % len(DISTRICTS)]
        d_name, d_code, d_lon, d_lat, d_spread = district
        centre_lon = d_lon + rng.gauss(0, d_spread / 3) / 89.4
        centre_lat = d_lat + rng.gauss(0, d_spread / 3) / 111.0
        n_routes = rng.choice((5, 6))
        for r in range(n_routes):
            streets = tuple(f"{w}{rng.choice(('路', '街', '大街', '南路', '北路'))}"
                            for w in rng.sample(STREET_WORDS, 4))
            routes.append(sample.Route(
                f"{d_name[:2]}{ROUTE_SUFFIXES[r]}", r % 5, manager, d_name, d_code, streets,
                centre_lon + rng.gauss(0, 2.5) / 89.4, centre_lat + rng.gauss(0, 2.5) / 111.0,
                1.2, 1.0 / n_routes))
    by_manager: dict[str, list[sample.Route]] = {}
    for route in routes:
        by_manager.setdefault(route.manager, []).append(route)
    customers: list[sample.Customer] = []
    first_day = dt.date(2025, 10, 1)
    for i in range(n_customers):
        manager = managers[i % n_managers]
        route = rng.choice(by_manager[manager])
        btype = rng.choices(list(sample.BUSINESS_TYPE_WEIGHTS),
                            list(sample.BUSINESS_TYPE_WEIGHTS.values()))[0]
        grade = rng.choices(range(1, 31), sample.GRADE_WEIGHTS)[0]
        if btype in ("烟酒商店", "超市", "商场"):
            grade = min(30, grade + rng.randint(0, 6))
        c = sample.Customer(
            code=f"0531{i + 1:08d}", name=sample.shop_name(rng, btype, route.district),
            license_no="0" + route.district_code + f"{rng.randrange(10**5):05d}",
            license_expiry=dt.date(rng.randint(2027, 2030), rng.randint(1, 12),
                                   rng.randint(1, 28)),
            address=f"济南市{route.district}{rng.choice(route.streets)}{rng.randint(1, 500)}号",
            phone=sample.phone_number(rng), grade=grade, grade_text=grade, manager=manager,
            route=route, lon=round(route.lon + rng.gauss(0, route.spread_km) / 89.4, 6),
            lat=round(route.lat + rng.gauss(0, route.spread_km) / 111.0, 6),
            joined_on=first_day - dt.timedelta(days=rng.randint(30, 6500)), status="正常",
            settlement="电子结算" if rng.random() < 0.9364 else "现金", business_type=btype,
            p_order=min(0.97, max(0.75, 0.8 + 0.15 * min(1, grade / 20) + rng.gauss(0, 0.04))),
            qty_scale=math.exp(rng.gauss(0, 0.2)), visit_every_weeks=1,
        )
        roll = rng.random()
        if roll < 0.01:
            c.profile, c.ends_on = "stopped", dt.date(2026, 11, 1) - dt.timedelta(
                days=rng.randint(0, 7))
        elif roll < 0.015:
            c.profile, c.status = "left", "已退网"
            c.ends_on = dt.date(2026, rng.randint(1, 10), rng.randint(1, 28))
        elif roll < 0.02:
            c.profile, c.status = "suspended", "暂停经营"
            c.ends_on = dt.date(2026, 9, 15) + dt.timedelta(days=rng.randint(0, 40))
        elif roll < 0.03:
            c.profile = "falling"
        elif roll < 0.04:
            c.profile = "growing"
        elif roll < 0.05:
            c.profile = "new"
            c.joined_on = first_day + dt.timedelta(days=rng.randint(0, 420))
        roll = rng.random()
        if roll < 0.003:
            c.license_no, c.license_expiry = None, None
        elif roll < 0.01:  # expired or expiring soon: the flag and renewal cases
            c.license_expiry = dt.date(2026, 8, 1) + dt.timedelta(days=rng.randint(0, 180))
        if rng.random() < 0.003:
            c.lon = c.lat = None
        # a city-scale basket: a real shop lists 20-40 specs
        size = min(len(skus), 14 + grade + rng.randint(-3, 6))
        weights = [s.popularity * sample.class_affinity(s.price_class, grade) for s in skus]
        c.basket = sample.weighted_sample(rng, skus, weights, size)
        c.basket_weights = [s.popularity * sample.class_affinity(s.price_class, grade)
                            * rng.uniform(0.6, 1.6) for s in c.basket]
        customers.append(c)
    return City(customers, skus, managers)


def _lines_per_order(city: City) -> float:
    """Mean specs per order that gives ~1.7M lines a month per 27,000 customers."""
    target = LINES_PER_MONTH * len(city.customers) / 27_000
    weekly_orders = sum(c.p_order for c in city.customers) * 0.97
    grade_factor = sum(_grade_k_factor(c.grade) for c in city.customers) / len(city.customers)
    return target / (weekly_orders * 30.4 / 7) / grade_factor


def _grade_k_factor(grade: int) -> float:
    """Bigger shops order more specs at once."""
    return 0.6 + grade / 25


def iter_order_rows(city: City, first_day: dt.date, last_day: dt.date, *,
                    seed: int = DEFAULT_SEED,
                    max_rows: int | None = None) -> Iterator[tuple]:
    """Order lines in the canonical column order of ORDER_HEADER, sorted by date and order id:
    (order_id, order_date, customer_code, customer_name, sku_code, sku_name, wholesale_price,
    qty, amount). Stops after `max_rows` lines when given."""
    rng = random.Random(f"{seed}-city-orders-{first_day.isoformat()}")
    k_mean = _lines_per_order(city)
    monday = first_day - dt.timedelta(days=first_day.weekday())
    seq_by_day: dict[dt.date, int] = {}
    emitted = 0
    class_qty = (0.55, 0.9, 1.1, 1.0, 0.8)
    while monday <= last_day:
        week: list[tuple] = []
        days = {wd: sample.workday_in_week(monday, wd) for wd in range(5)}
        for c in city.customers:
            day = days[c.route.weekday]
            if day is None or not first_day <= day <= last_day or day < c.joined_on:
                continue
            if c.ends_on is not None and day > c.ends_on:
                continue
            season = sample.season_factor(day)
            trend = sample.profile_factor(c, day)
            if rng.random() >= min(0.99, c.p_order * min(1.05, season ** 0.3)):
                continue
            k = round(rng.gauss(k_mean * _grade_k_factor(c.grade) * season ** 0.3, 2.5))
            k = max(3, min(len(c.basket), k))
            chosen = sample.weighted_sample(rng, c.basket, c.basket_weights, k)
            seq = seq_by_day.get(day, 0) + 1
            seq_by_day[day] = seq
            order_id = f"{day:%Y%m%d}{seq:06d}"
            # ~1.8 条 a line on average: the city's 1.7M lines make ~12,400 箱 a month
            base = (0.36 + c.grade * 0.095) * season * trend * c.qty_scale
            for sku in chosen:
                mu = base * class_qty[sku.price_class]
                qty = max(1, min(30, round(rng.gauss(mu, 0.35 * mu + 0.5))))
                week.append((order_id, day, c.code, c.name, sku.code, sku.name, sku.wholesale,
                             qty, round(qty * sku.wholesale, 2)))
        week.sort(key=lambda row: (row[1], row[0]))
        for row in week:
            yield row
            emitted += 1
            if max_rows is not None and emitted >= max_rows:
                return
        monday += dt.timedelta(days=7)


def iter_visit_rows(city: City, first_day: dt.date, last_day: dt.date, *,
                    seed: int = DEFAULT_SEED) -> Iterator[sample.Visit]:
    """Weekly visits (twice a week for 档位 25+) with notes, price checks and specials."""
    visits = sample.generate_visits(city.customers, city.skus, first_day, last_day,
                                    seed=seed)
    yield from visits


def _title(title: str, n_cols: int, period: str) -> list[list[object]]:
    return [[title] + [None] * (n_cols - 1),
            [f"统计期间：{period}    {sample.EXPORT_DATE_TEXT}"] + [None] * (n_cols - 1)]


def write_customers(path: Path, city: City) -> int:
    rng = random.Random("city-customers-file")
    n_cols = len(CUSTOMER_HEADER)

    def rows():
        yield [f"客户信息表（全市，{len(city.managers)}名客户经理）"] + [None] * (n_cols - 1)
        yield [sample.EXPORT_DATE_TEXT] + [None] * (n_cols - 1)
        yield list(CUSTOMER_HEADER)
        for c in city.customers:
            yield [c.code, c.name, c.license_no, sample.mixed_date(rng, c.license_expiry),
                   c.address, c.phone, c.grade_text, c.manager, c.route.name,
                   sample.WEEKDAY_NAMES[c.route.weekday], c.lon, c.lat,
                   sample.mixed_date(rng, c.joined_on), c.status, c.settlement,
                   c.business_type]
        yield ["合计", f"共{len(city.customers)}户"] + [None] * (n_cols - 2)

    with XlsxStreamWriter(path, shared_strings=True) as writer:
        return writer.write_sheet("客户信息", rows(), merges=[f"A1:{column_letter(n_cols - 1)}1"],
                                  n_rows=len(city.customers) + 4, n_cols=n_cols, title_rows=1)


def write_prices(path: Path, city: City) -> int:
    header = sample.PRICE_HEADER
    rows = [["卷烟价格表（全市）"] + [None] * 5, [sample.EXPORT_DATE_TEXT] + [None] * 5, list(header)]
    for s in sorted(city.skus, key=lambda s: (s.price_class, -s.wholesale)):
        rows.append([s.code, s.name, sample.PRICE_CLASS_NAMES[s.price_class], s.wholesale,
                     s.guide, s.min_price])
    with XlsxStreamWriter(path, shared_strings=True) as writer:
        return writer.write_sheet("价格表", rows, merges=["A1:F1"], title_rows=1)


class _Totals:
    """Counts and sums the rows passing through, for the 合计 row."""

    def __init__(self) -> None:
        self.rows = 0
        self.qty = 0
        self.amount = 0.0

    def track(self, rows: Iterator[tuple]) -> Iterator[tuple]:
        for row in rows:
            self.rows += 1
            self.qty += row[7]
            self.amount += row[8]
            yield row

    def row(self, n_cols: int) -> list[object]:
        out: list[object] = ["合计", None, None, f"共{self.rows}条"] + [None] * (n_cols - 4)
        out[-2], out[-1] = self.qty, round(self.amount, 2)
        return out


def write_orders_xlsx(path: Path, city: City, n_rows: int, *, shared_strings: bool,
                      first_day: dt.date, seed: int) -> int:
    n_cols = len(ORDER_HEADER)
    totals = _Totals()

    def rows():
        yield from _title("卷烟订单明细表", n_cols, f"{first_day.isoformat()} 起")
        yield list(ORDER_HEADER)
        yield from totals.track(iter_order_rows(city, first_day, sample.ORDERS_END, seed=seed,
                                                max_rows=n_rows))
        yield totals.row(n_cols)

    with XlsxStreamWriter(path, shared_strings=shared_strings) as writer:
        writer.write_sheet("订单明细", rows(), merges=[f"A1:{column_letter(n_cols - 1)}1"],
                           n_rows=n_rows + 4, n_cols=n_cols, title_rows=1)
    return totals.rows


def write_orders_csv(path: Path, rows: Iterator[tuple], *, encoding: str, title: str,
                     period: str) -> int:
    """A CSV export: title and export-date lines, header, data, 合计 line."""
    totals = _Totals()
    with open(path, "w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow([title])
        out.writerow([f"统计期间：{period}    {sample.EXPORT_DATE_TEXT}"])
        out.writerow(ORDER_HEADER)
        batch: list[tuple] = []
        for row in totals.track(rows):
            batch.append((row[0], row[1].isoformat(), row[2], row[3], row[4], row[5],
                          f"{row[6]:.2f}", row[7], f"{row[8]:.2f}"))
            if len(batch) >= 10_000:
                out.writerows(batch)
                batch.clear()
        out.writerows(batch)
        out.writerow(["" if v is None else v for v in totals.row(len(ORDER_HEADER))])
    return totals.rows


def write_visits(out_dir: Path, city: City, first_day: dt.date, last_day: dt.date,
                 seed: int) -> int:
    visits = list(iter_visit_rows(city, first_day, last_day, seed=seed))
    n_cols = len(VISIT_HEADER)
    period = f"{first_day.isoformat()} 至 {last_day.isoformat()}"

    def data():
        for v in visits:
            yield [v.visit_id, v.visit_date, v.customer.code, v.customer.name, v.manager,
                   v.visit_type, v.notes, v.checked_sku, v.observed_price]

    def rows():
        yield from _title("客户走访记录（全市）", n_cols, period)
        yield list(VISIT_HEADER)
        yield from data()
        yield ["合计", None, None, f"共{len(visits)}条"] + [None] * (n_cols - 4)

    with XlsxStreamWriter(out_dir / "city_visits.xlsx", shared_strings=True) as writer:
        writer.write_sheet("走访记录", rows(), merges=[f"A1:{column_letter(n_cols - 1)}1"],
                           n_rows=len(visits) + 4, n_cols=n_cols, title_rows=1)
    with open(out_dir / "city_visits.csv", "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow(VISIT_HEADER)
        for row in data():
            row[1] = row[1].isoformat()
            out.writerow(["" if v is None else v for v in row])
    with open(out_dir / "city_visit_labels.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(("visit_id", "unlicensed", "price_violation", "price_check"))
        out.writerows((v.visit_id, v.unlicensed, v.price_violation, v.price_check)
                      for v in visits)
    return len(visits)


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, min(nxt - dt.timedelta(days=1), sample.ORDERS_END)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--customers", type=int, default=27_000)
    parser.add_argument("--managers", type=int, default=100)
    parser.add_argument("--order-rows", type=int, default=1_000_000,
                        help="lines in the single big orders file (xlsx and csv)")
    parser.add_argument("--layout", choices=("shared", "inline", "both"), default="both",
                        help="string layout of the big orders .xlsx")
    parser.add_argument("--months", type=int, default=0,
                        help="also write the last N full months as CSV (~1.7M lines each)")
    parser.add_argument("--visit-months", type=int, default=3,
                        help="months of visits ending 2026-11-27")
    parser.add_argument("--only", default=",".join(PARTS[:-1]),
                        help=f"comma-separated parts to write, of: {', '.join(PARTS)} "
                             "(months is added by --months)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; expected {', '.join(PARTS)}")
    if args.months:
        parts.add("months")
    if args.managers < 1 or args.customers < args.managers:
        parser.error("need at least one manager and no more managers than customers")
    args.out.mkdir(parents=True, exist_ok=True)

    def timed(label: str, path_names: Sequence[str], func, *a, **kw):
        started = time.perf_counter()
        result = func(*a, **kw)
        elapsed = time.perf_counter() - started
        size = sum((args.out / n).stat().st_size for n in path_names if (args.out / n).exists())
        print(f"{label}: {result:,} rows in {elapsed:.1f} s, {size / 1e6:.1f} MB", flush=True)
        return result

    started = time.perf_counter()
    city = build_city(args.customers, args.managers, args.seed)
    print(f"city: {len(city.customers):,} customers, {len(city.managers)} managers, "
          f"{len(city.skus)} specs, built in {time.perf_counter() - started:.1f} s", flush=True)
    big_first = dt.date(2026, 11, 2)
    rows_tag = _rows_tag(args.order_rows)
    if "customers" in parts:
        timed("city_customers.xlsx", ["city_customers.xlsx"], write_customers,
              args.out / "city_customers.xlsx", city)
    if "prices" in parts:
        timed("city_prices.xlsx", ["city_prices.xlsx"], write_prices, args.out / "city_prices.xlsx",
              city)
    if "orders-xlsx" in parts:
        for layout in ("shared", "inline"):
            if args.layout in (layout, "both"):
                name = f"city_orders_{rows_tag}_{layout}.xlsx"
                timed(name, [name], write_orders_xlsx, args.out / name, city, args.order_rows,
                      shared_strings=layout == "shared", first_day=big_first, seed=args.seed)
    if "orders-csv" in parts:
        name = f"city_orders_{rows_tag}.csv"
        timed(name, [name], write_orders_csv, args.out / name,
              iter_order_rows(city, big_first, sample.ORDERS_END, seed=args.seed,
                              max_rows=args.order_rows),
              encoding="gb18030", title="卷烟订单明细表", period=f"{big_first.isoformat()} 起")
    if "visits" in parts and args.visit_months > 0:
        months = sample.months_back(args.visit_months)
        first = dt.date(*months[0], 1)
        timed("city_visits.xlsx + .csv", ["city_visits.xlsx", "city_visits.csv"], write_visits,
              args.out, city, first, sample.VISITS_END, args.seed)
    if "months" in parts:
        for year, month in sample.months_back(args.months):
            first, last = _month_bounds(year, month)
            name = f"city_orders_{year}-{month:02d}.csv"
            timed(name, [name], write_orders_csv, args.out / name,
                  iter_order_rows(city, first, last, seed=args.seed), encoding="utf-8-sig",
                  title=f"卷烟订单明细表（{year}年{month}月）",
                  period=f"{first.isoformat()} 至 {last.isoformat()}")
    print(f"total {time.perf_counter() - started:.1f} s -> {args.out}")
    return 0


def _rows_tag(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


if __name__ == "__main__":
    sys.exit(main())
