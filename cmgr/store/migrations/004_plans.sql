-- 004: saved visit plans (cmgr plan-week) and the reasons for planned visits that did not
-- happen (cmgr plan-review --reason). One saved plan per manager and ISO week: writing the
-- week's plan again replaces it; the miss reasons are kept apart so a replaced plan keeps them.

CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    manager TEXT NOT NULL,
    week TEXT NOT NULL,               -- ISO week, e.g. 2026-W49
    week_start TEXT NOT NULL,         -- its Monday
    week_end TEXT NOT NULL,           -- its Sunday
    workdays TEXT NOT NULL,           -- working days, comma-separated ISO dates
    visits_per_day INTEGER NOT NULL,
    visits INTEGER NOT NULL,
    pushed INTEGER NOT NULL,
    km REAL,                          -- straight-line km of the week's tours
    created_at TEXT NOT NULL,
    UNIQUE (manager, week)
);

CREATE TABLE plan_visits (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    visit_date TEXT NOT NULL,
    seq INTEGER NOT NULL,
    customer_code TEXT NOT NULL,
    customer_name TEXT,
    route TEXT,
    grade TEXT,
    kind TEXT NOT NULL,               -- routine | special
    due INTEGER NOT NULL,             -- 1 due (or special), 0 pulled forward by --fill
    reasons TEXT,                     -- the 访问事由, joined with '；'
    last_visit TEXT,
    next_due TEXT,
    km_from_previous REAL
);
CREATE INDEX plan_visits_plan ON plan_visits(plan_id, visit_date, seq);
CREATE INDEX plan_visits_customer ON plan_visits(customer_code);

CREATE TABLE plan_pushed (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    customer_code TEXT NOT NULL,
    customer_name TEXT,
    reason TEXT NOT NULL,
    next_due TEXT
);
CREATE INDEX plan_pushed_plan ON plan_pushed(plan_id);

CREATE TABLE plan_miss_reasons (
    id INTEGER PRIMARY KEY,
    manager TEXT NOT NULL,
    week TEXT NOT NULL,
    customer_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (manager, week, customer_code)
);
