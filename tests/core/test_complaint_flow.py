"""The complaint state machine: every transition, valid and refused, ids, quantities."""

from __future__ import annotations

from datetime import date

import pytest

from cmgr.core import complaint_flow as flow
from cmgr.errors import StateError, UsageError

VALID = [
    ("new", "inspect", "inspected"),
    ("inspected", "sign", "signed"),
    ("signed", "submit", "submitted"),
    ("submitted", "approve", "approved"),
    ("submitted", "reject", "rejected"),
    ("approved", "exchange", "exchanged"),
    ("exchanged", "confirm", "confirmed"),
    ("confirmed", "feedback", "closed"),
    ("rejected", "feedback", "closed"),
]
VALID_PAIRS = {(s, step) for s, step, _ in VALID}
REFUSED = [(s, step) for s in flow.STATUSES for step in flow.STEPS if (s, step) not in VALID_PAIRS]


@pytest.mark.parametrize(("status", "step", "after"), VALID)
def test_valid_transition(status, step, after):
    assert flow.apply_step(status, step, "TS-20261129-001") == after
    assert step in flow.next_steps(status)


@pytest.mark.parametrize(("status", "step"), REFUSED)
def test_refused_transition_says_what_must_happen_first(status, step):
    with pytest.raises(StateError) as exc:
        flow.apply_step(status, step, "TS-20261129-001")
    message = exc.value.message
    assert "TS-20261129-001" in message and f"不能 `{step}`" in message
    assert status in message
    if status == "closed":
        assert "不能再记录任何内容" in message
        return
    needed = flow.path_to(status, step)
    if needed:
        # Every missing step is named, in order, as something that must happen first.
        assert "必须先完成" in message
        positions = [message.index(f"`{s}`") for s in needed if s != "reject"]
        assert positions == sorted(positions)
    else:
        assert any(f"`{s}`" in message for s in flow.next_steps(status))


def test_the_two_full_paths_end_closed():
    status = "new"
    for step in ("inspect", "sign", "submit", "approve", "exchange", "confirm", "feedback"):
        status = flow.apply_step(status, step)
    assert status == "closed" and not flow.is_open(status)
    status = "new"
    for step in ("inspect", "sign", "submit", "reject", "feedback"):
        status = flow.apply_step(status, step)
    assert status == "closed"


def test_message_for_skipping_ahead_lists_the_missing_steps():
    with pytest.raises(StateError) as exc:
        flow.apply_step("new", "submit", "TS-1")
    assert "`inspect`" in exc.value.message and "`sign`" in exc.value.message
    assert exc.value.hint == "下一步：`cmgr complaint inspect TS-1`"
    with pytest.raises(StateError) as exc:
        flow.apply_step("rejected", "exchange", "TS-1")
    assert "未批准的投诉不调换" in exc.value.message


def test_on_site_statuses_are_new_and_approved():
    assert flow.ON_SITE_STATUSES == {"new": "inspect", "approved": "exchange"}


def test_unknown_step_and_status():
    with pytest.raises(UsageError):
        flow.apply_step("new", "bless")
    with pytest.raises(StateError):
        flow.next_steps("lost")


@pytest.mark.parametrize(("inp", "words"), [
    (flow.StepInput("approve", None), "--by"),
    (flow.StepInput("reject", "李经理"), "--remark"),
    (flow.StepInput("exchange", "王", qty=0), "--qty"),
    (flow.StepInput("sign", "王", remark="x"), "--remark"),
    (flow.StepInput("sign", "王", qty=1), "--qty"),
])
def test_step_input_refused(inp, words):
    with pytest.raises(UsageError) as exc:
        flow.check_step_input(inp)
    assert words in exc.value.message


def test_step_input_accepted():
    flow.check_step_input(flow.StepInput("reject", "李经理", remark="非质量问题"))
    flow.check_step_input(flow.StepInput("exchange", "王", qty=2))
    flow.check_step_input(flow.StepInput("approve", "李经理"))


def test_ids_per_day_sequence():
    day = date(2026, 11, 29)
    assert flow.complaint_id(day, 3) == "TS-20261129-003"
    existing = ["TS-20261129-001", "TS-20261129-007", "TS-20261128-010"]
    assert flow.next_sequence(existing, day) == 8
    assert flow.next_sequence(existing, date(2026, 11, 30)) == 1
    assert flow.complaint_id(day, 1000) == "TS-20261129-1000"


@pytest.mark.parametrize("typed", ["TS-20261129-003", "ts-20261129-3", "TS20261129003",
                                   " ＴＳ－２０２６１１２９－００３ "])
def test_ids_as_typed(typed):
    assert flow.normalise_id(typed) == "TS-20261129-003"


@pytest.mark.parametrize(("text", "unit", "cartons", "unit_used", "shown"), [
    ("3", None, 3.0, "条", "3条"),
    ("3条", None, 3.0, "条", "3条"),
    ("5包", None, 0.5, "包", "5包"),
    ("5盒", None, 0.5, "包", "5盒"),
    ("5", "包", 0.5, "包", "5包"),
    ("１２包", None, 1.2, "包", "１２包"),
    ("2.5", None, 2.5, "条", "2.5条"),
])
def test_quantities(text, unit, cartons, unit_used, shown):
    q = flow.parse_quantity(text, unit)
    assert (q.cartons, q.unit, q.text) == (cartons, unit_used, shown)


@pytest.mark.parametrize(("text", "unit"), [("", None), ("abc", None), ("0", None), ("-2", None),
                                            ("5包", "条"), ("3", "箱")])
def test_bad_quantities(text, unit):
    with pytest.raises(UsageError):
        flow.parse_quantity(text, unit)


def test_qty_text():
    assert flow.qty_text(5) == "5条"
    assert flow.qty_text(0.5) == "5包"
    assert flow.qty_text(1.5) == "1条5包"
    assert flow.qty_text(0.25) == "0.25条"


def test_a_refusal_reads_in_english_on_request(monkeypatch):
    from cmgr import i18n

    monkeypatch.setattr(i18n, "_language", "en")
    with pytest.raises(StateError) as exc:
        flow.apply_step("new", "submit", "TS-1")
    assert exc.value.message == ("cannot submit yet: TS-1 is new (待现场查看); the on-site check "
                                 "(`inspect`), then the customer's signature on the form (`sign`) "
                                 "must happen first")
    assert exc.value.hint == "next: cmgr complaint inspect TS-1"
