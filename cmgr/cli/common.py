"""What every command shares: the app factory, global state, consoles, error mapping, output.

Commands stay thin: parse options, call one library function, present the result. Library code
raises `CmgrError`s; the group class below turns them into one-line messages and exit codes.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

try:  # typer >= 0.2x vendors click; its context stack is the one commands run in
    from typer import _click as click
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - older typer on plain click
    import click
    from click import get_current_context

from cmgr.cli import help_format
from cmgr.errors import CmgrError, ExitCode, UsageError
from cmgr.i18n import tr

# What a prompt raises on Ctrl-C or end of input. Typer >= 0.2x keeps it in typer.exceptions
# (its vendored click has none); older Typer re-exports click's. typer.Abort is both.
Abort = typer.Abort


class _Console(Console):
    """A rich console that takes control characters and escape sequences out of the text it
    is given (a name carrying ESC[2J would clear the user's screen); rich's own colours are
    added later, so they stay."""

    def render_str(self, text: str, **kwargs):
        from cmgr.inert_text import strip_control

        return super().render_str(strip_control(text), **kwargs)


# rich drops colours by itself when the stream is not a terminal, and honours NO_COLOR. Off a
# terminal, messages are not wrapped at 80 columns: a path split over two lines of a cron mail
# cannot be pasted.
err_console = _Console(stderr=True, highlight=False, soft_wrap=not sys.stderr.isatty())
out_console = _Console(highlight=False)
log = logging.getLogger("cmgr")
# Without a handler, logging's last resort prints warnings and tracebacks on stderr; the log
# file (logging_setup) is where they go, and only when the user asked for one.
log.addHandler(logging.NullHandler())


@dataclass
class AppState:
    """Global options, and the configuration and database opened on first use."""

    db_option: Path | None = None
    db_on_command_line: bool = False  # --db given, not only CMGR_DB in the environment
    config_option: Path | None = None
    quiet: bool = False
    verbose: bool = False
    yes: bool = False
    _config: Any = None
    _db: Any = None
    _scratch: Any = None  # the temporary folder of a throwaway database (scratch_db)
    overrides: dict[str, Any] = field(default_factory=dict)

    def config(self):
        if self._config is None:
            from cmgr.config import load_config

            overrides = dict(self.overrides)
            if self.db_option is not None:
                overrides["database.path"] = str(self.db_option)
            self._config = load_config(self.config_option, overrides=overrides)
        return self._config

    def db(self, *, create: bool = False):
        """The database, opened (and migrated) on first use. Only `create=True` (init, import,
        demo) makes a new file, and says so: a mistyped --db must not give another command
        an empty database to read or write."""
        if self._db is None:
            from cmgr.errors import NotFound
            from cmgr.store.db import open_database

            cfg = self.config()
            path = cfg.db_url or Path(cfg.db_path)
            if cfg.db_url is None and not path.exists():
                if not create:
                    raise NotFound(tr("找不到数据库 {path}（`--db`、CMGR_DB 或 `database.path` "
                                      "写对了吗？）", path=path),
                                   hint=tr("用 `cmgr init` 创建，或用 `cmgr import` 导入第一个导出文件"))
                info(tr("正在创建新的数据库：{path}", path=path))
            self._db = open_database(path, busy_timeout=float(cfg.get("database.busy_timeout")))
            self._db.user_name = cfg.get("user.name")  # who the writes are recorded as (SQLite)
        return self._db

    def scratch_db(self):
        """An empty database in a temporary folder, removed at the end: a dry run on a machine
        with no database yet creates none."""
        import tempfile

        from cmgr.store.db import open_database

        self.close()
        self._scratch = tempfile.TemporaryDirectory(prefix="cmgr-dry-run-")
        info(tr("{path} 还没有数据库：试运行使用一个空数据库，用完即删", path=self.config().db_path))
        self._db = open_database(Path(self._scratch.name) / "dry-run.db",
                                 busy_timeout=float(self.config().get("database.busy_timeout")))
        return self._db

    def use_database(self, path: Path) -> None:
        """Switch to another database file (the demo builds its own)."""
        self.close()
        self.db_option = path
        self._config = None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def state(ctx: typer.Context | None = None) -> AppState:
    ctx = ctx or get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = AppState()
    return root.obj


def info(message: str) -> None:
    """A progress or result message for a person: stderr, silenced by --quiet; always logged.
    Plain text, never markup: a message quoting the configuration's `[report.targets]` or a
    customer's own words keeps its square brackets."""
    _log(logging.INFO, message)
    if not state().quiet:
        err_console.print(escape(message))


def warn(message: str) -> None:
    _log(logging.WARNING, message)
    err_console.print(f"[yellow]{tr('警告：')}[/yellow]{escape(message)}")


def debug(message: str) -> None:
    _log(logging.DEBUG, message)
    if state().verbose:
        err_console.print(f"[dim]{escape(message)}[/dim]")


def _log(level: int, message: str) -> None:
    log.log(level, "%s", message)


def is_interactive() -> bool:
    """May cmgr ask? Only with a terminal to read from and to show the question on.
    CMGR_INTERACTIVE=1 forces prompts (tests drive them with CliRunner input), =0 forbids them."""
    forced = os.environ.get("CMGR_INTERACTIVE", "").strip().lower()
    if forced in ("1", "true", "yes"):
        return True
    if forced in ("0", "false", "no"):
        return False
    return sys.stdin.isatty() and sys.stderr.isatty()


def prompt_or_fail(option: str, label: str, *, default: Any = None, type: Any = None,
                   hide_input: bool = False, **prompt_options: Any) -> Any:
    """Ask for a value the user did not give, on a terminal; without one, a usage error that
    names the option (cron must never hang on a prompt)."""
    if not is_interactive():
        raise UsageError(tr("缺少 `{option}`（{label}）；没有可以提问的终端", option=option,
                            label=label),
                         hint=tr("请给出 `{option}`", option=option))
    # Ctrl-C / Ctrl-D raise Abort: CmgrGroup says 已取消 and exits 130, nothing written.
    # click writes the suffix's last character to stdout (with the input): a space, so the
    # colon stays on stderr with the question.
    prompt_options.setdefault("prompt_suffix", tr("：") + " ")
    return typer.prompt(label, default=default, type=type, hide_input=hide_input, err=True,
                        **prompt_options)


def confirm_or_fail(question: str, *, option: str = "--yes") -> None:
    """Return when the user agrees (or passed --yes); otherwise raise: a usage error naming
    `option` without a terminal, "cancelled" when the user says no."""
    if state().yes:
        return
    if not is_interactive():
        raise UsageError(tr("未确认，且没有可以提问的终端：{question}", question=question),
                         hint=tr("给出 `{option}` 表示同意", option=option))
    agreed = typer.confirm(question, default=False, err=True)  # Ctrl-C: Abort, 已取消
    if not agreed:
        raise UsageError(tr("已取消；未做任何更改"))


def print_fitted_table(title: str, columns: list[tuple[str, str]], rows: list[list[str]], *,
                       keep: int = 1, row_styles: list[str | None] | None = None,
                       fold: tuple[int, ...] = ()) -> None:
    """A table of many figure columns on stdout, split into parts that fit the terminal (an
    80-column one too) instead of squeezing every cell to "…" or one character a line: each part
    repeats the first `keep` columns (the manager's name), and the parts after the first are
    titled （续）. columns: (header, "left"/"right"); cells are rich markup (escape user text),
    a cell of several lines as wide as its widest. `fold`: the columns of running text (a
    note) that wrap within the room a part leaves them, rather than be cut."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    def width(i: int) -> int:  # the widest line of the header or a cell, plus padding and rule
        texts = [columns[i][0], *(Text.from_markup(r[i]).plain for r in rows)]
        return max(cell_len(line) for t in texts for line in (t.splitlines() or [""])) + 3

    widths = [width(i) for i in range(len(columns))]
    room = max(out_console.width - 1 - sum(widths[:keep]), 1)
    for i in fold:
        widths[i] = min(widths[i], room)
    parts: list[list[int]] = []
    for i in range(keep, len(columns)):
        if parts and sum(widths[j] for j in parts[-1]) + widths[i] <= room:
            parts[-1].append(i)
        else:
            parts.append([i])
    for n, part in enumerate(parts or [[]]):
        shown = list(range(keep)) + part
        table = Table(title=title if n == 0 else tr("{title}（续）", title=title))
        for i in shown:
            table.add_column(columns[i][0], justify=columns[i][1], no_wrap=i not in fold,
                             overflow="fold" if i in fold else "ellipsis")
        for r, row in enumerate(rows):
            table.add_row(*(row[i] for i in shown),
                          style=row_styles[r] if row_styles else None)
        out_console.print(table)


def figure_cell(value) -> str:
    """A figure in a terminal table: thousands separated, two decimals, — for none."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_json(data: Any) -> None:
    """Data for machines: stdout, nothing else on it."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def crash_log_path() -> Path:
    from platformdirs import user_log_path

    return user_log_path("cmgr") / "crash.log"


def print_error(exc: CmgrError) -> None:
    """The one way an expected error reaches the user: one line, and a hint line."""
    err_console.print(f"[red]{tr('错误：')}[/red]{escape(exc.message)}")
    if exc.hint:
        err_console.print(f"[dim]{tr('提示：')}{escape(exc.hint)}[/dim]")


# click's own usage errors (its text is English and not translatable), read back into words
# of the user's language; a message not matched here is shown as click wrote it.
_CLICK_ERRORS = [
    (r"Invalid value for (?P<name>.+?): (?:Value error, )?(?P<detail>.*)",
     lambda m: tr("{name} 的值无效：{detail}", name=m["name"], detail=_click_detail(m["detail"]))),
    (r"Missing argument (?P<name>.+?)\.(?: (?P<rest>.*))?",
     lambda m: tr("缺少参数 {name}", name=m["name"])),
    (r"Missing option (?P<name>.+?)\.(?: (?P<rest>.*))?",
     lambda m: tr("缺少选项 {name}", name=m["name"])),
    (r"No such option: (?P<name>\S+?)(?: Did you mean (?P<close>.+?)\?)?(?: \(Possible options: "
     r"(?P<choices>.+)\))?",
     lambda m: (tr("没有这个选项：{name}（是不是 {close}？）", name=m["name"],
                   close=m["close"] or m["choices"]) if m["close"] or m["choices"]
                else tr("没有这个选项：{name}", name=m["name"]))),
    (r"No such command (?P<name>.+?)\.(?: Did you mean (?P<close>.+?)\?)?",
     lambda m: (tr("没有这个命令：{name}（是不是 {close}？）", name=m["name"], close=m["close"])
                if m["close"] else tr("没有这个命令：{name}", name=m["name"]))),
    (r"Missing command\.", lambda m: tr("缺少命令")),
    (r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.+)\)",
     lambda m: tr("多余的参数：{args}", args=m["args"])),
    (r"Option (?P<name>.+?) requires (?P<what>.+?)\.",
     lambda m: tr("选项 {name} 需要一个值", name=m["name"])),
]


def _click_detail(detail: str) -> str:
    import re

    found = re.fullmatch(r"(?P<value>.+) is not one of (?P<choices>.+)\.", detail)
    if found:
        return tr("{value} 不是 {choices} 之一", value=found["value"], choices=found["choices"])
    if detail.startswith("Input should be a valid integer"):
        return tr("应为整数")
    if detail.startswith("Input should be a valid number"):
        return tr("应为数值")
    bound = re.fullmatch(r"Input should be (?P<how>greater|less) than or equal to (?P<n>\S+)",
                         detail)
    if bound:
        return (tr("应不小于 {n}", n=bound["n"]) if bound["how"] == "greater"
                else tr("应不大于 {n}", n=bound["n"]))
    return detail


def usage_error_text(exc: click.exceptions.UsageError) -> str:
    """click's message for a usage error, in the user's language."""
    import re

    message = exc.format_message()
    for pattern, words in _CLICK_ERRORS:
        found = re.fullmatch(pattern, message, flags=re.DOTALL)
        if found:
            return words(found)
    return message


def show_usage_error(exc: click.exceptions.UsageError) -> None:
    """A usage error as click shows it (usage line, where to get help, the error), in words of
    the user's language and as cmgr's other errors look."""
    ctx = exc.ctx
    if ctx is not None:
        err_console.print(escape(ctx.get_usage()))
        if ctx.command.get_help_option(ctx) is not None:
            err_console.print(escape(tr("运行 `{command} {option}` 查看帮助。",
                                        command=ctx.command_path, option=ctx.help_option_names[0])))
        err_console.print()
    print_error(UsageError(usage_error_text(exc)))


class CmgrGroup(TyperGroup):
    """Maps errors to the documented exit codes; no traceback for a user's mistake. Its help
    (and its commands') wraps by display width, with metavars in words (cli/help_format.py)."""

    context_class = help_format.Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        help_format.dress_command(self)
        for command in self.commands.values():
            if not isinstance(command, CmgrGroup):  # a group dresses its own
                help_format.dress_command(command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        commands = [(n, self.get_command(ctx, n)) for n in self.list_commands(ctx)]
        commands = [(n, c) for n, c in commands if c is not None and not c.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(n) for n, _ in commands)
            rows = [(n, c.short_help or help_format.short_help(c.help or "", limit))
                    for n, c in commands]
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.UsageError as exc:
            # The root's own options (`cmgr --bogus`) fail here, before invoke(); a command's
            # are caught in invoke() below.
            if parent is not None or isinstance(exc, click.exceptions.NoArgsIsHelpError):
                raise
            show_usage_error(exc)
            raise typer.Exit(exc.exit_code) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            ctx.meta["cmgr.argv"] = list(args)  # what ran, for the log
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        started = time.perf_counter()
        exit_code = 0
        try:
            return super().invoke(ctx)
        except typer.Exit as exc:
            exit_code = exc.exit_code
            raise
        except click.exceptions.ClickException as exc:
            exit_code = exc.exit_code
            if (isinstance(exc, click.exceptions.UsageError)
                    and not isinstance(exc, click.exceptions.NoArgsIsHelpError)):
                show_usage_error(exc)
                raise typer.Exit(exit_code) from None
            raise
        except CmgrError as exc:
            exit_code = int(exc.exit_code)
            print_error(exc)
            log.error("%s", exc.message)
            raise typer.Exit(int(exc.exit_code)) from None
        except (Abort, KeyboardInterrupt) as exc:
            # Ctrl-C anywhere, or Ctrl-D / Ctrl-C at a prompt (Abort): nothing was written,
            # every write being one transaction that has not begun or is rolled back; but an
            # import of several files may have stored some in full (ingest.ImportInterrupted).
            exit_code = int(ExitCode.CANCELLED)
            stored = getattr(exc, "stored_files", None)
            if stored:
                err_console.print(tr("已取消；此前已完整导入：{files}；其后的文件未导入",
                                     files=escape("、".join(stored))))
            else:
                err_console.print(tr("已取消"))
            log.error("cancelled")
            raise typer.Exit(exit_code) from None
        except Exception as exc:
            fault = world_fault(exc, ctx.find_root().obj)
            if fault is not None:  # the disk, the file system, a damaged file: not a bug
                exit_code = int(fault.exit_code)
                print_error(fault)
                log.error("%s", fault.message, exc_info=True)
                # A zip writer (openpyxl, docx) left open by the failed write closes when
                # collected, fails again and would print a traceback: that goes to the log.
                sys.unraisablehook = _log_unraisable
                raise typer.Exit(exit_code) from None
            exit_code = int(ExitCode.INTERNAL)
            path = crash_log_path()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as fh:
                    fh.write(f"--- cmgr {' '.join(sys.argv[1:])}\n{traceback.format_exc()}\n")
            except OSError:
                pass
            log.exception("internal error")
            err_console.print("[red]" + escape(tr("内部错误")) + "[/red]"
                              + escape(tr("（cmgr 的缺陷；详情见 {path}）。请附上这个文件报告问题。",
                                          path=path)))
            if os.environ.get("CMGR_DEBUG"):
                traceback.print_exc()
            raise typer.Exit(int(ExitCode.INTERNAL)) from None
        finally:
            root = ctx.find_root()
            if isinstance(root.obj, AppState) and ctx is root:
                root.obj.close()
            if ctx.parent is None:
                from cmgr.logging_setup import log_finish

                log_finish(exit_code, time.perf_counter() - started)


def _log_unraisable(unraisable) -> None:
    log.debug("ignored after an error: %r", unraisable.exc_value)


def world_fault(exc: BaseException, app_state: Any = None) -> CmgrError | None:
    """The world's fault behind `exc` (a full disk, a read-only or damaged database, a path
    that is a folder or runs through a file), as one line naming cause and path; None for a
    bug. The cause may sit anywhere in the exception's chain (openpyxl, zipfile, docx wrap it)."""
    import errno
    import sqlite3

    from cmgr.errors import DatabaseBusy, DatabaseError

    db_path = None
    if isinstance(app_state, AppState):
        try:
            db_path = (app_state._db.location if app_state._db is not None
                       else app_state.config().db_url or app_state.config().db_path)
        except Exception:  # the configuration itself may be what failed
            db_path = None
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, sqlite3.Error):
            text = str(exc).lower()
            where = tr("数据库 {path}", path=db_path) if db_path else tr("数据库")
            if "full" in text:
                return DatabaseError(tr("设备上没有空间写入{where}（{error}）", where=where,
                                        error=exc),
                                     hint=tr("腾出磁盘空间后再运行一次；没有写入一半的内容"))
            if "readonly" in text or "read-only" in text:
                return DatabaseError(tr("{where} 是只读的（{error}）", where=where, error=exc),
                                     hint=tr("检查文件的权限，以及它所在的磁盘是否可写"))
            if "malformed" in text or "not a database" in text or "corrupt" in text:
                return DatabaseError(tr("{where} 已损坏（{error}）", where=where, error=exc),
                                     hint=tr("运行 `cmgr db check`，或用 `cmgr db restore` 恢复备份"))
            if "locked" in text or "busy" in text:
                return DatabaseBusy(tr("{where} 被另一个进程锁定（{error}）", where=where, error=exc))
            if "disk i/o" in text or "unable to open" in text:
                return DatabaseError(tr("无法使用{where}：{error}", where=where, error=exc),
                                     hint=tr("检查磁盘、文件夹和权限"))
        if isinstance(exc, OSError) and exc.errno is not None:
            name = exc.filename or ""
            name = name or tr("该路径")
            causes = {  # an error path: all built, one used
                errno.ENOSPC: tr("写入时设备上没有空间：{path}", path=name),
                errno.EDQUOT: tr("写入时超出磁盘配额：{path}", path=name),
                errno.EROFS: tr("只读文件系统：{path}", path=name),
                errno.EACCES: tr("没有权限：{path}", path=name),
                errno.EPERM: tr("不允许的操作：{path}", path=name),
                errno.EISDIR: tr("{path} 是文件夹，不是文件", path=name),
                errno.ENOTDIR: tr("{path} 经过的是文件，不是文件夹", path=name),
                errno.EEXIST: tr("{path} 已存在，且不是文件夹", path=name),
                errno.EIO: tr("输入输出错误：{path}", path=name),
                errno.EFBIG: tr("文件超出了文件系统或限额允许的大小：{path}", path=name),
                errno.ENOENT: tr("找不到文件或文件夹：{path}", path=name),
            }
            if exc.errno in causes:
                return DatabaseError(causes[exc.errno],
                                     hint=tr("没有写入一半的内容；改正路径或腾出空间后再运行一次"))
        exc = exc.__cause__ or exc.__context__
    return None


def escape(text: str) -> str:
    """User text made safe inside rich markup."""
    from rich.markup import escape

    return escape(text)


def new_app(help: str, **kwargs) -> typer.Typer:
    """A command group with cmgr's conventions."""
    settings = {"cls": CmgrGroup, "no_args_is_help": True, "pretty_exceptions_enable": False,
                "add_completion": False, "rich_markup_mode": None, **kwargs}
    return typer.Typer(help=help, **settings)


def exit_with(code: ExitCode | int) -> None:
    if int(code) != 0:
        raise typer.Exit(int(code))
