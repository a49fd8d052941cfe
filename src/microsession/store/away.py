"""Time away in the middle of a session: stored on its row (migration 0006)."""

from __future__ import annotations

import sqlite3

from microsession.core.away import corrected


def note(conn: sqlite3.Connection, session_id: str, away_s: float) -> None:
    """The time away is known (not answered yet)."""
    conn.execute("UPDATE sessions SET away_s = ? WHERE id = ?", (round(away_s, 3), session_id))


def answer_running(conn: sqlite3.Connection, session_id: str, away_s: float, answer: str) -> None:
    """The answer for a session still running (its focus time is the engine's business)."""
    conn.execute("UPDATE sessions SET away_s = ?, away_answer = ? WHERE id = ?",
                 (round(away_s, 3), answer, session_id))


def answer_ended(conn: sqlite3.Connection, session_id: str, away_s: float, answer: str) -> None:
    """The answer for an ended session: focus time and outcome corrected in one statement.
    Idempotent (a retried write): an answered row is left as it is."""
    row = conn.execute("SELECT focused_s, outcome, away_answer FROM sessions WHERE id = ? AND ended_utc IS NOT NULL",
                       (session_id,)).fetchone()
    if row is None or row[2] is not None:
        return
    focused, outcome = corrected(row[0], row[1], away_s, answer)
    conn.execute("UPDATE sessions SET focused_s = ?, outcome = ?, away_s = ?, away_answer = ?"
                 " WHERE id = ? AND away_answer IS NULL", (focused, outcome, round(away_s, 3), answer, session_id))
