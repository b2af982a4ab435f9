"""`cmgr flag decisions FILE`: the area market manager's decisions on flags come back as a sheet
(flag id or customer code, decision, date, by whom, remark) and are applied all or nothing.

Every row is judged before anything is written; one bad row (unknown flag or customer, an
unreadable date, a decision word not known, a customer row matching several open flags, a flag
already decided otherwise) rejects the sheet with its row number and column. A row already
applied (same flag, decision and date) is unchanged, so re-applying a sheet changes nothing.
Raises CmgrError subclasses; never prints. docs/flags.md.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from cmgr.domain import FLAG_STATUS_LABELS
from cmgr.errors import InputError, Location
from cmgr.i18n import tr

# Header aliases of the decisions sheet (the global ones also apply: 客户编码 -> customer_code).
# 备注 means the decision's remark here, not a visit's note.
HEADERS = {
    "flag_id": ("标记编号", "编号", "flag id", "flagid", "flag_id", "标记id", "违规标记编号", "标记号"),
    "decision": ("处理决定", "决定", "处理结果", "处理意见", "决定结果", "审批意见", "decision"),
    "decided_on": ("决定日期", "处理日期", "审批日期", "日期", "decided_on", "date"),
    "decided_by": ("决定人", "审批人", "处理人", "批准人", "by"),
    "remark": ("备注", "说明", "remark"),
}
MAPPING = {alias: name for name, aliases in HEADERS.items() for alias in aliases}

# The decision words of the sheet -> the decision; the label is the flag's result.
DECISION_WORDS = {
    "downgrade": ("降级", "降级处理", "同意降级", "予以降级", "降档"),
    "refer": ("转专卖", "移交专卖", "转专卖处理", "移送专卖", "专卖处理", "交专卖"),
    "rectified": ("已整改", "整改", "整改完毕", "已整改完毕", "已办证", "证已办理", "限期整改"),
    "dismiss": ("不予处理", "排除", "误报", "不处理", "驳回", "不成立"),
}
DECISION_LABELS = {"downgrade": "降级", "refer": "转专卖", "rectified": "已整改",
                   "dismiss": "不予处理"}
_WORD_INDEX = {w: name for name, words in DECISION_WORDS.items() for w in words}


def decision_of(text: str | None) -> str | None:
    """The decision a cell names, or None (spaces and full-width forms ignored)."""
    key = "".join(unicodedata.normalize("NFKC", text or "").split()).lower()
    return _WORD_INDEX.get(key)


@dataclass(frozen=True)
class Reject:
    row: int
    column: str | None
    value: object
    reason: str

    def location(self, file: str, sheet: str | None) -> Location:
        return Location(file, sheet, self.row, self.column, self.value)


@dataclass(frozen=True)
class Planned:
    row: int
    flag_id: int
    customer_code: str | None
    decision: str
    decided_on: str
    decided_by: str | None
    remark: str | None
    status_before: str
    unchanged: bool  # already applied


@dataclass
class DecisionsResult:
    file: str
    sheet: str | None
    rows_read: int = 0
    planned: list[Planned] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    applied: int = 0
    dry_run: bool = False

    @property
    def unchanged(self) -> int:
        return sum(1 for p in self.planned if p.unchanged)


def _check_header(fields: list[str | None], cells: list) -> str | None:
    present = {f for f in fields if f}
    missing = []
    if not present & {"flag_id", "customer_code"}:
        missing.append(tr("「标记编号」或「客户编码」"))
    if "decision" not in present:
        missing.append("「处理决定」")
    if "decided_on" not in present:
        missing.append("「决定日期」")
    if not missing:
        return None
    seen = "、".join(str(c) for c in cells if c not in (None, ""))
    return tr("不是处理决定表：缺少列 {columns}。找到的表头：{seen}", columns="、".join(missing),
              seen=seen)


def apply_sheet(db, path: str | Path, *, sheet: str | None = None,
                dry_run: bool = False, cfg=None) -> DecisionsResult:
    """Read, check and (unless `dry_run` or a row is rejected) apply a decisions sheet."""
    from cmgr.sources.cells import CellError, parse_code, parse_date, parse_int, parse_text
    from cmgr.sources.fields import field_for_header
    from cmgr.sources.tabular import read_table
    from cmgr.store import flag_decisions as store

    table = read_table(path, sheet=sheet, mapping=MAPPING, accept_header=_check_header)
    result = DecisionsResult(table.file, table.sheet, dry_run=dry_run)
    result.rejects += [Reject(line, None, raw, reason) for line, reason, raw in table.unreadable]
    columns: dict[str, int] = {}
    for i, header in enumerate(table.headers):
        name = field_for_header(header, MAPPING) if header else None
        if name in HEADERS or name == "customer_code":
            columns.setdefault(name, i)

    def cell(values: list, name: str):
        return values[columns[name]] if name in columns else None

    def header(name: str) -> str:
        return table.headers[columns[name]]

    rows: list[dict] = []
    for values, line in zip(table.frame.itertuples(index=False, name=None), table.row_numbers,
                            strict=True):
        values = list(values)
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        result.rows_read += 1
        parsed: dict = {"row": int(line)}
        problems: list[Reject] = []
        for name, parse in (("flag_id", parse_int), ("customer_code", parse_code),
                            ("decided_on", parse_date), ("decided_by", parse_text),
                            ("remark", parse_text), ("decision", parse_text)):
            raw = cell(values, name)
            try:
                parsed[name] = parse(raw) if name in columns else None
            except (CellError, ValueError) as exc:
                problems.append(Reject(int(line), header(name), raw, tr("应为{expected}", expected=exc)))
                parsed[name] = None
        if parsed["flag_id"] is None and parsed["customer_code"] is None and not problems:
            problems.append(Reject(int(line), None, None,
                                   tr("既没有标记编号也没有客户编码：是哪个标记？")))
        decision = decision_of(parsed["decision"])
        if parsed["decision"] is None:
            problems.append(Reject(int(line), header("decision"), None, tr("处理决定为空")))
        elif decision is None:
            problems.append(Reject(int(line), header("decision"), parsed["decision"],
                                   tr("未知的处理决定；应为以下之一：{words}",
                                      words="、".join(w[0] for w in DECISION_WORDS.values()))))
        if parsed["decided_on"] is None and not any(p.column == header("decided_on")
                                                    for p in problems):
            problems.append(Reject(int(line), header("decided_on"), cell(values, "decided_on"),
                                   tr("决定日期为空")))
        parsed["decision"] = decision
        if problems:
            result.rejects += problems
        else:
            rows.append(parsed)
    _judge(db, store, rows, result, columns, header)
    result.rejects.sort(key=lambda r: r.row)
    if result.rejects or dry_run:
        return result
    todo = [store.DecisionToApply(
        p.flag_id, p.customer_code, p.decision, p.decided_on, p.decided_by, p.remark,
        _event_text(p), Path(table.file).name, p.row) for p in result.planned if not p.unchanged]
    if todo:
        who = None
        if cfg is not None:  # the rules of docs/area.md: decisions are the area manager's
            from cmgr.jobs.area import check_decisions

            who = check_decisions(db, cfg, flag_ids=[p.flag_id for p in todo])
        with db.transaction():
            moved = store.apply_decisions(
                db, todo, report_text=f"区域市场经理已决定（处理决定表 {Path(table.file).name}）")
            if who is not None:
                from cmgr.store.area import stamp_decisions, stamp_flags

                stamp_flags(db, moved, db.writer)  # every flag of each case, as moved
                stamp_decisions(db, [p.flag_id for p in todo], db.writer)
    result.applied = len(todo)
    return result


def _event_text(p: Planned) -> str:
    who = f"，{p.decided_by}" if p.decided_by else ""
    return (f"区域市场经理决定：{DECISION_LABELS[p.decision]}（{p.decided_on}{who}）"
            + (f"；{p.remark}" if p.remark else ""))


def _judge(db, store, rows: list[dict], result: DecisionsResult, columns, header) -> None:
    """Find each row's flag and say whether it can be applied, is already applied, or not."""
    ids = [r["flag_id"] for r in rows if r["flag_id"] is not None]
    codes = [r["customer_code"] for r in rows if r["customer_code"] is not None]
    flags = store.flags_by_id(db, ids)
    open_by_code = store.open_flags_of(db, codes)
    known = store.known_customers(db, codes)
    done = store.decisions_of(db, flag_ids=ids, codes=codes)
    done_by_flag = {d["flag_id"]: d for d in done}
    seen: dict[int, int] = {}  # case (its first flag's id) -> the sheet row that decides it
    for r in rows:
        line, code = r["row"], r["customer_code"]
        iso = r["decided_on"].isoformat()

        def reject(column: str | None, value, reason: str, line: int = line) -> None:
            result.rejects.append(Reject(line, header(column) if column else None, value, reason))

        if r["flag_id"] is not None:
            flag = flags.get(r["flag_id"])
            if flag is None:
                reject("flag_id", r["flag_id"], tr("没有这个标记（见 `cmgr flag`）"))
                continue
            if code is not None and flag["customer_code"] != code:
                reject("customer_code", code, tr("标记 {id} 属于客户 {code}，不是这个客户",
                                                 id=flag["id"], code=flag["customer_code"]))
                continue
        else:
            if code not in known:
                reject("customer_code", code, tr("未知的客户（不在客户名册中，也没有标记）"))
                continue
            candidates = open_by_code.get(code, [])
            if len(candidates) > 1:
                reject("customer_code", code,
                       tr("该客户有多个未办结的标记（{ids}）；请给出所决定那个标记的标记编号",
                          ids=", ".join(str(f["id"]) for f in candidates)))
                continue
            if not candidates:
                same = [d for d in done if d["customer_code"] == code
                        and d["decision"] == r["decision"] and d["decided_on"] == iso]
                if len(same) == 1:
                    flag = flags.get(same[0]["flag_id"]) or store.flags_by_id(
                        db, [same[0]["flag_id"]])[same[0]["flag_id"]]
                else:
                    reject("customer_code", code, tr("该客户没有可以决定的未办结标记"))
                    continue
            else:
                flag = candidates[0]
        fid = flag["id"]
        case = flag.get("case_id", fid)  # two rows naming the two flags of one case
        if case in seen:
            reject("flag_id" if r["flag_id"] is not None else "customer_code",
                   r["flag_id"] or code, tr("标记 {id} 已在第 {row} 行决定", id=fid, row=seen[case]))
            continue
        seen[case] = line
        before = done_by_flag.get(fid)
        unchanged = False
        if before is not None:
            if before["decision"] == r["decision"] and before["decided_on"] == iso:
                unchanged = True
            else:
                reject("decision", r["decision"],
                       tr("标记 {id} 已于 {day} 决定为{decision}", id=fid,
                          day=before["decided_on"], decision=DECISION_LABELS[before["decision"]]))
                continue
        elif flag["status"] not in ("new", "reported"):
            reject("flag_id" if r["flag_id"] is not None else "customer_code", r["flag_id"] or code,
                   tr("标记 {id} 已是「{status}」（由 `flag review` 结束）", id=fid,
                      status=FLAG_STATUS_LABELS.get(flag["status"], flag["status"])))
            continue
        result.planned.append(Planned(line, fid, flag["customer_code"], r["decision"], iso,
                                      r["decided_by"], r["remark"], flag["status"], unchanged))


def rejected_error(result: DecisionsResult) -> InputError:
    """The error the CLI exits with when rows are rejected (nothing was applied)."""
    return InputError(tr("{n} 行被拒绝；未应用任何决定", n=len(result.rejects)),
                      Location(result.file, result.sheet),
                      hint=tr("改正列出的行，再运行 `cmgr flag decisions`"))
