"""`cmgr db migrate-to URL`: a manager's SQLite database into the team's PostgreSQL one.

Against the session's throwaway server (skipped, with the reason, when none can be started):
the demo territory migrated reads the same through every command as the file it came from; a
second run copies nothing; two managers' copies of one customer that disagree are a clash,
reported field by field and never overwritten; surrogate ids taken in the team database are
renumbered and what points at them follows.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.test_backends import _first_difference, _same

CUSTOMER = "053200100141"
# Reads only: each is run on the SQLite file and on the team database, its JSON compared.
READS = [
    ("monthly-report", ["monthly-report", "--manager", "王建国", "--month", "2026-10"]),
    ("monthly-report all", ["monthly-report", "--all", "--month", "2026-11"]),
    ("flag list", ["flag"]),
    ("flag list closed", ["flag", "--status", "closed"]),
    ("plan-week", ["plan-week", "--all", "--week", "2026-W49", "--no-save"]),
    ("plan-review", ["plan-review", "--all", "--week", "2026-W49"]),
    ("customer show", ["customer", "show", CUSTOMER]),
    ("complaint list", ["complaint", "list"]),
    ("visit list", ["visit", "list", "--customer", CUSTOMER]),
    ("kpi", ["kpi", "--month", "2026-10", "--all"]),
]


def _env(folder: Path) -> dict:
    return {"CMGR_CONFIG": "", "CMGR_INTERACTIVE": "0", "XDG_CONFIG_HOME": str(folder / "cfg"),
            "XDG_DATA_HOME": str(folder / "data"), "MPLBACKEND": "Agg"}


def cli(db: str | Path, *args: str, folder: Path):
    from cmgr.cli.app import app

    return CliRunner().invoke(app, ["--db", str(db), *args], env=_env(folder),
                              catch_exceptions=False)


def migrate(source: Path, url: str, *more: str, folder: Path) -> tuple[int, dict]:
    result = cli(source, "db", "migrate-to", url, *more, "--format", "json", folder=folder)
    assert result.stdout.startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)


def counts_sqlite(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%'")]
        from cmgr.store.migrate_to import NOT_COPIED

        return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names
                if n not in NOT_COPIED}
    finally:
        con.close()


def pg_rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> tuple[Path, Path]:
    """The demo territory (`cmgr demo`, as the golden tests build it) with a visit logged, its
    flags found and reviewed on top: rows in visit_prices and flag_events (which point at
    flags by id)."""
    folder = tmp_path_factory.mktemp("migrate-demo")
    path = folder / "demo.db"
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        assert cli(path, "demo", "--dir", str(folder), folder=folder).exit_code == 0
        for args in (["visit", "log", "--customer", CUSTOMER, "--date", "2026-11-30",
                      "--notes", "价签缺失，老板说中华卖到七百五", "--price", "中华(软):750"],
                     ["flag"],
                     ["flag", "review", "--customer", CUSTOMER, "--report", "--close",
                      "--result", "已降级", "--by", "区域经理"]):
            done = cli(path, *args, folder=folder)
            assert done.exit_code == 0, done.output
    finally:
        os.chdir(cwd)
    return path, folder


def test_every_table_of_the_schema_says_how_it_is_matched(tmp_path) -> None:
    """A new migration's table must be given a TableSpec (or be named as not copied)."""
    from cmgr.store.db import open_database
    from cmgr.store.migrate_to import NOT_COPIED, TABLES

    db = open_database(tmp_path / "fresh.db")
    try:
        tables = set(db.user_tables()) - set(NOT_COPIED)
    finally:
        db.close()
    names = [s.name for s in TABLES]
    assert sorted(names) == sorted(tables)
    for i, spec in enumerate(TABLES):  # a parent is copied (and mapped) before its children
        for parent in spec.refs.values():
            assert names.index(parent) < i, (spec.name, parent)


def test_the_demo_territory_reads_the_same_on_the_team_database(demo_db, pg_url) -> None:
    source, folder = demo_db
    before = counts_sqlite(source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    code, report = migrate(source, pg_url, folder=folder)
    assert code == 0, report
    assert report["committed"] and report["clash_count"] == 0
    assert {t: r["copied"] for t, r in report["tables"].items()} == before
    assert before["flag_events"] > 0 and before["visit_prices"] > 0 and before["plans"] > 0
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest  # only read

    for name, args in READS:
        mine = cli(source, *args, "--format", "json", folder=folder)
        team = cli(pg_url, *args, "--format", "json", folder=folder)
        assert mine.exit_code == team.exit_code == 0, (name, mine.output[-500:], team.output[-500:])
        a, b = json.loads(mine.stdout), json.loads(team.stdout)
        assert len(mine.stdout) > 40, (name, mine.stdout)
        assert _same(a, b), f"{name}: {_first_difference(a, b)}"

    # The references survived: the reviewed flag's events, the logged visit's price.
    events = pg_rows(pg_url, "SELECT f.flag_key, e.action, e.text FROM flag_events e "
                             "JOIN flags f ON f.id = e.flag_id ORDER BY e.id")
    con = sqlite3.connect(source)
    try:
        assert events == con.execute("SELECT f.flag_key, e.action, e.text FROM flag_events e "
                                     "JOIN flags f ON f.id = e.flag_id ORDER BY e.id").fetchall()
    finally:
        con.close()

    # Idempotent: the second run copies nothing and finds every row already there.
    code, again = migrate(source, pg_url, folder=folder)
    assert code == 0, again
    assert {t: r["copied"] for t, r in again["tables"].items()} == {t: 0 for t in before}
    assert {t: r["already_there"] for t, r in again["tables"].items()} == before
    assert again["copied"] == 0 and again["clash_count"] == 0


def _second_manager(first: Path, folder: Path) -> tuple[Path, str]:
    """Another manager's copy of the same territory: same customers and imports, with one
    customer that disagrees (another manager, another licence), a new customer, a complaint
    of its own on a day the first copy numbered one too, and a flag of its own."""
    second = folder / "second.db"
    shutil.copy(first, second)
    con = sqlite3.connect(second)
    try:
        (taken, day), = con.execute("SELECT id, substr(created_at, 1, 10) FROM complaints")
        con.execute("UPDATE customers SET manager = '李娜', license_no = '999999999999' "
                    "WHERE customer_code = ?", (CUSTOMER,))
        con.execute("INSERT INTO customers (customer_code, customer_name, manager, status) "
                    "VALUES ('NEW0001', '新开便利店', '李娜', '正常')")
        # Deleting the first copy's complaint frees its number here: this copy's own complaint
        # gets the same id as the first copy's, for another customer.
        con.execute("DELETE FROM complaint_events")
        con.execute("DELETE FROM complaints")
        # This copy's own flag has the number one of the first copy's flags has there.
        (fid,) = con.execute("SELECT max(id) FROM flags WHERE id NOT IN (SELECT flag_id FROM "
                             "flag_events) AND id NOT IN (SELECT flag_id FROM flag_decisions)"
                             ).fetchone()
        con.execute("DELETE FROM flags WHERE id = ?", (fid,))
        con.execute("INSERT INTO flags (id, flag_key, kind, subkind, source, customer_code, "
                    "status, created_at) VALUES (?, 'test|second|flag', 'price', 'above_guide', "
                    "'note', 'NEW0001', 'reported', '2026-12-01T00:00:00')", (fid,))
        con.execute("INSERT INTO flag_events (flag_id, action, by, at, text) "
                    "VALUES (?, 'report', '李娜', '2026-12-01T09:00:00', '第二份的上报')", (fid,))
        con.commit()
    finally:
        con.close()
    done = cli(second, "complaint", "new", "--customer", "NEW0001", "--sku", "利群(休闲)", "--qty",
               "2条", "--problem", "包装破损", "--no-form", "--date", day, folder=folder)
    assert done.exit_code == 0, done.output
    assert taken in done.output, done.output
    return second, taken


def test_a_clash_between_two_managers_copies_is_reported_and_not_overwritten(
        demo_db, pg_url, tmp_path) -> None:
    first, folder = demo_db
    second, taken = _second_manager(first, tmp_path)
    assert migrate(first, pg_url, folder=folder)[0] == 0
    team_before = pg_rows(pg_url, "SELECT manager, license_no FROM customers "
                                  "WHERE customer_code = %s", (CUSTOMER,))
    customers_before = pg_rows(pg_url, "SELECT count(*) FROM customers")

    code, report = migrate(second, pg_url, folder=folder)
    assert code == 1, report
    assert not report["committed"]
    assert report["tables"]["customers"]["clashes"] == 1
    assert report["tables"]["customers"]["copied"] == 1  # NEW0001, had it gone in
    (clash,) = report["clashes"]
    assert clash["table"] == "customers" and clash["key"] == {"customer_code": CUSTOMER}
    assert clash["label"]
    assert {f["field"]: (f["source"], f["target"]) for f in clash["fields"]} == {
        "manager": ("李娜", team_before[0][0]), "license_no": ("999999999999", team_before[0][1])}
    # By default nothing of that copy went in.
    assert pg_rows(pg_url, "SELECT count(*) FROM customers") == customers_before
    assert pg_rows(pg_url, "SELECT count(*) FROM flags WHERE flag_key = 'test|second|flag'") == [(0,)]

    # The table names the customer, the fields and both values.
    shown = cli(second, "db", "migrate-to", pg_url, folder=folder)
    assert shown.exit_code == 1
    for text in (CUSTOMER, "manager", "李娜", team_before[0][0], "999999999999"):
        assert text in shown.stdout, text

    # --skip-clashes: the rest goes in, the clashing customer stays as the team has it.
    code, report = migrate(second, pg_url, "--skip-clashes", folder=folder)
    assert code == 1 and report["committed"], report
    assert pg_rows(pg_url, "SELECT manager, license_no FROM customers WHERE customer_code = %s",
                   (CUSTOMER,)) == team_before
    assert pg_rows(pg_url, "SELECT customer_name FROM customers WHERE customer_code = 'NEW0001'") \
        == [("新开便利店",)]
    # Its flag took a new id (the first copy's flags hold its number), its event followed.
    (renumbered_flag,) = report["renumbered"]["flags"]
    assert pg_rows(pg_url, "SELECT f.flag_key, e.text FROM flag_events e JOIN flags f "
                           "ON f.id = e.flag_id WHERE e.flag_id = %s", (renumbered_flag["to"],)) \
        == [("test|second|flag", "第二份的上报")]
    # Its complaint's number was the first copy's: renumbered, its history with it.
    (moved,) = report["renumbered"]["complaints"]
    assert moved["from"] == taken and moved["to"] == taken[:-3] + "002"
    assert pg_rows(pg_url, "SELECT c.customer_code, e.step FROM complaint_events e JOIN "
                           "complaints c ON c.id = e.complaint_id WHERE c.id = %s",
                   (moved["to"],)) == [("NEW0001", "new")]
    assert pg_rows(pg_url, "SELECT customer_code FROM complaints WHERE id = %s", (taken,)) \
        != [("NEW0001",)]

    # Run again: nothing more is copied, the clash is still reported.
    code, report = migrate(second, pg_url, "--skip-clashes", folder=folder)
    assert code == 1 and report["copied"] == 0 and report["clash_count"] == 1, report


def test_refusals_say_why_without_a_traceback(demo_db, tmp_path, postgres, pg_url) -> None:
    source, folder = demo_db
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CMGR_")},
           **_env(folder), "CMGR_DB": str(source)}

    def run(*args: str, db: str | Path = source) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cmgr", "--db", str(db), "db", "migrate-to",
                               *args], env=env, capture_output=True, text=True, timeout=120)

    cases = [
        (run(str(tmp_path / "team.db")), "postgresql://"),  # not a URL
        (run("postgresql://cmgr@/nodb?host=" + str(tmp_path / "no-server")), "PostgreSQL"),
    ]
    not_sqlite = tmp_path / "orders.xlsx"
    not_sqlite.write_bytes(b"PK\x03\x04 not a database")
    cases.append((run(postgres.url("postgres"), db=not_sqlite), "SQLite"))
    older = tmp_path / "older.db"
    shutil.copy(source, older)
    con = sqlite3.connect(older)
    con.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version) "
                "FROM schema_migrations)")
    con.commit()
    con.close()
    cases.append((run(postgres.url("postgres"), db=older), "cmgr --db"))
    newer = tmp_path / "newer.db"
    shutil.copy(source, newer)
    con = sqlite3.connect(newer)
    con.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00')")
    con.commit()
    con.close()
    cases.append((run(postgres.url("postgres"), db=newer), "999"))
    # A database user that may not write the team's tables (nor create them).
    postgres.psql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mig_nopriv') "
                  "THEN CREATE ROLE mig_nopriv LOGIN; END IF; END $$")
    cases.append((run(pg_url.replace(f"//{postgres.user}@", "//mig_nopriv@", 1)),
                  "不允许：数据库用户没有这项权限"))
    for done, said in cases:
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and said in done.stderr, done.stderr
        assert done.stdout == ""
    # Refused before anything was written: the server's default database got no tables.
    assert pg_rows(postgres.url("postgres"), "SELECT count(*) FROM information_schema.tables "
                                            "WHERE table_schema = 'public'") == [(0,)]


def test_an_empty_team_database_is_migrated_first_and_a_dry_run_writes_nothing(
        postgres, tmp_path, monkeypatch) -> None:
    from cmgr.store.db import migrations
    from tests.cli.records_seed import seeded_db_path

    source = seeded_db_path(tmp_path, monkeypatch)
    postgres.psql("CREATE DATABASE migrate_to_empty")
    url = postgres.url("migrate_to_empty")
    try:
        code, report = migrate(source, url, "--dry-run", folder=tmp_path)
        assert code == 0 and not report["committed"], report
        assert report["target_migrations_applied"] == [v for v, _, _ in migrations()]
        assert report["tables"]["customers"]["copied"] == 5
        assert pg_rows(url, "SELECT count(*) FROM customers") == [(0,)]

        code, report = migrate(source, url, folder=tmp_path)
        assert code == 0 and report["committed"] and report["target_migrations_applied"] == []
        assert report["tables"]["customers"]["copied"] == 5
        assert pg_rows(url, "SELECT count(*) FROM order_lines") == [
            (counts_sqlite(source)["order_lines"],)]
    finally:
        postgres.psql("DROP DATABASE IF EXISTS migrate_to_empty WITH (FORCE)")


def test_an_export_row_folded_into_a_recorded_visit_is_already_there(demo_db, pg_url,
                                                                     tmp_path) -> None:
    """The team database holds the visit typed in cmgr with the export's row folded into it;
    the other copy has the two apart: the export's row is that visit, already there, and the
    typed visit without it is one visit recorded twice over, a clash, not a second visit."""
    source, folder = demo_db
    folded = tmp_path / "folded.db"
    shutil.copy(source, folded)
    con = sqlite3.connect(folded)
    try:
        (typed,) = con.execute("SELECT visit_key FROM visits WHERE source = 'cmgr'").fetchone()
        (export,) = con.execute("SELECT v.visit_key FROM visits v WHERE v.source = 'import' AND "
                                "v.visit_key NOT IN (SELECT visit_key FROM flags WHERE visit_key "
                                "IS NOT NULL) AND v.visit_key NOT IN (SELECT visit_key FROM "
                                "visit_prices) ORDER BY v.visit_key LIMIT 1").fetchone()
        con.execute("UPDATE visits SET export_key = ? WHERE visit_key = ?", (export, typed))
        con.execute("DELETE FROM flag_scans WHERE visit_key = ?", (export,))
        con.execute("DELETE FROM visits WHERE visit_key = ?", (export,))
        con.commit()
    finally:
        con.close()
    assert migrate(folded, pg_url, folder=folder)[0] == 0

    code, report = migrate(source, pg_url, folder=folder)
    assert code == 1 and not report["committed"]
    visits = report["tables"]["visits"]
    assert visits == {"copied": 0, "already_there": counts_sqlite(source)["visits"] - 1,
                      "clashes": 1, "held_back": 0}
    (clash,) = [c for c in report["clashes"] if c["table"] == "visits"]
    assert clash["key"] == {"visit_key": typed}
    assert clash["fields"] == [{"field": "export_key", "source": None, "target": export}]
    assert report["tables"]["flag_scans"]["copied"] == 1  # the export row's scan, no harm
