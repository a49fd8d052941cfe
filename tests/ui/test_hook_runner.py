"""HookRunner with real tiny processes: facts arrive, output is logged, failures told once,
a hook past its time-out is killed, and the event loop keeps running meanwhile."""

from __future__ import annotations

import shlex
import sys
import time
from dataclasses import replace

import pytest

from microsession.core import hooks
from microsession.core.settings import Settings
from microsession.ui.session import hook_runner
from microsession.ui.session.hook_runner import HookRunner

PY = shlex.quote(sys.executable)


def py(code: str) -> str:
    return f"{PY} -c {shlex.quote(code)}"


@pytest.fixture
def make(tmp_path):
    box = {"settings": Settings()}
    problems: list[str] = []

    def factory(**settings):
        box["settings"] = replace(Settings(), **settings)
        runner = HookRunner(lambda: box["settings"], tmp_path / "data" / "hooks.log", problems.append)
        return runner, problems

    return factory


def run_and_wait(qtbot, runner, event, facts=hooks.SAMPLE_FACTS, timeout=15000):
    with qtbot.waitSignal(runner.finished, timeout=timeout) as blocker:
        assert runner.run(event, facts)
    return blocker.args


def test_facts_reach_the_hook_and_output_is_logged(qtbot, make, tmp_path):
    out = tmp_path / "seen.txt"
    code = ("import os, sys; open(sys.argv[1], 'w').write(os.environ['MICROSESSION_EVENT'] + ' ' +"
            " os.environ['MICROSESSION_TASK']); print('hello from the hook')")
    runner, problems = make(hook_session_end=py(code) + " " + shlex.quote(str(out)))
    facts = dict(hooks.SAMPLE_FACTS, task="Inbox zero")
    assert run_and_wait(qtbot, runner, hooks.SESSION_END, facts) == [hooks.SESSION_END, ""]
    assert out.read_text() == "session_end Inbox zero"
    log = (tmp_path / "data" / "hooks.log").read_text()
    assert "session_end" in log and "exit 0" in log and "hello from the hook" in log
    assert problems == []
    qtbot.waitUntil(lambda: not runner.running, timeout=5000)  # let go just after


def test_blank_hook_runs_nothing(qtbot, make):
    runner, problems = make()
    assert runner.run(hooks.SESSION_START, hooks.SAMPLE_FACTS) is False
    assert problems == []


def test_failure_is_told_once_per_hook_and_logged_every_time(qtbot, make, tmp_path):
    runner, problems = make(hook_break_end=py("import sys; print('oops', file=sys.stderr); sys.exit(3)"))
    for _ in range(3):
        event, message = run_and_wait(qtbot, runner, hooks.BREAK_END)
        assert "exited with code 3" in message
    assert len(problems) == 1 and "break-end hook exited with code 3" in problems[0]
    log = (tmp_path / "data" / "hooks.log").read_text()
    assert log.count("exited with code 3") == 3 and log.count("\noops\n") == 3


def test_missing_program_is_told_once(qtbot, make):
    runner, problems = make(hook_session_start="/nonexistent/dnd-toggle on")
    for _ in range(2):
        _, message = run_and_wait(qtbot, runner, hooks.SESSION_START)
        assert "could not start '/nonexistent/dnd-toggle'" in message
    assert len(problems) == 1


def test_a_changed_command_that_fails_is_told_again(qtbot, make):
    runner, problems = make(hook_session_start="/nonexistent/a")
    run_and_wait(qtbot, runner, hooks.SESSION_START)
    runner.settings_getter = lambda: replace(Settings(), hook_session_start="/nonexistent/b")
    run_and_wait(qtbot, runner, hooks.SESSION_START)
    assert len(problems) == 2


def test_a_slow_hook_is_killed_and_the_loop_keeps_running(qtbot, make, tmp_path):
    from PySide6.QtCore import QTimer

    runner, problems = make(hook_session_start=py("import time; print('sleeping', flush=True); time.sleep(60)"),
                            hook_timeout_s=2)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    began = time.monotonic()
    with qtbot.waitSignal(runner.finished, timeout=15000) as blocker:
        assert runner.run(hooks.SESSION_START, hooks.SAMPLE_FACTS)
        assert time.monotonic() - began < 0.5  # run() returns at once
    timer.stop()
    took = time.monotonic() - began
    assert "stopped after 2 s" in blocker.args[1]
    assert 1.9 < took < 15
    # the timer kept firing while the hook ran: a blocking wait would leave one 2-s gap
    assert len(ticks) >= 10 and max(b - a for a, b in zip(ticks, ticks[1:])) < 1.5
    assert len(problems) == 1 and "sleeping" in (tmp_path / "data" / "hooks.log").read_text()


def test_unsplittable_command_is_reported_not_raised(qtbot, make):
    runner, problems = make()
    bad = replace(Settings(), hook_session_end="x")
    object.__setattr__(bad, "hook_session_end", "say 'unclosed")  # as if it slipped past the checks
    runner.settings_getter = lambda: bad
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.run(hooks.SESSION_END, hooks.SAMPLE_FACTS)
    assert len(problems) == 1 and "cannot split" in problems[0]


def test_the_test_button_path_reports_every_outcome(qtbot, make):
    runner, problems = make()
    outcomes: list[str] = []
    for _ in range(2):
        with qtbot.waitSignal(runner.finished, timeout=15000):
            runner.test(hooks.SESSION_START, py("import sys; sys.exit(1)"), 10, outcomes.append)
    with qtbot.waitSignal(runner.finished, timeout=15000):
        runner.test(hooks.SESSION_START, py("pass"), 10, outcomes.append)
    assert [("code 1" in o) for o in outcomes[:2]] == [True, True] and outcomes[2] == ""
    assert problems == []


def test_log_is_capped(qtbot, make, tmp_path, monkeypatch):
    monkeypatch.setattr(hook_runner, "LOG_MAX_BYTES", 2000)
    runner, _ = make(hook_session_end=py("print('x' * 1500)"))
    for _ in range(4):
        run_and_wait(qtbot, runner, hooks.SESSION_END)
    log = tmp_path / "data" / "hooks.log"
    assert log.stat().st_size < 4000 and log.with_name("hooks.log.1").exists()


def test_no_shell_between_the_setting_and_the_program(qtbot, make, tmp_path):
    out = tmp_path / "argv.txt"
    code = "import sys; open(sys.argv[1], 'w').write(repr(sys.argv[2:]))"
    runner, problems = make(hook_session_start=py(code) + f" {shlex.quote(str(out))} '$HOME' '*' ';' 'a|b' '`id`'")
    assert run_and_wait(qtbot, runner, hooks.SESSION_START)[1] == ""
    assert out.read_text() == repr(["$HOME", "*", ";", "a|b", "`id`"])


def test_hooks_log_is_the_users_alone_and_never_followed_through_a_link(qtbot, make, tmp_path):
    """Issue 14 item 3: hooks.log 0600 whatever the umask; a link planted there is not written through."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        runner, _ = make(hook_session_end=py("print('x')"))
        run_and_wait(qtbot, runner, hooks.SESSION_END)
        log = tmp_path / "data" / "hooks.log"
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        victim = tmp_path / "victim"
        victim.write_text("keep")
        log.unlink()
        log.symlink_to(victim)
        run_and_wait(qtbot, runner, hooks.SESSION_END)
        assert victim.read_text() == "keep"
    finally:
        os.umask(old)
    qtbot.waitUntil(lambda: not runner.running, timeout=5000)
