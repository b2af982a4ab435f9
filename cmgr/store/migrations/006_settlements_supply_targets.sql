-- 006: the electronic settlement export (电子结算), supply limits (货源投放) and monthly sales
-- targets per manager, each imported with `cmgr import settlements|supply|targets`.

CREATE TABLE settlements (
    id INTEGER PRIMARY KEY,
    settlement_key TEXT NOT NULL UNIQUE,  -- #deduction id, else order id, else @date|customer
    deduction_id TEXT,                -- 扣款流水号, when the export lists each deduction
    order_id TEXT,
    order_date TEXT,
    customer_code TEXT NOT NULL,
    amount REAL,                      -- 应结金额, 元
    settle_status TEXT NOT NULL,      -- 成功 | 失败 | 待扣款 | 撤销
    status_text TEXT,                 -- as written (余额不足, 扣款成功 ...)
    settled_at TEXT,                  -- 扣款时间 (date)
    fail_reason TEXT,
    import_id INTEGER REFERENCES imports(id),
    updated_at TEXT
);
CREATE INDEX settlements_customer ON settlements(customer_code, order_date);
-- Only the outstanding rows (a few per cent): the chase list's starting point, at little cost
-- to a million-row import (an index over every status cost ~1 s of it).
CREATE INDEX settlements_open ON settlements(customer_code)
    WHERE settle_status IN ('失败', '待扣款');

CREATE TABLE supply_limits (
    id INTEGER PRIMARY KEY,
    limit_key TEXT NOT NULL UNIQUE,   -- sku_code|grade_band|valid_from
    sku_code TEXT NOT NULL,
    sku_name TEXT,
    grade_band TEXT NOT NULL,         -- "1-8", "18-99" for 18档以上, "1-99" for every grade
    grade_from INTEGER NOT NULL,
    grade_to INTEGER NOT NULL,
    limit_qty REAL NOT NULL,          -- 条 per customer per order
    valid_from TEXT,                  -- NULL: from any day
    valid_to TEXT,                    -- NULL: until replaced
    import_id INTEGER REFERENCES imports(id),
    updated_at TEXT
);
CREATE INDEX supply_limits_sku ON supply_limits(sku_code);

CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    target_key TEXT NOT NULL UNIQUE,  -- manager|month
    manager TEXT NOT NULL,
    month TEXT NOT NULL,              -- YYYY-MM
    target_cases REAL NOT NULL,       -- 箱
    import_id INTEGER REFERENCES imports(id),
    updated_at TEXT
);
