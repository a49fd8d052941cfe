-- Sessions and breaks. A row is inserted when a session starts and completed when it ends.
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,          -- UUID hex
    kind            TEXT NOT NULL CHECK (kind IN ('micro', 'deep', 'break')),
    planned_s       REAL NOT NULL CHECK (planned_s > 0),
    started_utc     TEXT NOT NULL,             -- ISO 8601, UTC
    started_offset  INTEGER NOT NULL,          -- local UTC offset at start, seconds
    ended_utc       TEXT,                      -- NULL while running
    ended_offset    INTEGER,
    focused_s       REAL,                      -- clock time run, pauses excluded
    paused_s        REAL NOT NULL DEFAULT 0,
    paused_at_utc   TEXT,                      -- set while paused
    outcome         TEXT CHECK (outcome IN ('completed', 'stopped', 'recovered')),
    task_id         TEXT,                      -- for tasks (later)
    CHECK ((ended_utc IS NULL) = (outcome IS NULL))
);
CREATE INDEX sessions_started ON sessions (started_utc);
CREATE INDEX sessions_open ON sessions (id) WHERE ended_utc IS NULL;

-- The end-of-session popup's answers.
CREATE TABLE session_logs (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES sessions (id),
    written_utc  TEXT NOT NULL,
    stopped_at   TEXT NOT NULL DEFAULT '',
    next_step    TEXT NOT NULL DEFAULT '',
    energy       INTEGER CHECK (energy BETWEEN 1 AND 5),
    finished     INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
    interrupted  INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1))
);
CREATE INDEX session_logs_session ON session_logs (session_id);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL                       -- JSON
);
