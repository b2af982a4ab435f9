"""Who is due and when, on a territory small enough to check by hand (week 2026-W49,
Mon 2026-11-30 .. Sun 2026-12-06, the default visit policy):

  一级 (档位 1-6) every 30 days; 二级 (7-13) and 三级 (14-20) every 14 days; 四级 (21-26) every
  7 days; 五级 (27-30) twice a week (3.5 days). Routes: 东线 on Mondays, 西线 on Wednesdays,
  南线 on Fridays.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest

from cmgr.config import load_config
from cmgr.core import visit_plan as vp
from cmgr.core.workdays import WorkCalendar
from cmgr.domain import GradeBand
from cmgr.errors import InputError

MON = date(2026, 11, 30)
SUN = date(2026, 12, 6)
ROUTE_WEEKDAYS = {"东线": 1, "西线": 3, "南线": 5}
ROUTE_CENTRE = {"东线": (117.05, 36.65), "西线": (116.95, 36.65), "南线": (117.00, 36.60)}

# code, grade, route, last visit, joined, status, why (what the plan must do with it)
TERRITORY = [
    ("A01", 3, "东线", "2026-11-01", "2015-03-01", "正常"),   # 30 d -> due Tue 12-01
    ("A02", 3, "东线", "2026-11-10", "2015-03-01", "正常"),   # due 12-10: not due
    ("A03", 10, "东线", "2026-11-16", "2015-03-01", "正常"),  # 14 d -> due Mon 11-30 (not overdue)
    ("A04", 10, "东线", "2026-11-20", "2015-03-01", None),    # due 12-04; empty status = normal
    ("A05", 10, "东线", "2026-11-23", "2015-03-01", "正常"),  # due 12-07, the day after: not due
    ("A06", 10, "东线", "2026-11-22", "2015-03-01", "正常"),  # due Sun 12-06, last day: due
    ("A07", 22, "东线", "2026-11-20", "2015-03-01", "正常"),  # 7 d -> due 11-27: overdue 3 days
    ("A08", 22, "西线", "2026-11-27", "2015-03-01", "正常"),  # due 12-04
    ("A09", 28, "西线", "2026-11-26", "2015-03-01", "正常"),  # 3.5 d -> due Mon; Mon + Thu
    ("A10", 28, "西线", "2026-11-20", "2015-03-01", "正常"),  # due 11-24, overdue 6: Mon + Thu
    ("A11", 15, "西线", None, "2020-05-01", "正常"),          # never visited: due, overdue
    ("A12", 5, "西线", "2026-11-12", "2026-11-10", "正常"),   # joined 20 days before: due (new)
    ("A13", 5, "西线", "2026-11-15", "2026-10-01", "正常"),   # joined 60 days before, due 12-15: no
    ("A14", 10, "西线", "2026-10-01", "2015-03-01", "暂停经营"),  # suspended: never planned
    ("A15", 10, "南线", "2026-10-01", "2015-03-01", "已退网"),    # left: never planned
    ("A16", 15, "南线", "2026-11-25", "2015-03-01", "正常"),  # not due, 断订: special visit
    ("A17", 15, "南线", "2026-11-17", "2015-03-01", "正常"),  # due 12-01, large drop: priority
    ("A18", 15, "南线", "2026-11-25", "2015-03-01", "正常"),  # not due, open complaint: special
    ("A19", 2, "南线", "2026-11-20", "2015-03-01", "正常"),   # not due, open flag: special
    ("A20", 12, "南线", "2026-11-02", "2015-03-01", "正常"),  # due 11-16: overdue 14 days
]
DUE_ONCE = {"A01", "A03", "A04", "A06", "A07", "A08", "A11", "A12", "A17", "A20"}
DUE_TWICE = {"A09", "A10"}
SPECIAL = {"A16", "A18", "A19"}


def territory() -> list[vp.PlanCustomer]:
    out = []
    for i, (code, grade, route, last, joined, status) in enumerate(TERRITORY):
        lon, lat = ROUTE_CENTRE[route]
        out.append(vp.PlanCustomer(
            code=code, name=f"客户{code}", address=f"济南市测试路{i + 1}号", phone=f"1380000{i:04d}",
            grade=grade, grade_label=str(grade), route=route,
            lon=round(lon + ((i * 7) % 5 - 2) * 0.004, 6), lat=round(lat + ((i * 3) % 5 - 2) * 0.003, 6),
            joined_on=date.fromisoformat(joined), status=status,
            last_visit=date.fromisoformat(last) if last else None))
    return out


def situations() -> list[vp.Situation]:
    return [
        vp.Situation("A16", "stop_ordering", "断订：近3周未订货", vp.PRIORITY_STOP_ORDERING),
        vp.Situation("A17", "order_drop", "订货大幅下降", vp.PRIORITY_ORDER_DROP),
        *vp.complaint_situations([("TS-20261128-001", "A18", "new")]),
        *vp.flag_situations([(7, "A19", "price", "2026-11-20")]),
    ]


@pytest.fixture(scope="module")
def cfg():
    return load_config(environ={})


def plan(cfg, start=MON, customers=None, sits=None, **settings) -> vp.WeekPlan:
    end = start + timedelta(days=6)
    return vp.build_plan(
        "王建国", start, end, WorkCalendar().workdays(start, end),
        territory() if customers is None else customers, cfg.policy,
        situations=situations() if sits is None else sits,
        learned_weekdays=ROUTE_WEEKDAYS, settings=vp.PlanSettings(**settings))


def visits_by_code(p: vp.WeekPlan) -> dict[str, list[vp.PlannedVisit]]:
    out: dict[str, list[vp.PlannedVisit]] = {}
    for v in p.visits:
        out.setdefault(v.customer.code, []).append(v)
    return out


# --- the pieces --------------------------------------------------------------------------------

def test_next_due_date():
    assert vp.next_due_date(None, 14) is None
    assert vp.next_due_date(date(2026, 11, 1), 30) == date(2026, 12, 1)
    assert vp.next_due_date(date(2026, 11, 16), 14) == date(2026, 11, 30)
    # 3.5 days from a Thursday: the interval is over during Sunday, so due on Monday
    assert vp.next_due_date(date(2026, 11, 26), 3.5) == date(2026, 11, 30)


def test_learn_route_weekdays_most_common_then_earliest():
    mon, tue, wed = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
    learned = vp.learn_route_weekdays([("东线", mon), ("东线", mon + timedelta(7)), ("东线", wed),
                                       ("西线", wed), ("西线", tue), (None, mon)])
    assert learned == {"东线": 1, "西线": 2}


def test_route_day_moves_to_next_working_day_of_the_week():
    # 2026-W41: Oct 5-7 (Mon-Wed) are 国庆 holidays, Sat Oct 10 is a make-up working day
    start = date(2026, 10, 5)
    workdays = WorkCalendar().workdays(start, start + timedelta(days=6))
    assert workdays == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]
    assert vp.route_day(start, 1, workdays) == date(2026, 10, 8)
    assert vp.route_day(start, 5, workdays) == date(2026, 10, 9)
    assert vp.route_day(start, 7, workdays) == date(2026, 10, 10)  # nothing later: the one before
    assert vp.route_day(start, 1, []) is None


def test_order_situations_stop_and_drop():
    anchor = date(2026, 11, 30)

    def weekly(qtys):  # qtys[0] is the week just before the anchor
        return [(anchor - timedelta(days=7 * i + 3), q) for i, q in enumerate(qtys) if q]

    daily = {
        "STOP": weekly([0, 0, 0, 10, 10, 10, 10, 10, 10, 10, 10]),
        "LATE": weekly([0] * 12 + [50]),  # only before every window: nothing to say
        "DROP": weekly([4, 4, 4, 4, 20, 20, 20, 20, 20, 20, 20, 20]),
        "FLAT": weekly([10, 9, 11, 10, 10, 10, 9, 11, 10, 10, 10, 10]),
        "EDGE": weekly([5, 5, 5, 5, 10, 10, 10, 10, 10, 10, 10, 10]),  # exactly 0.5: not below
        "AFTER": [(anchor, 99.0)] + weekly([0, 0, 0, 10]),  # orders on/after the anchor don't count
    }
    found = vp.order_situations(daily, anchor, stop_weeks=3, lookback_weeks=8, drop_ratio=0.5)
    assert {k: s.code for k, s in found.items()} == {
        "STOP": "stop_ordering", "DROP": "order_drop", "AFTER": "stop_ordering"}
    assert "近4周周均 4.0 条" in found["DROP"].text and "此前8周周均 20.0 条" in found["DROP"].text


# --- who is due --------------------------------------------------------------------------------

def test_exactly_who_is_due_and_how_often(cfg):
    p = plan(cfg)
    got = visits_by_code(p)
    assert set(got) == DUE_ONCE | DUE_TWICE | SPECIAL
    assert {c for c, vs in got.items() if len(vs) == 2} == DUE_TWICE
    assert {c for c, vs in got.items() if vs[0].kind == "special"} == SPECIAL
    assert not p.pushed and not p.not_planned
    assert p.counts["status:暂停经营"] == 1 and p.counts["status:已退网"] == 1
    assert p.counts["planned"] == len(DUE_ONCE) + 2 * len(DUE_TWICE) + len(SPECIAL)


def test_reasons_and_due_dates(cfg):
    got = visits_by_code(plan(cfg))
    a07 = got["A07"][0]
    assert a07.next_due == date(2026, 11, 27) and a07.reasons[0].startswith("逾期 3 天")
    a20 = got["A20"][0]
    assert a20.next_due == date(2026, 11, 16) and a20.reasons[0].startswith("逾期 14 天")
    assert got["A06"][0].next_due == SUN and got["A06"][0].reasons[0].startswith("到期")
    assert got["A03"][0].reasons[0].startswith("到期")  # due on the first day is not overdue
    assert got["A11"][0].reasons == ["从未访问"] and got["A11"][0].next_due is None
    assert any(r.startswith("新入网客户") for r in got["A12"][0].reasons)
    assert got["A16"][0].reasons == ["断订：近3周未订货"]
    assert "TS-20261128-001" in got["A18"][0].reasons[0]
    assert "#7" in got["A19"][0].reasons[0]
    assert "订货大幅下降" in got["A17"][0].reasons


def test_routes_keep_their_weekday_and_twice_weekly_go_monday_and_thursday(cfg):
    p = plan(cfg)
    route_date = {"东线": MON, "西线": MON + timedelta(2), "南线": MON + timedelta(4)}
    for code, vs in visits_by_code(p).items():
        if code in DUE_TWICE:
            assert [v.date for v in vs] == [MON, MON + timedelta(3)], code
            assert vs[1].reasons[0].startswith("本周第 2 次")
        elif code == "A18":  # complaint awaiting inspection: urgent, the week's first day
            assert vs[0].date == MON
        else:
            assert vs[0].date == route_date[vs[0].customer.route], code


def test_a_customers_own_visit_day_from_the_roster_beats_its_routes_learned_weekday(cfg):
    import dataclasses

    own = {"A01": "4", "A08": "2", "A09": "25"}  # ISO weekday digits, as stored
    customers = [dataclasses.replace(c, visit_weekdays=own.get(c.code)) for c in territory()]
    p = plan(cfg, customers=customers)
    days = {code: [v.date for v in vs] for code, vs in visits_by_code(p).items()}
    assert days["A01"] == [MON + timedelta(3)]  # its 访销日 (Thu), not 东线's Monday
    assert days["A08"] == [MON + timedelta(1)]  # Tue, not 西线's Wednesday
    assert days["A09"] == [MON + timedelta(1), MON + timedelta(4)]  # twice a week: Tue and Fri
    assert days["A20"] == [MON + timedelta(4)]  # no 访销日: the route's learned Friday
    # A route weekday set in the config wins over the roster: the user said so explicitly.
    p = plan(cfg, customers=customers, route_weekdays={"东线": 2})
    assert [v.date for v in visits_by_code(p)["A01"]] == [MON + timedelta(1)]


def test_days_are_tours_with_haversine_km(cfg):
    p = plan(cfg)
    assert p.start_point_source == "centroid"
    for day in p.days:
        assert [v.seq for v in day.visits] == list(range(1, len(day.visits) + 1))
        legs = [v.km_from_previous for v in day.visits]
        assert all(k is not None and k >= 0 for k in legs)
        if day.visits:  # the day's km is the closed tour: the legs plus the way back
            last = day.visits[-1].customer
            back = vp_km(p.start_point, (last.lon, last.lat))
            assert day.km == pytest.approx(sum(legs) + back, abs=0.02)


def vp_km(a, b):
    from cmgr.core.routing import haversine_km

    return haversine_km(a[0], a[1], b[0], b[1])


def test_inactive_statuses_never_planned_even_with_situations(cfg):
    sits = situations() + [vp.Situation("A14", "flag", "价格违规待复查", 30)]
    assert "A14" not in visits_by_code(plan(cfg, sits=sits))


# --- capacity ----------------------------------------------------------------------------------

def test_capacity_overflow_pushes_the_lowest_ranked(cfg):
    p = plan(cfg, visits_per_day=2)  # 5 working days x 2 = 10 of 17 visits
    assert len(p.visits) == 10 and all(len(d.visits) <= 2 for d in p.days)
    pushed = sorted(x.customer.code for x in p.pushed)
    # overdue first (A11 never, A20 14 d, A10 6 d, A07 3 d), then the special situations and
    # due-on-Monday by priority, then A17 (drop) before A01; the rest are pushed:
    assert pushed == sorted(["A01", "A09", "A10", "A08", "A04", "A06", "A12"])
    kept = visits_by_code(p)
    assert set(kept) == {"A11", "A20", "A10", "A07", "A18", "A19", "A16", "A09", "A03", "A17"}
    assert len(kept["A10"]) == 1 and len(kept["A09"]) == 1  # their second visits were pushed
    assert all("本周已排满" in x.reason for x in p.pushed)
    # every due customer is either planned or pushed: nothing dropped silently
    assert {v.customer.code for v in p.visits} | set(pushed) == DUE_ONCE | DUE_TWICE | SPECIAL


def test_overflowing_route_day_keeps_its_highest_ranked(cfg):
    p = plan(cfg, visits_per_day=4)  # Monday: 东线's 5 due and the two twice-weekly customers
    assert len(p.visits) == 17 and not p.pushed
    assert all(len(d.visits) <= 4 for d in p.days)
    monday = {v.customer.code for v in p.days[0].visits}
    # the urgent complaint A18 (立即: first working day), A10 (overdue 6 d), A07 (overdue 3 d),
    # then due-on-Monday A09 (五级) before A03 (二级), which moves
    assert monday == {"A18", "A10", "A07", "A09"}
    moved = {v.customer.code: v.date for v in p.visits
             if v.customer.code in ("A01", "A03", "A04", "A06")}
    assert len(moved) == 4 and MON not in moved.values()


def test_fill_pulls_forward_the_soonest_due(cfg):
    p = plan(cfg, visits_per_day=4, fill=True)  # 20 places, 17 due
    filled = [v for v in p.visits if not v.due]
    # not due, soonest first: A05 (12-07), A02 (12-10), A13 (12-15)
    assert sorted(v.customer.code for v in filled) == ["A02", "A05", "A13"]
    assert all(v.reasons[0].startswith("提前访问") for v in filled)
    assert not plan(cfg, visits_per_day=4).counts["fill"]


def test_uncovered_grade_is_a_clear_error_without_a_fallback_band(cfg):
    customers = territory()
    customers[0] = vp.PlanCustomer(**{**customers[0].__dict__, "grade": 31, "grade_label": "31"})
    customers[1] = vp.PlanCustomer(**{**customers[1].__dict__, "grade": None, "grade_label": "A3"})
    with pytest.raises(InputError) as exc:
        plan(cfg, customers=customers)
    assert "A01" in str(exc.value) and "31" in str(exc.value)
    assert "A02" in str(exc.value) and "A3" in str(exc.value)
    assert "plan.policy" in exc.value.hint


FIVE = GradeBand(26, 30, 5, "五级", 3.5)  # the default policy's most frequent band


def test_blank_or_unreadable_grade_is_planned_at_the_highest_frequency_with_a_warning(cfg):
    customers = territory()
    # A02 is not due (last visit 11-10, 30 days); A13 not due either; A05 not due
    blank = {"A02": (None, None), "A13": (None, "A3"), "A05": (31, "31")}
    customers = [vp.PlanCustomer(**{**c.__dict__, "grade": blank[c.code][0],
                                    "grade_label": blank[c.code][1]}) if c.code in blank else c
                 for c in customers]
    p = plan(cfg, customers=customers, fallback_band=FIVE)
    got = visits_by_code(p)
    assert set(got) == DUE_ONCE | DUE_TWICE | SPECIAL | set(blank)
    for code in blank:  # twice a week, like 五级, each with the reason first
        assert len(got[code]) == 2 and got[code][0].kind == "routine", code
        assert got[code][0].reasons[0].endswith("按最高频次安排，请核对")
    assert got["A02"][0].reasons[0] == "档位缺失，按最高频次安排，请核对"
    assert "A3" in got["A13"][0].reasons[0] and "31" in got["A05"][0].reasons[0]
    assert sorted(w.split()[0] for w in p.warnings) == ["A02", "A05", "A13"]
    assert all("请核对" in w for w in p.warnings)
    # the other customers are planned exactly as without the blank grades
    assert not p.pushed and not plan(cfg, fallback_band=FIVE).warnings


def test_unreadable_visit_day_is_planned_as_if_empty_with_a_warning(cfg):
    import dataclasses

    odd = {"A08": {"visit_weekdays": "周x"}}
    customers = [dataclasses.replace(c, **odd.get(c.code, {})) for c in territory()]
    p = plan(cfg, customers=customers, fallback_band=FIVE)
    got = visits_by_code(p)
    assert set(got) == DUE_ONCE | DUE_TWICE | SPECIAL  # planned, as before
    assert got["A08"][0].date == MON + timedelta(2)  # 西线's Wednesday, the day ignored
    assert "访销日“周x”无法识别" in got["A08"][0].reasons[-1]
    assert [w.split()[0] for w in p.warnings] == ["A08"]


def test_an_unknown_status_word_is_not_in_normal_business(cfg):
    """docs/domain.md: a status word cmgr does not know means the customer is not trading
    normally, in every command (the roster import warned about the word)."""
    import dataclasses

    customers = [dataclasses.replace(c, status="待核实") if c.code == "A01" else c
                 for c in territory()]
    p = plan(cfg, customers=customers, fallback_band=FIVE)
    assert "A01" not in visits_by_code(p) and p.counts["status:待核实"] == 1
    assert not p.warnings


def test_urgent_specials_come_before_routine_visits_and_only_routine_ones_are_pushed(cfg):
    sits = [*situations(),
            *vp.complaint_situations([("TS-1", "A02", "new"), ("TS-2", "A05", "approved")]),
            *vp.flag_situations([(8, "A13", "unlicensed", "2026-11-20", "new"),
                                 (9, "A16", "unlicensed", "2026-11-20", "reported")])]
    p = plan(cfg, sits=sits, visits_per_day=1)  # 5 places for 23 visits
    kept = visits_by_code(p)
    # urgent: complaints awaiting inspection (A18, A02) and the new unlicensed lead (A13);
    # the approved complaint (A05) and the reported lead (A16) are not urgent
    urgent = {"A18", "A02", "A13"}
    assert urgent <= set(kept)
    assert all(kept[c][0].kind == "special" and kept[c][0].reasons[0].startswith("【急】")
               for c in urgent)
    assert all(c not in urgent for c in (x.customer.code for x in p.pushed))
    assert len(p.visits) == 5 and len(set(kept) - urgent) == 2
    # the rest of the places go by the old ranking: the most overdue routine visits
    assert set(kept) - urgent == {"A11", "A20"}
    # every due or special customer is planned or pushed
    assert {v.customer.code for v in p.visits} | {x.customer.code for x in p.pushed} \
        == DUE_ONCE | DUE_TWICE | SPECIAL | {"A02", "A05", "A13"}
    # without capacity trouble the urgent ones go on the week's first working day
    roomy = plan(cfg, sits=sits)
    assert all(v.date == MON for v in roomy.visits if v.customer.code in urgent)


def test_flag_situations_accept_rows_without_status():
    old = vp.flag_situations([(1, "A19", "unlicensed", None)])
    assert not old[0].urgent and old[0].text.startswith("无证经营线索")
    new = vp.flag_situations([(1, "A19", "unlicensed", None, "new"), (2, "A19", "price", None, "new")])
    assert [s.urgent for s in new] == [True, False]


# --- the calendar ------------------------------------------------------------------------------

def test_week_with_holidays_and_a_make_up_saturday(cfg):
    # 2026-W41: Oct 5-7 off (国庆), Thu 8, Fri 9 and the make-up Saturday Oct 10 worked.
    start = date(2026, 10, 5)
    shifted = [vp.PlanCustomer(**{**c.__dict__, "last_visit": c.last_visit - timedelta(days=56)
                                  if c.last_visit else None,
                                  "joined_on": c.joined_on - timedelta(days=56)})
               for c in territory()]
    p = plan(cfg, start=start, customers=shifted, visits_per_day=6)
    assert p.workdays == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]
    assert {d.date for d in p.days} == set(p.workdays)
    got = visits_by_code(p)
    for code, vs in got.items():
        if code in DUE_TWICE:
            assert len({v.date for v in vs}) == len(vs)  # two different days
    east = [vs[0].date for c, vs in got.items() if vs[0].customer.route == "东线" and c not in DUE_TWICE]
    assert east and set(east) <= {date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)}
    # Monday's route moves to Thursday, the first working day after the holiday
    assert dict((d.date, d.routes) for d in p.days)[date(2026, 10, 8)][:2] == ["东线", "西线"]
    # 18 places for 17 visits: the Saturday is used
    assert len(p.visits) + len(p.pushed) == 17
    assert any(d.visits for d in p.days if d.date == date(2026, 10, 10))


def test_week_without_working_days_pushes_everyone(cfg):
    # 2026-W08: Feb 16-22, all 春节 holidays
    start = date(2026, 2, 16)
    shifted = [vp.PlanCustomer(**{**c.__dict__, "last_visit": c.last_visit - timedelta(days=287)
                                  if c.last_visit else None,
                                  "joined_on": c.joined_on - timedelta(days=287)})
               for c in territory()]
    p = plan(cfg, start=start, customers=shifted)
    assert p.workdays == [] and p.visits == []
    assert p.pushed and all("没有工作日" in x.reason for x in p.pushed)


# --- determinism -------------------------------------------------------------------------------

def _records(p: vp.WeekPlan) -> str:
    return json.dumps([(v.date.isoformat(), v.seq, v.customer.code, v.kind, v.reasons,
                        v.km_from_previous) for v in p.visits]
                      + [(x.customer.code, x.reason) for x in p.pushed], ensure_ascii=False)


def test_same_inputs_same_plan_whatever_the_input_order(cfg):
    first = _records(plan(cfg, visits_per_day=3))
    shuffled = territory()
    random.Random(5).shuffle(shuffled)
    sits = situations()
    sits.reverse()
    assert _records(plan(cfg, customers=shuffled, sits=sits, visits_per_day=3)) == first


def test_customers_without_coordinates_close_their_day(cfg):
    customers = [vp.PlanCustomer(**{**c.__dict__, "lon": None, "lat": None})
                 if c.code in ("A03", "A07") else c for c in territory()]
    p = plan(cfg, customers=customers)
    for day in p.days:
        flags = [v.km_from_previous is None for v in day.visits]
        assert flags == sorted(flags)  # the unrouted ones come last
    assert {v.customer.code for v in p.visits if v.km_from_previous is None} == {"A03", "A07"}


# --- the tours ---------------------------------------------------------------------------------

def _grid_problem(n: int, days: int, cap: int, seed: int = 1, allowed=None, group=None):
    from cmgr.core import routing

    rng = random.Random(seed)
    pts = [(117.0, 36.65)] + [(117.0 + rng.uniform(-0.05, 0.05), 36.65 + rng.uniform(-0.04, 0.04))
                              for _ in range(n)]
    full = (1 << days) - 1
    return routing.RoutingProblem(routing.distance_matrix(pts), [cap] * days,
                                  allowed or [0] + [full] * n, group or [-1] * (n + 1),
                                  routing.planar_xy(pts, pts[0]))


def test_heuristic_tours_respect_every_constraint_and_repeat_exactly():
    from cmgr.core import routing

    n, days = 40, 4
    allowed = [0] + [(1 << (i % days)) if i % 3 == 0 else (1 << days) - 1 for i in range(1, n + 1)]
    group = [-1] * (n + 1)
    group[5] = group[6] = 7  # one customer seen twice: different days
    p = _grid_problem(n, days, 10, allowed=allowed, group=group)  # 40 visits in 40 places
    tours = routing.solve_heuristic(p)
    assert sorted(v for t in tours for v in t) == list(range(1, n + 1))
    assert all(len(t) <= 10 for t in tours)
    for day, t in enumerate(tours):
        assert all((allowed[v] >> day) & 1 for v in t)
    assert {i for i, t in enumerate(tours) if 5 in t} != {i for i, t in enumerate(tours) if 6 in t}
    assert routing.solve_heuristic(p) == tours  # deterministic


def test_heuristic_finds_the_optimum_of_a_small_instance():
    from itertools import permutations

    from cmgr.core import routing

    p = _grid_problem(7, 2, 4, seed=3)
    best = float("inf")
    for perm in permutations(range(1, 8)):  # every split of every order into two days
        for cut in range(3, 5):
            a, b = perm[:cut], perm[cut:]
            if len(a) <= 4 and len(b) <= 4:
                best = min(best, routing.route_km(p.dist, a) + routing.route_km(p.dist, b))
    got = routing.total_km(p.dist, routing.solve_heuristic(p))
    assert got == pytest.approx(best, rel=1e-9)


def test_infeasible_visits_are_reported_not_dropped():
    from cmgr.core import routing

    allowed = [0, 1, 1, 1, 2]  # three visits allowed only on day 0, which takes two
    p = _grid_problem(4, 2, 2, allowed=allowed)
    with pytest.raises(routing.Infeasible) as exc:
        routing.solve_heuristic(p)
    assert len(exc.value.nodes) == 1


def test_flag_already_rechecked_by_a_later_visit_is_not_a_reason():
    rows = [(1, "A19", "price", "2026-11-20"), (2, "A19", "unlicensed", "2026-11-10"),
            (3, "A02", "price", "2026-11-01")]
    last = {"A19": date(2026, 11, 20), "A02": date(2026, 11, 10)}
    found = vp.flag_situations(rows, last)
    assert [(s.customer_code, "#1" in s.text) for s in found] == [("A19", True)]


def test_a_flag_a_later_visit_says_is_fixed_rides_on_a_planned_visit_only(cfg):
    """The proposal to close (a later note says 已整改) is a reason on a visit planned anyway,
    shown even though the flag is older than the last visit; it brings no visit of its own."""
    customers = territory()
    by_code = {c.code: c for c in customers}
    base = visits_by_code(plan(cfg, sits=[]))
    planned = next(code for code in by_code if code in base and by_code[code].last_visit)
    idle = next(code for code in by_code if code not in base)
    proposals = {5: "2026-11-12 访问记录：问题已整改", 6: "2026-11-12 访问记录：已整改"}
    last = {c.code: c.last_visit for c in customers}
    sits = vp.flag_situations([(5, planned, "price", "2020-01-01", "reported"),
                               (6, idle, "price", "2020-01-01", "reported")], last, proposals)
    assert [s.text for s in sits][0] == "价格违规建议办结 #5（11-12 问题已整改）"
    two = vp.flag_situations([(5, planned, "price", None), (6, planned, "price", None)], last,
                             {5: "2026-11-01 访问记录：已整改", 6: "2026-11-12 访问记录：已整改"})
    assert [s.text for s in two] == ["价格违规建议办结 #5、#6（11-12 已整改）"]
    got = visits_by_code(plan(cfg, sits=sits))
    assert any("建议办结" in r for v in got[planned] for r in v.reasons)
    assert idle not in got  # no special visit only to confirm a fix
    assert [(v.customer.code, v.kind) for v in plan(cfg, sits=sits).visits] == \
        [(v.customer.code, v.kind) for v in plan(cfg, sits=[]).visits]
    # Without the proposal the old flag is left to the flag workflow, as before.
    assert vp.flag_situations([(5, planned, "price", "2020-01-01", "reported")], last) == []
