"""With no tray the ring is the app's window: its hint is whole, it takes the keyboard (Space,
Enter, the menu key, Shift+F10), a click does what a tray click does, closing it quits; a tray
that comes up later takes the icon and the ring becomes the ring again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QSystemTrayIcon

from microsession.ui.session.ring import SIDE
from microsession.ui.session.ring_paint import HINT_HEIGHT, HINT_PX
from microsession.core.session import State
from microsession.ui.shell import NO_TRAY_HINT
from test_shell_integrations import shell as shell_with_windows  # noqa: F401 (a fixture)


@pytest.fixture
def shell(shell_with_windows):
    shell_with_windows.show()
    yield shell_with_windows
    shell_with_windows.menu.hide()
    if shell_with_windows.tray is not None:
        shell_with_windows.tray.icon.hide()


def test_the_hint_is_wrapped_not_cut(shell):
    ring = shell.ring
    font = QFont(ring.font())
    font.setPixelSize(HINT_PX)
    assert QFontMetrics(font).horizontalAdvance(NO_TRAY_HINT) > SIDE - 20  # one line would be cut
    assert ring.hint_height() > HINT_HEIGHT and ring.height() == SIDE + ring.hint_height()


def test_keyboard_space_starts_pauses_resumes(shell, qtbot):
    ring = shell.ring
    assert ring.focusPolicy() == Qt.FocusPolicy.StrongFocus
    qtbot.keyClick(ring, Qt.Key.Key_Space)
    assert shell.c.engine.state is State.RUNNING
    qtbot.keyClick(ring, Qt.Key.Key_Return)
    assert shell.c.engine.state is State.PAUSED
    qtbot.keyClick(ring, Qt.Key.Key_Space)
    assert shell.c.engine.state is State.RUNNING


@pytest.mark.parametrize("key, mods", [(Qt.Key.Key_Menu, Qt.KeyboardModifier.NoModifier),
                                       (Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)])
def test_menu_key_opens_the_menu(shell, qtbot, key, mods):
    qtbot.keyClick(shell.ring, key, mods)
    qtbot.waitUntil(shell.menu.isVisible, timeout=5000)


def test_a_click_on_the_card_starts_the_default_sprint(shell, qtbot):
    qtbot.mouseClick(shell.ring, Qt.MouseButton.LeftButton, pos=QPoint(SIDE // 2, SIDE // 2))
    assert shell.c.engine.state is State.RUNNING and shell.c.engine.remaining() == 15 * 60


def test_closing_the_window_quits_the_app(shell, monkeypatch):
    quits = []
    monkeypatch.setattr(shell.app, "quit", lambda: quits.append(1))
    shell.ring.close()
    assert quits == [1]


def test_a_tray_that_comes_later_takes_the_icon(shell):
    assert shell.tray is None and shell._tray_watch is not None
    assert not shell._tray_watch.check()  # offscreen: still none
    shell.adopt_tray(QSystemTrayIcon())
    assert shell.tray is not None and shell.has_tray
    assert not shell.ring.isVisible()  # idle: the ring goes away, the icon is the app now
    assert shell.ring.height() == SIDE and shell.ring.focusPolicy() == Qt.FocusPolicy.NoFocus
    shell.on_tray_click()
    assert shell.c.engine.state is State.RUNNING and shell.ring.isVisible()


def test_symbolic_setting_and_scheme_reach_the_tray(shell):
    from dataclasses import replace

    shell.adopt_tray(QSystemTrayIcon())
    before = shell.tray.redraws
    shell.apply_settings(replace(shell.c.settings, tray_symbolic=True))
    assert shell.tray.redraws == before + 1 and shell.tray._symbolic
    shell.on_scheme_changed()  # the same scheme: nothing to redraw
    assert shell.tray.redraws == before + 1


def test_log_line_goes_when_the_popup_is_answered(shell):
    """The menu's state lines are refreshed on each change without an opening (SNI hosts may
    read the layout without asking first): "Log session…" goes once the popup is answered."""
    def lines() -> list[str]:
        return [a.text() for a in shell.menu.actions() if a.isVisible()]

    shell.c.start(5)
    shell.c.clock.advance(300)
    shell.c.wake()
    shell.menu.aboutToShow.emit()
    assert "Log session…" in lines()
    shell.popup.save()
    assert shell.c.engine.state is State.BREAK and "Log session…" not in lines()
