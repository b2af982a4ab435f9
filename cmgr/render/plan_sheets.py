"""The columns of the printed plan documents, shared by the xlsx and html writers:
《客户访问日程表》 (the schedule) and 《营销人员市场走访签到记录簿》 (the sign-in sheet)."""

from __future__ import annotations

SCHEDULE_HEADER = ["日期", "序号", "客户编码", "客户名称", "经营地址", "联系电话", "档位", "线路",
                   "访问事由", "上次访问日期"]
# The six things done on every visit (docs/domain.md, "Every visit"), ticked on the sign-in sheet.
WORK_ITEMS = ["a 传递公司信息", "b 收集信息", "c 核对库存·建议订货", "d 摆放出样·调换价签",
              "e 督促守法经营", "f 检查最低零售价"]
SIGNIN_HEADER = ["日期", "序号", "客户编码", "客户名称", *WORK_ITEMS, "到达时间", "客户签名",
                 "客户经理签名", "备注"]
