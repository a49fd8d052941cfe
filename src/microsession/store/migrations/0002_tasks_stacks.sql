-- Tasks and their types, batch sessions, stacks and stack runs, interruptions.
-- Only new tables and added columns: every row of 0001 stays as it was.

CREATE TABLE task_types (
    slug      TEXT PRIMARY KEY CHECK (length(slug) BETWEEN 1 AND 40),
    label     TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 40),
    builtin   INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    position  INTEGER NOT NULL DEFAULT 0      -- display order; built-ins first
);
INSERT INTO task_types (slug, label, builtin, position) VALUES
    ('communication',     'communication',       1, 1),
    ('brainstorming',     'brainstorming',       1, 2),
    ('reviewing-editing', 'reviewing & editing', 1, 3),
    ('learning-practice', 'learning & practice', 1, 4),
    ('admin',             'admin',               1, 5),
    ('creative',          'creative',            1, 6),
    ('research',          'research',            1, 7),
    ('social-media',      'social media',        1, 8);

-- Soft delete: deleted_utc is set, the row stays, so sessions.task_id keeps pointing at it.
CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,            -- UUID hex
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    task_type     TEXT NOT NULL REFERENCES task_types (slug),
    minutes       INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 120),
    project       TEXT,
    aspect        TEXT CHECK (aspect IS NULL OR project IS NOT NULL),
    done          INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    created_utc   TEXT NOT NULL,               -- ISO 8601, UTC
    finished_utc  TEXT,                        -- set exactly when done
    deleted_utc   TEXT,                        -- NULL = not deleted
    CHECK ((done = 1) = (finished_utc IS NOT NULL))
);
CREATE INDEX tasks_live ON tasks (done, task_type) WHERE deleted_utc IS NULL;
CREATE INDEX tasks_project ON tasks (project, aspect) WHERE project IS NOT NULL;

-- A batch session covers several tasks; a single-task session uses sessions.task_id.
CREATE TABLE session_tasks (
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    task_id     TEXT NOT NULL REFERENCES tasks (id),
    PRIMARY KEY (session_id, task_id)
) WITHOUT ROWID;
CREATE INDEX session_tasks_task ON session_tasks (task_id);

-- User stacks and shipped templates; the steps are core.stacks' JSON, stored as given.
CREATE TABLE stacks (
    name      TEXT PRIMARY KEY CHECK (length(name) >= 1),
    json      TEXT NOT NULL,
    position  INTEGER NOT NULL DEFAULT 0,
    builtin   INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1))
);

-- One row per run of a stack, written at its start, completed at its end.
CREATE TABLE stack_runs (
    id           TEXT PRIMARY KEY,             -- UUID hex
    stack_name   TEXT NOT NULL,
    stack_json   TEXT NOT NULL,                -- the steps as they were when the run started
    started_utc  TEXT NOT NULL,
    ended_utc    TEXT,                         -- NULL while running
    outcome      TEXT CHECK (outcome IN ('completed', 'stopped', 'recovered')),
    CHECK ((ended_utc IS NULL) = (outcome IS NULL))
);
CREATE INDEX stack_runs_started ON stack_runs (started_utc);

-- Every step of a stack run (focus or break) is a session with the run's id and its position:
-- the 0-based index of the step in stack_runs.stack_json.
ALTER TABLE sessions ADD COLUMN stack_run_id TEXT REFERENCES stack_runs (id);
ALTER TABLE sessions ADD COLUMN stack_position INTEGER CHECK (stack_position >= 0);
-- The task type of a batch session (its tasks are in session_tasks).
ALTER TABLE sessions ADD COLUMN batch_type TEXT REFERENCES task_types (slug);
CREATE INDEX sessions_task ON sessions (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX sessions_stack_run ON sessions (stack_run_id, stack_position) WHERE stack_run_id IS NOT NULL;

-- "Interrupted" pressed during a session (pauses are in sessions.paused_s).
CREATE TABLE interruptions (
    id          TEXT PRIMARY KEY,              -- UUID hex
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    at_utc      TEXT NOT NULL
);
CREATE INDEX interruptions_session ON interruptions (session_id);
