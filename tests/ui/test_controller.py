"""The controller and the menu on a real QApplication, a real SQLite file and a fake clock."""

import pytest
from PySide6.QtWidgets import QMenu

from microsession.core.clock import FakeClock
from microsession.core.events import Kind
from microsession.core.logbook import SessionLog
from microsession.core.session import Engine, State
from microsession.core.settings import Settings
from microsession.journal import Journal
from microsession.store import db, sessions
from microsession.ui.tray import menu as menus
from microsession.ui.session.controller import Controller


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "m.sqlite3")
    yield c
    c.close()


@pytest.fixture
def controller(qapp, clock, conn):
    return Controller(Engine(clock), Journal(conn), clock, Settings())


def shell_actions():
    calls = []
    return menus.ShellActions(lambda: calls.append("custom"), lambda: calls.append("ring"),
                              lambda: False, None, lambda: calls.append("quit")), calls


def menu_texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if a.isVisible() and not a.isSeparator()]


def trigger(menu: QMenu, text: str) -> None:
    [action] = [a for a in menu.actions() if a.isVisible() and a.text() == text]
    assert action.isEnabled(), f"{text} is disabled"
    action.trigger()


def test_menu_start_pause_resume_stop(qapp, controller, clock, conn):
    menu = QMenu()
    shell, _ = shell_actions()
    menus.attach(menu, controller, shell)
    assert "Start 25 min" in menu_texts(menu) and "Deep work 90 min" in menu_texts(menu)
    trigger(menu, "Start 10 min")
    assert controller.engine.state is State.RUNNING
    menus.fill(menu, controller, shell)  # what aboutToShow does
    assert "Start 10 min" not in menu_texts(menu)
    assert menu_texts(menu)[0] == "Focus · 10 min left"
    trigger(menu, "Pause")
    assert controller.engine.state is State.PAUSED
    menus.fill(menu, controller, shell)
    trigger(menu, "Resume")
    clock.advance(120)
    menus.fill(menu, controller, shell)
    trigger(menu, "Stop")
    assert controller.engine.state is State.IDLE
    [row] = sessions.recent(conn, 5)
    assert row["outcome"] == "stopped" and row["focused_s"] == pytest.approx(120)


def test_menu_refreshed_in_place(qapp, controller):
    """Same actions from one opening to the next; no change signal for a line that did not change."""
    menu = QMenu()
    shell = menus.ShellActions(lambda: None, lambda: None, lambda: False, None, lambda: None,
                               status_lines=lambda: ["Today: 0 / 3"])
    menus.attach(menu, controller, shell)
    menus.fill(menu, controller, shell)
    before = list(menu.actions())
    changes = []
    for action in before:
        action.changed.connect(lambda a=action: changes.append(a.text()))
    menus.fill(menu, controller, shell)
    assert changes == [] and menu.actions() == before

    start5 = next(a for a in before if a.text() == "Start 5 min")
    start5.trigger()
    assert controller.engine.state is State.RUNNING
    # A change of state refreshes the lines at once (no opening needed), in place.
    assert menu_texts(menu)[0] == "Focus · 5 min left" and "Start 5 min" not in menu_texts(menu)
    assert "Today: 0 / 3" in menu_texts(menu)  # kept: that refresh reads no store
    pause = next(a for a in menu.actions() if a.text() == "Pause")
    assert pause.isEnabled() and set(menu.actions()) == set(before)
    pause.trigger()
    assert pause.text() == "Resume" and controller.engine.state is State.PAUSED
    pause.trigger()
    assert controller.engine.state is State.RUNNING
    start5.trigger()  # a hidden line clicked through an old id does nothing
    assert controller.engine.state is State.RUNNING


def test_deep_work_from_the_menu(qapp, controller):
    menu = QMenu()
    menus.attach(menu, controller, shell_actions()[0])
    trigger(menu, "Deep work 120 min")
    assert controller.engine.current.kind is Kind.DEEP
    assert controller.engine.remaining() == 7200


def test_deadline_fires_focus_ended_and_break_follows(qtbot, controller, clock, conn):
    controller.start(5)
    clock.advance(300)
    with qtbot.waitSignal(controller.focus_ended, timeout=1000) as blocker:
        controller.wake()
    ended = blocker.args[0]
    assert ended.focused_s == pytest.approx(300)
    assert controller.engine.state is State.FINISHED
    controller.save_log(ended.session.id, SessionLog("here", "there", 5))
    controller.start_break()
    assert controller.snapshot().phase == "break"
    clock.advance(300)
    with qtbot.waitSignal(controller.break_ended, timeout=1000):
        controller.wake()
    assert controller.engine.state is State.IDLE
    [row] = sessions.recent(conn, 1)
    assert row["log"]["energy"] == 5


def test_timer_is_off_when_nothing_runs_and_armed_while_running(qapp, controller, clock):
    assert not controller._timer.isActive()
    controller.start(15)
    assert controller._timer.isActive()
    # tray icon steps of 15 s for a 15-minute session: the wait is never longer
    assert controller._timer.remainingTime() <= 15_000
    controller.set_ring_visible(True)
    assert controller._timer.remainingTime() <= 1_000
    controller.stop()
    assert not controller._timer.isActive()


def test_with_the_ring_shown_the_timer_wakes_when_the_digits_change(qapp, controller, clock):
    """Once a second, on the second: the tray's steps and the minutes fall on the same
    moments, so no wake-up comes between two seconds (and the digits are never late)."""
    controller.start(15)
    controller.set_ring_visible(True)
    clock.advance(0.25)  # e.g. a resume in the middle of a second
    controller.wake()
    assert 740 <= controller._timer.interval() <= 750  # 899.75 s left: "14:59" shows at 899 s
    clock.advance(0.751)
    controller.wake()
    assert 990 <= controller._timer.interval() <= 1000
    controller.set_ring_visible(False)
    assert controller._timer.interval() > 1000  # hidden: only the tray's next step


def test_real_timer_ends_a_session_on_a_fast_clock(qtbot, qapp, conn):
    from microsession.core.clock import ScaledClock, SystemClock

    clock = ScaledClock(SystemClock(), 600.0)  # a minute passes in 0.1 s
    c = Controller(Engine(clock), Journal(conn), clock, Settings(), time_scale=600.0)
    with qtbot.waitSignal(c.focus_ended, timeout=10_000):
        c.start(1)
    assert c.engine.state is State.FINISHED


def test_stale_menu_commands_do_nothing(qapp, controller):
    controller.pause()  # nothing runs: ignored, not an exception
    controller.skip_break()
    assert controller.engine.state is State.IDLE
