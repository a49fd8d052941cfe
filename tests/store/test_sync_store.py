"""Sync through a folder, store side: real SQLite files of several "devices" and one shared
folder (what Syncthing would carry is simply the same folder here)."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microsession.core.clock import FakeClock
from microsession.core.events import Kind
from microsession.core.ids import new_id
from microsession.core.session import Engine
from microsession.core.tasks import new_task
from microsession.journal import Journal
from microsession.store import db, sessions
from microsession.store import sync_import, sync_journal
from microsession.store import tasks as task_store

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


class Device:
    def __init__(self, root: Path, name: str, shared: Path):
        self.data = root / name
        self.data.mkdir()
        self.conn = db.connect(self.data / "m.sqlite3")
        self.shared = shared
        sync_journal.enable(self.conn)
        self.id = sync_journal.state(self.conn).device

    def export(self, wall_ms=None):
        sync_journal.claim(self.conn, self.shared, "dev")
        return sync_journal.export(self.conn, self.shared, wall_ms=wall_ms)

    def import_(self, wall_ms=None):
        return sync_import.import_folder(self.conn, self.shared, self.data, wall_ms=wall_ms)

    def sync(self):
        self.export()
        return self.import_()


def content(conn: sqlite3.Connection) -> dict:
    """Every synced table's rows, in key order."""
    out = {}
    for table, cols in sync_journal.SYNCED.items():
        out[table] = [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {', '.join(cols)}")]
    return out


def run_session(conn, clock, minutes=10, task_id=None):
    engine, journal = Engine(clock), Journal(conn)
    [started] = engine.start(minutes * 60, Kind.MICRO, task_id=task_id)
    journal.record([started])
    clock.advance(minutes * 60)
    journal.record(engine.tick())
    clock.advance(60)
    return started.session.id


@pytest.fixture
def shared(tmp_path):
    folder = tmp_path / "Sync"
    folder.mkdir()
    return folder


def test_sessions_of_two_devices_reach_both(tmp_path, shared):
    a, b = Device(tmp_path, "a", shared), Device(tmp_path, "b", shared)
    s1 = run_session(a.conn, FakeClock(T0))
    s2 = run_session(b.conn, FakeClock(T0 + timedelta(minutes=3)))
    a.sync(), b.sync(), a.sync()
    for dev in (a, b):
        ids = {r[0] for r in dev.conn.execute("SELECT id FROM sessions")}
        assert ids == {s1, s2}
    assert content(a.conn) == content(b.conn)
    # each session knows the computer it ran on; each device recovers only its own open ones
    assert dict(a.conn.execute("SELECT id, device FROM sessions")) == {s1: a.id, s2: b.id}
    month = datetime.now(timezone.utc).strftime("%Y-%m.jsonl")
    assert {p.name for p in (shared / "devices" / a.id).iterdir()} == {"device.json", month}


def test_history_before_sync_goes_out_and_nothing_twice(tmp_path, shared):
    a_data = tmp_path / "old"
    a_data.mkdir()
    conn = db.connect(a_data / "m.sqlite3")
    old = run_session(conn, FakeClock(T0))
    assert sync_journal.pending(conn) == 0  # nothing tracked before sync is on
    assert sync_journal.enable(conn) is True and sync_journal.enable(conn) is False
    assert sync_journal.pending(conn) > 0
    assert sync_journal.claim(conn, shared, "old") is None
    assert sync_journal.export(conn, shared) > 0
    assert sync_journal.export(conn, shared) == 0
    b = Device(tmp_path, "b", shared)
    own = sync_journal.pending(b.conn)  # b's own task types, stack templates, starting rules
    first = b.import_()
    assert first.applied > 0 and b.conn.execute("SELECT count(*) FROM sessions WHERE id = ?", (old,)).fetchone()[0] == 1
    again = b.import_()
    assert again.applied == 0 and again.files == 0
    # imported rows are not sent back out by b
    assert sync_journal.pending(b.conn) == own


def test_row_edited_on_both_converges_to_the_later_edit(tmp_path, shared):
    a, b = Device(tmp_path, "a", shared), Device(tmp_path, "b", shared)
    task = new_task("Draft intro", "admin", 15, None, None, now=T0)
    task_store.add(a.conn, task)
    a.sync(), b.sync()
    b.conn.execute("UPDATE tasks SET title = 'from b' WHERE id = ?", (task.id,))
    b.export(wall_ms=2_000_000_000_000)
    a.conn.execute("UPDATE tasks SET title = 'from a' WHERE id = ?", (task.id,))
    a.export(wall_ms=2_000_000_000_500)  # later
    for _ in range(2):
        a.sync(), b.sync()
    titles = [d.conn.execute("SELECT title FROM tasks WHERE id = ?", (task.id,)).fetchone()[0] for d in (a, b)]
    assert titles == ["from a", "from a"]


def test_delete_is_a_tombstone(tmp_path, shared):
    a, b = Device(tmp_path, "a", shared), Device(tmp_path, "b", shared)
    a.conn.execute("INSERT INTO stacks (name, json) VALUES ('Mine', '[]')")
    a.sync(), b.sync()
    b.conn.execute("DELETE FROM stacks WHERE name = 'Mine'")
    b.sync(), a.sync()
    for dev in (a, b):
        assert dev.conn.execute("SELECT count(*) FROM stacks WHERE name = 'Mine'").fetchone()[0] == 0


def test_conflict_copy_is_merged_and_reported(tmp_path, shared):
    a, b = Device(tmp_path, "a", shared), Device(tmp_path, "b", shared)
    folder = shared / "devices" / a.id
    folder.mkdir(parents=True)
    sid = new_id()
    row = {"id": sid, "kind": "micro", "planned_s": 600.0, "started_utc": "2026-03-01T09:00:00.000+00:00",
           "started_offset": 0, "ended_utc": "2026-03-01T09:10:00.000+00:00", "ended_offset": 0,
           "focused_s": 600.0, "paused_s": 0.0, "paused_at_utc": None, "outcome": "completed", "task_id": None,
           "stack_run_id": None, "stack_position": None, "batch_type": None, "device": a.id}
    line = {"seq": 7, "stamp": f"1772355600000.0000.{a.id}", "table": "sessions", "key": sid, "row": row}
    (folder / "2026-03.sync-conflict-20260301-101010-ABCDEFG.jsonl").write_text(json.dumps(line) + "\n")
    got = b.import_()
    assert got.conflicts == [f"devices/{a.id}/2026-03.sync-conflict-20260301-101010-ABCDEFG.jsonl"]
    assert b.conn.execute("SELECT outcome FROM sessions WHERE id = ?", (sid,)).fetchone()[0] == "completed"
    # a's own conflict copy is merged into a as well (nothing in it is lost)
    assert a.import_().applied == 1


@pytest.mark.parametrize("text, why", [
    (b"\x00\x01garbage\n", "not JSON"),
    (b'{"seq": 1}\n', "not a change"),
    (b'{"seq":1,"stamp":"1772355600000.0000.OTHER","table":"sessions","key":"x","row":null}\n', "malformed"),
    (b'{"seq":1,"stamp":"1772355600000.0000.%s","table":"settings","key":"hook_session_end","row":{}}\n', "never synced"),
    (b'{"seq":1,"stamp":"1772355600000.0000.%s","table":"sessions","key":"k","row":{"id":"k","planned_s":"DROP"}}\n', "wrong value"),
    (b'{"seq":1,"stamp":"1772355600000.0000.%s","table":"sessions","key":"k","row":{"id":"k","kind":"nap","planned_s":1.0,"started_utc":"x","started_offset":0}}\n', "breaks a rule"),
    (b'{"seq":1,"stamp":"9772355600000.0000.%s","table":"sessions","key":"k","row":null}\n', "ahead"),
    (b'{"seq":1,"stamp":"1772355600000.0000.%s","table":"tasks","key":"other","row":{"id":"k"}}\n', "does not match"),
])
def test_hostile_file_is_set_aside_and_changes_nothing(tmp_path, shared, text, why):
    a, b = Device(tmp_path, "a", shared), Device(tmp_path, "b", shared)
    run_session(a.conn, FakeClock(T0))
    a.export()
    good = b.import_()
    assert good.applied > 0
    before = content(b.conn)
    bad = shared / "devices" / a.id / "2026-04.jsonl"
    ok_line = sync_journal.own_files(shared / "devices" / a.id)[0].read_bytes().splitlines()[0] + b"\n"
    bad.write_bytes(ok_line + (text % a.id.encode() if b"%s" in text else text))
    got = b.import_()
    assert len(got.problems) == 1 and why in got.problems[0], got.problems
    assert content(b.conn) == before
    if why != "ahead":  # (that one only waits for this computer's clock: read again each round)
        assert (b.data / "sync-set-aside" / f"devices_{a.id}_2026-04.jsonl").read_bytes() == bad.read_bytes()
    assert [r[0] for r in b.conn.execute("PRAGMA integrity_check")] == ["ok"]
    # told again while it stays as it is, read again once it changes
    assert b.import_().problems == got.problems
    bad.write_bytes(ok_line)
    assert b.import_().problems == []


def test_kill_between_file_and_commit_writes_again(tmp_path, shared, monkeypatch):
    a, b = Device(tmp_path, "a", shared), Device(tmp_path, "b", shared)
    sid = run_session(a.conn, FakeClock(T0))

    def boom(*_args, **_kw):
        raise KeyboardInterrupt

    from microsession.store import export as export_mod

    real = export_mod.write_file
    calls = []

    def write_then_die(path, data):
        real(path, data)
        if path.suffix == ".jsonl":
            calls.append(path)
            boom()

    monkeypatch.setattr(export_mod, "write_file", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        a.export()
    monkeypatch.setattr(export_mod, "write_file", real)
    assert calls and sync_journal.pending(a.conn) > 0
    a.conn.execute("UPDATE sessions SET focused_s = 1.5 WHERE id = ?", (sid,))
    assert a.export() > 0
    lines = [json.loads(x) for x in calls[0].read_text().splitlines()]
    assert [x["seq"] for x in lines] == list(range(1, len(lines) + 1))  # no sequence number twice
    b.import_()
    assert b.conn.execute("SELECT focused_s FROM sessions WHERE id = ?", (sid,)).fetchone()[0] == 1.5


def test_a_copied_data_file_takes_a_new_id_and_both_keep_syncing(tmp_path, shared):
    a = Device(tmp_path, "a", shared)
    first = run_session(a.conn, FakeClock(T0))
    a.sync()
    (tmp_path / "copy").mkdir()  # the data folder copied to a new computer
    a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    import shutil

    shutil.copy(a.data / "m.sqlite3", tmp_path / "copy" / "m.sqlite3")
    c = Device.__new__(Device)
    c.data, c.shared = tmp_path / "copy", shared
    c.conn = db.connect(c.data / "m.sqlite3")
    assert sync_journal.state(c.conn).device == a.id
    note = sync_journal.claim(c.conn, shared, "copy")
    assert note and "copied" in note
    c.id = sync_journal.state(c.conn).device
    assert c.id != a.id and sync_journal.claim(a.conn, shared, "dev") is None
    on_a = run_session(a.conn, FakeClock(T0 + timedelta(hours=1)))
    on_c = run_session(c.conn, FakeClock(T0 + timedelta(hours=2)))
    for dev in (a, c, a, c):
        dev.sync()
    for dev in (a, c):
        ids = {r[0] for r in dev.conn.execute("SELECT id FROM sessions")}
        assert {first, on_a, on_c} <= ids
    assert content(a.conn) == content(c.conn)


# --- property: three devices, random changes, merged in any order -------------------------------

OPS = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["add", "edit", "delete", "sync", "export",
                                                             "stack", "unstack", "conflict copy"]),
                         st.integers(0, 3), st.integers(0, 10**6)), max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, order=st.randoms(use_true_random=False))
def test_any_interleaving_on_three_devices_gives_the_same_content(tmp_path_factory, ops, order):
    root = tmp_path_factory.mktemp("prop")
    shared = root / "Sync"
    shared.mkdir()
    devs = [Device(root, n, shared) for n in "abc"]
    keys = ["%032x" % (k + 1) for k in range(4)]
    for dev_i, op, k, value in ops:
        dev, key = devs[dev_i], keys[k]
        if op == "add":
            dev.conn.execute("INSERT INTO tasks (id, title, task_type, minutes, created_utc) VALUES (?, ?, 'admin', 15, ?)"
                             " ON CONFLICT (id) DO UPDATE SET title = excluded.title", (key, f"t{value}", T0.isoformat()))
        elif op == "edit":
            dev.conn.execute("UPDATE tasks SET minutes = ? WHERE id = ?", (5 + value % 100, key))
        elif op == "delete":
            dev.conn.execute("DELETE FROM tasks WHERE id = ?", (key,))
        elif op == "stack":
            dev.conn.execute("INSERT INTO stacks (name, json) VALUES (?, ?) ON CONFLICT (name) DO UPDATE"
                             " SET json = excluded.json", (f"s{k}", f"[{value}]"))
        elif op == "unstack":
            dev.conn.execute("DELETE FROM stacks WHERE name = ?", (f"s{k}",))
        elif op == "conflict copy":  # what a sync engine leaves when a file changed in two places
            own = sync_journal.own_files(shared / "devices" / dev.id)
            if own:
                copy = own[-1].with_name(f"{own[-1].stem}.sync-conflict-2026{value:06d}-ABCDEFG.jsonl")
                copy.write_bytes(own[-1].read_bytes()[: value % (own[-1].stat().st_size + 1)])
        elif op == "export":
            dev.export()
        else:
            dev.sync()
    for _ in range(2):  # then everything reaches everyone, in a random order
        order.shuffle(devs)
        for dev in devs:
            dev.sync()
    first = content(devs[0].conn)
    for dev in devs[1:]:
        assert content(dev.conn) == first


def test_links_and_pipes_in_the_folder_are_never_opened(tmp_path, shared):
    import os

    b = Device(tmp_path, "b", shared)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the sync folder\n")
    evil = shared / "devices" / ("d" * 32)
    evil.mkdir(parents=True)
    (evil / "2026-01.jsonl").symlink_to(secret)
    os.mkfifo(evil / "2026-02.jsonl")  # opening it would block the round for ever
    (shared / "devices" / ("c" * 32)).symlink_to(tmp_path, target_is_directory=True)
    got = b.import_()
    assert got.files == 0 and got.problems == []
    assert not (b.data / "sync-set-aside").exists()


def test_a_restored_backup_takes_back_what_this_computer_had_sent(tmp_path, shared):
    import shutil

    a = Device(tmp_path, "a", shared)
    task = new_task("Draft intro", "admin", 15, None, None, now=T0)
    task_store.add(a.conn, task)
    a.sync()
    a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(a.data / "m.sqlite3", tmp_path / "backup.sqlite3")
    a.conn.execute("UPDATE tasks SET title = 'after the backup' WHERE id = ?", (task.id,))
    a.sync()
    files_read = a.import_().files
    assert files_read == 0  # its own lines are not read back
    a.conn.close()
    shutil.copy(tmp_path / "backup.sqlite3", a.data / "m.sqlite3")  # restored: an older file
    for suffix in ("-wal", "-shm"):
        (a.data / f"m.sqlite3{suffix}").unlink(missing_ok=True)
    a.conn = db.connect(a.data / "m.sqlite3")
    assert a.conn.execute("SELECT title FROM tasks").fetchone()[0] == "Draft intro"
    a.sync()
    assert a.conn.execute("SELECT title FROM tasks").fetchone()[0] == "after the backup"


def test_another_folder_cannot_plant_a_running_session_of_this_computer(tmp_path, shared):
    b = Device(tmp_path, "b", shared)
    evil = shared / "devices" / ("a" * 32)
    evil.mkdir(parents=True)
    (evil / "device.json").write_text(json.dumps({"name": "\x1b[31mred\x1b[0m", "device": "a" * 32}))
    sid = new_id()
    row = {"id": sid, "kind": "micro", "planned_s": 600.0, "started_utc": "2026-03-01T09:00:00.000+00:00",
           "started_offset": 0, "paused_s": 0.0, "device": b.id}
    line = {"seq": 1, "stamp": f"1772355600000.0000.{'a' * 32}", "table": "sessions", "key": sid, "row": row}
    (evil / "2026-03.jsonl").write_text(json.dumps(line) + "\n")
    got = b.import_()
    assert got.read == 1 and got.applied == 0 and got.problems == []
    assert sessions.open_sessions(b.conn) == []
    assert b.conn.execute("SELECT name FROM sync_peers").fetchone()[0] == "[31mred[0m"


def test_a_clock_set_back_by_days_still_exports_after_its_own_stamps(tmp_path, shared):
    a = Device(tmp_path, "a", shared)
    a.export()
    a.conn.execute("UPDATE sync_state SET hlc_ms = 0, hlc_counter = 0")  # as if that commit was lost
    a.conn.execute("INSERT INTO stacks (name, json) VALUES ('Later', '[]')")
    assert a.export(wall_ms=1_700_000_000_000) == 1  # a clock years behind its last line
    lines = [json.loads(x) for p in sync_journal.own_files(shared / "devices" / a.id) for x in p.read_text().splitlines()]
    later = [x["stamp"] for x in lines if x["key"] == "Later"]
    assert len(later) == 1 and later[0] > max(x["stamp"] for x in lines if x["key"] != "Later")


def test_a_file_ahead_of_this_clock_is_merged_once_the_clock_catches_up(tmp_path, shared):
    a, b = Device(tmp_path, "a", shared), Device(tmp_path, "b", shared)
    a.conn.execute("INSERT INTO stacks (name, json) VALUES ('Ahead', '[]')")
    a.export()
    behind = sync_journal.now_ms() - 3 * 24 * 3600 * 1000  # b's clock three days behind
    got = b.import_(wall_ms=behind)
    assert len(got.problems) == 1 and "clock" in got.problems[0]
    assert b.conn.execute("SELECT count(*) FROM stacks WHERE name = 'Ahead'").fetchone()[0] == 0
    assert b.import_().problems == []  # the clock put right, the same unchanged file is merged
    assert b.conn.execute("SELECT count(*) FROM stacks WHERE name = 'Ahead'").fetchone()[0] == 1
