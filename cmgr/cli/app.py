"""The `cmgr` command: global options, and the command groups joined together.

Kept light: no pandas/openpyxl on this path, so `cmgr --help` answers fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cmgr import __version__
from cmgr.cli import common
from cmgr.errors import exit_code_table
from cmgr.i18n import tr

app = common.new_app(
    tr("cmgr：客户经理的日常文书工具。从公司系统的导出文件出发：导入数据，安排下周的访问，"
       "发现违规标记，写月度报告和投诉表单。") + "\n\n\b\n" + exit_code_table())


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cmgr {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", envvar="CMGR_DB", metavar=tr("文件|网址"),
        help=tr("数据库文件，或 PostgreSQL 网址 postgresql://user@host:port/dbname。"))] = None,
    config: Annotated[Path | None, typer.Option("--config", envvar="CMGR_CONFIG",
                                                metavar=tr("文件"),
                                                help=tr("配置文件（TOML）。"))] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=tr("只输出错误和数据。"))] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                          help=tr("在 stderr 上输出更多细节。"))] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y",
                                      help=tr("对确认一律回答“是”（没有终端时必须给出）。"))] = False,
    log_file: Annotated[Path | None, typer.Option(
        "--log-file", metavar=tr("文件"),
        help=tr("把运行了什么（含耗时和数量）追加到这个滚动日志（配置项 `log.file`）。"))] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", envvar="CMGR_LANG", metavar="zh|en",
        help=tr("消息和帮助的语言：zh（默认）或 en；也可用 CMGR_LANG 或英文 locale。"))] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help=tr("显示版本并退出。"))] = False,
) -> None:
    # Global options apply to every command.
    if lang is not None:  # help was built in the language resolved from argv (cmgr.i18n)
        from cmgr.i18n import set_language

        set_language(lang)
    st = common.state(ctx)
    # A URL stays text (Path would fold its //); a file path is a Path.
    if db is not None and not db.startswith(("postgresql://", "postgres://")):
        db = Path(db)
    st.db_option, st.config_option, st.quiet, st.verbose = db, config, quiet, verbose
    st.db_on_command_line = (ctx.get_parameter_source("db")
                             == common.click.core.ParameterSource.COMMANDLINE)
    st.yes = st.yes or yes
    _start_log(ctx, st, log_file)


def _start_log(ctx: typer.Context, st: common.AppState, log_file: Path | None) -> None:
    from cmgr.logging_setup import configure_log_file, log_start

    source = "--log-file"
    if log_file is not None:
        st.overrides["log.file"] = str(log_file)
    else:
        from cmgr.config import load_config
        from cmgr.errors import CmgrError

        try:  # not cached: `cmgr init` may rewrite the file; a broken file is reported by the command
            log_file = load_config(st.config_option).get("log.file")
        except CmgrError:
            log_file = None
        source = "log.file"
    configure_log_file(log_file, verbose=st.verbose, source=source)
    log_start(ctx.meta.get("cmgr.argv", []))


def _register() -> None:
    from cmgr.cli import (
        area_cmd,
        complaint_cmd,
        config_cmd,
        customer_cmd,
        db_cmd,
        demo_cmd,
        flag_cmd,
        import_cmd,
        kpi_cmd,
        plan_cmd,
        promo_cmd,
        report_cmd,
        settlements_cmd,
        suggest_cmd,
        today_cmd,
        visit_cmd,
    )

    # flag before report: the demo runs its steps in this order, and the monthly report lists
    # the flags scanned.
    for module in (import_cmd, config_cmd, db_cmd, demo_cmd, complaint_cmd, visit_cmd, promo_cmd,
                   customer_cmd, flag_cmd, report_cmd, plan_cmd, settlements_cmd,
                   suggest_cmd, kpi_cmd, today_cmd, area_cmd):
        module.register(app)


_register()


def main() -> None:
    app(prog_name="cmgr")
