import json
import uuid

import pytest

from microsession.core.clock import FakeClock
from microsession.core.events import Ended, Kind, Outcome, Started
from microsession.core.session import Engine, State
from microsession.core.stacks import (
    TEMPLATES, NextAction, Stack, StackRun, Step, from_json, start_step, to_json,
)

F10 = Step("focus", 10, "Read")
B5 = Step("break", 5)
RWE = TEMPLATES[0]


def one_line_error(call):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message and "\n" not in message
    return message


# --- steps ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    dict(kind="nap", minutes=10),
    dict(kind="focus", minutes=0),
    dict(kind="focus", minutes=0.99),
    dict(kind="focus", minutes=241),
    dict(kind="break", minutes=61),
    dict(kind="break", minutes=0.5),
    dict(kind="focus", minutes=True),
    dict(kind="focus", minutes="10"),
    dict(kind="focus", minutes=float("nan")),
    dict(kind="focus", minutes=10, label="x" * 81),
    dict(kind="focus", minutes=10, label="two\nlines"),
    dict(kind="focus", minutes=10, label=None),
    dict(kind="focus", minutes=10, task_type=""),
    dict(kind="focus", minutes=10, task_id=7),
    dict(kind="break", minutes=5, task_type="admin"),
])
def test_bad_steps_are_refused_with_one_line(kwargs):
    one_line_error(lambda: Step(**kwargs))


@pytest.mark.parametrize("kind,minutes", [("focus", 1), ("focus", 240), ("break", 1), ("break", 60)])
def test_step_limits_are_inclusive(kind, minutes):
    step = Step(kind, minutes, "x" * 80)
    assert step.minutes == minutes and isinstance(step.minutes, float)


def test_step_maps_to_engine_kind_and_seconds():
    assert Step("focus", 25).session_kind is Kind.MICRO
    assert Step("focus", 90).session_kind is Kind.DEEP
    assert Step("break", 5).session_kind is Kind.BREAK
    assert Step("focus", 1.5).seconds == 90


# --- stacks -----------------------------------------------------------------------------

@pytest.mark.parametrize("name,steps,fragment", [
    ("", (F10,), "name"),
    ("   ", (F10,), "name"),
    ("n" * 61, (F10,), "name"),
    ("ok", (), "1 to 30"),
    ("ok", (F10,) * 31, "1 to 30"),
    ("ok", (B5,), "focus step"),
    ("ok", (B5, F10), "start with a break"),
    ("ok", (F10, B5, B5, F10), "both breaks"),
    ("ok", ("focus",), "Step"),
])
def test_bad_stacks_are_refused(name, steps, fragment):
    assert fragment in one_line_error(lambda: Stack(name, steps))


def test_a_stack_may_hold_30_steps_and_end_with_a_break():
    assert len(Stack("long", (F10, B5) * 15).steps) == 30
    assert Stack("n" * 60, [F10, B5]).steps == (F10, B5)  # a list becomes a tuple


def test_edits_return_new_stacks_and_leave_the_original():
    s = Stack("Mine", (F10, B5, F10))
    assert s.with_step_added(B5).steps == (F10, B5, F10, B5)
    assert s.with_step_added(Step("focus", 20), 0).steps[0].minutes == 20
    assert s.with_step_removed(2).steps == (F10, B5)
    moved = Stack("m", (F10, B5, Step("focus", 20))).with_step_moved(2, 0)
    assert [x.minutes for x in moved.steps] == [20, 10, 5]
    four = Stack("m", (F10, B5, Step("focus", 20), Step("focus", 30)))
    assert [x.minutes for x in four.with_step_moved(3, 1).steps] == [10, 30, 5, 20]
    assert [x.minutes for x in four.with_step_moved(1, 3).steps] == [10, 20, 30, 5]
    assert s.renamed("Yours").name == "Yours" and s.renamed("Yours").steps == s.steps
    assert s == Stack("Mine", (F10, B5, F10))


@pytest.mark.parametrize("edit", [
    lambda s: s.with_step_removed(0),  # would start with a break
    lambda s: s.with_step_moved(1, 0),  # a break to the front
    lambda s: s.with_step_added(B5, 1),  # two breaks in a row
    lambda s: s.with_step_removed(3),  # no such step
    lambda s: s.with_step_removed(-1),
    lambda s: s.with_step_added(F10, 4),
    lambda s: s.renamed(""),
    lambda s: Stack("one", (F10,)).with_step_removed(0),  # empty
])
def test_illegal_edits_raise(edit):
    one_line_error(lambda: edit(Stack("Mine", (F10, B5, F10))))


def test_templates_have_the_documented_shapes():
    shapes = {s.name: [(x.kind, x.minutes) for x in s.steps] for s in TEMPLATES}
    assert shapes == {
        "Research → Write → Edit": [("focus", 10), ("break", 5), ("focus", 15), ("break", 5), ("focus", 10)],
        "Inbox zero": [("focus", 10), ("break", 3)] * 2 + [("focus", 10)],
        "Deep morning": [("focus", 90), ("break", 15)],
        "Three-session cluster": [("focus", 20), ("break", 4)] * 2 + [("focus", 20)],
    }
    assert [(s.total_minutes, s.focus_minutes) for s in TEMPLATES] == [(45, 35), (36, 30), (105, 90), (68, 60)]
    assert {x.task_type for x in TEMPLATES[1].steps if x.kind == "focus"} == {"communication"}
    assert [x.task_type for x in RWE.steps if x.kind == "focus"] == ["research", None, "reviewing-editing"]
    assert TEMPLATES[2].steps[0].session_kind is Kind.DEEP


# --- JSON -------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", TEMPLATES + (Stack("odd", (Step("focus", 7.5, "x", "admin", "t1"),)),))
def test_json_round_trips_through_text(stack):
    assert from_json(json.loads(json.dumps(to_json(stack)))) == stack


def test_json_ignores_unknown_keys_and_fills_optional_ones():
    data = {"name": "S", "version": 9, "steps": [{"kind": "focus", "minutes": 10, "colour": "red"}]}
    assert from_json(data) == Stack("S", (Step("focus", 10),))


@pytest.mark.parametrize("data,fragment", [
    ([], "object"),
    ({"steps": []}, "name"),
    ({"name": "S"}, "steps"),
    ({"name": "S", "steps": "focus 10"}, "list"),
    ({"name": "S", "steps": [5]}, "step 1"),
    ({"name": "S", "steps": [{"kind": "focus"}]}, "step 1"),
    ({"name": "S", "steps": [{"kind": "focus", "minutes": 10}, {"kind": "break", "minutes": 90}]}, "step 2"),
    ({"name": "S", "steps": [{"kind": "focus", "minutes": "10"}]}, "step 1"),
    ({"name": 3, "steps": [{"kind": "focus", "minutes": 10}]}, "stack"),
    ({"name": "S", "steps": []}, "stack"),
])
def test_bad_json_is_one_line_error(data, fragment):
    assert fragment in one_line_error(lambda: from_json(data))


# --- a run, by hand ---------------------------------------------------------------------

def test_a_run_walks_the_steps_and_finishes():
    run = StackRun(RWE, "run-1")
    seen = []
    while not run.finished:
        seen.append((run.position, run.step_text, run.next_action().what))
        run.advance()
    assert seen == [(0, "step 1 of 5", "focus"), (1, "step 2 of 5", "break"), (2, "step 3 of 5", "focus"),
                    (3, "step 4 of 5", "break"), (4, "step 5 of 5", "focus")]
    assert run.current() is None and run.next_action() == ("done", None) and not run.stopped
    assert run.advance() is None and run.position == 4


def test_stop_ends_the_run_where_it_is():
    run = StackRun(RWE, "run-1")
    assert run.advance() == RWE.steps[1]
    run.stop()
    assert (run.finished, run.stopped, run.position, run.current()) == (True, True, 1, None)
    assert run.advance() is None and run.next_action() == NextAction("done", None)
    assert run.as_record() == ("run-1", 1) and run.as_record(4) == ("run-1", 4)
    one_line_error(lambda: run.as_record(5))
    one_line_error(lambda: StackRun(RWE, ""))


# --- a run driving a real engine --------------------------------------------------------

class Driver:
    """The few lines a controller needs: start a step, tick, feed events, start the next."""

    def __init__(self, stack):
        self.clock = FakeClock()
        self.engine = Engine(self.clock)
        self.run = StackRun(stack, uuid.uuid4().hex)
        self.log = []  # (kind, outcome, run_id, position, minutes) per ended session
        self.started = []  # (kind, record) per started session
        self.handle(start_step(self.engine, self.run.next_action()))

    def handle(self, events):
        for ev in events:
            nxt = self.run.observe(ev)
            record = self.run.record_of(ev.session.id)
            if isinstance(ev, Started):
                self.started.append((ev.session.kind, record[1]))
            elif isinstance(ev, Ended):
                self.log.append((ev.session.kind, ev.outcome, *record, ev.focused_s / 60))
                self.handle(start_step(self.engine, nxt))

    def pass_minutes(self, minutes):
        for _ in range(int(minutes * 2)):  # a tick every 30 s, as the UI timer would
            self.clock.advance(30)
            self.handle(self.engine.tick())


def test_engine_runs_research_write_edit_through_by_itself():
    d = Driver(RWE)
    d.pass_minutes(60)  # far more than 45: nothing starts after the last step
    kinds = [Kind.MICRO, Kind.BREAK, Kind.MICRO, Kind.BREAK, Kind.MICRO]
    assert d.started == list(zip(kinds, range(5)))
    assert [(k, o, p, m) for k, o, _, p, m in d.log] == [
        (k, Outcome.COMPLETED, p, m) for k, p, m in zip(kinds, range(5), (10, 5, 15, 5, 10))]
    assert {rid for _, _, rid, _, _ in d.log} == {d.run.run_id}
    assert d.run.finished and not d.run.stopped
    assert d.engine.state is State.FINISHED  # the last focus step waits for its log, as any sprint


def test_stop_in_the_middle_of_step_three_ends_the_run():
    d = Driver(RWE)
    d.pass_minutes(15 + 7)  # 10 focus + 5 break, then 7 of the 15 writing minutes
    assert d.run.position == 2 and d.engine.state is State.RUNNING
    d.run.stop()
    d.handle(d.engine.stop())
    d.pass_minutes(60)
    assert [(p, o) for _, o, _, p, _ in d.log] == [
        (0, Outcome.COMPLETED), (1, Outcome.COMPLETED), (2, Outcome.STOPPED)]
    assert d.log[2][4] == pytest.approx(7)
    assert [p for _, p in d.started] == [0, 1, 2]
    assert d.run.finished and d.run.stopped and d.engine.state is State.IDLE


def test_stopping_the_engine_alone_also_stops_the_run():
    d = Driver(RWE)
    d.pass_minutes(15 + 7)
    d.handle(d.engine.stop())  # the Ended(STOPPED) of a focus step stops the stack
    d.pass_minutes(60)
    assert [p for _, _, _, p, _ in d.log] == [0, 1, 2] and d.run.stopped
    assert d.engine.state is State.IDLE


def test_skipping_a_break_starts_the_next_focus_step():
    d = Driver(RWE)
    d.pass_minutes(11)  # into the first break
    assert d.engine.state is State.BREAK
    d.handle(d.engine.skip_break())
    assert d.engine.state is State.RUNNING and d.run.position == 2
    assert d.log[1][:2] == (Kind.BREAK, Outcome.STOPPED)


def test_events_about_other_sessions_are_ignored():
    clock = FakeClock()
    engine = Engine(clock)
    engine.start(60)
    clock.advance(60)
    engine.tick()
    engine.start_break(60)
    clock.advance(60)
    (ended_break,) = engine.tick()
    run = StackRun(RWE, "r")
    assert run.observe(ended_break) is None  # step 1 is a focus step
    assert run.position == 0 and not run.finished
    run.advance()
    engine.start(60)
    (stopped_focus,) = engine.stop()
    assert run.observe(stopped_focus) is None  # step 2 is a break: not about it
    assert run.position == 1 and not run.stopped
    assert start_step(engine, None) == [] and start_step(engine, NextAction("done", None)) == []


def test_only_the_steps_own_sessions_carry_its_record():
    d = Driver(Stack("one", (Step("focus", 10),)))
    d.pass_minutes(11)
    assert d.run.finished and d.log[0][3] == 0
    (started,) = d.engine.start_break(300)  # an ordinary break after the stack: not part of it
    assert d.run.observe(started) is None and d.run.record_of(started.session.id) is None


def test_an_ended_session_that_is_not_the_bound_one_is_ignored():
    clock = FakeClock()
    engine, other = Engine(clock), Engine(clock)
    run = StackRun(RWE, "r")
    for ev in start_step(engine, run.next_action()):
        run.observe(ev)
    other.start(60)
    (stray,) = other.stop()  # a focus session that is not step 1's
    assert run.observe(stray) is None and not run.finished and run.position == 0
    clock.advance(600)
    (ended,) = engine.tick()
    assert run.observe(ended) == ("break", RWE.steps[1])
    assert run.record_of(ended.session.id) == ("r", 0)
