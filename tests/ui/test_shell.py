"""The application shell on the offscreen platform, where no system tray exists."""

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from microsession.compose import recover_sessions
from microsession.ui.shell import NO_TRAY_HINT, Shell
from microsession.core.clock import FakeClock
from microsession.core.session import Engine, State
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.store import db, sessions
from microsession.ui.session.controller import Controller


@pytest.fixture
def shell(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    conn = db.connect(tmp_path / "m.sqlite3")
    clock = FakeClock()
    controller = Controller(Engine(clock), Journal(conn), clock, Settings())
    s = Shell(qapp, controller, conn)
    yield s
    s.ring.hide()
    s.popup.hide()
    s.notifier.shutdown()
    conn.close()


def test_without_a_tray_the_ring_is_the_main_window(shell):
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen has none
    shell.show()
    assert shell.tray is None
    assert shell.ring.isVisible()
    assert shell.ring.height() > shell.ring.width()  # the hint line is there
    assert NO_TRAY_HINT.startswith("No system tray")


def test_menu_on_the_ring_starts_a_sprint(shell):
    shell.show()
    [start5] = [a for a in shell.menu.actions() if a.isVisible() and a.text() == "Start 5 min"]
    start5.trigger()
    assert shell.c.engine.state is State.RUNNING
    shell.menu.aboutToShow.emit()
    assert "Pause" in [a.text() for a in shell.menu.actions() if a.isVisible()]


def test_session_end_shows_the_popup_and_enter_starts_the_break(shell, qtbot):
    shell.show()
    shell.c.start(5)
    shell.c.clock.advance(300)
    shell.c.wake()
    assert shell.popup.isVisible() and shell.c.engine.state is State.FINISHED
    shell.popup.save()
    assert shell.c.engine.state is State.BREAK


def test_recovery_resumes_a_running_row(tmp_path):
    conn = db.connect(tmp_path / "m.sqlite3")
    clock = FakeClock()
    Journal(conn).record(Engine(clock).start(600))
    clock.advance(100)
    engine = Engine(clock)
    notes = recover_sessions(conn, engine, Journal(conn), clock)
    assert engine.state is State.RUNNING and engine.remaining() == pytest.approx(500)
    assert notes == ["Your focus session was resumed with 8 min 20 s left."]  # not "9 min": 8:20 was left
    clock.advance(3600)
    closed = Engine(clock)
    notes = recover_sessions(conn, closed, Journal(conn), clock)
    assert closed.state is State.IDLE and "ended while the app was closed" in notes[0]
    assert sessions.open_sessions(conn) == []


def test_closing_the_menu_forgets_cached_source_lines(shell):
    import linecache

    shell.menu.aboutToShow.emit()
    linecache.getlines(__file__)  # what PySide6's feature check does for each new module
    assert __file__ in linecache.cache
    shell.menu.aboutToHide.emit()
    assert __file__ not in linecache.cache
