from datetime import timedelta

import pytest

from microsession.core.clock import FakeClock
from microsession.core.events import Ended, Kind, Outcome, Paused, Resumed, Started
from microsession.core.session import TRANSITIONS, Action, Engine, IllegalTransition, State


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def engine(clock):
    return Engine(clock)


def drive_to(engine: Engine, clock: FakeClock, state: State) -> None:
    """Bring a fresh engine into `state` through legal moves."""
    if state is State.IDLE:
        return
    engine.start(600)
    if state is State.PAUSED:
        engine.pause()
    elif state in (State.FINISHED, State.BREAK):
        clock.advance(600)
        engine.tick()
        if state is State.BREAK:
            engine.start_break(300)


COMMANDS = {
    Action.START: lambda e: e.start(300),
    Action.PAUSE: lambda e: e.pause(),
    Action.RESUME: lambda e: e.resume(),
    Action.STOP: lambda e: e.stop(),
    Action.EXTEND: lambda e: e.extend(),
    Action.START_BREAK: lambda e: e.start_break(300),
    Action.SKIP_BREAK: lambda e: e.skip_break(),
}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(COMMANDS))
def test_transition_table_is_obeyed(state, action, clock):
    engine = Engine(clock)
    drive_to(engine, clock, state)
    assert engine.state is state
    target = TRANSITIONS.get((state, action))
    if target is None:
        with pytest.raises(IllegalTransition):
            COMMANDS[action](engine)
        assert engine.state is state  # refused means unchanged
    else:
        COMMANDS[action](engine)
        assert engine.state is target


def test_session_ends_at_deadline_not_before(engine, clock):
    [started] = engine.start(15 * 60)
    assert isinstance(started, Started) and started.session.kind is Kind.MICRO
    clock.advance(15 * 60 - 0.5)
    assert engine.tick() == []
    assert engine.remaining() == pytest.approx(0.5)
    clock.advance(0.5)
    [ended] = engine.tick()
    assert isinstance(ended, Ended) and ended.outcome is Outcome.COMPLETED
    assert ended.focused_s == pytest.approx(900)
    assert engine.state is State.FINISHED and engine.last_ended == ended


def test_late_tick_ends_at_the_deadline(engine, clock):
    start = clock.now_utc()
    engine.start(300)
    clock.advance(420)  # noticed two minutes late
    [ended] = engine.tick()
    assert ended.ended_utc == start + timedelta(seconds=300)
    assert ended.focused_s == pytest.approx(300)


def test_pause_resume_arithmetic(engine, clock):
    engine.start(600)
    clock.advance(100)
    [paused] = engine.pause()
    assert isinstance(paused, Paused) and paused.session.paused_at_utc == clock.now_utc()
    clock.advance(50)
    assert engine.remaining() == pytest.approx(500)  # frozen while paused
    assert engine.tick() == []
    [resumed] = engine.resume()
    assert isinstance(resumed, Resumed) and resumed.session.paused_s == pytest.approx(50)
    clock.advance(499)
    assert engine.tick() == []
    clock.advance(1)
    [ended] = engine.tick()
    assert ended.focused_s == pytest.approx(600)
    assert ended.session.paused_s == pytest.approx(50)


def test_stop_while_paused_counts_pause_apart(engine, clock):
    engine.start(600)
    clock.advance(120)
    engine.pause()
    clock.advance(30)
    [ended] = engine.stop()
    assert ended.outcome is Outcome.STOPPED
    assert ended.focused_s == pytest.approx(120)
    assert ended.session.paused_s == pytest.approx(30)
    assert engine.state is State.IDLE and engine.current is None


def test_extend_adds_five_minutes(engine, clock):
    engine.start(300)
    clock.advance(290)
    engine.extend()
    assert engine.remaining() == pytest.approx(310)
    assert engine.current.planned_s == 600
    clock.advance(310)
    [ended] = engine.tick()
    assert ended.focused_s == pytest.approx(600)


def test_suspend_in_the_middle_ends_at_the_right_wall_time(engine, clock):
    start = clock.now_utc()
    engine.start(25 * 60)
    clock.advance(5 * 60)
    clock.advance(10 * 60)  # suspended: the boot-time clock and the wall both move on
    assert engine.remaining() == pytest.approx(10 * 60)
    clock.advance(10 * 60)
    [ended] = engine.tick()
    assert ended.ended_utc == start + timedelta(minutes=25)


def test_wall_clock_back_one_hour_keeps_duration(engine, clock):
    engine.start(15 * 60)
    clock.advance(60)
    clock.set_wall(clock.now_utc() - timedelta(hours=1))
    assert engine.remaining() == pytest.approx(14 * 60)
    clock.advance(14 * 60)
    [ended] = engine.tick()
    assert ended.focused_s == pytest.approx(15 * 60)


def test_break_cycle_and_new_sprint_during_break(engine, clock):
    engine.start(600, Kind.DEEP)
    clock.advance(600)
    [focus_end] = engine.tick()
    assert focus_end.session.kind is Kind.DEEP
    [brk] = engine.start_break(300)
    assert brk.session.kind is Kind.BREAK and engine.state is State.BREAK
    clock.advance(100)
    events = engine.start(600)  # a new sprint ends the break early
    assert [type(e) for e in events] == [Ended, Started]
    assert events[0].session.kind is Kind.BREAK and events[0].outcome is Outcome.STOPPED
    assert engine.state is State.RUNNING


def test_break_expires_to_idle(engine, clock):
    drive_to(engine, clock, State.BREAK)
    clock.advance(300)
    [ended] = engine.tick()
    assert ended.session.kind is Kind.BREAK and ended.outcome is Outcome.COMPLETED
    assert engine.state is State.IDLE


def test_bad_lengths_are_refused(engine):
    for bad in (0, -5, float("nan")):
        with pytest.raises(ValueError):
            engine.start(bad)
    with pytest.raises(ValueError):
        engine.start(60, Kind.BREAK)
    assert engine.state is State.IDLE


def test_fraction_left(engine, clock):
    assert engine.fraction_left() == 0.0
    engine.start(400)
    clock.advance(100)
    assert engine.fraction_left() == pytest.approx(0.75)
