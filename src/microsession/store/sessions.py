"""Session rows: inserted at start, updated on pause/resume/extend, completed at the end.

Every write is one statement (or, for a batch session's start, one transaction): a kill at
any moment leaves either the old row or the new one, never half of it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from microsession.core.clock import local_offset_s
from microsession.core.events import Ended, Kind, SessionInfo, Tags


# Rows of this computer (another's open session is running there, not a crash here).
LOCAL = "(device IS NULL OR device = (SELECT device_id FROM sync_state))"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def insert(conn: sqlite3.Connection, info: SessionInfo) -> None:
    """The row of a session that starts; a batch session's task links in the same transaction."""
    t = info.tags
    row = (info.id, info.kind.value, info.planned_s, iso(info.started_utc),
           local_offset_s(info.started_utc), info.paused_s,
           iso(info.paused_at_utc) if info.paused_at_utc else None, info.task_id,
           t.stack_run_id, t.stack_position, t.batch_type)
    sql = ("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, paused_s,"
           " paused_at_utc, task_id, stack_run_id, stack_position, batch_type)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    if not t.batch_task_ids:
        conn.execute(sql, row)
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(sql, row)
        conn.executemany("INSERT OR IGNORE INTO session_tasks (session_id, task_id) VALUES (?, ?)",
                         [(info.id, task_id) for task_id in t.batch_task_ids])
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def update_running(conn: sqlite3.Connection, info: SessionInfo) -> None:
    """Store a pause, a resume or an extension of an open session."""
    conn.execute(
        "UPDATE sessions SET planned_s = ?, paused_s = ?, paused_at_utc = ?"
        " WHERE id = ? AND ended_utc IS NULL",
        (info.planned_s, info.paused_s, iso(info.paused_at_utc) if info.paused_at_utc else None, info.id),
    )


def complete(conn: sqlite3.Connection, ended: Ended) -> None:
    """Close the row; inserts it first if its start was never written (e.g. disk was full)."""
    info = ended.session
    conn.execute(
        "INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, paused_s, task_id,"
        " ended_utc, ended_offset, focused_s, outcome, stack_run_id, stack_position, batch_type)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET planned_s = excluded.planned_s, paused_s = excluded.paused_s,"
        " paused_at_utc = NULL, ended_utc = excluded.ended_utc, ended_offset = excluded.ended_offset,"
        " focused_s = excluded.focused_s, outcome = excluded.outcome",
        (info.id, info.kind.value, info.planned_s, iso(info.started_utc),
         local_offset_s(info.started_utc), info.paused_s, info.task_id,
         iso(ended.ended_utc), local_offset_s(ended.ended_utc), round(ended.focused_s, 3),
         ended.outcome.value, info.tags.stack_run_id, info.tags.stack_position, info.tags.batch_type),
    )


def open_sessions(conn: sqlite3.Connection) -> list[SessionInfo]:
    """This computer's sessions started but never completed (the app was killed), oldest first."""
    rows = conn.execute(
        "SELECT * FROM sessions WHERE ended_utc IS NULL AND " + LOCAL + " ORDER BY started_utc"
    ).fetchall()
    return [
        SessionInfo(r["id"], Kind(r["kind"]), r["planned_s"], parse(r["started_utc"]), r["task_id"],
                    r["paused_s"], parse(r["paused_at_utc"]),
                    Tags(r["stack_run_id"], r["stack_position"], r["batch_type"], _batch_ids(conn, r["id"])))
        for r in rows
    ]


def recent(conn: sqlite3.Connection, limit: int) -> list[dict]:
    """The last `limit` focus sessions, newest first, each with its log (or None)."""
    rows = conn.execute(
        "SELECT s.*, l.stopped_at, l.next_step, l.energy, l.finished, l.interrupted, l.id AS log_id"
        " FROM sessions s LEFT JOIN session_logs l ON l.id = ("
        "   SELECT id FROM session_logs WHERE session_id = s.id ORDER BY written_utc DESC LIMIT 1)"
        " WHERE s.kind != 'break' ORDER BY s.started_utc DESC LIMIT ?",
        (limit,),
    ).fetchall()
    out = []
    for r in rows:
        log = None
        if r["log_id"] is not None:
            log = {"stopped_at": r["stopped_at"], "next_step": r["next_step"], "energy": r["energy"],
                   "finished": bool(r["finished"]), "interrupted": bool(r["interrupted"])}
        out.append({
            "id": r["id"], "kind": r["kind"], "planned_s": r["planned_s"],
            "started_utc": r["started_utc"], "started_offset": r["started_offset"],
            "ended_utc": r["ended_utc"], "focused_s": r["focused_s"], "paused_s": r["paused_s"],
            "outcome": r["outcome"], "task_id": r["task_id"], "log": log,
        })
    return out


def _batch_ids(conn: sqlite3.Connection, session_id: str) -> tuple[str, ...]:
    rows = conn.execute("SELECT task_id FROM session_tasks WHERE session_id = ? ORDER BY task_id",
                        (session_id,)).fetchall()
    return tuple(r[0] for r in rows)
