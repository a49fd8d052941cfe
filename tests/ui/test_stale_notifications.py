"""Notifications whose moment has passed are closed, and their late actions ignored
(issue 15, item 12), through the real shell and a fake notification server on a private bus."""

from __future__ import annotations

import pytest

from fake_services import notification_server
from microsession.core.session import State
from microsession.ui.shell import Shell
from shell_kit import build_shell, close_shell


@pytest.fixture
def server(private_bus):
    service = notification_server(private_bus, "test-server")
    yield service
    service.stop()


@pytest.fixture
def shell(qapp, tmp_path, server):
    s = build_shell(qapp, tmp_path, chime=False)
    yield s
    close_shell(s)


def summaries(server) -> list[str]:
    return [body[3] for member, body in server.calls if member == "Notify"]


def closes(server) -> int:
    return sum(member == "CloseNotification" for member, _ in server.calls)


def run_out(shell: Shell) -> None:
    shell.c.clock.advance(shell.c.engine.remaining() + 1)
    shell.c.wake()


def test_break_from_the_menu_closes_session_done_and_its_skip_is_ignored(shell, server, qtbot):
    shell.c.start(5)
    run_out(shell)
    qtbot.waitUntil(lambda: summaries(server) == ["Session done ✓"], timeout=10000)
    shell.c.start_break()  # from the menu, not from the notification
    qtbot.waitUntil(lambda: closes(server) == 1, timeout=10000)
    shell.on_notification_action("skip")  # a late click on the old "Skip break"
    assert shell.c.engine.state is State.BREAK  # the running break goes on


def test_break_over_closes_when_a_session_starts(shell, server, qtbot):
    shell.c.start(5)
    run_out(shell)
    shell.popup.skip()  # Esc: the break starts
    assert shell.c.engine.state is State.BREAK
    run_out(shell)
    qtbot.waitUntil(lambda: summaries(server)[-1:] == ["Break over"], timeout=10000)
    before = closes(server)
    shell.on_tray_click()  # the next session, from the tray
    assert shell.c.engine.state is State.RUNNING
    qtbot.waitUntil(lambda: closes(server) == before + 1, timeout=10000)
    shell.on_notification_action("start")  # its stale "Start 15 min": nothing new starts
    assert shell.c.engine.state is State.RUNNING


def test_an_action_in_its_moment_still_works(shell, server, qtbot):
    shell.c.start(5)
    run_out(shell)
    qtbot.waitUntil(lambda: summaries(server) == ["Session done ✓"], timeout=10000)
    shell.on_notification_action("skip")
    assert shell.c.engine.state is State.IDLE
