"""Fixtures the command tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.small_db import fill


@pytest.fixture
def seeded_dbpath(tmp_path, monkeypatch):
    """The small territory of tests/cli/records_seed.py at the database path the CLI opens, with
    the working directory in tmp_path (documents written without --out land there)."""
    from tests.cli.records_seed import seeded_db_path

    monkeypatch.chdir(tmp_path)
    return seeded_db_path(tmp_path, monkeypatch)


@pytest.fixture
def dbfile(tmp_path, monkeypatch) -> Path:
    """tests/cli/small_db.py at the database path the CLI opens."""
    path = tmp_path / "cmgr.db"
    monkeypatch.setenv("CMGR_DB", str(path))
    fill(path)
    return path


@pytest.fixture
def flagged_dbpath(tmp_path, monkeypatch) -> Path:
    """The small territory of tests/cli/records_seed.py with the visits of
    tests/cli/test_flag_cmd.py, scanned: flags new on C001, C002 and C005."""
    from tests.cli.records_seed import run
    from tests.cli.test_flag_cmd import seeded_with_visits

    path = seeded_with_visits(tmp_path, monkeypatch)
    result = run(["flag", "--format", "json"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(autouse=True)
def _no_log_file_left_open():
    """A test that turned --log-file on leaves no handler behind for the next one."""
    yield
    from cmgr.logging_setup import configure_log_file

    configure_log_file(None)


@pytest.fixture
def plan_db(tmp_path, monkeypatch):
    """The hand-checkable territory of tests/cli/test_plan_cmd.py, as CMGR_DB (plan and sheet tests)."""
    from tests.cli.records_seed import seeded_db_path
    from tests.cli.test_plan_cmd import seed

    monkeypatch.chdir(tmp_path)
    return seeded_db_path(tmp_path, monkeypatch, seed, "plan.db")
