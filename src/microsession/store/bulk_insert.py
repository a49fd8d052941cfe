"""An import's rows into a table that has none yet, at bulk speed (store.export.merge).

Ten years into an empty file took ~4 s of SQLite work row by row; most of it was not the
rows themselves but what runs for each: 14 triggers (each a sub-program per row, though most
do nothing inside an import), 12 indexes updated in file order, and the CHECK constraints'
`IN (...)` lists, which SQLite builds anew for every execution of a statement. Here, inside the
import's one transaction:

* the table's plain indexes (not UNIQUE) are dropped and made again after its rows are in
  (one sorted build each);
* the triggers whose work is known are dropped and their work is done once for the table:
  `summary_*` do nothing inside store.summary.bulk_writes anyway; `sync_<table>_device` gives a
  new row this device's id, which the insert gives itself; sync_journal's `sync_<table>_ins`
  (`_upd`, `_del`) mark the rows changed, which one statement does for all of them afterwards.
  A trigger is known by its name and a phrase of its SQL (_DOES); any other stays and runs;
* the rows go in many to a statement (INSERT ... SELECT FROM VALUES), in the file's order,
  with every constraint checked by SQLite as before.

All of it is in the caller's transaction: a rollback, or a kill -9 before the commit, brings
the triggers and indexes back with the rest. tests/store/test_bulk_insert.py checks that the
file is the same, table by table, as the row-by-row path leaves it.

A data file that does not exist yet is built aside (new_file_aside): a hidden temporary file
beside it, its journal in memory and no syncs while it fills, then switched to WAL, synced
whole and linked into place only if no data file appeared meanwhile (ten years: 3.05 s ->
2.84 s whole process here; no WAL to write and copy back, one sync: more on a slow disk).
A kill -9 at any moment leaves no data file or the complete one; a leftover temporary file
(`.microsession.sqlite3.import-…`) is never opened as data, and the next import removes it
once it is an hour old (remove_leftovers; a younger one may be another import's, still running).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TypeVar

from microsession.core.export_format import Row, Table
from microsession.store import db, files
from microsession.store.backup import fsync_dir

T = TypeVar("T")
ASIDE = "import"  # the temporary file's mark: .<data file's name>.import-XXXX
STALE_S = 3600.0  # a leftover this old is no running import's

VARIABLES = 32_000  # bound values per statement (SQLite's limit is 32,766)
ROWS_PER_STATEMENT = 2_000
DEVICE = "(SELECT device_id FROM sync_state WHERE applying = 0)"  # what sync_<table>_device sets
NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"  # sync_journal's triggers' moment


@dataclass
class Aside:
    """What stood aside for one table: the SQL to make it again, and the work to do instead."""

    remake: list[str]
    device: bool = False  # the insert gives `device` (the trigger that did is dropped)
    journal: bool = False  # mark every row changed for sync afterwards (sync_journal's triggers)


def roomy_cache(conn: sqlite3.Connection) -> None:
    """An import's page cache: rows arrive in the file's order, not the indexes' (ids are
    random); with SQLite's default 2 MB ten years took 9.1 s to insert, with up to 128 MB 2.3 s."""
    conn.execute("PRAGMA cache_size = -131072")


def is_empty(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None


_DOES = {  # what a known trigger does, by a phrase of its SQL (so a changed one is not taken for it)
    "summary": "WHEN NOT EXISTS (SELECT 1 FROM summary_bulk)",  # nothing inside summary.bulk_writes
    "device": "SET device = (SELECT device_id FROM sync_state)",
    "journal": "INSERT INTO sync_dirty",
}


def _known_trigger(name: str, sql: str, table: str, in_bulk: bool) -> str | None:
    """What a trigger on `table` does, if it is one whose work this module does; else None."""
    if name.startswith("summary_"):
        what = "summary" if in_bulk else None
    elif name == f"sync_{table}_device":
        what = "device"
    elif name in (f"sync_{table}_ins", f"sync_{table}_upd", f"sync_{table}_del"):
        what = "journal"
    else:
        return None
    return what if what is not None and _DOES[what] in " ".join(sql.split()) else None


@contextmanager
def standing_aside(conn: sqlite3.Connection, table: Table) -> Iterator[Aside]:
    """Inside a write transaction: the table's plain indexes and known triggers are dropped
    while the block inserts (with insert_all), then made again and their work done."""
    in_bulk = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'summary_bulk'").fetchone() is not None \
        and conn.execute("SELECT 1 FROM summary_bulk").fetchone() is not None
    aside = Aside([])
    plain = {r[1] for r in conn.execute(f"PRAGMA index_list({table.name})") if r[3] == "c" and not r[2]}
    triggers = []
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ?"
                                        " AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid",
                                        (table.name,)).fetchall():
        if kind == "index" and name in plain:
            conn.execute(f'DROP INDEX "{name}"')
            aside.remake.append(sql)
        elif kind == "trigger" and (what := _known_trigger(name, sql, table.name, in_bulk)) is not None:
            conn.execute(f'DROP TRIGGER "{name}"')
            triggers.append(sql)
            aside.device |= what == "device"
            aside.journal |= what == "journal"
    aside.remake += triggers  # after the indexes: a trigger may use them
    yield aside
    if aside.journal:
        _mark_changed(conn, table)
    for sql in aside.remake:
        conn.execute(sql)


def _mark_changed(conn: sqlite3.Connection, table: Table) -> None:
    """What sync_journal's insert trigger does for each new row, for all rows at once (the
    table was empty: every row is new). Its key is the table's key (sync_journal.SYNCED)."""
    key = " || ':' || ".join(table.key)
    conn.execute(f"INSERT INTO sync_dirty (tbl, key, wall_ms) SELECT ?, {key}, {NOW_MS} FROM {table.name}"
                 " WHERE (SELECT applying FROM sync_state) = 0"
                 " ON CONFLICT (tbl, key) DO UPDATE SET wall_ms = excluded.wall_ms", (table.name,))


def insert_all(conn: sqlite3.Connection, table: Table, rows: Sequence[Row], aside: Aside) -> int:
    """The rows in file order, many to a statement; how many went in. sqlite3.IntegrityError
    as a row-by-row insert would raise it (the caller's savepoint takes the statement back)."""
    n = len(table.names)
    cols = ", ".join(table.names) + (", device" if aside.device else "")
    head = (f"INSERT INTO {table.name} ({cols}) SELECT *{', ' + DEVICE if aside.device else ''} FROM (VALUES ")
    tail = f") WHERE true ON CONFLICT ({', '.join(table.key)}) DO NOTHING"
    one = "(" + ", ".join("?" * n) + ")"
    per = max(1, min(ROWS_PER_STATEMENT, VARIABLES // n))
    full = head + ", ".join([one] * per) + tail
    added = 0
    for start in range(0, len(rows), per):
        chunk = rows[start:start + per]
        sql = full if len(chunk) == per else head + ", ".join([one] * len(chunk)) + tail
        added += conn.execute(sql, list(chain.from_iterable(chunk))).rowcount
    return added


def fresh(path: Path) -> bool:
    """No data file at `path` yet (nor a journal of one): an import may build it aside."""
    return not any(os.path.lexists(f"{path}{suffix}") for suffix in ("", "-wal", "-journal"))


def new_file_aside(path: Path, fill: Callable[[sqlite3.Connection], T],
                   built: Callable[[], None] = lambda: None) -> tuple[bool, T]:
    """A new data file at `path`, made aside: a new migrated database in a hidden temporary
    file beside it, `fill(conn)` (in one transaction of its own: store.export.merge), then
    WAL as connect() sets it, synced, and linked in place; `built()` just before the link.
    (True, fill's result) once it is there; (False, fill's result) when a data file appeared
    at `path` meanwhile (it is left as it is: the caller imports into it), or the folder takes
    no hard links (the caller imports the normal way). Anything fill
    raises comes through, and then nothing is at `path`. The temporary file is always removed."""
    fd, tmp = files.temp_beside(path, ASIDE)
    os.close(fd)
    try:
        conn = db.connect(tmp, allow_empty=True, scratch=True)
        try:
            roomy_cache(conn)
            result = fill(conn)
            conn.execute("PRAGMA journal_mode = WAL")  # stays in the file (its header)
        finally:
            conn.close()  # the last connection: the WAL is checkpointed and removed
        fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        built()
        try:
            os.link(tmp, path)  # never over a file there (rename would replace it)
        except OSError:  # FileExistsError: there is one now; else a file system without links
            return False, result
        fsync_dir(path.parent)
        return True, result
    finally:
        _remove(tmp)


def _remove(tmp: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal", ""):  # the file itself last: it is what is looked for
        try:
            os.unlink(f"{tmp}{suffix}")
        except FileNotFoundError:
            pass


def remove_leftovers(path: Path) -> list[Path]:
    """The temporary files of imports killed an hour ago or more (removed; linked into place
    already or not, its name is only a name). Younger ones stay: one may be building."""
    gone = []
    try:
        with os.scandir(path.parent) as it:
            found = [e for e in it if e.name.startswith(f".{path.name}.{ASIDE}-")
                     and not e.name.endswith(("-wal", "-shm", "-journal"))]
    except OSError:
        return gone
    for entry in found:
        try:
            if time.time() - entry.stat(follow_symlinks=False).st_mtime >= STALE_S:
                _remove(Path(entry.path))
                gone.append(Path(entry.path))
        except OSError:
            pass
    return gone
