-- Trigger rules (F9): a condition and a suggested session, both JSON as core.triggers writes
-- them. The three starting rules are inserted here, disabled, once: a deleted one stays gone.
CREATE TABLE triggers (
    id              TEXT PRIMARY KEY,             -- UUID hex (the seeds: fixed ids)
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    enabled         INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    kind            TEXT NOT NULL CHECK (kind IN ('time', 'every', 'calendar', 'idle')),
    condition       TEXT NOT NULL,                -- JSON
    suggestion      TEXT NOT NULL,                -- JSON
    when_busy       TEXT NOT NULL DEFAULT 'wait' CHECK (when_busy IN ('wait', 'drop')),
    position        INTEGER NOT NULL DEFAULT 0,
    created_utc     TEXT NOT NULL,
    last_fired_utc  TEXT                          -- for one catch-up after the app was closed
);

INSERT INTO triggers (id, name, enabled, kind, condition, suggestion, when_busy, position, created_utc) VALUES
    ('c0ffee00000000000000000000000001', 'Coffee planning', 0, 'time',
     '{"kind": "time", "at": "09:00", "days": [0, 1, 2, 3, 4]}',
     '{"minutes": 5, "task_type": "admin", "task_id": null, "stack": null, "label": "planning", "pick": "energy"}',
     'wait', 1, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    ('ca1e0d00000000000000000000000002', 'After meetings', 0, 'calendar',
     '{"kind": "calendar", "path": "", "after": 2, "work_from": "08:00", "work_until": "19:00", "days": [0, 1, 2, 3, 4]}',
     '{"minutes": 10, "task_type": "communication", "task_id": null, "stack": null, "label": "", "pick": "energy"}',
     'wait', 2, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    ('bac4de5c000000000000000000000003', 'Back at the desk', 0, 'idle',
     '{"kind": "idle", "idle_minutes": 15}',
     '{"minutes": 10, "task_type": null, "task_id": null, "stack": null, "label": "", "pick": "light"}',
     'drop', 3, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));
