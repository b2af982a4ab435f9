"""`cmgr import` at the edges a first hour meets: a mistyped file name, a dry run with bad rows,
and the progress the bar shows."""

from __future__ import annotations

from typer.testing import CliRunner

ORDERS = "订单编号,订货日期,客户编码,卷烟编码,订购量,金额\n"


def _orders(path, n: int, bad_row: int | None = None):
    lines = [f"A{i:05d},2026-11-03,{i % 7:012d},6901028075022,{'x' if i == bad_row else 2},900"
             for i in range(n)]
    path.write_text(ORDERS + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(args, tmp_path):
    from cmgr.cli.app import app

    return CliRunner().invoke(app, ["--db", str(tmp_path / "cmgr.db"), *args],
                              env={"CMGR_CONFIG": ""})


def test_a_missing_file_is_refused_before_anything(tmp_path):
    good = _orders(tmp_path / "good.csv", 3)
    result = _run(["import", "orders", str(good), str(tmp_path / "nosuch.xlsx")], tmp_path)
    assert result.exit_code == 2
    assert "找不到文件" in result.stderr and "nosuch.xlsx" in result.stderr
    assert "导入结果" not in result.output  # no summary
    assert not (tmp_path / "rejects").exists()
    # and the good file named beside it was not imported either: the command did nothing
    import sqlite3

    if (tmp_path / "cmgr.db").exists():
        con = sqlite3.connect(tmp_path / "cmgr.db")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        assert "order_lines" not in tables or \
            con.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 0
        con.close()


def test_dry_run_writes_no_rejects_file(tmp_path):
    bad = _orders(tmp_path / "bad.csv", 5, bad_row=2)
    result = _run(["import", "orders", str(bad), "--dry-run"], tmp_path)
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "rejects").exists()
    result = _run(["import", "orders", str(bad), "--dry-run", "--rejects",
                   str(tmp_path / "rej.csv"), "--format", "json"], tmp_path)
    assert result.exit_code == 3
    assert not (tmp_path / "rej.csv").exists()
    import json

    assert json.loads(result.stdout)["rejects_file"] is None
    result = _run(["import", "orders", str(bad)], tmp_path)  # a real import still writes it
    assert result.exit_code == 3 and len(list((tmp_path / "rejects").glob("*.csv"))) == 1


def test_progress_counts_the_rows_stored(db, tmp_path):
    from cmgr.jobs.ingest import import_file

    heard = []
    path = _orders(tmp_path / "o.csv", 1200)
    import_file(db, "orders", path, progress=lambda msg, done=None, total=None:
                heard.append((msg, done, total)))
    assert heard[0] == ("正在读取 o.csv", None, None)
    counts = [(done, total) for _, done, total in heard if done is not None]
    assert counts[-1] == (1200, 1200) and all(t == 1200 for _, t in counts)
    assert [d for d, _ in counts] == sorted(d for d, _ in counts) and len(counts) >= 2


def _rejects_rows(folder):
    import csv

    (path,) = list(folder.glob("*.csv"))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_rejected_row_names_its_row_and_column_in_chinese_by_default(tmp_path):
    bad = _orders(tmp_path / "bad.csv", 5, bad_row=2)
    result = _run(["import", "orders", str(bad)], tmp_path)
    assert result.exit_code == 3, result.output
    assert "应为数字，如 1234.5" in result.stderr
    (row,) = _rejects_rows(tmp_path / "rejects")
    assert (row["row"], row["column"], row["value"]) == ("4", "订购量", "x")
    assert row["reason"].startswith("应为数字，如 1234.5") and row["action"] == "拒收"


def test_a_rejected_row_reads_in_english_with_lang_en(tmp_path, monkeypatch):
    from cmgr import i18n

    monkeypatch.setattr(i18n, "_language", i18n.language())  # restored after the test
    bad = _orders(tmp_path / "bad.csv", 5, bad_row=2)
    result = _run(["--lang", "en", "import", "orders", str(bad)], tmp_path)
    assert result.exit_code == 3, result.output
    assert "expected a number such as 1234.5" in result.stderr
    (row,) = _rejects_rows(tmp_path / "rejects")
    assert (row["row"], row["column"], row["value"]) == ("4", "订购量", "x")
    assert row["reason"].startswith("expected a number such as") and row["action"] == "rejected"


def test_a_file_of_another_kind_is_refused_without_a_rejects_file(tmp_path):
    from pathlib import Path

    roster = Path(__file__).resolve().parents[2] / "sample_data" / "customers.xlsx"
    result = _run(["import", "orders", str(roster)], tmp_path)
    assert result.exit_code == 2, result.output
    assert "customers.xlsx" in result.output
    assert not (tmp_path / "rejects").exists()  # no rows were read: nothing to list in a file
    assert "Traceback" not in result.output
    # the run created the database and stored nothing: it leaves no empty file for the next
    # command to find (a database that existed before stays, see below)
    assert not list(tmp_path.glob("cmgr.db*")) and "未创建数据库" in result.output
    assert _run(["import", "orders", str(_orders(tmp_path / "a.csv", 3))], tmp_path).exit_code == 0
    assert _run(["import", "orders", str(roster)], tmp_path).exit_code == 2
    assert (tmp_path / "cmgr.db").is_file()
    # with --rejects given, the refusal is written where asked
    result = _run(["import", "orders", str(roster), "--rejects", str(tmp_path / "r.csv")], tmp_path)
    assert result.exit_code == 2 and (tmp_path / "r.csv").is_file()


def test_each_import_records_who_made_it(tmp_path, monkeypatch):
    """imports.created_by (migration 013): `[user] name`, else the OS user (SQLite has no
    database user; PostgreSQL's is in tests/cli/test_team_pg.py)."""
    import sqlite3

    from cmgr.jobs.visits import current_user

    assert _run(["import", "orders", str(_orders(tmp_path / "a.csv", 3))], tmp_path).exit_code == 0
    monkeypatch.setenv("CMGR_USER_NAME", "王建国")
    assert _run(["import", "orders", str(_orders(tmp_path / "b.csv", 4))], tmp_path).exit_code == 0
    con = sqlite3.connect(tmp_path / "cmgr.db")
    try:
        by = [r[0] for r in con.execute("SELECT created_by FROM imports ORDER BY id")]
    finally:
        con.close()
    assert by == [current_user(), "王建国"]
