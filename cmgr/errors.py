"""Error types and the exit-code table. Library code raises these; only the CLI prints and exits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """The documented exit codes (README, `cmgr --help`, docs/cron.md)."""

    OK = 0
    FINDINGS = 1  # completed, with findings the caller asked to fail on (--fail-on-new)
    USAGE = 2  # usage or input error: nothing was written
    REJECTED_ROWS = 3  # import completed, some rows rejected
    BUSY = 4  # database busy or locked past the timeout
    INTERNAL = 5  # internal error (traceback in the log)
    WARNINGS = 6  # done, everything written, with warnings to check (plan-week: fallback rules)
    CANCELLED = 130  # Ctrl-C, or Ctrl-D at a prompt: nothing was written (the shell's 128 + SIGINT)


EXIT_CODE_TABLE = """\
Exit codes:
  0  success
  1  completed with findings the caller asked to fail on (--fail-on-new; db check)
  2  usage or input error (nothing written)
  3  import completed with rejected rows
  4  database busy or locked past the timeout
  5  internal error (traceback in the log)
  6  done with warnings: everything written, some records to check (plan-week)
  130  cancelled (Ctrl-C, or Ctrl-D at a prompt; nothing written)"""


class CmgrError(Exception):
    """Base of every error cmgr expects; `hint` tells the user how to fix it."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(CmgrError):
    """A bad option, argument or state the user can fix."""


class ConfigError(CmgrError):
    """The configuration file is invalid: names the key and the expected value."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None,
                 hint: str | None = None) -> None:
        where = ", ".join(p for p in (path, f"key {key}" if key else None) if p)
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.path = path
        self.key = key


@dataclass(frozen=True)
class Location:
    """Where a bad value sits, in the terms the user sees in Excel."""

    file: str
    sheet: str | None = None
    row: int | None = None  # 1-based row number as shown by Excel (or the CSV line number)
    column: str | None = None  # the header text as found in the file
    value: object | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        text = ", ".join(parts)
        if self.value is not None and self.value != "":
            text += f" (value {self.value!r})"
        return text


class InputError(CmgrError):
    """A file or a value in it cannot be used; carries file, sheet, row, column and value."""

    def __init__(self, message: str, location: Location | None = None, *,
                 hint: str | None = None) -> None:
        full = f"{location}: {message}" if location else message
        super().__init__(full, hint=hint)
        self.reason = message
        self.location = location


class DatabaseError(CmgrError):
    """The database cannot be used (newer schema, corrupt file...)."""


class DatabaseBusy(CmgrError):
    """Another process held the write lock past the timeout."""

    exit_code = ExitCode.BUSY


class NotFound(CmgrError):
    """A customer, complaint, flag or manager named by the user does not exist."""


class StateError(CmgrError):
    """A workflow step was asked for out of order (complaints, flags)."""
