"""`cmgr db backup|check|export|restore` and the migration of an older database on open,
in-process through typer's CliRunner (no terminal: stdin is not a TTY). Help texts and the global
options are in test_app.py; the prompt helpers in test_common.py."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmgr.cli.app import app
from cmgr.store.db import latest_version, migrations
from tests.cli.small_db import CUSTOMERS, counts, fill

runner = CliRunner()


def cmgr(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


# --- check --------------------------------------------------------------------------------

def test_check_json_reports_integrity_schema_and_row_counts(dbfile):
    result = cmgr("db", "check", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["integrity"] == ["ok"]
    assert report["schema_version"] == latest_version() == report["latest_known"]
    assert report["pending_migrations"] == []
    assert report["tables"] == counts(dbfile)
    assert report["tables"]["order_lines"] == 40 and report["tables"]["customers"] == 3
    assert "已检查" in result.stderr and "已检查" not in result.stdout


def test_check_without_a_database_is_exit_2_and_creates_none(tmp_path, monkeypatch):
    missing = tmp_path / "nothing.db"
    monkeypatch.setenv("CMGR_DB", str(missing))
    result = cmgr("db", "check")
    assert result.exit_code == 2
    assert "找不到数据库" in result.stderr and str(missing) in result.stderr
    assert not missing.exists()


def test_check_finds_a_damaged_page_exit_1(tmp_path, monkeypatch):
    path = tmp_path / "damaged.db"
    fill(path, orders=4000)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    pages = path.stat().st_size // 4096
    with path.open("r+b") as fh:  # scribble over a page in the middle of the order lines
        fh.seek(4096 * (pages // 2) + 100)
        fh.write(b"\xff" * 200)
    monkeypatch.setenv("CMGR_DB", str(path))
    result = cmgr("db", "check", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["integrity"] != ["ok"]
    assert "完整性检查" in result.stderr


def test_check_of_an_older_database_lists_pending_migrations_and_changes_nothing(tmp_path,
                                                                                  monkeypatch):
    path = _version_1_database(tmp_path / "old.db")
    monkeypatch.setenv("CMGR_DB", str(path))
    result = cmgr("db", "check", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["schema_version"] == 1
    assert report["pending_migrations"] == [v for v, _, _ in migrations() if v != 1]
    assert _applied(path) == {1}  # not migrated by looking at it


def _version_1_database(path: Path) -> Path:
    """A database as the first cmgr left it: migration 001 only."""
    from cmgr.store.db import _split_sql

    _, name, sql = migrations()[0]
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at TEXT NOT NULL)")
    for statement in _split_sql(sql.read_text(encoding="utf-8")):
        con.execute(statement)
    con.execute("INSERT INTO schema_migrations VALUES (1, ?, '2025-01-01T00:00:00')", (name,))
    con.execute("INSERT INTO customers(customer_code, customer_name) VALUES ('000532009999', '老户')")
    con.close()
    return path


def _applied(path: Path) -> set[int]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT version FROM schema_migrations")}
    finally:
        con.close()


# --- backup -------------------------------------------------------------------------------

def test_backup_writes_a_checked_copy_and_reports_json(dbfile, tmp_path):
    target = tmp_path / "backups" / "b-{date}.db"
    result = cmgr("db", "backup", str(target), "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    written = Path(data["backup"])
    assert written.parent == tmp_path / "backups" and "{date}" not in written.name
    assert counts(written) == counts(dbfile) == data["tables"]
    con = sqlite3.connect(written)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    con.close()
    assert not list(written.parent.glob("*.part"))


def test_backup_into_a_folder_makes_a_dated_name(dbfile, tmp_path):
    folder = tmp_path / "bk"
    result = cmgr("db", "backup", str(folder) + "/")
    assert result.exit_code == 0, result.stderr
    [made] = list(folder.iterdir())
    assert made.name.startswith("cmgr-") and made.suffix == ".db"
    assert counts(made)["order_lines"] == 40


def test_backup_over_the_database_itself_is_refused(dbfile):
    before = counts(dbfile)
    result = cmgr("db", "backup", str(dbfile))
    assert result.exit_code == 2 and "就是数据库本身" in result.stderr
    assert counts(dbfile) == before


# --- export -------------------------------------------------------------------------------

def test_export_csv_writes_every_table_with_bom_and_reimports(dbfile, tmp_path, monkeypatch):
    out = tmp_path / "export"
    result = cmgr("db", "export", str(out), "--format", "csv")
    assert result.exit_code == 0, result.stderr
    tables = counts(dbfile)
    assert {p.stem for p in out.glob("*.csv")} == set(tables)
    for table, n in tables.items():
        raw = (out / f"{table}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), table
        with (out / f"{table}.csv").open(encoding="utf-8-sig", newline="") as fh:
            assert len(list(csv.reader(fh))) == n + 1, table  # header + every row
    with (out / "customers.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["customer_code"]: r for r in csv.DictReader(fh)}
    assert rows["000532001001"]["customer_name"] == "张记便利店"  # leading zeros kept
    # The data can leave: the exported roster is read back by `cmgr import` into a new database.
    monkeypatch.setenv("CMGR_DB", str(tmp_path / "elsewhere.db"))
    again = cmgr("import", "customers", str(out / "customers.csv"), "--format", "json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["files"][0]["stored"] == 3
    con = sqlite3.connect(tmp_path / "elsewhere.db")
    assert sorted(con.execute("SELECT customer_code, customer_name FROM customers").fetchall()) == \
        sorted((c[0], c[1]) for c in CUSTOMERS)
    con.close()


def test_export_xlsx_has_a_sheet_per_table_and_keeps_text_as_text(dbfile, tmp_path):
    import openpyxl

    out = tmp_path / "x"
    result = cmgr("db", "export", str(out), "--format", "xlsx")
    assert result.exit_code == 0, result.stderr
    wb = openpyxl.load_workbook(out / "cmgr-export.xlsx")
    tables = counts(dbfile)
    assert set(wb.sheetnames) == set(tables) | {"目录"}
    for table, n in tables.items():
        assert wb[table].max_row == n + 1, table
    cust = {r[0]: r for r in wb["customers"].iter_rows(min_row=2, values_only=True)}
    assert set(cust) == {c[0] for c in CUSTOMERS}
    header = [c.value for c in wb["customers"][1]]
    formula_like = wb["customers"].cell(
        row=2 + [c[0] for c in CUSTOMERS].index("000532001003"), column=header.index("customer_name") + 1)
    assert formula_like.value == "=SUM(1,2) 超市" and formula_like.data_type == "s"
    notes = [c.value for c in wb["visits"][1]].index("notes")
    assert wb["visits"].cell(row=2, column=notes + 1).value == "无证经营"
    assert "控制字符" in result.stderr


def test_export_xlsx_continues_a_long_table_on_more_sheets(dbfile, tmp_path, monkeypatch):
    import openpyxl

    from cmgr.store import maintenance

    monkeypatch.setattr(maintenance, "EXCEL_MAX_DATA_ROWS", 15)
    result = cmgr("db", "export", str(tmp_path / "x"))
    assert result.exit_code == 0, result.stderr
    wb = openpyxl.load_workbook(tmp_path / "x" / "cmgr-export.xlsx")
    parts = [n for n in wb.sheetnames if n.startswith("order_lines")]
    assert parts == ["order_lines", "order_lines (2)", "order_lines (3)"]
    keys = [r[1] for n in parts for r in wb[n].iter_rows(min_row=2, values_only=True)]
    assert len(keys) == len(set(keys)) == 40  # every row once, none cut


# --- restore ------------------------------------------------------------------------------

def _backup(dbfile: Path, target: Path) -> Path:
    result = cmgr("db", "backup", str(target))
    assert result.exit_code == 0, result.stderr
    return target


def test_restore_without_a_terminal_needs_yes(dbfile, tmp_path):
    backup = _backup(dbfile, tmp_path / "b.db")
    con = sqlite3.connect(dbfile)
    con.execute("DELETE FROM order_lines")
    con.commit()
    con.close()
    result = cmgr("db", "restore", str(backup))
    assert result.exit_code == 2
    assert "--yes" in result.stderr and "没有可以提问的终端" in result.stderr
    assert counts(dbfile)["order_lines"] == 0  # untouched
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_restore_with_yes_replaces_the_data_and_keeps_the_previous(dbfile, tmp_path):
    backup = _backup(dbfile, tmp_path / "b.db")
    con = sqlite3.connect(dbfile)
    con.execute("DELETE FROM order_lines WHERE rowid % 2 = 0")
    con.commit()
    con.close()
    result = cmgr("db", "restore", str(backup), "--yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert counts(dbfile)["order_lines"] == 40 == data["tables"]["order_lines"]
    previous = Path(data["previous_saved_as"])
    assert previous.exists() and counts(previous)["order_lines"] == 20
    # the global option answers too
    assert cmgr("--yes", "db", "restore", str(previous)).exit_code == 0
    assert counts(dbfile)["order_lines"] == 20


@pytest.mark.parametrize("kind", ["text", "plain_sqlite", "newer", "damaged"])
def test_restore_refuses_what_is_not_a_sound_cmgr_database(dbfile, tmp_path, kind):
    bad = tmp_path / "bad.db"
    if kind == "text":
        bad.write_text("客户编码,客户名称\n1,张三\n", encoding="utf-8")
        words = "不是 SQLite 文件"
    elif kind == "plain_sqlite":
        con = sqlite3.connect(bad)
        con.execute("CREATE TABLE t (x)")
        con.commit()
        con.close()
        words = "不是 cmgr 数据库"
    elif kind == "newer":
        _backup(dbfile, bad)
        con = sqlite3.connect(bad)
        con.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00')")
        con.commit()
        con.close()
        words = "由更新版本的 cmgr 写入"
    else:
        src = tmp_path / "src.db"
        fill(src, orders=4000)
        con = sqlite3.connect(src)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode = DELETE")
        con.close()
        data = bytearray(src.read_bytes())
        middle = (len(data) // 4096 // 2) * 4096
        data[middle + 100: middle + 300] = b"\xff" * 200
        bad.write_bytes(bytes(data))
        words = "已损坏"
    before = counts(dbfile)
    result = cmgr("db", "restore", str(bad), "--yes")
    assert result.exit_code == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert counts(dbfile) == before


def test_restore_of_an_older_backup_migrates_it(dbfile, tmp_path):
    old = _version_1_database(tmp_path / "old.db")
    result = cmgr("db", "restore", str(old), "--yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["migrations_applied"] == [v for v, _, _ in migrations() if v != 1]
    assert _applied(dbfile) == {v for v, _, _ in migrations()}
    con = sqlite3.connect(dbfile)
    assert con.execute("SELECT customer_code FROM customers").fetchall() == [("000532009999",)]
    con.close()


def test_restore_over_an_unreadable_database_sets_it_aside(tmp_path, monkeypatch):
    good = tmp_path / "good.db"
    fill(good)
    path = tmp_path / "cmgr.db"
    path.write_bytes(b"this is not a database at all" * 100)
    monkeypatch.setenv("CMGR_DB", str(path))
    result = cmgr("db", "restore", str(good), "--yes")
    assert result.exit_code == 0, result.stderr
    assert counts(path)["order_lines"] == 40
    [aside] = list(tmp_path.glob("cmgr.db.before-restore-*"))
    assert aside.read_bytes().startswith(b"this is not a database")


def test_restore_waits_for_a_writer_then_exits_4(dbfile, tmp_path, monkeypatch):
    backup = _backup(dbfile, tmp_path / "b.db")
    monkeypatch.setenv("CMGR_DATABASE_BUSY_TIMEOUT", "0.3")
    holder = sqlite3.connect(dbfile, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("DELETE FROM order_lines")
    try:
        result = cmgr("db", "restore", str(backup), "--yes")
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert result.exit_code == 4, result.stderr
    assert "locked" in result.stderr
    assert counts(dbfile)["order_lines"] == 0  # the other writer's work stands, not a mix


def test_restore_asks_on_a_terminal(dbfile, tmp_path, monkeypatch):
    backup = _backup(dbfile, tmp_path / "b.db")
    con = sqlite3.connect(dbfile)
    con.execute("DELETE FROM customers")
    con.commit()
    con.close()
    monkeypatch.setenv("CMGR_INTERACTIVE", "1")
    no = cmgr("db", "restore", str(backup), input="n\n")
    assert no.exit_code == 2 and "已取消" in no.stderr
    assert counts(dbfile)["customers"] == 0
    yes = cmgr("db", "restore", str(backup), input="y\n")
    assert yes.exit_code == 0, yes.stderr
    # The question goes to stderr; CliRunner echoes the typed answer on stdout, a terminal would not.
    assert "替换" in yes.stderr and "替换" not in yes.stdout
    assert counts(dbfile)["customers"] == 3


# --- an older database ---------------------------------------------------------------------

def test_an_older_database_is_migrated_with_a_backup_taken_first(tmp_path, monkeypatch):
    path = _version_1_database(tmp_path / "cmgr.db")
    monkeypatch.setenv("CMGR_DB", str(path))
    result = cmgr("init")  # any command that uses the database
    assert result.exit_code == 0, result.stderr
    assert _applied(path) == {v for v, _, _ in migrations()}
    if latest_version() == 1:
        return  # nothing to migrate yet
    [saved] = list(tmp_path.glob("cmgr.db.before-v*.bak"))
    assert _applied(saved) == {1}
    con = sqlite3.connect(saved)
    assert con.execute("SELECT customer_code FROM customers").fetchall() == [("000532009999",)]
    con.close()


