"""Away in the middle of a session: the overlap, the corrections, and a break counted as a pause."""

import pytest

from microsession.core.away import Away, corrected, overlap
from microsession.core.clock import FakeClock
from microsession.core.events import Outcome
from microsession.core.session import Engine, State

def test_overlap_stops_at_the_sessions_end():
    assert overlap(2400, 1200, ended=False) == 2400  # still running (a stack's step, say)
    assert overlap(2400, 1200, ended=True) == 1200
    assert overlap(600, 1200, ended=True) == 600  # ended after the user came back (then asked)


def test_corrections_of_an_ended_session():
    assert corrected(1500, "completed", 1200, "focus") == (1500, "completed")
    assert corrected(1500, "completed", 1200, "break") == (300, "stopped")
    assert corrected(1500, "completed", 1200, "drop") == (0, "stopped")
    assert corrected(600, "stopped", 900, "break") == (0, "stopped")
    with pytest.raises(ValueError):
        corrected(1, "completed", 1, "later")


def test_question_in_whole_minutes():
    assert Away("x", 2430).question() == "Away 40 min — count it as a break, keep it as focus, or drop the session?"
    assert Away("x", 20).minutes == 1


def test_away_counted_as_a_break_moves_the_deadline_and_leaves_focus_out():
    clock = FakeClock()
    engine = Engine(clock)
    engine.start(1500)
    clock.advance(900)
    [event] = engine.count_away(600)
    assert event.session.paused_s == 600 and engine.remaining() == pytest.approx(1200)
    clock.advance(1200)
    [ended] = engine.tick()
    assert ended.outcome is Outcome.COMPLETED and ended.focused_s == pytest.approx(1500)
    assert engine.state is State.FINISHED and engine.count_away(60) == []
