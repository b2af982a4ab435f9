"""The store's upsert: staged through ADBC or given as tuples, merged on natural keys, counted
exactly, and leaving nothing behind (scratch files, attachments, foreign keys off)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyarrow as pa
import pytest

from cmgr.errors import DatabaseError
from cmgr.jobs.ingest import import_file
from cmgr.store.records import finish_import, staged, start_import, upsert
from tests.conftest import write_csv

PRICE_COLUMNS = ["sku_name", "wholesale_price", "retail_guide_price"]


def price_table(rows: list[tuple]) -> pa.Table:
    names = ["sku_code", *PRICE_COLUMNS]
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


def stage_upsert(db, rows: list[tuple], parts: int = 1):
    table = price_table(rows)
    size = -(-len(rows) // parts)
    with staged(db, "prices", table.schema, parts) as stage, \
            db.transaction(check_foreign_keys=False, lock_attached=False):
        import_id = start_import(db, "prices", "p.csv", None, "0" * 64)
        with stage.running(import_id):
            for i in range(parts):
                stage.put(lambda i=i: table.slice(i * size, size))
            counts = stage.finish()
        finish_import(db, import_id, rows_read=len(rows), stored=counts.stored,
                      updated=counts.updated, unchanged=counts.unchanged, skipped=0, rejected=0)
    return counts


def tuple_upsert(db, rows: list[tuple]):
    with db.transaction():
        return upsert(db, "prices", PRICE_COLUMNS, rows, None)


FIRST = [("001", "中华(硬)", 450.0, 500.0), ("002", "玉溪(软)", 185.5, 230.0),
         ("003", "利群(新版)", 124.2, None)]
SECOND = [("001", "中华(硬)", 450.0, 500.0),      # unchanged
          ("002", "玉溪(软)", 190.0, 230.0),      # changed price
          ("003", "利群(新版)", 124.2, 160.0),    # a value filled in
          ("004", "黄鹤楼(软蓝)", 190.8, 230.0)]  # new


@pytest.mark.parametrize("load", [stage_upsert, lambda db, rows: stage_upsert(db, rows, parts=3),
                                  tuple_upsert], ids=["staged", "staged-in-parts", "tuples"])
def test_counts_new_changed_and_unchanged_rows_exactly(db, load):
    first = load(db, FIRST)
    assert (first.stored, first.updated, first.unchanged) == (3, 0, 0)
    second = load(db, SECOND)
    assert (second.stored, second.updated, second.unchanged) == (1, 2, 1)
    assert db.scalar("SELECT wholesale_price FROM prices WHERE sku_code = '002'") == 190.0
    assert db.scalar("SELECT retail_guide_price FROM prices WHERE sku_code = '003'") == 160.0
    assert db.scalar("SELECT count(*) FROM prices") == 4
    again = load(db, SECOND)
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 4)


def test_counts_stay_exact_after_rows_were_deleted(db):
    # New rows are told apart by rowid; deleting the newest rows must not make old ones "new".
    stage_upsert(db, FIRST)
    with db.transaction():
        db.execute("DELETE FROM prices WHERE sku_code = '003'")
    counts = stage_upsert(db, SECOND)
    assert (counts.stored, counts.updated, counts.unchanged) == (2, 1, 1)


@pytest.mark.sqlite_only("SQLite's scratch files; PostgreSQL stages in a temporary table")
def test_scratch_file_is_detached_and_deleted_after_success_and_failure(db, tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    stage_upsert(db, FIRST)
    assert list(scratch.iterdir()) == []
    with pytest.raises(RuntimeError), staged(db, "prices", price_table(SECOND).schema, 2):
        assert len(list(scratch.iterdir())) == 1  # staged while inside
        raise RuntimeError("boom")
    assert list(scratch.iterdir()) == []
    assert [r[1] for r in db.query("PRAGMA database_list")] == ["main"]


@pytest.mark.sqlite_only("SQLite's scratch files in TMPDIR")
def test_unusable_temporary_folder_is_a_clear_error_and_writes_nothing(db, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no" / "such" / "folder"))
    path = write_csv(tmp_path / "prices.csv", [["卷烟编码", "卷烟名称", "批发价"], ["001", "中华(硬)", 450]])
    with pytest.raises(DatabaseError, match="TMPDIR|scratch"):
        import_file(db, "prices", path)
    assert db.scalar("SELECT count(*) FROM prices") == 0
    assert db.scalar("SELECT count(*) FROM imports") == 0


@pytest.mark.sqlite_only("SQLite's foreign_keys pragma")
def test_import_turns_foreign_key_checks_back_on(db, tmp_path):
    path = write_csv(tmp_path / "prices.csv", [["卷烟编码", "卷烟名称", "批发价"], ["001", "中华(硬)", 450]])
    import_file(db, "prices", path)
    assert db.scalar("PRAGMA foreign_keys") == 1
    import_file(db, "prices", path, dry_run=True)
    assert db.scalar("PRAGMA foreign_keys") == 1


def test_stage_refuses_columns_the_kind_does_not_store(db):
    bad = pa.table({"sku_code": ["001"], "secret": ["x"]})
    with pytest.raises(ValueError, match="stored columns"), staged(db, "prices", bad.schema, 1):
        pass


def test_file_out_of_key_order_is_stored_whole(db, tmp_path):
    rows = [["订单编号", "订货日期", "客户编码", "卷烟编码", "数量"]]
    rows += [[f"D{i:04d}", "2026-11-03", "001", "690", 1] for i in (5, 3, 9, 1, 7, 2)]
    r = import_file(db, "orders", write_csv(tmp_path / "o.csv", rows))
    assert (r.stored, r.unchanged) == (6, 0)
    assert [x[0] for x in db.query("SELECT order_id FROM order_lines ORDER BY order_id")] == [
        "D0001", "D0002", "D0003", "D0005", "D0007", "D0009"]
    if not db.is_postgres:
        assert Path(db.path).exists()


def test_foreign_keys_come_back_on_when_the_lock_is_not_granted(tmp_path):
    import sqlite3

    from cmgr.errors import DatabaseBusy
    from cmgr.store.db import open_database

    path = tmp_path / "busy.db"
    open_database(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    db = open_database(path, busy_timeout=0.2)
    try:
        with pytest.raises(DatabaseBusy), db.transaction(check_foreign_keys=False):
            pass
        assert db.scalar("PRAGMA foreign_keys") == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        db.close()


@pytest.mark.sqlite_only("SQLite's scratch folders")
def test_scratch_folders_of_killed_imports_go_after_a_day(db, tmp_path, monkeypatch):
    import os
    import time

    from cmgr.store.records import STAGE_PREFIX

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    old, young, other = (scratch / f"{STAGE_PREFIX}old", scratch / f"{STAGE_PREFIX}young",
                         scratch / "someone-elses")
    for folder in (old, young, other):
        folder.mkdir()
        (folder / "incoming.db").write_bytes(b"x")
    two_days_ago = time.time() - 2 * 24 * 3600
    for folder in (old, other):
        os.utime(folder, (two_days_ago, two_days_ago))
    stage_upsert(db, FIRST)
    assert sorted(p.name for p in scratch.iterdir()) == [f"{STAGE_PREFIX}young", "someone-elses"]


def orders_file(tmp_path, n: int, qty: int = 1, name: str = "o.csv") -> Path:
    rows = [["订单编号", "订货日期", "客户编码", "卷烟编码", "数量"]]
    rows += [[f"D{(i * 7919) % n:05d}", "2026-11-03", f"{i % 13:03d}", "690", qty] for i in range(n)]
    return write_csv(tmp_path / name, rows)


def test_a_file_staged_in_parts_stores_the_same_as_in_one(db, tmp_path, monkeypatch):
    from cmgr.store import records

    monkeypatch.setattr(records, "STAGE_PART_ROWS", 7)  # 50 rows -> 8 parts, parsed meanwhile
    first = import_file(db, "orders", orders_file(tmp_path, 50))
    assert (first.stored, first.updated, first.unchanged) == (50, 0, 0)
    assert db.scalar("SELECT count(DISTINCT order_id) FROM order_lines") == 50
    again = import_file(db, "orders", orders_file(tmp_path, 50))
    assert (again.stored, again.updated, again.unchanged) == (0, 0, 50)
    changed = import_file(db, "orders", orders_file(tmp_path, 60, qty=2, name="p.csv"))
    assert (changed.stored, changed.updated, changed.unchanged) == (10, 50, 0)
    assert db.scalar("SELECT sum(qty) FROM order_lines") == 120
    if not db.is_postgres:  # every scratch file detached
        assert [r[1] for r in db.query("PRAGMA database_list")] == ["main"]
        assert db.scalar("PRAGMA integrity_check") == "ok"


@pytest.mark.sqlite_only("SQLite's staging thread")
def test_a_part_that_cannot_be_staged_fails_the_import_and_writes_nothing(db, tmp_path, monkeypatch):
    from cmgr.store import records

    real = records._write_stage

    def fail_on_append(path, table, mode):
        if mode == "append" and path.name == "incoming3.db":
            raise DatabaseError(f"cannot stage {table.num_rows} rows in {path.parent}: disk full")
        real(path, table, mode)

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(records, "STAGE_PART_ROWS", 7)
    monkeypatch.setattr(records, "_write_stage", fail_on_append)
    with pytest.raises(DatabaseError, match="disk full"):
        import_file(db, "orders", orders_file(tmp_path, 50))
    assert db.scalar("SELECT count(*) FROM order_lines") == 0
    assert db.scalar("SELECT count(*) FROM imports") == 0
    assert list(scratch.iterdir()) == []
    assert [r[1] for r in db.query("PRAGMA database_list")] == ["main"]


@pytest.mark.sqlite_only("SQLite's scratch files' schema")
def test_parts_share_one_schema_when_a_column_is_empty_in_some(db, tmp_path, monkeypatch):
    from cmgr.store import records

    monkeypatch.setattr(records, "STAGE_PART_ROWS", 2)
    roster = [["客户编码", "客户名称", "经营地址", "档位", "经度"],
              ["001", "甲店", None, None, None], ["002", "乙店", None, None, None],  # part 0: empty
              ["003", "丙店", "历下区1号", 12, 117.1], ["004", "丁店", "历下区2号", "二十", 117.2],
              ["005", "戊店", None, "A3", None]]
    r = import_file(db, "customers", write_csv(tmp_path / "roster.csv", roster))
    assert (r.stored, r.rejected) == (5, 0)
    got = {row[0]: tuple(row[1:]) for row in db.query(
        "SELECT customer_code, address, grade, grade_label, lon FROM customers")}
    assert got["001"] == (None, None, None, None)
    assert got["004"] == ("历下区2号", 20, "二十", 117.2)
    assert got["005"] == (None, None, "A3", None)


@pytest.mark.sqlite_only("SQLite's BEGIN and foreign_keys pragma")
def test_a_failed_begin_leaves_no_transaction_and_foreign_keys_on(db):
    import sqlite3

    real = db.conn

    class Failing:  # the no-op write that takes the lock fails as on a damaged file
        def __getattr__(self, name):
            return getattr(real, name)

        def execute(self, sql, *args):
            if sql.startswith("UPDATE main.schema_migrations"):
                raise sqlite3.DatabaseError("database disk image is malformed")
            return real.execute(sql, *args)

    db.conn = Failing()
    try:
        with pytest.raises(sqlite3.DatabaseError, match="malformed"), \
                db.transaction(check_foreign_keys=False, lock_attached=False):
            pass
    finally:
        db.conn = real
    assert not real.in_transaction
    assert db.scalar("PRAGMA foreign_keys") == 1


def test_a_failure_inside_running_stops_the_stage_before_the_rollback(db):
    """Both stages' `running` (one shared definition): the block fails after a part was
    handed over; the stage's threads are gone before the transaction rolls back, nothing is
    stored, and the database takes the next import."""
    import threading

    table = price_table(FIRST)
    with pytest.raises(RuntimeError, match="boom"), \
            staged(db, "prices", table.schema, 2) as stage, \
            db.transaction(check_foreign_keys=False, lock_attached=False):
        import_id = start_import(db, "prices", "p.csv", None, "0" * 64)
        with stage.running(import_id) as running:
            assert running is stage
            stage.put(lambda: table.slice(0, 2))
            raise RuntimeError("boom")
    assert not [t.name for t in threading.enumerate() if t.name.startswith("cmgr-stage")]
    assert db.scalar("SELECT count(*) FROM prices") == 0
    assert db.scalar("SELECT count(*) FROM imports") == 0
    counts = stage_upsert(db, FIRST)
    assert counts.stored == 3
