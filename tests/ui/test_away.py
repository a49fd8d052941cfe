"""Away in the middle of a session: lock and sleep signals from a fake logind on a private
system-like bus, the ScreenSaver's ActiveChanged on the private session bus, the injected
clock; each answer gives the right focus seconds in the SQLite file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fake_services import FakeService, fake_logind, login1_lock, login1_sleep, start_bus
from microsession.core.session import State
from microsession.ui.shell import Shell
from shell_kit import build_shell, close_shell


@pytest.fixture
def system_bus(tmp_path, monkeypatch):
    proc, address = start_bus(tmp_path / "system")
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
    yield address
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def logind(system_bus):
    service = fake_logind(system_bus)
    yield service
    service.stop()


@pytest.fixture
def shell(qapp, tmp_path, private_bus):
    s = build_shell(qapp, tmp_path, chime=False, away_ask_minutes=5)
    yield s
    close_shell(s)


def row(shell: Shell, session_id: str):
    return shell.conn.execute("SELECT focused_s, outcome, away_s, away_answer FROM sessions WHERE id = ?",
                              (session_id,)).fetchone()


def start(shell: Shell, qtbot, sources: int = 2) -> str:
    shell.c.start(25)
    assert shell._away is not None and shell._away.signals.sources == sources
    return shell.c.engine.current.id


@pytest.mark.parametrize("answer, focused", [("focus", 900.0), ("break", 300.0), ("drop", 0.0)])
def test_locked_for_10_minutes_of_a_running_session(shell, logind, qtbot, answer, focused):
    shell.show()  # offscreen has no tray: the ring is the main window, with its hint line
    hint = shell.ring._hint
    sid = start(shell, qtbot)
    shell.c.clock.advance(300)
    login1_lock(logind, True)
    qtbot.waitUntil(lambda: shell._away.away, timeout=10000)
    shell.c.clock.advance(600)
    shell.c.clock.set_wall(shell.c.clock.now_utc() - timedelta(hours=1))  # the wall clock set back meanwhile
    login1_lock(logind, False)
    qtbot.waitUntil(lambda: shell._away.pending is not None, timeout=10000)
    assert shell._away.pending.question() == "Away 10 min — count it as a break, keep it as focus, or drop the session?"
    assert [text for text, _ in shell.away_picks()][0] == "Away 10 min: count as break"
    assert shell.ring._hint == "Away 10 min — right-click"
    shell.on_notice_action(f"away_{answer}")
    assert shell.ring._hint == hint and shell.away_picks() == []
    if answer != "drop":
        assert shell.c.engine.state is State.RUNNING
        shell.c.stop()  # right after: the focus so far is what the answer made of it
    assert shell.c.engine.state is State.IDLE
    assert tuple(row(shell, sid)) == (focused, "stopped", 600.0, answer)
    shell.on_notice_action("away_break")  # asked once: a second answer changes nothing
    assert tuple(row(shell, sid)) == (focused, "stopped", 600.0, answer)


@pytest.mark.parametrize("answer, focused, outcome", [
    ("focus", 1500.0, "completed"), ("break", 300.0, "stopped"), ("drop", 0.0, "stopped")])
def test_asleep_past_the_deadline(shell, logind, qtbot, answer, focused, outcome):
    sid = start(shell, qtbot)
    shell.c.clock.advance(300)
    login1_sleep(logind, True)
    qtbot.waitUntil(lambda: shell._away.away, timeout=10000)
    shell.c.clock.advance(2400)  # 40 min asleep; the session's deadline passed after 20
    shell.c.clock.set_wall(shell.c.clock.now_utc() + timedelta(hours=1))  # and NTP moved the wall clock on waking
    login1_sleep(logind, False)
    qtbot.waitUntil(lambda: shell._away.pending is not None, timeout=10000)
    assert shell.c.engine.state is State.FINISHED  # ended at its deadline, before asking
    assert shell._away.pending.minutes == 20  # the part of the time away inside the session
    shell.on_notice_action(f"away_{answer}")
    assert tuple(row(shell, sid)) == (focused, outcome, 1200.0, answer)
    from microsession.cli import format_row
    from microsession.store import sessions

    [entry] = sessions.recent(shell.conn, 1)
    assert f"{outcome} · focused " in format_row(entry) and f"· away 20 min: {answer}" in format_row(entry)


def test_a_short_absence_is_not_asked_about(shell, logind, qtbot):
    sid = start(shell, qtbot)
    login1_lock(logind, True)
    qtbot.waitUntil(lambda: shell._away.away, timeout=10000)
    shell.c.clock.advance(120)
    login1_lock(logind, False)
    qtbot.waitUntil(lambda: not shell._away.away, timeout=10000)
    assert shell._away.pending is None and tuple(row(shell, sid))[2:] == (None, None)


def test_another_sessions_lock_is_not_ours(shell, logind, qtbot):
    start(shell, qtbot)
    login1_lock(logind, True, path="/org/freedesktop/login1/session/c2")
    login1_sleep(logind, True)  # sent after it on the same connection, so it arrives after it
    qtbot.waitUntil(lambda: shell._away.away, timeout=10000)
    assert shell._away.why == "sleep"


def test_screensaver_on_the_session_bus_without_logind(shell, private_bus, system_bus, qtbot):
    saver = FakeService(private_bus, "org.freedesktop.ScreenSaver", {})
    saver.start()
    try:
        sid = start(shell, qtbot, sources=1)  # no logind on the system bus: the screensaver only
        saver.emit("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "ActiveChanged", "b", (True,))
        qtbot.waitUntil(lambda: shell._away.away, timeout=10000)
        shell.c.clock.advance(480)
        saver.emit("/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver", "ActiveChanged", "b", (False,))
        qtbot.waitUntil(lambda: shell._away.pending is not None, timeout=10000)
        shell.c.stop()
        shell.c.start(10)  # a new session instead of an answer: the question has passed
        assert shell._away.pending is None
        shell.on_notice_action("away_drop")
        assert tuple(row(shell, sid))[2:] == (480.0, None)  # known, not answered: kept as focus
    finally:
        saver.stop()


def test_the_question_gets_through_do_not_disturb(desktop, logind, qapp, tmp_path, qtbot):
    shell = build_shell(qapp, tmp_path, chime=False, dnd_while_focusing=True)
    try:
        shell.c.start(25)
        assert desktop.dunstctl("is-paused") == "true"
        login1_lock(logind, True)
        qtbot.waitUntil(lambda: shell._away.away, timeout=10000)
        shell.c.clock.advance(600)
        login1_lock(logind, False)
        qtbot.waitUntil(lambda: shell._away.pending is not None, timeout=10000)
        assert desktop.dunstctl("is-paused") == "false"  # so that the question shows
        qtbot.waitUntil(lambda: desktop.displayed() == 1, timeout=10000)
        shell.on_notice_action("away_focus")
        assert desktop.dunstctl("is-paused") == "true"  # focusing again
    finally:
        close_shell(shell)


def test_answered_from_the_menu(shell, logind, qtbot):
    sid = start(shell, qtbot)
    login1_sleep(logind, True)
    qtbot.waitUntil(lambda: shell._away.away, timeout=10000)
    shell.c.clock.advance(420)
    login1_sleep(logind, False)
    qtbot.waitUntil(lambda: shell._away.pending is not None, timeout=10000)
    shell.menu.aboutToShow.emit()  # the menu is rebuilt as it opens: the answers under its status lines
    texts = [a.text() for a in shell.menu.actions() if a.text()]
    assert texts[2:5] == ["Away 7 min: count as break", "Away 7 min: keep as focus", "Away 7 min: drop session"], texts
    [pick] = [a for a in shell.menu.actions() if a.text() == "Away 7 min: count as break"]
    pick.trigger()
    assert shell._away.pending is None and shell.c.engine.remaining() == 25 * 60  # the 7 min given back
    shell.c.stop()
    assert tuple(row(shell, sid)) == (0.0, "stopped", 420.0, "break")
