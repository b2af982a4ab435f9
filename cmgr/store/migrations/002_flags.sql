-- 002: price violations (价格违规) and unlicensed sales (无证经营) found in visits and the roster,
-- each carried from 'new' through 'reported' to 'closed' (or 'dismissed' as a false alarm).
-- Portable SQL; dates 'YYYY-MM-DD', timestamps 'YYYY-MM-DDTHH:MM:SS' local time.

-- One row per finding. flag_key makes a re-run idempotent:
--   note / observed_price: '<source>|<visit_key>|<kind>|<subkind>'
--   roster:                'roster|<customer_code>|<kind>|<subkind>|<license_expiry>'
CREATE TABLE flags (
    id INTEGER PRIMARY KEY,
    flag_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,               -- unlicensed | price
    subkind TEXT,            -- e.g. expired, tip_other_outlet, above_guide, unmarked_tags
    source TEXT,             -- note | observed_price | roster
    visit_key TEXT,                   -- visits.visit_key (NULL for a roster flag found in orders)
    visit_id TEXT,                    -- the visit's id as the export wrote it
    visit_date TEXT,                  -- the visit (or, for the roster, first order/visit) date
    customer_code TEXT,
    manager TEXT,
    matched TEXT,                     -- the phrase in the note, or what the check saw
    rule TEXT,                        -- the rule that fired
    note TEXT,                        -- the note as it was when the flag was found
    observed_price REAL,              -- 元/条
    reference_price REAL,             -- the guide price (above) or the minimum price (below)
    deviation REAL,                   -- observed - reference, 元/条
    deviation_pct REAL,               -- percent of the reference
    status TEXT NOT NULL DEFAULT 'new',  -- new | reported | closed | dismissed
    created_at TEXT,
    updated_at TEXT
);
CREATE INDEX flags_visit_key ON flags(visit_key);
CREATE INDEX flags_date ON flags(visit_date);
CREATE INDEX flags_customer ON flags(customer_code);
CREATE INDEX flags_status ON flags(status, visit_date);

-- Who did what to a flag, and when: report, close, dismiss, note_edited.
CREATE TABLE flag_events (
    id INTEGER PRIMARY KEY,
    flag_id INTEGER NOT NULL REFERENCES flags(id),
    action TEXT NOT NULL,
    by TEXT,
    at TEXT NOT NULL,
    text TEXT                         -- the result, the reason, or what was passed on
);
CREATE INDEX flag_events_flag ON flag_events(flag_id, at);

-- Which visits the flag rules have read, and when: a visit changed since (visits.updated_at
-- at or after scanned_at) is read again.
CREATE TABLE flag_scans (
    visit_key TEXT PRIMARY KEY,
    scanned_at TEXT NOT NULL
);
