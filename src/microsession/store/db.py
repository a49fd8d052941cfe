"""Opening the database: WAL, foreign keys, ordered migrations under PRAGMA user_version."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from microsession.store import files


class DatabaseError(Exception):
    """The file cannot be used as our database (damaged, from a newer version, locked)."""


class DatabaseUnavailable(DatabaseError):
    """The file cannot be opened or written right now (read-only or full folder, no
    permission): no sign of damage, so it is never set aside; try again later."""


# Primary SQLite result codes that say "not now" rather than "damaged": PERM, READONLY,
# IOERR, FULL, CANTOPEN, AUTH.
_UNAVAILABLE_CODES = {3, 8, 10, 13, 14, 23}


def _unavailable(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF in _UNAVAILABLE_CODES


def migrations() -> list[tuple[int, str]]:
    """(version, sql) in order, from store/migrations/NNNN_name.sql."""
    folder = Path(__file__).resolve().parent / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return migrations()[-1][0]


def emptied(path: Path) -> bool:
    """The file is there but holds nothing (0 bytes, no WAL with pages): emptied by someone,
    never a database we made (we write the first pages right after creating it)."""
    wal = Path(f"{path}-wal")
    try:
        return path.is_file() and path.stat().st_size == 0 and not (wal.is_file() and wal.stat().st_size)
    except OSError:
        return False


def refuse_emptied(path: Path) -> None:
    """DatabaseError (one line, what to do) when the data file at `path` was emptied."""
    if emptied(path):
        raise DatabaseError(f"the data file {path} is empty (0 bytes): start the app to keep it aside and begin"
                            " a new one, or bring a backup back with `microsession restore`")


def release_memory(conn: sqlite3.Connection) -> None:
    """The connection's page cache given back at a quiet moment (it fills again as queries
    need it; the idle app asks nothing)."""
    try:
        conn.execute("PRAGMA shrink_memory")
    except sqlite3.Error:
        pass


def connect(path: Path, *, migrate: bool = True, timeout: float = 2.0, allow_empty: bool = False,
            scratch: bool = False) -> sqlite3.Connection:
    """Open (and create or upgrade) the database at `path`. Raises DatabaseError (an existing
    file that is empty too, unless `allow_empty`: starting anew in it would hide the loss).
    A new file is made 0600 (its WAL and SHM files take its mode). `scratch`: a new file
    built aside (store/bulk_insert.py's new_file_aside), its journal in memory and no syncs:
    a crash leaves it useless, and it is only ever thrown away or synced whole and moved in."""
    if not allow_empty:
        refuse_emptied(path)
    if migrate and not os.path.lexists(path):
        try:
            files.make_folder(path.parent)
            os.close(files.create_new(path))
        except OSError:
            pass  # SQLite says what is wrong, below
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"cannot open {path}: {exc}") from exc
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        # Before anything writes to the file: a damaged page anywhere would otherwise only
        # show when a query touches it (at recovery, or on every write, forever).
        check = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if check != "ok":
            raise DatabaseError(f"the data file {path} could not be read: it is damaged (it fails SQLite's quick_check)")
        conn.execute(f"PRAGMA journal_mode = {'MEMORY' if scratch else 'WAL'}")
        conn.execute(f"PRAGMA synchronous = {'OFF' if scratch else 'FULL'}")
        if migrate:
            upgrade(conn)
        else:
            check_version(conn)
        return conn
    except sqlite3.DatabaseError as exc:
        conn.close()
        if _unavailable(exc):
            raise DatabaseUnavailable(f"cannot open {path}: {exc}") from exc
        raise DatabaseError(f"the data file {path} could not be read: it is damaged or not ours ({exc})") from exc
    except DatabaseError:
        conn.close()
        raise


def check_version(conn: sqlite3.Connection) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > latest_version():
        raise DatabaseError(
            f"the database is from a newer Micro-Session (schema {version}, this one knows {latest_version()})"
        )
    return version


def upgrade(conn: sqlite3.Connection) -> None:
    """Apply every migration newer than the file's user_version, each in one transaction."""
    current = check_version(conn)
    for version, sql in migrations():
        if version <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_sql(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    if current < SUMMARIES_VERSION <= latest_version():
        fill_summaries(conn)


SUMMARIES_VERSION = 5  # 0005_summaries.sql: every existing block starts dirty


def fill_summaries(conn: sqlite3.Connection) -> None:
    """Compute the day summaries of a file just upgraded (once; ~1 s for ten years). Nothing is
    imported for a file without sessions: a fresh start loads no metrics code."""
    if conn.execute("SELECT 1 FROM summary_dirty LIMIT 1").fetchone() is None:
        return
    from microsession.store import summary

    summary.refresh(conn)


def split_sql(script: str) -> list[str]:
    """Statements of a migration script (executescript would commit on its own)."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip() and not buf.strip().startswith("--"):
        statements.append(buf.strip())
    return statements


def open_or_set_aside(path: Path, last_backup: Callable[[], Path | None] = lambda: None
                      ) -> tuple[sqlite3.Connection, str | None]:
    """Open the database; if it cannot be used, move it aside (never delete) and start anew.

    Returns the connection and, when a file was moved, one plain sentence for the user that
    names the copy kept and `last_backup()`, the newest backup, if there is one.
    """
    files.make_folder(path.parent)
    files.secure_folder(path.parent)
    was_empty = emptied(path)
    if not was_empty:
        try:
            return connect(path), None
        except DatabaseUnavailable:
            raise  # a read-only or full folder is no damage: the caller waits for it
        except DatabaseError as exc:
            newer = "newer Micro-Session" in str(exc)
        else:
            newer = False
    else:
        newer = False
    from datetime import datetime

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while any(Path(str(aside) + suffix).exists() for suffix in ("", "-wal", "-shm")):
        n += 1  # never replace a file set aside before (replace() would delete it)
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            src.replace(Path(str(aside) + suffix))
    what = ("Your data file is from a newer Micro-Session" if newer else
            "Your data file was empty" if was_empty else "Your data file could not be read")
    message = f"{what}; it was kept as {aside.name} in {path.parent} and a new one was started"
    backup = last_backup()
    if backup is not None:
        when = datetime.fromtimestamp(backup.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        message += f"; your last backup is from {when}: quit and run `microsession restore {backup}` to bring it back"
    else:
        message += "; there is no backup to bring back"
    return connect(path), message + "."
