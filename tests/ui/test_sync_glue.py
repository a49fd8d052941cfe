"""Sync in the running shell (real QApplication, real SQLite files, a real folder watched by
QFileSystemWatcher): a session ended here goes out, another computer's comes in by itself,
a hostile file is told once, and nothing runs while no folder is set."""

from __future__ import annotations

from dataclasses import replace

import pytest

from microsession.core.clock import FakeClock
from microsession.core.events import Kind
from microsession.core.session import Engine
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.store import db, sync_journal
from microsession.ui.session.controller import Controller
from microsession.ui.shell import Shell


@pytest.fixture
def shell(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    (tmp_path / "here").mkdir()
    conn = db.connect(tmp_path / "here" / "m.sqlite3")
    clock = FakeClock()
    s = Shell(qapp, Controller(Engine(clock), Journal(conn), clock, Settings()), conn)
    told: list[str] = []
    monkeypatch.setattr(s, "tell", told.append)
    s.told = told
    yield s
    s.sync.stop()
    s.triggers.shutdown()
    conn.close()


def other_computer(tmp_path, shared):
    (tmp_path / "there").mkdir()
    conn = db.connect(tmp_path / "there" / "m.sqlite3")
    sync_journal.enable(conn)
    clock = FakeClock()
    engine, journal = Engine(clock), Journal(conn)
    [started] = engine.start(600, Kind.MICRO)
    journal.record([started])
    clock.advance(600)
    journal.record(engine.tick())
    sync_journal.claim(conn, shared, "there")
    sync_journal.export(conn, shared)
    return conn, started.session.id


def test_nothing_runs_without_a_folder(shell):
    shell.sync.start()
    assert shell.sync.folder is None and shell.sync._watcher is None


def test_sessions_go_out_and_come_in_by_themselves(shell, qtbot, tmp_path):
    shared = tmp_path / "Sync"
    shared.mkdir()
    shell.apply_settings(replace(Settings(), sync_folder=str(shared), device_name="here"))
    me = sync_journal.state(shell.conn).device
    qtbot.waitUntil(lambda: sync_journal.own_files(shared / "devices" / me) != [] and not shell.sync._busy,
                    timeout=10000)
    shell.c.start(300, Kind.MICRO)  # a session here: its row goes out soon after it starts
    sid = shell.c.engine.current.id
    qtbot.waitUntil(lambda: any(sid in p.read_text() for p in sync_journal.own_files(shared / "devices" / me)),
                    timeout=10000)
    there, theirs = other_computer(tmp_path, shared)  # the watcher sees the new folder and file
    qtbot.waitUntil(lambda: shell.conn.execute("SELECT count(*) FROM sessions WHERE id = ?", (theirs,)).fetchone()[0],
                    timeout=10000)
    there.close()
    assert shell.told == []
    shell.apply_settings(replace(Settings(), sync_folder=""))
    assert shell.sync.folder is None


def test_a_hostile_file_is_told_once(shell, qtbot, tmp_path):
    shared = tmp_path / "Sync"
    (shared / "devices" / ("e" * 32)).mkdir(parents=True)
    shell.apply_settings(replace(Settings(), sync_folder=str(shared)))
    qtbot.waitUntil(lambda: not shell.sync._busy, timeout=10000)
    (shared / "devices" / ("e" * 32) / "2026-01.jsonl").write_bytes(b"<html>not a journal</html>\n")
    qtbot.waitUntil(lambda: len(shell.told) == 1, timeout=10000)
    assert "set aside" in shell.told[0] and "2026-01.jsonl" in shell.told[0]
    shell.sync.run()
    qtbot.waitUntil(lambda: not shell.sync._busy, timeout=10000)
    assert len(shell.told) == 1


def test_a_folder_that_is_gone_is_told_once(shell, qtbot, tmp_path):
    shell.apply_settings(replace(Settings(), sync_folder=str(tmp_path / "unplugged")))
    qtbot.waitUntil(lambda: len(shell.told) == 1, timeout=10000)
    assert "does not exist" in shell.told[0]
