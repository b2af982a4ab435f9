"""`cmgr import customers|orders|visits|prices|settlements|supply|targets FILE...`"""

from __future__ import annotations

from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.errors import ExitCode, UsageError
from cmgr.i18n import tr


class ImportKind(StrEnum):
    customers = "customers"
    orders = "orders"
    visits = "visits"
    prices = "prices"
    settlements = "settlements"
    supply = "supply"
    targets = "targets"
    survey = "survey"


def register(app: typer.Typer) -> None:
    app.command("import", no_args_is_help=True, help=tr(
        "导入公司系统的导出文件。再次导入相同的行不会重复。\n\n"
        "退出状态：0 全部行已保存；3 有被拒绝的行；2 有文件无法使用。"))(import_command)


def import_command(
    kind: Annotated[ImportKind, typer.Argument(metavar=tr("类型"), help=tr("文件里是什么数据。"))],
    files: Annotated[list[Path], typer.Argument(metavar=tr("文件"),
                                                help=tr(".xlsx、.xls 或 .csv 导出文件。"))],
    sheet: Annotated[str | None, typer.Option(
        metavar=tr("工作表"), help=tr("工作簿有多个工作表时，要读的那一个。"))] = None,
    mapping: Annotated[Path | None, typer.Option(
        metavar=tr("文件"),
        help=tr("补充“表头 = 字段”对应关系的 TOML 文件（加在配置的 [mapping] 之上）。"))] = None,
    rejects: Annotated[Path | None, typer.Option(
        metavar=tr("文件"), help=tr("把被拒绝的行和存为空的单元格写到这个 CSV。"))] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=tr("试运行：只检查并报告，不写入任何内容。"))] = False,
    kind_is_right: Annotated[bool, typer.Option(
        "--kind-is-right", help=tr("即使文件的列更像另一种数据，也按给出的类型导入。"))] = False,
    fmt: options.TableJsonOpt = "table",
) -> None:
    # Import the company system's exports; re-importing the same rows adds nothing.
    from cmgr.config import read_mapping_file
    from cmgr.jobs.ingest import import_files, write_issues_csv
    from cmgr.sources.importer import Plausible

    missing = [str(f) for f in files if not f.is_file()]
    if missing:  # a mistyped name: nothing to summarise and no rejects to write
        raise UsageError(tr("找不到文件：{path}；未导入任何内容", path=tr("、").join(missing)),
                         hint=tr("检查文件名和文件夹（`ls`）"))
    st = common.state()
    cfg = st.config()
    extra = dict(cfg.mapping)
    if mapping is not None:
        extra.update(read_mapping_file(mapping))
    new_file = not cfg.db_url and not cfg.db_path.exists()
    db = st.scratch_db() if dry_run and new_file else st.db(create=True)
    with _progress() as progress:
        results = import_files(db, kind.value, files, sheet=sheet, mapping=extra, dry_run=dry_run,
                               progress=progress, kind_is_right=kind_is_right,
                               plausible=Plausible.from_config(cfg), by=cfg.get("user.name"))
    if new_file and not dry_run and all(r.error for r in results):
        # Every file refused (another kind's export, no header): the database this run created
        # holds nothing, and leaving it would make the next mistyped --db find an empty one.
        st.close()
        for path in (cfg.db_path, *(cfg.db_path.with_name(cfg.db_path.name + s)
                                    for s in ("-wal", "-shm", "-journal"))):
            path.unlink(missing_ok=True)
        common.info(tr("没有导入任何内容：未创建数据库 {path}", path=cfg.db_path))
    issues_path = rejects
    n_issues = sum(len(r.issues) + (1 if r.error else 0) for r in results)
    # A refused file (wrong kind, no header) has no rows to list: its message says it all.
    if issues_path is None and any(r.rejected for r in results):
        import time

        # Beside the database, not the working directory: cron's may be anywhere.
        issues_path = cfg.db_path.parent / "rejects" / (
            f"{kind.value}-{time.strftime('%Y%m%d-%H%M%S')}.csv")
    if dry_run:
        issues_path = None  # a dry run writes nothing; the problems are listed below
    if issues_path is not None and n_issues:
        write_issues_csv(results, issues_path)
    if fmt == "json":
        common.print_json({"dry_run": dry_run, "files": [_result_json(r) for r in results],
                           "rejects_file": str(issues_path) if issues_path and n_issues else None})
    elif not st.quiet or any(r.error or r.rejected for r in results):  # -q: only problems
        _present(results, dry_run, issues_path if n_issues else None)
    if any(r.error for r in results):
        common.exit_with(ExitCode.USAGE)
    if any(r.rejected for r in results):
        common.exit_with(ExitCode.REJECTED_ROWS)


@contextmanager
def _progress():
    """A rich progress bar on a terminal (none otherwise): a spinner while a file is read, then
    the rows stored so far out of the file's rows."""
    import sys

    if not sys.stderr.isatty() or common.state().quiet:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TextColumn(tr("行")), TimeElapsedColumn(),
                  console=common.err_console, transient=True) as bar:
        task = bar.add_task(tr("导入中"), total=None)

        def show(message: str, done: int | None = None, total: int | None = None) -> None:
            if done is None:  # reading: the row count is not known yet
                bar.reset(task, total=None, description=message)
            else:
                bar.update(task, total=total, completed=done, description=message)
        yield show


def _result_json(r) -> dict:
    return {
        "file": r.file, "kind": r.kind, "sheet": r.sheet,
        "error": r.error.message if r.error else None,
        "rows_read": r.rows_read, "stored": r.stored, "updated": r.updated,
        "unchanged": r.unchanged, "merged": r.merged, "skipped": r.skipped, "skipped_detail": r.skipped_detail,
        "rejected": r.rejected, "warnings": r.warnings, "ignored_columns": r.ignored_columns,
        "notes": r.notes, "seconds": round(r.seconds, 3),
        "issues": [{"row": i.row, "column": i.column, "value": None if i.value is None else str(i.value),
                    "reason": i.reason, "action": i.action} for i in r.issues[:1000]],
    }


def _present(results, dry_run: bool, issues_path: Path | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    con = common.err_console
    table = Table(title=tr("导入结果（试运行：未写入任何内容）") if dry_run else tr("导入结果"))
    headers = (tr("文件名"), tr("读取"), tr("新增"), tr("更新"), tr("未变"), tr("跳过"), tr("拒收"))
    for i, col in enumerate(headers):
        table.add_column(col, justify="left" if i == 0 else "right")
    for r in results:
        name = Path(r.file).name + (f" [{r.sheet}]" if r.sheet else "")
        if r.error:
            table.add_row(escape(name), "-", "-", "-", "-", "-",
                          "[red]" + escape(tr("文件未使用")) + "[/red]")
        else:
            table.add_row(escape(name), f"{r.rows_read:,}", f"{r.stored:,}", f"{r.updated:,}",
                          f"{r.unchanged:,}", f"{r.skipped:,}",
                          f"[red]{r.rejected:,}[/red]" if r.rejected else "0")
    con.print(table)
    for r in results:
        name = Path(r.file).name
        if r.error:
            common.print_error(r.error)
            continue
        if r.merged:
            con.print(escape(tr("{file}：{n} 次访问已在 cmgr 或签到记录簿中记录，已合并到这些记录"
                                "（一次访问，一条记录）", file=name, n=f"{r.merged:,}")))
        labels = {"blank": tr("空行"), "合计": tr("合计行"), "duplicate": tr("重复行")}
        detail = tr("，").join(tr("{reason} {n} 行", reason=labels.get(k, k), n=f"{v:,}")
                              for k, v in r.skipped_detail.items() if v)
        if detail:
            con.print(escape(tr("{file}：跳过{detail}", file=name, detail=detail)))
        if r.ignored_columns:
            con.print(escape(tr("{file}：未使用的列：{columns}", file=name,
                                columns=tr("、").join(r.ignored_columns))))
        for note in r.notes:
            con.print(escape(tr("{file}：{note}", file=name, note=note)))
        shown = [i for i in r.issues][:10]
        for i in shown:
            if i.action == "rejected":
                line = "[red]" + escape(tr("拒收")) + "[/red] " + escape(
                    tr("{where}：{reason}", where=i.location(), reason=i.reason))
            else:
                line = "[yellow]" + escape(tr("警告")) + "[/yellow] " + escape(
                    tr("{where}：{reason}（{action}）", where=i.location(), reason=i.reason,
                       action=i.action))
            con.print(line)
        if len(r.issues) > len(shown):
            con.print(escape(tr("…… 另有 {n} 条", n=f"{len(r.issues) - len(shown):,}")))
    if issues_path is not None:
        con.print(escape(tr("被拒绝的行和警告已写入 {path}", path=issues_path)))
