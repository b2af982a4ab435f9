"""Targets (ConText): problem mentions found by the lexicon's rules, state rules and dates."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cmgr.core.flag_rules.prices import _NUMBER_RE, _numeric_candidates
from cmgr.core.flag_rules.segment import (
    _MAX_MATCHES,
    _REACH_CLAUSE,
    _Candidate,
    _Context,
    _search,
    _segment,
    _selling_in,
)

if TYPE_CHECKING:
    from cmgr.core.flag_rules.lexicon import Lexicon, _Rule, _State

def _with_state(lex: Lexicon, ctx: _Context, state: _State, start: int, end: int) -> tuple[int, int] | None:
    """The span of a thing (start, end) and the nearest state said of it, or None.

    The state counts when it is at most `reach` characters away, in the same clause (or
    sentence), with no negation right before it (证没过期) or right before the licence after
    it (没发现无证: the state's negation is not about the licence) and no negation, question
    or condition between the two (证要是过期, 证有没有过期).
    """
    text, cues = ctx.text, lex.cues
    if state.within == "clause":
        w_start, w_end = ctx.clause_of(start)
        w_end = max(w_end, end)
    else:
        sent = ctx.sentence_of(start)
        w_start, w_end = ctx.sent_starts[sent], ctx.sent_ends[sent]
    lo = max(w_start, start - state.reach - _REACH_CLAUSE)
    hi = min(w_end, end + state.reach + _REACH_CLAUSE)
    best: tuple[int, int, int] | None = None
    for m in state.regex.finditer(text, lo, hi):
        s_start, s_end = m.start(), m.end()
        if s_end <= s_start:
            continue
        gap = start - s_end if s_end <= start else max(0, s_start - end)
        if gap > state.reach or (best is not None and gap >= best[0]):
            continue
        between = text[s_end:start] if s_end <= start else text[end:s_start]
        clause_start = ctx.clause_of(s_start)[0]
        before_state = text[max(clause_start, s_start - _REACH_CLAUSE):s_start]
        if (_search(cues["negation_adjacent"], before_state)
                or _search(cues["negation_adjacent"], between)
                or _search(cues["negation_before"], between)
                or _search(cues["question_before"], between)
                or _search(cues["hypothetical_before"], between)):
            continue
        best = (gap, s_start, s_end)
    if best is None:
        return None
    return min(start, best[1]), max(end, best[2])


# Dates in a note: the licence's expiry date and the visit's date ("有效期至2026年3月31日，
# 今天4月12日"; "到期日 2026-01-31。今天 2026-03-02"). When the note gives both and the visit
# is later, the licence has expired, whatever else the note says of it.
_DATE = (r"(?:(?P<{p}y>20\d\d)\s*[-/.年]\s*)?(?P<{p}m>1[0-2]|0?[1-9])\s*[-/.月]\s*"
         r"(?P<{p}d>3[01]|[12]\d|0?[1-9])(?!\d)\s*[日号]?")
_EXPIRY_RE = re.compile(
    r"(?:有效期(?:至|到|截至|截止(?:到|至)?|为?到)|到期(?:日期|日|时间)|(?:expir(?:es|y date|ed on|y)"
    r"|valid (?:until|till|to))(?![a-z]))[\s:为是]*" + _DATE.format(p="e"), re.IGNORECASE)
_VISIT_RE = re.compile(
    r"(?:今天|今日|当天|本次(?:检查|走访|拜访|访问)?|(?:访问|检查|拜访|走访)(?:日期|时间)|today|visit(?:ed)?(?: on)?)"
    r"[\s:是为]*" + _DATE.format(p="v"), re.IGNORECASE)


def _date_of(m: re.Match[str], p: str, year: int | None) -> tuple[int, int, int] | None:
    y = m.group(f"{p}y")
    if y is None and year is None:
        return None
    return (int(y) if y else year, int(m.group(f"{p}m")), int(m.group(f"{p}d")))


def _expiry_candidates(lex: Lexicon, ctx: _Context) -> list[_Candidate]:
    """An expiry date earlier than the visit date written in the note, with selling after it."""
    text = ctx.text
    found = []
    visit = _VISIT_RE.search(text)
    if visit is None:
        return found
    for m in _EXPIRY_RE.finditer(text):
        expiry = _date_of(m, "e", None)
        seen = _date_of(visit, "v", expiry[0] if expiry else None)
        if expiry is None or seen is None or not expiry < seen:
            continue
        if not _selling_in(lex, text[m.start():]):
            continue
        found.append(_Candidate("unlicensed", "expired",
                                "unlicensed.expired: 到期日早于访问日期(日期规则)",
                                m.start(), m.end(), ctx.sentence_of(m.start())))
        break
    return found


def find_targets(norm: str, lex: Lexicon, present: set[str]
                 ) -> tuple[_Context | None, list[_Candidate], dict[int, _Rule]]:
    """Every problem mention (target) in a normalised note: rule matches (a state rule's
    licence with its state), numbers compared, and an expiry date before the visit date.
    Returns the segmented note (None when nothing matched), the targets and each rule
    target's rule (by id of the candidate)."""
    raw: dict[tuple[int, int, int], _Rule] = {}  # two pieces of a rule may match the same text
    stated: dict[int, bool] = {}  # per state rule: is its state written anywhere in the note
    selling_in_note: bool | None = None  # computed when first needed
    mentions: dict[str, list[tuple[int, int]]] = {}  # state rules share their licence pattern
    for rule, piece in lex.live_pieces(present):
        if rule.state is not None:
            if id(rule) not in stated:
                anchors = rule.state.anchors
                stated[id(rule)] = (anchors is None or not anchors.isdisjoint(present))
            if not stated[id(rule)]:
                continue  # nothing is said of the licence in this rule's words
            spans = mentions.get(piece.regex.pattern)
            if spans is None:
                spans = [m.span() for m in piece.regex.finditer(norm) if m.end() > m.start()]
                mentions[piece.regex.pattern] = spans
            state = rule.state
            reach = state.reach + _REACH_CLAUSE
            near = [(start, end) for start, end in spans
                    if state.regex.search(norm, max(0, start - reach), end + reach)]
            if near and rule.requires_selling:
                if selling_in_note is None:
                    selling_in_note = _selling_in(lex, norm)
                if not selling_in_note:
                    stated[id(rule)] = False
                    continue
            for start, end in near:
                raw[(start, end, id(rule))] = rule
            continue
        for m in piece.regex.finditer(norm):
            if m.end() > m.start():
                raw[(m.start(), m.end(), id(rule))] = rule
    if len(raw) > _MAX_MATCHES:  # a runaway note: keep the first matches
        raw = dict(sorted(raw.items())[:_MAX_MATCHES])
    num = lex.numeric
    run_numeric = (num.regex is not None
                   and (num.anchors is None or not num.anchors.isdisjoint(present))
                   and _NUMBER_RE.search(norm) is not None
                   and num.regex.search(norm) is not None)
    # Cheap test first: digits and an expiry word (到期/有效期/expir/valid).
    has_dates = (_NUMBER_RE.search(norm) is not None
                 and any(w in norm for w in ("到期", "有效期", "xpir", "valid"))
                 and _VISIT_RE.search(norm) is not None)
    if not raw and not run_numeric and not has_dates:
        return None, [], {}
    ctx = _segment(norm, lex)
    cands: list[_Candidate] = []
    rule_of: dict[int, _Rule] = {}
    spans: set[tuple[int, int, int]] = set()
    for (start, end, _), rule in raw.items():
        if rule.state is not None:
            span = _with_state(lex, ctx, rule.state, start, end)
            if span is None or (*span, id(rule)) in spans:
                continue
            start, end = span
            spans.add((start, end, id(rule)))
        cand = _Candidate(rule.kind, rule.subkind, rule.label, start, end, ctx.sentence_of(start))
        rule_of[id(cand)] = rule
        cands.append(cand)
    if run_numeric:
        cands.extend(_numeric_candidates(lex, ctx))
    if has_dates:
        cands.extend(_expiry_candidates(lex, ctx))
    return ctx, cands, rule_of
