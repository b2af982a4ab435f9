"""What makes flags one case, in SQL: a visit's note flag and its observed-price flag of one
kind (and in the same state) are one case; a roster flag is a case of its own. Apart from
store.flags so that the report's and the area's counts do not import the flag rules (the
lexicon and its normalisers, a tenth of a second) just to spell this expression."""

from __future__ import annotations

CASE_SOURCES = ("note", "observed_price")


def case_key_sql(alias: str = "f") -> str:
    """store.flags._case_key in SQL, one text per case of the flags `alias` (for counting
    cases in the database: count(DISTINCT ...)); portable to PostgreSQL."""
    a = alias
    sources = ", ".join(f"'{s}'" for s in CASE_SOURCES)
    return (f"CASE WHEN {a}.source IN ({sources}) AND {a}.visit_key IS NOT NULL "
            f"AND {a}.visit_key <> '' THEN 'v|' || {a}.visit_key || '|' || {a}.kind || '|' "
            f"|| {a}.status ELSE 'f|' || CAST({a}.id AS TEXT) END")
