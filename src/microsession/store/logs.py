"""Rows of the end-of-session log."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from microsession.core.ids import new_id
from microsession.core.logbook import SessionLog
from microsession.store.sessions import iso


def add(conn: sqlite3.Connection, session_id: str, log: SessionLog, written_utc: datetime,
        log_id: str | None = None) -> str:
    log_id = log_id or new_id()
    conn.execute(
        "INSERT OR IGNORE INTO session_logs (id, session_id, written_utc, stopped_at, next_step,"
        " energy, finished, interrupted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (log_id, session_id, iso(written_utc), log.stopped_at, log.next_step, log.energy,
         int(log.finished), int(log.interrupted)),
    )
    return log_id
