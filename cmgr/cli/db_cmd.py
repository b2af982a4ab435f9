"""`cmgr db backup|check|export|restore`: keep the data safe, and let its owner take it along."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.errors import ExitCode, NotFound, UsageError
from cmgr.i18n import tr

db_app = common.new_app(tr(
    "数据库：在别人使用时做一致的备份，完整性检查，导出每一张表，恢复；团队共用 PostgreSQL 时：设置成员和权限（init-team），把个人数据库并入团队库（migrate-to）。"))


ExportFormatOpt = options.format_option(
    "xlsx", "csv", help=tr("xlsx：一个工作簿，数据库的每张表一个工作表；csv：每张表一个 "
                           "UTF-8（带 BOM）文件，大小不限。"))


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


def _db_path() -> Path:
    from cmgr.i18n import tr

    cfg = common.state().config()
    if cfg.db_url:  # these work on the SQLite file itself
        raise UsageError(tr("cmgr db backup/check/export/restore 只用于 SQLite 数据库文件；"
                            "PostgreSQL 数据库请用 pg_dump / pg_restore"),
                         hint=tr("见 docs/postgresql.md"))
    return cfg.db_path


def _open_existing():
    """The configured database as it is: not created, not migrated (check/backup/export must
    not change what they look at)."""
    from cmgr.store.db import Database

    path = _db_path()
    if not path.is_file():
        raise NotFound(tr("找不到数据库 {path}", path=path),
                       hint=tr("给出 `--db`（或 CMGR_DB），或用 `cmgr init` 创建一个"))
    return Database(path, busy_timeout=float(common.state().config().get("database.busy_timeout")))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


@db_app.command("backup", help=tr(
    "数据库的一致副本（SQLite 在线备份），其他 cmgr 命令同时读写也安全；副本检查无误后命令才算成功。"))
def backup_command(
    path: Annotated[str, typer.Argument(
        help=tr("要写的备份文件（占位符 {date}），或一个文件夹（已存在，或以 / 结尾）："
                "在那里生成一个以数据库名和时间命名的文件。"),
        metavar=tr("路径"))],
    fmt: options.TableJsonOpt = "table",
) -> None:
    # A consistent copy through SQLite's online backup, checked before the command succeeds.
    from cmgr.render.output import expand_out
    from cmgr.store.maintenance import describe, inspect_backup

    started = time.perf_counter()
    target = expand_out(path)
    with _open_existing() as db:
        if target.is_dir() or path.endswith(("/", "\\")):
            target = target / f"{db.path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.db"
        if _same_file(target, db.path) or target.resolve() == db.path.resolve():
            raise UsageError(tr("{path} 就是数据库本身；请给出另一个文件或文件夹", path=target))
        db.backup(target)
    copy = inspect_backup(target)
    seconds = time.perf_counter() - started
    size = target.stat().st_size
    common.info(tr("备份已写入：{path}（{size} 字节，结构版本 {version}，{tables}），用时 {seconds} 秒",
                   path=target, size=f"{size:,}", version=copy.schema_version,
                   tables=describe(copy.tables), seconds=f"{seconds:.2f}"))
    if fmt == "json":
        common.print_json({"database": str(db.path), "backup": str(target), "bytes": size,
                           "schema_version": copy.schema_version, "tables": copy.tables,
                           "seconds": round(seconds, 3)})


@db_app.command("check", help=tr(
    "完整性检查、结构版本和每张表的行数。不做任何更改。\n\n"
    "退出状态：0 完好；1 发现问题（损坏、悬空引用、缺少表）；2 那里没有数据库，或根本不是数据库。"))
def check_command(
    quick: Annotated[bool, typer.Option("--quick", help=tr(
        "SQLite 的 quick_check：大数据库上更快，不检查索引内容。"))] = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.store.maintenance import check_database

    with _open_existing() as db:
        report = check_database(db, quick=quick)
    common.info(tr("已检查 {path}：完好", path=report.database) if report.ok
                else tr("已检查 {path}：发现问题", path=report.database))
    if fmt == "json":
        common.print_json(report.as_dict())
    else:
        _present_check(report)
    for problem in report.problems():
        common.warn(problem)
    if report.pending_migrations:
        common.info(tr("结构版本 {version}；下一个打开数据库的命令会先备份，再执行迁移 {pending}",
                       version=report.schema_version, pending=report.pending_migrations))
    if not report.ok:
        common.exit_with(ExitCode.FINDINGS)


def _present_check(report) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{escape(report.database)}")
    table.add_column(tr("表"))
    table.add_column(tr("行数"), justify="right")
    for name, n in report.tables.items():
        table.add_row(escape(name), f"{n:,}")
    common.out_console.print(table)
    common.out_console.print(escape("\n".join((
        tr("完整性：{result}", result="; ".join(report.integrity[:5])),
        tr("外键错误：{n}", n=report.foreign_key_errors),
        tr("结构版本：{version}（这个 cmgr 最高认识 {latest}）", version=report.schema_version,
           latest=report.latest_known),
        tr("日志模式：{mode}，大小：{size} 字节", mode=report.journal_mode,
           size=f"{report.size_bytes:,}")))))


@db_app.command("export", help=tr(
    "导出数据库的每一张表（同一时刻的一致数据），让数据可以随主人带走。列名是 cmgr 的字段名，"
    "`cmgr import` 可以读回。"))
def export_command(
    directory: Annotated[Path, typer.Argument(
        metavar=tr("目录"), help=tr("写入的文件夹（不存在时创建；占位符 {date}）。"))],
    fmt: ExportFormatOpt = "xlsx",
) -> None:
    from cmgr.jobs.maintenance import export
    from cmgr.render.output import expand_out
    from cmgr.store.maintenance import EXCEL_MAX_DATA_ROWS, table_counts

    started = time.perf_counter()
    target = expand_out(str(directory))
    with _open_existing() as db:
        if fmt == "xlsx":
            biggest = max(table_counts(db).values(), default=0)
            if biggest > EXCEL_MAX_DATA_ROWS // 4:
                common.warn(tr("有一张表有 {n} 行：工作簿要写一会儿（每百万行约一分钟）；"
                               "`--format csv` 快得多", n=f"{biggest:,}"))
        result = export(db, target, fmt.value)
    seconds = time.perf_counter() - started
    for table, n in result.tables.items():
        sheets = result.sheets.get(table)
        if sheets and len(sheets) > 1:
            common.debug(tr("{table}：{n} 行（工作表 {sheets}）", table=table, n=f"{n:,}",
                            sheets=tr("、").join(sheets)))
        else:
            common.debug(tr("{table}：{n} 行", table=table, n=f"{n:,}"))
    if result.cleaned_cells:
        common.warn(tr("{n} 个单元格含有 Excel 无法保存的控制字符；工作簿中已去掉（csv 导出保留）",
                       n=f"{result.cleaned_cells:,}"))
    common.info(tr("已导出 {tables} 张表，{rows} 行，到 {files}，用时 {seconds} 秒",
                   tables=len(result.tables), rows=f"{sum(result.tables.values()):,}",
                   files=tr("、").join(result.files if fmt == "xlsx" else [str(target)]),
                   seconds=f"{seconds:.2f}"))


@db_app.command("restore", help=tr(
    "用备份替换数据库：先检查该文件是完好的 cmgr 数据库，并在旁边备份当前数据库。"
    "替换前会询问（`--yes` 直接同意）。"))
def restore_command(
    path: Annotated[Path, typer.Argument(metavar=tr("文件"),
                                         help=tr("`cmgr db backup` 做的备份。"))],
    yes: Annotated[bool, typer.Option("--yes", "-y", help=tr("不询问直接替换（cron、脚本）。"))]
    = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
    import sqlite3

    from cmgr.store import maintenance
    from cmgr.store.db import Database

    st = common.state()
    st.yes = st.yes or yes
    db_path = _db_path()
    source = Path(path)
    if _same_file(source, db_path):
        raise UsageError(tr("{path} 就是数据库本身；请给出备份文件", path=source))
    info = maintenance.inspect_backup(source)
    busy_timeout = float(st.config().get("database.busy_timeout"))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    previous: Path | None = None
    if db_path.exists():
        current_text, readable = _describe_current(db_path, busy_timeout)
        common.confirm_or_fail(tr(
            "用 {source}（结构版本 {version}，{tables}）替换 {path}（{current}）？会先备份当前数据库。",
            path=db_path, current=current_text, source=source, version=info.schema_version,
            tables=maintenance.describe(info.tables)))
        previous = _unused(db_path.with_name(f"{db_path.name}.before-restore-{stamp}.bak"))
        if readable:
            try:
                with Database(db_path, busy_timeout=busy_timeout) as current:
                    current.backup(previous)
            except sqlite3.DatabaseError:  # damaged beyond what SQLite can copy
                readable = False
        if not readable:
            _set_aside(db_path, previous)
        common.info(tr("当前数据库已另存为 {path}", path=previous))
    with Database(db_path, busy_timeout=busy_timeout) as db:
        maintenance.restore_into(db, source)
        applied = db.migrate(backup=False)  # an older backup gets today's schema
        report = maintenance.check_database(db, quick=True)
    if not report.ok:  # the file passed its check a moment ago: this is a bug or a disk fault
        raise RuntimeError(f"restored database fails its check: {report.problems()}")
    tables = maintenance.describe(report.tables)
    common.info(tr("已从 {source} 恢复 {path}：{tables}；已迁移到结构版本 {version}", path=db_path,
                   source=source, tables=tables, version=report.schema_version) if applied
                else tr("已从 {source} 恢复 {path}：{tables}", path=db_path, source=source,
                        tables=tables))
    if fmt == "json":
        common.print_json({"database": str(db_path), "restored_from": str(source),
                           "previous_saved_as": str(previous) if previous else None,
                           "schema_version": report.schema_version, "migrations_applied": applied,
                           "tables": report.tables})


@db_app.command("init-team", help=tr(
    "PostgreSQL：为团队设置数据库的角色和行级安全（只能写自己客户的记录，区域市场经理查看片区并"
    "记录决定），并添加成员的登录名。可重复运行。由数据库的所有者运行。"))
def init_team_command(
    manager: Annotated[list[str] | None, typer.Option(
        "--manager", "-m", metavar=tr("登录名=姓名"),
        help=tr("一位客户经理：数据库登录名=客户名册中的客户经理姓名（片区取自配置 [area]）；"
                "可重复。"))] = None,
    area_manager: Annotated[list[str] | None, typer.Option(
        "--area-manager", metavar=tr("登录名=片区"),
        help=tr("一位区域市场经理：数据库登录名=片区（配置 [area] 中的名字；只写登录名：整个团队）；"
                "可重复。"))] = None,
    team_file: Annotated[Path | None, typer.Option(
        "--team", metavar=tr("文件"),
        help=tr("团队文件（.toml 或 .csv）：区域市场经理和客户经理及其登录名；与 --manager、"
                "--area-manager 一起用也可以。格式见 docs/postgresql.md。"))] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs.team import init_team, require_postgres

    st = common.state()
    cfg = st.config()
    require_postgres(cfg.db_url is not None)
    result = init_team(st.db(), cfg, manager or [], area_manager or [], team_file=team_file)
    for name in result.unknown_managers:
        common.warn(tr("客户名册中没有客户经理「{name}」：导入名册前，这位成员看不到也写不了任何客户",
                       name=name))
    if fmt == "json":
        common.print_json({"members": result.members, "created": result.created})
        return
    _print_members(result.members)
    if result.created:
        common.info(tr("已创建登录名 {logins}（没有密码：请用 ALTER ROLE 登录名 PASSWORD '…' 设置，"
                       "或在 pg_hba.conf 中允许）", logins="、".join(result.created)))
    common.info(tr("团队规则已设置在 {database}", database=st.db().location))


def _print_members(members: list[dict]) -> None:
    from rich.table import Table

    table = Table(title=tr("团队成员（{n} 人）", n=len(members)))
    for title in (tr("登录名"), tr("角色"), tr("客户经理"), tr("片区"), tr("配置")):
        table.add_column(title)
    roles = {"manager": tr("客户经理"), "area_manager": tr("区域市场经理")}
    for m in members:
        table.add_row(m["login"], roles.get(m["role"], m["role"]), m["manager"] or "",
                      m["area"] or tr("全部"), m.get("config") or "")
    common.out_console.print(table)


@db_app.command("remove-member", help=tr(
    "PostgreSQL：把一位成员移出团队：收回其组角色（因而收回全部权限），删除其 team_members 记录；"
    "其写入的记录保留，登录名本身保留（用 DROP ROLE 删除）。由数据库的所有者运行。"))
def remove_member_command(
    who: Annotated[str, typer.Argument(
        metavar=tr("登录名或姓名"), help=tr("成员的登录名，或客户经理在客户名册中的姓名。"))],
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs.team import remove_member, require_postgres

    st = common.state()
    require_postgres(st.config().db_url is not None)
    removed = remove_member(st.db(), who)
    if fmt == "json":
        common.print_json({"removed": removed.login, "role": removed.role,
                           "manager": removed.manager, "members": removed.remaining})
        return
    _print_members(removed.remaining)
    common.info(tr("已把 {login} 移出团队：它的权限已收回，它写入的记录保留", login=removed.login))


@db_app.command("migrate-to", help=tr(
    "把本人的 SQLite 数据库（`--db` / 配置中的那个）并入团队的 PostgreSQL 数据库：先把团队库升级到"
    "本 cmgr 的结构，再在一个事务中复制每张表；已有的相同记录不再复制（可重复运行）。同一条记录"
    "（如同一客户）两边内容不同，就是冲突：逐字段列出，团队库中的不会被覆盖，默认这次什么都不写入。"
    "\n\n退出状态：0 已并入（或无需并入）；1 有冲突（默认未写入任何内容；`--skip-clashes` 时其余已写入）；"
    "2 地址或源数据库不对，未写入；4 团队库忙。"))
def migrate_to_command(
    url: Annotated[str, typer.Argument(
        metavar=tr("地址"), help=tr("团队库：postgresql://用户@主机:端口/库名（密码不写在这里）。"))],
    skip_clashes: Annotated[bool, typer.Option("--skip-clashes", help=tr(
        "有冲突时照样并入其余记录：冲突的记录（及属于它的记录）保留团队库中的版本。"))] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=tr(
        "只比较并报告会复制什么，不写入团队库（只会把团队库升级到当前结构）。"))] = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs.migrate_to import migrate_to

    cfg = common.state().config()
    if cfg.db_url:
        raise UsageError(tr("要并入的数据库必须是 SQLite 文件，而当前数据库是 {url}", url=cfg.db_url),
                         hint=tr("用 `--db 路径` 给出客户经理自己的数据库文件"))
    report = migrate_to(Path(cfg.db_path), url, skip_clashes=skip_clashes, dry_run=dry_run,
                        busy_timeout=float(cfg.get("database.busy_timeout")))
    if fmt == "json":
        common.print_json(report.as_dict())
    else:
        _present_migration(report)
    copied = sum(t.copied for t in report.tables.values())
    if report.committed:
        common.info(tr("已并入 {target}：复制 {copied} 行，用时 {seconds} 秒", target=report.target,
                       copied=f"{copied:,}", seconds=f"{report.seconds:.2f}"))
    elif dry_run:
        common.info(tr("试运行：会复制 {copied} 行到 {target}；未写入任何内容", copied=f"{copied:,}",
                       target=report.target))
    else:
        common.warn(tr("有 {n} 处冲突：未写入任何内容。先在一边改正这些记录，或用 `--skip-clashes` "
                       "保留团队库中的版本并入其余记录", n=report.clash_count))
    if report.clash_count:
        common.exit_with(ExitCode.FINDINGS)


def _present_migration(report) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=tr("{source} → {target}", source=escape(report.source),
                           target=escape(report.target)))
    for header in (tr("表"), tr("新复制"), tr("已存在"), tr("冲突"), tr("随冲突未复制")):
        table.add_column(header, justify="left" if header == tr("表") else "right")
    for name, t in report.tables.items():
        table.add_row(escape(name), f"{t.copied:,}", f"{t.already_there:,}", f"{t.clashes:,}",
                      f"{t.held_back:,}")
    common.out_console.print(table)
    if report.clashes:
        clashes = Table(title=tr("冲突（团队库中的记录未被覆盖）"))
        for header in (tr("表"), tr("记录"), tr("字段"), tr("本库"), tr("团队库")):
            clashes.add_column(header)
        for clash in report.clashes:
            record = "|".join(str(v) for v in clash.key.values())
            if clash.label:
                record = tr("{record}（{label}）", record=record, label=clash.label)
            for i, f in enumerate(clash.fields or [{"field": "", "source": "", "target": ""}]):
                clashes.add_row(escape(clash.table) if i == 0 else "", escape(record) if i == 0 else "",
                                escape(f["field"]), escape(_shown(f["source"])),
                                escape(_shown(f["target"])))
        common.out_console.print(clashes)
    for name, pairs in report.renumbered.items():
        shown = tr("、").join(f"{a}→{b}" for a, b in pairs[:20])
        more = tr("（共 {n} 个）", n=len(pairs)) if len(pairs) > 20 else ""
        common.info(tr("{table} 的编号在团队库中已被占用，已改为新编号：{pairs}{more}", table=name,
                       pairs=shown, more=more))


def _shown(value) -> str:
    return tr("（空）") if value is None else str(value)


def _describe_current(path: Path, busy_timeout: float) -> tuple[str, bool]:
    """What the restore would replace, and whether SQLite can read it (to back it up)."""
    import sqlite3

    from cmgr.errors import DatabaseError
    from cmgr.store.db import Database
    from cmgr.store.maintenance import describe, table_counts

    try:
        with Database(path, busy_timeout=busy_timeout) as db:
            return describe(table_counts(db)), True
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        return tr("无法读取：{error}", error=exc), False


def _unused(path: Path) -> Path:
    """`path`, or `path` with -2, -3... when taken (two restores in one second must not
    overwrite the first one's saved copy, which may be the very file being restored)."""
    candidate, n = path, 2
    while candidate.exists() or Path(str(candidate) + "-wal").exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def _set_aside(db_path: Path, target: Path) -> None:
    """An unreadable database cannot be backed up through SQLite: keep its files as they are."""
    import os

    os.replace(db_path, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(str(db_path) + suffix)
        if extra.exists():
            if suffix == "-wal":
                os.replace(extra, Path(str(target) + suffix))
            else:
                extra.unlink()

