"""Stack runs: a row written when a run starts and completed when it ends (one statement each)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from microsession.store.sessions import LOCAL, iso

if TYPE_CHECKING:
    from microsession.core.stacks import Stack


def insert(conn: sqlite3.Connection, run_id: str, stack: Stack, started_utc: datetime) -> None:
    from microsession.core.stacks import to_json

    conn.execute(
        "INSERT OR IGNORE INTO stack_runs (id, stack_name, stack_json, started_utc) VALUES (?, ?, ?, ?)",
        (run_id, stack.name, json.dumps(to_json(stack), ensure_ascii=False), iso(started_utc)))


def complete(conn: sqlite3.Connection, run_id: str, outcome: str, ended_utc: datetime) -> None:
    conn.execute("UPDATE stack_runs SET ended_utc = ?, outcome = ? WHERE id = ? AND ended_utc IS NULL",
                 (iso(ended_utc), outcome, run_id))


def open_runs(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(run id, stack JSON text) of runs never completed (the app was killed), oldest first."""
    return [(r[0], r[1]) for r in conn.execute(
        "SELECT id, stack_json FROM stack_runs WHERE ended_utc IS NULL AND " + LOCAL + " ORDER BY started_utc")]
