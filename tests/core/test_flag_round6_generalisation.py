"""Round 6: the two round-6 corpora (6c, 6d) kept as regression sets. Their own-wording cases
live in the later rounds' test files (round 12's `regression corpora` block holds the kinds of
price miss 6d still showed, issue 12); this file keeps their floors."""

from __future__ import annotations

import pytest

from cmgr.core.flag_rules import load_lexicon
from tests.core.flag_corpus import corpus_notes, round_corpora, scores

LEX = load_lexicon()

# The floors: (unlicensed P, R, price P, R), at what the issue-12 tuning reaches
# (docs/flag-rules.md, section 8, issue 12).
FLOORS = {
    "flag_round6c_notes": (0.98, 1.00, 1.00, 0.96),
    "flag_round6d_notes": (1.00, 0.98, 0.98, 1.00),
}
CORPORA = round_corpora("6")


def test_every_round6_corpus_has_floors():
    assert sorted(p.stem for p in CORPORA) == sorted(FLOORS)


@pytest.mark.parametrize("corpus", CORPORA, ids=[p.stem for p in CORPORA])
def test_round6_corpora_as_regression_sets(corpus):
    got = scores(corpus_notes(corpus), LEX)
    want = FLOORS[corpus.stem]
    assert all(s >= f for s, f in zip(got, want, strict=True)), (got, want)
