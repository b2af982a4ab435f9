"""The 《商品及服务质量信息反馈单》 workflow (duty 4.6, docs/domain.md) as a pure state machine.

    new --inspect--> inspected --sign--> signed --submit--> submitted
    submitted --approve--> approved --exchange--> exchanged --confirm--> confirmed --feedback--> closed
    submitted --reject--> rejected --feedback--> closed

A step asked for out of order raises StateError naming what must happen first. Also here: the
complaint id (TS-YYYYMMDD-NNN), quantities in 条 or 包, and cigarette-name normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from cmgr.domain import PACKS_PER_CARTON
from cmgr.errors import StateError, UsageError
from cmgr.i18n import tr

STATUSES = ("new", "inspected", "signed", "submitted", "approved", "rejected", "exchanged",
            "confirmed", "closed")
STEPS = ("inspect", "sign", "submit", "approve", "reject", "exchange", "confirm", "feedback")

# step -> {status it applies to: status it leads to}
TRANSITIONS: dict[str, dict[str, str]] = {
    "inspect": {"new": "inspected"},
    "sign": {"inspected": "signed"},
    "submit": {"signed": "submitted"},
    "approve": {"submitted": "approved"},
    "reject": {"submitted": "rejected"},
    "exchange": {"approved": "exchanged"},
    "confirm": {"exchanged": "confirmed"},
    "feedback": {"confirmed": "closed", "rejected": "closed"},
}

STATUS_LABELS = {
    "new": "待现场查看",
    "inspected": "已现场查看",
    "signed": "客户已签字",
    "submitted": "已交区域市场经理",
    "approved": "已批准调换",
    "rejected": "未批准",
    "exchanged": "已调换",
    "confirmed": "客户已确认",
    "closed": "已反馈结案",
}
STEP_LABELS = {
    "new": "受理",
    "inspect": "现场查看",
    "sign": "客户签字",
    "submit": "交区域市场经理",
    "approve": "审核同意",
    "reject": "审核不同意",
    "exchange": "调换",
    "confirm": "客户确认",
    "feedback": "结果反馈",
}


def step_what(step: str) -> str:
    """What a step means, for messages: "现场查看" in "现场查看（`inspect`）"."""
    return {
        "inspect": lambda: tr("现场查看"),
        "sign": lambda: tr("客户在反馈单上签字"),
        "submit": lambda: tr("把反馈单和卷烟交给区域市场经理"),
        "approve": lambda: tr("区域市场经理批准"),
        "reject": lambda: tr("区域市场经理不批准"),
        "exchange": lambda: tr("调换卷烟"),
        "confirm": lambda: tr("客户在「客户确认」处签字"),
        "feedback": lambda: tr("把结果反馈给客户"),
    }[step]()


# Complaints waiting for the manager at the shop (plan-week schedules a visit for these).
ON_SITE_STATUSES = {"new": "inspect", "approved": "exchange"}


def next_steps(status: str) -> list[str]:
    """The steps allowed from `status`, in workflow order."""
    _check_status(status)
    return [step for step in STEPS if status in TRANSITIONS[step]]


def is_open(status: str) -> bool:
    return status != "closed"


def apply_step(status: str, step: str, complaint_id: str | None = None) -> str:
    """The status after `step`; StateError (saying what must happen first) when out of order."""
    _check_status(status)
    if step not in TRANSITIONS:
        raise UsageError(tr("未知的步骤「{step}」；应为以下之一：{steps}", step=step,
                            steps=", ".join(STEPS)))
    complaint_id = complaint_id or tr("该投诉")
    allowed = TRANSITIONS[step]
    if status in allowed:
        return allowed[status]
    raise StateError(refusal_message(status, step, complaint_id),
                     hint=_hint(status, complaint_id))


def refusal_message(status: str, step: str, complaint_id: str | None = None) -> str:
    where = tr("{id} 的状态是「{label}」（`{status}`）", id=complaint_id or tr("该投诉"),
               label=STATUS_LABELS[status], status=status)
    nxt = tr("下一步：{steps}", steps=_steps_text(next_steps(status)))
    if status == "closed":
        return tr("不能 `{step}`：{where}；不能再记录任何内容", step=step, where=where)
    if step in ("approve", "reject") and status in _DECIDED:
        return tr("不能 `{step}`：{where}；区域市场经理已经决定（{next}）", step=step, where=where,
                  next=nxt)
    if step in ("exchange", "confirm") and status == "rejected":
        return tr("不能 `{step}`：{where}；未批准的投诉不调换，原因要反馈给客户（{next}）",
                  step=step, where=where, next=nxt)
    path = path_to(status, step)
    if not path:
        return tr("不能 `{step}`：{where}；这一步已经完成（{next}）", step=step, where=where, next=nxt)
    what = [tr("{what}（`{step}`）", what=step_what(s), step=s) for s in path]
    if step == "feedback" and path[-1] == "reject":  # either decision leads to feedback
        what[-1] = tr("区域市场经理的决定（`approve` 或 `reject`）")
    must = what[0]
    for later in what[1:]:
        must = tr("{before}，然后{after}", before=must, after=later)
    return tr("还不能 `{step}`：{where}；必须先完成{must}", step=step, where=where, must=must)


_DECIDED = {"approved", "rejected", "exchanged", "confirmed"}


def path_to(status: str, step: str) -> list[str] | None:
    """The steps still needed before `step` can be taken from `status`, or None when `step`
    lies behind (already done, or on the other branch)."""
    # Breadth-first over the small graph; approve/reject branch is decided by the target step.
    frontier: list[tuple[str, list[str]]] = [(status, [])]
    seen = {status}
    while frontier:
        current, steps = frontier.pop(0)
        if current in TRANSITIONS[step]:
            return steps
        for s in STEPS:
            nxt = TRANSITIONS[s].get(current)
            if nxt and nxt not in seen:
                seen.add(nxt)
                frontier.append((nxt, [*steps, s]))
    return None


def _steps_text(steps: list[str]) -> str:
    return " / ".join(f"`{s}`" for s in steps) or tr("无")


def _hint(status: str, complaint_id: str) -> str | None:
    steps = next_steps(status)
    if not steps:
        return None
    if len(steps) > 1:
        return tr("下一步：`cmgr complaint {step} {id}`（或 {others}）", step=steps[0],
                  id=complaint_id, others=" / ".join(steps[1:]))
    return tr("下一步：`cmgr complaint {step} {id}`", step=steps[0], id=complaint_id)


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise StateError(tr("未知的投诉状态「{status}」；应为以下之一：{statuses}", status=status,
                            statuses=", ".join(STATUSES)))


@dataclass(frozen=True)
class StepInput:
    """What a step records, validated: who, note, remark (approve/reject), quantity (exchange)."""

    step: str
    by: str | None
    note: str | None = None
    remark: str | None = None
    qty: float | None = None


def check_step_input(inp: StepInput) -> None:
    """Refuse a step that lacks what the form needs: the area manager's name on approve/reject,
    the reason on reject, a positive quantity on exchange."""
    if inp.step in ("approve", "reject") and not (inp.by or "").strip():
        raise UsageError(tr("`{step}` 需要区域市场经理的姓名：请用 `--by 姓名` 给出", step=inp.step))
    if inp.step == "reject" and not (inp.remark or inp.note or "").strip():
        raise UsageError(tr("`reject` 需要原因（会反馈给客户）：请用 `--remark 原因` 给出"))
    if inp.step == "exchange" and inp.qty is not None and not inp.qty > 0:
        raise UsageError(tr("`--qty` 应为正的条数；得到的是 {qty}", qty=f"{inp.qty:g}"))
    if inp.step not in ("approve", "reject") and inp.remark:
        raise UsageError(tr("`--remark` 用于 `approve` 和 `reject`（区域市场经理的意见）"))
    if inp.step != "exchange" and inp.qty is not None:
        raise UsageError(tr("`--qty` 用于 `exchange`（调换的数量）"))


# --- the id a person can read out on the phone ---------------------------------------------

_ID = re.compile(r"^TS-(\d{8})-(\d{3,})$")


def complaint_id(day: date, sequence: int) -> str:
    return f"TS-{day:%Y%m%d}-{sequence:03d}"


def id_prefix(day: date) -> str:
    return f"TS-{day:%Y%m%d}-"


def next_sequence(existing_ids: list[str], day: date) -> int:
    """1 + the highest sequence used on `day` (gaps are not reused: ids stay unique on paper)."""
    prefix = id_prefix(day)
    used = [int(m.group(2)) for i in existing_ids if i.startswith(prefix) and (m := _ID.match(i))]
    return max(used, default=0) + 1


def normalise_id(text: str) -> str:
    """Accept 'ts-20261129-3', 'TS20261129003' or full-width forms as typed on a phone."""
    t = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    m = re.match(r"^TS-?(\d{8})-?(\d{1,})$", t)
    if m:
        return f"TS-{m.group(1)}-{int(m.group(2)):03d}"
    return t


# --- quantities ------------------------------------------------------------------------------

_QTY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(条|包|盒)?\s*$")


@dataclass(frozen=True)
class Quantity:
    cartons: float  # 条, as stored
    unit: str  # 条 | 包, as given
    text: str  # as typed


def parse_quantity(text: str | float | int, unit: str | None = None) -> Quantity:
    """'3', '3条', '5包' (10 包 = 1 条), with `unit` as the default; full-width digits accepted."""
    raw = str(text).strip()
    m = _QTY.match(unicodedata.normalize("NFKC", raw))
    if unit is not None and unit not in ("条", "包"):
        raise UsageError(tr("`--unit` 应为 条 或 包；得到的是「{unit}」", unit=unit))
    if not m:
        raise UsageError(tr("数量「{raw}」不是条数或包数；应为如 2、2条 或 5包", raw=raw))
    number = float(m.group(1))
    given = {"盒": "包"}.get(m.group(2) or "", m.group(2) or "")
    if given and unit and given != unit:
        raise UsageError(tr("数量「{raw}」写的是{given}，但 `--unit` 是{unit}", raw=raw, given=given,
                            unit=unit))
    unit_used = given or unit or "条"
    if number <= 0:
        raise UsageError(tr("数量「{raw}」必须大于零", raw=raw))
    cartons = number / PACKS_PER_CARTON if unit_used == "包" else number
    shown = raw if m.group(2) else f"{raw}{unit_used}"
    return Quantity(round(cartons, 4), unit_used, shown)


def qty_text(cartons: float | None) -> str:
    """5 -> '5条', 0.5 -> '5包', 1.5 -> '1条5包'."""
    if cartons is None:
        return ""
    packs = round(cartons * PACKS_PER_CARTON)
    whole, rest = divmod(packs, PACKS_PER_CARTON)
    if abs(packs - cartons * PACKS_PER_CARTON) > 1e-6:
        return f"{cartons:g}条"
    if whole and rest:
        return f"{whole}条{rest}包"
    return f"{whole}条" if whole else f"{rest}包"
