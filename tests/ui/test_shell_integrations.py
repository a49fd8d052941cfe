"""The shell's integrations with a real QApplication and SQLite file: trigger suggestions in
the menu and their notification's answers, the settings window's saves, the session hooks."""

import sys
from dataclasses import replace

import pytest

from microsession.core.clock import FakeClock
from microsession.core.session import Engine, State
from microsession.core.settings import Settings
from microsession.core.tasks import new_task
from microsession.core.triggers import Offer
from microsession.journal import Journal
from microsession.store import db
from microsession.store import tasks as task_store
from microsession.store import triggers as trigger_store
from microsession.ui.session.controller import Controller
from microsession.ui.shell import Shell


@pytest.fixture
def shell(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    conn = db.connect(tmp_path / "m.sqlite3")
    clock = FakeClock()
    s = Shell(qapp, Controller(Engine(clock), Journal(conn), clock, Settings()), conn)
    s.hooks.folder = tmp_path
    yield s
    s.triggers.shutdown()
    for window in list(s._windows.values()) + [s._ring, s._popup]:
        if window is not None:
            window.hide()
    conn.close()


def menu_lines(shell) -> list[str]:
    shell.menu.aboutToShow.emit()
    return [a.text() for a in shell.menu.actions() if a.isVisible() and not a.isSeparator()]


def test_a_suggestion_shows_in_the_menu_and_start_begins_a_batch_of_its_type(shell):
    for title in ("Mail Anna", "Mail Bob"):
        task_store.add(shell.conn, new_task(title, "communication", 10, now=shell.c.clock.now_utc()))
    shell.triggers.suggestions.offer(Offer("r1", "After meetings", 10, task_type="communication"))
    lines = menu_lines(shell)
    assert lines[2:5] == ["Suggested: After meetings: 10 min · communication", "Snooze 10 min", "Dismiss suggestion"]
    shell.on_notice_action("trigger_start")  # the notification's Start
    assert shell.c.engine.state is State.RUNNING
    assert shell.c.engine.current.planned_s == 600 and shell.c.snapshot().task == "Batch: communication · 2 tasks"
    assert "Snooze 10 min" not in menu_lines(shell)


def test_a_plain_suggestion_is_a_plain_session_and_dismiss_drops_it(shell):
    shell.triggers.suggestions.offer(Offer("r1", "Coffee planning", 5, label="planning"))
    shell.on_notice_action("trigger_dismiss")
    assert shell.triggers.suggestions.pending is None and shell.c.engine.state is State.IDLE
    shell.triggers.suggestions.offer(Offer("r1", "Coffee planning", 5, label="planning"))
    menu_lines(shell)
    [start] = [a for a in shell.menu.actions() if a.isVisible() and a.text().startswith("Suggested:")]
    start.trigger()
    assert shell.c.engine.current.planned_s == 300


def test_the_service_runs_only_while_a_rule_is_enabled(shell):
    shell.triggers.start()
    assert shell.triggers.service is None  # the shipped rules are off: no APScheduler
    [coffee] = [r for r in trigger_store.rules(shell.conn) if r.name == "Coffee planning"]
    trigger_store.set_enabled(shell.conn, coffee.id, True)
    shell.triggers.start()  # what the editor's rules_changed does
    assert shell.triggers.service is not None


def test_settings_saved_in_the_window_reach_the_controller_and_the_ring(shell):
    dialog = shell.open_window("settings")
    shell.show_ring()
    new = replace(shell.c.settings, ring_on_top=False, long_break_minutes=25, cluster_size=2)
    dialog.settings_changed.emit(new)
    assert shell.c.settings.ring_on_top is False and shell.c.rhythm.rules.long_minutes == 25
    assert shell.c.rhythm.rules.cluster_size == 2
    assert shell.open_window("settings") is dialog  # kept, reloaded from what is stored


def test_session_hooks_run_with_the_sessions_facts(shell, qtbot, tmp_path):
    out = tmp_path / "hook.txt"
    script = f"import os; open({str(out)!r}, 'a').write(os.environ['MICROSESSION_EVENT'] + ' ' + os.environ['MICROSESSION_PLANNED_MIN'] + '\\n')"
    command = f"{sys.executable} -c \"{script}\""
    shell.c.set_settings(replace(shell.c.settings, hook_session_start=command, hook_session_end=command))
    shell.start_minutes(5)
    qtbot.waitUntil(lambda: out.exists() and out.read_text() == "session_start 5\n", timeout=20000)
    shell.c.clock.advance(300)
    shell.c.wake()
    qtbot.waitUntil(lambda: out.read_text().endswith("session_end 5\n"), timeout=20000)
    assert (tmp_path / "hooks.log").exists()


def test_a_rule_fired_by_the_real_scheduler_reaches_the_tray_menu(shell, qtbot):
    """A real QtScheduler fires a time rule 1 s ahead; the suggestion reaches the menu (main thread)."""
    from datetime import datetime, timedelta, timezone

    from microsession.core.triggers import EVERY_DAY, AtTime, Suggestion

    rule = trigger_store.new_rule("Stand-up", AtTime((4, 0), EVERY_DAY), Suggestion(10, None, label="email"))
    trigger_store.add(shell.conn, rule, datetime.now(timezone.utc))
    shell.triggers.start()
    service = shell.triggers.service
    service.scheduler.modify_job(rule.id, next_run_time=datetime.now(timezone.utc) + timedelta(seconds=1))
    qtbot.waitUntil(lambda: shell.triggers.suggestions.pending is not None, timeout=15000)
    assert "Suggested: Stand-up: 10 min · email" in menu_lines(shell)
