"""Whether any trigger rule is enabled: the one query the app runs at start-up for triggers,
kept apart from store.triggers so that start-up imports nothing else of them."""

from __future__ import annotations

import sqlite3


def any_enabled(conn: sqlite3.Connection) -> bool:
    """False also when the table cannot be read (a damaged page, an older file read-only)."""
    try:
        return conn.execute("SELECT 1 FROM triggers WHERE enabled = 1 LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return False
