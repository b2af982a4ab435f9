"""The one working-day calendar every command uses.

China moves working days around public holidays (调休). The maintained
`chinesecalendar` package knows the official schedule of the years it was
released for; a small user TOML file (config key `calendar.file`) adds the
years it does not know yet and local changes (extra days off, a six-day week,
a manager's leave). Past both, the calendar guesses Monday-Friday and says so
through `guess_warnings`. Format: docs/calendar.md, example:
templates/calendar-example.toml.

Which rule decides a day, first match wins:
  1. the manager's leave (only when a manager is given)   -> day off
  2. [local] days_off                                      -> day off
  3. [local] workdays                                      -> working day
  4. [years.YYYY] holidays / workdays                      -> day off / working day
  5. six_day_week and a Saturday that is not a holiday     -> working day
  6. the package, for the years it knows                   -> its answer
  7. otherwise Monday-Friday (a guess, see guess_warnings)
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

from cmgr.errors import ConfigError, UsageError
from cmgr.i18n import tr

CONFIG_KEY = "calendar.file"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEK_RE = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
# Longest run of days off the calendar accepts before next_workday gives up (a typo guard).
_MAX_DAYS_OFF_RUN = 400


class WorkCalendar:
    """Working days from `chinesecalendar` plus an optional user file (see the module docstring)."""

    def __init__(self, user_file: str | Path | None = None) -> None:
        self.user_file: Path | None = Path(user_file) if user_file is not None else None
        self._year_holidays: dict[int, set[date]] = {}
        self._year_workdays: dict[int, set[date]] = {}
        self._local_days_off: set[date] = set()
        self._local_workdays: set[date] = set()
        self.six_day_week = False
        self._leave: dict[str, set[date]] = {}
        self._package_knows: dict[int, bool] = {}
        # is_workday's answers without a manager: the calendar does not change once loaded,
        # and a monthly report asks about the same few hundred days thousands of times.
        self._answers: dict[date, bool] = {}
        if self.user_file is not None:
            self._load(self.user_file)

    # -- public API -------------------------------------------------------------------------

    def is_workday(self, d: date, manager: str | None = None) -> bool:
        """True when `d` is a working day (for `manager`, whose leave then counts as off)."""
        if manager is not None and d in self._leave.get(manager, ()):
            return False
        answer = self._answers.get(d)
        if answer is None:
            answer = self._answers[d] = self._is_workday(d)
        return answer

    def _is_workday(self, d: date) -> bool:
        if d in self._local_days_off:
            return False
        if d in self._local_workdays:
            return True
        if d in self._year_holidays.get(d.year, ()):
            return False
        if d in self._year_workdays.get(d.year, ()):
            return True
        if self.six_day_week and d.weekday() == 5 and not self._is_statutory_holiday(d):
            return True
        if self._package_covers(d.year):
            import chinese_calendar

            return bool(chinese_calendar.is_workday(d))
        return d.weekday() < 5

    def is_known(self, d: date) -> bool:
        """False when neither the package nor the user file covers `d`'s year (Mon-Fri is a guess)."""
        return d.year in self._year_holidays or self._package_covers(d.year)

    def workdays(self, start: date, end: date, manager: str | None = None) -> list[date]:
        """The working days from `start` to `end`, both inclusive."""
        days = []
        d = start
        while d <= end:
            if self.is_workday(d, manager):
                days.append(d)
            d += timedelta(days=1)
        return days

    def next_workday(self, d: date, manager: str | None = None) -> date:
        """`d` itself when it is a working day, else the first working day after it."""
        for offset in range(_MAX_DAYS_OFF_RUN):
            candidate = d + timedelta(days=offset)
            if self.is_workday(candidate, manager):
                return candidate
        raise ConfigError(
            tr("从 {day} 起的 {n} 天内没有工作日", day=d.isoformat(), n=_MAX_DAYS_OFF_RUN),
            path=str(self.user_file) if self.user_file else None,
            hint=tr("请检查日历文件中的休息日和请假区间"),
        )

    def guess_warnings(self, start: date, end: date) -> list[str]:
        """One message per year in [start, end] the calendar does not know: it guesses Mon-Fri."""
        where = (
            tr("日历文件 {path}", path=self.user_file)
            if self.user_file is not None
            else tr("一个日历文件（在配置中用 `{key}` 指定其路径）", key=CONFIG_KEY)
        )
        messages = []
        for year in range(start.year, end.year + 1):
            if year in self._year_holidays or self._package_covers(year):
                continue
            messages.append(tr(
                "{year} 年的法定节假日和调休安排未知（chinesecalendar 尚未收录，日历文件中也没有），"
                "按周一至周五上班推算，节假日和调休上班日不会被考虑。"
                "国务院通知发布后，请在{where}中加入 [years.{year}]。\n"
                "格式（TOML）：\n"
                "  [years.{year}]\n"
                '  holidays = ["{year}-01-01", "{year}-02-05..{year}-02-13"]   # 放假日期或闭区间\n'
                '  workdays = ["{year}-02-14"]                                # 调休上班的周末',
                year=year, where=where))
        return messages

    # -- the user file ------------------------------------------------------------------------

    def _fail(self, message: str, key: str | None = None, hint: str | None = None) -> ConfigError:
        return ConfigError(message, path=str(self.user_file), key=key, hint=hint)

    def _load(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise self._fail(
                tr("找不到日历文件"),
                hint=tr("请创建它（见 templates/calendar-example.toml），或改正 `{key}`", key=CONFIG_KEY),
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise self._fail(tr("无法读取日历文件：{error}", error=exc)) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # tomllib's message carries "(at line N, column M)".
            raise self._fail(tr("不是有效的 TOML：{error}", error=exc)) from None

        allowed = {"years", "local", "leave"}
        for key in data:
            if key not in allowed:
                raise self._fail(
                    tr("未知的部分 [{section}]", section=key), key=key,
                    hint=tr("应为以下部分：[years.YYYY]、[local]、[leave]"),
                )
        years = _table(data.get("years", {}), "years", self)
        for year_key, section in years.items():
            self._load_year(year_key, section)
        local = _table(data.get("local", {}), "local", self)
        for key in local:
            if key not in {"days_off", "workdays", "six_day_week"}:
                raise self._fail(
                    tr("未知的配置项"), key=f"local.{key}",
                    hint=tr("[local] 中应为以下配置项：days_off、workdays、six_day_week"),
                )
        self._local_days_off = self._dates(local.get("days_off", []), "local.days_off")
        self._local_workdays = self._dates(local.get("workdays", []), "local.workdays")
        both = self._local_days_off & self._local_workdays
        if both:
            raise self._fail(
                tr("{day} 同时出现在 days_off 和 workdays 中", day=min(both).isoformat()), key="local",
                hint=tr("一个日期要么是本地休息日，要么是本地工作日"),
            )
        six = local.get("six_day_week", False)
        if not isinstance(six, bool):
            raise self._fail(
                tr("应为 true 或 false，得到的是 {value}", value=repr(six)), key="local.six_day_week",
            )
        self.six_day_week = six
        leave = _table(data.get("leave", {}), "leave", self)
        for name, spans in leave.items():
            self._leave[name] = self._dates(spans, f'leave."{name}"')

    def _load_year(self, year_key: str, section: object) -> None:
        key = f"years.{year_key}"
        if not re.fullmatch(r"\d{4}", year_key):
            raise self._fail(
                tr("年份「{year}」不是四位数的年份", year=year_key), key=key,
                hint=tr("请把这一部分写成 [years.2027]"),
            )
        year = int(year_key)
        section = _table(section, key, self)
        for sub in section:
            if sub not in {"holidays", "workdays"}:
                raise self._fail(
                    tr("未知的配置项"), key=f"{key}.{sub}",
                    hint=tr("[{section}] 中应为以下配置项：holidays、workdays", section=key),
                )
        holidays = self._dates(section.get("holidays", []), f"{key}.holidays")
        workdays = self._dates(section.get("workdays", []), f"{key}.workdays")
        for label, days in (("holidays", holidays), ("workdays", workdays)):
            outside = sorted(d for d in days if d.year != year)
            if outside:
                raise self._fail(
                    tr("{day} 不在 {year} 年", day=outside[0].isoformat(), year=year),
                    key=f"{key}.{label}",
                    hint=tr("请把每个日期列在它自己的年份下，例如 [years.{year}]",
                            year=outside[0].year),
                )
        both = holidays & workdays
        if both:
            raise self._fail(
                tr("{day} 同时出现在 holidays 和 workdays 中", day=min(both).isoformat()), key=key,
                hint=tr("一个日期要么是节假日，要么是调休上班日"),
            )
        self._year_holidays[year] = holidays
        self._year_workdays[year] = workdays

    def _dates(self, value: object, key: str) -> set[date]:
        """Parse a list of dates and inclusive "A..B" ranges (TOML date literals welcome)."""
        if not isinstance(value, list):
            raise self._fail(
                tr("应为日期列表，得到的是 {value}", value=repr(value)), key=key,
                hint=tr('例如 {name} = ["2027-01-01", "2027-02-05..2027-02-13"]',
                        name=key.rsplit(".", 1)[-1]),
            )
        days: set[date] = set()
        for i, item in enumerate(value):
            item_key = f"{key}[{i}]"
            if isinstance(item, date) and not hasattr(item, "hour"):
                days.add(item)
                continue
            if not isinstance(item, str):
                raise self._fail(_expected_date(item), key=item_key)
            first, sep, last = item.partition("..")
            start = self._date(first, item_key, item)
            end = self._date(last, item_key, item) if sep else start
            if end < start:
                raise self._fail(
                    tr("区间「{range}」的结束早于开始", range=item), key=item_key,
                    hint=tr("请先写较早的日期：YYYY-MM-DD..YYYY-MM-DD"),
                )
            if (end - start).days > 366:
                raise self._fail(tr("区间「{range}」超过一年", range=item), key=item_key)
            d = start
            while d <= end:
                days.add(d)
                d += timedelta(days=1)
        return days

    def _date(self, text: str, key: str, item: str) -> date:
        text = text.strip()
        if _DATE_RE.match(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        raise self._fail(_expected_date(item), key=key)

    # -- the package ---------------------------------------------------------------------------

    def _package_covers(self, year: int) -> bool:
        known = self._package_knows.get(year)
        if known is None:
            import chinese_calendar

            try:
                chinese_calendar.is_workday(date(year, 6, 1))
                known = True
            except NotImplementedError:
                known = False
            self._package_knows[year] = known
        return known

    def _is_statutory_holiday(self, d: date) -> bool:
        """A public holiday (not a plain weekend), from the user file or the package."""
        if d in self._year_holidays.get(d.year, ()):
            return True
        if self._package_covers(d.year):
            import chinese_calendar

            on_holiday, name = chinese_calendar.get_holiday_detail(d)
            return bool(on_holiday and name)
        return False


# Names of the statutory holidays by a day they always hold (the lunar ones come from the
# package, which names every holiday of the years it knows).
_FIXED_HOLIDAYS = {(1, 1): "元旦", (5, 1): "劳动节", (10, 1): "国庆节", (4, 5): "清明节"}
_PACKAGE_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                  "Labour Day": "劳动节", "Dragon Boat Festival": "端午节",
                  "Mid-autumn Festival": "中秋节", "National Day": "国庆节"}


def holiday_periods(is_workday, first: date, last: date, min_days: int = 3) -> list[dict]:
    """Runs of at least `min_days` days off touching [first, last] (a long weekend or a
    holiday week), each with its name when known: [{"name", "start", "end", "days"}]."""
    from cmgr.core.forecast import SPRING_FESTIVAL

    out = []
    day = first - timedelta(days=10)
    end = last + timedelta(days=10)
    run: list[date] = []
    while day <= end:
        if not is_workday(day):
            run.append(day)
        else:
            if len(run) >= min_days and run[-1] >= first and run[0] <= last:
                out.append(run)
            run = []
        day += timedelta(days=1)
    periods = []
    for days in out:
        name = ""
        for d in days:
            name = _FIXED_HOLIDAYS.get((d.month, d.day), "")
            if SPRING_FESTIVAL.get(d.year) == d:
                name = "春节"
            if not name:
                try:
                    import chinese_calendar

                    on_holiday, english = chinese_calendar.get_holiday_detail(d)
                    name = _PACKAGE_NAMES.get(english or "", "") if on_holiday else ""
                except NotImplementedError:
                    name = ""
            if name:
                break
        if name or any(d.weekday() < 5 for d in days):
            periods.append({"name": name or "假期", "start": days[0].isoformat(),
                            "end": days[-1].isoformat(), "days": len(days)})
    return periods


def _expected_date(item: object) -> str:
    return tr('应为 "YYYY-MM-DD" 或闭区间 "YYYY-MM-DD..YYYY-MM-DD"，得到的是 {value}',
              value=repr(item))


def _table(value: object, key: str, cal: WorkCalendar) -> dict:
    if not isinstance(value, dict):
        raise cal._fail(tr("应为表 [{section}]，得到的是 {value}", section=key, value=repr(value)),
                        key=key)
    return value


def report_due_date(cal: WorkCalendar, year: int, month: int) -> date:
    """The monthly report's deadline: the 5th, moved to the next working day (节假日顺延)."""
    return cal.next_workday(date(year, month, 5))


def iso_week_bounds(week: str) -> tuple[date, date]:
    """"2026-W49" -> (its Monday, its Sunday), by ISO 8601 week numbering."""
    match = _WEEK_RE.match(week) if isinstance(week, str) else None
    if not match:
        raise UsageError(tr("无效的周「{week}」", week=week),
                         hint=tr('ISO 周请写成 YYYY-Www，例如 "2026-W49"'))
    year, number = int(match.group(1)), int(match.group(2))
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        last = date(year, 12, 28).isocalendar().week  # Dec 28 is always in the year's last week
        raise UsageError(
            tr("无效的周「{week}」：{year} 年只有第 1-{last} 周", week=week, year=year, last=last),
            hint=tr('ISO 周请写成 YYYY-Www，例如 "2026-W49"'),
        ) from None
    return monday, monday + timedelta(days=6)


def next_week_start(today: date) -> date:
    """The Monday of the week after `today`'s week (weeks start on Monday)."""
    return today + timedelta(days=7 - today.weekday())
