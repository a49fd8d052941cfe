"""The metrics queries on a real file holding the synthetic history of tests/core/test_metrics.py.

`write_history(conn)` is shared with the CLI and UI tests (loaded by path: tests are not a package).
"""

from __future__ import annotations

import importlib.util
import sqlite3
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from microsession.core.figures import metrics as m
from microsession.store import db
from microsession.store import metrics as store


def load_test_module(relative: str):
    path = Path(__file__).resolve().parents[1] / relative
    spec = importlib.util.spec_from_file_location(path.stem + "_shared", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


H = load_test_module("core/test_metrics.py")


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def write_history(conn: sqlite3.Connection, history=None, tasks=None) -> None:
    """HISTORY and TASKS as rows: sessions, their logs (the one that counts is the latest),
    an interruption, tasks and a batch type. One transaction."""
    history = H.HISTORY if history is None else history
    tasks = H.TASKS if tasks is None else tasks
    conn.execute("BEGIN")
    task_ids = {}
    for i, (task_type, finished, deleted) in enumerate(tasks):
        tid = f"task{i:04d}"
        created = datetime(2026, 3, 1, tzinfo=timezone.utc)
        conn.execute(
            "INSERT INTO tasks (id, title, task_type, minutes, done, created_utc, finished_utc, deleted_utc)"
            " VALUES (?, ?, ?, 15, ?, ?, ?, ?)",
            (tid, f"{task_type} {i}", task_type, int(finished is not None), iso(created),
             iso(finished) if finished else None, iso(created) if deleted else None))
        if finished is None and not deleted:
            task_ids[task_type] = tid  # sessions of this type point at the open task
    for i, (local, offset, kind, minutes, focused, outcome, energy, interrupted, task_type) in enumerate(history):
        sid = f"s{i:05d}"
        start = local.replace(tzinfo=timezone.utc) - timedelta(seconds=offset)
        end = start + timedelta(seconds=focused)
        task_id = task_ids.get(task_type)
        conn.execute(
            "INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, ended_utc, ended_offset,"
            " focused_s, outcome, task_id, batch_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sid, kind, minutes * 60.0, iso(start), offset, iso(end), offset, float(focused), outcome,
             task_id, task_type if task_type and task_id is None else None))
        if interrupted:  # an older log says otherwise; the interruption comes from the button
            conn.execute("INSERT INTO session_logs (id, session_id, written_utc, energy, interrupted)"
                         " VALUES (?, ?, ?, 1, 0)", (sid + "a", sid, iso(end)))
            conn.execute("INSERT INTO interruptions (id, session_id, at_utc) VALUES (?, ?, ?)",
                         (sid + "i", sid, iso(start + timedelta(seconds=60))))
        if energy is not None:
            conn.execute("INSERT INTO session_logs (id, session_id, written_utc, energy) VALUES (?, ?, ?, ?)",
                         (sid + "b", sid, iso(end + timedelta(seconds=30)), energy))
    conn.execute("COMMIT")


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "m.sqlite3")
    write_history(c)
    yield c
    c.close()


def test_rows_come_back_as_the_core_sees_them(conn):
    rows = store.sessions_between(conn, H.WEEK, H.WEEK + timedelta(days=7))
    assert rows == H.week_rows()  # same local days, energy of the latest log, interruption
    everything = store.all_sessions(conn)
    assert sorted(everything, key=lambda r: r.local_s) == sorted(H.ROWS, key=lambda r: r.local_s)


def test_interrupted_by_the_log_too(conn):
    conn.execute("UPDATE session_logs SET interrupted = 1 WHERE session_id = 's00001'")
    [first] = store.sessions_between(conn, H.WEEK, H.WEEK + timedelta(days=1))[:1]
    assert first.interrupted and first.energy == 3


def test_today_count_and_daily_counts(conn):
    sunday_evening = datetime(2026, 3, 29, 18, 0, tzinfo=timezone.utc)
    assert store.today_count(conn, sunday_evening, H.CEST) == 2
    # the viewer's offset picks the day; each session's own offset places it in a day
    monday_early = datetime(2026, 3, 30, 2, 0, tzinfo=timezone.utc)
    assert store.today_count(conn, monday_early, H.CEST) == 1  # Monday 04:00 in Berlin
    assert store.today_count(conn, monday_early, H.EDT) == 2  # still Sunday 22:00 in New York
    assert store.today_count(conn, datetime(2026, 3, 27, 12, tzinfo=timezone.utc), H.CET) == 0
    counts = store.daily_counts(conn, H.WEEK, H.WEEK + timedelta(days=7))
    assert counts == {H.WEEK: 2, date(2026, 3, 24): 1, date(2026, 3, 25): 1, date(2026, 3, 26): 1,
                      date(2026, 3, 29): 2}


def test_streak_from_the_store(conn):
    s = store.streak(conn, date(2026, 3, 26), goal=1)
    # Thu 1, Wed 1, Tue 1, Mon 2, Sun (22nd) 1: five met days, no grace needed
    assert (s.days, s.since, s.graces) == (5, date(2026, 3, 22), ())


def test_energy_by_hour(conn):
    by_hour = store.energy_by_hour(conn, datetime(2026, 3, 23, tzinfo=timezone.utc) - timedelta(hours=1))
    expected = m.energy_by_hour(H.ROWS[1:])
    assert by_hour == expected and by_hour[9] == m.Mean(5, 2)


def test_review_from_the_store_matches_the_pure_one(conn):
    review = store.review(conn, H.NOW, H.CEST)
    pure = H.build_review(H.WEEK, H.ROWS, H.TASK_ROWS, H.CEST, date(2026, 3, 22))
    assert review.week == pure.week and review.days == pure.days
    assert review.before == pure.before and review.energy_by_bucket == pure.energy_by_bucket
    assert review.never_finished == ["research"] and review.sentence == "7 sessions, 3 h 22 min of focus"
    assert store.review(conn, H.NOW, H.CEST, weeks_back=1).week.sessions == 1
    assert store.first_session_day(conn) == date(2026, 3, 22)


def test_unreadable_rows_are_left_out(conn):
    before = store.all_sessions(conn)
    conn.execute("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, ended_utc, focused_s,"
                 " outcome) VALUES ('bad1', 'micro', 900, 'garbage', 0, 'x', 900, 'completed'),"
                 " ('bad2', 'micro', 900, '2026-03-24T10:00:00.000+00:00', 99999999, 'x', 900, 'completed'),"
                 " ('bad3', 'micro', 900, '2026-03-24T99:99', 0, 'x', 900, 'completed')")  # in the week's range as text
    conn.execute("INSERT INTO tasks (id, title, task_type, minutes, done, created_utc, finished_utc)"
                 " VALUES ('badt', 't', 'admin', 15, 1, 'x', 'not a time')")
    assert store.all_sessions(conn) == before and store.first_session_day(conn) == date(2026, 3, 22)
    assert len(store.tasks_finished_since(conn)) == 4
    assert None not in store.energy_by_hour(conn, datetime(2000, 1, 1, tzinfo=timezone.utc))
    assert store.review(conn, H.NOW, H.CEST).week.sessions == 7


def test_sessions_written_by_the_app(tmp_path, monkeypatch):
    """Rows as the engine and the journal write them (offsets from the OS zone) read back right."""
    from microsession.core.clock import FakeClock
    from microsession.core.events import Kind
    from microsession.core.logbook import SessionLog
    from microsession.core.session import Engine
    from microsession.journal import Journal

    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")  # Berlin as a POSIX rule
    time.tzset()
    try:
        c = db.connect(tmp_path / "app.sqlite3")
        clock = FakeClock(datetime(2026, 3, 28, 22, 50, tzinfo=timezone.utc))  # Sat 23:50 CET
        engine, journal = Engine(clock), Journal(c)
        for minutes, log in ((25, SessionLog("", "", 4, False, True)), (10, None)):
            [started] = engine.start(minutes * 60, Kind.MICRO)
            journal.record([started])
            clock.advance(minutes * 60)
            journal.record(engine.tick())
            if log is not None:
                journal.add_log(started.session.id, log, clock.now_utc())
            engine.skip_break()
            clock.advance(60)
        rows = store.sessions_between(c, date(2026, 3, 28), date(2026, 3, 30))
        focus = [r for r in rows if r.kind != "break"]
        assert [(r.day, r.hour, r.energy, bool(r.interrupted)) for r in focus] == [
            (date(2026, 3, 28), 23, 4, True), (date(2026, 3, 29), 0, None, False)]  # 00:16 CET
        assert store.today_count(c, clock.now_utc(), 3600) == 1  # Sunday in Berlin
        c.close()
    finally:
        monkeypatch.undo()
        time.tzset()


def test_empty_database(tmp_path):
    c = db.connect(tmp_path / "empty.sqlite3")
    review = store.review(c, H.NOW, H.CEST)
    assert review.week.sessions == 0 and review.before == [] and review.sentence == "0 sessions, 0 min of focus"
    assert store.today_count(c, H.NOW, 0) == 0 and store.streak(c, H.WEEK, 3).days == 0


def test_today_count_is_an_index_range_scan(conn):
    plan = " ".join(r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN " + store._tally_sql("AND s.started_utc >= ? AND s.started_utc < ?"), ("a", "b")))
    assert "sessions_started" in plan, plan
    t0 = time.perf_counter()
    for _ in range(100):
        store.today_count(conn, H.NOW, H.CEST)
    assert (time.perf_counter() - t0) / 100 < 0.05  # generous: about 0.05 ms here


def test_the_review_reads_fewer_rows_and_says_what_every_row_says(tmp_path):
    """review_rows leaves out what build_review ignores (breaks before the weeks it compares,
    breaks not taken, aborted sessions) and packs the latest log: every week's review is the
    one built from all of sessions_between's rows."""
    from microsession.core.figures import review_model

    spec = importlib.util.spec_from_file_location("history_review", Path(__file__).resolve().parents[2] / "benchmarks" / "history.py")
    history = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(history)
    last = date(2026, 3, 26)
    history.generate(tmp_path / "h.sqlite3", years=0.3, per_day=6, last_day=last)
    c = db.connect(tmp_path / "h.sqlite3")
    ids = [r[0] for r in c.execute("SELECT id FROM sessions WHERE kind != 'break' ORDER BY started_utc")]
    breaks = [r[0] for r in c.execute("SELECT id FROM sessions WHERE kind = 'break' ORDER BY started_utc")]
    c.execute("BEGIN")
    for i, sid in enumerate(ids[-300::7]):  # a newer log: unrated, or saying "interrupted"
        c.execute("INSERT INTO session_logs (id, session_id, written_utc, energy, interrupted) VALUES (?, ?, ?, ?, ?)",
                  (f"late{i}", sid, "2099-01-01T00:00:00.000+00:00", None if i % 2 else 4, i % 3 == 0))
    c.executemany("UPDATE sessions SET outcome = 'stopped', focused_s = 30 WHERE id = ?", [(s,) for s in ids[-200::11]])
    c.executemany("UPDATE sessions SET focused_s = 20 WHERE id = ?", [(s,) for s in breaks[-400::5]])  # not taken
    c.execute("COMMIT")
    first_day, labels = store.first_session_day(c), store.type_labels(c)
    monday = m.week_start(last)
    for back in range(0, 16, 3):
        week = monday - timedelta(weeks=back)
        first, end = review_model.energy_since(week), week + timedelta(days=7)
        fewer = store.review_rows(c, first, end, review_model.detail_since(week))
        every = store.sessions_between(c, first, end)
        inside = [r for r in fewer if m.day_start_s(first) <= r.local_s < m.day_start_s(end)]
        assert 0 < len(inside) <= len(every) and (back or len(inside) < len(every) * 0.8)  # (+ the margins)
        tasks = store.tasks_finished_since(c, datetime(first.year, first.month, first.day, tzinfo=timezone.utc) - timedelta(days=1))
        assert store.review_for_week(c, week, 3600) == review_model.build_review(week, every, tasks, 3600, first_day, labels)
    rated = [r for r in fewer if r.energy is not None]
    assert rated and {type(r.energy) for r in rated} == {int} and {r.interrupted for r in fewer} == {0, 1}
    c.close()
