"""The control server in a real QApplication with a real Shell and Controller (offscreen),
talked to by clients on threads, as `microsession pause` would from another process."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from microsession.control import client as client
from microsession.control import instance as instance
from microsession.control import protocol as protocol
from microsession.core.clock import FakeClock
from microsession.core.session import Engine, State
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.store import db
from microsession.control import server as control_server
from microsession.ui.session.controller import Controller
from microsession.ui.shell import Shell


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    return tmp_path / "data"


@pytest.fixture
def shell(qapp, folder):
    folder.mkdir()
    conn = db.connect(folder / "m.sqlite3")
    clock = FakeClock()
    s = Shell(qapp, Controller(Engine(clock), Journal(conn), clock, Settings()), conn)
    yield s
    for part in (s._ring, s._popup):
        if part is not None:
            part.hide()
    if s._notifier is not None:
        s._notifier.shutdown()
    conn.close()


@pytest.fixture
def server(shell, folder):
    claimed = instance.claim(folder)
    assert claimed is not None
    srv = control_server.serve(claimed, shell)
    yield srv
    srv.close()
    claimed.close()


def in_thread(qtbot, work, timeout: float = 10.0):
    """Run `work()` on a thread (a client elsewhere) while the GUI thread serves; its result."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=int(timeout * 1000))
    if "error" in box:
        raise box["error"]
    return box["value"]


def ask(qtbot, folder, cmd: str, **args) -> dict:
    return in_thread(qtbot, lambda: client.send(folder, protocol.request(cmd, **args)))


def raw(qtbot, folder, data: bytes, shut: bool = False) -> bytes:
    """Send raw bytes (optionally half-closing), read what comes back until the server closes."""
    def work() -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(8)
            sock.connect(str(client.socket_path(folder)))
            try:
                sock.sendall(data)
            except OSError:
                pass  # the server may close on us mid-way (too large)
            if shut:
                sock.shutdown(socket.SHUT_WR)
            got = b""
            while chunk := sock.recv(8192):
                got += chunk
            return got
    return in_thread(qtbot, work)


def test_start_status_pause_resume_stop(qtbot, shell, server, folder):
    idle = ask(qtbot, folder, "status")
    assert idle["ok"] and idle["status"]["state"] == "idle" and idle["status"]["app_running"] is True
    started = ask(qtbot, folder, "start", minutes=5)
    assert started["ok"] and shell.c.engine.state is State.RUNNING
    assert started["status"]["state"] == "running" and started["status"]["remaining"] == "05:00"
    shell.c.clock.advance(61)
    status = ask(qtbot, folder, "status")["status"]
    assert status["phase"] == "focus" and status["remaining_s"] == pytest.approx(239, abs=0.1)
    assert status["remaining"] == "03:59" and status["percentage"] == 20
    again = ask(qtbot, folder, "start", minutes=5)
    assert again == {"ok": False, "error": "a session is already running"}
    assert ask(qtbot, folder, "pause")["status"]["state"] == "paused"
    assert ask(qtbot, folder, "pause") == {"ok": False, "error": "the session is paused already"}
    assert ask(qtbot, folder, "resume")["status"]["state"] == "running"
    assert ask(qtbot, folder, "stop")["status"]["state"] == "idle"
    assert shell.c.engine.state is State.IDLE
    assert ask(qtbot, folder, "skip-break") == {"ok": False, "error": "no break to skip"}
    assert ask(qtbot, folder, "resume") == {"ok": False, "error": "nothing is paused"}


def test_default_length_show_and_skip_break(qtbot, shell, server, folder):
    reply = ask(qtbot, folder, "start")
    assert reply["ok"] and shell.c.engine.current.planned_s == Settings().default_minutes * 60
    assert ask(qtbot, folder, "show")["ok"] and shell.ring_visible()
    shell.c.clock.advance(Settings().default_minutes * 60)
    shell.c.wake()
    shell.popup.save()  # the log answered: the break starts
    assert ask(qtbot, folder, "status")["status"]["phase"] == "break"
    assert ask(qtbot, folder, "skip-break")["status"]["state"] == "idle"


def test_unknown_task_type_and_stack_are_refused_in_a_sentence(qtbot, shell, server, folder):
    for key, value in (("task", "abcd1234"), ("type", "juggling"), ("stack", "No such stack")):
        reply = ask(qtbot, folder, "start", **{key: value})
        assert reply["ok"] is False and reply["error"], reply
        assert "available" in reply["error"] or value.lower() in reply["error"].lower()
    assert shell.c.engine.state is State.IDLE


def test_minutes_with_a_type_start_a_batch_of_that_length(qtbot, shell, server, folder):
    from microsession.core.tasks import new_task
    from microsession.store import tasks as task_store

    for title in ("Reply to Anna", "Send the invoice"):
        task_store.add(shell.conn, new_task(title, "communication", 10, now=shell.c.clock.now_utc()))
    reply = ask(qtbot, folder, "start", minutes=20, type="communication")
    assert reply["ok"], reply
    assert shell.c.engine.current.planned_s == 1200
    assert shell.c.engine.current.tags.batch_type == "communication"
    assert len(shell.c.engine.current.tags.batch_task_ids) == 2


def test_malformed_and_oversized_requests_get_an_error_and_the_server_lives_on(qtbot, shell, server, folder):
    for data in (b"not json\n", b'{"cmd": "dance"}\n', b"\xff\xfe\n", b'{"cmd": "start", "minutes": -1}\n'):
        reply = protocol.decode(raw(qtbot, folder, data).rstrip(b"\n"))
        assert reply["ok"] is False and reply["error"], data
    big = raw(qtbot, folder, b"x" * (protocol.MAX_LINE * 4))
    assert b"longer than" in big
    half = protocol.decode(raw(qtbot, folder, b'{"cmd": "status"}', shut=True).rstrip(b"\n"))
    assert half["ok"] and half["status"]["state"] == "idle"  # no newline, but the end of the request
    assert raw(qtbot, folder, b"", shut=True) == b""  # a word-less client is just closed
    assert ask(qtbot, folder, "status")["ok"]
    assert server._clients == {}


def test_a_silent_client_is_dropped_after_its_time_out_and_nothing_ticks_when_idle(qtbot, server, folder, monkeypatch):
    monkeypatch.setattr(control_server, "CLIENT_TIMEOUT_MS", 200)
    got = raw(qtbot, folder, b'{"cmd": "sta')  # never finishes its line
    assert got == b""
    qtbot.waitUntil(lambda: server._clients == {}, timeout=5000)
    assert not [t for t in server.findChildren(QTimer) if t.isActive()]
    assert ask(qtbot, folder, "status")["ok"]


def test_quit_answers_first_then_quits(qtbot, shell, server, folder, monkeypatch):
    quits = []
    real_quit = shell.quit
    monkeypatch.setattr(shell, "quit", lambda: (quits.append(1), real_quit()))
    assert ask(qtbot, folder, "quit") == {"ok": True}
    qtbot.waitUntil(lambda: quits == [1], timeout=5000)


def test_a_second_claim_is_handed_over_with_show(qtbot, shell, server, folder):
    assert in_thread(qtbot, lambda: instance.claim(folder, timeout=10)) is None  # the server said "ok" to show
    assert shell.ring_visible()


def test_the_peer_is_this_user():
    a, b = socket.socketpair(socket.AF_UNIX)
    with a, b:
        assert instance.peer_uid(a.fileno()) in (None, os.getuid())
    assert instance.peer_uid(-1) in (None, -1)  # unknown: refused on Linux


def test_a_start_that_waits_on_the_preparation_card_says_so(qtbot, qapp, folder, tmp_path):
    from dataclasses import replace

    folder.mkdir()
    conn = db.connect(folder / "m.sqlite3")
    clock = FakeClock()
    settings = replace(Settings(), preparation=True, preparation_min_minutes=15)
    shell = Shell(qapp, Controller(Engine(clock), Journal(conn), clock, settings), conn)
    claimed = instance.claim(folder)
    srv = control_server.serve(claimed, shell)
    try:
        reply = ask(qtbot, folder, "start", minutes=20)
        assert reply["ok"] and reply["status"]["state"] == "preparing"
        assert shell.c.engine.state is State.IDLE  # the clock starts when the card is done
    finally:
        srv.close()
        claimed.close()
        if shell.starts._card is not None:
            shell.starts._card.hide()
        conn.close()
