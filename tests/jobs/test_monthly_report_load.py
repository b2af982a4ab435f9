"""monthly-report's loading: the second connection `--all` reads the cigarette history on."""

from __future__ import annotations

import threading

import cmgr.jobs.monthly_report as job


def _query(conn):
    return conn.query("SELECT count(*) FROM schema_migrations")[0][0], threading.current_thread().name


def test_a_small_database_is_read_on_the_open_connection(db, monkeypatch):
    opened = []
    monkeypatch.setattr("cmgr.store.db.Database.__init__", lambda *a, **k: opened.append(a))
    count, thread = job._beside(db, _query)()
    assert opened == [] and thread == threading.current_thread().name and count > 0


def test_a_large_database_is_read_beside_on_a_second_connection(db, monkeypatch):
    monkeypatch.setattr(job, "BESIDE_MIN_BYTES", 0)
    expected = _query(db)[0]
    count, thread = job._beside(db, _query)()
    assert thread == "cmgr-report-query" and count == expected
