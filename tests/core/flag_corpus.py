"""What the round-by-round generalisation tests share: reading a labelled corpus, scoring the
flagger on it, the notes this project wrote itself (to check none is copied from a corpus),
and the kinds check with the reader's trace as its message."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cmgr.core.flag_rules import load_lexicon, scan_note, trace_note

HERE = Path(__file__).resolve().parent
LABELS = (("unlicensed", "unlicensed"), ("price_violation", "price"))


def round_corpora(round_name: str) -> list[Path]:
    """tests/core/flag_round{round_name}*_notes.csv, sorted."""
    return sorted(HERE.glob(f"flag_round{round_name}*_notes.csv"))


def corpus_notes(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def scores(rows: list[dict], lexicon) -> list[float]:
    """[unlicensed precision, recall, price precision, recall] of the flagger on `rows`."""
    out = []
    for column, kind in LABELS:
        tp = fp = fn = 0
        for r in rows:
            want = r[column].strip() == "1"
            got = kind in {f.kind for f in scan_note(r["note"], lexicon)}
            tp += want and got
            fp += got and not want
            fn += want and not got
        out += [tp / max(tp + fp, 1), tp / max(tp + fn, 1)]
    return out


def own_notes(cases, lexicon) -> set[str]:
    """The test's own notes and every lexicon example and not-example."""
    mine = {note for note, _ in cases}
    mine |= {n for r in lexicon.rules for n in (*r.examples, *r.not_examples)}
    mine |= {n for r in lexicon.resolutions for n in (*r.examples, *r.not_examples)}
    return mine


def explain(note: str, lexicon=None) -> str:
    """The note and its trace, one candidate a line: an assertion's message."""
    lexicon = lexicon if lexicon is not None else load_lexicon()
    return note + "\n" + "\n".join(f"  {t.outcome} | {t.rule} | {t.matched!r}"
                                   for t in trace_note(note, lexicon))


def assert_kinds(note: str, want: set[str], lexicon) -> None:
    got = {f.kind for f in scan_note(note, lexicon)}
    assert got == want, explain(note, lexicon)


def round_tests(round_name: str, cases, floors: dict[str, tuple[float, ...]], lexicon,
                *, stretch: int | None = 12):
    """The three tests each round's module runs, built for round `round_name`: every case gives
    its kinds; the cases and the lexicon's examples are not copied from the round's corpora (nor,
    with `stretch`, share that many characters in a row with a corpus note); each corpus keeps
    its floors (unlicensed P, R, price P, R; keyed by file stem). Bind them to test_ names."""
    corpora = round_corpora(round_name)

    @pytest.mark.parametrize(("note", "want"), cases, ids=[c[0] for c in cases])
    def test_kinds(note, want):
        assert_kinds(note, want, lexicon)

    def test_own_wordings():
        corpus = {r["note"] for path in corpora for r in corpus_notes(path)}
        assert len(corpora) == len(floors) and not corpus & own_notes(cases, lexicon)
        for note, _ in cases if stretch else ():
            for i in range(len(note) - stretch + 1):
                assert not any(note[i:i + stretch] in c for c in corpus), note

    @pytest.mark.parametrize("corpus", corpora, ids=[p.stem for p in corpora])
    def test_regression(corpus):
        got = scores(corpus_notes(corpus), lexicon)
        want = floors[corpus.stem]
        assert all(s >= f for s, f in zip(got, want, strict=True)), (got, want)

    return test_kinds, test_own_wordings, test_regression
