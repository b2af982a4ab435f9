"""Output files: `--out` placeholders and atomic writes (temporary file, then rename)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from cmgr.errors import UsageError

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')
# Control characters (C0 but tab and line breaks, DEL, C1) and the terminal escape sequences
# they start: a name or note carrying them breaks openpyxl (IllegalCharacterError), Word's XML
# and the terminal. Removed on import (with a warning) and again in every writer.
CONTROL_CHARS = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
                           r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_control(text: str) -> str:
    return CONTROL_CHARS.sub("", text) if CONTROL_CHARS.search(text) else text


def clean_tree(value, escape_html: bool = False):
    """`value` (dicts, lists, tuples of plain values) with control characters removed from
    every string, and < > & written as entities when `escape_html` (Markdown shows entities as
    the characters; a raw <script> in a name stays text)."""
    if isinstance(value, str):
        value = strip_control(value)
        if escape_html:
            value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return value
    if isinstance(value, dict):
        return {k: clean_tree(v, escape_html) for k, v in value.items()}
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return type(value)(clean_tree(v, escape_html) for v in value)
    return value


def append_row(ws, values) -> None:
    """Append a row to an openpyxl sheet with text as text: control characters removed, and a
    value starting with "=" kept as the text it is, never made a live formula."""
    ws.append([strip_control(v) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def csv_cell(value):
    """A CSV cell Excel will not run: control characters removed, and text that Excel or
    LibreOffice would take for a formula (= + - @ first, or a tab or carriage return) behind a
    leading apostrophe. Numbers, and text that is a plain number such as -5, stay as they are."""
    if not isinstance(value, str) or not value:
        return value
    value = strip_control(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and value != "-" and not _NUMBER.match(value):
        return "'" + value
    return value


class _SafeCsvWriter:
    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)

    def __getattr__(self, name):
        return getattr(self._writer, name)


def csv_writer(fh, **options):
    """csv.writer whose cells go through csv_cell (every CSV cmgr writes)."""
    import csv

    return _SafeCsvWriter(csv.writer(fh, **options))


def safe_dict_writer(writer):
    """A csv.DictWriter whose cells go through csv_cell."""
    writer.writer = _SafeCsvWriter(writer.writer)
    return writer


def _path_part(value: object) -> str:
    """A placeholder value as one file-name part: separators and spaces to _, and no leading
    dot or ~ (a manager named ".." or "~" must not lead out of the folder or into $HOME)."""
    text = _UNSAFE.sub("_", str(value))
    text = re.sub(r"^[.~]+", lambda m: "_" * len(m.group()), text)
    return text or "_"


def expand_out(pattern: str | Path, **values: object) -> Path:
    """`plans/{manager}-{week}.xlsx` -> a path; values are made safe for file names."""
    text = str(pattern)
    values.setdefault("date", date.today().isoformat())
    safe = {k: _path_part(v) for k, v in values.items() if v is not None}
    try:
        # A quoted ~ (cron lines quote --out for its braces) is still the home folder; only the
        # pattern's own ~, never one a value brings (a manager named "~").
        return Path(os.path.expanduser(text).format(**safe))
    except KeyError as exc:
        raise UsageError(f"--out {text}: unknown placeholder {{{exc.args[0]}}}; available here: "
                         + ", ".join("{" + k + "}" for k in safe)) from None
    except (IndexError, ValueError) as exc:
        raise UsageError(f"--out {text}: {exc}") from None


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it over the target on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The pid in the name lets a later run tell a killed writer's leftovers from a live one's.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".part",
                               dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(tmp_path, 0o666 & ~_umask())
        with open(tmp_path, "rb+") as fh:  # on disk before the rename, so a crash leaves old or new
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    except OSError as exc:
        if exc.filename in (None, str(tmp_path), tmp):  # a write into the file: name the target
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)


# Workbooks carry no save time: the same data gives the same bytes, so a cron job run twice
# writes an identical file (checksums and diffs say "no change"). Excel shows this as the
# document's created/modified date.
WORKBOOK_TIME = (2000, 1, 1, 0, 0, 0)


def save_workbook(wb, path: str | Path) -> Path:
    """Save an openpyxl workbook atomically, byte for byte the same for the same content:
    fixed document times, and the zip entries' times fixed too. openpyxl stamps both with the
    save time (`save_workbook` sets properties.modified to now), so both are rewritten after."""
    import datetime as dt
    import zipfile

    from openpyxl.xml.functions import tostring

    with atomic_path(path) as tmp:
        wb.save(str(tmp))
        wb.properties.created = wb.properties.modified = dt.datetime(*WORKBOOK_TIME)
        with zipfile.ZipFile(tmp) as src:
            entries = [(info, src.read(info)) for info in src.infolist()]
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info, data in entries:
                if info.filename == "docProps/core.xml":
                    data = tostring(wb.properties.to_tree())
                fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
                dst.writestr(fixed, data)
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
