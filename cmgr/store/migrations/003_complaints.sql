-- 003: quality complaints and their workflow, joining/leaving the network, promotion campaigns.
-- Portable SQL; dates 'YYYY-MM-DD', timestamps 'YYYY-MM-DDTHH:MM:SS' local time.

-- 《商品及服务质量信息反馈单》: one row per complaint, id readable on the phone (TS-YYYYMMDD-NNN).
CREATE TABLE complaints (
    id TEXT PRIMARY KEY,
    customer_code TEXT NOT NULL,
    sku_code TEXT,                    -- NULL when the cigarette was recorded as typed
    sku_name TEXT,
    qty REAL NOT NULL,                -- 条
    unit TEXT,                        -- the unit the quantity was given in: 条 | 包
    qty_input TEXT,                   -- the quantity as typed, e.g. '5包'
    problem TEXT NOT NULL,
    found TEXT,                       -- what the manager found on site (the cause)
    status TEXT NOT NULL,             -- new | inspected | signed | submitted | approved | rejected | exchanged | confirmed | closed
    created_at TEXT NOT NULL,
    created_by TEXT,
    updated_at TEXT
);
CREATE INDEX complaints_customer ON complaints(customer_code);
CREATE INDEX complaints_status ON complaints(status);
CREATE INDEX complaints_created ON complaints(created_at);

-- Each step of a complaint: who, when, and what was written.
CREATE TABLE complaint_events (
    id INTEGER PRIMARY KEY,
    complaint_id TEXT NOT NULL REFERENCES complaints(id),
    step TEXT NOT NULL,               -- new | inspect | sign | submit | approve | reject | exchange | confirm | feedback
    by TEXT,
    at TEXT NOT NULL,
    note TEXT,
    remark TEXT,                      -- the area manager's opinion (approve / reject)
    qty REAL                          -- 条 exchanged (exchange)
);
CREATE INDEX complaint_events_complaint ON complaint_events(complaint_id, at);

-- 入网 / 退网 and other roster changes made in cmgr; the customers row keeps the current state.
CREATE TABLE customer_events (
    id INTEGER PRIMARY KEY,
    customer_code TEXT NOT NULL,
    event TEXT NOT NULL,              -- join | leave
    on_date TEXT NOT NULL,            -- the date it took effect
    reason TEXT,
    by TEXT,
    at TEXT NOT NULL,                 -- when it was recorded
    details TEXT                      -- JSON: the fields given
);
CREATE INDEX customer_events_customer ON customer_events(customer_code, on_date);

-- 促销客户推荐: each `promo recommend` run is kept, so a receipt can use "the last list".
CREATE TABLE promo_lists (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    manager TEXT,
    as_of TEXT NOT NULL,
    settings TEXT                     -- JSON: weights and bands used
);

CREATE TABLE promo_list_items (
    list_id INTEGER NOT NULL REFERENCES promo_lists(id),
    rank INTEGER NOT NULL,
    customer_code TEXT NOT NULL,
    score REAL NOT NULL,
    parts TEXT,                       -- JSON: each part's raw value and score
    PRIMARY KEY (list_id, rank)
);

CREATE TABLE promo_campaigns (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    item TEXT,                        -- 促销品 / 促销资料
    qty REAL,                         -- per customer
    created_at TEXT NOT NULL
);

-- 《宣传促销品签收单》 lines: what each customer was given.
CREATE TABLE promo_receipts (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES promo_campaigns(id),
    customer_code TEXT NOT NULL,
    item TEXT,
    qty REAL,
    issued_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (campaign_id, customer_code, item)
);
