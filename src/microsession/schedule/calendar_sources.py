"""The CalendarSource of a calendar rule: its .ics file, or the local copy of a subscription
address or a CalDAV account, kept current by a fetch that runs off the UI thread."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from microsession.core.triggers import AfterEvents
from microsession.schedule.calendar import CalendarSource


def data_folder(conn: sqlite3.Connection | None) -> Path:
    """The folder of the database file (where the local copies go); a temporary one for an
    in-memory database."""
    if conn is not None:
        for row in conn.execute("PRAGMA database_list").fetchall():
            if row[1] == "main" and row[2]:
                return Path(row[2]).parent
    return Path(tempfile.gettempdir()) / "microsession-calendars"


def source_key(cond: AfterEvents) -> str:
    return cond.path if cond.source != "caldav" else f"{cond.user}@{cond.path}"


def source_for(cond: AfterEvents, folder: Path, timeout: float | None = None, *, password: str | None = None,
               use_copy: bool = False) -> CalendarSource:
    """With `use_copy`, a network calendar's local copy is read as it is when there is one
    (no fetch: a rebuild or an edit, between two refreshes); `password` is a CalDAV password
    already taken from the keyring (the child process has no access to the parent's)."""
    if cond.source == "file":
        return CalendarSource(cond.path)
    from microsession.schedule import ics_fetch

    copy = ics_fetch.cache_path(folder, cond.source + ":" + source_key(cond))
    if use_copy and copy.exists():
        return CalendarSource(str(copy))
    wait = ics_fetch.TIMEOUT_S if timeout is None else timeout
    if cond.source == "url":
        return CalendarSource(str(copy), lambda: ics_fetch.fetch(cond.path, copy, wait))
    from microsession.schedule import caldav_source

    return CalendarSource(str(copy), lambda: caldav_source.fetch(cond.path, cond.user, copy, wait, password=password))
