-- 007: one visit, one record, with what the manager fills in on the sign-in sheet.
-- A visit typed in cmgr (source 'cmgr') or read from a filled sign-in / visit sheet (source
-- 'sheet') and the company export's row for the same customer, day and type are one visit:
-- the export's row is folded into the other (its key kept in export_key) and deleted.
ALTER TABLE visits ADD COLUMN export_key TEXT;       -- visit_key of the export row folded in
ALTER TABLE visits ADD COLUMN arrival_time TEXT;     -- 到达时间, HH:MM
ALTER TABLE visits ADD COLUMN duties TEXT;           -- the a-f duties ticked (seed 4.1.3), e.g. 'abcf'
ALTER TABLE visits ADD COLUMN customer_signed INTEGER;  -- 客户签名: 1 yes, 0 no, NULL not recorded
CREATE UNIQUE INDEX visits_export_key ON visits(export_key) WHERE export_key IS NOT NULL;
-- The few visits recorded in cmgr or on sheets, where the merge starts.
CREATE INDEX visits_own ON visits(customer_code, visit_date) WHERE source <> 'import';

-- Every cigarette checked on a visit: the retail price seen (元/条) and the stock counted (条).
-- The first one is also in visits.checked_sku / observed_price, where older readers look.
CREATE TABLE visit_prices (
    id INTEGER PRIMARY KEY,
    visit_key TEXT NOT NULL,
    sku TEXT NOT NULL,                -- as written (a name or a code)
    price REAL,                       -- 元/条 (元/包 converted: 1 条 = 10 包)
    price_text TEXT,                  -- as written
    stock REAL,                       -- 条 counted
    UNIQUE (visit_key, sku)
);

-- Who changed a visit and when: merged (an export row folded in), edited, deleted.
-- `detail` is JSON: the fields before and after, or the whole deleted record.
CREATE TABLE visit_events (
    id INTEGER PRIMARY KEY,
    visit_key TEXT NOT NULL,
    visit_id TEXT,
    customer_code TEXT,
    action TEXT NOT NULL,             -- merged | edited | deleted
    by TEXT,
    at TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX visit_events_key ON visit_events(visit_key, at);

-- Customer upkeep (seed 4.5): a field changed with `cmgr customer edit` overrides the roster
-- value it replaced until the roster catches up. A roster import still carrying `roster_value`
-- (the export lags behind) keeps `value` and says so; a roster with `value` settles the row;
-- a roster with a third value (the company changed it since) wins, and says so.
CREATE TABLE customer_overrides (
    customer_code TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,                       -- as set in cmgr
    roster_value TEXT,                -- what it replaced
    set_on TEXT NOT NULL,             -- the edit's date
    PRIMARY KEY (customer_code, field)
);
