"""The `cmgr` command: global options, and the command groups joined together.

Kept light: no pandas/openpyxl on this path, so `cmgr --help` answers fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cmgr import __version__
from cmgr.cli import common
from cmgr.errors import EXIT_CODE_TABLE

app = common.new_app(
    "cmgr: 客户经理的日常文书工具 — a tobacco customer manager's paperwork, from the company "
    "system's exports: import, plan next week's visits, flag violations, write the monthly "
    "report and the complaint forms.\n\n\b\n" + EXIT_CODE_TABLE)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cmgr {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option("--db", envvar="CMGR_DB", help="Database file.")] = None,
    config: Annotated[Path | None, typer.Option("--config", envvar="CMGR_CONFIG",
                                                  help="Configuration file (TOML).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and data.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail on stderr.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y",
                                      help="Answer yes to confirmations (needed without a terminal).")] = False,
    log_file: Annotated[Path | None, typer.Option(
        "--log-file", help="Append what ran, with timings and counts, to this rotating log "
                           "(configuration key log.file).")] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", envvar="CMGR_LANG", metavar="zh|en",
        help="Language of messages and help: zh (default) or en; also CMGR_LANG or an English "
             "locale.")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Global options apply to every command."""
    if lang is not None:  # help was built in the language resolved from argv (cmgr.i18n)
        from cmgr.i18n import set_language

        set_language(lang)
    st = common.state(ctx)
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

    for module in (import_cmd, config_cmd, db_cmd, demo_cmd, complaint_cmd, visit_cmd, promo_cmd,
                   customer_cmd, report_cmd, flag_cmd, plan_cmd, settlements_cmd,
                   suggest_cmd, kpi_cmd, today_cmd, area_cmd):
        module.register(app)


_register()


def main() -> None:
    app(prog_name="cmgr")
