"""Text every writer puts out inert (no layer below: the importer, the store's exports, the
documents and the consoles all use it): control characters removed, formula-like text kept as
text in xlsx and behind an apostrophe in CSV."""

from __future__ import annotations

import re

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
