from __future__ import annotations

import json

import pytest

from microsession.core.stacks import TEMPLATES, Stack, Step
from microsession.store import db
from microsession.store import stacks as store

TEMPLATE_NAMES = [t.name for t in TEMPLATES]


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "x.sqlite3")
    yield c
    c.close()


def mine(name="Mine", *minutes):
    steps = [Step("focus", m or 10, f"part {i}") for i, m in enumerate(minutes or (10,))]
    return Stack(name, tuple(steps))


def test_seeding_puts_the_templates_first_once(conn):
    store.save(conn, mine("Early bird"))  # a stack of the user's from before seeding
    assert store.seed_templates(conn) is True
    assert store.seed_templates(conn) is False
    stacks, problems = store.list_stacks(conn)
    assert problems == []
    assert [s.name for s in stacks] == [*TEMPLATE_NAMES, "Early bird"]
    assert stacks[:len(TEMPLATES)] == list(TEMPLATES)


def test_seeding_never_resurrects_or_overwrites_a_template(conn, tmp_path):
    store.seed_templates(conn)
    store.delete(conn, "Inbox zero")
    edited = Stack("Deep morning", (Step("focus", 120, "Deep work"),))
    store.save(conn, edited, old_name="Deep morning")
    conn.close()
    again = db.connect(tmp_path / "x.sqlite3")  # the next start of the app
    try:
        assert store.seed_templates(again) is False
        names = [s.name for s in store.list_stacks(again)[0]]
        assert "Inbox zero" not in names
        assert store.get(again, "Deep morning") == edited
    finally:
        again.close()


def test_a_user_stack_named_like_a_template_is_kept(conn):
    own = Stack("Inbox zero", (Step("focus", 25, "my way"),))
    store.save(conn, own)
    store.seed_templates(conn)
    assert store.get(conn, "Inbox zero") == own
    assert [s.name for s in store.list_stacks(conn)[0]].count("Inbox zero") == 1


def test_save_insert_update_rename(conn):
    store.save(conn, mine("A", 10))
    store.save(conn, mine("B", 15))
    store.save(conn, mine("A", 20), old_name="A")
    assert store.get(conn, "A").steps[0].minutes == 20
    store.save(conn, mine("A2", 25), old_name="A")
    assert store.get(conn, "A") is None
    assert [s.name for s in store.list_stacks(conn)[0]] == ["A2", "B"]  # the place is kept
    stored = json.loads(conn.execute("SELECT json FROM stacks WHERE name = 'A2'").fetchone()[0])
    assert stored["name"] == "A2"


def test_a_name_clash_is_a_clear_value_error_and_writes_nothing(conn):
    store.save(conn, mine("Writing"))
    store.save(conn, mine("Reading"))
    before = conn.execute("SELECT * FROM stacks ORDER BY name").fetchall()
    with pytest.raises(ValueError, match="already a stack named 'Writing'"):
        store.save(conn, mine("writing"))
    with pytest.raises(ValueError, match="already a stack named 'Writing'"):
        store.save(conn, mine("Writing"), old_name="Reading")
    assert [tuple(r) for r in conn.execute("SELECT * FROM stacks ORDER BY name")] == [tuple(r) for r in before]
    store.save(conn, mine("WRITING", 30), old_name="Writing")  # its own name in other letters: fine
    assert store.get(conn, "WRITING").steps[0].minutes == 30


def test_saving_a_stack_deleted_meanwhile_keeps_the_edit(conn):
    store.save(conn, mine("Gone"))
    store.delete(conn, "Gone")
    store.save(conn, mine("Gone", 40), old_name="Gone")
    assert store.get(conn, "Gone").steps[0].minutes == 40


def test_delete_and_move(conn):
    for name in "ABCD":
        store.save(conn, mine(name))
    assert store.delete(conn, "B") is True
    assert store.delete(conn, "B") is False
    store.move(conn, "D", 0)
    assert [s.name for s in store.list_stacks(conn)[0]] == ["D", "A", "C"]
    store.move(conn, "D", 99)
    assert [s.name for s in store.list_stacks(conn)[0]] == ["A", "C", "D"]
    with pytest.raises(ValueError, match="no stack named 'B'"):
        store.move(conn, "B", 0)


@pytest.mark.parametrize("text", [
    "{not json",
    '{"name": "Broken", "steps": []}',
    '{"name": "Broken", "steps": [{"kind": "break", "minutes": 5}]}',
    '{"name": "Broken", "steps": [{"kind": "focus", "minutes": 999}]}',
    "[" * 5000 + "]" * 5000,
    '"just text"',
])
def test_a_damaged_row_is_skipped_with_a_problem(conn, text):
    store.seed_templates(conn)
    conn.execute("INSERT INTO stacks (name, json, position) VALUES ('Broken', ?, 1)", (text,))
    stacks, problems = store.list_stacks(conn)
    assert [s.name for s in stacks] == TEMPLATE_NAMES
    assert len(problems) == 1 and "'Broken'" in problems[0] and "\n" not in problems[0]
    assert store.get(conn, "Broken") is None
    assert "Broken" in store.names(conn)
    assert store.delete(conn, "Broken") is True
    assert store.list_stacks(conn)[1] == []


def test_the_row_name_wins_over_the_name_inside_the_json(conn):
    store.save(conn, mine("Outer"))
    conn.execute("UPDATE stacks SET json = replace(json, '\"Outer\"', '\"Inner\"')")
    assert [s.name for s in store.list_stacks(conn)[0]] == ["Outer"]


def test_seeding_twice_from_two_connections_seeds_once(tmp_path, conn):
    other = db.connect(tmp_path / "x.sqlite3")
    try:
        assert store.seed_templates(conn) is True
        assert store.seed_templates(other) is False
        assert len(store.list_stacks(other)[0]) == len(TEMPLATES)
    finally:
        other.close()


def test_a_read_only_file_that_was_seeded_still_lists(tmp_path, conn):
    store.seed_templates(conn)
    ro = db.sqlite3.connect(f"file:{tmp_path / 'x.sqlite3'}?mode=ro", uri=True, isolation_level=None)
    try:
        assert store.seed_templates(ro) is False  # no write was attempted
        assert len(store.list_stacks(ro)[0]) == len(TEMPLATES)
    finally:
        ro.close()
