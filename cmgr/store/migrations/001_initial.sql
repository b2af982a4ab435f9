-- 001: customers, order lines, visits, guide prices, the import log.
-- Portable SQL: plain types, no SQLite-only syntax beyond what PostgreSQL also accepts.
-- Dates are ISO 'YYYY-MM-DD' text; timestamps ISO 'YYYY-MM-DDTHH:MM:SS' local time.

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,               -- customers | orders | visits | prices
    file_name TEXT NOT NULL,
    sheet TEXT,
    sha256 TEXT NOT NULL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    stored INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    started_at TEXT NOT NULL,
    finished_at TEXT
);

CREATE TABLE customers (
    customer_code TEXT PRIMARY KEY,
    customer_name TEXT,
    license_no TEXT,
    license_expiry TEXT,
    address TEXT,
    phone TEXT,
    grade INTEGER,                    -- 档位 as a number (1-30) when it is one
    grade_label TEXT,                 -- 档位 as written (codes such as A3 stay here)
    manager TEXT,
    route TEXT,
    lon REAL,
    lat REAL,
    joined_on TEXT,
    left_on TEXT,
    status TEXT,                      -- 正常 | 暂停经营 | 已退网
    settlement TEXT,                  -- 电子结算 | 现金
    business_type TEXT,               -- 业态
    import_id INTEGER REFERENCES imports(id),
    updated_at TEXT
);
CREATE INDEX customers_manager ON customers(manager);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    line_key TEXT NOT NULL UNIQUE,    -- order_id|sku_code, or date|customer|sku_code without an order id
    order_id TEXT,
    order_date TEXT NOT NULL,
    customer_code TEXT NOT NULL,
    sku_code TEXT NOT NULL,
    sku_name TEXT,
    wholesale_price REAL,
    qty REAL NOT NULL,                -- 条
    amount REAL,                      -- 元
    import_id INTEGER REFERENCES imports(id)
);
CREATE INDEX order_lines_date ON order_lines(order_date);
CREATE INDEX order_lines_customer_date ON order_lines(customer_code, order_date);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    visit_key TEXT NOT NULL UNIQUE,   -- visit_id, or date|customer|type|notes without one
    visit_id TEXT,
    visit_date TEXT NOT NULL,
    customer_code TEXT NOT NULL,
    customer_name TEXT,
    manager TEXT,
    visit_type TEXT,                  -- 常规访问 | 特殊访问
    notes TEXT,
    checked_sku TEXT,
    observed_price REAL,
    observed_price_text TEXT,         -- as written, when it did not parse as a number
    situation TEXT,                   -- special visits recorded in cmgr: the situation
    action TEXT,                      -- special visits recorded in cmgr: the action taken
    source TEXT NOT NULL DEFAULT 'import',  -- import | cmgr
    import_id INTEGER REFERENCES imports(id),
    updated_at TEXT
);
CREATE INDEX visits_customer_date ON visits(customer_code, visit_date);
CREATE INDEX visits_date ON visits(visit_date);

CREATE TABLE prices (
    sku_code TEXT PRIMARY KEY,
    sku_name TEXT,
    wholesale_price REAL,             -- 元/条
    retail_guide_price REAL,          -- 零售指导价, 元/条
    min_retail_price REAL,            -- 最低零售价, 元/条, when the list has one
    import_id INTEGER REFERENCES imports(id),
    updated_at TEXT
);
