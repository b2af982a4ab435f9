"""The write rules and areas of cmgr.core.area (docs/area.md), without a database."""

from __future__ import annotations

import pytest

from cmgr.core.area import (
    Actor,
    NotPermitted,
    check_area_read,
    check_decision,
    check_write,
    managers_of_area,
    parse_areas,
)
from cmgr.errors import ConfigError, UsageError

AREAS = {"城东片区": ["王建国", "张敏"], "城西片区": ["李娜"]}


def test_no_role_checks_nothing():
    nobody = Actor("someone", None)
    check_write(nobody, "李娜", "访问记录", "C005")
    check_decision(nobody, "李娜", AREAS, "标记 1")
    assert check_area_read(nobody, "城西片区") == "城西片区"


def test_a_manager_writes_their_own_and_decides_nothing():
    me = Actor("王建国", "manager")
    check_write(me, "王建国", "访问记录", "C001")
    with pytest.raises(NotPermitted, match="李娜"):
        check_write(me, "李娜", "访问记录", "C005")
    with pytest.raises(NotPermitted, match="—"):  # a customer without a manager is not theirs
        check_write(me, None, "访问记录", "C009")
    with pytest.raises(NotPermitted, match="区域市场经理"):
        check_decision(me, "王建国", AREAS, "标记 1")


def test_an_area_manager_decides_in_the_area_only():
    boss = Actor("刘主任", "area_manager", "城东片区")
    check_decision(boss, "张敏", AREAS, "标记 1")
    with pytest.raises(NotPermitted, match="城东片区"):
        check_decision(boss, "李娜", AREAS, "标记 2")
    with pytest.raises(NotPermitted, match="区域市场经理"):
        check_write(boss, "王建国", "访问记录", "C001")
    assert check_area_read(boss, None) == "城东片区"
    with pytest.raises(NotPermitted):
        check_area_read(boss, "城西片区")
    # without an area of their own: every area
    check_decision(Actor("刘主任", "area_manager"), "李娜", AREAS, "标记 2")


def test_refusals_are_usage_errors_exit_2():
    from cmgr.errors import ExitCode

    assert issubclass(NotPermitted, UsageError)
    assert NotPermitted("x").exit_code == ExitCode.USAGE


def test_areas_from_the_configuration():
    assert parse_areas(None) == {}
    assert parse_areas({"城东片区": [" 王建国 "]}) == {"城东片区": ["王建国"]}
    with pytest.raises(ConfigError, match="area.城东片区"):
        parse_areas({"城东片区": "王建国"})
    assert managers_of_area(AREAS, "城西片区", ["王建国", "李娜"]) == ["李娜"]
    assert managers_of_area({}, None, ["王建国", "李娜"]) == ["王建国", "李娜"]
    with pytest.raises(UsageError, match="城北片区"):
        managers_of_area(AREAS, "城北片区", [])


def test_summary_cell_shows_visits_done_against_planned_and_wu_without_a_plan():
    from cmgr.core.area import AreaRow, summary_cell

    def row(planned, done, pct):
        return AreaRow("甲", 1, 1.0, 10.0, None, None, None, None, None, 12, planned, done, pct,
                       0, 0)

    with_plan, without, empty = row(10, 8, 80.0), row(None, None, None), row(0, 0, None)
    assert summary_cell(with_plan, "planned_visits") == "8/10"
    assert summary_cell(with_plan, "visit_completion_pct") == 80.0
    for r in (without, empty):
        assert summary_cell(r, "planned_visits") == "无"
        assert summary_cell(r, "visit_completion_pct") == "无"
    assert summary_cell(without, "visits_done") == 12  # visits made without a plan still count
