"""The store's tests run on both backends: `db` is an SQLite file, then a PostgreSQL database
(skipped, with the reason, when no server can be started). A test about SQLite's own
machinery (scratch files, WAL, PRAGMAs) is marked `sqlite_only` and says why."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    from cmgr.store.db import open_database

    if request.param == "postgresql":
        marker = request.node.get_closest_marker("sqlite_only")
        if marker is not None:
            pytest.skip(f"SQLite only: {marker.args[0] if marker.args else ''}")
        target = request.getfixturevalue("pg_url")
    else:
        target = tmp_path / "test.db"
    database = open_database(target, busy_timeout=2)
    yield database
    database.close()
