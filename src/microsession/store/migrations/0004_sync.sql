-- Sync through a shared folder (issue 13): the device's id, its clock and sequence, which rows
-- changed since the last export (filled by triggers while sync is on), the winning
-- stamp of every row, the other devices seen and the files read. Settings are never synced.

CREATE TABLE sync_state (
    one          INTEGER PRIMARY KEY CHECK (one = 1),
    device_id    TEXT NOT NULL CHECK (length(device_id) = 32),
    capture      INTEGER NOT NULL DEFAULT 0 CHECK (capture IN (0, 1)),   -- 1 once a sync folder is used
    applying     INTEGER NOT NULL DEFAULT 0 CHECK (applying IN (0, 1)),  -- 1 only inside an import
    seq          INTEGER NOT NULL DEFAULT 0,          -- the last sequence number written
    hlc_ms       INTEGER NOT NULL DEFAULT 0,          -- the hybrid logical clock
    hlc_counter  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (one, device_id) VALUES (1, lower(hex(randomblob(16))));

CREATE TABLE sync_dirty (
    tbl      TEXT NOT NULL,
    key      TEXT NOT NULL,
    wall_ms  INTEGER NOT NULL,                        -- when it last changed here
    PRIMARY KEY (tbl, key)
) WITHOUT ROWID;

CREATE TABLE sync_rows (
    tbl    TEXT NOT NULL,
    key    TEXT NOT NULL,
    stamp  TEXT NOT NULL,                             -- core.sync_merge.Stamp.text() of the version held
    PRIMARY KEY (tbl, key)
) WITHOUT ROWID;

CREATE TABLE sync_peers (
    device      TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    last_seq    INTEGER NOT NULL DEFAULT 0,
    last_stamp  TEXT NOT NULL DEFAULT '',
    changes     INTEGER NOT NULL DEFAULT 0,
    seen_utc    TEXT
);

CREATE TABLE sync_files (
    path      TEXT PRIMARY KEY,                       -- relative to the sync folder
    size      INTEGER NOT NULL,
    mtime_ns  INTEGER NOT NULL,
    done      INTEGER NOT NULL DEFAULT 0,             -- bytes read and applied
    problem   TEXT                                    -- set aside: why, in one sentence
) WITHOUT ROWID;

-- The computer a session (a stack run) ran on: the review and stats show all, `--device` one;
-- at start-up only this computer's open sessions and runs are recovered.
ALTER TABLE sessions ADD COLUMN device TEXT;
UPDATE sessions SET device = (SELECT device_id FROM sync_state);
CREATE INDEX sessions_device ON sessions (device, started_utc);
ALTER TABLE stack_runs ADD COLUMN device TEXT;
UPDATE stack_runs SET device = (SELECT device_id FROM sync_state);
CREATE TRIGGER sync_sessions_device AFTER INSERT ON sessions
WHEN NEW.device IS NULL AND (SELECT applying FROM sync_state) = 0
BEGIN
    UPDATE sessions SET device = (SELECT device_id FROM sync_state) WHERE id = NEW.id;
END;
CREATE TRIGGER sync_stack_runs_device AFTER INSERT ON stack_runs
WHEN NEW.device IS NULL AND (SELECT applying FROM sync_state) = 0
BEGIN
    UPDATE stack_runs SET device = (SELECT device_id FROM sync_state) WHERE id = NEW.id;
END;

-- The triggers that fill sync_dirty are made by store.sync_journal.enable() from its table list,
-- once a sync folder is used: nothing is tracked, and nothing costs, for those who never sync.
