from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from cmgr.core.workdays import (
    WorkCalendar,
    iso_week_bounds,
    next_week_start,
    report_due_date,
)
from cmgr.errors import ConfigError, UsageError

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- 2026, as the State Council notice of 2025-11-04 has it (docs/domain.md) -------------------------

@pytest.mark.parametrize("day", [
    date(2026, 1, 4),    # Sun, worked for 元旦
    date(2026, 2, 14),   # Sat, worked for 春节
    date(2026, 2, 28),   # Sat, worked for 春节
    date(2026, 5, 9),    # Sat, worked for 劳动节
    date(2026, 9, 20),   # Sun, worked for 国庆
    date(2026, 10, 10),  # Sat, worked for 国庆
    date(2026, 3, 5),    # an ordinary Thursday
])
def test_2026_working_days(day):
    assert WorkCalendar().is_workday(day)


@pytest.mark.parametrize("day", [
    date(2026, 1, 1), date(2026, 1, 2),   # 元旦, Thu-Fri
    date(2026, 2, 16),                    # Mon in 春节
    date(2026, 2, 23),                    # last day of 春节, a Monday
    date(2026, 4, 6),                     # 清明, Mon
    date(2026, 5, 4), date(2026, 5, 5),   # 劳动节
    date(2026, 10, 5),                    # 国庆, Mon
    date(2026, 3, 7),                     # an ordinary Saturday
])
def test_2026_days_off(day):
    assert not WorkCalendar().is_workday(day)


def test_2026_due_dates_follow_the_holidays():
    cal = WorkCalendar()
    expected = {1: 5, 2: 5, 3: 5, 4: 7, 5: 6, 6: 5, 7: 6, 8: 5, 9: 7, 10: 8, 11: 5, 12: 7}
    for month, day in expected.items():
        assert report_due_date(cal, 2026, month) == date(2026, month, day), month


def test_2026_is_known_and_needs_no_warning():
    cal = WorkCalendar()
    assert cal.is_known(date(2026, 12, 31))
    assert cal.guess_warnings(date(2026, 1, 1), date(2026, 12, 31)) == []


def test_workdays_is_inclusive_and_skips_the_spring_festival():
    days = WorkCalendar().workdays(date(2026, 2, 14), date(2026, 2, 28))
    # Sat 14 worked, 15-23 off, Tue 24 - Fri 27 worked, Sat 28 worked.
    assert days == [date(2026, 2, 14)] + [date(2026, 2, d) for d in (24, 25, 26, 27, 28)]


def test_next_workday():
    cal = WorkCalendar()
    assert cal.next_workday(date(2026, 2, 14)) == date(2026, 2, 14)
    assert cal.next_workday(date(2026, 2, 15)) == date(2026, 2, 24)
    assert cal.next_workday(date(2026, 10, 1)) == date(2026, 10, 8)


# -- a year the package does not know -------------------------------------------------------

def test_2027_without_a_user_file_guesses_monday_to_friday_and_says_so():
    cal = WorkCalendar()
    assert not cal.is_known(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 1, 1))       # a Friday: New Year's Day, but unknown
    assert not cal.is_workday(date(2027, 1, 2))   # Saturday
    warnings = cal.guess_warnings(date(2026, 12, 28), date(2027, 1, 3))
    assert len(warnings) == 1
    text = warnings[0]
    assert "2027" in text and "周一至周五" in text
    assert "calendar.file" in text and "[years.2027]" in text and "holidays" in text


def test_one_warning_per_unknown_year():
    warnings = WorkCalendar().guess_warnings(date(2026, 6, 1), date(2028, 2, 1))
    assert len(warnings) == 2
    assert "2027" in warnings[0] and "2028" in warnings[1]


def test_2027_from_the_user_file_is_honoured_without_warning(tmp_path):
    path = write(tmp_path, """
[years.2027]
holidays = ["2027-01-01", "2027-02-05..2027-02-13"]
workdays = ["2027-02-14"]
""")
    cal = WorkCalendar(path)
    assert cal.is_known(date(2027, 7, 1))
    assert cal.guess_warnings(date(2026, 12, 1), date(2027, 12, 31)) == []
    assert not cal.is_workday(date(2027, 1, 1))   # Friday holiday
    assert not cal.is_workday(date(2027, 2, 8))   # Monday inside the range
    assert not cal.is_workday(date(2027, 2, 13))  # range end is inclusive
    assert cal.is_workday(date(2027, 2, 14))      # Sunday make-up day
    assert cal.is_workday(date(2027, 2, 15))      # an ordinary Monday
    assert not cal.is_workday(date(2027, 2, 20))  # an ordinary Saturday
    # The 5th of February 2027 is a holiday: the report is due on the make-up Sunday.
    assert report_due_date(cal, 2027, 2) == date(2027, 2, 14)


def test_warning_names_the_users_file(tmp_path):
    path = write(tmp_path, '[local]\ndays_off = ["2026-12-31"]\n')
    cal = WorkCalendar(path)
    assert not cal.is_known(date(2027, 3, 1))     # [local] alone does not make a year known
    (text,) = cal.guess_warnings(date(2027, 3, 1), date(2027, 3, 7))
    assert str(path) in text


# -- local changes and leave ------------------------------------------------------------------

def test_local_days_off_and_workdays(tmp_path):
    path = write(tmp_path, """
[local]
days_off = ["2026-12-31"]
workdays = ["2026-12-19"]
""")
    cal = WorkCalendar(path)
    assert not cal.is_workday(date(2026, 12, 31))   # a Thursday made a day off
    assert cal.is_workday(date(2026, 12, 19))       # a Saturday made a working day
    assert not WorkCalendar().is_workday(date(2026, 12, 19))


def test_leave_counts_only_for_that_manager(tmp_path):
    path = write(tmp_path, '[leave]\n"张伟" = ["2026-12-01..2026-12-03", "2026-12-07"]\n')
    cal = WorkCalendar(path)
    for d in (date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 7)):
        assert not cal.is_workday(d, manager="张伟")
        assert cal.is_workday(d)
        assert cal.is_workday(d, manager="李娜")
    week = cal.workdays(date(2026, 11, 30), date(2026, 12, 6), manager="张伟")
    assert week == [date(2026, 11, 30), date(2026, 12, 4)]
    assert cal.next_workday(date(2026, 12, 1), manager="张伟") == date(2026, 12, 4)


def test_six_day_week_keeps_holiday_saturdays_off(tmp_path):
    path = write(tmp_path, """
[years.2027]
holidays = ["2027-02-06"]
[local]
six_day_week = true
""")
    cal = WorkCalendar(path)
    assert cal.is_workday(date(2026, 3, 7))        # ordinary Saturday
    assert not cal.is_workday(date(2026, 3, 8))    # Sunday stays off
    assert not cal.is_workday(date(2026, 2, 21))   # Saturday inside 春节 2026
    assert not cal.is_workday(date(2026, 10, 3))   # Saturday inside 国庆 2026
    assert not cal.is_workday(date(2027, 2, 6))    # Saturday holiday from the user file
    assert cal.is_workday(date(2027, 2, 13))       # ordinary 2027 Saturday


def test_user_file_can_correct_a_known_year(tmp_path):
    path = write(tmp_path, '[years.2026]\nholidays = ["2026-03-05"]\nworkdays = ["2026-03-07"]\n')
    cal = WorkCalendar(path)
    assert not cal.is_workday(date(2026, 3, 5))
    assert cal.is_workday(date(2026, 3, 7))
    assert cal.is_workday(date(2026, 2, 14))       # the rest still comes from the package


def test_toml_date_literals_are_accepted(tmp_path):
    path = write(tmp_path, "[local]\ndays_off = [2026-12-31]\n")
    assert not WorkCalendar(path).is_workday(date(2026, 12, 31))


def test_the_shipped_example_file_loads():
    cal = WorkCalendar(REPO / "templates" / "calendar-example.toml")
    assert cal.is_known(date(2027, 5, 1))
    assert not cal.is_workday(date(2027, 2, 8))


# -- bad files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, key, words", [
    ('[years.2027]\nholidays = ["2027-13-01"]\n', "years.2027.holidays[0]", "YYYY-MM-DD"),
    ('[years.2027]\nholidays = ["1/2/2027"]\n', "years.2027.holidays[0]", "YYYY-MM-DD"),
    ('[years.2027]\nholidays = "2027-01-01"\n', "years.2027.holidays", "应为日期列表"),
    ('[years.2027]\nholidays = ["2027-02-13..2027-02-05"]\n', "years.2027.holidays[0]", "结束早于开始"),
    ('[years.2027]\nholidays = ["2026-12-31"]\n', "years.2027.holidays", "不在 2027 年"),
    ('[years.2027]\nholidays = ["2027-01-01"]\nworkdays = ["2027-01-01"]\n', "years.2027", "同时出现在 holidays 和 workdays 中"),
    ('[years.27]\nholidays = []\n', "years.27", "不是四位数的年份"),
    ('[years.2027]\nholiday = []\n', "years.2027.holiday", "未知的配置项"),
    ('[local]\nsix_day_week = "yes"\n', "local.six_day_week", "应为 true 或 false"),
    ('[local]\ndaysoff = []\n', "local.daysoff", "未知的配置项"),
    ('[vacation]\n', "vacation", "未知的部分 [vacation]"),
    ('[leave]\n"张伟" = ["2026-12-01..soon"]\n', 'leave."张伟"[0]', "YYYY-MM-DD"),
    ('[leave]\n"张伟" = [3]\n', 'leave."张伟"[0]', "YYYY-MM-DD"),
])
def test_bad_file_names_file_key_and_expected_form(tmp_path, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        WorkCalendar(path)
    message = str(info.value)
    assert str(path) in message
    assert f"配置项 {key}" in message
    assert words in message
    assert info.value.key == key


def test_unparseable_toml_names_the_line(tmp_path):
    path = write(tmp_path, '[years.2027]\nholidays = ["2027-01-01"\nworkdays = []\n')
    with pytest.raises(ConfigError) as info:
        WorkCalendar(path)
    assert str(path) in str(info.value)
    assert "line 3" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="找不到日历文件"):
        WorkCalendar(tmp_path / "nope.toml")


# -- weeks ----------------------------------------------------------------------------------------

def test_iso_week_bounds():
    assert iso_week_bounds("2026-W49") == (date(2026, 11, 30), date(2026, 12, 6))
    assert iso_week_bounds("2026-W01") == (date(2025, 12, 29), date(2026, 1, 4))
    assert iso_week_bounds("2026w53") == (date(2026, 12, 28), date(2027, 1, 3))
    monday, sunday = iso_week_bounds("2027-W07")
    assert monday.weekday() == 0 and sunday - monday == timedelta(days=6)


@pytest.mark.parametrize("text", ["2026-49", "W49", "2026-W54", "2025-W53", "2026-W00", "", "soon"])
def test_iso_week_bounds_rejects_bad_text(text):
    with pytest.raises(UsageError):
        iso_week_bounds(text)


def test_next_week_start():
    assert next_week_start(date(2026, 11, 27)) == date(2026, 11, 30)   # Friday
    assert next_week_start(date(2026, 11, 29)) == date(2026, 11, 30)   # Sunday
    assert next_week_start(date(2026, 11, 30)) == date(2026, 12, 7)    # Monday: the week after
    assert next_week_start(date(2026, 12, 31)) == date(2027, 1, 4)
