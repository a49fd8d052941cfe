"""Settings as JSON values in the settings table."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def load(conn: sqlite3.Connection) -> dict[str, Any]:
    values = {}
    for key, text in conn.execute("SELECT key, value FROM settings"):
        try:
            values[key] = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
            values[key] = text  # reported as a bad value by core.settings
    return values


def save(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value)),
    )
