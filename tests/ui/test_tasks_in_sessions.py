"""Tasks, batches, stacks, interruptions and the preparation card through the real shell.

A real QApplication (offscreen), a real SQLite file, a fake clock: each test walks a whole
cycle as a user would and then reads the file.
"""

from dataclasses import replace

import pytest

from microsession.compose import recover_runs, recover_sessions
from microsession.core.clock import FakeClock
from microsession.core.events import Kind
from microsession.core.session import Engine, State
from microsession.core.settings import Settings
from microsession.core.tasks import new_task
from microsession.journal import Journal
from microsession.store import db
from microsession.store import tasks as task_store
from microsession.ui.session.controller import Controller
from microsession.ui.shell import Shell


def make_shell(qapp, conn, clock, settings=None) -> Shell:
    controller = Controller(Engine(clock), Journal(conn), clock, settings or Settings())
    return Shell(qapp, controller, conn)


@pytest.fixture
def env(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    conn = db.connect(tmp_path / "m.sqlite3")
    clock = FakeClock()
    shells = []

    def build(settings=None):
        shell = make_shell(qapp, conn, clock, settings)
        shells.append(shell)
        return shell

    yield conn, clock, build
    for shell in shells:
        for widget in (shell._ring, shell._popup, shell.starts._card):
            if widget is not None:
                widget.hide()
        if shell._notifier is not None:
            shell._notifier.shutdown()
    conn.close()


def add_task(conn, clock, title, task_type="communication", minutes=10, **kw):
    task = new_task(title, task_type, minutes, now=clock.now_utc(), **kw)
    task_store.add(conn, task)
    clock.advance(1)
    return task


def run_out(shell, clock):
    """Let the current session or break run to its deadline."""
    clock.advance(shell.c.engine.remaining() + 0.01)
    shell.c.wake()


def rows(conn, sql, *args):
    return [tuple(r) for r in conn.execute(sql, args).fetchall()]


def test_a_task_session_is_stored_on_the_task_and_the_popup_ticks_it_off(env):
    conn, clock, build = env
    shell = build()
    task = add_task(conn, clock, "Reply to Anna")
    shell.start_task(task.id[:6])  # a prefix, like the command line
    assert shell.c.snapshot().task == "Reply to Anna"
    assert shell.c.engine.current.planned_s == 600
    run_out(shell, clock)
    popup = shell.popup
    assert popup.isVisible() and popup.finished.text() == "Finished: Reply to Anna"
    popup.finished.setChecked(True)
    popup.next_step.setText("send the draft")
    popup.save()
    assert rows(conn, "SELECT task_id, kind, outcome FROM sessions WHERE kind != 'break'") == [
        (task.id, "micro", "completed")]
    assert task_store.get(conn, task.id).done
    assert shell.c.engine.state is State.BREAK


def test_the_resume_card_shows_the_last_log_of_the_task(env):
    conn, clock, build = env
    shell = build()
    task = add_task(conn, clock, "Thesis chapter 2", "creative", 15)
    shell.start_task(task.id)
    assert shell.ring.note() == ""  # never worked on: nothing to resume
    clock.advance(120)
    shell.c.stop()
    shell.popup.stopped_at.setText("section 2.3")
    shell.popup.next_step.setText("write the example")
    shell.popup.save()
    shell.start_task(task.id)
    assert shell.ring.note() == "Last time: stopped at section 2.3 · Next: write the example"
    assert shell.ring.note_shown()


def test_a_batch_session_covers_the_type_and_ticks_three_tasks_at_once(env):
    conn, clock, build = env
    shell = build()
    tasks = [add_task(conn, clock, f"Mail {i}") for i in range(4)]
    add_task(conn, clock, "File taxes", "admin")
    shell.start_batch("communication")
    assert shell.c.snapshot().task == "Batch: communication · 4 tasks"
    session_id = shell.c.engine.current.id
    assert sorted(task_store.tasks_of_session(conn, session_id)) == sorted(t.id for t in tasks)
    assert rows(conn, "SELECT batch_type FROM sessions WHERE id = ?", session_id) == [("communication",)]
    run_out(shell, clock)
    popup = shell.popup
    assert [box.text() for _, box in popup.task_checks] == [f"Mail {i}" for i in range(4)]
    assert not popup.finished.isVisible() and popup.batch_box.isVisible()
    for _, box in popup.task_checks[:3]:
        box.setChecked(True)
    popup.save()
    assert [task_store.get(conn, t.id).done for t in tasks] == [True, True, True, False]
    assert rows(conn, "SELECT finished FROM session_logs") == [(1,)]


def test_bad_starts_are_refused_with_a_sentence(env):
    conn, clock, build = env
    shell = build()
    for start, arg, words in [(shell.start_task, "feedbeef", "no open task"),
                              (shell.start_batch, "admin", "no open tasks"),
                              (shell.start_batch, "no such type", "no task type"),
                              (shell.start_stack, "Nope", "no stack")]:
        with pytest.raises(ValueError, match=words):
            start(arg)
    assert shell.c.engine.state is State.IDLE
    shell.start_minutes(5)
    with pytest.raises(ValueError, match="already running"):
        shell.start_stack("Inbox zero")


def test_a_stack_runs_through_by_itself_and_logs_every_step(env):
    conn, clock, build = env
    shell = build()
    shell.start_stack("research → write → edit")  # names match without regard to case
    stack = shell.c.run.stack
    kinds = []
    for position in range(len(stack.steps)):
        snap = shell.c.snapshot()
        assert snap.step_text == f"step {position + 1} of 5"
        kinds.append(shell.c.engine.current.kind)
        run_out(shell, clock)
        if stack.steps[position].kind == "focus":  # the short popup: energy and next step
            assert shell.popup.isVisible() != (position == 4) or position == 4
            assert not shell.popup.stopped_at.isVisible() or position == 4
            shell.popup.skip()
    assert kinds == [Kind.MICRO, Kind.BREAK, Kind.MICRO, Kind.BREAK, Kind.MICRO]
    assert shell.c.run is None
    assert rows(conn, "SELECT stack_position, kind, planned_s / 60, outcome FROM sessions ORDER BY started_utc")[:5] == [
        (0, "micro", 10, "completed"), (1, "break", 5, "completed"), (2, "micro", 15, "completed"),
        (3, "break", 5, "completed"), (4, "micro", 10, "completed")]
    [(run_id, name, outcome)] = rows(conn, "SELECT id, stack_name, outcome FROM stack_runs")
    assert outcome == "completed" and name == stack.name
    assert rows(conn, "SELECT DISTINCT stack_run_id FROM sessions WHERE stack_position IS NOT NULL") == [(run_id,)]


def test_stopping_a_stack_in_the_middle_stops_it_cleanly(env):
    conn, clock, build = env
    shell = build()
    shell.start_stack("Inbox zero")
    run_out(shell, clock)  # step 1 done, the break starts by itself
    shell.popup.skip()
    assert shell.c.engine.state is State.BREAK and shell.c.in_stack()
    shell.start_minutes(5)  # a sprint of one's own during the stack's break ends the stack
    assert shell.c.run is None and shell.c.engine.current.tags.stack_run_id is None
    clock.advance(600)
    shell.c.wake()
    assert rows(conn, "SELECT outcome FROM stack_runs") == [("stopped",)]
    assert rows(conn, "SELECT count(*) FROM sessions WHERE stack_run_id IS NOT NULL") == [(2,)]
    shell.popup.skip()  # the sprint's popup; then the normal rhythm: a break of our own
    assert shell.c.engine.state is State.BREAK and shell.c.run is None


def test_stop_stack_from_the_menu_during_a_focus_step(env):
    conn, clock, build = env
    shell = build()
    shell.start_stack("Deep morning")
    assert shell.c.engine.current.kind is Kind.DEEP
    shell.menu.aboutToShow.emit()
    [stop] = [a for a in shell.menu.actions() if a.isVisible() and a.text() == "Stop stack"]
    clock.advance(600)
    stop.trigger()
    assert shell.c.engine.state is State.IDLE and shell.c.run is None
    assert rows(conn, "SELECT outcome FROM stack_runs") == [("stopped",)]
    assert rows(conn, "SELECT kind, outcome, stack_position FROM sessions") == [("deep", "stopped", 0)]


def test_a_stack_step_killed_mid_way_is_taken_up_again_after_a_restart(env, qapp):
    conn, clock, build = env
    shell = build()
    shell.start_stack("Inbox zero")
    run_out(shell, clock)
    shell.popup.skip()
    run_out(shell, clock)  # the break is over: step 3 (focus) runs
    assert shell.c.snapshot().step_text == "step 3 of 5"
    clock.advance(60)  # ... and here the app is killed: a new engine reads the file
    engine = Engine(clock)
    journal = Journal(conn)
    recover_sessions(conn, engine, journal, clock)
    run = recover_runs(conn, engine, journal, clock)
    assert run is not None and run.position == 2
    controller = Controller(engine, journal, clock, Settings())
    controller.run = run
    assert controller.snapshot().step_text == "step 3 of 5"
    clock.advance(engine.remaining() + 0.01)
    controller.wake()
    assert engine.state is State.BREAK and controller.run.position == 3


def test_interrupted_is_recorded_pauses_and_pre_ticks_the_popup(env):
    conn, clock, build = env
    shell = build()
    shell.start_minutes(10)
    clock.advance(100)
    shell.c.interrupt()
    assert shell.c.engine.state is State.PAUSED
    clock.advance(50)  # paused time is kept apart from focus time
    shell.c.resume()
    run_out(shell, clock)
    assert shell.popup.interrupted.isChecked()
    shell.popup.save()
    [(session_id, focused, paused)] = rows(conn, "SELECT id, focused_s, paused_s FROM sessions WHERE kind = 'micro'")
    assert (focused, paused) == (600, 50)
    assert task_store.count_interruptions(conn, session_id) == 1
    assert rows(conn, "SELECT interrupted FROM session_logs") == [(1,)]


def test_long_break_after_a_cluster_and_after_deep_work(env):
    conn, clock, build = env
    shell = build(replace(Settings(), cluster_size=2, long_break_minutes=20, deep_break_minutes=25))
    breaks = []
    for minutes in (10, 10, 90):
        shell.c.start(minutes)
        run_out(shell, clock)
        shell.popup.skip()  # after the popup: the break the rhythm asks for
        breaks.append(shell.c.engine.current.planned_s / 60)
        run_out(shell, clock)
    assert breaks == [5, 20, 25]


def test_the_preparation_card_starts_the_clock_by_itself(env, qtbot):
    conn, clock, build = env
    settings = replace(Settings(), preparation=True, preparation_min_minutes=15,
                       preparation_checklist="Silence the phone\nClose tabs")
    shell = build(settings)
    shell.c.scale = 600.0  # the card's minute lasts 0.1 s
    shell.start_minutes(10)  # shorter than the minimum: no card
    assert shell.c.engine.state is State.RUNNING and not shell.starts.preparing()
    shell.c.stop()
    shell.popup.skip()
    shell.start_minutes(25)
    card = shell.starts._card
    assert shell.starts.preparing() and card.checklist() == ["Silence the phone", "Close tabs"]
    assert shell.c.engine.state is State.IDLE  # the clock waits for the card
    qtbot.waitUntil(lambda: shell.c.engine.state is State.RUNNING, timeout=10000)
    assert not card.isVisible() and shell.c.engine.current.planned_s == 1500


def test_the_preparation_card_start_now_cancel_and_edited_list(env, qtbot):
    conn, clock, build = env
    shell = build(replace(Settings(), preparation=True))
    shell.start_minutes(20)
    card = shell.starts._card
    card.toggle_edit()
    card.editor.setPlainText("Water\n\n  Notes  ")
    card._start()  # "Start now" keeps what was typed
    assert shell.c.engine.state is State.RUNNING
    assert shell.c.settings.preparation_checklist == "Water\nNotes"
    assert rows(conn, "SELECT value FROM settings WHERE key = 'preparation_checklist'") == [('"Water\\nNotes"',)]
    shell.c.stop()
    shell.popup.skip()
    shell.start_minutes(20)
    card._cancel()
    assert shell.c.engine.state is State.IDLE
