"""`db migrate-to URL`: a manager's SQLite database into the team's PostgreSQL one, in one
transaction on the target, committed only when nothing clashed (or when told to leave the
clashing records as the team database has them)."""

from __future__ import annotations

import time
from pathlib import Path

from cmgr.errors import UsageError
from cmgr.i18n import tr


class _RollBack(Exception):
    """Ends the transaction without keeping anything (a clash, or a dry run)."""


def migrate_to(source_path: Path, url: str, *, busy_timeout: float = 30.0,
               skip_clashes: bool = False, dry_run: bool = False):
    """Copy `source_path` into the database at `url` (migrated to this cmgr's schema first).
    Returns the MigrationReport; `committed` says whether anything was kept."""
    from cmgr.store.db import is_url
    from cmgr.store.migrate_to import open_source

    started = time.perf_counter()
    if not is_url(url):
        raise UsageError(tr("目标必须是 PostgreSQL 地址（postgresql://用户@主机:端口/库名），"
                            "而不是 {target}", target=url),
                         hint=tr("例如 `cmgr db migrate-to postgresql://cmgr@db.example.internal:5432/cmgr`"))
    source, version = open_source(source_path)
    try:
        return _into(source, version, source_path, url, busy_timeout=busy_timeout,
                     skip_clashes=skip_clashes, dry_run=dry_run, started=started)
    finally:
        source.close()


def _into(source, version: int, source_path: Path, url: str, *, busy_timeout: float,
          skip_clashes: bool, dry_run: bool, started: float):
    import psycopg

    from cmgr.store.db import open_database
    from cmgr.store.migrate_to import MigrationReport, copy_database

    try:
        target = open_database(url, busy_timeout=busy_timeout, migrate=False)
    except psycopg.Error as exc:
        raise _refused(exc) from exc
    try:
        _require_owner(target)
        try:
            applied = target.migrate()
            report = MigrationReport(str(source_path), target.location, version,
                                     target_migrations=applied)

            def work():
                report.tables.clear()
                report.clashes.clear()
                report.renumbered.clear()
                try:
                    with target.transaction():
                        copy_database(source, target, report)
                        if dry_run or (report.clash_count and not skip_clashes):
                            raise _RollBack
                    report.committed = True
                except _RollBack:
                    report.committed = False

            target.retrying(work)
        except psycopg.Error as exc:  # e.g. a role that may not write these tables
            raise _refused(exc) from exc
    finally:
        target.close()
    report.seconds = time.perf_counter() - started
    return report


def _require_owner(target) -> None:
    """The copy writes every manager's rows and numbers the ids: a login bound by the team's
    row-level security (a member of `cmgr db init-team`) would be refused part-way, so it is
    refused first, saying who can run it."""
    from cmgr.core.area import NotPermitted

    bound = target.bound_tables()
    if bound:
        raise NotPermitted(
            tr("不允许：db migrate-to 要由团队库的所有者运行；登录名 {login} 受团队的行级安全约束"
               "（{n} 张表只能写自己客户或自己的记录），并入会被拒绝；未写入任何内容",
               login=target.writer, n=len(bound)),
            hint=tr("在地址中用团队库所有者的登录名（建表、运行 `cmgr db init-team` 的那个），例如 "
                    "postgresql://cmgr@主机/库名；见 docs/postgresql.md 第 4 节"))


def _refused(exc: Exception):
    from cmgr.errors import DatabaseError

    return DatabaseError(tr("PostgreSQL 拒绝了并入：{error}；未写入任何内容", error=str(exc).strip()),
                         hint=tr("检查连接所用的数据库用户能否写这些表（团队库的所有者可以）"))
