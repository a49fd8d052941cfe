"""The shell's Wayland ways, on the offscreen platform with `on_wayland` set as on a Wayland
session: the popup inside the ring's window, no place remembered. The real compositor is
in tests/e2e/test_wayland.py; this checks the logic case by case."""

import pytest
from PySide6.QtCore import QPoint, Qt

from microsession.core.clock import FakeClock
from microsession.core.session import Engine, State
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.store import db, sessions
from microsession.store import settings as settings_store
from microsession.ui.session.controller import Controller
from microsession.ui.shell import Shell


@pytest.fixture
def shell(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    conn = db.connect(tmp_path / "m.sqlite3")
    clock = FakeClock()
    controller = Controller(Engine(clock), Journal(conn), clock, Settings(ring_x=300, ring_y=200))
    s = Shell(qapp, controller, conn)
    assert not s.on_wayland  # offscreen
    s.on_wayland = True  # as app.platformName() == "wayland" makes it
    yield s
    s.ring.hide()
    s.notifier.shutdown()
    conn.close()


def end_session(shell, minutes=5):
    shell.c.start(minutes)
    shell.c.clock.advance(minutes * 60)
    shell.c.wake()
    assert shell.c.engine.state is State.FINISHED


def test_the_popup_opens_inside_the_ring_and_takes_no_keyboard(shell, qtbot):
    shell.show()
    ring = shell.ring
    end_session(shell)
    popup = shell.popup
    assert not popup.isWindow() and popup.window() is ring  # no window of its own
    assert popup.isVisible() and ring.form_shown()
    assert ring.width() == popup.width() >= 360 and ring.height() == popup.height()
    assert popup.focusWidget() is None or not popup.isAncestorOf(popup.focusWidget())
    qtbot.mouseClick(popup.heading, Qt.MouseButton.LeftButton)  # a click gives it the keyboard
    assert popup.focusWidget() is popup.stopped_at
    qtbot.keyClicks(popup.stopped_at, "section 3")
    qtbot.keyClick(popup.stopped_at, Qt.Key.Key_Return)
    assert shell.c.engine.state is State.BREAK and not ring.form_shown()
    assert ring.width() == 180  # the ring again
    [log] = shell.conn.execute("SELECT stopped_at FROM session_logs").fetchall()
    assert log[0] == "section 3"


def test_a_click_on_the_form_is_the_forms_not_the_rings(shell, qtbot):
    shell.ring.set_main_window_mode(False)  # the frameless ring of a tray app
    shell.show_ring()
    end_session(shell)
    corner = shell.ring.button_rects()["menu"].center().toPoint()  # where the ring's menu button is
    qtbot.mousePress(shell.popup, Qt.MouseButton.LeftButton, pos=corner)
    qtbot.mouseRelease(shell.popup, Qt.MouseButton.LeftButton, pos=corner)
    assert not shell.menu.isVisible()  # the ring's hidden menu button was not pressed
    assert shell.popup.focusWidget() is shell.popup.stopped_at


def test_inside_a_hidden_ring_the_popup_waits_and_the_tray_click_shows_it(shell):
    shell.show()
    shell.ring.hide()  # the no-tray ring is the main window; hidden here to see the wait
    end_session(shell)
    assert not shell.ring.isVisible() and not shell.popup.isVisible()
    assert shell.popup_visible()  # waiting: the menu's "Log session…" and "Log it" find it
    shell.on_tray_click()  # FINISHED with a popup waiting -> focus it, never a new sprint
    assert shell.ring.isVisible() and shell.popup.isVisible()
    assert shell.c.engine.state is State.FINISHED
    shell.popup.skip()
    assert shell.c.engine.state is State.BREAK and not shell.popup_visible()


def test_a_stack_step_focuses_the_next_step_field(shell, qtbot):
    shell.show()
    end_session(shell)
    popup = shell.popup
    popup.stopped_at.hide()  # as a stack's step shows it
    popup.focus_now()
    assert popup.focusWidget() is popup.next_step


def test_the_ring_is_not_placed_and_its_place_not_taken_from_settings(shell):
    shell.show_ring()
    assert shell.ring.pos() != QPoint(300, 200)  # the stored place is not used on Wayland
    shell.ring.moved.emit(QPoint(40, 50))  # (startSystemMove never tells one there anyway)
    assert "ring_x" not in settings_store.load(shell.conn)  # a place Qt cannot know is not kept


def test_on_x11_the_popup_stays_a_window_of_its_own(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    conn = db.connect(tmp_path / "m.sqlite3")
    clock = FakeClock()
    s = Shell(qapp, Controller(Engine(clock), Journal(conn), clock, Settings()), conn)
    try:
        s.show()
        end_session(s)
        assert s.popup.isWindow() and s.popup.isVisible() and not s.ring.form_shown()
        s.popup.save()
        assert s.c.engine.state is State.BREAK and sessions is not None
    finally:
        s.ring.hide()
        s.popup.hide()
        s.notifier.shutdown()
        conn.close()
