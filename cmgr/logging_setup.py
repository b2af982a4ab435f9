"""The log of what ran: `--log-file PATH` or the `log.file` key, a rotating file.

One line when a command starts (its arguments), the messages it shows a person (counts, files
written, warnings, errors), the traceback of an internal error, and one line when it ends with
its exit code and duration. Nothing is logged unless a log file is configured.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from cmgr.errors import UsageError

LOGGER_NAME = "cmgr"
MAX_BYTES = 2_000_000  # a year of nightly runs is well under this; older text goes to .1 ... .5
BACKUP_COUNT = 5
_HANDLER_NAME = "cmgr-log-file"
_FORMAT = "%(asctime)s pid=%(process)d %(levelname)s %(name)s: %(message)s"


def configure_log_file(path: str | Path | None, *, verbose: bool = False,
                       source: str = "--log-file") -> Path | None:
    """Send cmgr's log to a rotating file at `path` (None: no file). Replaces an earlier one, so
    calling it again in one process (tests) does not write every line twice."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:
            logger.removeHandler(handler)
            handler.close()
    if path is None or str(path) == "":
        logger.setLevel(logging.NOTSET)
        return None
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            target, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    except OSError as exc:
        from cmgr.i18n import tr

        raise UsageError(tr("{source} {path}：无法写日志文件：{error}", source=source, path=target,
                            error=exc.strerror or exc),
                         hint=tr("给出一个你能写入的文件夹中的文件")) from None
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    return target


def log_start(argv: list[str]) -> None:
    logging.getLogger(LOGGER_NAME).info("start: cmgr %s (cwd %s)", _join(argv), os.getcwd())


def log_finish(exit_code: int | None, seconds: float) -> None:
    logging.getLogger(LOGGER_NAME).info("finish: exit %s after %.2f s", exit_code or 0, seconds)


def _join(argv: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in argv)
