-- 014: who made each write, on the tables 012 left without (issue 18). Filled with
-- Database.writer: the database user on PostgreSQL, `[user] name` (else the OS user) on
-- SQLite. Portable SQL: plain TEXT columns; rows written before this migration keep NULL.
-- The events' `by` stays the person the history names (typed with --by, or the manager);
-- recorded_by is the login that wrote the row.
ALTER TABLE plans ADD COLUMN created_by TEXT;               -- who saved the week's plan
ALTER TABLE plan_miss_reasons ADD COLUMN recorded_by TEXT;  -- who gave the reason (plan-review)
ALTER TABLE promo_lists ADD COLUMN created_by TEXT;         -- who ran promo recommend
ALTER TABLE promo_campaigns ADD COLUMN created_by TEXT;     -- who named the campaign first
ALTER TABLE promo_receipts ADD COLUMN created_by TEXT;      -- who recorded the receipt (last)
ALTER TABLE customer_events ADD COLUMN recorded_by TEXT;    -- join / leave / edit
ALTER TABLE customer_overrides ADD COLUMN set_by TEXT;      -- who set the value (customer edit)
ALTER TABLE visit_events ADD COLUMN recorded_by TEXT;
ALTER TABLE complaint_events ADD COLUMN recorded_by TEXT;
ALTER TABLE flag_events ADD COLUMN recorded_by TEXT;
