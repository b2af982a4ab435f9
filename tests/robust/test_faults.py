"""The world's faults (issue 16.8, 16.13): exit 2 (or 4) and one line naming cause and path,
no traceback; no database made by a typo; leftovers cleaned."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.records_seed import seeded_db_path

FAULTY = Path(__file__).with_name("faulty_cmgr.py")
ROOT = Path(__file__).resolve().parents[2]


def cmgr(*args: str, fault: str = "", **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "CMGR_INTERACTIVE": "0", "CMGR_TEST_FAULT": fault,
            "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, str(FAULTY), *args], env=full, capture_output=True,
                          text=True, timeout=120)


def assert_one_line_fault(p: subprocess.CompletedProcess, *words: str, code: int = 2) -> None:
    assert p.returncode == code, p.stderr
    assert "Traceback" not in p.stderr and "内部错误" not in p.stderr, p.stderr
    errors = [line for line in p.stderr.splitlines() if line.startswith("错误：")]
    assert len(errors) == 1, p.stderr
    assert ".cmgr-staging-" not in errors[0], p.stderr  # the file asked for, not its staged copy
    for w in words:
        assert w in errors[0], p.stderr


@pytest.fixture
def seeded(tmp_path, monkeypatch) -> Path:
    return seeded_db_path(tmp_path, monkeypatch)


def test_output_on_a_full_disk(seeded, tmp_path):
    for args in (["plan-week", "--all", "--no-save", "--out", str(tmp_path / "p-{manager}.xlsx")],
                 ["monthly-report", "--all", "--format", "docx", "--out",
                  str(tmp_path / "m-{manager}.docx")],
                 ["db", "backup", str(tmp_path / "backup.db")]):
        p = cmgr(*args, fault="fsync-enospc", CMGR_DB=str(seeded))
        assert_one_line_fault(p, "没有空间", str(tmp_path))
        assert not list(tmp_path.glob(".*.part*")), "no temporary file left behind"


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_a_zip_writer_failing_half_way_leaks_no_traceback(seeded, tmp_path, fmt):
    p = cmgr("monthly-report", "--all", "--format", fmt, "--out",
             str(tmp_path / ("m-{manager}." + fmt)), fault="zip-enospc", CMGR_DB=str(seeded))
    assert_one_line_fault(p, "没有空间", str(tmp_path))
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob("m-*"))


def test_a_database_that_cannot_grow(tmp_path):
    from tests.conftest import write_csv

    rows = [["订货日期", "客户编码", "卷烟编码", "数量"]]
    rows += [["2026-11-03", f"C{i:05d}", f"69{i:011d}", 1] for i in range(3000)]
    path = write_csv(tmp_path / "orders.csv", rows)
    db = tmp_path / "full.db"
    from cmgr.store.db import open_database

    open_database(db).close()
    p = cmgr("--db", str(db), "import", "orders", str(path), fault="db-full")
    assert_one_line_fault(p, "没有空间", str(db))
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 0
    con.close()


def test_out_naming_a_folder_or_a_path_under_a_file(seeded, tmp_path):
    (tmp_path / "folder.xlsx").mkdir()
    (tmp_path / "afile").write_text("x")
    p = cmgr("promo", "recommend", "--format", "xlsx", "--out", str(tmp_path / "folder.xlsx"),
             CMGR_DB=str(seeded))
    assert_one_line_fault(p, "是文件夹，不是文件", "folder.xlsx")
    p = cmgr("promo", "recommend", "--format", "xlsx", "--out", str(tmp_path / "afile" / "x.xlsx"),
             CMGR_DB=str(seeded))
    assert_one_line_fault(p, str(tmp_path / "afile"))


def test_a_page_corrupted_database(seeded):
    size = seeded.stat().st_size
    pages = size // 4096
    with open(seeded, "r+b") as fh:  # the last pages: order lines, not what opening reads
        for page in range(pages - pages // 10, pages):
            fh.seek(page * 4096)
            fh.write(b"\xde\xad\xbe\xef" * 1024)
    p = cmgr("monthly-report", "--all", "--format", "json", CMGR_DB=str(seeded))
    assert_one_line_fault(p, "已损坏", str(seeded))


@pytest.mark.parametrize("exc,words", [
    (OSError(errno.ENOSPC, "No space left on device", "/x/out.xlsx"), ["没有空间", "/x/out.xlsx"]),
    (OSError(errno.EROFS, "Read-only file system", "/mnt/x"), ["只读", "/mnt/x"]),
    (OSError(errno.EISDIR, "Is a directory", "/x/dir"), ["/x/dir 是文件夹"]),
    (OSError(errno.ENOTDIR, "Not a directory", "/x/file/y"), ["经过的是文件"]),
    (sqlite3.OperationalError("attempt to write a readonly database"), ["只读", "db.sqlite"]),
    (sqlite3.OperationalError("database or disk is full"), ["没有空间", "db.sqlite"]),
    (sqlite3.DatabaseError("database disk image is malformed"), ["已损坏", "db.sqlite"]),
])
def test_world_faults_are_named_not_internal(exc, words, tmp_path):
    from cmgr.cli.common import AppState, world_fault

    state = AppState(db_option=Path("db.sqlite"))
    wrapped = RuntimeError("wrapped by a library")
    wrapped.__cause__ = exc
    for e in (exc, wrapped):
        fault = world_fault(e, state)
        assert fault is not None and all(w in fault.message for w in words), fault
    assert world_fault(KeyError("a bug"), state) is None


def test_a_read_only_database_file_is_named(seeded):
    p = cmgr("customer", "leave", "C001", "--reason", "歇业", fault="db-readonly",
             CMGR_DB=str(seeded))
    assert_one_line_fault(p, "只读", str(seeded))


# --- a mistyped --db ---------------------------------------------------------------------

def test_a_mistyped_db_is_refused_not_created(seeded, tmp_path):
    typo = tmp_path / "cmgr.dbb"
    for args in (["customer", "show", "C001"], ["customer", "leave", "C001"],
                 ["plan-week", "--all", "--format", "json"]):
        p = cmgr("--db", str(typo), *args)
        assert_one_line_fault(p, "找不到数据库", str(typo))
    assert not typo.exists()


def test_import_and_init_create_the_database_and_say_so(tmp_path):
    from tests.conftest import write_csv

    path = write_csv(tmp_path / "c.csv", [["客户编码", "客户名称"], ["C1", "甲"]])
    new = tmp_path / "new.db"
    p = cmgr("--db", str(new), "import", "customers", str(path))
    assert p.returncode == 0 and f"正在创建新的数据库：{new}" in p.stderr, p.stderr
    again = cmgr("--db", str(new), "import", "customers", str(path))
    assert "正在创建新的数据库" not in again.stderr


# --- 13: leftovers -------------------------------------------------------------------------

def test_a_killed_backups_partial_files_go_at_the_next_backup(seeded, tmp_path):
    import signal

    folder = tmp_path / "backups"
    folder.mkdir()
    # A backup killed half-way: its hidden copy and SQLite's journal beside it.
    child = subprocess.Popen([sys.executable, "-c",
                              "import os, sys, time; p = sys.argv[1]; "
                              "f = os.path.join(p, f'.cmgr-2026-12-01.db.{os.getpid()}.ab12cd.part'); "
                              "open(f, 'wb').write(b'x' * 4096); open(f + '-journal', 'wb').write(b'j'); "
                              "print('ready', flush=True); time.sleep(60)", str(folder)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    live = sorted(p.name for p in folder.iterdir())
    p = cmgr("db", "backup", str(folder / "a.db"), CMGR_DB=str(seeded))
    assert p.returncode == 0, p.stderr
    assert set(live) <= {x.name for x in folder.iterdir()}, "a live writer's files stay"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    p = cmgr("db", "backup", str(folder / "b.db"), CMGR_DB=str(seeded))
    assert p.returncode == 0, p.stderr
    assert sorted(x.name for x in folder.iterdir()) == ["a.db", "b.db"]


def test_ctrl_c_right_after_commit_says_the_file_was_stored(tmp_path, monkeypatch):
    from contextlib import contextmanager

    from typer.testing import CliRunner

    from cmgr.cli.app import app
    from cmgr.store.db import Database
    from tests.conftest import write_csv

    real = Database.transaction

    @contextmanager
    def then_ctrl_c(self, **kwargs):
        with real(self, **kwargs) as db:
            yield db
        if kwargs.get("check_foreign_keys") is False:  # the import's transaction
            raise KeyboardInterrupt  # SIGINT arriving just after COMMIT returned

    monkeypatch.setattr(Database, "transaction", then_ctrl_c)
    path = write_csv(tmp_path / "c.csv", [["客户编码", "客户名称"], ["C1", "甲"]])
    db = tmp_path / "c.db"
    result = CliRunner().invoke(app, ["--db", str(db), "import", "customers", str(path)])
    assert result.exit_code == 130
    assert "此前已完整导入" in result.stderr and "c.csv" in result.stderr
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 1
    con.close()


def test_a_full_tmpdir_says_no_space_not_adbcs_rollback(tmp_path, monkeypatch):
    """ADBC reports a disk that filled up under its scratch file as a failed ROLLBACK; the
    error names the real cause. (The disk is simulated: ADBC fails, and no byte is free.)"""
    import shutil
    from collections import namedtuple

    import adbc_driver_manager
    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow as pa

    from cmgr.errors import DatabaseError
    from cmgr.store import records

    def full(*args, **kwargs):
        raise adbc_driver_manager.InternalError(
            "INTERNAL: failed to execute: cannot rollback - no transaction is active")
    monkeypatch.setattr(adbc, "connect", full)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9, 0))
    table = pa.table({"k": ["a"] * 1000})
    with pytest.raises(DatabaseError, match=r"no space left on the device \(0\.0 MB free\)"):
        records._write_stage(tmp_path / "part-0.db", table, "create")


def test_a_dry_run_creates_no_database(tmp_path):
    from tests.conftest import write_csv

    path = write_csv(tmp_path / "c.csv", [["客户编码", "客户名称"], ["C1", "甲"]])
    new = tmp_path / "new.db"
    p = cmgr("--db", str(new), "import", "customers", str(path), "--dry-run", "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["files"][0]["stored"] == 1
    assert not new.exists() and "用完即删" in p.stderr
