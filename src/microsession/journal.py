"""Writes what the engine reports into the store, and never loses a write.

A write that fails (disk full, folder read-only, database locked) is kept in order and
retried on the next write or `retry()`; the caller is told once through `on_problem` and
once more through `on_recovered` when everything has landed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime

from microsession.core.events import Ended, Event, Started
from microsession.core.ids import new_id
from microsession.core.logbook import SessionLog
from microsession.store import logs, sessions

Write = Callable[[sqlite3.Connection], None]


class Journal:
    def __init__(self, conn: sqlite3.Connection | None,
                 on_problem: Callable[[str], None] = lambda message: None,
                 on_recovered: Callable[[], None] = lambda: None,
                 reopen: Callable[[], sqlite3.Connection] | None = None,
                 told: bool = False) -> None:
        """`reopen` opens the store again (when it could not be opened, or the connection
        turned out read-only); `told`: the user already knows writes cannot land."""
        self.conn = conn
        self._pending: list[Write] = []
        self._on_problem, self._on_recovered = on_problem, on_recovered
        self._reopen = reopen
        self._told = told

    @property
    def pending(self) -> int:
        return len(self._pending)

    def record(self, events: Iterable[Event]) -> None:
        for event in events:
            self._write(_write_for(event))

    def write(self, write: Write) -> None:
        """Any other write (stack runs, interruptions, ticked tasks), kept in order with the rest.
        It must be idempotent: a retry after a failure may run it again."""
        self._write(write)

    def add_log(self, session_id: str, log: SessionLog, written_utc: datetime) -> None:
        log_id = new_id()  # fixed now, so a retried write cannot make two rows
        self._write(lambda c: logs.add(c, session_id, log, written_utc, log_id))

    def retry(self) -> bool:
        """Try the writes that failed; True when nothing is pending any more."""
        if not self._pending:
            return True
        if self.conn is None:
            if self._reopen is None:
                return False
            try:
                self.conn = self._reopen()
            except Exception:  # still read-only, full, missing...: next time
                return False
        while self._pending:
            try:
                self._pending[0](self.conn)
            except sqlite3.Error as exc:
                if self._reopen is not None and (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF in (8, 14):
                    self.conn.close()  # opened read-only (SQLITE_READONLY/CANTOPEN): reopen later
                    self.conn = None
                return False
            self._pending.pop(0)
        if self._told:
            self._told = False
            self._on_recovered()
        return True

    def _write(self, write: Write) -> None:
        self._pending.append(write)
        if not self.retry() and not self._told:
            self._told = True
            self._on_problem("Your sessions cannot be saved right now; they are kept and saved when the data folder is writable again.")


def _write_for(event: Event) -> Write:
    if isinstance(event, Started):
        return lambda c: sessions.insert(c, event.session)
    if isinstance(event, Ended):
        return lambda c: sessions.complete(c, event)
    return lambda c: sessions.update_running(c, event.session)
