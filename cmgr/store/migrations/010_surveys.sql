-- 010: the service centre's satisfaction survey results (cmgr import survey), one row per
-- customer, item and round. score is 0-100: the file's score, or its level (满意, 一般...)
-- turned into one (cmgr.domain.SURVEY_LEVELS); level keeps the word as written.
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    survey_key TEXT NOT NULL UNIQUE,  -- round (or date)|customer|item
    survey_round TEXT,                -- 调查轮次 as written, e.g. 2026年第二季度
    survey_date TEXT,                 -- 调查日期, ISO
    customer_code TEXT NOT NULL,
    customer_name TEXT,
    survey_item TEXT NOT NULL,        -- 调查项目: 服务态度, 送货及时性, 商品质量...
    score REAL,
    level TEXT,
    import_id INTEGER REFERENCES imports(id),
    updated_at TEXT
);
CREATE INDEX surveys_customer ON surveys(customer_code);
CREATE INDEX surveys_round ON surveys(survey_round, survey_date);
