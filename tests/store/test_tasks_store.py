from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.clock import FakeClock
from microsession.core.events import Kind
from microsession.core.logbook import SessionLog
from microsession.core.session import Engine
from microsession.core.tasks import AspectProgress, Batch, mark_done, new_task, resume_text
from microsession.journal import Journal
from microsession.store import db, logs, sessions
from microsession.store import tasks as store

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "m.sqlite3")
    yield c
    c.close()


def add(conn, title, task_type="admin", minutes=10, project=None, aspect=None, at=0):
    t = new_task(title, task_type, minutes, project, aspect, now=T0 + timedelta(minutes=at))
    store.add(conn, t)
    return t


def run_session(conn, clock, task_id=None, minutes=10, log=None):
    """A whole focus session through the engine and the journal, with an optional log."""
    engine, journal = Engine(clock), Journal(conn)
    [started] = engine.start(minutes * 60, Kind.MICRO, task_id=task_id)
    journal.record([started])
    clock.advance(minutes * 60)
    journal.record(engine.tick())
    if log is not None:
        journal.add_log(started.session.id, log, clock.now_utc())
    clock.advance(60)
    return started.session.id


# --- migration ---------------------------------------------------------------------------

def v1_file(path):
    raw = sqlite3.connect(path, isolation_level=None)
    for version, sql in db.migrations():
        if version == 1:
            for statement in db.split_sql(sql):
                raw.execute(statement)
            raw.execute("PRAGMA user_version = 1")
    raw.executemany(
        "INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, ended_utc, ended_offset,"
        " focused_s, paused_s, paused_at_utc, outcome, task_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [("a" * 32, "micro", 600.0, "2025-03-01T09:00:00.000+00:00", 3600, "2025-03-01T09:10:30.000+00:00",
          3600, 600.0, 30.5, None, "completed", None),
         ("b" * 32, "deep", 5400.0, "2025-03-02T07:00:00.000+00:00", -18000, "2025-03-02T08:00:00.000+00:00",
          -18000, 3600.0, 0.0, None, "stopped", "legacy-task"),
         ("c" * 32, "break", 300.0, "2025-03-02T08:01:00.000+00:00", 0, None, None, None, 12.0,
          "2025-03-02T08:02:00.000+00:00", None, None)])
    raw.executemany(
        "INSERT INTO session_logs VALUES (?,?,?,?,?,?,?,?)",
        [("l1", "a" * 32, "2025-03-01T09:11:00.000+00:00", "para 3 · ünïcode", "write summary", 4, 0, 1),
         ("l2", "b" * 32, "2025-03-02T08:00:10.000+00:00", "", "", None, 1, 0)])
    raw.execute("INSERT INTO settings VALUES ('default_minutes', '20')")
    raw.close()


def dump(conn, table):
    return [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]


def test_migration_from_the_sprint_loop_schema_keeps_every_row(tmp_path):
    path = tmp_path / "m.sqlite3"
    v1_file(path)
    raw = sqlite3.connect(path)
    before = {t: dump(raw, t) for t in ("sessions", "session_logs", "settings")}
    raw.close()
    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.latest_version()
    after_sessions = conn.execute(
        "SELECT *, stack_run_id, stack_position, batch_type FROM sessions ORDER BY rowid").fetchall()
    width = len(before["sessions"][0])
    assert [tuple(r)[:width] for r in after_sessions] == before["sessions"]
    assert all(tuple(r)[-3:] == (None, None, None) for r in after_sessions)
    assert dump(conn, "session_logs") == before["session_logs"]
    assert dump(conn, "settings") == before["settings"]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [t.slug for t in store.list_types(conn)][:2] == ["communication", "brainstorming"]
    # the old rows still read as before
    assert [r["id"] for r in sessions.recent(conn, 5)] == ["b" * 32, "a" * 32]
    assert sessions.recent(conn, 5)[1]["log"]["stopped_at"] == "para 3 · ünïcode"
    conn.close()


def test_the_new_columns_take_stack_and_batch_data(conn):
    conn.execute("INSERT INTO stack_runs (id, stack_name, stack_json, started_utc) VALUES ('r1', 'Inbox zero', '[]', ?)",
                 (sessions.iso(T0),))
    conn.execute("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, stack_run_id,"
                 " stack_position, batch_type) VALUES ('s1', 'micro', 600, ?, 0, 'r1', 0, 'communication')",
                 (sessions.iso(T0),))
    with pytest.raises(sqlite3.IntegrityError):  # foreign keys are on
        conn.execute("UPDATE sessions SET stack_run_id = 'nope' WHERE id = 's1'")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE sessions SET batch_type = 'not-a-type' WHERE id = 's1'")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE sessions SET stack_position = -1 WHERE id = 's1'")


# --- tasks -------------------------------------------------------------------------------

def test_add_list_filter_and_done(conn):
    a = add(conn, "Reply to Anna", "communication", at=1)
    b = add(conn, "Draft intro", "reviewing-editing", 25, "Thesis", "Intro", at=2)
    c = add(conn, "Call Bob", "communication", at=3)
    assert store.get(conn, b.id) == b  # round trip, every field
    assert [t.title for t in store.list_tasks(conn)] == ["Reply to Anna", "Draft intro", "Call Bob"]
    assert store.list_tasks(conn, task_type="communication") == [a, c]
    assert store.list_tasks(conn, project="Thesis") == [b]
    assert store.set_done(conn, [a.id], T0 + timedelta(hours=1)) == 1
    assert store.set_done(conn, [a.id], T0 + timedelta(hours=2)) == 0  # already done
    assert store.list_tasks(conn) == [b, c]
    assert store.list_tasks(conn, include_done=True)[-1] == mark_done(a, T0 + timedelta(hours=1))
    assert store.set_open(conn, a.id) and store.get(conn, a.id) == a
    edited = new_task("Reply to Anna and Carl", "communication", 15, now=T0, task_id=a.id)
    assert store.update(conn, edited) and store.get(conn, a.id).title == "Reply to Anna and Carl"
    assert store.find(conn, c.id[:6]) == [c] and store.find(conn, "") == []


def test_a_task_needs_a_known_type(conn):
    with pytest.raises(sqlite3.IntegrityError):
        add(conn, "x", "writing")
    assert store.resolve_type(conn, "Writing") is None
    writing = store.add_type(conn, "Writing")
    assert (writing.slug, writing.label, writing.builtin) == ("writing", "Writing", False)
    assert store.add_type(conn, "writing ") == writing  # same slug: the existing one
    assert store.resolve_type(conn, "WRITING") == "writing"
    assert store.resolve_type(conn, "Reviewing & editing") == "reviewing-editing"
    add(conn, "x", "writing")
    assert store.list_types(conn)[-1] == writing


def test_soft_delete_keeps_history(conn):
    clock = FakeClock(T0)
    t = add(conn, "Draft intro", "creative")
    session_id = run_session(conn, clock, t.id, log=SessionLog("para 2", "para 3"))
    assert store.soft_delete(conn, t.id, clock.now_utc())
    assert not store.soft_delete(conn, t.id, clock.now_utc())
    assert store.list_tasks(conn, include_done=True) == []
    assert store.find(conn, t.id) == [] and store.recent_open(conn) == []
    assert store.get(conn, t.id).deleted  # the row is still there
    [row] = sessions.recent(conn, 5)
    assert row["id"] == session_id and row["task_id"] == t.id and row["log"]["next_step"] == "para 3"
    assert store.list_tasks(conn, include_deleted=True)[0].id == t.id
    assert store.sessions_by_task(conn, [t.id])[t.id][0].session_id == session_id
    assert store.restore(conn, t.id) and store.list_tasks(conn) == [t]


def test_recent_open_tasks_by_last_session(conn):
    clock = FakeClock(T0)
    old, mid, new, fresh = (add(conn, n, at=i) for i, n in enumerate(["old", "mid", "new", "fresh"]))
    run_session(conn, clock, new.id)
    run_session(conn, clock, old.id)
    sid = run_session(conn, clock, None)
    store.link_batch(conn, sid, "admin", [mid.id])  # a batch session counts as a session on mid
    done = add(conn, "done", at=9)
    run_session(conn, clock, done.id)
    store.set_done(conn, [done.id], clock.now_utc())
    assert [t.title for t in store.recent_open(conn)] == ["mid", "old", "new", "fresh"]
    assert [t.title for t in store.recent_open(conn, limit=2)] == ["mid", "old"]


# --- batches and the resume card -------------------------------------------------------

def test_batch_session_links_and_ticks_three_at_once(conn):
    clock = FakeClock(T0)
    mails = [add(conn, f"mail {i}", "communication", at=i) for i in range(4)]
    batch = Batch("communication", tuple(t.id for t in store.open_of_type(conn, "communication")))
    assert batch.label == "Batch: communication · 4 tasks"
    sid = run_session(conn, clock, None, log=SessionLog("mail 2", "mail 3"))
    store.link_batch(conn, sid, batch.task_type, batch.task_ids)
    assert conn.execute("SELECT batch_type FROM sessions WHERE id = ?", (sid,)).fetchone()[0] == "communication"
    assert store.tasks_of_session(conn, sid) == sorted(batch.task_ids)
    ticked = batch.tick([mails[0].id, mails[2].id, mails[3].id, "unrelated"])
    assert store.set_done(conn, ticked, clock.now_utc()) == 3
    assert store.open_of_type(conn, "communication") == [mails[1]]
    assert resume_text(store.last_log(conn, mails[1].id)) == "Last time: stopped at mail 2 · Next: mail 3"


def test_link_batch_is_all_or_nothing(conn):
    clock = FakeClock(T0)
    a = add(conn, "a")
    sid = run_session(conn, clock, None)
    with pytest.raises(sqlite3.IntegrityError):
        store.link_batch(conn, sid, "admin", [a.id, "missing-task"])
    assert store.tasks_of_session(conn, sid) == []
    assert conn.execute("SELECT batch_type FROM sessions WHERE id = ?", (sid,)).fetchone()[0] is None


def test_last_log_for_the_resume_card(conn):
    clock = FakeClock(T0)
    t, other = add(conn, "Draft intro"), add(conn, "Other")
    assert store.last_log(conn, t.id) is None
    run_session(conn, clock, t.id)  # a session without a log
    assert store.last_log(conn, t.id) is None
    run_session(conn, clock, t.id, log=SessionLog("para 2", "para 3", energy=3))
    run_session(conn, clock, other.id, log=SessionLog("elsewhere", "not this"))
    assert store.last_log(conn, t.id) == SessionLog("para 2", "para 3", energy=3)
    run_session(conn, clock, t.id, log=SessionLog("para 4", ""))
    assert resume_text(store.last_log(conn, t.id)) == "Last time: stopped at para 4"
    run_session(conn, clock, t.id, log=SessionLog(energy=5))  # energy only: the text stays
    assert store.last_log(conn, t.id).stopped_at == "para 4"
    assert store.last_log(conn, t.id, with_text=False) == SessionLog(energy=5)


def test_two_logs_of_one_session_the_newest_wins(conn):
    clock = FakeClock(T0)
    t = add(conn, "t")
    sid = run_session(conn, clock, t.id)
    logs.add(conn, sid, SessionLog("first", ""), clock.now_utc())
    logs.add(conn, sid, SessionLog("second", ""), clock.now_utc() + timedelta(seconds=5))
    assert store.last_log(conn, t.id).stopped_at == "second"


def test_progress_of_a_project(conn):
    clock = FakeClock(T0)
    intro = add(conn, "outline", "creative", 10, "Thesis", "Intro")
    method = add(conn, "protocol", "research", 20, "Thesis", "Method")
    add(conn, "groceries")
    run_session(conn, clock, intro.id, minutes=10)
    run_session(conn, clock, intro.id, minutes=15)
    store.set_done(conn, [intro.id], clock.now_utc())
    assert store.projects(conn) == ["Thesis"]
    assert store.progress_of_project(conn, "Thesis") == [
        AspectProgress("Thesis", "Intro", 0, 1, 0, 2, 25.0),
        AspectProgress("Thesis", "Method", 1, 0, 20, 0, 0.0),
    ]
    assert store.sessions_by_task(conn, [method.id]) == {}


# --- interruptions -----------------------------------------------------------------------

def test_interruptions_are_recorded_per_session(conn):
    clock = FakeClock(T0)
    sid = run_session(conn, clock)
    other = run_session(conn, clock)
    assert store.count_interruptions(conn, sid) == 0
    first = store.record_interruption(conn, sid, T0 + timedelta(minutes=3))
    store.record_interruption(conn, sid, T0 + timedelta(minutes=7))
    store.record_interruption(conn, sid, T0 + timedelta(minutes=3), interruption_id=first)  # a retry
    assert store.count_interruptions(conn, sid) == 2 and store.count_interruptions(conn, other) == 0
    assert store.interruptions_of(conn, sid) == [T0 + timedelta(minutes=3), T0 + timedelta(minutes=7)]
    with pytest.raises(sqlite3.IntegrityError):
        store.record_interruption(conn, "no-such-session", T0)


def test_open_counts_by_type_in_the_types_order(tmp_path):
    from microsession.core.tasks import new_task
    from microsession.store import db, tasks

    conn = db.connect(tmp_path / "c.sqlite3")
    now = datetime(2026, 1, 5, tzinfo=timezone.utc)
    for title, kind in [("a", "research"), ("b", "communication"), ("c", "research"), ("d", "admin")]:
        tasks.add(conn, new_task(title, kind, 10, now=now))
    done = new_task("e", "admin", 10, now=now)
    tasks.add(conn, done)
    tasks.set_done(conn, [done.id], now)
    assert tasks.open_counts_by_type(conn) == [("communication", 1), ("admin", 1), ("research", 2)]
