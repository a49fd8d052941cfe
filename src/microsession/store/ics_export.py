"""Your focus sessions as a calendar (.ics): one VEVENT per ended focus session (micro and
deep work; breaks are left out), so a calendar app can show where the focus time went.

SUMMARY names the task (or the batch's type, or "Focus"), DESCRIPTION holds the type, the
energy, where you stopped and what comes next; CATEGORIES the session kind and the task
type. The UIDs are `<session id>@sessions.microsession.invalid`: stable (exporting again
updates the same events in a calendar app), and skipped by our own calendar reader, so
this file can be subscribed to in the same calendar app whose calendar feeds the
meeting-end trigger without making a reminder after every session. Made with icalendar
(imported on first use); written by store.export.write_file (atomic, like every export).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from microsession.core.export_format import SESSION_UID_DOMAIN

PRODID = "-//Micro-Session//focus sessions//EN"
CALENDAR_NAME = "Micro-Session focus"
KIND_NAMES = {"micro": "micro-session", "deep": "deep work"}

_QUERY = """
SELECT s.id, s.kind, s.started_utc, s.ended_utc, s.focused_s, s.outcome, s.batch_type,
       t.title, coalesce(t.task_type, s.batch_type),
       (SELECT count(*) FROM session_tasks st WHERE st.session_id = s.id),
       l.stopped_at, l.next_step, l.energy, l.finished, l.interrupted, r.stack_name, s.stack_position
FROM sessions s
LEFT JOIN tasks t ON t.id = s.task_id
LEFT JOIN stack_runs r ON r.id = s.stack_run_id
LEFT JOIN session_logs l ON l.id = (SELECT id FROM session_logs WHERE session_id = s.id
                                    ORDER BY written_utc DESC, id DESC LIMIT 1)
WHERE s.kind != 'break' AND s.ended_utc IS NOT NULL AND (? IS NULL OR s.started_utc >= ?)
ORDER BY s.started_utc, s.id
"""


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def session_rows(conn: sqlite3.Connection, since_utc: str | None = None) -> list[tuple]:
    return conn.execute(_QUERY, (since_utc, since_utc)).fetchall()


def _event(row: tuple, stamp: datetime):
    import icalendar

    (sid, kind, started, ended, focused, outcome, batch_type, title, task_type, batch_n,
     stopped_at, next_step, energy, finished, interrupted, stack, position) = row
    begin, end = _utc(started), _utc(ended)
    if end <= begin:  # a clock set back: still a valid, short event
        end = begin + timedelta(seconds=max(1, int(focused or 0)) or 60)
    count = f" · {batch_n} task" + ("s" if batch_n > 1 else "") if batch_n else ""
    what = title or (f"Batch: {batch_type.replace('-', ' ')}{count}" if batch_type else "") or \
        (f"{stack} · step {(position or 0) + 1}" if stack else "Focus")
    kind_name = KIND_NAMES.get(kind, kind)
    lines = [f"{kind_name.capitalize()}, {round((focused or 0) / 60)} min focused ({outcome})"]
    if task_type:
        lines.append(f"Type: {task_type.replace('-', ' ')}")
    if energy:
        lines.append(f"Energy after: {energy}/5")
    if stopped_at:
        lines.append(f"Stopped at: {stopped_at}")
    if next_step:
        lines.append(f"Next: {next_step}")
    if finished:
        lines.append("Task finished")
    if interrupted:
        lines.append("Interrupted")
    ev = icalendar.Event()
    ev.add("UID", f"{sid}@{SESSION_UID_DOMAIN}")
    ev.add("DTSTAMP", stamp)
    ev.add("DTSTART", begin)
    ev.add("DTEND", end)
    ev.add("SUMMARY", f"{what} ({kind_name})")
    ev.add("DESCRIPTION", "\n".join(lines))
    ev.add("CATEGORIES", [c for c in ("Micro-Session", kind_name, task_type) if c])
    ev.add("TRANSP", "TRANSPARENT")  # focus time shown, never counted as busy by a scheduler
    ev.add("X-MICROSESSION-SESSION", sid)
    return ev


def calendar_bytes(rows: list[tuple], stamp: datetime | None = None) -> bytes:
    """The .ics text of these sessions (deterministic for a given stamp)."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("X-WR-CALNAME", CALENDAR_NAME)
    stamp = stamp or datetime(2000, 1, 1, tzinfo=timezone.utc)
    for row in rows:
        cal.add_component(_event(row, stamp))
    return cal.to_ical()
