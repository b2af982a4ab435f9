-- 008: the area market manager's decisions on flags (`cmgr flag decisions FILE`): one per flag,
-- kept on the customer, so a decided downgrade (降级) shows with its date and who decided in
-- `customer show`. The flag itself is closed (or dismissed) with the decision as its result;
-- flag_events keep who recorded it and when.
CREATE TABLE flag_decisions (
    id INTEGER PRIMARY KEY,
    flag_id INTEGER NOT NULL UNIQUE REFERENCES flags(id),
    customer_code TEXT,
    decision TEXT NOT NULL,           -- downgrade | refer | rectified | dismiss
    decided_on TEXT NOT NULL,         -- the date the area manager decided
    decided_by TEXT,                  -- who decided (决定人/审批人)
    remark TEXT,                      -- 备注
    source_file TEXT,                 -- the decisions sheet it came from
    source_row INTEGER,               -- its row there, as Excel shows it
    recorded_at TEXT NOT NULL
);
CREATE INDEX flag_decisions_customer ON flag_decisions(customer_code, decided_on);
