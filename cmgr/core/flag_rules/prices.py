"""Prices: numbers written in a note compared with each other, and the structured price check."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from cmgr.core.flag_rules.segment import _Candidate, _Context
from cmgr.domain import parse_numeral as _number

if TYPE_CHECKING:
    from cmgr.core.flag_rules.lexicon import Lexicon

# 廿 (20) and 卅 (30) are how Cantonese and Minnan writers say the tens (廿五 = 25).
_CN_NUMERALS = "零〇一二两三四五六七八九十百千廿卅"
_NUMBER_RE = re.compile(rf"[\d{_CN_NUMERALS}]")
_TENS = str.maketrans({"廿": "二十", "卅": "三十"})
# Words between a price's label and its number (批发价都要395, 进价都140, 卖的七十一包).
_LINKS = ("还是|仍是|仍为|应该是|本来是|都要|也要|就要|都得|都是|就是|也是|都|也|要|是|为|:|应为|只有|"
          "只要|才|约|大约|大概|在|到|了|高达")
# The 角 after a 块 (二十三块五 = 23.5, 25块5), unless it is a count of packs (25块一包, 25块三包).
_JIAO = r"(?:(?P<jiao>[一二三四五六七八九]|\d)(?![\d.十百千万条包盒])\s*(?:毛|角)?)?"
# A price written without a label: 280元/条, 160一条, ¥65, 30块, 二十三块五一包.
_BARE_PRICE_RE = re.compile(
    rf"(?<![\d.{_CN_NUMERALS}])(?:¥\s*)?(?P<num>\d+(?:\.\d+)?|[{_CN_NUMERALS}]+?(?=[元块]))\s*"
    rf"(?:(?P<unit>元|块){_JIAO}\s*(?:(?P<sep>/|每|一)\s*(?P<per>条|包|盒))?"
    r"|(?P<sep2>/|一|每)\s*(?P<per2>条|包|盒)(?![烟中玉利芙南云黄红白双真娇七万苏钻])"
    r"|(?<=\d)(?=的))")


def _labelled_number_pattern(label_re: str) -> str:
    """A price after its label (指导价65, 卖七十一包, 收我廿五, 标二十三块五): the label's
    group names which price it is (guide / minimum / tag / sold)."""
    return ("(?:" + label_re + ")"
            rf"(?:{_LINKS})?\s*"
            # the unit written before the number (指导价一条二百一, 卖每包25, 批发价一包都要21.5)
            rf"(?:(?P<sep0>一|每)\s*(?P<per0>条|包|盒)\s*(?:{_LINKS})?\s*)?(?:¥|rmb)?\s*"
            # digits, or a number in Chinese (四十五, 六百五); "五十一包" is 五十 + 一包 (per 包),
            # not 五十一
            r"(?P<num>\d+(?:\.\d+)?(?!\d)"
            f"|[{_CN_NUMERALS}]+?(?=一\\s*[条包盒]|(?![{_CN_NUMERALS}])))"
            r"(?!\s*(?:个|张|款|种|家|户|次|天|%|年|月|号|日|人|名|位|小时|分钟|岁|点))"
            # 四百多: more than 400 (批发都要四百多), not a count of 多收/多要
            r"(?P<more>多(?![收要卖了出加少]))?"
            rf"\s*(?:(?P<unit>元|块|¥){_JIAO})?\s*(?P<sep>/|每|一)?\s*(?P<per>条|包|盒|支|箱|件)?")


def _price_value(m: re.Match[str]) -> float | None:
    """The number of a matched price, its 角 included (二十三块五 -> 23.5, 廿五 -> 25)."""
    number = _number(m.group("num").translate(_TENS))
    if number is None:
        return None
    jiao = m.group("jiao")
    if jiao:
        number += int(jiao) / 10 if jiao.isdigit() else _number(jiao) / 10
    if m.groupdict().get("more"):
        number += _MORE  # 四百多: above 400, by an amount the note does not give
    return number


# What "多" after a round number adds: just above it, so 卖400 against 批发四百多 is below it.
# It is a lower bound only, so only a minimum price written so is compared (_sentence_values).
_MORE = 0.01


# "65一包的中华": a price said of the product, read as its tag (anchors the numeric check).
_BARE_TAG_ANCHORS = frozenset({"包的", "条的", "盒的", "元的", "块的"})


def _bare_prices(ctx: _Context, s_start: int, s_end: int, taken: list[tuple[int, int]],
                 reference_after: re.Pattern[str] | None):
    """Unlabelled prices in a sentence that its words make a sold price or a tag.

    Right before a guide or minimum price ("280元/条(指导价250)") it is the price charged;
    followed by 的 and a product ("¥65一包的软中华") it is the product's price (its tag).
    Yields (group, value, unit, start, end).
    """
    text = ctx.text
    for m in _BARE_PRICE_RE.finditer(text, s_start, s_end):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        per = m.group("per") or m.group("per2")
        has_unit = m.group("unit") or per
        if not has_unit and not text.startswith("¥", m.start()):
            continue
        unit = "包" if per in ("包", "盒") else ("条" if per else None)
        value = _price_value(m)
        if value is None:
            continue
        if reference_after is not None and reference_after.match(text, m.end(), s_end):
            yield "sold", value, unit, m.start(), m.end()
        elif text.startswith("的", m.end()) and not re.match(r"的\s*\d", text[m.end():m.end() + 3]):
            yield "tag", value, unit, m.start(), m.end()


_CHECKS = (("sold", "guide", "above_guide", lambda s, r: s > r + 1e-9),
           ("tag", "guide", "above_guide", lambda s, r: s > r + 1e-9),
           ("sold", "minimum", "below_minimum", lambda s, r: s < r - 1e-9),
           ("tag", "minimum", "below_minimum", lambda s, r: s < r - 1e-9),
           ("sold", "tag", "inconsistent_price", lambda s, r: abs(s - r) > 1e-9))
_LABELS = {"guide": "指导价", "minimum": "最低价/批发价", "tag": "标价"}

_Values = dict[str, list[tuple[float, str | None, int, int]]]


def _sentence_values(lex: Lexicon, ctx: _Context, s_start: int, s_end: int) -> _Values:
    """The prices written in one sentence, by group (guide / minimum / tag / sold)."""
    num = lex.numeric
    values: _Values = {"guide": [], "minimum": [], "tag": [], "sold": []}
    for m in num.regex.finditer(ctx.text, s_start, s_end):
        group = next(g for g in values if m.groupdict().get(g) is not None)
        per = m.group("per") or m.group("per0")
        if per and not (m.group("unit") or m.group("sep") or m.group("per0")):
            continue  # "卖了3条": a quantity, not a price
        if per in ("支", "箱", "件"):
            continue
        unit = "包" if per in ("包", "盒") else ("条" if per else None)
        number = _price_value(m)
        if number is None:
            continue  # not a numeral (百 alone, 十百): nothing to compare
        if m.group("more") and group != "minimum":
            continue  # 卖四十多: no upper bound, nothing safe to compare
        values[group].append((number, unit, m.start(), m.end()))
    taken = [(v[2], v[3]) for vs in values.values() for v in vs]
    for group, value, unit, start, end in _bare_prices(ctx, s_start, s_end, taken,
                                                      num.reference_after):
        values[group].append((value, unit, start, end))
    return values


def _numeric_candidates(lex: Lexicon, ctx: _Context) -> list[_Candidate]:
    num = lex.numeric
    if num.regex is None:
        return []
    found: list[_Candidate] = []
    by_sentence: dict[int, _Values] = {}
    for i in range(len(ctx.sent_starts)):
        s_start, s_end = ctx.sent_starts[i], ctx.sent_ends[i]
        if _NUMBER_RE.search(ctx.text, s_start, s_end):
            by_sentence[i] = _sentence_values(lex, ctx, s_start, s_end)
    for i, values in by_sentence.items():
        for observed_group, group, subkind, broken in _CHECKS:
            for ref in values[group]:
                # A reference price goes with the observed price written nearest to it
                # ("隔壁卖450, 店里卖630, 批发价600": 600 is compared with 630), among those
                # of its order of size (prices twice as far apart or more are per 包 vs per
                # 条, or not prices: "标190, 单包卖20, 算下来一条200" compares 190 with 200).
                where, comparable = i, _comparable_to(values[observed_group], ref)
                if group != "tag" and not values["sold"] and not values["tag"]:
                    # A long note tells the price and the guide price in two sentences
                    # (软中华卖到了七十五一包。……指导价就是六十五。): a guide or minimum price
                    # in a sentence with no price charged or tagged goes with the sentence
                    # before, or else the one after; failing those, a guide price goes with a
                    # sentence further away that names the same brand (or none) when the
                    # guide's names one (a minimum price far away is the shop's margin talk
                    # more often than a comparison).
                    where, comparable = _elsewhere(lex, ctx, by_sentence, i, observed_group,
                                                   ref, far=group == "guide")
                elif group == "tag" and not values["sold"]:
                    # The tag and the price charged as two numbered items (1. 价签中华45
                    # 2. 实收50): the sentence after, else before, of the same brand or none,
                    # when it says what was charged (实收, 收, 结账), not what is sold.
                    where, comparable = _elsewhere(lex, ctx, by_sentence, i, observed_group,
                                                   ref, far=False, same_brand=True)
                    comparable = [c for c in comparable if _CHARGED.match(ctx.text, c[2])]
                    if where != i and by_sentence[where]["tag"]:
                        # That sentence has a tag of its own (标八十的。价签换了65，收65): the
                        # charge there goes with it, not with this one.
                        comparable = []
                if (comparable and group == "tag" and subkind == "inconsistent_price"
                        and any(abs(g[0] - c[0]) <= 1e-9 and g[1] == c[1]
                                for g in by_sentence[where]["guide"] for c in comparable)):
                    # The tag is off the guide price and the price charged is the guide
                    # (标的18，指导价16，现在按16卖): the tag's own comparison with the guide
                    # tells it; the charge is right.
                    continue
                if comparable:
                    cand = _compared(num, ctx, ref, comparable, where, observed_group, group,
                                     subkind, broken)
                    if cand is not None:
                        found.append(cand)
        found.extend(_tag_pairs(num, ctx, values["tag"], i))
        found.extend(_carton_and_pack(num, ctx, i))
    return found


# round 15 (price_violation): one product priced by the carton and, split, by the pack
# (整条按200卖，拆开单包卖22; 条价四百五 拆开一包卖五十): ten packs dearer than the carton is one
# product at two prices.
_CARTON_PRICE = re.compile(
    rf"(?:整条(?:价)?|条价|按条)(?:卖|要|收|是|按|都是)*\s*(?P<num>\d+(?:\.\d+)?|[{_CN_NUMERALS}]+)")
_PACK_PRICE = re.compile(
    r"(?:拆开|拆零|拆包|拆散|单包|散包|按包)(?:卖)?(?:一包|一盒|单包|每包)?(?:卖|要|收|是|按)*"
    rf"\s*(?P<num>\d+(?:\.\d+)?|[{_CN_NUMERALS}]+)")


def _leading_number(text: str) -> float | None:
    """The number at the start of `text`: its longest prefix that reads as one (五十十包 -> 50:
    the spaces between Chinese words are gone, so a count may run on after the price)."""
    for end in range(len(text), 0, -1):
        number = _number(text[:end].translate(_TENS))
        if number is not None:
            return number
    return None


def _carton_and_pack(num, ctx: _Context, sentence: int) -> list[_Candidate]:
    s_start, s_end = ctx.sent_starts[sentence], ctx.sent_ends[sentence]
    text = ctx.text
    if "包" not in text[s_start:s_end] or "条" not in text[s_start:s_end]:
        return []
    carton = _CARTON_PRICE.search(text, s_start, s_end)
    pack = _PACK_PRICE.search(text, s_start, s_end)
    if carton is None or pack is None:
        return []
    c_val, p_val = _leading_number(carton.group("num")), _leading_number(pack.group("num"))
    if not c_val or not p_val or not c_val < p_val * 10 <= c_val * 2:
        return []
    first, last = min(carton.start(), pack.start()), max(carton.end(), pack.end())
    span_start, span_end = ctx.clause_of(first)[0], ctx.clause_of(last - 1)[1]
    if num.normal is not None and num.normal.search(text, span_start, span_end):
        return []
    return [_Candidate(
        "price", "inconsistent_price",
        f"price.inconsistent_price: 单包{p_val:g}与整条{c_val:g}比较(数值规则)",
        first, last, sentence)]


def _elsewhere(lex: Lexicon, ctx: _Context, by_sentence: dict[int, _Values], i: int,
               observed_group: str, ref, *, far: bool, same_brand: bool = False):
    """(sentence, comparable observed prices) for a reference price of sentence `i` whose own
    sentence has none: the sentence before, else after; with `far`, then the nearest further
    one. Away from the next sentences (or with `same_brand`), a sentence naming a brand
    other than the reference's does not count."""
    ref_brands = _brands(lex, ctx, i)
    if same_brand:  # numbered items: pass over the item numbers standing as sentences
        before, after = _neighbour(ctx, i, -1), _neighbour(ctx, i, 1)
        order = [after, before]
    else:
        before, after = i - 1, i + 1
        order = [before, after]
    if far:
        order += sorted((j for j in by_sentence if j not in order and j != i),
                        key=lambda j: abs(j - i))
    for where in order:
        near = by_sentence.get(where)
        comparable = _comparable_to(near[observed_group], ref) if near else []
        if comparable and (same_brand or where not in (before, after)):
            brands = _brands(lex, ctx, where)
            if ref_brands and brands and not ref_brands & brands:
                continue
            if same_brand and len(brands) > 1:
                continue
        if comparable:
            return where, comparable
    return i, []


def _neighbour(ctx: _Context, i: int, step: int) -> int:
    """The sentence before (step -1) or after (+1) sentence `i`, passing over the bare item
    numbers of a list written one item a line ("1.", "2." end up as sentences of their own)."""
    j = i + step
    while 0 <= j < len(ctx.sent_starts) and _ITEM_NUMBER.fullmatch(ctx.sentence_text(j)):
        j += step
    return j


_ITEM_NUMBER = re.compile(r"\s*\d{0,2}\s*")

# The label of a price charged (实收50, 收了52, 结账时52, 收银显示52, 扫码出来52, 系统里是52).
_CHARGED = re.compile(r"(?:实际)?(?:实收|收|结账|收银|扫码|扫出|系统|pos|charged)", re.IGNORECASE)

# Cigarette words that name no brand (the cue list `cigarette` holds both).
_GENERIC_CIG = frozenset({"烟", "卷烟", "香烟", "烟草", "cig", "cigs", "cigarette", "cigarettes",
                          "tobacco"})


def _brands(lex: Lexicon, ctx: _Context, sentence: int) -> set[str]:
    cue = lex.cues.get("cigarette")
    if cue is None:
        return set()
    found = {m.group().lower() for m in cue.finditer(ctx.text, ctx.sent_starts[sentence],
                                                     ctx.sent_ends[sentence])}
    return found - _GENERIC_CIG


def _comparable_to(observed, ref):
    value, unit = ref[0], ref[1]
    return [v for v in observed if _comparable(v[0], v[1], value, unit)]


def _compared(num, ctx: _Context, ref, comparable, sentence: int, observed_group: str,
              group: str, subkind: str, broken) -> _Candidate | None:
    """The observed price nearest to a reference price, compared with it: a candidate when
    the comparison shows the problem and the writer does not call the price fine."""
    ref_value, r_unit, ref_start, ref_end = ref
    sold, s_unit, start, end = min(comparable, key=lambda v: abs(v[2] - ref_start))
    s_val = _per_carton(sold, s_unit, r_unit)
    r_val = _per_carton(ref_value, r_unit, s_unit)
    first, last = min(start, ref_start), max(end, ref_end)
    span_start, span_end = ctx.clause_of(first)[0], ctx.clause_of(last - 1)[1]
    ref_sentence = ctx.sentence_of(ref_start)
    if sentence != ref_sentence:
        # In two sentences: the clause of the price and the whole sentence of the guide
        # price say whether it is fine.
        span_start, span_end = ctx.clause_of(start)[0], ctx.clause_of(end - 1)[1]
        if num.normal is not None and num.normal.search(
                ctx.text, ctx.sent_starts[ref_sentence], ctx.sent_ends[ref_sentence]):
            return None
    if num.normal is not None and any(
            not _in_quotes(ctx.text, m.start(), m.end())
            for m in num.normal.finditer(ctx.text, span_start, span_end)):
        return None  # "..., 未见异常": the writer says the price is fine
    if not broken(s_val, r_val):
        return None
    what = "标价" if observed_group == "tag" else "售价"
    return _Candidate(
        "price", subkind,
        f"price.{subkind}: {what}{sold:g}与{_LABELS[group]}{ref_value:g}比较(数值规则)",
        start, end, sentence)


def _tag_pairs(num, ctx: _Context, tags, sentence: int) -> list[_Candidate]:
    """Two different tag prices in a row with no other product or change of time between
    them (同一款这边标65那边标68): one product with two prices (乱价)."""
    if num.tag_pair_breaks is None:
        return []
    found = []
    tags = sorted(tags, key=lambda v: v[2])
    for (a, a_unit, a_start, a_end), (b, b_unit, b_start, b_end) in pairwise(tags):
        if not _comparable(a, a_unit, b, b_unit):
            continue
        if abs(_per_carton(a, a_unit, b_unit) - _per_carton(b, b_unit, a_unit)) <= 1e-9:
            continue
        if num.tag_pair_breaks.search(ctx.text, a_end, b_start):
            continue
        span_start, span_end = ctx.clause_of(a_start)[0], ctx.clause_of(b_end - 1)[1]
        if num.normal is not None and num.normal.search(ctx.text, span_start, span_end):
            continue
        found.append(_Candidate(
            "price", "inconsistent_price",
            f"price.inconsistent_price: 标价{a:g}与标价{b:g}比较(数值规则)",
            a_start, b_end, sentence))
    return found


def _comparable(sold: float, s_unit: str | None, ref: float, r_unit: str | None) -> bool:
    s_val, r_val = _per_carton(sold, s_unit, r_unit), _per_carton(ref, r_unit, s_unit)
    return r_val > 0 and 0.5 <= s_val / r_val <= 2.0


_OPEN_QUOTES, _CLOSE_QUOTES = "\"“「『'‘", "\"”」』'’"


def _in_quotes(text: str, start: int, end: int) -> bool:
    """Praise in quotes is irony (价格"非常规范"：...): it does not say the price is fine."""
    before, after = text[max(0, start - 4):start], text[end:end + 3]
    return any(q in before for q in _OPEN_QUOTES) and any(q in after for q in _CLOSE_QUOTES)


def _per_carton(value: float, unit: str | None, other_unit: str | None) -> float:
    # With one side per 包 and the other per 条, compare per 条 (1 条 = 10 包).
    if unit == "包" and other_unit != "包":
        return value * 10 if other_unit == "条" else value
    return value

# ---------------------------------------------------------------------------
# Structured price check

_PRICE_RE = re.compile(
    r"^(?:rmb|cny|¥|\$)?\s*(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*"
    r"(?:元|块|圆|rmb|cny)?\s*(?:(?:/|每|一)\s*(?P<per>条|包|盒))?$",
    re.IGNORECASE)


def parse_price(value) -> float | None:
    """A price per 条 from a cell: "２３元/条", "23.5元", "¥23", 23, "1,200" -> float.

    None for an empty cell; ValueError for anything that is not a price. A price given per
    包/盒 is converted to per 条 (1 条 = 10 包).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a price: {value!r}")
    if isinstance(value, int | float):
        number = float(value)
        if number != number:  # NaN: an empty spreadsheet cell
            return None
        if number < 0 or number == float("inf"):
            raise ValueError(f"not a price: {value!r}")
        return number
    if not isinstance(value, str):
        try:
            number = float(value)  # Decimal, numpy scalars
        except (TypeError, ValueError):
            raise ValueError(f"not a price: {value!r}") from None
        return parse_price(number)
    text = unicodedata.normalize("NFKC", value).strip()
    if not text or text.lower() in ("nan", "none", "null"):
        return None
    m = _PRICE_RE.match(text.replace(" ", ""))
    if not m:
        raise ValueError(f"not a price: {value!r}")
    number = float(m.group("num").replace(",", ""))
    if number < 0:
        raise ValueError(f"not a price (negative): {value!r}")
    if m.group("per") in ("包", "盒"):
        number *= 10
    return number


@dataclass(frozen=True)
class PriceCheck:
    """An observed retail price outside the compliant band."""

    subkind: str  # "above_guide" | "below_minimum"
    observed: float
    reference: float
    deviation: float  # observed - reference, 元
    deviation_pct: float  # percent of reference, 2 decimals


def check_observed_price(observed: float, retail_guide: float | None,
                         minimum: float | None) -> PriceCheck | None:
    """Above the retail guide price, or below the minimum price; both bounds are compliant.

    A missing or non-positive bound is not checked.
    """
    obs = round(float(observed), 2)
    if retail_guide is not None and retail_guide > 0 and obs > round(float(retail_guide), 2):
        return _price_check("above_guide", obs, round(float(retail_guide), 2))
    if minimum is not None and minimum > 0 and obs < round(float(minimum), 2):
        return _price_check("below_minimum", obs, round(float(minimum), 2))
    return None


def _price_check(subkind: str, observed: float, reference: float) -> PriceCheck:
    deviation = round(observed - reference, 2)
    return PriceCheck(subkind, observed, reference, deviation, round(deviation / reference * 100, 2))

