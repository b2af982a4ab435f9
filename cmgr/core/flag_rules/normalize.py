"""Normalising a note before matching: NFKC, HTML, emoji, spaces, the char map and respellings.
Every change keeps a map back to the original characters, so spans stay exact."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass

from cmgr.core.flag_rules.pinyin import Homophones


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity (the _reduced cache)
class _Spelling:
    """Respellings applied after the char_map: dialect words and common typos written the
    standard way (冇 -> 没, 妹有 -> 没有, 吊消 -> 吊销). A match is replaced only when the
    replacement has the same length, so spans in the original note stay exact."""

    regex: re.Pattern[str] | None
    replacements: tuple[str, ...]  # by group number - 1
    homophones: Homophones | None = None  # pinyin typing slips (see pinyin.py), after these
    # The prefilter: each respelling's body "(...)" and the literal strings one of which its
    # every match contains (None: unknown), indexed by their first character. A note is
    # searched only with the respellings whose anchors it holds, in their order: one that
    # cannot match anywhere never wins a position, so the result is the full regex's.
    bodies: tuple[str, ...] = ()
    anchors_by_char: dict[str, tuple[tuple[str, int], ...]] | None = None
    unanchored: tuple[int, ...] = ()
    # Dialect words ([normalize.dialect]), a second pass after the others: they start with
    # characters that standard notes seldom hold, so that pass runs only on a note holding one
    # of them (its `guard`) and costs the common note nothing.
    dialect: _Spelling | None = None
    guard: re.Pattern[str] | None = None
    # Before the char map: whitespace that is a clause break though it sits between two
    # Chinese words (证 没有 在卖: not 没有在卖), and a name in 【】 (a shop: 隔壁【好又多】没证),
    # whose brackets become 〔〕 so that 【 is not read as a new line there.
    space_breaks: re.Pattern[str] | None = None
    bracket_names: re.Pattern[str] | None = None

    def before_map(self, text: str) -> str:
        """`text` with the 【】 around a name made 〔〕 (one character for one)."""
        if self.bracket_names is None or "【" not in text:
            return text
        return self.bracket_names.sub(lambda m: "〔" + m.group()[1:-1] + "〕", text)

    def space(self, m: re.Match[str], text: str) -> str:
        """What the whitespace run `m` of `text` becomes (see `_space_for`)."""
        if (self.space_breaks is not None and 0 < m.start() and m.end() < len(text)
                and "\n" not in m.group() and self.space_breaks.match(text, m.start())):
            return ","
        return _space_for(m.group(), text, m.start(), m.end())

    def apply(self, text: str) -> str:
        if self.guard is not None and not self.guard.search(text):
            return text
        if self.homophones is not None:
            text = self.homophones.apply(text)
        if self.regex is not None:
            text = self._respell(text)
        if self.dialect is not None:
            text = self.dialect.apply(text)
        return text

    def _respell(self, text: str) -> str:
        regex, replacements = self.regex, self.replacements
        if self.anchors_by_char is not None:
            live = self._live(text.lower())
            if not live:
                return text
            if len(live) < len(self.bodies):
                regex, replacements = _reduced(self, live)
        if not regex.search(text):
            return text

        def sub(m: re.Match[str]) -> str:
            new = replacements[m.lastindex - 1]
            return new if len(new) == len(m.group()) else m.group()

        return regex.sub(sub, text)

    def _live(self, low: str) -> tuple[int, ...]:
        index = self.anchors_by_char
        live = set(self.unanchored)
        for ch in index.keys() & set(low):
            for anchor, i in index[ch]:
                if i not in live and (len(anchor) == 1 or anchor in low):
                    live.add(i)
        return tuple(sorted(live))


@functools.lru_cache(maxsize=1024)
def _reduced(spelling: _Spelling, live: tuple[int, ...]) -> tuple[re.Pattern[str], tuple[str, ...]]:
    from cmgr.core.flag_rules.prefilter import _compile_fast

    return (_compile_fast("|".join(spelling.bodies[i] for i in live)),
            tuple(spelling.replacements[i] for i in live))


# ---------------------------------------------------------------------------
# Normalisation

_MARKUP_RE = re.compile(
    r"<!--.*?-->|</?[A-Za-z][^<>]{0,300}>|<![^<>]{0,300}>"
    r"|&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    "|[\u200b-\u200d\u2060\ufeff\u00ad]",  # zero-width and soft hyphen: dropped
    re.S)
_BLOCK_TAG_RE = re.compile(r"</?(?:br|p|div|li|tr|td|h[1-6]|ul|ol|table|section)\b", re.I)
# Emoji, pictographs, dingbats, arrows, geometric shapes, joiners and variation selectors:
# they carry no words, and inside a phrase they would break it.
_SYMBOL_RE = re.compile(
    "[\u200e\u200f\ufe00-\ufe0f\u20e3\u2190-\u21ff\u2300-\u23ff\u25a0-\u27bf"
    "\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001F000-\U0001FAFF\U000E0000-\U000E007F]")
_SPACE_RE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _space_for(run: str, text: str, start: int, end: int) -> str:
    """What a whitespace run becomes: a line break, nothing (at the ends, or between two
    Chinese characters, where a space is only typing noise: 价签 缺失), or one space."""
    if "\n" in run:
        return "\n" if start > 0 and end < len(text) else ""
    if start == 0 or end == len(text):
        return ""
    if _CJK.match(text, start - 1) and _CJK.match(text, end):
        return ""
    return " "


def _nfkc_run(run: str, start: int, out: list[str], offsets: list[int]) -> None:
    norm = unicodedata.normalize("NFKC", run)
    if len(norm) == len(run):
        out.append(norm)
        offsets.extend(range(start, start + len(run)))
        return
    for i, ch in enumerate(run):
        n = unicodedata.normalize("NFKC", ch)
        out.append(n)
        offsets.extend([start + i] * len(n))


def _normalize_with_map(text: str, char_map: dict[int, str] | None = None,
                        spelling: _Spelling | None = None) -> tuple[str, list[int]]:
    """Normalised text and, for each of its chars, the index of the original char."""
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    if _MARKUP_RE.search(text):
        for m in _MARKUP_RE.finditer(text):
            _nfkc_run(text[pos:m.start()], pos, out, offsets)
            token = m.group()
            if len(token) == 1:
                pass  # a zero-width character
            elif token.startswith("&"):
                decoded = unicodedata.normalize("NFKC", html.unescape(token))
                out.append(decoded)
                offsets.extend([m.start()] * len(decoded))
            elif _BLOCK_TAG_RE.match(token):
                out.append("\n")
                offsets.append(m.start())
            pos = m.end()
    _nfkc_run(text[pos:], pos, out, offsets)
    joined = "".join(out)
    if spelling is not None:
        joined = spelling.before_map(joined)
    if char_map:
        joined = joined.translate(char_map)
    joined = _SYMBOL_RE.sub(" ", joined)
    # Collapse whitespace; a run that holds a line break stays a line break (a sentence end).
    result: list[str] = []
    result_offsets: list[int] = []
    pos = 0
    for m in _SPACE_RE.finditer(joined):
        result.append(joined[pos:m.start()])
        result_offsets.extend(offsets[pos:m.start()])
        replacement = (spelling.space(m, joined) if spelling is not None
                       else _space_for(m.group(), joined, m.start(), m.end()))
        if replacement:
            result.append(replacement)
            result_offsets.append(offsets[m.start()])
        pos = m.end()
    result.append(joined[pos:])
    result_offsets.extend(offsets[pos:])
    normalized = "".join(result)
    if spelling is not None:
        # After the spaces: "wz 无 cj 无" keeps the spaces that keep its fields apart.
        normalized = spelling.apply(normalized)
    result_offsets.append(len(text))  # sentinel: the end of the original
    return normalized, result_offsets


def _normalize_plain(text: str, char_map: dict[int, str] | None = None,
                     spelling: _Spelling | None = None) -> str | None:
    """`_normalize_with_map`'s text without the offsets, for the common note: no HTML, and
    NFKC keeps its length. None otherwise (use `_normalize_with_map`)."""
    if _MARKUP_RE.search(text):
        return None
    norm = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    if len(norm) != len(text):
        return None
    if spelling is not None:
        norm = spelling.before_map(norm)
    if char_map:
        norm = norm.translate(char_map)
    norm = _SYMBOL_RE.sub(" ", norm)
    if spelling is not None:
        norm = _SPACE_RE.sub(lambda m: spelling.space(m, norm), norm)
    else:
        norm = _SPACE_RE.sub(lambda m: _space_for(m.group(), norm, m.start(), m.end()), norm)
    return spelling.apply(norm) if spelling is not None else norm


def normalize_text(text: str) -> str:
    """NFKC (full-width to half-width), HTML tags and entities removed, emoji dropped, spaces collapsed."""
    return _normalize_with_map(text)[0]

