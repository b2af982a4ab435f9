-- 012: who made each write (issue 18). The configured [user] name, else the OS user (later the
-- database user on PostgreSQL). Portable SQL: plain TEXT columns added to existing tables.
-- Rows written before this migration, and rows an import wrote (the company export), keep NULL.
ALTER TABLE visits ADD COLUMN created_by TEXT;       -- who recorded the visit in cmgr
ALTER TABLE visits ADD COLUMN changed_by TEXT;       -- who last changed it (visit edit)
ALTER TABLE complaints ADD COLUMN changed_by TEXT;   -- who took the last step (created_by exists)
ALTER TABLE flags ADD COLUMN changed_by TEXT;        -- who last reviewed or decided it
ALTER TABLE flag_decisions ADD COLUMN recorded_by TEXT;  -- who entered the decision in cmgr
