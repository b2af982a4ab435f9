-- 013: a team on one database (issue 18). Portable SQL, applied on both backends so the
-- numbered migrations give one schema everywhere (a database copied from SQLite to
-- PostgreSQL has the same tables); SQLite does not use team_members (the application checks
-- the configured [user] there), PostgreSQL's row-level security reads it (cmgr db init-team).
CREATE TABLE team_members (
    login TEXT PRIMARY KEY,           -- the database login role
    role TEXT NOT NULL,               -- manager | area_manager
    manager TEXT,                     -- a manager's name as in the roster's 客户经理 column
    area TEXT,                        -- 片区: the manager's, or the area manager's (NULL: the whole team)
    added_at TEXT NOT NULL
);
ALTER TABLE imports ADD COLUMN created_by TEXT;  -- who imported the file
