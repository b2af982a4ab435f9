"""Flag rules: find unlicensed sales (无证经营) and price violations (价格违规).

Two pure checks live here:

* `scan_note` reads the free text of a visit note (访问内容) and reports the current,
  unresolved problems it describes. The vocabulary, the cue words and the patterns come
  from a user-editable lexicon (`cmgr/data/flag_lexicon.toml` by default); the rule set
  is documented in docs/flag-rules.md and in the lexicon's comments.
* `check_observed_price` compares a visit's observed retail price with the guide price
  list (above the retail guide price, below the minimum price).

No I/O apart from reading the lexicon file; nothing here prints or exits.

The package follows the ConText algorithm (Chapman et al.; medspaCy's ``context``): a note is
normalised (`normalize`), cut into sentences and clauses (`segment`), its problem mentions are
found (`targets`: the lexicon's rules, state rules, dates; `prices`: numbers compared), and
each mention is then kept or dropped by the modifiers around it (`modifiers`: negated,
question or hypothetical, education, other goods, history, intention, resolved, other
outlet), each within its own scope. `reader` puts the stages together; `lexicon` loads the
vocabulary, and `prefilter` keeps the 350,000-note scan fast.
"""

from cmgr.core.flag_rules.lexicon import KINDS, Lexicon, load_lexicon
from cmgr.core.flag_rules.normalize import normalize_text
from cmgr.core.flag_rules.prices import (
    PriceCheck,
    check_observed_price,
    parse_price,
)
from cmgr.core.flag_rules.reader import CandidateTrace, NoteFinding, scan_note, trace_note

__all__ = [
    "KINDS", "CandidateTrace", "Lexicon", "NoteFinding", "PriceCheck", "check_observed_price",
    "load_lexicon", "normalize_text", "parse_price", "scan_note",
    "trace_note",
]
