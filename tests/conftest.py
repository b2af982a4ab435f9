"""Shared fixtures: a fresh database and config per test, and spreadsheet builders."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """No test touches the user's real configuration or database."""
    monkeypatch.setenv("CMGR_CONFIG", "")
    monkeypatch.setenv("CMGR_DB", str(tmp_path / "cmgr.db"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    for var in list(__import__("os").environ):
        if var.startswith("CMGR_") and var not in ("CMGR_CONFIG", "CMGR_DB"):
            monkeypatch.delenv(var, raising=False)


@pytest.fixture
def db(tmp_path):
    from cmgr.store.db import open_database

    database = open_database(tmp_path / "test.db", busy_timeout=2)
    yield database
    database.close()


# --- PostgreSQL: one throwaway server per session (tests/pg_server.py) ------------------------

_TEMPLATE = "cmgr_template"


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server started for this run, with a migrated template database; the
    tests that need it are skipped, with the reason, when none can be started here."""
    from tests import pg_server

    server, why = pg_server.start()
    if server is None:
        pytest.skip(f"PostgreSQL not available: {why}")
    try:
        from cmgr.store.db import open_database

        server.psql(f"CREATE DATABASE {_TEMPLATE}")
        open_database(server.url(_TEMPLATE)).close()
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres, request):
    """A fresh, migrated PostgreSQL database for one test (a copy of the template: fast)."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + \
        f"_{next(_numbers)}"
    postgres.psql(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}")
    yield postgres.url(name)
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_numbers = __import__("itertools").count()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_db(request, tmp_path):
    """The store on each backend: an SQLite file, then a PostgreSQL database."""
    from cmgr.store.db import open_database

    target = (tmp_path / "test.db" if request.param == "sqlite"
              else request.getfixturevalue("pg_url"))
    database = open_database(target, busy_timeout=2)
    yield database
    database.close()


def write_xlsx(path: Path, rows: list[list], *, title: str | None = None,
               export_date: str | None = None, total: list | None = None,
               sheet: str = "Sheet1", extra_sheets: dict[str, list[list]] | None = None) -> Path:
    """A workbook shaped like a real export: optional merged title and export-date rows
    above the header rows given, and an optional 合计 row below."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    width = max(len(r) for r in rows)
    if title:
        ws.append([title])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    if export_date:
        ws.append([export_date])
    for r in rows:
        ws.append(r)
    if total:
        ws.append(total)
    for name, srows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for r in srows:
            other.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xls(path: Path, rows: list[list], sheet: str = "Sheet1",
              extra_sheets: dict[str, list[list]] | None = None) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for name, srows in {sheet: rows, **(extra_sheets or {})}.items():
        ws = wb.add_sheet(name)
        for i, r in enumerate(srows):
            for j, v in enumerate(r):
                if v is not None:
                    ws.write(i, j, v)
    wb.save(str(path))
    return path


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/expected/ from the current outputs.")
