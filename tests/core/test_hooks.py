"""core.hooks: the argument list and environment a hook gets, from a session's facts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from microsession.core import hooks
from microsession.core.events import Ended, Kind, Outcome, SessionInfo, Tags

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)


def info(**kw):
    base = dict(id="abc123", kind=Kind.MICRO, planned_s=900.0, started_utc=T0, task_id="t1",
                tags=Tags(stack_run_id="run9", stack_position=2))
    base.update(kw)
    return SessionInfo(**base)


def test_start_facts_become_variables():
    facts = hooks.facts_of_start(info(), task="Write the intro")
    argv, env = hooks.build("dnd --on 'for now'", hooks.SESSION_START, facts, {"PATH": "/bin"})
    assert argv == ["dnd", "--on", "for now"]
    assert env["PATH"] == "/bin"
    assert env["MICROSESSION_EVENT"] == "session_start"
    assert env["MICROSESSION_SESSION_ID"] == "abc123"
    assert env["MICROSESSION_KIND"] == "micro"
    assert env["MICROSESSION_PLANNED_MIN"] == "15"
    assert env["MICROSESSION_FOCUSED_MIN"] == "" and env["MICROSESSION_OUTCOME"] == ""
    assert env["MICROSESSION_TASK"] == "Write the intro" and env["MICROSESSION_TASK_ID"] == "t1"
    assert env["MICROSESSION_STARTED_UTC"] == "2026-03-02T08:30:00Z"
    assert env["MICROSESSION_STACK_RUN_ID"] == "run9"


def test_end_facts():
    ended = Ended(info(planned_s=1500.0, task_id=None, tags=Tags()), Outcome.STOPPED,
                  T0 + timedelta(minutes=13), 12.5 * 60)
    _, env = hooks.build("x", hooks.SESSION_END, hooks.facts_of_end(ended), {})
    assert env["MICROSESSION_EVENT"] == "session_end"
    assert env["MICROSESSION_PLANNED_MIN"] == "25" and env["MICROSESSION_FOCUSED_MIN"] == "12.5"
    assert env["MICROSESSION_OUTCOME"] == "stopped"
    assert env["MICROSESSION_ENDED_UTC"] == "2026-03-02T08:43:00Z"
    assert env["MICROSESSION_TASK_ID"] == "" and env["MICROSESSION_TASK"] == ""


def test_no_shell_metacharacters_are_interpreted():
    argv, _ = hooks.build("echo $HOME; rm -rf * | cat", hooks.BREAK_END, {}, {})
    assert argv == ["echo", "$HOME;", "rm", "-rf", "*", "|", "cat"]


def test_blank_command_builds_nothing_and_bad_one_raises():
    assert hooks.build("   ", hooks.SESSION_START, {}, {}) is None
    with pytest.raises(ValueError, match="cannot split"):
        hooks.build("notify-send 'unclosed", hooks.SESSION_START, {}, {})
    with pytest.raises(ValueError, match="unknown hook event"):
        hooks.build("x", "lunch", {}, {})


def test_stale_variables_of_ours_are_replaced_and_values_are_sane():
    base = {"MICROSESSION_TASK": "old", "MICROSESSION_FOO": "x", "MICROSESSION_DATA_DIR": "/d", "HOME": "/h"}
    _, env = hooks.build("x", hooks.SESSION_START, {"task": "a\0b" + "z" * 5000}, base)
    assert "MICROSESSION_FOO" not in env and env["MICROSESSION_DATA_DIR"] == "/d" and env["HOME"] == "/h"
    assert env["MICROSESSION_TASK"].startswith("a b") and len(env["MICROSESSION_TASK"]) == hooks.MAX_VALUE
    assert set(env) >= {"MICROSESSION_" + f.upper() for f in hooks.FACTS}


def test_every_event_has_a_setting():
    from microsession.core.settings import SPECS

    assert all(hooks.SETTING_OF[e] in SPECS for e in hooks.EVENTS)
