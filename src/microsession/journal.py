"""Writes what the engine reports into the store, and never loses a write.

A write that fails (disk full, folder read-only, database locked) is kept in order and
retried on the next write or `retry()`; the caller is told once through `on_problem` and
once more through `on_recovered` when everything has landed.

While writes wait, they are also kept as JSON lines in a small spill file (the first of
`spill` paths that can be written: the data folder, else the runtime folder), rewritten
whole at each change, so that a quit or a kill -9 on a full disk loses none of them; the
next start lands them (`take_spilled()`) before it looks for open sessions.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path

from microsession import journal_ops as ops
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
                 told: bool = False, spill: Sequence[Path] = ()) -> None:
        """`reopen` opens the store again (when it could not be opened, or the connection
        turned out read-only); `told`: the user already knows writes cannot land; `spill`:
        where waiting writes are kept across a quit (see the module's docstring)."""
        self.conn = conn
        self._pending: list[tuple[Write, ops.Record | None]] = []
        self._spill, self._spilled, self._spill_text = tuple(spill), False, ""
        self._on_problem, self._on_recovered = on_problem, on_recovered
        self._reopen = reopen
        self._told = told

    @property
    def pending(self) -> int:
        return len(self._pending)

    def pending_ended(self) -> set[str]:
        """Ids of sessions whose end waits to be written (recovery must not resume them)."""
        return {r["session"]["id"] for _, r in self._pending if r is not None and r["op"] == "complete"}

    def record(self, events: Iterable[Event]) -> None:
        for event in events:
            self._write(*_write_for(event))

    def write(self, write: Write, record: ops.Record | None = None) -> None:
        """Any other write (stack runs, interruptions, ticked tasks), kept in order with the rest.
        It must be idempotent: a retry after a failure may run it again. `record` (see
        journal_ops) lets it survive a quit while it waits."""
        self._write(write, record)

    def add_log(self, session_id: str, log: SessionLog, written_utc: datetime) -> None:
        log_id = new_id()  # fixed now, so a retried write cannot make two rows
        self._write(lambda c: logs.add(c, session_id, log, written_utc, log_id),
                    ops.log_record(session_id, log, written_utc, log_id))

    def take_spilled(self) -> int:
        """Put the writes a previous run left in the spill files first in line and try them;
        how many there were."""
        found, seen = [], set()
        for path in self._spill:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            import json  # only when a spill file is there (idle memory)

            for line in lines:
                if line in seen:
                    continue
                seen.add(line)
                try:
                    record = json.loads(line)
                    found.append((ops.write_of(record), record))
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line (the disk was full): what came before is kept
        self._pending[:0] = found
        self._spilled = bool(found)
        if found and not self.retry() and not self._told:
            self._told = True
            self._on_problem(f"{len(self._pending)} changes from before could not be saved yet; they are kept"
                             " and saved when the data folder is writable again.")
        return len(found)

    def retry(self) -> bool:
        """Try the writes that failed; True when nothing is pending any more."""
        if not self._pending:
            return True
        if self.conn is None:
            try:
                if self._reopen is None:
                    raise LookupError("no store to write to")
                self.conn = self._reopen()
            except Exception:  # still read-only, full, missing...: next time
                self._write_spill()
                return False
        while self._pending:
            try:
                self._pending[0][0](self.conn)
            except sqlite3.IntegrityError:
                pass  # it can never land (a spilled write that landed after all): not in the way of the rest
            except sqlite3.Error as exc:
                if self._reopen is not None and (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF in (8, 14):
                    self.conn.close()  # opened read-only (SQLITE_READONLY/CANTOPEN): reopen later
                    self.conn = None
                self._write_spill()
                return False
            self._pending.pop(0)
        self._clear_spill()
        if self._told:
            self._told = False
            self._on_recovered()
        return True

    def _write(self, write: Write, record: ops.Record | None = None) -> None:
        self._pending.append((write, record))
        if not self.retry() and not self._told:
            self._told = True
            self._on_problem("Your sessions cannot be saved right now; they are kept and saved when the data folder is writable again.")

    def _write_spill(self) -> None:
        """The waiting writes' records in the first spill file that takes them (whole, or not at all)."""
        if not self._spill:
            return
        import json  # only on a full disk

        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for _, r in self._pending if r is not None)
        if self._spilled and text == self._spill_text:
            return  # the 30-s retries write nothing while nothing changed
        for path in self._spill:
            tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
            try:
                _remove(tmp)
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
                with open(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)
            except OSError:  # full, read-only, missing: the next place
                _remove(tmp)
                continue
            self._spilled, self._spill_text = True, text
            for other in self._spill[self._spill.index(path) + 1:]:
                _remove(other)  # an older copy elsewhere would come back
            return

    def _clear_spill(self) -> None:
        if self._spilled:
            for path in self._spill:
                try:
                    path.unlink(missing_ok=True)
                except OSError:
                    return  # kept; its writes landed, and landing them again changes nothing
            self._spilled = False


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:  # a read-only folder: nothing is there of ours to remove
        pass


def _write_for(event: Event) -> tuple[Write, ops.Record]:
    info = event.session
    if isinstance(event, Started):
        return (lambda c: sessions.insert(c, info)), {"op": "insert", "session": ops.session_record(info)}
    if isinstance(event, Ended):
        return (lambda c: sessions.complete(c, event)), ops.ended_record(event)
    return (lambda c: sessions.update_running(c, info)), {"op": "update", "session": ops.session_record(info)}
