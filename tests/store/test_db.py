from __future__ import annotations

import sqlite3

import pytest

from cmgr.errors import DatabaseBusy, DatabaseError
from cmgr.store.db import latest_version, open_database


def test_fresh_database_is_migrated_wal_and_has_core_tables(tmp_path):
    db = open_database(tmp_path / "a.db")
    assert db.schema_version() == latest_version()
    assert db.scalar("PRAGMA journal_mode").lower() == "wal"
    assert db.scalar("PRAGMA foreign_keys") == 1
    tables = {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"customers", "order_lines", "visits", "prices", "imports", "schema_migrations"} <= tables
    db.close()


def test_reopening_applies_nothing(tmp_path):
    open_database(tmp_path / "a.db").close()
    db = open_database(tmp_path / "a.db")
    assert db.migrate() == []
    db.close()


def test_database_from_newer_cmgr_is_refused(tmp_path):
    path = tmp_path / "a.db"
    open_database(path).close()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01T00:00:00')")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError, match="newer cmgr"):
        open_database(path)


def test_transaction_rolls_back_on_error(db):
    with pytest.raises(RuntimeError):
        with db.transaction():
            db.execute("INSERT INTO prices(sku_code, sku_name) VALUES ('1', 'x')")
            raise RuntimeError("boom")
    assert db.scalar("SELECT count(*) FROM prices") == 0


def test_second_writer_times_out_with_busy_error(tmp_path):
    path = tmp_path / "a.db"
    first = open_database(path, busy_timeout=0.2)
    second = open_database(path, busy_timeout=0.2)
    with first.transaction():
        with pytest.raises(DatabaseBusy, match="locked"):
            with second.transaction():
                pass
        # readers go on while a writer holds the lock
        assert second.scalar("SELECT count(*) FROM customers") == 0
    first.close()
    second.close()


@pytest.mark.sqlite_only("SQLite's online backup; a PostgreSQL database is backed up with pg_dump")
def test_backup_is_a_consistent_copy(db, tmp_path):
    with db.transaction():
        db.execute("INSERT INTO prices(sku_code, sku_name) VALUES ('6901028075022', '中华(硬)')")
    target = db.backup(tmp_path / "copy.db")
    con = sqlite3.connect(target)
    assert con.execute("SELECT sku_name FROM prices").fetchone()[0] == "中华(硬)"
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_url_that_lost_a_slash_is_refused_not_created(tmp_path, monkeypatch):
    """Path("postgresql://u@/db") is "postgresql:/u@/db": refused, no stray SQLite file made."""
    from pathlib import Path

    from cmgr.errors import ConfigError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="postgresql:/cmgr@"):
        open_database(Path("postgresql://cmgr@/team"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_row_rule_hint_ends_with_the_one_sentence_of_where_the_rules_were_set(
        monkeypatch, lang):
    """The hint of a refused write names the table's rule, then where the rules were set, in
    the same words for every table (and as the refusals' own hint says it)."""
    from cmgr import i18n
    from cmgr.i18n import tr
    from cmgr.store.db import _rule_hint

    monkeypatch.setattr(i18n, "_language", lang)
    where = "postgresql://cmgr@db/team"
    tail = tr("规则由 `cmgr db init-team` 在 {database} 中设置；本次写入未保存任何内容",
              database=where)
    hints = {table: _rule_hint(table, where) for table in (
        "flag_decisions", "plans", "promo_lists", "imports", "visits")}
    for table, hint in hints.items():
        assert hint.lower().endswith(tail.lower()), (table, hint)
        assert len(hint) > len(tail) + 10, (table, hint)  # the rule itself comes first
    assert len(set(hints.values())) == 5  # each table group has its own rule
    if lang == "zh":
        assert hints["plans"].startswith("客户经理只能写入自己的访问计划")
