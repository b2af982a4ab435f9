"""Seeded generator of one customer manager's messy exports (the committed sample data).

    python sample_data/generate.py [--out DIR] [--customers N] [--months N] [--seed S]

Writes the territory of 客户经理 王建国 (plus a few customers of 李娜) in the shapes real
marketing-system exports come in: title and export-date rows above the header, 合计 rows,
Excel dates next to text dates, numbers as text with thousands separators, full-width
brackets, a GB18030 CSV, an old .xls, shared-string and inline-string .xlsx. See
sample_data/README.md for what each file holds. Stdlib + xlwt + openpyxl only; the same seed
gives byte-identical files. The building blocks (cigarette catalogue, calendar, shop names,
visit notes) are reused by bench/gen_city.py for the city-scale territory.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import random
import re
import sys
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

try:  # run as a script (sample_data/ is on sys.path) or imported with sample_data/ on the path
    from xlsx_stream import FIXED_ZIP_TIME, XlsxStreamWriter, column_letter
except ImportError:  # imported as the namespace package sample_data.generate
    from .xlsx_stream import FIXED_ZIP_TIME, XlsxStreamWriter, column_letter

DEFAULT_SEED = 20261128
EXPORT_DATE = dt.date(2026, 11, 28)
ORDERS_END = dt.date(2026, 11, 27)
LAST_MONTH = (2026, 11)
MAX_MONTHS = 26  # orders from 2024-10: two years of history, so every month has a year-ago one
# The roster is the one of 2025-10 (joining dates count from it) whatever --months says, and
# orders before it come from their own random stream: the older history added later left the
# roster, the visits and the orders from 2025-10 on as they were.
ROSTER_EPOCH = dt.date(2025, 10, 1)
VISITS_START = dt.date(2026, 9, 1)
VISITS_END = dt.date(2026, 11, 27)
SPRING_FESTIVAL = dt.date(2026, 2, 17)
SPRING_FESTIVALS = (dt.date(2025, 1, 29), SPRING_FESTIVAL)  # 农历正月初一 in the data's span
MID_AUTUMN = (dt.date(2024, 9, 17), dt.date(2025, 10, 6), dt.date(2026, 9, 25))
MAIN_MANAGER = "王建国"
SECOND_MANAGER = "李娜"
EXPORT_DATE_TEXT = f"导出日期：{EXPORT_DATE.year}年{EXPORT_DATE.month}月{EXPORT_DATE.day}日"

# --- calendar: statutory holidays and 调休 make-up working days ------------------------------


def _days(start: dt.date, end: dt.date) -> set[dt.date]:
    return {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}


D = dt.date
HOLIDAYS: set[dt.date] = (
    _days(D(2024, 10, 1), D(2024, 10, 7)) | {D(2025, 1, 1)}
    | _days(D(2025, 1, 28), D(2025, 2, 4)) | _days(D(2025, 4, 4), D(2025, 4, 6))
    | _days(D(2025, 5, 1), D(2025, 5, 5)) | _days(D(2025, 5, 31), D(2025, 6, 2))
    | _days(D(2025, 10, 1), D(2025, 10, 8)) | _days(D(2026, 1, 1), D(2026, 1, 3))
    | _days(D(2026, 2, 15), D(2026, 2, 23)) | _days(D(2026, 4, 4), D(2026, 4, 6))
    | _days(D(2026, 5, 1), D(2026, 5, 5)) | _days(D(2026, 6, 19), D(2026, 6, 21))
    | _days(D(2026, 9, 25), D(2026, 9, 27)) | _days(D(2026, 10, 1), D(2026, 10, 7))
)
MAKEUP_WORKDAYS: set[dt.date] = {
    D(2024, 9, 29), D(2024, 10, 12), D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27),
    D(2025, 9, 28), D(2025, 10, 11), D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28),
    D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10),
}


def is_workday(day: dt.date) -> bool:
    if day in HOLIDAYS:
        return False
    return day in MAKEUP_WORKDAYS or day.weekday() < 5


def workday_in_week(monday: dt.date, weekday: int) -> dt.date | None:
    """The route's day (0 = Monday) in the week of `monday`, moved to the next working day of
    that week when it is a holiday, else to the previous one; None when the week has none."""
    day = monday + dt.timedelta(days=weekday)
    for offset in range(0, 7 - weekday):
        cand = day + dt.timedelta(days=offset)
        if is_workday(cand):
            return cand
    for offset in range(1, weekday + 1):
        cand = day - dt.timedelta(days=offset)
        if is_workday(cand):
            return cand
    return None


def season_factor(day: dt.date, start: dt.date = D(2025, 10, 1)) -> float:
    """Order volume relative to an ordinary week: stocking up before 春节, the dip after it,
    a smaller bump before 中秋/国庆 and 元旦, and a gentle upward trend."""
    f = 1.0
    for festival in SPRING_FESTIVALS:
        to_cny = (festival - day).days
        if 0 < to_cny <= 45:
            f = 1.0 + 1.1 * (1 - to_cny / 45) ** 1.2
        elif -6 <= to_cny <= 0:
            f = 0.3
        elif -42 <= to_cny < -6:
            f = 0.55 + 0.45 * ((-to_cny - 6) / 36)
    for mid_autumn in MID_AUTUMN:
        to_mid_autumn = (mid_autumn - day).days
        if 0 < to_mid_autumn <= 21:
            f *= 1.0 + 0.15 * (1 - to_mid_autumn / 21)
    if day.month == 12 and day.day >= 22:
        f *= 1.1
    if (D(2024, 10, 8) <= day <= D(2024, 10, 16) or D(2025, 10, 9) <= day <= D(2025, 10, 17)
            or D(2026, 10, 8) <= day <= D(2026, 10, 16)):
        f *= 0.85  # after 国庆 shops still sit on holiday stock
    trend = 1 + 0.05 * ((day - start).days / 400)
    return f * trend


# --- the cigarette catalogue ---------------------------------------------------------------

PRICE_CLASS_NAMES = ("一类", "二类", "三类", "四类", "五类")
PRICE_CLASS_BOUNDS = (100.0, 70.0, 30.0, 16.5)

# (name, retail guide price per pack in 元, local popularity weight, manufacturer prefix)
_CATALOGUE: tuple[tuple[str, float, float, str], ...] = (
    ("中华(硬)", 45, 9, "6901028"), ("中华(软)", 70, 3, "6901028"),
    ("中华(双中支)", 50, 4, "6901028"), ("玉溪(软)", 23, 7, "6901035"),
    ("玉溪(硬)", 20, 4, "6901035"), ("黄鹤楼(硬珍品)", 22, 3, "6901105"),
    ("芙蓉王(硬)", 25, 5, "6901020"), ("南京(炫赫门)", 18, 6, "6901080"),
    ("南京(红)", 12, 6, "6901080"), ("利群(新版)", 14, 6, "6901016"),
    ("泰山(心悦)", 22, 6, "6901301"), ("云烟(软珍品)", 22, 4, "6901030"),
    ("苏烟(五星红杉树)", 20, 3, "6901081"), ("黄金叶(天叶)", 100, 0.4, "6901201"),
    ("泰山(佛光)", 16, 5, "6901301"), ("利群(休闲)", 25, 2, "6901016"),
    ("云烟(紫)", 11, 7, "6901030"), ("泰山(红将军)", 10, 12, "6901301"),
    ("黄山(红方印)", 10, 4, "6901012"), ("白沙(精品)", 10, 4, "6901092"),
    ("红河(硬甲)", 10, 3, "6901035"), ("长白山(777)", 10, 3, "6901042"),
    ("真龙(起源)", 10, 2, "6901098"), ("娇子(宽窄如意)", 10, 2, "6901066"),
    ("红塔山(硬经典)", 7, 9, "6901035"), ("双喜(硬经典)", 6, 5, "6901118"),
    ("白沙(硬)", 5, 6, "6901092"), ("黄金叶(乐途)", 7, 4, "6901201"),
    ("泰山(宏图)", 6, 8, "6901301"), ("七匹狼(白)", 6, 3, "6901111"),
    ("红河(软甲)", 5, 3, "6901035"), ("红旗渠(芒果)", 5, 3, "6901201"),
    ("哈德门(精品)", 5, 4, "6901301"), ("将军(硬红)", 6, 5, "6901301"),
    ("大前门(软)", 3, 3, "6901028"), ("红梅(软黄)", 3, 3, "6901035"),
    ("哈德门(软)", 3, 3, "6901301"), ("金桥(软)", 2.5, 2, "6901028"),
    ("白沙(软)", 3, 2, "6901092"), ("经济(软)", 1.5, 1, "6901301"),
    ("友谊(软)", 1.8, 1, "6901028"),
)

# Names on the market but not in the price list: checked brands that match nothing.
UNLISTED_SKU_NAMES = ("中华(金中支)", "玉溪(初心)", "泰山(青秀)", "黄鹤楼(1916)",
                      "利群(富春山居)", "芙蓉王硬", "南京炫赫门", "云烟（小熊猫家园）")


@dataclass(frozen=True)
class Sku:
    code: str  # 13-digit barcode, text
    name: str  # half-width brackets
    wholesale: float  # 批发价, 元/条
    guide: float  # 零售指导价, 元/条
    min_price: float | None  # 最低零售价, 元/条, when the list has one
    popularity: float
    price_class: int  # 0 = 一类 .. 4 = 五类


def price_class_of(wholesale: float) -> int:
    for i, bound in enumerate(PRICE_CLASS_BOUNDS):
        if wholesale >= bound:
            return i
    return len(PRICE_CLASS_BOUNDS)


def ean13(first12: str) -> str:
    total = sum(int(ch) * (3 if i % 2 else 1) for i, ch in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def build_catalogue(seed: int = DEFAULT_SEED) -> list[Sku]:
    """The ~40 specs with wholesale, guide and (for some) minimum prices per 条."""
    rng = random.Random(f"{seed}-catalogue")
    skus, used = [], set()
    for name, pack_price, popularity, prefix in _CATALOGUE:
        guide = round(pack_price * 10, 2)
        markup = rng.uniform(1.10, 1.15)
        wholesale = round(guide / markup, 2)
        min_price = round(guide * rng.choice((0.9, 0.92, 0.95))) if rng.random() < 0.6 else None
        while True:
            code = ean13(prefix + f"{rng.randrange(100000):05d}")
            if code not in used:
                used.add(code)
                break
        skus.append(Sku(code, name, wholesale, guide, min_price, popularity,
                        price_class_of(wholesale)))
    return skus


def fullwidth_brackets(name: str) -> str:
    return name.replace("(", "（").replace(")", "）")


# --- people, shops, places -----------------------------------------------------------------

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢骆岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧解强丛华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫来嵺苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郜晏栾郁商蒙计喻揭窦迟宇敖糜鄢冷卓花仇艾蓝都巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙薄伏岑习胥保和蔺"
GIVEN_NAMES = (
    "秀英", "桂芳", "建华", "志强", "丽娟", "海燕", "国庆", "玉兰", "春梅", "德胜", "红霞",
    "立新", "建军", "淑珍", "文杰", "晓东", "凤英", "明亮", "金凤", "长春", "秀兰", "爱华",
    "俊杰", "玉梅", "永刚", "翠花", "振华", "美玲", "传伟", "庆华", "宝山", "学军", "艳",
    "敏", "静", "磊", "强", "军", "勇", "杰", "霞", "娜", "涛", "鹏", "宁", "超", "丹",
    "兆民", "德华", "瑞芳", "守信", "光明", "桂兰", "婷婷", "慧敏", "国栋", "文静",
    "凤霞", "士勇", "广田", "继红", "玉珍", "洪波", "兴旺", "荣华", "宪章", "秀云",
)
SHOP_WORDS = (
    "鑫源", "福来", "惠民", "万家", "永兴", "宏达", "佳佳", "兴隆", "顺发", "利民", "金鑫",
    "百姓", "好运", "众鑫", "润泽", "盛源", "聚福", "天天", "乐乐", "红星", "安康", "同福",
    "德顺", "恒泰", "丰源", "广进", "平安", "吉祥", "瑞丰", "华联", "家乐", "旺旺", "金叶",
    "东方", "阳光", "幸福", "和顺", "鸿运", "信达", "诚信", "老地方", "邻里", "便民", "一品",
    "福满多", "好又多", "家家乐", "万福", "嘉禾", "友谊", "新华", "富民", "源丰", "喜来",
    "大众", "泉城", "舜华", "明湖", "千佛山", "趵突", "齐鲁", "泰和", "祥和", "久久", "万隆",
)
SHOP_SUFFIXES = {
    "食杂店": ("食杂店", "商店", "小卖部", "食杂部"),
    "便利店": ("便利店", "便利", "24小时便利店"),
    "超市": ("超市", "生活超市", "购物超市", "便民超市"),
    "烟酒商店": ("烟酒商店", "烟酒行", "名烟名酒", "烟酒店"),
    "商场": ("商场", "百货商店", "购物广场"),
    "娱乐服务类": ("宾馆", "棋牌室", "网吧", "KTV"),
    "其他类": ("茶叶店", "报刊亭", "副食店", "五金店"),
}
BUSINESS_TYPE_WEIGHTS = {"食杂店": 45, "便利店": 20, "超市": 15, "烟酒商店": 12, "商场": 2,
                         "娱乐服务类": 3, "其他类": 3}
GRADE_WEIGHTS = (2, 3, 4, 5, 7, 9, 10, 11, 11, 11, 10, 10, 9, 8, 7, 6, 5, 4, 4, 3, 3, 2, 2, 2,
                 1.5, 1.2, 1, 0.8, 0.6, 0.5)  # 档位 1..30: most in 5-15, few in 25-30
CN_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1..99 in Chinese numerals: 12 -> 十二, 20 -> 二十."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    head = "十" if tens == 1 else CN_DIGITS[tens] + "十"
    return head + (CN_DIGITS[ones] if ones else "")


def fullwidth_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def shop_name(rng: random.Random, business_type: str, district: str) -> str:
    suffix = rng.choice(SHOP_SUFFIXES[business_type])
    roll = rng.random()
    if roll < 0.3:  # the form on a licence: district + owner + 业态
        return f"{district}{person_name(rng)}{suffix}"
    if roll < 0.42:
        return f"{rng.choice(('老', '小'))}{rng.choice(SURNAMES)}{suffix}"
    return f"{rng.choice(SHOP_WORDS)}{suffix}"


@dataclass(frozen=True)
class Route:
    name: str
    weekday: int  # 0 = Monday
    manager: str
    district: str
    district_code: str
    streets: tuple[str, ...]
    lon: float
    lat: float
    spread_km: float
    share: float  # share of the manager's customers


WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

ROUTES: tuple[Route, ...] = (
    Route("城东一线", 0, MAIN_MANAGER, "历城区", "370112",
          ("花园路", "洪家楼南路", "山大路", "华龙路", "工业南路"), 117.075, 36.675, 1.6, 0.20),
    Route("城东二线", 1, MAIN_MANAGER, "历下区", "370102",
          ("文化东路", "历山路", "和平路", "燕子山路", "千佛山东路"), 117.045, 36.648, 1.4, 0.20),
    Route("城南线", 2, MAIN_MANAGER, "市中区", "370103",
          ("舜耕路", "英雄山路", "七里山路", "马鞍山路", "玉函路"), 117.005, 36.622, 1.5, 0.21),
    Route("城西线", 3, MAIN_MANAGER, "槐荫区", "370104",
          ("经七路", "纬十二路", "营市街", "腊山河西路", "经十路"), 116.945, 36.655, 1.7, 0.10),
    Route("城北线", 4, MAIN_MANAGER, "天桥区", "370105",
          ("北园大街", "清河北路", "无影山路", "堤口路", "药山路"), 117.000, 36.700, 1.5, 0.20),
    Route("郊区线", 3, MAIN_MANAGER, "历城区", "370112",
          ("唐冶东路", "港沟路", "彩石路", "郭店街道", "王舍人街道"), 117.110, 36.715, 2.8, 0.09),
    Route("开发区线", 1, SECOND_MANAGER, "历下区", "370102",
          ("工业北路", "奥体西路", "新泺大街"), 117.125, 36.680, 1.0, 0.0),
)


@dataclass
class Customer:
    code: str
    name: str
    license_no: str | None
    license_expiry: dt.date | None
    address: str
    phone: str | None
    grade: int
    grade_text: str | int  # as written in the export
    manager: str
    route: Route
    lon: float | None
    lat: float | None
    joined_on: dt.date
    status: str  # 正常 | 暂停经营 | 已退网
    settlement: str
    business_type: str
    profile: str = "normal"  # normal | stopped | falling | growing | left | suspended | new
    ends_on: dt.date | None = None  # last day with orders (left, suspended, stopped)
    p_order: float = 0.75
    qty_scale: float = 1.0
    basket: list[Sku] = field(default_factory=list)
    basket_weights: list[float] = field(default_factory=list)
    visit_every_weeks: int = 2
    visit_phase: int = 0


def class_affinity(price_class: int, grade: int) -> float:
    """How much more a shop of this 档位 stocks a price class: big shops sell dear brands."""
    return (0.3 + grade / 10, 1.0 + grade / 30, 1.5, max(0.3, 1.6 - grade / 25),
            max(0.1, 1.0 - grade / 35))[price_class]


def visit_interval_weeks(grade: int) -> int:
    """Default tiering: 1-8 monthly, 9-17 fortnightly, 18+ weekly (25+ twice a week)."""
    return 4 if grade <= 8 else 2 if grade <= 17 else 1


def make_basket(rng: random.Random, customer: Customer, skus: Sequence[Sku]) -> None:
    size = min(len(skus), 6 + customer.grade // 2 + rng.randint(-1, 2))
    weights = [s.popularity * class_affinity(s.price_class, customer.grade) for s in skus]
    chosen = weighted_sample(rng, list(skus), weights, size)
    customer.basket = chosen
    customer.basket_weights = [s.popularity * class_affinity(s.price_class, customer.grade)
                               * rng.uniform(0.6, 1.6) for s in chosen]


def weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k distinct items, each draw proportional to weight (Efraimidis-Spirakis keys)."""
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0),
                   reverse=True)
    return [items[i] for _, i in keyed[:k]]


def phone_number(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.15:
        return f"0531-8{rng.randrange(10**6, 10**7)}"
    return rng.choice(("13", "15", "18", "17", "19")) + f"{rng.randrange(10**9):09d}"


def build_customers(n: int, skus: Sequence[Sku], seed: int = DEFAULT_SEED,
                    first_day: dt.date = D(2025, 10, 1)) -> list[Customer]:
    """The roster: `n` customers, 2-3 of them 李娜's, with the special profiles mixed in."""
    rng = random.Random(f"{seed}-customers")
    main_routes = [r for r in ROUTES if r.manager == MAIN_MANAGER]
    second_route = next(r for r in ROUTES if r.manager == SECOND_MANAGER)
    n_second = 3 if n >= 40 else 2
    customers: list[Customer] = []
    names: set[str] = set()
    codes = rng.sample(range(100, 9000), n)
    codes.sort()
    # each route gets its share of the roster exactly, so no weekday is overloaded by chance
    route_of: list[Route] = []
    for r in main_routes:
        route_of += [r] * round(r.share * (n - n_second))
    route_of = (route_of + main_routes * n)[: n - n_second]
    rng.shuffle(route_of)
    route_of += [second_route] * n_second
    for i in range(n):
        route = route_of[i]
        btype = rng.choices(list(BUSINESS_TYPE_WEIGHTS), list(BUSINESS_TYPE_WEIGHTS.values()))[0]
        grade = rng.choices(range(1, 31), GRADE_WEIGHTS)[0]
        if btype in ("烟酒商店", "超市", "商场"):
            grade = min(30, grade + rng.randint(0, 6))
        name = shop_name(rng, btype, route.district)
        while name in names:
            name = shop_name(rng, btype, route.district)
        names.add(name)
        street = rng.choice(route.streets)
        if street.endswith("街道"):
            address = f"济南市{route.district}{street}{rng.choice('东西南北')}{rng.choice(('王', '张', '李', '孙'))}村{rng.randint(1, 300)}号"
        else:
            address = f"济南市{route.district}{street}{rng.randint(1, 400)}号"
            if rng.random() < 0.25:
                address += f"{rng.randint(1, 12)}号楼底商"
        # coordinates: a cluster per route, km converted to degrees at 36.65 N
        lon = round(route.lon + rng.gauss(0, route.spread_km) / 89.4, 6)
        lat = round(route.lat + rng.gauss(0, route.spread_km) / 111.0, 6)
        joined = first_day - dt.timedelta(days=rng.randint(100, 6500))
        expiry = D(rng.randint(2027, 2030), rng.randint(1, 12), rng.randint(1, 28))
        license_no = "0" + route.district_code + f"{rng.randrange(10**5):05d}"
        c = Customer(
            code=f"0532001{codes[i]:05d}", name=name, license_no=license_no,
            license_expiry=expiry, address=address, phone=phone_number(rng), grade=grade,
            grade_text=grade, manager=route.manager, route=route, lon=lon, lat=lat,
            joined_on=joined, status="正常",
            settlement="电子结算" if rng.random() < 0.93 else "现金", business_type=btype,
            p_order=min(0.9, max(0.6, 0.62 + 0.28 * min(1, grade / 20) + rng.gauss(0, 0.04))),
            qty_scale=math.exp(rng.gauss(0, 0.18)),
            visit_every_weeks=visit_interval_weeks(grade),
        )
        c.visit_phase = rng.randrange(c.visit_every_weeks)
        make_basket(rng, c, skus)
        customers.append(c)
    _assign_profiles(rng, customers, first_day)
    _mess_up_roster(rng, customers)
    return customers


def _assign_profiles(rng: random.Random, customers: list[Customer], first_day: dt.date) -> None:
    """Mark the few customers whose orders or status tell a story the reports should find."""
    main = [c for c in customers if c.manager == MAIN_MANAGER]
    pool = main[:]
    rng.shuffle(pool)
    n = len(main)

    def take(k: int) -> list[Customer]:
        return [pool.pop() for _ in range(min(k, len(pool)))]

    scale = max(1, round(n / 50))  # 5 of each story in 250 customers, 1 in 30
    for c in take(scale):  # 断订: no orders in the last 3-4 weeks, still 正常
        c.profile = "stopped"
        c.ends_on = ORDERS_END - dt.timedelta(days=rng.randint(22, 29))
    for c in take(scale):
        c.profile = "falling"
    for c in take(scale):
        c.profile = "growing"
    for c in take(scale):  # 已退网 some months ago
        c.profile, c.status = "left", "已退网"
        c.ends_on = D(2026, rng.randint(3, 10), rng.randint(1, 28))
    for c in take(max(1, round(scale * 0.8))):  # 暂停经营: closed for renovation, illness...
        c.profile, c.status = "suspended", "暂停经营"
        c.ends_on = D(2026, 9, 15) + dt.timedelta(days=rng.randint(0, 35))
    for c in take(max(1, round(n / 30))):  # joined during the 14 months
        c.profile = "new"
        c.joined_on = first_day + dt.timedelta(days=rng.randint(40, 330))
        c.joined_on = max(c.joined_on, first_day)
    for c in take(max(1, round(n / 60))):  # joined within the last 30 days before 2026-11-30
        c.profile = "new"
        c.joined_on = D(2026, 11, 2) + dt.timedelta(days=rng.randint(0, 22))


def _mess_up_roster(rng: random.Random, customers: list[Customer]) -> None:
    """Licences missing or expired, odd 档位 spellings, missing coordinates."""
    main = [c for c in customers if c.manager == MAIN_MANAGER and c.profile == "normal"]
    picks = rng.sample(main, min(len(main), 4 + 4 + 3 + 3 + 4))
    expired, expiring, no_licence, no_coords, odd_grade = (
        picks[:4], picks[4:8], picks[8:11], picks[11:14], picks[14:])
    for c in expired:  # expired, still open: the visits will catch them selling
        c.license_expiry = D(2026, 8, 1) + dt.timedelta(days=rng.randint(0, 100))
    for c in expiring:
        c.license_expiry = D(2026, 12, 5) + dt.timedelta(days=rng.randint(0, 45))
    for c in no_licence:
        c.license_no, c.license_expiry = None, None
    for c in no_coords:
        c.lon = c.lat = None
    styles = [lambda g: chinese_numeral(g), lambda g: fullwidth_digits(str(g)),
              lambda g: f"{g}档", lambda g: chinese_numeral(g)]
    for c, style in zip(odd_grade, styles, strict=False):
        c.grade_text = style(c.grade)


# --- dates as the exports write them ---------------------------------------------------------


def date_slash(d: dt.date) -> str:
    return f"{d.year}/{d.month}/{d.day}"


def date_cn(d: dt.date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def date_compact(d: dt.date) -> str:
    return f"{d:%Y%m%d}"


def mixed_date(rng: random.Random, d: dt.date | None) -> object:
    """Mostly a real date cell, sometimes one of the text forms exports use."""
    if d is None:
        return None
    roll = rng.random()
    if roll < 0.78:
        return d
    return rng.choice((date_slash, date_cn, date_compact, dt.date.isoformat))(d)


def with_thousands(value: float) -> str:
    return f"{value:,.2f}"


# --- orders --------------------------------------------------------------------------------

ORDER_HEADER = ("订单编号", "订货日期", "客户编码", "客户名称", "卷烟编码", "卷烟名称", "批发价",
                "订购量", "金额")


@dataclass(frozen=True)
class OrderLine:
    order_id: str
    order_date: dt.date
    customer: Customer
    sku: Sku
    qty: int
    amount: float


def profile_factor(c: Customer, day: dt.date) -> float:
    """The falling and growing customers change course from mid-August 2026."""
    turn = D(2026, 8, 15)
    if c.profile not in ("falling", "growing") or day <= turn:
        return 1.0
    progress = min(1.0, (day - turn).days / (ORDERS_END - turn).days)
    return 1.0 - 0.7 * progress if c.profile == "falling" else 1.0 + 0.75 * progress


# Year-on-year trends (a year, compounded from ROSTER_EPOCH) by 业态 and by price class, on top
# of season_factor's overall one: convenience stores and tobacco shops gain on small grocers,
# and dear brands gain on cheap ones (提升结构). Real territories drift like this by a few per
# cent a year, which is why last year's month alone is a poor forecast.
BUSINESS_TYPE_TREND = {"食杂店": -0.04, "便利店": 0.06, "超市": 0.02, "烟酒商店": 0.04,
                       "商场": -0.03, "娱乐服务类": -0.06, "其他类": -0.05}
PRICE_CLASS_TREND = (0.05, 0.03, 0.0, -0.04, -0.10)  # 一类 .. 五类


def group_trend(c: Customer, sku: Sku, day: dt.date) -> float:
    """The customer's 业态 and the cigarette's price class trend at `day` (1.0 at the epoch)."""
    years = (day - ROSTER_EPOCH).days / 365.25
    rate = (1 + BUSINESS_TYPE_TREND.get(c.business_type, 0.0)) * (
        1 + PRICE_CLASS_TREND[sku.price_class])
    return rate ** years


def order_lines_for_week(rng: random.Random, customers: Iterable[Customer], monday: dt.date,
                         first_day: dt.date, last_day: dt.date,
                         seq_by_day: dict[dt.date, int]) -> list[OrderLine]:
    """One week of orders: each active customer orders at most once, on its route's day."""
    lines: list[OrderLine] = []
    for c in customers:
        weekday = c.route.weekday
        if rng.random() < 0.1:  # called in a day early or late
            weekday = min(4, max(0, weekday + rng.choice((-1, 1))))
        day = workday_in_week(monday, weekday)
        if day is None or not first_day <= day <= last_day or day < c.joined_on:
            continue
        if c.ends_on is not None and day > c.ends_on:
            continue
        season = season_factor(day)
        trend = profile_factor(c, day)
        p = c.p_order * min(1.12, season ** 0.35) * min(1.0, trend ** 0.5)
        if rng.random() >= min(0.97, p):
            continue
        k_max = min(10, 5 + c.grade // 3 + (2 if season > 1.3 else 0))
        k = min(len(c.basket), rng.randint(3, k_max))
        chosen = weighted_sample(rng, c.basket, c.basket_weights, k)
        seq = seq_by_day.get(day, rng.randint(100, 900)) + rng.randint(1, 40)
        seq_by_day[day] = seq
        order_id = f"{day:%Y%m%d}{seq:06d}"
        for sku in chosen:
            mu = ((1.5 + c.grade * 0.45) * (0.55, 0.9, 1.1, 1.0, 0.8)[sku.price_class]
                  * season * trend * c.qty_scale * group_trend(c, sku, day))
            qty = max(1, min(20, round(rng.gauss(mu, 0.35 * mu + 0.5))))
            lines.append(OrderLine(order_id, day, c, sku, qty, round(qty * sku.wholesale, 2)))
    return lines


def generate_orders(customers: Sequence[Customer], first_day: dt.date, last_day: dt.date,
                    seed: int = DEFAULT_SEED) -> list[OrderLine]:
    """Weekly orders from `first_day` to `last_day`: the days before ROSTER_EPOCH from a random
    stream of their own, so adding older history leaves the later orders as they were."""
    lines: list[OrderLine] = []
    periods = ((f"{seed}-orders-history", first_day,
                min(last_day, ROSTER_EPOCH - dt.timedelta(days=1))),
               (f"{seed}-orders", max(first_day, ROSTER_EPOCH), last_day))
    for stream, start, end in periods:
        if start > end:
            continue
        rng = random.Random(stream)
        monday = start - dt.timedelta(days=start.weekday())
        seq_by_day: dict[dt.date, int] = {}
        while monday <= end:
            lines.extend(order_lines_for_week(rng, customers, monday, start, end, seq_by_day))
            monday += dt.timedelta(days=7)
    lines.sort(key=lambda line: (line.order_date, line.order_id))  # as the system lists them
    return lines


def month_start(year: int, month: int) -> dt.date:
    return D(year, month, 1)


def months_back(n: int, last: tuple[int, int] = LAST_MONTH) -> list[tuple[int, int]]:
    """The last `n` calendar months ending with `last`, oldest first."""
    year, month = last
    out = []
    for _ in range(n):
        out.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


# --- visits and their notes ------------------------------------------------------------------

ROUTINE_NOTES = (
    "老板说这礼拜{sku}卖得挺快，建议下次多订{n}条。",
    "帮着把烟柜重新理了理，价签换了新的。",
    "老板娘在店里，聊了一会儿，说附近新开了个大超市，进店的人少了。",
    "提醒老板{day}记得订货，电子结算卡里把钱存够。",
    "店里{sku}还压着{n}条，这周先少订点。",
    "给老板介绍了{sku}，老板说先少要几条试试。",
    "老板问{sku}能不能多给点货源，已记下反馈。",
    "门口在修路，这阵子生意受影响，老板有点发愁。",
    "看了下库存，常卖的几个品规都够，没啥问题。",
    "跟老板对了下电话和地址，都没变。",
    "店里刚重新装修完，烟柜挪到收银台边上了，陈列比以前强。",
    "老板说扫码枪有时候连不上，教他重启了一下，好了。",
    "给老板讲了讲怎么看真假烟，拿了两包对比着看。",
    "老板说{sku2}最近问的人多，已经断了两天货。",
    "顺路过来看看，老板忙着卸货，简单聊了几句。",
    "店员在，老板回老家了，下周回来，订货先让店员在手机上下。",
    "把新的宣传画贴上了，老板挺配合。",
    "老板想换个好点的烟柜，跟他说了终端建设的政策。",
    "上周订的{sku}到货了，老板核对了数量，没问题。",
    "电子结算扣款没成功，陪老板查了查，卡里钱不够，已经存上了。",
    "老板对送货时间有意见，说送得太晚，已经反映给配送那边。",
    "老板想多要点{sku}，跟他解释了按档位投放的规矩。",
    "对面超市在搞活动，老板这边客流少了点。",
    "帮老板在手机上看了上月销量，{sku}比上月多卖了{n}条。",
    "老板挺关心档位调整，跟他讲了评档的规则。",
    "店面收拾得挺干净，烟柜陈列整齐。",
    "老板想搞会员积分，问有啥办法，给他出了几个主意。",
    "老板这两天身体不舒服，店是儿子看着，交代了一下订货的事。",
    "问了问老板对送货员的评价，说服务还行。",
    "{sku}换了新包装，给老板看了新旧两版的区别。",
    "老板说最近买烟的多是老顾客，生面孔少。",
    "给老板讲了节假日前的订货时间安排，要提前订。",
    "老板问{sku}的批发价会不会调，说等通知。",
    "帮老板把{sku}和{sku2}摆到了烟柜显眼的位置。",
    "店里新上了收银系统，教老板怎么录卷烟的条码。",
    "老板说隔壁小区入住的人多了，生意比年初好。",
    "老板想把店转给亲戚，问了转让的手续，让他到时候先联系我。",
    "订货量比上个月少了点，老板说是{sku}卖得慢。",
)
# Remarks that only make sense in some months (weather, school holidays, festivals).
SEASONAL_NOTES: dict[tuple[int, ...], tuple[str, ...]] = {
    (11, 12, 1, 2): ("这几天天冷，老板说晚上基本没人，早早就关门了。",
                     "下雪路滑，老板说这周进店的人明显少了。"),
    (5, 6, 7, 8, 9): ("天热，提醒老板烟别放在太阳能晒到的地方，注意防潮。",
                      "这几天雨多，看了看仓库，让老板把烟垫高点防潮。"),
    (1, 2, 7, 8): ("学校放假了，学生少，旁边的小卖部生意淡了不少。",),
    (1, 2, 9, 12): ("跟老板商量节前备货，打算多进点{sku}和{sku2}。",
                    "快过节了，老板说送礼的多，{sku}要多备一些。"),
    (2, 3, 10): ("周末附近有庙会，老板准备多备点货。",),
    (9, 10, 11): ("秋收忙，村里买烟的人少了，老板说等忙完就好了。",
                  "国庆放假期间店里生意不错，{sku}卖空了。"),
}
CLEAN_CHECK_NOTES = (  # checks that found nothing: words a naive matcher would trip on
    "看了价签，都是按指导价标的，没发现超价。",
    "明码标价规范，价签齐全。",
    "证照挂在显眼位置，许可证在有效期内。",
    "没发现无证卖烟的情况。",
    "查了几个品规的售价，都没有低于最低价的。",
    "许可证下个月到期，提醒老板赶紧去办延续。",
    "价格都挺规矩，没有乱价。",
    "问了周边几家，没听说附近有没证卖烟的。",
    "{sku}按{p}元一条卖，跟指导价一致。",
    "老板说从来不卖高价烟，看了一圈确实价签都对。",
)
RESOLVED_NOTES = (
    "上回说的{sku}卖贵了的事，老板已经改过来了，现在按指导价卖。",
    "前期未明码标价的问题已整改，价签都补上了。",
    "许可证延续手续上周办下来了，新证已经挂上。",
    "前期低价甩货的问题已整改，价格恢复正常。",
    "之前说的借证经营的事，老板已经自己办了证，证照一致了。",
    "复查了一下，上次超价的{sku}现在按{p}元一条卖，已整改。",
)
PRICE_VIOLATION_NOTES = {
    "above": (
        "{sku}卖{p}元一条，比指导价高了不少，当场跟老板指出来了，要求马上改。",
        "发现{sku}标价{p}元/条，超出零售指导价，老板说是进货紧张才涨的。",
        "老板承认{sku}最近一直加价卖，{p}一条，让他立即改回指导价。",
        "有顾客反映这家{sku}卖得贵，过来一看果然是{p}元一条，超价了。",
    ),
    "below": (
        "老板为了冲量把{sku}按{p}元一条卖，低于最低价了，已经提醒。",
        "{sku}卖得比最低限价还低，{p}一条，说是跟对面超市抢客。",
        "{sku}只卖{p}元一条，低于最低零售价，老板说是清库存。",
    ),
    "unmarked": (
        "烟柜里一半品规没有价签，未明码标价，让老板当天补齐。",
        "好几个品规没标价，老板说刚换的烟柜还没来得及贴。",
        "价签全撕了没贴新的，顾客问价全靠老板嘴说，属于未明码标价。",
    ),
    "chaos": (
        "价签上写的和实际收的不一样，{sku}标的指导价，结账多收了二十，属于乱价。",
        "同一个{sku}，柜台和货架标的价不一样，价格乱。",
        "{sku}按包卖的一包比指导价多要两块，按条卖又便宜，价格很乱。",
    ),
}
UNLICENSED_NOTES = {
    "expired": (
        "许可证上个月就过期了，店里还照常卖烟，已告诉老板先停售，抓紧去办延续。",
        "许可证到期好一阵了一直没换，烟照卖，这个得报上去。",
        "证早就过期了，老板说忙忘了，柜台里烟还在卖。",
    ),
    "none": (
        "这家新开的分店还没办证就开始卖烟了，已经让他停了。",
        "店已经转给别人了，新老板没有许可证，还在卖烟。",
    ),
    "borrowed": (
        "店里经营的人跟证上的不是一个人，老板说证是他表哥的，属于借证经营。",
        "新老板用原来店主的证在卖烟，证不是他的。",
    ),
    "tip": (
        "老板说{street}新开的那家便利店没证也在卖烟，卖得还挺便宜，建议专卖去看看。",
        "附近菜市场门口有个小摊偷偷卖烟，好几个老板都这么说，应该是无证的。",
        "路过{street}一家小超市，柜台里摆着烟，系统里查不到这户，疑似无证经营。",
        "老板反映{street}有个水果店也卖烟，没见过他们办证。",
    ),
}
SPECIAL_NOTES = {
    "new": ("新入网客户，第一次上门，讲了订货流程和电子结算怎么用。",
            "新户开业，帮着把烟柜摆好，讲了订货的时间和档位的事。"),
    "stopped": ("连续几周没订货，上门问了问，老板说{reason}。",
                "好几周没见订单，专门过来看看，{reason}。"),
    "complaint": ("客户投诉{sku}有一条里面几包受潮了，现场看了属实，已填反馈单。",
                  "老板反映上次送的{sku}少了一条，核对了签收单，已报给配送中心。",
                  "客户说{sku}有一包烟支松散掉丝，拍照留存，填了质量反馈单。"),
    "renewal": ("许可证快到期了，专程上门提醒办延续，把要带的材料列给了老板。",),
    "suspended": ("店面装修暂停营业，老板说下个月能开，到时候再恢复订货。",
                  "老板住院了，店先关着，暂停经营，等出院再说。"),
}
STOP_REASONS = ("店面要转让，先不进了", "最近资金周转不开", "家里有事关了几天门",
                "跟房东闹矛盾，店可能开不下去了", "库存还多，先卖一卖")


@dataclass(frozen=True)
class Visit:
    visit_id: str
    visit_date: dt.date
    customer: Customer
    manager: str
    visit_type: str  # 常规访问 | 特殊访问
    notes: str
    checked_sku: str | None
    observed_price: object  # number, text such as "２３０元/条", or None
    unlicensed: int  # what the note reports: a current unlicensed sale (ground truth)
    price_violation: int  # what the note reports: a current price violation (ground truth)
    price_check: str  # ok | above_guide | below_min | unknown_sku | "" (no check)


class NoteWriter:
    """Composes colloquial visit notes and the price checks that go with them."""

    def __init__(self, rng: random.Random, skus: Sequence[Sku]) -> None:
        self.rng = rng
        self.skus = skus

    def _fill(self, template: str, c: Customer, sku: Sku | None = None,
              price: float | None = None) -> str:
        rng = self.rng
        basket = c.basket or list(self.skus)
        sku = sku or rng.choice(basket)
        other = rng.choice(basket)
        name = sku.name if rng.random() < 0.8 else fullwidth_brackets(sku.name)
        return template.format(
            sku=name, sku2=other.name, n=rng.randint(2, 6),
            p=_price_words(price if price is not None else sku.guide),
            day=WEEKDAY_NAMES[c.route.weekday], street=rng.choice(c.route.streets),
            reason=rng.choice(STOP_REASONS))

    def routine(self, c: Customer, day: dt.date, k: int | None = None) -> list[str]:
        rng = self.rng
        k = k or rng.choice((1, 1, 2, 2, 2, 3))
        pool = list(ROUTINE_NOTES)
        for months, notes in SEASONAL_NOTES.items():
            if day.month in months:
                pool.extend(notes)
        return [self._fill(t, c) for t in rng.sample(pool, k)]

    def checked_name(self, sku: Sku) -> str:
        roll = self.rng.random()
        if roll < 0.68:
            return sku.name
        if roll < 0.85:
            return fullwidth_brackets(sku.name)
        return sku.code

    def observed(self, price: float) -> object:
        """The price as the manager typed it: mostly a number, sometimes text."""
        rng = self.rng
        roll = rng.random()
        value = int(price) if float(price).is_integer() else price
        if roll < 0.82:
            return value
        if roll < 0.90:
            return f"{value}元/条"
        if roll < 0.95:
            return fullwidth_digits(f"{value}元/条")
        if roll < 0.98:
            return f"{value}元"
        if float(price / 10).is_integer():
            return f"{int(price / 10)}元/包"
        return f"{value}元/条"

    def visit(self, c: Customer, day: dt.date, *, special: str | None = None,
              force: str | None = None) -> tuple:
        """(type, notes, checked_sku, observed_price, unlicensed, price_violation, check)."""
        rng = self.rng
        parts: list[str] = []
        unlicensed = violation = 0
        checked = observed = None
        check = ""
        expired = c.license_expiry is not None and c.license_expiry < day
        kind = force
        if kind is None and special is None:
            roll = rng.random()
            if expired and c.status == "正常" and roll < 0.6:
                kind = "expired"
            elif roll < 0.062:
                kind = "price"
            elif roll < 0.062 + 0.03:
                kind = "unlicensed"
            elif roll < 0.062 + 0.03 + 0.12:
                kind = "clean"
            elif roll < 0.062 + 0.03 + 0.12 + 0.03:
                kind = "resolved"
        if kind == "price":
            sub = rng.choices(("above", "below", "unmarked", "chaos"), (45, 25, 18, 12))[0]
            sku = rng.choice(c.basket)
            if sub == "below" and sku.min_price is None:
                sub = "above"
            price = None
            if sub == "above":
                price = sku.guide + rng.choice((10, 20, 20, 30, 50))
                check = "above_guide"
            elif sub == "below":
                price = (sku.min_price or sku.guide) - rng.choice((5, 10, 10, 20))
                check = "below_min"
            parts.append(self._fill(rng.choice(PRICE_VIOLATION_NOTES[sub]), c, sku, price))
            if price is not None:
                checked, observed = self.checked_name(sku), self.observed(price)
            violation = 1
        elif kind in ("unlicensed", "expired"):
            sub = "expired" if kind == "expired" else rng.choices(
                ("none", "borrowed", "tip"), (20, 25, 55))[0]
            parts.append(self._fill(rng.choice(UNLICENSED_NOTES[sub]), c))
            unlicensed = 1
        elif kind == "clean":
            parts.append(self._fill(rng.choice(CLEAN_CHECK_NOTES), c))
        elif kind == "resolved":
            parts.append(self._fill(rng.choice(RESOLVED_NOTES), c))
        if special is not None:
            parts.insert(0, self._fill(rng.choice(SPECIAL_NOTES[special]), c))
        routine_k = 0 if special and rng.random() < 0.5 else (
            rng.choice((0, 1, 1, 2)) if parts else None)
        if routine_k is None or routine_k:
            parts.extend(self.routine(c, day, routine_k))
        if len(parts) > 1 and rng.random() < 0.4:
            rng.shuffle(parts)
        if checked is None and rng.random() < 0.33:  # a price check with nothing in the note
            roll = rng.random()
            if roll < 0.05:
                checked = rng.choice(UNLISTED_SKU_NAMES)
                observed = self.observed(rng.choice((230, 450, 180, 220, 110)))
                check = "unknown_sku"
            else:
                sku = rng.choice(c.basket)
                if roll < 0.09:  # overpriced but the note says nothing: only the price rule sees it
                    price, check = sku.guide + rng.choice((10, 20)), "above_guide"
                elif roll < 0.11 and sku.min_price:
                    price, check = sku.min_price - 10, "below_min"
                elif roll < 0.3:
                    floor = sku.min_price or sku.guide * 0.95
                    price, check = max(floor, sku.guide - rng.choice((5, 10))), "ok"
                else:
                    price, check = sku.guide, "ok"
                checked = rng.choice(UNLISTED_SKU_NAMES) if roll > 0.985 else self.checked_name(sku)
                if checked in UNLISTED_SKU_NAMES:
                    check = "unknown_sku"
                observed = self.observed(price)
        visit_type = "特殊访问" if special else "常规访问"
        return (visit_type, "".join(parts), checked, observed, unlicensed, violation, check)


def _price_words(price: float) -> str:
    return str(int(price)) if float(price).is_integer() else f"{price:.2f}"


def generate_visits(customers: Sequence[Customer], skus: Sequence[Sku], first_day: dt.date,
                    last_day: dt.date, seed: int = DEFAULT_SEED) -> list[Visit]:
    """Tiered regular visits on each route's day, plus special visits for new shops, silent
    customers, complaints, licence renewals and follow-ups of violations."""
    rng = random.Random(f"{seed}-visits")
    writer = NoteWriter(rng, skus)
    planned: list[tuple[dt.date, Customer, str | None, str | None]] = []
    first_monday = first_day - dt.timedelta(days=first_day.weekday())
    n_weeks = (last_day - first_monday).days // 7 + 1
    for c in customers:
        end = last_day
        if c.status == "已退网" and c.ends_on is not None:
            end = min(end, c.ends_on)
        for week in range(n_weeks):
            monday = first_monday + dt.timedelta(days=7 * week)
            every = c.visit_every_weeks
            if c.status == "暂停经营" and c.ends_on and monday > c.ends_on:
                every = 4
            if (week + c.visit_phase) % every:
                continue
            weekday = c.route.weekday
            if rng.random() < 0.12:
                weekday = min(4, max(0, weekday + rng.choice((-2, -1, -1, 1, 1, 2))))
            days = [workday_in_week(monday, weekday)]
            if c.grade >= 25 and c.status == "正常":
                days.append(workday_in_week(monday, min(4, weekday + 3)))
            for day in days:
                if day is None or not first_day <= day <= end or day < c.joined_on:
                    continue
                if rng.random() < 0.06:  # missed: rain, a meeting, a sick day
                    continue
                special = "suspended" if (c.status == "暂停经营" and c.ends_on
                                          and day > c.ends_on and rng.random() < 0.5) else None
                planned.append((day, c, special, None))
        if first_day <= c.joined_on <= last_day:
            planned.append((_next_workday(c.joined_on + dt.timedelta(days=rng.randint(0, 3))),
                            c, "new", None))
        if c.profile == "stopped" and c.ends_on:
            day = _next_workday(c.ends_on + dt.timedelta(days=rng.randint(15, 20)))
            if day <= last_day:
                planned.append((day, c, "stopped", None))
        if (c.license_expiry and last_day < c.license_expiry <= last_day + dt.timedelta(days=60)
                and rng.random() < 0.7):
            planned.append((_next_workday(last_day - dt.timedelta(days=rng.randint(3, 20))),
                            c, "renewal", None))
    active = [c for c in customers if c.status == "正常"]
    for _ in range(max(1, len(customers) // 25)):
        c = rng.choice(active)
        day = _next_workday(first_day + dt.timedelta(days=rng.randint(0, (last_day - first_day).days)))
        if day <= last_day:
            planned.append((day, c, "complaint", None))
    planned.sort(key=lambda p: (p[0], p[1].route.weekday, p[1].code))

    visits: list[Visit] = []
    seq_by_day: dict[dt.date, int] = {}
    followups: list[tuple[dt.date, Customer]] = []
    for day, c, special, force in planned:
        visits.append(_make_visit(writer, c, day, special, force, seq_by_day))
        if visits[-1].price_violation and rng.random() < 0.35:
            followups.append((_next_workday(day + dt.timedelta(days=rng.randint(3, 8))), c))
    for day, c in followups:  # 复查: a special visit a week later finds it put right
        if day <= last_day and c.status == "正常":
            visits.append(_make_visit(writer, c, day, None, "resolved", seq_by_day,
                                      visit_type="特殊访问"))
    visits.sort(key=lambda v: (v.visit_date, v.visit_id))
    return visits


def _next_workday(day: dt.date) -> dt.date:
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def _make_visit(writer: NoteWriter, c: Customer, day: dt.date, special: str | None,
                force: str | None, seq_by_day: dict[dt.date, int],
                visit_type: str | None = None) -> Visit:
    vtype, notes, checked, observed, unlicensed, violation, check = writer.visit(
        c, day, special=special, force=force)
    seq = seq_by_day.get(day, 0) + 1
    seq_by_day[day] = seq
    return Visit(f"ZF{day:%Y%m%d}{seq:04d}", day, c, c.manager, visit_type or vtype, notes,
                 checked, observed, unlicensed, violation, check)


# --- writers -------------------------------------------------------------------------------


def _title_rows(title: str, n_cols: int, period: str | None = None) -> list[list[object]]:
    info = EXPORT_DATE_TEXT if period is None else f"统计期间：{period}    {EXPORT_DATE_TEXT}"
    return [[title] + [None] * (n_cols - 1), [info] + [None] * (n_cols - 1)]


def _merge_title(n_cols: int) -> list[str]:
    return [f"A1:{column_letter(n_cols - 1)}1"]


CUSTOMER_HEADER = ("客户编码", "客户名称", "专卖许可证号", "有效期至", "经营地址", "联系电话",
                   "档位", "客户经理", "线路", "访销日", "经度", "纬度", "入网日期", "经营状态",
                   "结算方式", "业态")


def write_customers(path: Path, customers: Sequence[Customer], seed: int) -> None:
    rng = random.Random(f"{seed}-customers-file")
    rows: list[list[object]] = _title_rows("客户信息表", len(CUSTOMER_HEADER))
    rows.append(list(CUSTOMER_HEADER))
    for c in customers:
        rows.append([c.code, c.name, c.license_no, mixed_date(rng, c.license_expiry), c.address,
                     c.phone, c.grade_text, c.manager, c.route.name,
                     WEEKDAY_NAMES[c.route.weekday], c.lon, c.lat, mixed_date(rng, c.joined_on),
                     c.status, c.settlement, c.business_type])
    rows.append(["合计", f"共{len(customers)}户"] + [None] * (len(CUSTOMER_HEADER) - 2))
    with XlsxStreamWriter(path, shared_strings=True) as writer:
        writer.write_sheet("客户信息", rows, merges=_merge_title(len(CUSTOMER_HEADER)),
                           n_rows=len(rows), n_cols=len(CUSTOMER_HEADER), title_rows=1,
                           col_widths=(15, 28, 15, 12, 40, 14, 6, 9, 10, 7, 11, 11, 12, 9, 9, 9))


PRICE_HEADER = ("卷烟编码", "卷烟名称", "价类", "批发价(元/条)", "零售指导价(元/条)",
                "最低零售价(元/条)")


def write_prices(path: Path, skus: Sequence[Sku], seed: int) -> None:
    """With openpyxl, so one sample file has that writer's shape (inline strings, its styles)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rng = random.Random(f"{seed}-prices-file")
    wb = Workbook()
    ws = wb.active
    ws.title = "价格表"
    n_cols = len(PRICE_HEADER)
    ws.append(["卷烟价格表（2026年11月执行）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n_cols)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([EXPORT_DATE_TEXT])
    ws.append(list(PRICE_HEADER))
    for sku in sorted(skus, key=lambda s: (s.price_class, -s.wholesale)):
        name = fullwidth_brackets(sku.name) if rng.random() < 0.2 else sku.name
        ws.append([sku.code, name, PRICE_CLASS_NAMES[sku.price_class], sku.wholesale, sku.guide,
                   sku.min_price])
    for col, width in zip("ABCDEF", (16, 22, 8, 14, 16, 16), strict=True):
        ws.column_dimensions[col].width = width
    wb.properties.creator = "营销系统"
    buffer = io.BytesIO()
    wb.save(buffer)
    _write_normalised_zip(path, buffer.getvalue())


def _write_normalised_zip(path: Path, data: bytes) -> None:
    """Rewrite an openpyxl zip with fixed timestamps so the same seed gives the same bytes."""
    fixed = "2026-11-28T08:00:00Z"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" +
                              fixed.encode(), body)
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, body)


@dataclass(frozen=True)
class OrderFileSpec:
    """One orders export: which months, in what shape."""

    name: str
    months: tuple[tuple[int, int], ...]
    kind: str  # xlsx-shared | xlsx-inline | xlsx-openpyxl | xls | csv-gb18030
    header: tuple[str, ...]
    date_style: str  # date | slash | cn | compact | iso
    brackets: str = "half"  # half | full
    text_numbers: float = 0.0  # share of money/qty cells written as text with separators
    cell_refs: bool = True  # False: cells without r="A1" references (valid; a quarter the size)


def _quarter(year: int, q: int) -> tuple[tuple[int, int], ...]:
    return tuple((year, m) for m in range(3 * q - 2, 3 * q + 1))


ORDER_FILES: tuple[OrderFileSpec, ...] = (
    # The older year in one file, written without cell references as some system exports are:
    # it keeps the committed sample under 5 MB.
    OrderFileSpec("orders_2024-10_2025-09.xlsx",
                  tuple(months_back(12, (2025, 9))), "xlsx-shared", ORDER_HEADER, "date",
                  cell_refs=False),
    OrderFileSpec("orders_2025Q4.xlsx", _quarter(2025, 4), "xlsx-shared", ORDER_HEADER, "date"),
    OrderFileSpec("orders_2026Q1.xlsx", _quarter(2026, 1), "xlsx-shared",
                  ("订单号", "订单日期", "客户编码", "客户名称", "商品编码", "商品名称",
                   "单价（元/条）", "数量（条）", "金额（元）"), "slash", brackets="full"),
    OrderFileSpec("orders_2026Q2.xlsx", _quarter(2026, 2), "xlsx-shared",
                  ("订单编号", "订货日期", "零售户编码", "零售户名称", "卷烟编码", "卷烟名称",
                   "批发价", "订货量", "订单金额"), "cn", text_numbers=0.04),
    OrderFileSpec("orders_2026-07_08.xlsx", ((2026, 7), (2026, 8)), "xlsx-openpyxl",
                  ("订单编号", "订货日期", "客户编码", "客户名称", "卷烟编码", "卷烟名称",
                   "批发价(元/条)", "订购量(条)", "金额(元)"), "compact"),
    OrderFileSpec("orders_2026-09.xls", ((2026, 9),), "xls",
                  ("订单编号", "订货日期", "客户编码", "客户名称", "品规编码", "品规名称", "批发价",
                   "订购量", "金额"), "date"),
    OrderFileSpec("orders_2026-10.csv", ((2026, 10),), "csv-gb18030", ORDER_HEADER, "iso",
                  text_numbers=0.03),
    OrderFileSpec("orders_2026-11.xlsx", ((2026, 11),), "xlsx-inline",
                  ("订单编号", "订货日期", "客户编码", "客户名称", "卷烟编码", "卷烟规格名称",
                   "批发价", "订购量", "金额"), "date"),
)

_DATE_STYLES = {"slash": date_slash, "cn": date_cn, "compact": date_compact,
                "iso": dt.date.isoformat}


def _period_text(months: Sequence[tuple[int, int]]) -> str:
    first = month_start(*months[0])
    y, m = months[-1]
    last = (month_start(y + (m == 12), m % 12 + 1) - dt.timedelta(days=1))
    last = min(last, ORDERS_END)
    return f"{first.isoformat()} 至 {last.isoformat()}"


def order_rows(spec: OrderFileSpec, lines: Sequence[OrderLine], rng: random.Random,
               *, text_dates: bool) -> list[list[object]]:
    """The data rows of one orders file, in the spec's shape."""
    to_text = _DATE_STYLES.get(spec.date_style)
    rows = []
    for line in lines:
        name = fullwidth_brackets(line.sku.name) if spec.brackets == "full" else line.sku.name
        if spec.date_style == "date":
            day: object = line.order_date.isoformat() if text_dates else line.order_date
        else:
            day = to_text(line.order_date)
        amount: object = line.amount
        qty: object = line.qty
        if spec.text_numbers and rng.random() < spec.text_numbers:
            amount = with_thousands(line.amount)
            if rng.random() < 0.4:
                qty = str(line.qty)
        rows.append([line.order_id, day, line.customer.code, line.customer.name, line.sku.code,
                     name, line.sku.wholesale, qty, amount])
    return rows


def _total_row(lines: Sequence[OrderLine], n_cols: int) -> list[object]:
    total_qty = sum(line.qty for line in lines)
    total_amount = round(sum(line.amount for line in lines), 2)
    row: list[object] = ["合计", None, None, f"共{len(lines)}条"] + [None] * (n_cols - 4)
    row[-2], row[-1] = total_qty, total_amount
    return row


def write_order_file(path: Path, spec: OrderFileSpec, lines: Sequence[OrderLine],
                     seed: int) -> None:
    rng = random.Random(f"{seed}-{spec.name}")
    n_cols = len(spec.header)
    title = _title_rows("卷烟订单明细表", n_cols, _period_text(spec.months))
    if spec.kind == "csv-gb18030":
        data = order_rows(spec, lines, rng, text_dates=True)
        with open(path, "w", encoding="gb18030", newline="") as fh:
            out = csv.writer(fh, lineterminator="\r\n")
            out.writerow([title[0][0]])
            out.writerow([title[1][0]])
            out.writerow(spec.header)
            for row in data:
                out.writerow(["" if v is None else (f"{v:.2f}" if isinstance(v, float) else v)
                              for v in row])
            out.writerow(["" if v is None else v for v in _total_row(lines, n_cols)])
        return
    if spec.kind == "xls":
        _write_xls(path, spec, order_rows(spec, lines, rng, text_dates=False),
                   _total_row(lines, n_cols), title)
        return
    rows = title + [list(spec.header)] + order_rows(spec, lines, rng, text_dates=False)
    rows.append(_total_row(lines, n_cols))
    widths = (18, 12, 15, 28, 15, 20, 10, 8, 12)
    if spec.kind == "xlsx-openpyxl":
        _write_openpyxl(path, "订单明细", rows, n_cols, widths)
        return
    with XlsxStreamWriter(path, shared_strings=spec.kind == "xlsx-shared",
                          cell_refs=spec.cell_refs) as writer:
        writer.write_sheet("订单明细", rows, merges=_merge_title(n_cols), n_rows=len(rows),
                           n_cols=n_cols, title_rows=1, col_widths=widths)


def _write_openpyxl(path: Path, sheet: str, rows: Sequence[Sequence[object]], n_cols: int,
                    widths: Sequence[float]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n_cols)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    _write_normalised_zip(path, buffer.getvalue())


XLS_MAX_ROWS = 65_536


def _write_xls(path: Path, spec: OrderFileSpec, data: Sequence[Sequence[object]],
               total: Sequence[object], title: Sequence[Sequence[object]]) -> None:
    """Old BIFF8 .xls; a sheet holds at most 65,536 rows, so long months spill onto more."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    title_style = xlwt.easyxf("font: bold on, height 280; align: horiz center")
    n_cols = len(spec.header)
    per_sheet = XLS_MAX_ROWS - 4  # title, export date, header, and room for the 合计 row
    chunks = [data[i:i + per_sheet] for i in range(0, len(data), per_sheet)] or [[]]
    for index, chunk in enumerate(chunks):
        sheet = book.add_sheet("订单明细" if index == 0 else f"订单明细{index + 1}")
        sheet.write_merge(0, 0, 0, n_cols - 1, title[0][0], title_style)
        sheet.write(1, 0, title[1][0])
        for c, head in enumerate(spec.header):
            sheet.write(2, c, head)
        r = 3
        for r, row in enumerate(chunk, start=3):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, date_style)
                elif value is not None:
                    sheet.write(r, c, value)
        if index == len(chunks) - 1:
            for c, value in enumerate(total):
                if value is not None:
                    sheet.write(r + 1, c, value)
        for c, width in enumerate((18, 12, 15, 28, 15, 20, 10, 8, 12)):
            sheet.col(c).width = width * 256
    book.save(str(path))


VISIT_HEADER = ("访问编号", "访问日期", "客户编码", "客户名称", "客户经理", "访问类型", "访问内容",
                "检查品规", "实际零售价")


def write_visits(path: Path, visits: Sequence[Visit]) -> None:
    rows: list[list[object]] = _title_rows("客户走访记录", len(VISIT_HEADER),
                                           f"{VISITS_START.isoformat()} 至 {VISITS_END.isoformat()}")
    rows.append(list(VISIT_HEADER))
    for v in visits:
        rows.append([v.visit_id, v.visit_date, v.customer.code, v.customer.name, v.manager,
                     v.visit_type, v.notes, v.checked_sku, v.observed_price])
    rows.append(["合计", None, None, f"共{len(visits)}条"] + [None] * (len(VISIT_HEADER) - 4))
    with XlsxStreamWriter(path, shared_strings=True) as writer:
        writer.write_sheet("走访记录", rows, merges=_merge_title(len(VISIT_HEADER)),
                           n_rows=len(rows), n_cols=len(VISIT_HEADER), title_rows=1,
                           col_widths=(16, 12, 15, 28, 9, 10, 80, 18, 12))


def write_truth(out_dir: Path, customers: Sequence[Customer], visits: Sequence[Visit]) -> None:
    """What a reader of the exports should find: not an export, kept apart in truth/."""
    truth = out_dir / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    with open(truth / "visit_labels.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(("visit_id", "unlicensed", "price_violation", "price_check"))
        for v in visits:
            out.writerow((v.visit_id, v.unlicensed, v.price_violation, v.price_check))
    with open(truth / "customer_profiles.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(("customer_code", "manager", "profile", "status", "joined_on",
                      "orders_end", "license_expiry"))
        for c in customers:
            out.writerow((c.code, c.manager, c.profile, c.status, c.joined_on.isoformat(),
                          c.ends_on.isoformat() if c.ends_on else "",
                          c.license_expiry.isoformat() if c.license_expiry else ""))


MAPPING_EXAMPLE = """\
# 列名映射示例 / column mapping example
#
#   cmgr import orders sample_data/orders_2026-11.xlsx --mapping sample_data/mapping-example.toml
#
# 2026年11月的订单导出把卷烟名称写成了“卷烟规格名称”，cmgr 不认识这个列名：不加映射时
# 这一列会被忽略（导入结果里会列出被忽略的列），加上这个文件就存入 sku_name。
# Format: "header as it appears in the export" = "canonical field" (see docs/domain.md).
# The same table can live in the configuration file under [mapping].

[mapping]
"卷烟规格名称" = "sku_name"
# Other systems' spellings, for illustration:
"零售户证号" = "license_no"
"要货日期" = "order_date"
"""


# --- settlements, supply limits, targets (issue 14) ----------------------------------------------
# Each from its own random stream, written after everything else: the older files come out
# byte-identical.

SETTLEMENTS_START = dt.date(2026, 9, 1)
SETTLEMENT_HEADER = ("扣款流水号", "客户编码", "客户名称", "订单编号", "订货日期", "应结金额(元)",
                     "扣款状态", "扣款时间", "失败原因")
# The forms the export writes each status in, with how often.
PAID_WORDS = (("扣款成功", 6), ("成功", 3), ("已结算", 1))
FAILED_WORDS = (("扣款失败", 5), ("失败", 2), ("余额不足", 3))
PENDING_WORDS = (("未扣款", 1), ("待扣款", 1))
FAIL_REASONS = (("账户余额不足", 7), ("银行卡已冻结", 1), ("签约账户异常", 1), ("扣款超时", 1))
# Customers who run short of money now and then: a failure is then far likelier.
SHORT_OF_MONEY_SHARE = 0.08


def _pick(rng: random.Random, words: Sequence[tuple[str, int]]) -> str:
    return rng.choices([w for w, _ in words], [n for _, n in words])[0]


def _at(rng: random.Random, day: dt.date) -> str:
    """A deduction time: in the evening of the order day's batch, as the bank reports it."""
    return f"{day.isoformat()} {rng.randint(16, 22):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


def settlement_rows(lines: Sequence[OrderLine], seed: int) -> list[list[object]]:
    """One row per deduction for the 电子结算 customers' orders from SETTLEMENTS_START: the
    first attempt on the order day; a failed one retried a day or two later (mostly paid,
    some failing again); the last days' orders still 未扣款 for a few."""
    rng = random.Random(f"{seed}-settlements")
    orders: dict[str, list[OrderLine]] = {}
    for line in lines:
        if line.order_date >= SETTLEMENTS_START and line.customer.settlement == "电子结算":
            orders.setdefault(line.order_id, []).append(line)
    short = {c.code for c in sorted({ls[0].customer.code: ls[0].customer for ls in orders.values()}
                                      .values(), key=lambda c: c.code)
             if rng.random() < SHORT_OF_MONEY_SHARE}
    rows: list[list[object]] = []
    serial = 0
    for order_id in sorted(orders, key=lambda o: (orders[o][0].order_date, o)):
        items = orders[order_id]
        c, day = items[0].customer, items[0].order_date
        amount = round(sum(x.amount for x in items), 2)
        p_fail = 0.4 if c.code in short else 0.02
        attempt_day = day
        for attempt in range(3):
            serial += 1
            deduction = f"JS{attempt_day:%Y%m%d}{serial:06d}"
            shown_day: object = day if rng.random() < 0.8 else date_slash(day)
            shown_amount: object = amount if rng.random() < 0.9 else with_thousands(amount)
            if (ORDERS_END - day).days <= 1 and attempt == 0 and rng.random() < 0.1:
                rows.append([deduction, c.code, c.name, order_id, shown_day, shown_amount,
                             _pick(rng, PENDING_WORDS), None, None])
                break
            if rng.random() < p_fail:
                word = _pick(rng, FAILED_WORDS)
                reason = None if word == "余额不足" else _pick(rng, FAIL_REASONS)
                rows.append([deduction, c.code, c.name, order_id, shown_day, shown_amount, word,
                             _at(rng, attempt_day), reason])
                attempt_day = _next_workday(attempt_day + dt.timedelta(days=rng.randint(0, 2)))
                if attempt_day > ORDERS_END:
                    break
                continue
            rows.append([deduction, c.code, c.name, order_id, shown_day, shown_amount,
                         _pick(rng, PAID_WORDS), _at(rng, attempt_day), None])
            break
    return rows


def write_settlements(path: Path, lines: Sequence[OrderLine], seed: int) -> int:
    data = settlement_rows(lines, seed)
    n_cols = len(SETTLEMENT_HEADER)
    rows = _title_rows("电子结算扣款明细", n_cols,
                       f"{SETTLEMENTS_START.isoformat()} 至 {ORDERS_END.isoformat()}")
    rows.append(list(SETTLEMENT_HEADER))
    rows += data
    total = round(sum(float(str(r[5]).replace(",", "")) for r in data), 2)
    rows.append(["合计", f"共{len(data)}笔", None, None, None, total, None, None, None])
    with XlsxStreamWriter(path, shared_strings=True) as writer:
        writer.write_sheet("扣款明细", rows, merges=_merge_title(n_cols), n_rows=len(rows),
                           n_cols=n_cols, title_rows=1,
                           col_widths=(20, 15, 28, 18, 12, 12, 10, 20, 14))
    return len(data)


SUPPLY_HEADER = ("卷烟编码", "卷烟名称", "档位", "限量(条)", "开始日期", "结束日期")
SUPPLY_FROM, SUPPLY_TO = dt.date(2026, 11, 23), dt.date(2026, 12, 31)


def write_supply(path: Path, skus: Sequence[Sku], seed: int) -> int:
    """货源投放: the dear and tight cigarettes limited per order by grade band; one limited
    for every grade alike. Bands and dates written the ways such sheets write them."""
    rng = random.Random(f"{seed}-supply")
    tight = sorted(skus, key=lambda s: (-s.wholesale, s.code))[:8]
    rows: list[list[object]] = _title_rows("卷烟货源投放限量表", len(SUPPLY_HEADER),
                                           f"{SUPPLY_FROM.isoformat()} 至 {SUPPLY_TO.isoformat()}")
    rows.append(list(SUPPLY_HEADER))
    bands = (("1-8档", 1), ("9~17档", 2), ("18档以上", 4))
    for i, sku in enumerate(tight):
        start = SUPPLY_FROM if rng.random() < 0.5 else date_cn(SUPPLY_FROM)
        end = SUPPLY_TO if rng.random() < 0.5 else date_slash(SUPPLY_TO)
        name = fullwidth_brackets(sku.name) if rng.random() < 0.3 else sku.name
        if i == len(tight) - 1:
            rows.append([sku.code, name, "全部", rng.choice((2, 3)), start, end])
            continue
        base = rng.choice((1, 2, 3))
        for band, factor in bands:
            rows.append([sku.code, name, band, base * factor, start, end])
    rows.append(["合计", f"共{len(rows) - 3}条"] + [None] * (len(SUPPLY_HEADER) - 2))
    with XlsxStreamWriter(path, shared_strings=True) as writer:
        writer.write_sheet("投放限量", rows, merges=_merge_title(len(SUPPLY_HEADER)),
                           n_rows=len(rows), n_cols=len(SUPPLY_HEADER), title_rows=1,
                           col_widths=(16, 22, 10, 10, 14, 14))
    return len(rows) - 4


TARGET_HEADER = ("客户经理", "考核月份", "销量目标(箱)")


def write_targets(path: Path, lines: Sequence[OrderLine], customers: Sequence[Customer],
                  seed: int) -> int:
    """2026's monthly targets per manager in 箱: near last year's sales of the same month
    grown a little (as plans are set), months written three ways, some targets as text."""
    rng = random.Random(f"{seed}-targets")
    by_month: dict[tuple[str, int], float] = {}
    for line in lines:
        if line.order_date.year == 2025:
            key = (line.customer.manager, line.order_date.month)
            by_month[key] = by_month.get(key, 0.0) + line.qty
    managers = sorted({c.manager for c in customers})
    rows: list[list[object]] = _title_rows("2026年度客户经理月度销量目标", len(TARGET_HEADER))
    rows.append(list(TARGET_HEADER))
    for manager in managers:
        for month in range(1, 13):
            cases = by_month.get((manager, month), 0.0) / 250 * rng.uniform(1.0, 1.08)
            target: object = max(0.5, round(cases * 2) / 2)
            label: object = rng.choice((f"2026年{month}月", f"2026-{month:02d}", f"2026{month:02d}"))
            if rng.random() < 0.2:
                target = f"{target:.1f}"
            rows.append([manager, label, target])
    rows.append(["合计", None, None])
    with XlsxStreamWriter(path, shared_strings=True) as writer:
        writer.write_sheet("销量目标", rows, merges=_merge_title(len(TARGET_HEADER)),
                           n_rows=len(rows), n_cols=len(TARGET_HEADER), title_rows=1,
                           col_widths=(12, 14, 14))
    return len(rows) - 4


# --- the whole sample --------------------------------------------------------------------------


def generate(out_dir: Path, *, n_customers: int = 250, n_months: int = MAX_MONTHS,
             seed: int = DEFAULT_SEED) -> dict[str, object]:
    """Write every sample file into `out_dir`; returns counts for the report."""
    out_dir.mkdir(parents=True, exist_ok=True)
    months = months_back(n_months)
    first_day = month_start(*months[0])
    skus = build_catalogue(seed)
    customers = build_customers(n_customers, skus, seed, first_day=ROSTER_EPOCH)
    lines = generate_orders(customers, first_day, ORDERS_END, seed)
    visits_start = max(VISITS_START, first_day)
    visits = generate_visits(customers, skus, visits_start, VISITS_END, seed)

    write_customers(out_dir / "customers.xlsx", customers, seed)
    write_prices(out_dir / "prices.xlsx", skus, seed)
    by_month: dict[tuple[int, int], list[OrderLine]] = {}
    for line in lines:
        by_month.setdefault((line.order_date.year, line.order_date.month), []).append(line)
    files = []
    wanted = set(months)
    for spec in ORDER_FILES:
        spec_months = tuple(m for m in spec.months if m in wanted)
        if not spec_months:
            continue
        spec_lines = [line for m in spec_months for line in by_month.get(m, [])]
        write_order_file(out_dir / spec.name, spec, spec_lines, seed)
        files.append((spec.name, len(spec_lines)))
    write_visits(out_dir / "visits.xlsx", visits)
    write_truth(out_dir, customers, visits)
    (out_dir / "mapping-example.toml").write_text(MAPPING_EXAMPLE, encoding="utf-8")
    n_settlements = write_settlements(out_dir / "settlements_2026-09_11.xlsx", lines, seed)
    n_supply = write_supply(out_dir / "supply_limits.xlsx", skus, seed)
    n_targets = write_targets(out_dir / "targets_2026.xlsx", lines, customers, seed)
    return {"settlements": n_settlements, "supply_limits": n_supply, "targets": n_targets,"customers": len(customers), "skus": len(skus), "order_lines": len(lines),
            "order_files": files, "visits": len(visits),
            "price_violation_notes": sum(v.price_violation for v in visits),
            "unlicensed_notes": sum(v.unlicensed for v in visits)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="output directory (default: sample_data/)")
    parser.add_argument("--customers", type=int, default=250, help="number of retailers")
    parser.add_argument("--months", type=int, default=MAX_MONTHS,
                        help=f"months of orders, ending 2026-11 (1-{MAX_MONTHS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if not 1 <= args.months <= MAX_MONTHS:
        parser.error(f"--months must be between 1 and {MAX_MONTHS}")
    if args.customers < 20:
        parser.error("--customers must be at least 20")
    started = time.perf_counter()
    summary = generate(args.out, n_customers=args.customers, n_months=args.months, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(f"wrote {args.out} in {elapsed:.1f} s: {summary['customers']} customers, "
          f"{summary['skus']} specs, {summary['order_lines']} order lines, "
          f"{summary['visits']} visits ({summary['price_violation_notes']} price violations, "
          f"{summary['unlicensed_notes']} unlicensed in the notes)")
    for name, count in summary["order_files"]:
        print(f"  {name}: {count} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
