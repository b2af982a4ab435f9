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


def exit_code_table() -> str:
    """The exit codes as `cmgr --help` shows them, in the user's language."""
    from cmgr.i18n import tr

    rows = [
        (ExitCode.OK, tr("成功")),
        (ExitCode.FINDINGS, tr("完成，但有调用者要求视为失败的发现（--fail-on-new；db check）")),
        (ExitCode.USAGE, tr("用法或输入错误（未写入任何内容）")),
        (ExitCode.REJECTED_ROWS, tr("导入完成，有被拒绝的行")),
        (ExitCode.BUSY, tr("数据库忙或被锁定，超过了等待时间")),
        (ExitCode.INTERNAL, tr("内部错误（traceback 在日志中）")),
        (ExitCode.WARNINGS, tr("完成但有警告：全部已写入，有些记录需要检查（plan-week）")),
        (ExitCode.CANCELLED, tr("已取消（Ctrl-C，或在提示处按 Ctrl-D；未写入任何内容）")),
    ]
    return "\n".join([tr("退出状态："), *(f"  {int(code)}  {text}" for code, text in rows)])


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
        from cmgr.i18n import tr

        where = tr("，").join(p for p in (path, tr("配置项 {key}", key=key) if key else None) if p)
        super().__init__(tr("{where}：{message}", where=where, message=message) if where
                         else message, hint=hint)
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
        from cmgr.i18n import tr

        parts = [tr("文件 {file}", file=self.file)]
        if self.sheet:
            parts.append(tr("工作表 {sheet}", sheet=self.sheet))
        if self.row is not None:
            parts.append(tr("第 {row} 行", row=self.row))
        if self.column:
            parts.append(tr("列「{column}」", column=self.column))
        text = tr("，").join(parts)
        if self.value is not None and self.value != "":
            text += tr("（值 {value}）", value=repr(self.value))
        return text


class InputError(CmgrError):
    """A file or a value in it cannot be used; carries file, sheet, row, column and value."""

    def __init__(self, message: str, location: Location | None = None, *,
                 hint: str | None = None) -> None:
        from cmgr.i18n import tr

        full = tr("{where}：{message}", where=location, message=message) if location else message
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


class NoteWorkerError(CmgrError):
    """A worker process reading visit notes for flags failed or died (core/flag_workers.py)."""

    exit_code = ExitCode.INTERNAL
