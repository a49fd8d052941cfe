"""The import's second floor: what reading the file and SQLite writing the same rows cost
with no check and no Python in between, in one process.

    python import_floor.py EXPORT.json HISTORY.sqlite3 NEW.sqlite3

`json.load` of the export (the first floor), then a new file with the history's schema (every
CHECK, NOT NULL, UNIQUE and foreign key as the app's), the export's tables filled by SQLite
itself with `INSERT ... SELECT` from the history file attached (the same rows the export holds),
every index and trigger made after the rows (store/bulk_insert.py can do so only with the
plain indexes and the triggers it knows; the primary keys' own indexes fill as rows arrive), one
transaction, journal in memory and no syncs while it fills, then WAL and one fsync: what an
import into an empty folder must do at least, whatever language checks and binds the rows.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys

TABLES = ("task_types", "tasks", "stacks", "stack_runs", "sessions", "session_tasks", "session_logs",
          "interruptions")  # the export's, in its order (a row after the rows it refers to)


def main(export: str, history: str, target: str) -> None:
    with open(export, "rb") as f:
        json.load(f)
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -131072")
    conn.execute("ATTACH ? AS src", (history,))
    schema = conn.execute("SELECT type, sql FROM src.sqlite_master WHERE sql IS NOT NULL"
                          " AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
    conn.execute("BEGIN")
    for kind, sql in schema:
        if kind == "table":
            conn.execute(sql)
    for name in TABLES:
        conn.execute(f"INSERT INTO main.{name} SELECT * FROM src.{name}")
    for kind, sql in schema:
        if kind in ("index", "trigger", "view"):
            conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("DETACH src")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    fd = os.open(target, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


if __name__ == "__main__":
    main(*sys.argv[1:4])
