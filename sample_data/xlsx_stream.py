"""A minimal streaming .xlsx writer (stdlib only) for the sample and bench generators.

Why not openpyxl: openpyxl (3.1) always writes inline strings and needs ~80 s for a million
rows. Real exports come in two layouts -- shared strings (``t="s"`` plus
``xl/sharedStrings.xml``, as Excel and WPS save) and inline strings (``t="inlineStr"``, as big
system exports write) -- and readers behave differently on each, so both must be producible.
Writing the sheet XML straight into the zip is fast (a million rows in well under a minute)
and byte-for-byte deterministic (fixed zip timestamps), so regenerated files do not churn git.

Cell values: ``str`` -> text, ``int``/``float`` -> number, ``datetime.date``/``datetime`` ->
Excel serial with a date format, ``None`` or ``""`` -> empty cell.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

FIXED_ZIP_TIME = (2026, 11, 28, 8, 0, 0)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_ROWS_PER_CHUNK = 2000

# style indices in styles.xml below
STYLE_DEFAULT = 0
STYLE_DATE = 1  # numFmtId 14: the locale's short date, what Excel shows as 2026/11/3
STYLE_DATETIME = 2  # numFmtId 22: m/d/yy h:mm
STYLE_TITLE = 3  # bold, centred: the merged title row

_STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
    '<font><b/><sz val="14"/><name val="宋体"/><family val="3"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center"/></xf>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def excel_serial(value: dt.date | dt.datetime) -> float | int:
    """Days since 1899-12-30, Excel's 1900 date system (fraction for the time of day)."""
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime(1899, 12, 30)
        return delta.days + delta.seconds / 86400
    return (value - _EXCEL_EPOCH).days


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class XlsxStreamWriter:
    """Write sheets row by row into an .xlsx zip.

    ``shared_strings=True`` gives the Excel/WPS layout, ``False`` the inline-string layout.
    Use as a context manager; call :meth:`write_sheet` once per sheet, in order.
    """

    def __init__(self, path: str | Path, *, shared_strings: bool = True,
                 compresslevel: int = 6, cell_refs: bool = True) -> None:
        self.path = Path(path)
        self.shared_strings = shared_strings
        self.cell_refs = cell_refs
        self._zip = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED,
                                    compresslevel=compresslevel)
        self._sheets: list[str] = []
        self._sst_index: dict[str, int] = {}
        self._sst_refs = 0
        self._escaped: dict[str, str] = {}
        self._letters = [column_letter(i) for i in range(64)]

    def __enter__(self) -> XlsxStreamWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._zip.close()

    def _open_entry(self, name: str, *, large: bool = False):
        info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        return self._zip.open(info, "w", force_zip64=large)

    def _writestr(self, name: str, text: str) -> None:
        info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, text.encode("utf-8"))

    def _text_cell(self, ref: str, text: str, style: int) -> str:
        s_attr = f' s="{style}"' if style else ""
        if self.shared_strings:
            idx = self._sst_index.get(text)
            if idx is None:
                idx = self._sst_index[text] = len(self._sst_index)
            self._sst_refs += 1
            return f'<c{ref}{s_attr} t="s"><v>{idx}</v></c>'
        esc = self._escaped.get(text)
        if esc is None:
            esc = _escape(text)
            if text != text.strip():
                esc = f'<t xml:space="preserve">{esc}</t>'
            else:
                esc = f"<t>{esc}</t>"
            if len(self._escaped) < 500_000:
                self._escaped[text] = esc
        return f'<c{ref}{s_attr} t="inlineStr"><is>{esc}</is></c>'

    def write_sheet(self, name: str, rows: Iterable[Sequence[object]], *,
                    merges: Sequence[str] = (), col_widths: Sequence[float] = (),
                    n_rows: int | None = None, n_cols: int | None = None,
                    title_rows: int = 0) -> int:
        """Stream ``rows`` into a new sheet; returns the number of rows written.

        ``merges`` are ranges such as ``"A1:I1"``. ``n_rows``/``n_cols``, when known up front,
        give the ``<dimension>`` element Excel writes (optional in the format). The first
        ``title_rows`` rows get the bold centred title style.
        """
        index = len(self._sheets) + 1
        self._sheets.append(name)
        large = (n_rows or 0) > 200_000
        letters = self._letters
        refs = self.cell_refs
        text_cell = self._text_cell
        with self._open_entry(f"xl/worksheets/sheet{index}.xml", large=large) as out:
            head = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">']
            if n_rows and n_cols:
                head.append(f'<dimension ref="A1:{column_letter(n_cols - 1)}{n_rows}"/>')
            head.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
                        '<sheetFormatPr defaultRowHeight="13.5"/>')
            if col_widths:
                head.append("<cols>" + "".join(
                    f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
                    for i, w in enumerate(col_widths)) + "</cols>")
            head.append("<sheetData>")
            out.write("".join(head).encode("utf-8"))
            chunk: list[str] = []
            r = 0
            for r, row in enumerate(rows, start=1):
                title_style = STYLE_TITLE if r <= title_rows else 0
                cells = []
                gap = 0
                for c, value in enumerate(row):
                    if value is None or value == "":
                        gap += 1
                        continue
                    if gap and not refs:  # without references a cell's place is its position
                        cells.append("<c/>" * gap)
                    gap = 0
                    ref = f' r="{letters[c]}{r}"' if refs else ""
                    if isinstance(value, str):
                        cells.append(text_cell(ref, value, title_style))
                    elif isinstance(value, bool):
                        cells.append(f'<c{ref} t="b"><v>{int(value)}</v></c>')
                    elif isinstance(value, int | float):
                        cells.append(f"<c{ref}><v>{value!r}</v></c>")
                    elif isinstance(value, dt.datetime):
                        cells.append(f'<c{ref} s="{STYLE_DATETIME}"><v>{excel_serial(value)!r}</v></c>')
                    elif isinstance(value, dt.date):
                        cells.append(f'<c{ref} s="{STYLE_DATE}"><v>{excel_serial(value)}</v></c>')
                    else:
                        cells.append(text_cell(ref, str(value), title_style))
                chunk.append(f'<row r="{r}">{"".join(cells)}</row>' if refs
                             else f'<row>{"".join(cells)}</row>')
                if len(chunk) >= _ROWS_PER_CHUNK:
                    out.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            chunk.append("</sheetData>")
            if merges:
                chunk.append(f'<mergeCells count="{len(merges)}">'
                             + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
            chunk.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
                         'header="0.3" footer="0.3"/></worksheet>')
            out.write("".join(chunk).encode("utf-8"))
        return r

    def _write_shared_strings(self) -> None:
        with self._open_entry("xl/sharedStrings.xml", large=len(self._sst_index) > 200_000) as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      f'<sst xmlns="{_NS_MAIN}" count="{self._sst_refs}" '
                      f'uniqueCount="{len(self._sst_index)}">'.encode())
            chunk: list[str] = []
            for text in self._sst_index:  # dicts keep insertion order = index order
                esc = _escape(text)
                if text != text.strip():
                    chunk.append(f'<si><t xml:space="preserve">{esc}</t></si>')
                else:
                    chunk.append(f"<si><t>{esc}</t></si>")
                if len(chunk) >= 10_000:
                    out.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            chunk.append("</sst>")
            out.write("".join(chunk).encode("utf-8"))

    def close(self) -> None:
        """Write the workbook parts and close the zip."""
        n = len(self._sheets)
        sst = self.shared_strings and bool(self._sst_index)
        if sst:
            self._write_shared_strings()
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1))
        if sst:
            overrides += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                          'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        self._writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.extended-properties+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
            'package.core-properties+xml"/>' + overrides + "</Types>"))
        self._writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/extended-properties" Target="docProps/app.xml"/></Relationships>'))
        self._writestr("docProps/app.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>Microsoft Excel</Application></Properties>'))
        self._writestr("docProps/core.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<dc:creator>营销系统</dc:creator>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-28T08:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-11-28T08:00:00Z</dcterms:modified>'
            '</cp:coreProperties>'))
        self._writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><bookViews><workbookView/></bookViews>'
            '<sheets>' + "".join(
                f'<sheet name="{_escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in enumerate(self._sheets, start=1)) + "</sheets></workbook>"))
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_NS_REL}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
        rels += f'<Relationship Id="rId{n + 1}" Type="{_NS_REL}/styles" Target="styles.xml"/>'
        if sst:
            rels += (f'<Relationship Id="rId{n + 2}" Type="{_NS_REL}/sharedStrings" '
                     'Target="sharedStrings.xml"/>')
        self._writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + rels + "</Relationships>"))
        self._writestr("xl/styles.xml", _STYLES_XML)
        self._zip.close()


def write_xlsx(path: str | Path, sheets: Sequence[tuple[str, Iterable[Sequence[object]], dict]],
               *, shared_strings: bool = True) -> None:
    """Write several sheets at once: ``sheets`` is ``[(name, rows, write_sheet kwargs), ...]``."""
    with XlsxStreamWriter(path, shared_strings=shared_strings) as writer:
        for name, rows, options in sheets:
            writer.write_sheet(name, rows, **options)
