"""Calendar months as "YYYY-MM" text: arithmetic, first and last days, the Chinese name, and
the `--month` option's parser. No pandas, so commands can check their options before loading it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from cmgr.errors import UsageError
from cmgr.i18n import tr

# Months a normal month is compared with in the monthly report (their sales per order day):
# one month alone is mostly the noise of weekly orders (a skipped week is -25%). Here, not
# in core.monthly, so the report's queries can be started before pandas is imported.
BASE_MONTHS = 3

_MONTH_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?\s*$")


def _index(month: str) -> int:
    """Months since year 0: 'YYYY-MM' as a number, so that comparing and stepping are done on
    numbers ("10000-01" <= "9999-12" holds as text)."""
    year, _, mon = month.partition("-")
    return int(year) * 12 + int(mon) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_add(month: str, k: int) -> str:
    return _month(_index(month) + k)


def month_first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def month_last_day(month: str) -> date:
    return month_first_day(month_add(month, 1)) - timedelta(days=1)


def month_cn(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:7])}月"


def months_between(first: str, last: str) -> list[str]:
    return [_month(i) for i in range(_index(first), _index(last) + 1)]


def parse_report_month(text: str | None, today: date) -> str:
    """'last' (or nothing) is the month before `today`; else 2026-11, 2026/11, 202611, 2026年11月."""
    if text is None or text.strip().lower() in ("", "last"):
        return month_add(f"{today.year:04d}-{today.month:02d}", -1)
    raw = text.strip()
    if len(raw) == 6 and raw.isdigit():
        raw = f"{raw[:4]}-{raw[4:]}"
    m = _MONTH_RE.match(raw)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UsageError(tr("`--month` 「{text}」不是月份", text=text),
                         hint=tr('请写 YYYY-MM（例如 2026-11），或用 "last" 表示上个月'))
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
