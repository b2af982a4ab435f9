"""A big flag scan reads its notes in worker processes: the same flags as one process, a
worker's error as a CmgrError (nothing stored), and a small batch read in this process."""

from __future__ import annotations

import functools
import os

import pytest

from cmgr.core import flag_workers as fw
from cmgr.core.flag_model import load_text_model
from cmgr.core.flag_rules import load_lexicon
from cmgr.errors import CmgrError, NoteWorkerError
from cmgr.store import flags as sf
from tests.core.flag_corpus import HERE, corpus_notes
from tests.store.test_flags import add_visit, seed


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


def _explode(notes: list[str]) -> list:
    """A worker's reader that fails (module level: a spawned worker imports it)."""
    raise ValueError(f"cannot read {len(notes)} notes")


def _die(notes: list[str]) -> list:
    os._exit(3)  # a worker killed under its feet (out of memory)


class _Recording(fw.NoteReader):
    """The real reader, remembering how many workers each scan started."""

    started: list[int] = []

    def _executor(self):
        if self._pool is None:
            _Recording.started.append(self.workers)
        return super()._executor()


@pytest.fixture
def recording(monkeypatch):
    _Recording.started = []
    monkeypatch.setattr(sf, "NoteReader", _Recording)
    return _Recording.started


def seed_corpus_visits(db) -> int:
    """Visits whose notes are two labelled corpora (each note twice, on two customers), every
    third with an observed price: flags of every kind and many notes without any."""
    seed(db)
    notes = [r["note"] for name in ("flag_round10p_notes.csv", "flag_round9m_notes.csv")
             for r in corpus_notes(HERE / name)]
    n = 0
    for i, note in enumerate(notes + notes):
        price = (800, 650, 500)[i % 3] if i % 3 == 0 else None
        add_visit(db, f"V{i:04d}", f"2026-11-{1 + i % 27:02d}", ("C001", "C002", "C003")[i % 3],
                  note, "中华（软）" if price else None, price)
        n += 1
    return n


def stored_flags(db) -> set[tuple]:
    cols = ", ".join(sf.FINDING_COLUMNS)
    return {tuple(r) for r in db.query(f"SELECT {cols}, status FROM flags")}


@pytest.mark.parametrize("statistical", [False, True], ids=["rules", "rules-and-model"])
def test_workers_store_exactly_the_flags_of_one_process(db, lexicon, recording, statistical):
    model = load_text_model() if statistical else None
    visits = seed_corpus_visits(db)
    alone = sf.scan(db, lexicon, workers=1, parallel_from=1, text_model=model)
    expected = stored_flags(db)
    assert recording == [] and alone.visits == visits
    assert len({f[1] for f in expected}) == 2 and len(expected) > 100  # both kinds, many flags
    for table in ("flag_events", "flags", "flag_scans"):
        db.execute(f"DELETE FROM {table}")
    # Small chunks: several chunks read ahead, notes split over many worker tasks.
    together = sf.scan(db, lexicon, workers=2, parallel_from=1, batch=97, text_model=model)
    assert recording == [2]
    assert (together.visits, together.notes, together.price_checks, together.added) == (
        alone.visits, alone.notes, alone.price_checks, alone.added)
    assert stored_flags(db) == expected
    again = sf.scan(db, lexicon, workers=2, parallel_from=1, batch=97, rescan=True,
                    text_model=model)
    assert (again.added, again.refreshed, again.removed) == (0, 0, 0)


def test_a_small_batch_is_read_in_this_process(db, lexicon, recording):
    seed(db)
    for i in range(30):
        add_visit(db, f"V{i}", "2026-11-02", "C001", f"第{i}次：软中华卖800一条，超指导价了")
    summary = sf.scan(db, lexicon)  # workers from the cores, below PARALLEL_FROM
    assert recording == [] and summary.added == 30


@pytest.mark.parametrize("reader, words", [(_explode, "ValueError: cannot read"),
                                           (_die, "意外退出")], ids=["raises", "dies"])
def test_a_worker_error_is_a_cmgr_error_and_nothing_is_stored(db, lexicon, monkeypatch,
                                                              reader, words):
    seed_corpus_visits(db)
    monkeypatch.setattr(sf, "NoteReader", functools.partial(fw.NoteReader, reader=reader))
    with pytest.raises(NoteWorkerError) as err:
        sf.scan(db, lexicon, workers=2, parallel_from=1, batch=200)
    assert isinstance(err.value, CmgrError) and words in err.value.message
    assert "flags.workers = 1" in err.value.hint
    assert db.scalar("SELECT count(*) FROM flags") == 0
    assert db.scalar("SELECT count(*) FROM flag_scans") == 0


def test_how_many_workers():
    assert fw.note_workers(None, 300) == 1  # a day's import
    assert fw.note_workers(0, 300) == 1
    assert fw.note_workers(3, fw.PARALLEL_FROM - 1) == 1
    assert fw.note_workers(1, 10**6) == 1  # 1: in this process
    assert fw.note_workers(3, 10**6) == 3
    assert fw.note_workers(None, 10**6) == fw.note_workers(0, 10**6) == max(
        1, min(fw.MAX_WORKERS, os.cpu_count() or 1))
    assert fw.note_workers(2, 50, parallel_from=10) == 2
    with pytest.raises(ValueError):
        fw.note_workers(-1, 10**6)
