"""monthly-report's loading: the cigarette history is read on a second connection
(Database.another) while the first goes on, on both backends."""

from __future__ import annotations

import threading

import pytest

import cmgr.jobs.monthly_report as job


def _query(conn):
    return conn.query("SELECT count(*) FROM schema_migrations")[0][0], threading.current_thread().name


def test_the_history_is_read_beside_on_a_second_connection(backend_db):
    expected = _query(backend_db)[0]
    count, thread = job._beside(backend_db, _query)()
    assert thread == "cmgr-report-query" and count == expected > 0
    assert _query(backend_db)[0] == expected  # the first connection is still open and usable


def test_without_a_second_connection_the_query_runs_on_the_open_one(db, monkeypatch):
    monkeypatch.setattr(db, "another", lambda: None)
    count, thread = job._beside(db, _query)()
    assert thread == threading.current_thread().name and count > 0


def test_an_error_on_the_second_connection_is_raised_to_the_caller(db):
    def failing(conn):
        conn.query("SELECT * FROM no_such_table")

    wait = job._beside(db, failing)
    with pytest.raises(Exception, match="no_such_table"):
        wait()


def test_inside_a_transaction_the_query_sees_its_rows_on_the_open_connection(backend_db):
    with backend_db.transaction():
        backend_db.execute("INSERT INTO schema_migrations(version, name, applied_at) "
                           "VALUES (999, 'uncommitted', 'now')")
        count, thread = job._beside(backend_db, _query)()
        assert thread == threading.current_thread().name
        assert count == backend_db.query("SELECT count(*) FROM schema_migrations")[0][0]
        backend_db.execute("DELETE FROM schema_migrations WHERE version = 999")
