"""Backups with SQLite's backup API, the last N kept, and restore (which keeps the current file)."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from microsession.core.events import Ended, Kind, Outcome, SessionInfo
from microsession.core.ids import new_id
from microsession.store import backup, db, sessions

NOON = datetime(2026, 3, 23, 12, 0, tzinfo=timezone.utc)


def add_sessions(conn, n: int, at: datetime = NOON) -> list[str]:
    ids = []
    for i in range(n):
        info = SessionInfo(new_id(), Kind.MICRO, 600.0, at + timedelta(minutes=11 * i))
        sessions.complete(conn, Ended(info, Outcome.COMPLETED, info.started_utc + timedelta(minutes=10), 600.0))
        ids.append(info.id)
    return ids


def session_ids(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT id FROM sessions")}


@pytest.fixture
def live(tmp_path):
    """A data file as the app leaves it while running: WAL mode, rows not yet checkpointed."""
    path = tmp_path / "data" / "microsession.sqlite3"
    path.parent.mkdir()
    conn = db.connect(path)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    ids = add_sessions(conn, 30)
    yield path, conn, ids
    conn.close()


def test_a_backup_holds_everything_also_what_is_still_in_the_wal(live):
    path, conn, ids = live
    assert Path(f"{path}-wal").stat().st_size > 0
    folder = backup.backup_folder(path.parent)
    made = backup.backup_now(path, folder, 7, NOON)
    local = NOON.astimezone()
    assert made == folder / f"microsession-{local:%Y-%m-%d-%H%M%S}.sqlite3"
    assert session_ids(made) == set(ids)
    assert sorted(p.name for p in folder.iterdir()) == [made.name]  # no journal, no WAL, no partial
    with sqlite3.connect(made) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert check.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert check.execute("PRAGMA user_version").fetchone()[0] == db.latest_version()


def test_daily_backup_once_a_day_and_the_last_seven_kept(live):
    path, conn, _ = live
    folder = backup.backup_folder(path.parent)
    made = []
    for day in range(10):
        now = NOON + timedelta(days=day)
        first = backup.daily_backup(path, folder, 7, now)
        assert first is not None and first.name == f"microsession-{now.astimezone():%Y-%m-%d}.sqlite3"
        assert backup.daily_backup(path, folder, 7, now + timedelta(hours=3)) is None  # today's exists
        made.append(first)
        add_sessions(conn, 1, now)
    assert backup.backups(folder) == made[-7:]
    assert sorted(folder.iterdir()) == made[-7:]
    # the backup of day 9 holds the rows of days 0-8
    assert len(session_ids(made[-1])) == 30 + 9
    # an on-demand backup counts among the kept ones; a day's on-demand backup stands for that day
    later = backup.backup_now(path, folder, 7, NOON + timedelta(days=10))
    assert backup.backups(folder) == made[-6:] + [later]
    assert backup.daily_backup(path, folder, 7, NOON + timedelta(days=10, hours=5)) is None
    (folder / "notes.txt").write_text("mine")
    backup.prune(folder, 2)
    assert sorted(p.name for p in folder.iterdir()) == sorted([made[-1].name, later.name, "notes.txt"])


def test_no_data_file_no_backup(tmp_path):
    assert backup.daily_backup(tmp_path / "none.sqlite3", tmp_path / "b", 7, NOON) is None
    assert not (tmp_path / "b").exists()
    with pytest.raises(backup.BackupError, match="no data file"):
        backup.backup_now(tmp_path / "none.sqlite3", tmp_path / "b", 7, NOON)


def test_a_partial_file_never_looks_like_a_backup_and_old_ones_are_cleared(live):
    path, _, _ = live
    folder = backup.backup_folder(path.parent)
    folder.mkdir()
    stale = folder / f".microsession-2026-03-01.sqlite3{backup.PARTIAL_SUFFIX}-123"
    fresh = folder / f".microsession-2026-03-22.sqlite3{backup.PARTIAL_SUFFIX}-456"
    for p in (stale, fresh):
        p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    os.utime(stale, (time.time() - 2 * backup.STALE_PARTIAL_S,) * 2)
    assert backup.backups(folder) == []
    backup.daily_backup(path, folder, 7, NOON)
    assert not stale.exists() and fresh.exists()  # a fresh one may belong to a running backup
    assert [p.name for p in backup.backups(folder)] == [f"microsession-{NOON.astimezone():%Y-%m-%d}.sqlite3"]


def test_restore_keeps_the_current_file_and_brings_the_backup_back(live, tmp_path):
    path, conn, ids = live
    made = backup.backup_now(path, backup.backup_folder(path.parent), 7, NOON)
    later = add_sessions(conn, 5, NOON + timedelta(days=1))
    conn.close()
    aside = backup.restore(path, made, NOON + timedelta(days=1))
    assert aside is not None and aside.name.startswith("microsession.sqlite3.before-restore-")
    assert session_ids(aside) == set(ids) | set(later)
    assert session_ids(path) == set(ids)
    reopened = db.connect(path)  # the app opens it as usual
    assert reopened.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reopened.close()
    leftovers = sorted(p.name for p in path.parent.iterdir() if p.name.startswith("."))
    assert leftovers == []
    # a second restore in the same second keeps a second copy, never replaces the first
    again = backup.restore(path, made, NOON + timedelta(days=1))
    assert again != aside and aside.exists()


def test_restore_into_a_folder_without_data(tmp_path, live):
    path, _, ids = live
    made = backup.backup_now(path, tmp_path / "b", 7, NOON)
    fresh = tmp_path / "new" / "microsession.sqlite3"
    assert backup.restore(fresh, made, NOON) is None
    assert session_ids(fresh) == set(ids)


def test_restore_upgrades_an_older_backup(tmp_path):
    old = tmp_path / "v1.sqlite3"
    raw = sqlite3.connect(old, isolation_level=None)
    for statement in db.split_sql(db.migrations()[0][1]):
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    raw.execute("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset) VALUES"
                " ('aa', 'micro', 60, '2025-01-01T00:00:00.000+00:00', 0)")
    raw.close()
    live = tmp_path / "d" / "microsession.sqlite3"
    backup.restore(live, old, NOON)
    with sqlite3.connect(live) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == db.latest_version()
        assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def _damage(kind: str, good: Path, bad: Path) -> None:
    data = bytearray(good.read_bytes())
    if kind == "truncated":
        bad.write_bytes(data[: len(data) * 3 // 4])
    elif kind == "noise":
        bad.write_bytes(os.urandom(len(data)))
    elif kind == "page":
        page = int.from_bytes(data[16:18], "big")
        data[page * 2: page * 3] = os.urandom(page)  # the sessions table's root page
        bad.write_bytes(bytes(data))
    elif kind == "empty":
        bad.write_bytes(b"")
    elif kind == "foreign":
        with sqlite3.connect(bad) as other:
            other.execute("CREATE TABLE photos (x)")
    elif kind == "newer":
        bad.write_bytes(bytes(data))
        with sqlite3.connect(bad) as newer:
            newer.execute("PRAGMA user_version = 99")


@pytest.mark.parametrize("kind, message", [
    ("truncated", "damaged|not a usable database|not a Micro-Session"), ("noise", "not a usable database|cannot be opened"),
    ("page", "damaged|not a usable"), ("empty", "not a Micro-Session"), ("foreign", "not a Micro-Session"),
    ("newer", "newer Micro-Session")])
def test_a_damaged_or_foreign_backup_is_refused_and_nothing_changes(live, tmp_path, kind, message):
    path, conn, _ = live
    made = backup.backup_now(path, tmp_path / "b", 7, NOON)
    bad = tmp_path / f"bad-{kind}.sqlite3"
    _damage(kind, made, bad)
    conn.close()
    before = {p.name: p.read_bytes() for p in path.parent.iterdir()}
    with pytest.raises(backup.BackupError, match=message) as err:
        backup.restore(path, bad, NOON)
    assert "\n" not in str(err.value)
    assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before


def test_restore_refuses_while_another_program_has_the_file_open(live, tmp_path):
    path, conn, ids = live
    made = backup.backup_now(path, tmp_path / "b", 7, NOON)
    add_sessions(conn, 2, NOON + timedelta(days=1))
    with pytest.raises(backup.BackupError, match="in use by another program"):
        backup.restore(path, made, NOON)
    assert len(session_ids(path)) == 32  # the running program's data is untouched
    assert not list(path.parent.glob("*before-restore*"))


def test_two_backups_in_the_same_second_are_both_kept_in_order(live):
    path, conn, _ = live
    folder = backup.backup_folder(path.parent)
    first = backup.backup_now(path, folder, 7, NOON)
    add_sessions(conn, 1, NOON + timedelta(hours=1))
    second = backup.backup_now(path, folder, 7, NOON)
    third = backup.backup_now(path, folder, 7, NOON)
    assert second.name == first.name.replace(".sqlite3", "-2.sqlite3")
    assert backup.backups(folder) == [first, second, third]
    assert len(session_ids(second)) == 31 and len(session_ids(first)) == 30
    backup.prune(folder, 1)
    assert backup.backups(folder) == [third]


def test_a_damaged_data_file_is_kept_byte_for_byte_when_a_backup_replaces_it(live, tmp_path):
    path, conn, ids = live
    made = backup.backup_now(path, tmp_path / "b", 7, NOON)
    conn.close()
    path.write_bytes(os.urandom(8192))
    Path(f"{path}-wal").write_bytes(b"a torn log")
    damaged, wal = path.read_bytes(), Path(f"{path}-wal").read_bytes()
    aside = backup.restore(path, made, NOON)
    assert aside.read_bytes() == damaged and Path(f"{aside}-wal").read_bytes() == wal
    assert not Path(f"{path}-wal").exists()
    assert session_ids(path) == set(ids)
