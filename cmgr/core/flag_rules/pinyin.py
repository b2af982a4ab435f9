"""Pinyin typing slips: the key words written with other characters of the same sound.

A manager typing on a phone with a pinyin input method picks the wrong character of the
right sound: 无症 for 无证, 抄价 for 超价, 明码标加 for 明码标价, 底价 for 低价. Matching those
by toneless pinyin (the first, most common reading of each character, from pypinyin's
character table) finds every such slip, not only the ones someone thought to list.

The lexicon ([normalize.homophones]) names the key words and, in brackets, the characters
that may be slips ('无[证]': 无 must be written as is; a slip of the first character too would
read 屋正在 as 无证在). Real words that sound like a key word (与世无争, 吵架, 地价) are
listed in `keep` and never changed. A slip is rewritten to the key word before matching
(same length, so spans in the original note stay exact) and the trace shows the original.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_WORD_RE = re.compile(r"(?:[\u4e00-\u9fff]|\[[\u4e00-\u9fff]+\])+")


@functools.lru_cache(maxsize=1)
def syllables() -> dict[str, str]:
    """Every common Chinese character's first reading, toneless (证 -> zheng)."""
    # pypinyin's character table only (not its phrase model): a quarter of a second, once.
    from pypinyin.pinyin_dict import pinyin_dict

    table = {}
    for code, readings in pinyin_dict.items():
        if 0x4E00 <= code <= 0x9FFF:
            first = unicodedata.normalize("NFD", readings.split(",")[0])
            table[chr(code)] = "".join(c for c in first if not unicodedata.combining(c))
    return table


def toneless(text: str) -> tuple[str | None, ...]:
    table = syllables()
    return tuple(table.get(ch) for ch in text)


@dataclass(frozen=True)
class Homophones:
    """Same-sound slips of the key words, rewritten to the key words."""

    words: tuple[str, ...]  # the key words, as written
    keep: re.Pattern[str] | None  # real words that sound the same: never changed
    # Each key word as a sequence of character classes (its fixed characters as written, the
    # others any character of the same sound), one group per word.
    finder: re.Pattern[str]

    def apply(self, text: str) -> str:
        first = self.finder.search(text)
        if first is None:
            return text  # the common note: nothing sounds like a key word
        out = None
        for m in self.finder.finditer(text, first.start()):
            word = self.words[m.lastindex - 1]
            start, end = m.span()
            if text[start:end] == word:
                continue
            if self.keep is not None and any(
                    k.start() <= start and end <= k.end()
                    for k in self.keep.finditer(text, max(0, start - 4), end + 4)):
                continue
            out = out if out is not None else list(text)
            out[start:end] = word
        return text if out is None else "".join(out)

    def slip_of(self, written: str) -> str | None:
        """The key word `written` is a slip of (or is), None when it is neither."""
        m = self.finder.fullmatch(written)
        return self.words[m.lastindex - 1] if m else None


def compile_homophones(words: list[str], keep: str | None) -> Homophones:
    """`words` as in the lexicon ('无[证]', '[超][价]'); `keep` one regex of real words."""
    sounds = syllables()
    by_sound: dict[str, list[str]] = {}
    for ch, sound in sounds.items():
        by_sound.setdefault(sound, []).append(ch)
    plain, alternatives = [], []
    for spec in words:
        if not _WORD_RE.fullmatch(spec):
            raise ValueError(f"{spec!r}: Chinese characters, the slips in [brackets]")
        word, body, inside, bracketed = "", "", False, "[" in spec
        for ch in spec:
            if ch in "[]":
                inside = ch == "["
                continue
            word += ch
            if (inside or not bracketed) and ch in sounds:
                body += "[" + "".join(sorted(by_sound[sounds[ch]])) + "]"
            else:
                body += re.escape(ch)
        plain.append(word)
        alternatives.append(f"({body})")
    # Led by a lookahead for the characters a match can start with: re then skips to them
    # (four times faster than trying every alternative at every position).
    body = "|".join(alternatives)
    firsts = "".join(sorted({re.escape(c) for c in _first_chars_of(body)}))
    return Homophones(tuple(plain), re.compile(keep) if keep else None,
                      re.compile(f"(?=[{firsts}])(?:{body})"))


def _first_chars_of(body: str) -> set[str]:
    """The characters the alternatives of `body` start with ("(无[...])|([...]...)")."""
    firsts: set[str] = set()
    for alt in re.finditer(r"\((\[[^\]]+\]|[^\[(])", body):
        token = alt.group(1)
        firsts.update(token[1:-1] if token.startswith("[") else token)
    return firsts
