"""The words of the printed plan: the 《客户访问日程表》 and sign-in sheet columns (xlsx and html
share them), the distance note and the plan-review statuses."""

from __future__ import annotations

SCHEDULE_HEADER = ["日期", "序号", "客户编码", "客户名称", "经营地址", "联系电话", "档位", "线路",
                   "访问事由", "上次访问日期"]
# Seed 4.1.3: the six things done on every visit, ticked on the sign-in sheet.
WORK_ITEMS = ["a 传递公司信息", "b 收集信息", "c 核对库存·建议订货", "d 摆放出样·调换价签",
              "e 督促守法经营", "f 检查最低零售价"]
SIGNIN_HEADER = ["日期", "序号", "客户编码", "客户名称", *WORK_ITEMS, "到达时间", "客户签名", "备注"]
DISTANCE_NOTE = "直线距离（haversine 球面距离，非道路里程），公里；每天从起点出发并回到起点"
REVIEW_STATUS_CN = {"as_planned": "按计划访问", "other_day": "改日访问", "not_visited": "未访问"}
