"""Sentences and clauses of a normalised note, and the candidate record every stage passes on."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cmgr.core.flag_rules.lexicon import Lexicon

# ---------------------------------------------------------------------------
# Scanning


@dataclass
class _Candidate:
    kind: str
    subkind: str
    rule: str
    start: int  # in the normalised text
    end: int
    sentence: int
    past: bool = False
    outcome: str = "flagged"
    # Modifiers that applied and kept the target: an earlier problem (上次...), another
    # outlet (隔壁...), a slip read as a key word. Shown with the finding.
    kept: list[str] = field(default_factory=list)


@dataclass
class _Context:
    """A normalised note cut into sentences and clauses."""

    text: str
    sent_starts: list[int]
    sent_ends: list[int]
    sent_question: list[bool]
    clause_starts: list[int]
    clause_ends: list[int]

    def sentence_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.sent_starts, pos) - 1)

    def clause_of(self, pos: int) -> tuple[int, int]:
        i = max(0, bisect.bisect_right(self.clause_starts, pos) - 1)
        return self.clause_starts[i], self.clause_ends[i]

    def sentence_text(self, i: int) -> str:
        return self.text[self.sent_starts[i]:self.sent_ends[i]]


def _segment(text: str, lex: Lexicon) -> _Context:
    sent_starts, sent_ends, questions = [], [], []
    clause_starts, clause_ends = [], []
    marked = []  # sentences that are questions only by a "?" after a plain statement
    pos = 0
    question_end = lex.cues.get("question_end")
    aside = lex.cues.get("question_mark_aside")
    words = lex.cues.get("question_words")
    breaks = list(lex.sentence_breaks.finditer(text)) + [None]
    for m in breaks:
        end = m.start() if m else len(text)
        terminator = m.group() if m else ""
        if end > pos or m is None:
            body = text[pos:end]
            is_question = "?" in terminator or bool(question_end and question_end.search(body.rstrip()))
            # A "?" after a hedged statement or a guessed reason is the writer's doubt, not
            # a question: 应该是用别人的证吧? 好像有两个价? 证被暂停了，因为卖假烟?
            if is_question and aside is not None and aside.search(body.rstrip()):
                is_question = False
            if (is_question and words is not None and "?" in terminator
                    and not (question_end and question_end.search(body.rstrip()))
                    and not words.search(body)):
                marked.append(len(sent_starts))
            sent_starts.append(pos)
            sent_ends.append(end)
            questions.append(is_question)
            cpos = pos
            for cm in lex.clause_breaks.finditer(text, pos, end):
                if cm.start() > cpos:
                    clause_starts.append(cpos)
                    clause_ends.append(cm.start())
                cpos = max(cpos, cm.end())
            clause_starts.append(cpos)
            clause_ends.append(end)
        pos = m.end() if m else len(text)
    # An echo question: a plain statement with a "?" and no question word (证被吊销了？没证？)
    # is the writer's surprise, and the next sentence goes on with the case (组长说去年就被吊了，
    # 现在还在卖; 卖了好多年了). It asks only when there is no next sentence or that one
    # answers no (证过期了？老板说没有，下个月才到期).
    denied = lex.cues.get("question_denied_next")
    for i in marked:
        if i + 1 < len(sent_starts):
            following = text[sent_starts[i + 1]:min(sent_ends[i + 1], sent_starts[i + 1] + 30)]
            if following.strip() and not (denied is not None and denied.search(following)):
                questions[i] = False
    return _Context(text, sent_starts, sent_ends, questions, clause_starts, clause_ends)


def _search(cue: re.Pattern[str] | None, text: str) -> re.Match[str] | None:
    return cue.search(text) if cue is not None and text else None


def _selling_in(lex: Lexicon, text: str) -> bool:
    cue = lex.cues.get("selling")
    if cue is None:
        return True
    negated = lex.cues.get("selling_negated")
    negated_after = lex.cues.get("selling_negated_after")
    for m in cue.finditer(text):
        if negated is not None and negated.search(text, 0, m.start()):
            continue
        if (negated_after is not None and negated_after.match(text, m.end())
                and not m.group().startswith(_STILL)):
            continue  # 在售：否 (but 仍在零售 × is the item failed: still selling)
        return True
    return False


# A selling cue that starts with "still" states the problem; a × after it marks the item failed.
_STILL = ("仍", "还", "继续", "照常", "照样", "依然", "依旧")


def _nearest(cues: dict[str, re.Pattern[str] | None], names: tuple[str, ...], text: str) -> str | None:
    """Which of the named cue lists has the last match in `text`."""
    best_name, best_pos = None, -1
    for name in names:
        cue = cues.get(name)
        if cue is None:
            continue
        for m in cue.finditer(text):
            if m.start() >= best_pos:
                best_name, best_pos = name, m.start()
    return best_name


# How far cues reach from a match (chars). Real clauses are far shorter; the bounds keep a
# pathological note (one phrase repeated thousands of times) linear.
_REACH_CLAUSE = 40
_REACH_SENTENCE = 120
_MAX_MATCHES = 1000  # per note, for rule matches and for remedies
