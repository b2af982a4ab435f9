"""Modifiers (ConText): what the words around a target say of it."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cmgr.core.flag_rules.lexicon import KINDS
from cmgr.core.flag_rules.segment import (
    _MAX_MATCHES,
    _REACH_CLAUSE,
    _REACH_SENTENCE,
    _Candidate,
    _Context,
    _nearest,
    _search,
    _selling_in,
)

if TYPE_CHECKING:
    from cmgr.core.flag_rules.lexicon import Lexicon, _Resolution, _Rule

# ---------------------------------------------------------------------------
# ConText modifiers. A modifier is a cue list of the lexicon ([cues]) with a direction and a
# scope: "before" looks in the target's clause before it, "after" in its clause after it,
# "clause" in the whole clause, "sentence" in the sentence. A clause ends at punctuation
# ([segmentation] clause_breaks) and where a scope_end cue starts (但/不过/然后, a new
# speaker): a negation or a question does not reach past it. The first modifier that applies
# decides the target's outcome, and the outcome names the category, the cue list and the
# words that made it (the explanation kept with every finding).


@dataclass(frozen=True)
class Modifier:
    category: str  # what the modifier says of the target ("negated before", "question"...)
    cue: str  # the [cues] list of the lexicon holding its words
    direction: str  # "before" | "after" | "clause" | "sentence_after" (the sentence after it)
    kinds: tuple[str, ...] = ("unlicensed", "price")


MODIFIERS: tuple[Modifier, ...] = (
    Modifier("negated before", "negation_adjacent", "before"),
    Modifier("negated before", "negation_before", "before"),
    Modifier("negated after", "negation_after", "after"),
    Modifier("question", "question_before", "before"),
    Modifier("question", "question_after", "after"),
    Modifier("hypothetical or prohibition", "hypothetical_before", "before"),
    Modifier("hypothetical or prohibition", "hypothetical_after", "after"),
    Modifier("reported: talk about the rules, not a case", "rule_talk_after", "after"),
    Modifier("reported: somebody already punished for it, a story, not a case",
             "punished_after", "sentence_after"),
    Modifier("education or campaign, not a case", "education_before", "before"),
    Modifier("education or campaign, not a case", "education_after", "after"),
    Modifier("market or wholesale price talk", "market_before", "before", ("price",)),
    Modifier("margin complaint", "margin_complaint", "clause", ("price",)),
    Modifier("reported: a case already punished, not one found", "punished_price_after", "after",
             ("price",)),
)


# After the writer's own 问 (the asker left out): asking the reason of what the note states
# (问老板价签为什么少了好几个) is not a question whether it is so.
_ASKED_WHY = re.compile("为什么|为啥|咋回事|怎么回事")

_PASS_MARK, _FAIL_MARK = "√", "×"  # ✓ ✔ and ✗ ✘ are read as these ([normalize] char_map)


def _explain(category: str, cue: str, m: re.Match[str]) -> str:
    return f"{category} ({cue}: {m.group().strip() or m.group()!r})"


def _blank(text: str, offset: int, spans: list[tuple[int, int]]) -> str:
    """`text` (starting at `offset` in the note) with the given spans replaced by spaces."""
    for a, b in spans:
        a, b = max(a - offset, 0), min(b - offset, len(text))
        if a < b:
            text = text[:a] + " " * (b - a) + text[b:]
    return text


def _negation_reaching(cues: dict, before: str) -> re.Match[str] | None:
    """A negation cue before the target whose object does not end before it: in 没发现无证经营
    标签有2个没贴 the negated object (无证经营) is closed by its head word, and what follows
    it without a coordinator (、/和/及) is a new statement the negation does not reach."""
    negation = cues.get("negation_before")
    if negation is None or not before:
        return None
    object_end = cues.get("negation_object_end")
    for m in negation.finditer(before):
        if object_end is None or object_end.search(before, m.end()) is None:
            return m
    return None


def _goes_on(lex: Lexicon, ctx: _Context, start: int, end: int) -> re.Match[str] | None:
    """The `current` cue after which the note says the selling goes on (现在还在卖), in
    text[start:end], or None."""
    current = lex.cues.get("current")
    now = current.search(ctx.text, start, end) if current is not None else None
    if now is None or not _selling_in(lex, ctx.text[now.start():end]):
        return None
    return now


def _why_suppressed(lex: Lexicon, ctx: _Context, cand: _Candidate, rule: _Rule | None) -> str | None:
    """Why the target is not a current case, or None; marks it `past` when it is an earlier one."""
    text, cues = ctx.text, lex.cues
    c_start, c_end = ctx.clause_of(cand.start)
    c_start = max(c_start, cand.start - _REACH_CLAUSE)
    c_end = min(c_end, cand.end + _REACH_CLAUSE)
    before = text[c_start:cand.start]
    after = text[cand.end:c_end]
    head = cues.get("checklist_head")
    if head is not None and before:
        # 是否持证：否 is a field and its answer: blank the 是否 so it does not negate.
        before = _blank(before, c_start, [m.span() for m in head.finditer(text, c_start, c_end)
                                          if m.end() <= cand.start])
    s_start = max(ctx.sent_starts[cand.sentence], cand.start - _REACH_SENTENCE)
    s_end = min(ctx.sent_ends[cand.sentence], cand.end + _REACH_SENTENCE)
    sentence = text[s_start:s_end]
    sent_before = text[s_start:cand.start]
    scopes = {"before": before, "after": after, "clause": text[c_start:c_end],
              "sentence_after": text[cand.end:s_end]}
    # A checklist field answered yes (超价：有, 无证：是): its answer, not the words of the
    # field before it (无证：无 超价：有), says whether the problem is there.
    answered_yes = _search(cues.get("checklist_yes"), after) is not None
    # In a note that ticks items with √, a × is the mark of a failed item (无证 ×: the shop
    # is unlicensed), not a "no".
    ticks = _PASS_MARK in text
    for mod in MODIFIERS:
        if mod.category == "question" and ctx.sent_question[cand.sentence]:
            return "question (the sentence is a question)"
        if cand.kind not in mod.kinds:
            continue
        if answered_yes and mod.category == "negated before":
            continue
        if mod.cue == "negation_before":
            m = _negation_reaching(cues, scopes["before"])
        else:
            m = _search(cues.get(mod.cue), scopes[mod.direction])
        # With √ ticks in the note, after a field answered with the problem itself
        # (证照:过期 ×), or after prices compared or a count (利群标18卖20 ×, 价签：缺2个 ×),
        # the × marks the failed item: a number is not negated (a rule-less target is one
        # found by numbers or dates).
        if (m is not None and mod.cue == "negation_after" and _FAIL_MARK in m.group()
                and (ticks or rule is None or ":" in text[cand.start:cand.end]
                     or any(ch.isdigit() for ch in text[cand.start:cand.end]))):
            continue
        if m is not None and mod.cue == "punished_after" and (
                _goes_on(lex, ctx, cand.end, s_end)
                or _outlet(lex, ctx, cand) == "this_outlet"):
            continue  # punished, and at it again (被罚过，这礼拜又在卖); or the visited shop's case
        if (m is not None and mod.cue == "question_before"
                and m.group().lstrip("又还就便顺").startswith(("问", "询问", "打听"))
                and _ASKED_WHY.search(text, c_start + m.end(), min(c_end, cand.end + 4))):
            continue  # the writer asking why (问老板价签为什么少了几个): the fact is told
        if m is not None:
            return _explain(mod.category, mod.cue, m)
    # Other goods: the nearest goods word before the target says what it is about (酒类没有
    #明码标价). A shop named after other goods (水果店, 文具店) says nothing of what it
    # sells: its name is blanked first, so 水果店没证卖烟 is a case.
    shops = cues.get("goods_shop")
    goods = before if shops is None else _blank(
        before, c_start, [m.span() for m in shops.finditer(text, c_start, cand.start)])
    if _nearest(cues, ("not_cigarette", "cigarette"), goods) == "not_cigarette":
        return "about goods other than cigarettes"
    if rule is not None and rule.suppress is not None:
        m = rule.suppress.search(sentence)
        if m is not None:
            return _explain("rule's own exclusion (e.g. licence still valid)", "suppress", m)
    if rule is not None and rule.requires_selling:
        # The next two sentences: a terse note puts a date or a detail in between
        # ("Licence expired 2026-02-28. Renewal submitted 03-01. Still selling.").
        following = "".join(ctx.sentence_text(i)[:_REACH_SENTENCE] + "\n"
                            for i in range(cand.sentence + 1,
                                           min(cand.sentence + 3, len(ctx.sent_starts))))
        if not (_selling_in(lex, sentence) or _selling_in(lex, following)):
            return "no sign it is still selling"
    temporal = _nearest(cues, ("past", "history", "current"), sent_before)
    if temporal == "history":
        # History, unless the sentence goes on to say it is still so (去年证被吊销了，现在
        # 还在卖烟): then it is an earlier problem that goes on, closed only by a remedy.
        now = _goes_on(lex, ctx, cand.end, s_end)
        if now is None:
            return "history, not a current case"
        temporal = "past"
        cand.kept.append(f"history that goes on (current: {now.group()})")
    cand.past = temporal == "past"
    if cand.past:
        cand.kept.append("an earlier problem, open until a remedy closes it (past)")
    return None


def _outlet(lex: Lexicon, ctx: _Context, cand: _Candidate) -> str | None:
    """"other_outlet", "this_outlet" or None: whom the sentence is about at the match.

    The nearest cue before the match decides; without one, an outlet named right after it
    ("没证那家", "无证的那个摊") does.
    """
    sent_before = ctx.text[max(ctx.sent_starts[cand.sentence], cand.start - _REACH_SENTENCE):
                           cand.start]
    who = _nearest(lex.cues, ("other_outlet", "this_outlet"), sent_before)
    if who is None:
        after = ctx.text[cand.end:min(ctx.clause_of(cand.start)[1], cand.end + 8)]
        after = after[1:] if after.startswith("的") else after
        for name in ("other_outlet", "this_outlet"):
            m = _search(lex.cues[name], after)
            if m is not None and m.start() == 0:
                return name
    return who


_REACH_NEAR = 6  # the subject written right before a remedy (超价已整改)


def _owner_of_tip(lex: Lexicon, ctx: _Context, sentence_cands, lo: int, hi: int) -> bool:
    """Whether the last this-outlet word before a remedy is a bare owner word (店主, 老板)
    written after a tip about another outlet in the sentence: then it is that outlet's owner
    (隔壁是无证的，店主当场表示不再卖烟，柜台已经清空了), not the visited shop's."""
    owner, this = lex.cues.get("owner_word"), lex.cues.get("this_outlet")
    if owner is None or this is None:
        return False
    last = None
    for m in this.finditer(ctx.text, lo, hi):
        last = m
    if last is None or owner.fullmatch(last.group()) is None:
        return False
    return any(c.subkind == "tip_other_outlet" and c.outcome == "flagged" and c.end <= last.start()
               for c in sentence_cands)


def _resolution_kinds(lex: Lexicon, res: _Resolution, context: str, near: str = "") -> set[str]:
    if res.resolves:
        return set(res.resolves)
    # The words right before the remedy name what it fixed (前期超价及无证问题：超价已整改):
    # when they hint at one kind only, that kind is closed.
    for words in (near, context):
        price = _search(lex.cues["hint_price"], words) is not None
        licence = _search(lex.cues["hint_unlicensed"], words) is not None
        if price != licence:
            return {"price"} if price else {"unlicensed"}
    price = _search(lex.cues["hint_price"], context) is not None
    licence = _search(lex.cues["hint_unlicensed"], context) is not None
    if price and not licence:
        return {"price"}
    if licence and not price:
        return {"unlicensed"}
    return set(KINDS)


def _resolves(targets: set[str], cand: _Candidate) -> bool:
    return cand.kind in targets or f"{cand.kind}.{cand.subkind}" in targets


def _closable(c: _Candidate, targets: set[str], who: str | None) -> bool:
    """Whether a remedy (of `targets`, said of `who`) can close this open problem."""
    return (c.outcome == "flagged" and _resolves(targets, c)
            and not (who == "this_outlet" and c.subkind == "tip_other_outlet")
            and not (who == "other_outlet" and c.kind == "unlicensed"
                     and c.subkind != "tip_other_outlet"))


def _contradicted(lex: Lexicon, ctx: _Context, sent: int, end: int) -> bool:
    """Whether the note goes on, in the remedy's sentence or the next, to say a state remedy
    (no longer selling) is not so (老板说不卖烟了，结果有人来买他照卖)."""
    stop = ctx.sent_ends[min(sent + 1, len(ctx.sent_ends) - 1)]
    return _search(lex.cues.get("contradicted_after"),
                   ctx.text[end:min(stop, end + _REACH_SENTENCE)]) is not None


def _price_contradicted(lex: Lexicon, ctx: _Context, sent: int, end: int) -> bool:
    """Whether the note goes on, in the remedy's sentence or the next, to give the price as
    still what it was (上次超价，老板说已经改了，今天看还是卖70): the fix did not happen."""
    stop = ctx.sent_ends[min(sent + 1, len(ctx.sent_ends) - 1)]
    return _search(lex.cues.get("price_contradicted_after"),
                   ctx.text[end:min(stop, end + _REACH_SENTENCE)]) is not None


def _apply_resolutions(lex: Lexicon, ctx: _Context, cands: list[_Candidate],
                       present: set[str]) -> None:
    text, cues = ctx.text, lex.cues
    open_cands = [c for c in cands if c.outcome == "flagged"]
    if not open_cands or not lex.resolutions:
        return
    events = []
    for res, piece in lex.live_remedies(present):
        for m in piece.regex.finditer(text):
            events.append((m.start(), m.end(), res))
    events.sort(key=lambda e: (e[0], -e[1]))
    by_sentence: dict[int, list[_Candidate]] = {}
    for c in open_cands:
        by_sentence.setdefault(c.sentence, []).append(c)
    past = [c for c in open_cands if c.past]
    # Several shops in one note: a problem written inside one shop's part is closed only by a
    # remedy in that part (a problem before the first shop, a summary, by any of them).
    marker = cues.get("shop_marker")
    shop_starts = [m.start() for m in marker.finditer(text)] if marker is not None else []

    def shop_of(pos: int) -> int:
        return bisect.bisect_right(shop_starts, pos) - 1

    for start, end, res in events[:_MAX_MATCHES]:
        sent = ctx.sentence_of(start)
        c_start, c_end = ctx.clause_of(start)
        c_start = max(c_start, start - _REACH_CLAUSE)
        c_end = min(c_end, end + _REACH_CLAUSE)
        before = text[c_start:start]
        if (_search(cues["negation_adjacent"], before)
                or _search(cues["non_resolution_before"], before)
                or _search(cues["non_resolution_adjacent"], before)
                or _search(cues["question_before"], before)
                or _search(cues["hypothetical_before"], before)
                or _search(cues["partial_before"], before)
                or ctx.sent_question[sent]
                or (res.scope == "sentence" and _contradicted(lex, ctx, sent, end))
                or (res.scope != "sentence"
                    and _search(cues["pending_after"], text[end:min(ctx.sent_ends[sent],
                                                                    end + _REACH_CLAUSE)]))):
            # Ordered, promised, asked, about part of the case (其中1户已办证), or not
            # done yet (已去办延续了，还没批下来; a state such as 已停售 is done whatever
            # paperwork is pending): the problem stays open.
            continue
        near = text[max(c_start, start - _REACH_NEAR):start]
        near = near[max(near.rfind(":"), near.rfind(" ")) + 1:]  # from a field's colon on
        targets = _resolution_kinds(lex, res, text[c_start:c_end], near)
        if (any(t.startswith("price") for t in targets)
                and _price_contradicted(lex, ctx, sent, end)):
            targets = {t for t in targets if not t.startswith("price")}
            if not targets:
                continue
        label = f"resolved: {res.name} ({text[start:end]})"
        shop = shop_of(start)

        def same_shop(c: _Candidate, shop: int = shop) -> bool:
            where = shop_of(c.start)
            return where < 0 or where == shop

        # A remedy at the visited shop does not close a tip about another outlet, and a
        # remedy at another outlet does not close the visited shop's problem.
        s_before = max(ctx.sent_starts[sent], start - _REACH_SENTENCE)
        who = _nearest(cues, ("other_outlet", "this_outlet"), text[s_before:start])
        if who == "this_outlet" and _owner_of_tip(lex, ctx, by_sentence.get(sent, ()),
                                                  s_before, start):
            who = "other_outlet"
        if res.scope == "report":
            # A verdict on a report (举报不实, 人家有证) closes the case reported before it,
            # whichever outlet the words just before it name (该店已持证，举报不实).
            who = None

        # A problem the note places in the past is closed by a remedy anywhere in the note.
        for c in past:
            # An earlier case, followed up in this visit: the remedy is that outlet's
            # ("上月上报的那户无证……店主现在不卖烟了"). An outlet word in the case's own
            # clause names that case ("之前吊销了还在卖的那户，这次去已经关门了"): only one
            # written after it makes the remedy another outlet's.
            c_who = who
            if who == "other_outlet" and c.start >= s_before:
                c_who = _nearest(cues, ("other_outlet", "this_outlet"),
                                 text[max(s_before, ctx.clause_of(c.start)[1]):start])
            if (_closable(c, targets, None if c_who == "this_outlet" else c_who)
                    and same_shop(c)):
                c.outcome = label
        here = [c for c in by_sentence.get(sent, ())
                if _closable(c, targets, who) and same_shop(c)]
        if res.scope == "sentence":
            # A state ("no longer sells") also closes what follows it in the sentence, but
            # not a tip about another outlet written after it ("该户已停售，隔壁无证卖烟").
            hits = [c for c in here if c.start < start or c.subkind != "tip_other_outlet"
                    or who == "other_outlet"]
        else:
            hits = [c for c in here if c.start < start]
        back = sent - 1
        while not hits and back >= max(0, sent - 2):
            hits = [c for c in by_sentence.get(back, ())
                    if _closable(c, targets, who) and same_shop(c)]
            back -= 1
        for c in hits:
            c.outcome = label

