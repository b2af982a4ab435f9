"""Two reviewers on one flag case at once, each on its own connection: the second reads the
case's members only once the first has committed (inside its transaction, under the case
lock), so it moves the case as the first left it, never a stale one.

The case: a visit's note flag still new while its observed-price flag was reported already
(evidence that came in while a review ran). Reviewer B reports the note flag, which joins the
two into one reported case; reviewer A, started meanwhile, acts on the note flag: it must act
on both. On SQLite a writer waits at BEGIN IMMEDIATE (one writer at a time); on PostgreSQL
A waits on the case lock."""

from __future__ import annotations

import threading
import time

import pytest

from cmgr.core.flag_rules import load_lexicon
from cmgr.store import flags as sf
from tests.store.test_flags import add_visit, seed


@pytest.fixture
def case(db):
    """(note flag id, price flag id): one visit's two pieces of evidence, new and reported."""
    seed(db)
    add_visit(db, "V1", "2026-11-02", "C001", "软中华卖800一条，超指导价了", "6901028229524", 800)
    sf.scan(db, load_lexicon())
    [found] = sf.list_cases(db, sf.FlagFilter(kind="price"))
    by_source = {f["source"]: f["id"] for f in sf.list_flags(db, sf.FlagFilter(kind="price"))}
    assert sorted(by_source.values()) == found["flag_ids"]
    note, price = by_source["note"], by_source["observed_price"]
    with db.transaction():
        db.execute("UPDATE flags SET status = 'reported' WHERE id = ?", (price,))
    assert sf.case_members(db, [note])[note] == [note]  # two cases now
    return note, price


def _wait_until_waiting(db, thread: threading.Thread) -> None:
    """Until the other connection waits for this one's transaction (PostgreSQL: a lock wait in
    pg_stat_activity; SQLite shows none: a moment, as A reads before its BEGIN waits)."""
    if not db.is_postgres:
        time.sleep(0.5)
        return
    import psycopg

    with psycopg.connect(db.url, autocommit=True) as watcher:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and thread.is_alive() and not watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()").fetchone()[0]:
            time.sleep(0.05)


def _race(db, first_step, second_step):
    """B (db) runs `first_step` in a transaction held open until A, on its own connection,
    runs `second_step` and waits; then B commits. A's result, or the error it raised."""
    other = db.another()
    outcome: dict = {}

    def reviewer_a():
        try:
            outcome["result"] = second_step(other)
        except Exception as exc:  # reported by the test
            outcome["error"] = exc

    try:
        with db.transaction():
            first_step(db)
            a = threading.Thread(target=reviewer_a)
            a.start()
            _wait_until_waiting(db, a)
        a.join(30)
        assert not a.is_alive()
    finally:
        other.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def test_a_review_waiting_for_another_moves_the_case_the_other_left(db, case):
    note, price = case
    _race(db, lambda b: sf.review_many(b, [note], [("report", None)], by="王建国"),
          lambda a: sf.review_many(a, [note], [("dismiss", "店主已改价")], by="王建国"))
    statuses = {f["id"]: f["status"] for f in sf.list_flags(db, sf.FlagFilter(kind="price"))}
    assert statuses == {note: "dismissed", price: "dismissed"}  # one case, moved whole
    events = [e["action"] for e in sf.get_flag(db, price)["events"]]
    assert events[-1] == "dismiss"


def test_an_area_decision_waiting_for_a_review_stamps_and_lists_the_whole_case(db, case):
    from cmgr.config import load_config
    from cmgr.jobs.area import decide

    note, price = case
    cfg = load_config(environ={})
    decided = _race(db, lambda b: sf.review_many(b, [note], [("report", None)], by="王建国"),
                    lambda a: decide(a, cfg, [str(note)], "降级", by="刘区域", day=None))
    assert sorted(f["id"] for f in decided.flags) == [note, price]
    rows = {r["id"]: r for r in db.query(
        "SELECT id, status, changed_by FROM flags WHERE id IN (?, ?)", (note, price))}
    assert {i: r["status"] for i, r in rows.items()} == {note: "closed", price: "closed"}
    assert rows[price]["changed_by"] == rows[note]["changed_by"] is not None
