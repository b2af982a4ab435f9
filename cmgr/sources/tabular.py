"""Read a spreadsheet or CSV export into a table of text cells, with Excel's row numbers.

Exports arrive as `.xlsx`, `.xls` or `.csv` (UTF-8 with or without BOM, or GB18030/GBK), with
title and export-date rows above the header. This module finds the header row, and returns
every cell below it as text (or None) so that codes keep their leading zeros; parsing the
cells is the importer's job. Only import code uses this module, so pandas is imported at the top.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cmgr.errors import InputError, Location
from cmgr.i18n import tr
from cmgr.sources.fields import field_for_header

HEADER_SCAN_ROWS = 40
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass
class RawTable:
    file: str
    sheet: str | None
    header_row: int  # the header's row number as Excel shows it (CSV: line number)
    headers: list[str]  # as written, one per column
    frame: pd.DataFrame  # column i holds the cells under headers[i], as text or None
    row_numbers: pd.Series  # the Excel row number of each frame row
    # Rows that could not be read into the header's columns: (row number, reason, the row as
    # written). Only CSV rows with more cells than the header have; they are rejected.
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)
    # A workbook read without --sheet: the sheets before this one that were not used, with
    # the reason, and the sheets after it, not looked at yet (the caller imports those too).
    skipped_sheets: list[tuple[str, str]] = field(default_factory=list)
    later_sheets: list[str] = field(default_factory=list)
    # The latest full date written above the header (导出日期：2026年11月28日), ISO, or None.
    export_date: str | None = None
    # xlsx: () -> the cells holding a formula without a saved result (Excel row, 0-based
    # column), read as empty (a file written by a program, never opened and saved in Excel).
    # Asked only about empty required cells: it reads the whole sheet's XML once more.
    formula_cells: Callable[[], set[tuple[int, int]]] | None = None


_TITLE_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def title_date(rows: list[list]) -> str | None:
    """The latest valid date in the title rows above a header, as ISO text."""
    import datetime as dt

    found = []
    for row in rows:
        for cell in row:
            for y, m, d in _TITLE_DATE.findall(str(cell or "")):
                try:
                    found.append(dt.date(int(y), int(m), int(d)).isoformat())
                except ValueError:
                    pass
    return max(found, default=None)


def read_table(path: str | Path, *, sheet: str | None = None,
               mapping: dict[str, str] | None = None,
               accept_header=None) -> RawTable:
    """Read `path` (the first sheet with a recognisable header, or `sheet`).

    `accept_header(fields)` may reject a candidate header row (e.g. lacking the kind's required
    columns) so a later sheet or row is tried; the last refusal is what the user is told.
    """
    path = Path(path)
    try:
        return _read_table(path, sheet, mapping, accept_header)
    except OSError as exc:  # unreadable (permissions, a vanished network share, I/O error)
        raise InputError(tr("无法读取文件：{error}", error=exc.strerror or exc),
                         Location(str(path))) from exc


def _read_table(path: Path, sheet, mapping, accept_header) -> RawTable:
    if not path.exists():
        raise InputError(tr("找不到文件"), Location(str(path)))
    if path.is_dir():
        raise InputError(tr("这是文件夹，不是电子表格"), Location(str(path)))
    if path.stat().st_size == 0:
        raise InputError(tr("文件是空的"), Location(str(path)))
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        disguised = _disguised_as_excel(path)
        if disguised == "html":
            return _read_html_table(path, mapping, accept_header)
        if disguised == "text":
            return _read_csv(path, mapping, accept_header)
        return _read_excel(path, sheet, mapping, accept_header)
    if suffix in (".csv", ".txt", ".tsv"):
        if sheet:
            raise InputError(tr("`--sheet` 只适用于工作簿，不适用于 CSV 文件"), Location(str(path)))
        return _read_csv(path, mapping, accept_header)
    raise InputError(tr("不支持的文件类型 {suffix}；应为 .xlsx、.xls 或 .csv",
                        suffix=suffix or tr("（无扩展名）")), Location(str(path)))


# --- header detection --------------------------------------------------------------------

def _header_score(cells: list, mapping: dict[str, str] | None) -> tuple[int, list[str | None]]:
    fields = [field_for_header(c, mapping) if c not in (None, "") else None for c in cells]
    return len({f for f in fields if f}), fields


def _find_header(rows: list[list], mapping, accept_header, location: Location) -> int:
    """Index of the header among `rows` (the first HEADER_SCAN_ROWS rows)."""
    best, best_score, refusal = None, 0, None
    for i, cells in enumerate(rows):
        score, fields = _header_score(cells, mapping)
        if score == 0 or score <= best_score:
            continue
        if accept_header is not None:
            problem = accept_header(fields, [c for c in cells])
            if problem:
                refusal = (i, problem)
                continue
        best, best_score = i, score
    if best is None:
        if refusal is not None:
            i, problem = refusal
            raise InputError(problem, location)
        seen = [", ".join(str(c) for c in r if c not in (None, ""))[:120] for r in rows[:5]]
        raise InputError(
            tr("找不到表头行：前几行都没有 cmgr 认识的列名（如 客户编码、订货日期、卷烟编码、访问日期）。"
               "文件开头是：{start}", start=" | ".join(s for s in seen if s)),
            location, hint=tr("用 `--mapping 文件` 映射你的表头（见 sample_data/mapping-example.toml）"))
    return best


# --- Excel -------------------------------------------------------------------------------

def _excel_reader(path: Path):
    import fastexcel

    try:
        return fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types for broken files
        raise InputError(tr("无法读取这个工作簿（{error}）；它真的是 Excel 文件吗？", error=_short(exc)),
                         Location(str(path))) from exc


def _first_row_xlsx(path: Path, sheet_index: int) -> int:
    """The Excel row number of the first non-empty row of a sheet (calamine starts there).

    Read from the start of the sheet's XML, which is far cheaper than loading the sheet twice.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
            rids = re.findall(r"<sheet\b[^>]*?r:id=\"([^\"]+)\"", book)
            targets = dict(re.findall(r"<Relationship\b[^>]*?Id=\"([^\"]+)\"[^>]*?Target=\"([^\"]+)\"",
                                      rels))
            targets.update({a: b for b, a in re.findall(
                r"<Relationship\b[^>]*?Target=\"([^\"]+)\"[^>]*?Id=\"([^\"]+)\"", rels)})
            target = targets[rids[sheet_index]].lstrip("/")
            name = target if target.startswith("xl/") else "xl/" + target
            with zf.open(name) as fh:
                head = fh.read(1 << 20).decode("utf-8", "replace")
    except (KeyError, IndexError, zipfile.BadZipFile, OSError):
        return 1
    for m in re.finditer(r"<c\b[^>]*?\br=\"[A-Z]+(\d+)\"[^>]*?(/>|>(.*?)</c>)", head, re.S):
        body = m.group(3) or ""
        if "<v>" in body or "<v " in body or "<t" in body:
            return int(m.group(1))
    return 1


def _read_excel(path: Path, sheet: str | None, mapping, accept_header) -> RawTable:
    reader = _excel_reader(path)
    names = list(reader.sheet_names)
    if sheet is not None:
        if sheet not in names:
            raise InputError(tr("没有名为「{sheet}」的工作表；工作簿中有：{names}", sheet=sheet,
                                names="、".join(names)),
                             Location(str(path)))
        candidates = [sheet]
    else:
        candidates = names
    last_error: InputError | None = None
    skipped: list[tuple[str, str]] = []
    for name in candidates:
        index = names.index(name)
        location = Location(str(path), name)
        try:
            # One load: calamine parses the whole sheet whatever n_rows says, so reading a
            # head first and the body again would parse a big export twice. Eager loading
            # builds the Arrow batch directly: 0.3 s less on a million rows than lazy + convert.
            sheet_data = reader.load_sheet(index, header_row=None, dtypes="string", eager=True)
        except Exception as exc:
            raise InputError(tr("无法读取这个工作表（{error}）", error=_short(exc)), location) from exc
        if sheet_data.num_rows == 0:
            last_error = InputError(tr("工作表是空的"), location)
            skipped.append((name, last_error.reason))
            continue
        head = sheet_data.slice(0, HEADER_SCAN_ROWS).to_pydict()
        head_rows = [list(r) for r in zip(*head.values(), strict=True)]
        try:
            header_idx = _find_header(head_rows, mapping, accept_header, location)
        except InputError as exc:
            last_error = exc
            skipped.append((name, exc.reason))
            continue
        frame = sheet_data.slice(header_idx + 1).to_pandas()
        del sheet_data
        first = _first_row_xlsx(path, index) if path.suffix.lower() != ".xls" else _first_row_xls(path, index)
        headers = [("" if c is None else str(c)) for c in head_rows[header_idx]]
        frame = _fit_columns(frame, len(headers))
        header_row = first + header_idx
        rows = pd.Series(range(header_row + 1, header_row + 1 + len(frame)), index=frame.index)
        later = names[index + 1:] if sheet is None else []
        formulas = (None if path.suffix.lower() == ".xls"
                    else functools.cache(functools.partial(_formulas_without_value, path, index)))
        return RawTable(str(path), name, header_row, headers, frame, rows,
                        skipped_sheets=skipped, later_sheets=later,
                        export_date=title_date(head_rows[:header_idx]), formula_cells=formulas)
    assert last_error is not None
    if len(candidates) > 1:
        raise InputError(tr("没有一个工作表有可用的表头行（工作表：{sheets}）；最后一个问题：{problem}",
                            sheets="、".join(candidates), problem=last_error.reason),
                         Location(str(path)),
                         hint=tr("用 `--sheet 名称` 指定工作表，或用 `--mapping 文件` 映射表头"))
    raise last_error


_FORMULA_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>(?:(?!</c>).)*?<f[\s>/](?:(?!</c>).)*?</c>',
                           re.S)


_SAVED_VALUE = re.compile(r"<v(?:\s[^>]*)?>[^<]+</v>|<is>")


def _formulas_without_value(path: Path, sheet_index: int) -> set[tuple[int, int]]:
    """Cells of a sheet with a formula and no saved value (<f> without <v>)."""
    from openpyxl.utils import column_index_from_string

    try:
        with zipfile.ZipFile(path) as zf, zf.open(_sheet_xml_name(zf, sheet_index)) as fh:
            data = fh.read()
    except (KeyError, IndexError, zipfile.BadZipFile, OSError):
        return set()
    if b"<f>" not in data and b"<f " not in data:
        return set()
    out = set()
    for m in _FORMULA_CELL.finditer(data.decode("utf-8", "replace")):
        body = m.group(0)
        if not _SAVED_VALUE.search(body):  # openpyxl writes <v></v>; others leave <v> out
            out.add((int(m.group(2)), column_index_from_string(m.group(1)) - 1))
    return out


def _sheet_xml_name(zf: zipfile.ZipFile, sheet_index: int) -> str:
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rids = re.findall(r"<sheet\b[^>]*?r:id=\"([^\"]+)\"", book)
    targets = dict(re.findall(r"<Relationship\b[^>]*?Id=\"([^\"]+)\"[^>]*?Target=\"([^\"]+)\"", rels))
    targets.update({a: b for b, a in re.findall(
        r"<Relationship\b[^>]*?Target=\"([^\"]+)\"[^>]*?Id=\"([^\"]+)\"", rels)})
    target = targets[rids[sheet_index]].lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def _first_row_xls(path: Path, index: int) -> int:
    from python_calamine import CalamineWorkbook

    try:
        start = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(index).start
        return (start[0] + 1) if start else 1
    except Exception:
        return 1


def _fit_columns(frame: pd.DataFrame, width: int) -> pd.DataFrame:
    frame = frame.copy() if frame.shape[1] else pd.DataFrame(index=frame.index)
    frame.columns = range(frame.shape[1])
    for i in range(frame.shape[1], width):
        frame[i] = None
    return frame


# --- files named .xls that are not workbooks ----------------------------------------------

def _disguised_as_excel(path: Path) -> str | None:
    """"html" for an HTML table saved as .xls (how many systems "export to Excel"), "text" for
    CSV or tab-separated text so named; None for a real workbook (OLE or zip) or anything else."""
    with path.open("rb") as fh:
        head = fh.read(65536)
    if head.startswith((b"\xd0\xcf\x11\xe0", b"PK\x03\x04")):
        return None
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<", b"\xff\xfe<", b"\xfe\xff\x00<")) and b"<table" in head.lower():
        return "html"
    if b"\x00" not in head[:4096] and (b"," in head or b"\t" in head):
        try:
            head.decode("utf-8")
            return "text"
        except UnicodeDecodeError as exc:
            if exc.start > len(head) - 4:  # a character cut by the 64 KB read
                return "text"
            try:
                head.decode("gb18030")
                return "text"
            except UnicodeDecodeError:
                return None
    return None


def _read_html_table(path: Path, mapping, accept_header) -> RawTable:
    """The rows of the HTML tables in `path` (cells as text, colspan filled with empty cells),
    read as a CSV's would be; row numbers count the table's rows from 1."""
    from html.parser import HTMLParser

    location = Location(str(path))
    data = path.read_bytes()
    m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", data[:4096])
    text = None
    if m:
        try:
            text = data.decode(m.group(1).decode("ascii").lower().replace("gb2312", "gb18030"))
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text, _ = decode_text(data, location)

    class Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.rows: list[list[str | None]] = []
            self.cell: list[str] | None = None
            self.span = 1

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                if not self.rows:
                    self.rows.append([])
                self.cell = []
                span = dict(attrs).get("colspan") or "1"
                self.span = int(span) if span.isdigit() else 1
            elif tag == "br" and self.cell is not None:
                self.cell.append("\n")

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                value = re.sub(r"[ \t\r\n\xa0]+", " ", "".join(self.cell)).strip()
                self.rows[-1].append(value or None)
                self.rows[-1].extend([None] * (min(self.span, 1000) - 1))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Tables()
    parser.feed(text)
    parser.close()
    rows = [r for r in parser.rows if r]
    if not rows:
        raise InputError(tr("以 .xls 命名的 HTML 文件，其中没有表格行"), location)
    try:
        header_idx = _find_header(rows[:HEADER_SCAN_ROWS], mapping, accept_header, location)
    except InputError as exc:
        raise InputError(tr("存为 .xls 的 HTML 表格：{reason}", reason=exc.reason), location,
                         hint=tr("用 Excel 打开，另存为 .xlsx")) from exc
    headers = [c or "" for c in rows[header_idx]]
    width = max(len(headers), 1)
    body = rows[header_idx + 1:]
    unreadable, records, numbers = [], [], []
    for n, cells in enumerate(body, start=header_idx + 2):
        if len(cells) > width and any(c for c in cells[width:]):
            unreadable.append((n, tr("有 {n} 个单元格，而表头只有 {width} 列", n=len(cells), width=width),
                               ",".join(c or "" for c in cells)))
            continue
        numbers.append(n)
        records.append(cells[:width] + [None] * (width - min(len(cells), width)))
    frame = pd.DataFrame(records, columns=range(width), dtype="str") if records else \
        pd.DataFrame({i: pd.Series(dtype="str") for i in range(width)})
    table = RawTable(str(path), None, header_idx + 1, headers, frame,
                     pd.Series(numbers, index=frame.index, dtype="int64"), unreadable)
    table.export_date = title_date(rows[:header_idx])
    return table


# --- CSV ---------------------------------------------------------------------------------

def decode_text(data: bytes, location: Location) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM) or GB18030, found without being told."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InputError(tr("以 UTF-8 标记开头，但第 {byte} 个字节不是 UTF-8（混用了编码？）",
                                byte=exc.start + 3), location,
                             hint=tr("用文本编辑器打开，重新存为 UTF-8")) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(tr("以 UTF-16 标记开头，但在第 {byte} 个字节处无法按 UTF-16 读取"
                                "（{reason}；文件不完整？）", byte=exc.start, reason=exc.reason),
                             location, hint=tr("重新导出文件，或存为 UTF-8")) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InputError(tr("不是 UTF-8 或 GB18030/GBK 编码的文本文件；它真的是导出的 CSV 吗？"),
                         location) from exc


def _read_csv(path: Path, mapping, accept_header) -> RawTable:
    location = Location(str(path))
    data = path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(tr("这是二进制文件，不是导出的 CSV"), location)
    if data[:4] == b"PK\x03\x04":
        raise InputError(tr("这是以 .csv 命名的工作簿（.xlsx）；请改名为 .xlsx"), location)
    text, encoding = decode_text(data, location)
    delimiter = _sniff_delimiter(text[:1_000_000])  # bounded: an open quote reads to the end
    # The first records, however long (a very wide header), each with the line it ends on: a
    # quoted title cell may span lines, and the body is found by line.
    head_rows, ends = [], []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            head_rows.append([c if c.strip() else None for c in row])
            ends.append(reader.line_num)
            if len(head_rows) >= HEADER_SCAN_ROWS:
                break
    except csv.Error as exc:
        raise InputError(tr("无法按 CSV 解析（第 {line} 行：{error}）", line=reader.line_num,
                            error=exc), location) from exc
    header_idx = _find_header(head_rows, mapping, accept_header, location)
    headers = [c or "" for c in head_rows[header_idx]]
    header_line = ends[header_idx]
    # A UTF-8 file is already the bytes Arrow reads (checked by the decoding): not encoded again.
    utf8 = {"utf-8": data, "utf-8-sig": data[3:]}.get(encoding)
    frame = _csv_body_arrow(utf8 if utf8 is not None else text.encode("utf-8"), delimiter,
                            header_line, len(headers))
    if frame is None:  # ragged rows, a quote left open: read row by row
        table = _csv_body_rows(path, text, delimiter, header_line, headers, location)
    else:
        rows = pd.Series(range(header_line + 1, header_line + 1 + len(frame)), index=frame.index)
        table = RawTable(str(path), None, header_line, headers, frame, rows)
    table.export_date = title_date(head_rows[:header_idx])
    return table


def _csv_body_rows(path: Path, text: str, delimiter: str, header_line: int, headers: list[str],
                   location: Location) -> RawTable:
    """The rows below the header with Python's csv module, for files Arrow refuses: a short
    row is padded with empty cells; a row with more cells than the header (a comma inside a
    name that was not quoted shifts every cell after it) is not guessed at but set aside as
    unreadable, with its line number, for the importer to reject. Slower than Arrow, but only
    such files come here."""
    width = max(len(headers), 1)
    lines = io.StringIO(text)
    for _ in range(header_line):
        lines.readline()
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    records: list[list[str | None]] = []
    chunks: list[pd.DataFrame] = []  # Arrow-backed text a chunk at a time: Python strings for a
    numbers: list[int] = []          # million rows would take over a gigabyte
    unreadable: list[tuple[int, str, str]] = []
    consumed = 0  # source lines read before this record (a quoted cell may span lines)
    try:
        for cells in reader:
            line, consumed = header_line + 1 + consumed, reader.line_num
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                unreadable.append((line, tr("有 {n} 个单元格，而表头只有 {width} 列："
                                            "某个值里有逗号却没加引号？", n=len(cells), width=width),
                                   delimiter.join(cells)))
                continue
            numbers.append(line)
            records.append([c if c.strip() else None for c in cells[:width]]
                           + [None] * (width - min(len(cells), width)))
            if len(records) == 100_000:
                chunks.append(pd.DataFrame(records, columns=range(width), dtype="str"))
                records = []
    except csv.Error as exc:
        raise InputError(tr("无法按 CSV 解析（第 {line} 行：{error}）",
                            line=header_line + reader.line_num, error=exc), location) from exc
    chunks.append(pd.DataFrame(records, columns=range(width), dtype="str"))
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    rows = pd.Series(numbers, index=frame.index, dtype="int64")
    return RawTable(str(path), None, header_line, headers, frame, rows, unreadable)


def _csv_body_arrow(utf8: bytes, delimiter: str, skip: int, width: int) -> pd.DataFrame | None:
    """The rows below the header of the file's text (`utf8`, encoded) through Arrow's
    multi-threaded CSV reader (about 3x faster than pandas' on a million rows), every cell as
    text; None when Arrow refuses the file (ragged rows), so the caller falls back to pandas."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(max(width, 1))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(skip_rows=skip, column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True,
                                                 # only an empty cell is empty: NA, #N/A and
                                                 # NULL are read by the cell parsers, as in xlsx
                                                 null_values=[""]))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    frame = table.to_pandas()
    frame.columns = range(frame.shape[1])
    return frame


def _sniff_delimiter(text: str) -> str:
    """The delimiter on which most of the first records agree about their width (more than
    one cell), then the widest: records are split by the csv module, so a delimiter inside a
    quoted cell ("张记,分店") counts for nothing, and one odd row does not decide."""
    from collections import Counter

    best, best_score = ",", (0, 0)
    for delim in (",", "\t", ";", "|"):
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        widths: Counter[int] = Counter()
        try:
            for i, row in enumerate(reader):
                if len(row) > 1:
                    widths[len(row)] += 1
                if i + 1 >= HEADER_SCAN_ROWS:
                    break
        except csv.Error:
            pass  # not this delimiter's quoting
        if widths:
            width, agreeing = max(widths.items(), key=lambda kv: (kv[1], kv[0]))
            if (agreeing, width) > best_score:
                best, best_score = delim, (agreeing, width)
    return best


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
