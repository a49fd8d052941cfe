from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.clock import FakeClock
from microsession.core.events import Ended, Kind, Outcome, SessionInfo, Started
from microsession.core.rhythm import BreakRules, Rhythm
from microsession.core.session import Engine

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


class Day:
    """Hand-built Ended events on a wall-clock timeline; `at` is where the next one starts."""

    def __init__(self, rhythm=None):
        self.rhythm = rhythm or Rhythm()
        self.at = T0

    def _end(self, kind, minutes, outcome, ran=None):
        ran = minutes if ran is None else ran
        info = SessionInfo(f"s{self.at:%H%M%S}", kind, minutes * 60, self.at)
        self.at += timedelta(minutes=ran)
        self.rhythm.observe(Ended(info, outcome, self.at, ran * 60))

    def focus(self, minutes=20, kind=Kind.MICRO, stopped_after=None):
        outcome = Outcome.COMPLETED if stopped_after is None else Outcome.STOPPED
        self._end(kind, minutes, outcome, stopped_after)

    def rest(self, minutes=5, skipped_after=None):
        outcome = Outcome.COMPLETED if skipped_after is None else Outcome.STOPPED
        self._end(Kind.BREAK, minutes, outcome, skipped_after)

    def wait(self, minutes):
        self.at += timedelta(minutes=minutes)

    @property
    def next_break(self):
        return self.rhythm.next_break_kind(), self.rhythm.next_break_minutes()


@pytest.mark.parametrize("kwargs", [
    dict(short_minutes=0), dict(short_minutes=61), dict(long_minutes=True), dict(deep_minutes="15"),
    dict(short_minutes=10, long_minutes=5), dict(cluster_size=0), dict(cluster_size=2.5),
    dict(cluster_size=13), dict(deep_minutes=float("inf")),
])
def test_bad_rules_are_refused(kwargs):
    with pytest.raises(ValueError) as info:
        BreakRules(**kwargs)
    assert "\n" not in str(info.value)


def test_first_break_is_short():
    assert Day().next_break == ("short", 5)


def test_three_sessions_with_short_breaks_earn_a_long_break():
    d = Day()
    d.focus(); d.rest(); d.focus(); d.rest()
    assert d.next_break == ("short", 5)  # two are not yet a cluster
    d.focus()
    assert d.next_break == ("long", 15)


def test_back_to_back_sessions_without_breaks_are_a_cluster():
    d = Day()
    d.focus(); d.focus(); d.focus()
    assert d.next_break == ("long", 15)


def test_a_long_break_starts_a_new_cluster():
    d = Day()
    d.focus(); d.rest(); d.focus(); d.rest(); d.focus()
    d.rest(15)
    d.focus()
    assert d.next_break == ("short", 5) and d.rhythm.cluster == 1


def test_a_break_counts_as_short_up_to_one_minute_over():
    d = Day()
    d.focus(); d.rest(6); d.focus(); d.rest(6); d.focus()
    assert d.next_break == ("long", 15)
    d2 = Day()
    d2.focus(); d2.rest(6.5); d2.focus(); d2.rest(5); d2.focus()
    assert d2.next_break == ("short", 5)


def test_a_gap_of_45_minutes_resets_the_cluster():
    d = Day()
    d.focus(); d.rest(); d.focus(); d.rest()
    d.wait(45)
    d.focus()
    assert d.next_break == ("short", 5) and d.rhythm.cluster == 1


def test_a_gap_of_exactly_30_minutes_keeps_the_cluster():
    d = Day()
    d.focus(); d.focus(); d.wait(30); d.focus()
    assert d.next_break == ("long", 15)


def test_after_deep_work_the_break_is_the_deep_one():
    d = Day()
    d.focus(90, Kind.DEEP)
    assert d.next_break == ("deep", 15)
    d = Day(Rhythm(BreakRules(deep_minutes=25)))
    d.focus(90, Kind.DEEP)
    assert d.next_break == ("deep", 25)
    d.rest(25)
    d.focus(20)
    assert d.next_break == ("short", 5)


def test_a_full_cluster_ending_in_deep_work_takes_the_longer_break():
    d = Day(Rhythm(BreakRules(deep_minutes=20)))
    d.focus(); d.rest(); d.focus(); d.rest(); d.focus(90, Kind.DEEP)
    assert d.next_break == ("long", 20)


def test_a_skipped_break_still_counts_as_short():
    d = Day()
    d.focus(); d.rest(5, skipped_after=1); d.focus(); d.rest(5, skipped_after=0.2); d.focus()
    assert d.next_break == ("long", 15)
    d2 = Day()  # a long break left early, but after 10 minutes: rested, a new cluster
    d2.focus(); d2.focus(); d2.rest(15, skipped_after=10); d2.focus()
    assert d2.next_break == ("short", 5)


def test_stopped_focus_under_five_minutes_does_not_count():
    d = Day()
    d.focus(); d.rest(); d.focus(stopped_after=4); d.focus()
    assert d.next_break == ("short", 5) and d.rhythm.cluster == 2
    d.focus(stopped_after=5)
    assert d.next_break == ("long", 15)


def test_cluster_size_is_a_setting():
    d = Day(Rhythm(BreakRules(short_minutes=3, long_minutes=20, cluster_size=2)))
    d.focus(); d.rest(3)
    assert d.next_break == ("short", 3)
    d.focus()
    assert d.next_break == ("long", 20)


def test_other_events_are_ignored_and_reset_forgets():
    d = Day()
    info = SessionInfo("x", Kind.MICRO, 600, T0)
    d.rhythm.observe(Started(info))
    d.focus(); d.focus(); d.focus()
    d.rhythm.reset()
    assert d.next_break == ("short", 5)


# --- with the real engine ---------------------------------------------------------------

def sprint(engine, clock, rhythm, minutes, break_minutes=None):
    for ev in engine.start(minutes * 60):
        rhythm.observe(ev)
    clock.advance(minutes * 60 + 1)
    for ev in engine.tick():
        rhythm.observe(ev)
    if break_minutes is not None:
        engine.start_break(break_minutes * 60)
        clock.advance(break_minutes * 60)
        for ev in engine.tick():
            rhythm.observe(ev)


def test_engine_three_sprints_then_a_long_break_then_short_again():
    clock, rhythm = FakeClock(), Rhythm()
    engine = Engine(clock)
    sprint(engine, clock, rhythm, 20, rhythm.next_break_minutes())
    sprint(engine, clock, rhythm, 20, rhythm.next_break_minutes())
    assert rhythm.next_break_minutes() == 5
    sprint(engine, clock, rhythm, 20)
    assert rhythm.next_break_minutes() == 15
    engine.start_break(rhythm.next_break_minutes() * 60)
    clock.advance(15 * 60)
    for ev in engine.tick():
        rhythm.observe(ev)
    sprint(engine, clock, rhythm, 20)
    assert rhythm.next_break_minutes() == 5


def test_engine_skipped_break_and_idle_gap():
    clock, rhythm = FakeClock(), Rhythm()
    engine = Engine(clock)
    sprint(engine, clock, rhythm, 10)
    engine.start_break(5 * 60)
    clock.advance(30)
    for ev in engine.skip_break():  # skipped after 30 s: a short break
        rhythm.observe(ev)
    sprint(engine, clock, rhythm, 10, 5)
    sprint(engine, clock, rhythm, 10)
    assert rhythm.next_break_minutes() == 15
    clock.advance(45 * 60)  # away, no break taken
    sprint(engine, clock, rhythm, 10)
    assert rhythm.next_break_minutes() == 5


def test_engine_deep_work_block():
    clock, rhythm = FakeClock(), Rhythm(BreakRules(deep_minutes=20))
    engine = Engine(clock)
    for ev in engine.start(90 * 60, Kind.DEEP):
        rhythm.observe(ev)
    clock.advance(90 * 60)
    for ev in engine.tick():
        rhythm.observe(ev)
    assert rhythm.next_break_kind() == "deep" and rhythm.next_break_minutes() == 20
