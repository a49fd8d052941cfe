-- Summary rows for `stats --all` (issue 11): ten years answered from ~7,000 rows instead of
-- 150,000 sessions with their latest logs. Time is cut into blocks of 16 local days (block =
-- floor(local day / 16); local day = floor((unixepoch(started_utc) + started_offset) / 86400),
-- as SessionRow.day). A block's rows hold its sums by one dimension at a time: by length
-- bucket ('break' for breaks taken), by start hour (ratings), by task type (sessions), and its
-- days with a focus session. store/summary.py computes them with core.metrics' rules.
-- (Measured: one row per day, hour, bucket and type made 124,000 rows, and summing them took
-- 120 ms; these blocks take a few.)
--
-- (The marks are plain INSERTs guarded by NOT IN: an INSERT OR IGNORE inside a trigger takes
-- the conflict rule of the outer statement, and the app's UPSERT of a session's end then fails.)
--
-- Exact under every write path because SQLite keeps the bookkeeping: the triggers below mark
-- the block of any write to a session row, a log, an interruption or a task's type as dirty,
-- in the writer's own transaction, whoever the writer is (the app, recovery, import, sync, a
-- hand edit in the sqlite3 shell). A dirty block's rows are not trusted: readers compute it
-- from its sessions (16 days: a few ms); writers that may (the upgrade, import, the daily
-- backup process) recompute it and clear the mark.
CREATE TABLE block_summary (
    block        INTEGER NOT NULL,     -- floor(local days since 1970-01-01 / 16)
    dim          TEXT NOT NULL CHECK (dim IN ('bucket', 'hour', 'type', 'days')),
    key          TEXT NOT NULL,        -- the bucket, hour or type; for 'days': the first day
    completed    INTEGER NOT NULL,
    counted      INTEGER NOT NULL,     -- for 'days': days with a counted focus session
    focused_s    REAL NOT NULL,
    interrupted  INTEGER NOT NULL,
    rated        INTEGER NOT NULL,
    energy_sum   INTEGER NOT NULL,
    breaks       INTEGER NOT NULL,
    PRIMARY KEY (block, dim, key)
) WITHOUT ROWID;

CREATE TABLE summary_dirty (block INTEGER PRIMARY KEY);

-- Holds a row only inside a bulk writer's transaction (import: store/summary.py bulk_writes),
-- which then marks the blocks itself in one statement: the triggers would cost it ~1.3 s for
-- ten years of rows. Never committed with a row in it.
CREATE TABLE summary_bulk (one INTEGER PRIMARY KEY CHECK (one = 1));

-- Tasks finished since a day (the weekly review, `stats --week`): without it SQLite takes
-- tasks_live (done = ?) and visits every finished task of ten years (8.3 ms -> 0.3 ms).
CREATE INDEX tasks_finished ON tasks (done, finished_utc) WHERE deleted_utc IS NULL;

-- Every block with a session is dirty at first: the upgrade fills the summaries right after.
INSERT OR IGNORE INTO summary_dirty (block)
    SELECT DISTINCT (ls - (ls % 1382400 + 1382400) % 1382400) / 1382400
    FROM (SELECT CAST(strftime('%s', started_utc) AS INTEGER) + started_offset AS ls FROM sessions)
    WHERE ls IS NOT NULL;

-- The block of each session row (NULL-free), for the triggers of logs, interruptions and tasks.
CREATE VIEW session_blocks AS
    SELECT id, task_id, (ls - (ls % 1382400 + 1382400) % 1382400) / 1382400 AS block
    FROM (SELECT id, task_id, CAST(strftime('%s', started_utc) AS INTEGER) + started_offset AS ls FROM sessions)
    WHERE ls IS NOT NULL;

CREATE TRIGGER summary_session_insert AFTER INSERT ON sessions
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT b FROM (SELECT (ls - (ls % 1382400 + 1382400) % 1382400) / 1382400 AS b
        FROM (SELECT CAST(strftime('%s', NEW.started_utc) AS INTEGER) + NEW.started_offset AS ls) WHERE ls IS NOT NULL)
        WHERE b NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_session_update AFTER UPDATE OF kind, planned_s, started_utc, started_offset, ended_utc, focused_s, outcome, task_id, batch_type ON sessions
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT b FROM (SELECT (ls - (ls % 1382400 + 1382400) % 1382400) / 1382400 AS b
        FROM (SELECT CAST(strftime('%s', OLD.started_utc) AS INTEGER) + OLD.started_offset AS ls) WHERE ls IS NOT NULL)
        WHERE b NOT IN (SELECT block FROM summary_dirty);
    INSERT INTO summary_dirty (block) SELECT b FROM (SELECT (ls - (ls % 1382400 + 1382400) % 1382400) / 1382400 AS b
        FROM (SELECT CAST(strftime('%s', NEW.started_utc) AS INTEGER) + NEW.started_offset AS ls) WHERE ls IS NOT NULL)
        WHERE b NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_session_delete AFTER DELETE ON sessions
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT b FROM (SELECT (ls - (ls % 1382400 + 1382400) % 1382400) / 1382400 AS b
        FROM (SELECT CAST(strftime('%s', OLD.started_utc) AS INTEGER) + OLD.started_offset AS ls) WHERE ls IS NOT NULL)
        WHERE b NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_log_insert AFTER INSERT ON session_logs
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE id = NEW.session_id AND block NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_log_update AFTER UPDATE ON session_logs
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE id = OLD.session_id AND block NOT IN (SELECT block FROM summary_dirty);
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE id = NEW.session_id AND block NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_log_delete AFTER DELETE ON session_logs
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE id = OLD.session_id AND block NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_interruption_insert AFTER INSERT ON interruptions
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE id = NEW.session_id AND block NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_interruption_update AFTER UPDATE ON interruptions
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE id = OLD.session_id AND block NOT IN (SELECT block FROM summary_dirty);
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE id = NEW.session_id AND block NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_interruption_delete AFTER DELETE ON interruptions
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE id = OLD.session_id AND block NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_task_insert AFTER INSERT ON tasks
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE task_id = NEW.id AND block NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_task_update AFTER UPDATE OF id, task_type ON tasks
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE task_id = OLD.id AND block NOT IN (SELECT block FROM summary_dirty);
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE task_id = NEW.id AND block NOT IN (SELECT block FROM summary_dirty);
END;

CREATE TRIGGER summary_task_delete AFTER DELETE ON tasks
    WHEN NOT EXISTS (SELECT 1 FROM summary_bulk) BEGIN
    INSERT INTO summary_dirty (block) SELECT DISTINCT block FROM session_blocks
        WHERE task_id = OLD.id AND block NOT IN (SELECT block FROM summary_dirty);
END;
