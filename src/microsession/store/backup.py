"""Backups of the data file with SQLite's backup API, and restoring one.

A backup is `backups/microsession-YYYY-MM-DD.sqlite3` (the daily one) or
`microsession-YYYY-MM-DD-HHMMSS.sqlite3` (made on demand), local dates. It is written under
a hidden `.…partial` name, checked with quick_check, synced, and only then renamed: a crash
never leaves a half file with a backup's name. The newest `keep` backups are kept.

A restore checks the backup (quick_check, a schema of ours, not newer), upgrades a copy of
it, keeps the current file as `microsession.sqlite3.before-restore-<stamp>`, and puts the
copy in place with one rename. Do it with the app closed (the CLI checks for a running app).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from microsession.store import db, files

BACKUP_DIR = "backups"
PREFIX = "microsession-"
NAME = re.compile(r"microsession-(\d{4}-\d{2}-\d{2})(?:-(\d{6})(?:-(\d{1,4}))?)?\.sqlite3")
PARTIAL_SUFFIX = ".partial"
STALE_PARTIAL_S = 3600  # a partial file this old belongs to no running backup


class BackupError(Exception):
    """One line for the user: the backup could not be made or used; nothing was changed."""


def backup_folder(data_folder: Path) -> Path:
    return data_folder / BACKUP_DIR


def backups(folder: Path) -> list[Path]:
    """Finished backups in `folder`, oldest first (by the date and time in their names)."""
    if not folder.is_dir():
        return []
    found = [(m.group(1), m.group(2) or "", int(m.group(3) or 0), p)
             for p in folder.iterdir() if (m := NAME.fullmatch(p.name))]
    return [p for *_, p in sorted(found)]


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _check(conn: sqlite3.Connection, what: str) -> int:
    """quick_check and the schema version of an open database; BackupError if unusable."""
    try:
        if conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
            raise BackupError(f"{what} is damaged (it fails SQLite's quick_check)")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        raise BackupError(f"{what} is not a usable database ({exc})") from None
    if version < 1 or not {"sessions", "session_logs", "settings"} <= tables:
        raise BackupError(f"{what} is not a Micro-Session data file")
    if version > db.latest_version():
        raise BackupError(f"{what} is from a newer Micro-Session (schema {version}, this one knows {db.latest_version()})")
    return version


def _remove_stale_partials(folder: Path, now_s: float) -> None:
    for p in folder.glob(f".{PREFIX}*{PARTIAL_SUFFIX}*"):
        try:
            if now_s - p.stat().st_mtime > STALE_PARTIAL_S:
                p.unlink()
        except OSError:
            pass


def copy_database(db_file: Path, target: Path) -> Path:
    """A checked copy of the database at `target` (absent before), made with the backup API
    from one consistent snapshot (the WAL's content included), in rollback-journal mode."""
    files.make_folder(target.parent)
    try:
        src = sqlite3.connect(db_file.resolve().as_uri() + "?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read {db_file}: {exc}") from None
    fd, partial = files.temp_beside(target, PARTIAL_SUFFIX.lstrip("."))  # private, made new: no planted link
    os.close(fd)
    try:
        dst = sqlite3.connect(partial, isolation_level=None)
        try:
            src.backup(dst)  # all pages in one step: one snapshot of the source
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            _check(dst, f"the copy of {db_file.name}")
        finally:
            dst.close()
        fsync_file(partial)
        os.replace(partial, target)
        fsync_dir(target.parent)
        return target
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {db_file}: {exc}") from None
    finally:
        src.close()
        for leftover in (partial, Path(f"{partial}-journal")):
            if leftover.exists():
                leftover.unlink()


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups (never anything else); the paths removed."""
    old = backups(folder)[:-keep] if keep >= 1 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


def backup_now(db_file: Path, folder: Path, keep: int, now: datetime, *, daily: bool = False) -> Path:
    """A backup of `db_file` into `folder` named by the local date (and time unless `daily`),
    then the older ones beyond `keep` removed. BackupError when it cannot be made."""
    if not db_file.is_file():
        raise BackupError(f"there is no data file at {db_file} yet")
    if db.emptied(db_file):
        raise BackupError(f"the data file {db_file} is empty (0 bytes): there is nothing to back up")
    local = now.astimezone()
    stem = f"{PREFIX}{local:%Y-%m-%d}" if daily else f"{PREFIX}{local:%Y-%m-%d-%H%M%S}"
    target, n = folder / f"{stem}.sqlite3", 1
    while target.exists():  # a second backup within the same second
        if daily or n >= 9999:
            raise BackupError(f"{target} exists already")
        n += 1
        target = folder / f"{stem}-{n}.sqlite3"
    files.make_folder(folder)
    _remove_stale_partials(folder, time.time())
    copy_database(db_file, target)
    prune(folder, keep)
    return target


def daily_backup(db_file: Path, folder: Path, keep: int, now: datetime) -> Path | None:
    """Today's backup (local date of the aware `now`), unless one of today exists or there
    is no data file yet: then None. BackupError when it cannot be made (the app says so)."""
    if not db_file.is_file():
        return None
    today = f"{now.astimezone():%Y-%m-%d}"
    if any(NAME.fullmatch(p.name).group(1) == today for p in backups(folder)):
        return None
    return backup_now(db_file, folder, keep, now, daily=True)


# --- restore ---------------------------------------------------------------------------------

def _aside_name(db_file: Path, now: datetime) -> Path:
    stamp = f"{now.astimezone():%Y%m%d-%H%M%S}"
    aside, n = db_file.with_name(f"{db_file.name}.before-restore-{stamp}"), 1
    while aside.exists():
        n += 1
        aside = db_file.with_name(f"{db_file.name}.before-restore-{stamp}-{n}")
    return aside


def _settle_live(db_file: Path) -> bool:
    """Fold the live file's WAL into it and close it, so the main file alone is all of it;
    False when it is damaged. BackupError when another program has it open (a running app)."""
    try:
        conn = sqlite3.connect(db_file, timeout=0.5, isolation_level=None)
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            conn.execute("BEGIN IMMEDIATE")  # nobody else may be writing
            conn.execute("ROLLBACK")
            if busy:
                raise sqlite3.OperationalError("database is locked")
            conn.execute("PRAGMA journal_mode = DELETE")  # fails while another connection is open
            return True
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupError(f"{db_file.name} is in use by another program: quit Micro-Session and try again") from None
        raise BackupError(f"cannot use {db_file}: {exc}") from None
    except sqlite3.DatabaseError:
        return False  # damaged: the byte-for-byte copy is what is kept


def restore(db_file: Path, backup_file: Path, now: datetime) -> Path | None:
    """Replace the data file by `backup_file`; returns where the current file was kept (None
    when there was none). BackupError (nothing changed) when the backup is not usable."""
    if not backup_file.is_file():
        raise BackupError(f"{backup_file} is not a file")
    files.make_folder(db_file.parent)
    prepared = files.temp_copy(backup_file, db_file, "restoring")  # private, made new: never through a link
    try:
        if Path(f"{backup_file}-wal").is_file():  # a file in WAL mode: its last writes are there
            files.copy_new(f"{backup_file}-wal", f"{prepared}-wal")
        try:
            conn = sqlite3.connect(prepared, isolation_level=None)
        except sqlite3.Error as exc:
            raise BackupError(f"{backup_file.name} cannot be opened ({exc})") from None
        try:
            _check(conn, backup_file.name)
            db.upgrade(conn)
            conn.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.Error as exc:
            raise BackupError(f"{backup_file.name} is not a usable database ({exc})") from None
        finally:
            conn.close()
        fsync_file(prepared)
        aside = _set_aside(db_file, now) if db_file.exists() else None
        os.replace(prepared, db_file)
        fsync_dir(db_file.parent)
        return aside
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{prepared}{suffix}").unlink(missing_ok=True)


def _set_aside(db_file: Path, now: datetime) -> Path:
    """Copy the current data file (and its WAL) aside, byte for byte, before SQLite touches it
    (closing a damaged file can delete its WAL); then, if it is healthy and no other program
    has it open, fold the WAL in and keep a single self-contained copy instead."""
    aside, wal = _aside_name(db_file, now), Path(f"{db_file}-wal")
    copies = [aside, Path(f"{aside}-wal")]
    _copy_durably(db_file, aside)
    if wal.exists():
        _copy_durably(wal, copies[1])
    try:
        healthy = _settle_live(db_file)
    except BackupError:
        for p in copies:
            p.unlink(missing_ok=True)
        raise
    if healthy:
        _copy_durably(db_file, aside)
        copies[1].unlink(missing_ok=True)
    wal.unlink(missing_ok=True)  # healthy: folded in; damaged: kept in the copy
    Path(f"{db_file}-shm").unlink(missing_ok=True)
    return aside


def _copy_durably(src: Path, dst: Path) -> None:
    tmp = files.temp_copy(src, dst, PARTIAL_SUFFIX.lstrip("."))
    try:
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(dst.parent)
