"""The note reader: targets, then modifiers, then one finding per kind and sub-kind."""

from __future__ import annotations

from dataclasses import dataclass

from cmgr.core.flag_rules.lexicon import Lexicon
from cmgr.core.flag_rules.modifiers import _apply_resolutions, _outlet, _why_suppressed
from cmgr.core.flag_rules.normalize import _MARKUP_RE, _normalize_plain, _normalize_with_map
from cmgr.core.flag_rules.segment import _Candidate
from cmgr.core.flag_rules.targets import find_targets

# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class NoteFinding:
    """One current, unresolved problem found in a note."""

    kind: str  # "unlicensed" | "price"
    subkind: str
    matched: str  # the matched phrase as it appears in the original note
    start: int  # span in the original note text
    end: int
    rule: str  # which rule fired, e.g. "unlicensed.expired: 许可证过期/超期"
    kept: str = ""  # the modifiers that applied and kept it ("past: 上次", "other outlet: 隔壁")


@dataclass(frozen=True)
class CandidateTrace:
    """A rule match and what became of it (for `bench/eval_flags.py` and debugging)."""

    kind: str
    subkind: str
    matched: str
    start: int
    end: int
    rule: str
    outcome: str  # "flagged", "suppressed: <why>", "resolved: <by what>", "duplicate"
    kept: str = ""  # as NoteFinding.kept


def _candidates(text: str, lex: Lexicon) -> tuple[str, bool, list[_Candidate]]:
    """The normalised note, whether it has the note's positions (only one-to-one changes),
    and every rule match in it, each with its outcome."""
    plain = _normalize_plain(text, lex.char_map, lex.spelling)
    norm = plain if plain is not None else _normalize_with_map(text, lex.char_map, lex.spelling)[0]
    same_positions = plain is not None and len(plain) == len(text)
    present = lex.anchors_in(norm.lower())
    ctx, cands, rule_of = find_targets(norm, lex, present)
    if ctx is None:
        return norm, same_positions, []
    cands.sort(key=lambda c: (c.start, -(c.end - c.start)))
    for cand in cands:
        why = _why_suppressed(lex, ctx, cand, rule_of.get(id(cand)))
        if why:
            cand.outcome = f"suppressed: {why}"
        elif cand.kind == "unlicensed":
            who = _outlet(lex, ctx, cand)
            if who == "other_outlet":
                cand.subkind = "tip_other_outlet"
                cand.kept.append("other outlet (other_outlet)")
            elif who == "this_outlet" and cand.subkind == "tip_other_outlet":
                cand.subkind = "no_license"  # "该户系无证户": the visited shop itself
                cand.kept.append("the visited shop itself (this_outlet)")
    _apply_resolutions(lex, ctx, cands, present)
    # One finding per kind and sub-kind per note (the first), and never two findings of
    # one kind on overlapping text.
    seen: set[tuple[str, str]] = set()
    kept: list[_Candidate] = []
    for cand in cands:
        if cand.outcome != "flagged":
            continue
        if (cand.kind, cand.subkind) in seen or any(
                k.kind == cand.kind and k.start < cand.end and cand.start < k.end for k in kept):
            cand.outcome = "duplicate"
            continue
        seen.add((cand.kind, cand.subkind))
        kept.append(cand)
    return norm, same_positions, cands


def _original_span(text: str, offsets: list[int], start: int, end: int) -> tuple[int, int]:
    o_start = offsets[start]
    last = offsets[end - 1]
    if text.startswith("&", last):  # the phrase ends in an HTML entity: take all of it
        m = _MARKUP_RE.match(text, last)
        return o_start, m.end() if m else last + 1
    return o_start, last + 1


def _located(text: str, lex: Lexicon, selected: list[_Candidate], same_positions: bool
             ) -> list[tuple[_Candidate, int, int]]:
    if not selected:
        return []
    if same_positions:
        # Only one-to-one changes (NFKC kept the length, nothing collapsed): same positions.
        return [(c, c.start, c.end) for c in selected]
    offsets = _normalize_with_map(text, lex.char_map, lex.spelling)[1]
    return [(c, *_original_span(text, offsets, c.start, c.end)) for c in selected]


def _note_text(text) -> str:
    # An empty spreadsheet cell arrives as None or NaN; anything else is read as text.
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return text if isinstance(text, str) else str(text)


def scan_note(text: str, lexicon: Lexicon) -> list[NoteFinding]:
    """The current, unresolved problems a visit note reports, in note order."""
    return scan_note_normalised(text, lexicon)[0]


def scan_note_normalised(text: str, lexicon: Lexicon
                         ) -> tuple[list[NoteFinding], str, frozenset[str]]:
    """`scan_note`'s findings, the normalised note they were read in (which the statistical
    second reader, cmgr/core/flag_model.py, reads too: normalised once), and the kinds of
    which a rule matched but a modifier or a resolution dropped it (negated, asked, fixed...)."""
    text = _note_text(text)
    if not text:
        return [], "", frozenset()
    norm, same_positions, cands = _candidates(text, lexicon)
    flagged = [c for c in cands if c.outcome == "flagged"]
    dropped = frozenset(c.kind for c in cands if c.outcome.startswith(("suppressed", "resolved")))
    return [NoteFinding(c.kind, c.subkind, text[s:e], s, e, c.rule, "; ".join(c.kept))
            for c, s, e in _located(text, lexicon, flagged, same_positions)], norm, dropped


def trace_note(text: str, lexicon: Lexicon) -> list[CandidateTrace]:
    """Every rule match in a note and its outcome: flagged, suppressed (why) or resolved (by what)."""
    text = _note_text(text)
    if not text:
        return []
    _, same_positions, cands = _candidates(text, lexicon)
    return [CandidateTrace(c.kind, c.subkind, text[s:e], s, e, c.rule, c.outcome,
                           "; ".join(c.kept))
            for c, s, e in _located(text, lexicon, cands, same_positions)]


