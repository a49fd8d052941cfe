from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.triggers import AfterEvents, AtTime, BackAtDesk, Rule, Suggestion
from microsession.store import db
from microsession.store import triggers as store

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "m.sqlite3")
    yield c
    c.close()


def test_three_starting_rules_ship_disabled(conn):
    rules = store.list_all(conn)
    assert [r.name for r in rules] == ["Coffee planning", "After meetings", "Back at the desk"]
    assert not any(r.enabled for r in rules) and not store.any_enabled(conn)
    coffee, meetings, desk = rules
    assert coffee.condition == AtTime((9, 0)) and coffee.suggestion.minutes == 5 and coffee.suggestion.label == "planning"
    assert meetings.condition == AfterEvents("", 2) and meetings.suggestion == Suggestion(10, "communication")
    assert meetings.incomplete()
    assert desk.condition == BackAtDesk(15) and desk.suggestion.pick == "light" and desk.suggestion.minutes == 10


def test_a_deleted_starting_rule_stays_deleted(tmp_path):
    path = tmp_path / "m.sqlite3"
    conn = db.connect(path)
    coffee = store.list_all(conn)[0]
    assert store.remove(conn, coffee.id)
    conn.close()
    conn = db.connect(path)  # the migrations do not run again
    assert "Coffee planning" not in [r.name for r in store.list_all(conn)]
    conn.close()


def test_add_update_enable_remove(conn):
    rule = store.new_rule("Stand-up", AtTime((10, 30), frozenset({0, 2})), Suggestion(10, "communication"))
    store.add(conn, rule, T0)
    assert store.get(conn, rule.id) == rule and store.any_enabled(conn)
    assert store.find(conn, rule.id[:6]) == [rule]
    store.mark_fired(conn, rule.id, T0)
    renamed = Rule(rule.id, "Daily stand-up", True, rule.condition, Suggestion(15))
    assert store.update(conn, renamed)
    assert store.get(conn, rule.id) == renamed
    assert store.last_fired(conn) == {rule.id: T0}  # same condition: the last firing stays
    moved = Rule(rule.id, "Daily stand-up", True, AtTime((11, 0)), Suggestion(15))
    assert store.update(conn, moved)
    assert store.last_fired(conn) == {}  # another schedule: no catch-up from the old one
    assert store.set_enabled(conn, rule.id, False) and not store.any_enabled(conn)
    assert [r.name for r in store.rules(conn, enabled_only=True)] == []
    assert store.remove(conn, rule.id) and store.get(conn, rule.id) is None
    assert not store.update(conn, moved) and not store.set_enabled(conn, rule.id, True)


def test_a_damaged_row_is_listed_not_fatal(conn):
    conn.execute("UPDATE triggers SET condition = '{\"kind\": \"time\", \"at\": \"99:00\"}' WHERE name = 'Coffee planning'")
    conn.execute("UPDATE triggers SET suggestion = 'not json' WHERE name = 'Back at the desk'")
    listed = store.list_all(conn)
    damaged = [r for r in listed if isinstance(r, store.Damaged)]
    assert [d.name for d in damaged] == ["Coffee planning", "Back at the desk"]
    assert "expected a time" in damaged[0].reason
    assert [r.name for r in store.rules(conn)] == ["After meetings"]


def test_any_enabled_is_false_without_the_table(tmp_path):
    raw = sqlite3.connect(tmp_path / "old.sqlite3")
    assert store.any_enabled(raw) is False
    raw.close()


def _rated_session(conn, i, local, offset, energy):
    start = local.replace(tzinfo=timezone.utc) - timedelta(seconds=offset)
    iso = lambda m: m.isoformat(timespec="milliseconds")  # noqa: E731
    conn.execute("INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, ended_utc, ended_offset,"
                 " focused_s, outcome) VALUES (?, 'micro', 600, ?, ?, ?, ?, 600, 'completed')",
                 (f"s{i}", iso(start), offset, iso(start + timedelta(minutes=10)), offset))
    conn.execute("INSERT INTO session_logs (id, session_id, written_utc, energy) VALUES (?, ?, ?, ?)",
                 (f"l{i}", f"s{i}", iso(start + timedelta(minutes=11)), energy))


def test_energy_data_by_local_hour_and_rated_days(conn):
    now = datetime(2026, 3, 20, 20, 0, tzinfo=timezone.utc)
    i = 0
    for day in range(15):
        for hour, value in ((9, 5), (10, 4), (15, 2), (16, 2)):
            local = datetime(2026, 3, 5 + day, hour, 15)
            _rated_session(conn, i, local, 3600, value)  # UTC+1: stored an hour earlier in UTC
            i += 1
    by_hour, days = store.energy_data(conn, now)
    assert days == 15
    assert {h: round(m.mean, 2) for h, m in by_hour.items()} == {9: 5.0, 10: 4.0, 15: 2.0, 16: 2.0}
