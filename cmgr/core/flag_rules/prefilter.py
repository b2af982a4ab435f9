"""Prefilter anchors: literal strings one of which every match of a pattern contains, so most
notes never reach a rule's regex; and a first-character lookahead that makes re skip ahead."""

from __future__ import annotations

import re
from collections.abc import Iterable

# -- prefilter anchors ---------------------------------------------------------
# For every pattern, find a small set of literal strings one of which every match must
# contain (from the parsed regex). A note that contains none of a rule's anchors cannot
# match it, so most notes never reach the rule's regex; one lookahead alternation over all
# anchors finds which rules can fire.

_COMMON = set("的了是在有不一无未没价格证卖售烟经营户该店客已发现检查销零指导规其仍还个和与多同人来到")
# Everyday note text (written for this purpose): an anchor found here would let most notes
# through the prefilter, so another anchor of the same pattern is preferred when there is one.
_BACKGROUND = (
    "走访时店主在店,交流了本周订货情况。检查卷烟陈列和价格标签,价格执行到位,明码标价规范。"
    "证照齐全,亮证经营,许可证在有效期内。提醒客户按时存款,保证电子结算正常。"
    "向客户通报批发价格调整信息,介绍新品规卷烟的市场定位。了解客户经营情况,销售基本平稳。"
    "客户反映部分品规货源偏紧,希望多投放畅销品规。指导客户规范陈列,做好卫生。"
    "核实联系电话和经营地址。收集客户对货源投放的意见。讲解真伪鉴别方法。"
    "客户咨询档位调整政策,已解答。周边超市同品规售价相同,未见异常。"
    "开展安全经营宣传,提醒注意防火。协助客户网上订货,反馈上周订单到货情况。"
)


def _anchors(patterns: Iterable[str]) -> frozenset[str] | None:
    try:
        from re import _parser  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - very old or very new Python: no prefilter
        return None
    anchors: set[str] = set()
    for pattern in patterns:
        try:
            parsed = _parser.parse(pattern, re.IGNORECASE)
        except Exception:  # pragma: no cover - compiled fine above
            return None
        cover = _cover(list(parsed), _parser)
        if cover is None:
            return None
        anchors |= cover
    return frozenset(a.lower() for a in anchors)


def _cover(items: list, p) -> set[str] | None:
    """Literal strings one of which every match of this sequence contains; None if unknown."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is p.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        cover: set[str] | None = None
        if op is p.IN:
            chars = set()
            for sub_op, sub_av in av:
                if sub_op is not p.LITERAL:
                    chars = set()
                    break
                chars.add(chr(sub_av))
            cover = chars or None
        elif op is p.SUBPATTERN:
            cover = _cover(list(av[-1]), p)
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT, getattr(p, "POSSESSIVE_REPEAT", None)):
            lo, _hi, body = av
            cover = _cover(list(body), p) if lo >= 1 else None
        elif op is p.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                sub = _cover(list(branch), p)
                if sub is None:
                    union = set()
                    break
                union |= sub
            cover = union or None
        elif op is getattr(p, "ATOMIC_GROUP", None):
            cover = _cover(list(av), p)
        if cover:
            candidates.append(cover)
    if run:
        candidates.append({run})
    return min(candidates, key=_cost) if candidates else None


def _cost(strings: set[str]) -> int:
    # Long strings are selective; a lone common character lets nearly every note through.
    return sum((1 if len(s) >= 2 else (12 if s in _COMMON else 4)) + 10 * _BACKGROUND.count(s)
               for s in strings)



def _compile_fast(pattern: str) -> re.Pattern[str]:
    """`pattern`, led by a lookahead for the characters a match can start with when they are
    known: re then skips to those characters instead of trying every alternative at every
    position (several times faster on patterns that open with optional words)."""
    firsts = _first_chars(pattern)
    if firsts:
        chars = "".join(sorted(re.escape(c) for c in firsts))
        pattern = f"(?=[{chars}])(?:{pattern})"
    return re.compile(pattern, re.IGNORECASE)


def _first_chars(pattern: str) -> set[str] | None:
    try:
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, re.IGNORECASE)
    except Exception:  # pragma: no cover - no parser: no lookahead, same matches
        return None
    firsts, nullable = _firsts_of(list(parsed), _parser)
    if firsts is None or nullable or len(firsts) > 200:
        return None
    # Case-insensitive matching: both cases of every letter.
    return {c for ch in firsts for c in (ch, ch.lower(), ch.upper()) if len(c) == 1}


def _firsts_of(items: list, p) -> tuple[set[str] | None, bool]:
    """(characters a match of this sequence can start with, whether it can match empty);
    None when not known (., \\w, a negated class...)."""
    firsts: set[str] = set()
    for op, av in items:
        sub: set[str] | None
        if op is p.LITERAL:
            sub, nullable = {chr(av)}, False
        elif op is p.IN:
            sub, nullable = set(), False
            for sub_op, sub_av in av:
                if sub_op is p.LITERAL:
                    sub.add(chr(sub_av))
                elif sub_op is p.RANGE and sub_av[1] - sub_av[0] < 128:
                    sub.update(chr(c) for c in range(sub_av[0], sub_av[1] + 1))
                else:
                    return None, False
        elif op is p.SUBPATTERN:
            sub, nullable = _firsts_of(list(av[-1]), p)
        elif op is p.BRANCH:
            sub, nullable = set(), False
            for branch in av[1]:
                b_firsts, b_nullable = _firsts_of(list(branch), p)
                if b_firsts is None:
                    return None, False
                sub |= b_firsts
                nullable = nullable or b_nullable
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT, getattr(p, "POSSESSIVE_REPEAT", None)):
            sub, body_nullable = _firsts_of(list(av[2]), p)
            nullable = av[0] == 0 or body_nullable
        elif op in (p.ASSERT, p.ASSERT_NOT, p.AT):
            continue  # zero-width: the next item decides
        else:
            return None, False
        if sub is None:
            return None, False
        firsts |= sub
        if not nullable:
            return firsts, False
    return firsts, True


def _split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regex ("a|b(?:c|d)" -> ["a", "b(?:c|d)"])."""
    pieces, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":  # a literal "]" first in the class
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            pieces.append(pattern[start:i])
            start = i + 1
        i += 1
    pieces.append(pattern[start:])
    return [p for p in pieces if p]

