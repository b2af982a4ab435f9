"""`cmgr area`: the area market manager's summary of the managers side by side, the queue of
escalations and complaint approvals, and decisions on several at once (issue 18, docs/area.md).
Also the current user (`actor`) and the write rules every job that writes checks
(`check_customer_write`, `check_flag_writes`, `check_decisions`). Raises CmgrError; never prints.

Decisions are the existing records: a flag decision is a `flag_decisions` row with the flag
closed or dismissed (store.flag_decisions.apply_decisions, as `cmgr flag decisions FILE`), a
complaint decision is its approve/reject step (store.complaints.record_step). So the manager
sees them at once wherever those show: `cmgr flag`, `customer show`, the plan, the report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cmgr.core.area import (
    Actor,
    AreaRow,
    check_area_read,
    check_decision,
    check_write,
    complaint_decision_of,
    managers_of_area,
    parse_areas,
)
from cmgr.domain import OUT_AREA_SUMMARY
from cmgr.errors import NotFound, UsageError
from cmgr.i18n import tr


def actor(cfg) -> Actor:
    """Who makes the writes: `[user] name`, else the OS user; the role and area when set."""
    from cmgr.jobs.visits import current_user

    name = (cfg.get("user.name") or "").strip() or current_user()
    return Actor(name, cfg.get("user.role"), cfg.get("user.area"))


def areas(cfg) -> dict[str, list[str]]:
    return parse_areas(cfg.raw.get("area"))


# --- the rules, for every job that writes ------------------------------------------------------

def check_customer_write(db, cfg, customer_code: str, what: str) -> Actor:
    """A visit or complaint written for the customer: the manager's own customers only."""
    from cmgr.store.area import customer_owner

    who = actor(cfg)
    if who.role is not None:
        known, owner = customer_owner(db, customer_code)
        if known:  # an unknown customer is the store's NotFound, not a rule
            check_write(who, owner, what, customer_code)
    return who


def check_flag_writes(db, cfg, flag_ids: Sequence[int]) -> Actor:
    """Review steps on flags (report, close, dismiss): the manager's own customers only."""
    from cmgr.store.area import flag_owners

    who = actor(cfg)
    if who.role is not None:
        for fid, owner in sorted(flag_owners(db, flag_ids).items()):
            check_write(who, owner, tr("标记"), tr("标记 {id}", id=fid))
    return who


def check_manager_writes(cfg, managers: Sequence[str | None], what: str) -> Actor:
    """Records that are a manager's own (plans, miss reasons, promotion lists): their own only."""
    from cmgr.core.area import check_own_write

    who = actor(cfg)
    if who.role is not None:
        for manager in dict.fromkeys(managers):
            check_own_write(who, manager, what)
    return who


def check_customers_write(db, cfg, customer_codes: Sequence[str], what: str) -> Actor:
    """Several customers' records at once (promotion receipts): each the manager's own."""
    who = actor(cfg)
    for code in dict.fromkeys(customer_codes):
        who = check_customer_write(db, cfg, code, what)
    return who


def check_customer_upkeep(db, cfg, customer_code: str, new_manager: str | None = None) -> Actor:
    """`customer join/leave/edit`: a manager keeps only their own customers' details, and
    neither hands one to another manager nor takes one in for another (the new 客户经理, when
    set, is themselves). A customer not in the roster yet belongs to whoever it is joined for."""
    from cmgr.core.area import check_own_write
    from cmgr.store.area import customer_owner

    who = actor(cfg)
    if who.role is None:
        return who
    what = tr("客户信息")
    known, owner = customer_owner(db, customer_code)
    if known:
        check_write(who, owner, what, customer_code)
    if new_manager is not None or not known:
        check_own_write(who, new_manager, what)
    return who


def check_decisions(db, cfg, *, flag_ids: Sequence[int] = (),
                    complaint_ids: Sequence[str] = ()) -> Actor:
    """Decisions: the area manager's, on customers of their area."""
    from cmgr.store.area import complaint_owner, flag_owners

    who = actor(cfg)
    if who.role is None:
        return who
    the_areas = areas(cfg)
    for fid, owner in sorted(flag_owners(db, flag_ids).items()):
        check_decision(who, owner, the_areas, tr("标记 {id}", id=fid))
    for cid in complaint_ids:
        check_decision(who, complaint_owner(db, cid), the_areas, tr("投诉 {id}", id=cid))
    return who


# --- the summary -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AreaSummary:
    month: str
    area: str | None  # None: every manager (no [area] table, or none asked for)
    data_until: str | None
    rows: list[AreaRow]
    notes: list[str]


def area_managers(db, cfg, area: str | None) -> tuple[str | None, list[str]]:
    """The area read (an area manager's own when configured) and its managers."""
    from cmgr.jobs.managers import resolve_managers

    area = check_area_read(actor(cfg), area)
    everyone = resolve_managers(db, [], True)
    managers = managers_of_area(areas(cfg), area, everyone)
    unknown = [m for m in managers if m not in everyone]
    if unknown:
        raise UsageError(tr("片区「{area}」的客户经理不在客户名册中：{names}", area=area,
                            names="、".join(unknown)),
                         hint=tr("检查配置 [area] 中的姓名是否与客户名册一致"))
    return area, managers


def summary(db, cfg, month: str, area: str | None = None) -> AreaSummary:
    """The area's managers side by side for `month`: the figures of `cmgr kpi` (jobs.kpi's one
    computation), their place among the area's managers, open flag cases and complaints."""
    from cmgr.core.area import summary_rows
    from cmgr.jobs.kpi import kpis_for, rank
    from cmgr.store.area import open_cases, open_complaints

    area, managers = area_managers(db, cfg, area)
    run = kpis_for(db, cfg, month, managers)
    rows = summary_rows(run.kpis, rank(run, cfg), open_cases(db, managers),
                        open_complaints(db, managers))
    return AreaSummary(month, area, run.data_until, rows, run.notes)


def write_summary(result: AreaSummary, fmt: str, out: str | None) -> Path:
    from cmgr.fileio import all_or_nothing
    from cmgr.render.area_summary import summary_csv, write_summary_xlsx
    from cmgr.render.kpi_lists import write_csv
    from cmgr.render.output import expand_out

    path = expand_out(out or OUT_AREA_SUMMARY, area=result.area or "全部", month=result.month,
                      format=fmt)
    with all_or_nothing() as files:
        if fmt == "csv":
            write_csv(files.path(path), summary_csv(result.rows))
        else:
            write_summary_xlsx(result, files.path(path))
    return path


# --- the queue and decisions --------------------------------------------------------------------

@dataclass
class Queue:
    area: str | None
    escalations: list[dict] = field(default_factory=list)  # flags reported, not decided
    approvals: list[dict] = field(default_factory=list)  # complaints submitted


def queue(db, cfg, area: str | None = None, manager: str | None = None) -> Queue:
    from cmgr.store.area import approvals, escalations

    area, managers = area_managers(db, cfg, area)
    if manager is not None:
        if manager not in managers:
            raise UsageError(tr("客户经理「{manager}」不在片区「{area}」内", manager=manager,
                                area=area or "全部"))
        managers = [manager]
    return Queue(area, escalations(db, managers), approvals(db, managers))


@dataclass
class Decided:
    flags: list[dict] = field(default_factory=list)  # the flags after the decision
    complaints: list[dict] = field(default_factory=list)  # the complaints after the step
    by: str | None = None
    decided_on: str | None = None


def decide(db, cfg, ids: Sequence[str], decision: str, *, by: str | None, day: date | None,
           remark: str | None = None, all_waiting: bool = False, manager: str | None = None,
           area: str | None = None) -> Decided:
    """Record one decision on several waiting items, all of them or none: flag ids (numbers)
    take a flag decision (降级, 转专卖, 已整改, 不予处理), complaint ids (TS-...) 同意 or 不同意.
    `all_waiting`: every item of the queue (of `manager`) that the decision fits."""
    from cmgr.core.complaint_flow import StepInput, normalise_id
    from cmgr.jobs.flag_decisions import DECISION_LABELS, DECISION_WORDS, decision_of
    from cmgr.store import flag_decisions as fd
    from cmgr.store.area import stamp_complaint, stamp_decisions, stamp_flags
    from cmgr.store.complaints import get_complaint, record_step
    from cmgr.store.flags import FlagFilter, list_flags

    if ids and all_waiting:
        raise UsageError(tr("请给出编号或 `--all`，不要同时给出"))
    if not ids and not all_waiting:
        raise UsageError(tr("请给出标记编号、投诉编号，或 `--all`（队列中全部待决定的）"))
    flag_decision = decision_of(decision)
    complaint_decision = complaint_decision_of(decision)
    if flag_decision is None and complaint_decision is None:
        raise UsageError(tr("未知的决定「{word}」；应为 {flags}（标记）或 同意、不同意（投诉）",
                            word=decision, flags="、".join(w[0] for w in DECISION_WORDS.values())))
    flag_ids: list[int] = []
    complaint_ids: list[str] = []
    if all_waiting:
        waiting = queue(db, cfg, area, manager)
        flag_ids = [f["id"] for f in waiting.escalations] if flag_decision else []
        complaint_ids = [c["id"] for c in waiting.approvals] if complaint_decision else []
    else:
        for ref in dict.fromkeys(ids):
            if ref.strip().isdigit():
                flag_ids.append(int(ref))
            else:
                complaint_ids.append(normalise_id(ref))
    if flag_ids and not flag_decision:
        raise UsageError(tr("「{word}」不是对标记的决定；应为 {flags}", word=decision,
                            flags="、".join(w[0] for w in DECISION_WORDS.values())))
    if complaint_ids and not complaint_decision:
        raise UsageError(tr("「{word}」不是对投诉的决定；应为 同意 或 不同意", word=decision))
    if not flag_ids and not complaint_ids:
        return Decided()
    who = check_decisions(db, cfg, flag_ids=flag_ids, complaint_ids=complaint_ids)
    decider = (by or "").strip() or who.name
    day_iso = (day or date.today()).isoformat()
    flags = fd.flags_by_id(db, flag_ids)
    done = {d["flag_id"]: d for d in fd.decisions_of(db, flag_ids=flag_ids)}
    todo = []
    cases: set[int] = set()
    for fid in flag_ids:
        flag = flags.get(fid)
        if flag is None:
            raise NotFound(tr("找不到标记 {id}；未写入任何内容", id=fid),
                           hint=tr("`cmgr area queue` 列出待决定的标记"))
        if flag.get("case_id", fid) in cases:  # the other evidence of a case already decided
            continue
        cases.add(flag.get("case_id", fid))
        if fid in done:
            raise UsageError(tr("标记 {id} 已于 {day} 决定为{label}；未写入任何内容", id=fid,
                                day=done[fid]["decided_on"],
                                label=DECISION_LABELS[done[fid]["decision"]]))
        if flag["status"] not in ("new", "reported"):
            raise UsageError(tr("标记 {id} 已是 {status}，不能再决定；未写入任何内容", id=fid,
                                status=flag["status"]))
        text = (f"区域市场经理决定：{DECISION_LABELS[flag_decision]}（{day_iso}，{decider}）"
                + (f"；{remark}" if remark else ""))
        todo.append(fd.DecisionToApply(fid, flag["customer_code"], flag_decision, day_iso,
                                       decider, remark, text, "cmgr area decide", None))
    at = f"{day_iso}T{_clock()}" if day else None
    with db.transaction():
        if todo:
            # the flags moved: each decided flag's case as read inside the transaction, so a
            # review committed meanwhile is seen (and stamped, and listed) as it left the case
            flag_ids = fd.apply_decisions(db, todo,
                                          report_text="区域市场经理已决定（cmgr area decide）")
            stamp_flags(db, flag_ids, db.writer)
            stamp_decisions(db, flag_ids, db.writer)
        for cid in complaint_ids:
            get_complaint(db, cid)  # NotFound names it; the transaction rolls back
            record_step(db, cid, StepInput(complaint_decision, decider, None, remark), at=at)
            stamp_complaint(db, cid, db.writer)
    result = Decided(by=decider, decided_on=day_iso)
    if flag_ids:
        result.flags = list_flags(db, FlagFilter(ids=tuple(flag_ids)))
    result.complaints = [get_complaint(db, cid) for cid in complaint_ids]
    return result


def _clock() -> str:
    from datetime import datetime

    return datetime.now().strftime("%H:%M:%S")
