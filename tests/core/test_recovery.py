from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.clock import FakeClock
from microsession.core.events import Kind, Outcome, SessionInfo
from microsession.core.recovery import recover
from microsession.core.session import Engine, State

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
INFO = SessionInfo("abc", Kind.MICRO, 900.0, T0, paused_s=60.0)


def test_deadline_passed_while_down_is_recovered_at_deadline():
    r = recover(INFO, T0 + timedelta(hours=2))
    assert r.ended is not None and r.ended.outcome is Outcome.RECOVERED
    assert r.ended.ended_utc == T0 + timedelta(seconds=960)
    assert r.ended.focused_s == 900


def test_still_running_resumes_with_what_is_left():
    r = recover(INFO, T0 + timedelta(seconds=500))
    assert r.ended is None and r.remaining_s == pytest.approx(460)
    clock = FakeClock(T0 + timedelta(seconds=500))
    engine = Engine(clock)
    engine.restore(INFO, r.remaining_s)
    assert engine.state is State.RUNNING and engine.remaining() == pytest.approx(460)
    clock.advance(460)
    [ended] = engine.tick()
    assert ended.session.id == "abc" and ended.focused_s == pytest.approx(900)


def test_paused_session_stays_paused_with_its_time_left():
    info = replace(INFO, paused_at_utc=T0 + timedelta(seconds=360))  # ran 300 s
    r = recover(info, T0 + timedelta(hours=5))
    assert r.ended is None and r.remaining_s == pytest.approx(600)
    clock = FakeClock(T0 + timedelta(hours=5))
    engine = Engine(clock)
    engine.restore(info, r.remaining_s)
    assert engine.state is State.PAUSED and engine.remaining() == pytest.approx(600)
    engine.resume()
    clock.advance(600)
    [ended] = engine.tick()
    assert ended.focused_s == pytest.approx(900, abs=1)


def test_wall_clock_set_back_never_gives_more_than_planned():
    r = recover(INFO, T0 - timedelta(hours=1))
    assert r.remaining_s == 900
