"""Canonical fields, the headers real exports use for them, and what each import kind needs.

Pure data: the importer reads it, and users extend it with `--mapping FILE` or the `[mapping]`
section (hledger-rules style: header -> field). The canonical fields themselves, with the kind
of value each holds, are domain words: cmgr.domain.FIELD_TYPES (config validates against them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# The headers exports use (docs/domain.md, "Canonical fields"), plus the forms seen with units in brackets. Matching ignores case,
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
    "amount": ("金额", "订单金额", "金额元", "应结金额", "应扣金额", "结算金额", "扣款金额",
               "应付金额"),
    "visit_id": ("访问编号", "走访编号", "记录编号"),
    "visit_date": ("访问日期", "走访日期", "拜访日期"),
    "visit_type": ("访问类型", "走访类型"),
    "notes": ("访问内容", "备注", "走访记录", "走访内容"),
    "checked_sku": ("检查品规", "检查卷烟"),
    "observed_price": ("实际零售价", "实际售价"),
    "retail_guide_price": ("零售指导价", "建议零售价", "零售价"),
    "min_retail_price": ("最低零售价", "最低限价"),
    "deduction_id": ("扣款流水号", "流水号", "交易流水号", "结算流水号", "扣款编号"),
    "settle_status": ("扣款状态", "结算状态", "电结状态", "扣款结果", "支付状态", "电子结算状态"),
    "settled_at": ("扣款时间", "结算时间", "扣款日期", "电结时间", "支付时间", "结算日期"),
    "fail_reason": ("失败原因", "扣款失败原因", "原因", "备注说明"),
    "grade_band": ("档位段", "档位范围", "适用档位", "投放档位", "客户档位段"),
    "limit_qty": ("限量", "投放量", "限购量", "每户限量", "单户限量", "投放限量", "限购数量"),
    "valid_from": ("开始日期", "起始日期", "投放开始日期", "生效日期", "执行开始日期"),
    "valid_to": ("结束日期", "截止日期", "投放结束日期", "失效日期", "执行结束日期"),
    "month": ("月份", "考核月份", "目标月份", "计划月份", "年月", "统计月份"),
    "target_cases": ("销量目标", "目标销量", "销售计划", "计划销量", "销量计划", "月度目标",
                     "目标", "计划", "任务量", "销量任务"),
    "survey_round": ("调查轮次", "测评轮次", "调查批次", "轮次", "期次", "调查期次"),
    "survey_date": ("调查日期", "测评日期", "调查时间", "回访日期"),
    "survey_item": ("调查项目", "测评项目", "满意度项目", "评价项目", "指标", "项目"),
    "score": ("得分", "分数", "评分", "满意度得分"),
    "level": ("满意度", "评价", "满意程度", "评价等级", "等级"),
}

# Units a header may carry: "订购量（件）" is counted in 件, "订购量（箱）" in 箱.
_UNIT_FIELDS = {("qty", "件"): "qty_jian", ("qty", "箱"): "qty_xiang"}
# (How many 条 a 件 or a 箱 holds: cmgr.domain.)

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
    # A header's usual field read as another one in this kind: a supply sheet's 档位 holds
    # grade bands ("1-8档"), a settlement export's 状态 is the deduction's.
    renames: tuple[tuple[str, str], ...] = ()
    # A row needs at least one of these (the kind's key is made of whichever it has).
    key_any: tuple[str, ...] = ()


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
    "settlements": Kind(
        "settlements", "电子结算明细",
        (("customer_code",), ("settle_status",), ("order_id", "order_date", "deduction_id")),
        ("customer_code", "settle_status"),
        # No customer_name: the roster has it, and reading a million names costs ~2 s.
        ("deduction_id", "order_id", "order_date", "customer_code", "amount", "settle_status",
         "settled_at", "fail_reason"),
        renames=(("status", "settle_status"),),
        key_any=("deduction_id", "order_id", "order_date")),
    "supply": Kind(
        "supply", "货源投放限量", (("sku_code",), ("limit_qty",)),
        ("sku_code", "limit_qty", "grade_band"),  # a band column's cell may not be empty
        ("sku_code", "sku_name", "grade_band", "limit_qty", "valid_from", "valid_to"),
        renames=(("grade", "grade_band"),)),
    "targets": Kind(
        "targets", "月度销量目标", (("manager",), ("month",), ("target_cases",)),
        ("manager", "month", "target_cases"), ("manager", "month", "target_cases")),
    "survey": Kind(
        "survey", "满意度调查结果",
        (("customer_code",), ("survey_item",), ("score", "level"), ("survey_round", "survey_date")),
        ("customer_code", "survey_item"),
        ("survey_round", "survey_date", "customer_code", "customer_name", "survey_item", "score",
         "level")),
}
