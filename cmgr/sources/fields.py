"""Canonical fields, the headers real exports use for them, and what each import kind needs.

Pure data: the importer reads it, `config.py` validates `[mapping]` against it, and users extend
it with `--mapping FILE` or the `[mapping]` section (hledger-rules style: header -> field).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# field -> parser name (see cmgr.sources.cells) used when importing
FIELD_TYPES: dict[str, str] = {
    "customer_code": "code",
    "customer_name": "text",
    "license_no": "code",
    "license_expiry": "date",
    "address": "text",
    "phone": "code",
    "grade": "grade",
    "manager": "text",
    "route": "text",
    "lon": "number",
    "lat": "number",
    "joined_on": "date",
    "status": "text",
    "settlement": "text",
    "business_type": "text",
    "visit_weekdays": "weekdays",
    "order_id": "code",
    "order_date": "date",
    "sku_code": "code",
    "sku_name": "text",
    "wholesale_price": "number",
    "qty": "number",
    "qty_jian": "number",
    "qty_xiang": "number",
    "amount": "number",
    "visit_id": "code",
    "visit_date": "date",
    "visit_type": "text",
    "notes": "text",
    "checked_sku": "text",
    "observed_price": "price",
    "retail_guide_price": "number",
    "min_retail_price": "number",
    "survey_round": "text",
    "survey_date": "date",
    "survey_item": "text",
    "score": "number",
    "level": "text",
}
CANONICAL_FIELDS = tuple(FIELD_TYPES)

# The headers of DOMAIN.md, plus the forms seen with units in brackets. Matching ignores case,
# spaces, full-width forms and a trailing unit in brackets: "金额（元）" == "金额".
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_code": ("客户编码", "客户代码", "客户编号", "零售户编码", "零售户代码", "零售户编号"),
    "customer_name": ("客户名称", "零售户名称", "商户名称", "店名", "店铺名称"),
    "license_no": ("许可证号", "专卖许可证号", "许可证编号", "烟草专卖零售许可证号"),
    "license_expiry": ("许可证有效期", "有效期至", "许可证有效期至", "有效期"),
    "address": ("经营地址", "地址", "店铺地址"),
    "phone": ("联系电话", "电话", "手机", "手机号", "联系方式"),
    "grade": ("档位", "客户档位"),
    "manager": ("客户经理",),
    "visit_weekdays": ("访销日", "访销星期", "拜访日"),
    "route": ("线路", "送货线路", "访销线路"),
    "lon": ("经度",),
    "lat": ("纬度",),
    "joined_on": ("入网日期", "入网时间"),
    "status": ("状态", "经营状态", "客户状态"),
    "settlement": ("结算方式",),
    "business_type": ("业态", "经营业态"),
    "order_id": ("订单编号", "订单号"),
    "order_date": ("订货日期", "订单日期", "订购日期"),
    "sku_code": ("卷烟编码", "商品编码", "品规编码", "卷烟代码"),
    "sku_name": ("卷烟名称", "品规", "规格", "商品名称", "品规名称"),
    "wholesale_price": ("批发价", "单价", "批发价格"),
    "qty": ("订购量", "订货量", "数量", "销量"),
    "qty_jian": ("订购量件", "数量件", "件数"),
    "qty_xiang": ("订购量箱", "数量箱", "箱数"),
    "amount": ("金额", "订单金额", "金额元"),
    "visit_id": ("访问编号", "走访编号", "记录编号"),
    "visit_date": ("访问日期", "走访日期", "拜访日期"),
    "visit_type": ("访问类型", "走访类型"),
    "notes": ("访问内容", "备注", "走访记录", "走访内容"),
    "checked_sku": ("检查品规", "检查卷烟"),
    "observed_price": ("实际零售价", "实际售价"),
    "retail_guide_price": ("零售指导价", "建议零售价", "零售价"),
    "min_retail_price": ("最低零售价", "最低限价"),
    "survey_round": ("调查轮次", "测评轮次", "调查批次", "轮次", "期次", "调查期次"),
    "survey_date": ("调查日期", "测评日期", "调查时间", "回访日期"),
    "survey_item": ("调查项目", "测评项目", "满意度项目", "评价项目", "指标", "项目"),
    "score": ("得分", "分数", "评分", "满意度得分"),
    "level": ("满意度", "评价", "满意程度", "评价等级", "等级"),
}

# Units a header may carry: "订购量（件）" is counted in 件, "订购量（箱）" in 箱.
_UNIT_FIELDS = {("qty", "件"): "qty_jian", ("qty", "箱"): "qty_xiang"}
CARTONS_PER_JIAN = 50  # 件: shipping carton, commonly 50 条
CARTONS_PER_CASE = 250  # 箱 = 250 条
PACKS_PER_CARTON = 10  # 条 = 10 包

_BRACKETED_UNIT = re.compile(r"[(\[]([^()\[\]]*)[)\]]$")


def normalise_header(text: object) -> tuple[str, str | None]:
    """(header without spaces, full-width forms and a bracketed unit; the unit or None)."""
    s = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    s = re.sub(r"\s+", "", s).replace("*", "")
    unit = None
    m = _BRACKETED_UNIT.search(s)
    if m:
        unit = m.group(1).replace("/", "")
        s = s[: m.start()]
    return s, unit


_ALIAS_INDEX: dict[str, str] = {}
for _field, _aliases in HEADER_ALIASES.items():
    _ALIAS_INDEX[_field] = _field
    for _alias in _aliases:
        _ALIAS_INDEX[normalise_header(_alias)[0]] = _field


def field_for_header(header: object, extra: dict[str, str] | None = None) -> str | None:
    """The canonical field a header means, or None. `extra` (user mapping) wins."""
    raw = str(header or "").strip()
    if extra:
        if raw in extra:
            return extra[raw]
        norm_extra = {normalise_header(k)[0]: v for k, v in extra.items()}
    else:
        norm_extra = {}
    name, unit = normalise_header(raw)
    if not name:
        return None
    fieldname = norm_extra.get(name) or _ALIAS_INDEX.get(name)
    if fieldname == "qty" and unit:
        for (base, u), target in _UNIT_FIELDS.items():
            if base == "qty" and u in unit and "条" not in unit:
                return target
    return fieldname


@dataclass(frozen=True)
class Kind:
    """What one import kind stores, and which fields a row cannot do without."""

    name: str
    label: str  # Chinese, for messages
    required_columns: tuple[tuple[str, ...], ...]  # each inner tuple: any one of these fields
    key_fields: tuple[str, ...]  # a row missing any of these is rejected
    fields: tuple[str, ...]  # fields stored (others are reported as ignored)


KINDS: dict[str, Kind] = {
    "customers": Kind(
        "customers", "客户信息", (("customer_code",),), ("customer_code",),
        ("customer_code", "customer_name", "license_no", "license_expiry", "address", "phone",
         "grade", "manager", "route", "visit_weekdays", "lon", "lat", "joined_on", "status",
         "settlement", "business_type")),
    "orders": Kind(
        "orders", "订单明细",
        (("order_date",), ("customer_code",), ("sku_code",), ("qty", "qty_jian", "qty_xiang")),
        ("order_date", "customer_code", "sku_code", "qty"),
        ("order_id", "order_date", "customer_code", "sku_code", "sku_name", "wholesale_price",
         "qty", "qty_jian", "qty_xiang", "amount")),
    "visits": Kind(
        "visits", "访问记录", (("visit_date",), ("customer_code",)),
        ("visit_date", "customer_code"),
        ("visit_id", "visit_date", "customer_code", "customer_name", "manager", "visit_type",
         "notes", "checked_sku", "observed_price")),
    "prices": Kind(
        "prices", "价格表", (("sku_code",),), ("sku_code",),
        ("sku_code", "sku_name", "wholesale_price", "retail_guide_price", "min_retail_price")),
    "survey": Kind(
        "survey", "满意度调查结果",
        (("customer_code",), ("survey_item",), ("score", "level"), ("survey_round", "survey_date")),
        ("customer_code", "survey_item"),
        ("survey_round", "survey_date", "customer_code", "customer_name", "survey_item", "score",
         "level")),
}
