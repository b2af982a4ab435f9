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
                    raise NotFound(f"no database at {path} (is --db, CMGR_DB or database.path "
                                   "spelled right?)",
                                   hint="create it with `cmgr init`, or by importing the first "
                                        "export with `cmgr import`")
                info(f"creating a new database: {path}")
            self._db = open_database(path, busy_timeout=float(cfg.get("database.busy_timeout")))
        return self._db

    def scratch_db(self):
        """An empty database in a temporary folder, removed at the end: a dry run on a machine
        with no database yet creates none."""
        import tempfile

        from cmgr.store.db import open_database

        self.close()
        self._scratch = tempfile.TemporaryDirectory(prefix="cmgr-dry-run-")
        info(f"no database at {self.config().db_path} yet: the dry run uses an empty one, "
             "thrown away after")
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
    """A progress or result message for a person: stderr, silenced by --quiet; always logged."""
    _log(logging.INFO, message)
    if not state().quiet:
        err_console.print(message)


def warn(message: str) -> None:
    _log(logging.WARNING, message)
    err_console.print(f"[yellow]warning:[/yellow] {message}")


def debug(message: str) -> None:
    _log(logging.DEBUG, message)
    if state().verbose:
        err_console.print(f"[dim]{message}[/dim]")


def _log(level: int, message: str) -> None:
    if log.isEnabledFor(level):
        from rich.text import Text

        log.log(level, "%s", Text.from_markup(message).plain)


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
        raise UsageError(f"missing {option} ({label}); there is no terminal to ask on",
                         hint=f"pass {option}")
    # Ctrl-C / Ctrl-D raise Abort: CmgrGroup says 已取消 and exits 130, nothing written.
    return typer.prompt(label, default=default, type=type, hide_input=hide_input, err=True,
                        **prompt_options)


def confirm_or_fail(question: str, *, option: str = "--yes") -> None:
    """Return when the user agrees (or passed --yes); otherwise raise: a usage error naming
    `option` without a terminal, "cancelled" when the user says no."""
    if state().yes:
        return
    if not is_interactive():
        raise UsageError(f"not confirmed, and there is no terminal to ask on: {question}",
                         hint=f"pass {option} to answer yes")
    agreed = typer.confirm(question, default=False, err=True)  # Ctrl-C: Abort, 已取消
    if not agreed:
        raise UsageError("cancelled; nothing was changed")


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


class CmgrGroup(TyperGroup):
    """Maps errors to the documented exit codes; no traceback for a user's mistake."""

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
            err_console.print(f"[red]internal error[/red] (a bug in cmgr; details in {path}). "
                              "Please report it with that file.")
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
            where = f"database {db_path}" if db_path else "the database"
            if "full" in text:
                return DatabaseError(f"no space left on the device for {where} ({exc})",
                                     hint="free disk space, then run the command again; "
                                          "nothing was half-written")
            if "readonly" in text or "read-only" in text:
                return DatabaseError(f"{where} is read-only ({exc})",
                                     hint="check the file's permissions and that its disk is "
                                          "mounted for writing")
            if "malformed" in text or "not a database" in text or "corrupt" in text:
                return DatabaseError(f"{where} is damaged ({exc})",
                                     hint="run `cmgr db check`, or `cmgr db restore` a backup")
            if "locked" in text or "busy" in text:
                return DatabaseBusy(f"{where} is locked by another process ({exc})")
            if "disk i/o" in text or "unable to open" in text:
                return DatabaseError(f"cannot use {where}: {exc}",
                                     hint="check the disk, the folder and the permissions")
        if isinstance(exc, OSError) and exc.errno is not None:
            name = exc.filename or ""
            path = f" {name}" if name else ""
            cause = {
                errno.ENOSPC: f"no space left on the device writing{path}",
                errno.EDQUOT: f"disk quota exceeded writing{path}",
                errno.EROFS: f"read-only file system:{path}",
                errno.EACCES: f"permission denied:{path}",
                errno.EPERM: f"not permitted:{path}",
                errno.EISDIR: f"{name or 'the path'} is a folder, not a file",
                errno.ENOTDIR: f"{name or 'the path'} runs through a file, not a folder",
                errno.EEXIST: f"{name or 'the path'} exists and is not a folder",
                errno.EIO: f"I/O error on{path}",
                errno.EFBIG: f"file too large for this file system or limit:{path}",
                errno.ENOENT: f"no such file or folder:{path}",
            }.get(exc.errno)
            if cause:
                return DatabaseError(cause, hint="nothing was half-written; fix the path or free "
                                                 "space and run the command again")
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
