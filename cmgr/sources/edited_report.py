"""Read back what the manager wrote in Word into a monthly report (`monthly-report --from`).

The report's part b leaves, under each problem's heading, a "原因：" and a "对策措施：" paragraph
with a grey hint (请填写原因) while empty, and a "其他问题及说明：" paragraph at its end. The
manager writes there in Word or WPS; this module finds those paragraphs again by the heading
they stand under and returns them as cmgr.core.monthly.Notes, so regenerating the report (new
data, a corrected import) keeps the text. Paragraphs the manager adds below a label (Enter in
the middle of a cause) belong to it until the next label or heading.
"""

from __future__ import annotations

import re
from pathlib import Path

from cmgr.errors import InputError, Location
from cmgr.i18n import tr

PART_B = "二、"
OTHER_LABEL = "其他问题及说明"
_LABEL_RE = re.compile(r"^\s*(原因|对策措施|对策|措施|" + OTHER_LABEL + r")\s*[：:]\s*(.*)$", re.S)
_NUMBER_RE = re.compile(r"^\s*[（(]\s*\d+\s*[)）]\s*")


def read_edited_report(path: str | Path):
    """The causes, measures and other remarks written in an edited monthly report (.docx)."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    from cmgr.core.monthly import CAUSE_HINT, MEASURE_HINT, OTHER_HINT, PROBLEM_TITLES, Notes

    source = Path(path)
    if not source.exists():
        raise InputError(tr("找不到修改后的报告"), Location(str(source)),
                         hint=tr("请给出报告写入并在 Word 中修改过的那个 .docx 文件"))
    try:
        doc = Document(str(source))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise InputError(tr("无法作为 Word 文档（.docx）读取：{error}", error=exc),
                         Location(str(source)),
                         hint=tr("请把修改后的报告存为 .docx（Word 2007 或更新版本），不要存为 .doc 或 .wps")) from exc
    titles = {title: key for key, title in PROBLEM_TITLES.items()}
    notes = Notes(source=str(source))
    in_part_b = False
    key: str | None = None
    field: str | None = None
    for paragraph in doc.paragraphs:
        text = paragraph.text.strip()
        style = paragraph.style.name if paragraph.style is not None else ""
        if style.startswith("Heading 1") or style == "Title":
            in_part_b = text.startswith(PART_B)
            key = field = None
            continue
        if not in_part_b:
            continue
        if style.startswith("Heading"):
            key = titles.get(_NUMBER_RE.sub("", text).strip())
            field = None
            continue
        match = _LABEL_RE.match(text)
        if match:
            label, text = match.group(1), match.group(2)
            field = ("other" if label == OTHER_LABEL else
                     "cause" if label == "原因" else "measure")
            if field != "other" and key is None:
                field = None
        if field is None:
            continue
        for hint in (CAUSE_HINT, MEASURE_HINT, OTHER_HINT):
            text = text.replace(hint, "")
        text = text.strip()
        if not text:
            continue
        if field == "other":
            notes.sections.setdefault("other", []).append(text)
        else:
            entry = notes.problems.setdefault(key, {"cause": "", "measure": ""})
            entry[field] = f"{entry[field]}\n{text}" if entry[field] else text
    return notes
