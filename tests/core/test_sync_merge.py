from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microsession.core.sync_merge import (MAX_AHEAD_MS, Change, HybridClock, Stamp, is_conflict_copy, merge,
                                          parse_stamp, wins)

A, B, C = "a" * 32, "b" * 32, "c" * 32


def test_stamp_text_orders_like_the_stamp():
    stamps = [Stamp(5, 0, B), Stamp(5, 1, A), Stamp(40, 0, A), Stamp(5, 0, A), Stamp(1_700_000_000_000, 9, C)]
    assert sorted(stamps) == sorted(stamps, key=Stamp.text)
    for s in stamps:
        assert parse_stamp(s.text()) == s


@pytest.mark.parametrize("text", [None, 5, "", "1.2.3", "0000000000005.0000." + "x" * 32, "5.0." + A])
def test_malformed_stamps_are_refused(text):
    with pytest.raises(ValueError):
        parse_stamp(text)


def test_clock_never_goes_back_and_follows_what_it_sees():
    clock = HybridClock(A)
    s1 = clock.send(1000)
    s2 = clock.send(900)  # the wall clock was set back
    assert s2 > s1 and s2.ms == 1000
    clock.receive(Stamp(5000, 3, B), now_ms=1000)
    s3 = clock.send(1100)
    assert s3 > Stamp(5000, 3, B)


def test_a_stamp_from_far_ahead_is_refused():
    clock = HybridClock(A)
    with pytest.raises(ValueError, match="ahead"):
        clock.receive(Stamp(1000 + MAX_AHEAD_MS + 1, 0, B), now_ms=1000)
    assert clock.ms == 0


def test_counter_overflow_borrows_a_millisecond():
    clock = HybridClock(A, ms=10, counter=9999)
    assert clock.send(10) == Stamp(11, 0, A)


def test_tombstone_wins_over_an_older_edit_arriving_later():
    edit = Change("tasks", "k", Stamp(10, 0, A), {"title": "x"})
    delete = Change("tasks", "k", Stamp(20, 0, B), None)
    assert merge([delete, edit])[("tasks", "k")].row is None
    assert wins(Stamp(1, 0, A), None)


def test_conflict_copy_names():
    assert is_conflict_copy("2026-12.sync-conflict-20261203-101010-ABCDEFG.jsonl")
    assert is_conflict_copy("2026-12 (conflicted copy 2026-12-03).jsonl")
    assert is_conflict_copy("2026-12 (conflicted copy 2026-12-03 101010).jsonl")
    assert not is_conflict_copy("2026-12.jsonl")


changes = st.lists(st.builds(
    Change, st.sampled_from(["tasks", "sessions"]), st.sampled_from(["k1", "k2", "k3"]),
    st.builds(Stamp, st.integers(0, 50), st.integers(0, 3), st.sampled_from([A, B, C])),
    st.one_of(st.none(), st.fixed_dictionaries({"v": st.integers()}))),
    max_size=40, unique_by=lambda c: c.stamp)  # a device never stamps two changes alike


@given(changes, st.randoms(use_true_random=False))
def test_merge_is_the_same_in_any_order_and_grouping(items, rnd):
    expected = merge(items)
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert merge(shuffled) == expected
    cut = rnd.randrange(len(items) + 1)
    partial = merge(shuffled[:cut])  # a device that merged part, then the rest
    assert merge(list(partial.values()) + shuffled[cut:]) == expected


@given(st.lists(st.tuples(st.sampled_from([0, 1, 2]), st.integers(0, 10**6)), max_size=60))
def test_three_clocks_exchanging_stamps_stay_ordered(events):
    clocks = [HybridClock(d) for d in (A, B, C)]
    last = [None, None, None]
    for who, wall in events:
        stamp = clocks[who].send(wall)
        if last[who] is not None:
            assert stamp > last[who]
        last[who] = stamp
        other = random.Random(wall).randrange(3)
        clocks[other].receive(stamp, now_ms=10**7)
        assert clocks[other].send(0) > stamp
