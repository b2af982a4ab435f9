"""Every rule and every resolution of the packaged lexicon, run on its own `examples` and
`not_examples` (cmgr/data/flag_lexicon.toml). One test per entry; its id is the entry's name.

* a rule's example: the rule matches it and is not dropped by a modifier (its trace is
  flagged, or a duplicate of another finding of the same kind), and the note is flagged
  for the rule's kind;
* a rule's not_example: the note is not flagged for the rule's kind;
* a resolution's example: a problem in it is closed by this resolution and the note is not
  flagged for that problem's kind;
* a resolution's not_example: the problem stays open (the note is flagged).
"""

from __future__ import annotations

import pytest

from cmgr.core.flag_rules import load_lexicon, scan_note, trace_note

LEX = load_lexicon()
OPEN = ("flagged", "duplicate")


def _explain(note: str) -> str:
    return "\n".join(f"  {t.outcome} | {t.rule} | {t.matched!r}" for t in trace_note(note, LEX))


@pytest.mark.parametrize("rule", LEX.rules, ids=[r.label for r in LEX.rules])
def test_rule_examples(rule):
    assert rule.examples and rule.not_examples, "every rule carries examples and not_examples"
    for note in rule.examples:
        traces = [t for t in trace_note(note, LEX) if t.rule == rule.label]
        assert any(t.outcome in OPEN for t in traces), f"{note}\n{_explain(note)}"
        assert rule.kind in {f.kind for f in scan_note(note, LEX)}, f"{note}\n{_explain(note)}"
    for note in rule.not_examples:
        assert rule.kind not in {f.kind for f in scan_note(note, LEX)}, \
            f"{note}\n{_explain(note)}"


@pytest.mark.parametrize("resolution", LEX.resolutions, ids=[r.name for r in LEX.resolutions])
def test_resolution_examples(resolution):
    assert resolution.examples and resolution.not_examples
    for note in resolution.examples:
        closed = [t for t in trace_note(note, LEX)
                  if t.outcome.startswith(f"resolved: {resolution.name} (")]
        assert closed, f"{note}\n{_explain(note)}"
        kinds = {f.kind for f in scan_note(note, LEX)}
        assert not kinds & {t.kind for t in closed}, f"{note}\n{_explain(note)}"
    for note in resolution.not_examples:
        assert scan_note(note, LEX), f"{note}\n{_explain(note)}"
