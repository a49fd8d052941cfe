import sys
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.clock import FakeClock
from microsession.core.events import Kind, Outcome
from microsession.core.logbook import SessionLog
from microsession.core.recovery import recover
from microsession.core.session import Engine
from microsession.journal import Journal
from microsession.store import db, logs, sessions
from microsession.store import settings as settings_store


def test_migrates_an_empty_file(tmp_path):
    conn = db.connect(tmp_path / "m.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.latest_version()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "session_logs", "settings"} <= tables


@pytest.mark.parametrize("start_version", range(0, db.latest_version() + 1))
def test_migrates_from_every_earlier_version(tmp_path, start_version):
    path = tmp_path / "m.sqlite3"
    raw = sqlite3.connect(path, isolation_level=None)
    for version, sql in db.migrations():
        if version <= start_version:
            for statement in db.split_sql(sql):
                raw.execute(statement)
            raw.execute(f"PRAGMA user_version = {version}")
    raw.close()
    conn = db.connect(path, allow_empty=start_version == 0)  # version 0: an empty file
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.latest_version()
    db.upgrade(conn)  # idempotent


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "m.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {db.latest_version() + 1}")
    raw.close()
    with pytest.raises(db.DatabaseError, match="newer"):
        db.connect(path)


def test_garbage_is_refused_cleanly(tmp_path):
    path = tmp_path / "m.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(db.DatabaseError):
        db.connect(path)


def test_session_row_lifecycle_and_log_round_trip(tmp_path):
    conn = db.connect(tmp_path / "m.sqlite3")
    clock = FakeClock()
    engine, journal = Engine(clock), Journal(conn)
    journal.record(engine.start(600, Kind.MICRO))
    [open_row] = sessions.open_sessions(conn)
    assert open_row.planned_s == 600 and open_row.kind is Kind.MICRO
    clock.advance(60)
    journal.record(engine.pause())
    assert sessions.open_sessions(conn)[0].paused_at_utc == clock.now_utc()
    clock.advance(30)
    journal.record(engine.resume())
    journal.record(engine.extend())
    clock.advance(900)
    [ended] = engine.tick()
    journal.record([ended])
    assert sessions.open_sessions(conn) == []
    log = SessionLog("para 3 of intro", "write the summary", 4, finished=False, interrupted=True)
    journal.add_log(ended.session.id, log, clock.now_utc())
    [row] = sessions.recent(conn, 5)
    assert row["outcome"] == "completed" and row["planned_s"] == 900
    assert row["focused_s"] == pytest.approx(900) and row["paused_s"] == pytest.approx(30)
    assert row["log"] == {"stopped_at": "para 3 of intro", "next_step": "write the summary",
                          "energy": 4, "finished": False, "interrupted": True}


def test_crash_recovery_of_a_running_row(tmp_path):
    path = tmp_path / "m.sqlite3"
    clock = FakeClock()
    conn = db.connect(path)
    Journal(conn).record(Engine(clock).start(300))
    conn.close()  # the app "dies" here
    conn = db.connect(path)
    [info] = sessions.open_sessions(conn)
    r = recover(info, clock.now_utc() + timedelta(hours=1))
    sessions.complete(conn, r.ended)
    [row] = sessions.recent(conn, 1)
    assert row["outcome"] == Outcome.RECOVERED.value and row["focused_s"] == 300
    assert sessions.open_sessions(conn) == []


def test_failed_writes_are_kept_and_land_later(tmp_path):
    conn = db.connect(tmp_path / "m.sqlite3")
    problems, recovered = [], []
    journal = Journal(conn, problems.append, lambda: recovered.append(True))
    clock = FakeClock()
    engine = Engine(clock)
    conn.execute("PRAGMA query_only = ON")  # every write now fails like a read-only disk
    journal.record(engine.start(60))
    clock.advance(60)
    journal.record(engine.tick())
    journal.add_log(engine.last_ended.session.id, SessionLog(energy=3), clock.now_utc())
    assert journal.pending == 3 and len(problems) == 1
    assert journal.retry() is False
    conn.execute("PRAGMA query_only = OFF")
    assert journal.retry() is True and recovered == [True]
    [row] = sessions.recent(conn, 1)
    assert row["outcome"] == "completed" and row["log"]["energy"] == 3


def test_log_needs_its_session(tmp_path):
    conn = db.connect(tmp_path / "m.sqlite3")
    with pytest.raises(sqlite3.IntegrityError):
        logs.add(conn, "missing", SessionLog(), datetime.now(timezone.utc))


def test_settings_round_trip(tmp_path):
    conn = db.connect(tmp_path / "m.sqlite3")
    settings_store.save(conn, "default_minutes", 20)
    settings_store.save(conn, "default_minutes", 25)
    assert settings_store.load(conn) == {"default_minutes": 25}


def test_an_emptied_file_is_refused_not_started_anew(tmp_path):
    """Issue 15 item 3: `truncate -s 0` then `tasks add` made a new database in it, and the app
    then saw nothing wrong."""
    path = tmp_path / "m.sqlite3"
    db.connect(path).close()
    path.write_bytes(b"")
    with pytest.raises(db.DatabaseError, match="is empty"):
        db.connect(path)
    assert path.stat().st_size == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallinfo2 reads the C heap")
def test_release_memory_gives_the_page_cache_back(tmp_path):
    """The app calls it at the quiet moment after start-up (compose.after_start)."""
    import ctypes

    class Mallinfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = Mallinfo2
    conn = db.connect(tmp_path / "m.sqlite3")
    conn.execute("CREATE TABLE filler (x TEXT)")
    conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(4000)])  # ~2 MB
    conn.execute("SELECT count(*), max(x) FROM filler").fetchone()  # the cache holds the pages
    before = libc.mallinfo2().uordblks
    db.release_memory(conn)
    assert before - libc.mallinfo2().uordblks > 500_000
    assert conn.execute("SELECT count(*) FROM filler").fetchone()[0] == 4000  # still works
    conn.close()
