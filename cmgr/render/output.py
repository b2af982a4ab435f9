"""Output files: `--out` placeholders and byte-identical workbooks (written atomically through
cmgr.fileio)."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from cmgr.errors import UsageError
from cmgr.fileio import atomic_path
from cmgr.i18n import tr

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


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
        raise UsageError(tr("`--out` {pattern}：未知的占位符 {name}；这里可用：{available}",
                            pattern=text, name="{" + str(exc.args[0]) + "}",
                            available=", ".join("{" + k + "}" for k in safe))) from None
    except (IndexError, ValueError) as exc:
        raise UsageError(tr("`--out` {pattern}：{error}", pattern=text, error=exc)) from None


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
