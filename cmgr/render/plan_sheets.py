"""The columns of the printed plan documents, shared by the xlsx and html writers:
《客户访问日程表》 (the schedule) and 《营销人员市场走访签到记录簿》 (the sign-in sheet)."""

from __future__ import annotations

# The sign-in sheet is a form that comes back (`cmgr import visits` reads it), so its title and
# columns live beside its reader; its tick columns are the six things done on every visit
# (docs/domain.md, "Every visit").
from cmgr.sources.visit_sheet import SIGNIN_HEADER, WORK_ITEMS
from cmgr.sources.visit_sheet import TITLE as SIGNIN_TITLE

SCHEDULE_HEADER = ["日期", "序号", "客户编码", "客户名称", "经营地址", "联系电话", "档位", "线路",
                   "访问事由", "上次访问日期"]

__all__ = ["SCHEDULE_HEADER", "SIGNIN_HEADER", "SIGNIN_TITLE", "WORK_ITEMS"]
