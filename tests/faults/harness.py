"""Helpers shared by the fault tests: the app with extra environment, the tray menu, the
popup, and checks on the SQLite file made from outside the app."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path


DB_NAME = "microsession.sqlite3"


def db_path(data: Path) -> Path:
    return Path(data) / DB_NAME


def read_db(data: Path, read_only: bool = True) -> sqlite3.Connection:
    """A connection for checks. Read-only by default, so that closing it does not checkpoint
    and delete the WAL a killed app left behind: the next app start must cope with it."""
    path = db_path(data)
    if read_only:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    else:
        conn = sqlite3.connect(path, timeout=5)
    conn.row_factory = sqlite3.Row
    return conn


def db_problems(data: Path) -> list[str]:
    """What is wrong with the file as a whole: integrity, CHECK-like invariants, orphan logs."""
    problems = []
    with contextlib.closing(read_db(data)) as conn:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            problems.append(f"integrity_check: {integrity}")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"foreign_key_check: {[tuple(r) for r in fk]}")
        for row in conn.execute(
                "SELECT id, ended_utc, outcome, focused_s FROM sessions"
                " WHERE (ended_utc IS NULL) != (outcome IS NULL)"
                " OR (ended_utc IS NULL) != (focused_s IS NULL)"):
            problems.append(f"half-written row: {dict(row)}")
        open_rows = conn.execute("SELECT id FROM sessions WHERE ended_utc IS NULL").fetchall()
        if len(open_rows) > 1:
            problems.append(f"more than one open session: {[r[0] for r in open_rows]}")
    return problems
