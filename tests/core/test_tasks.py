from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from microsession.core.clock import FakeClock
from microsession.core.logbook import SessionLog
from microsession.core.tasks import (DEMANDING_TYPES, LIGHT_TYPES, TASK_TYPES, AspectProgress, Batch,
                                     SessionSpent, batch_for, mark_done, mark_open, new_task, next_task,
                                     project_progress, resume_text, slugify, smallest_open_aspect,
                                     type_label, validate_minutes, validate_title, validate_type)

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=timezone.utc)


def task(title="t", task_type="admin", minutes=10, project=None, aspect=None, at=0, **kw):
    return new_task(title, task_type, minutes, project, aspect, now=T0 + timedelta(minutes=at), **kw)


# --- validation --------------------------------------------------------------------------

def test_builtin_types_have_stable_slugs_and_labels():
    assert [t.slug for t in TASK_TYPES] == [
        "communication", "brainstorming", "reviewing-editing", "learning-practice", "admin",
        "creative", "research", "social-media"]
    assert type_label("reviewing-editing") == "reviewing & editing"
    assert all(t.builtin for t in TASK_TYPES)
    assert DEMANDING_TYPES.isdisjoint(LIGHT_TYPES)
    assert DEMANDING_TYPES | LIGHT_TYPES == {t.slug for t in TASK_TYPES}


@pytest.mark.parametrize("given, slug", [
    ("communication", "communication"), ("Reviewing & Editing", "reviewing-editing"),
    ("  social media ", "social-media"), ("Écriture longue", "écriture-longue"), ("a_b", "a-b"),
])
def test_types_are_slugified(given, slug):
    assert validate_type(given) == slug == slugify(given)


@pytest.mark.parametrize("bad", ["", "   ", "!!!", "x" * 41, "a\tb"])
def test_bad_types_are_refused(bad):
    with pytest.raises(ValueError) as info:
        validate_type(bad)
    assert "\n" not in str(info.value)


def test_titles_are_stripped_and_limited():
    assert validate_title("  Reply to Anna  ") == "Reply to Anna"
    assert validate_title("x" * 200) == "x" * 200
    assert validate_title("Emoji 👩‍💻 ok") == "Emoji 👩‍💻 ok"  # a zero-width joiner is not a control
    for bad in ["", "   ", "x" * 201, "two\nlines", "tab\there", "bell\x07", "bad \udcff byte"]:
        with pytest.raises(ValueError) as info:
            validate_title(bad)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("good", [5, 10, 120])
def test_minutes_in_range(good):
    assert validate_minutes(good) == good


@pytest.mark.parametrize("bad", [0, 4, 121, 500, -5, 10.0, "10", True, None])
def test_minutes_out_of_range_or_not_whole(bad):
    with pytest.raises(ValueError, match="minutes"):
        validate_minutes(bad)


def test_new_task_normalises_and_validates():
    t = new_task(" Draft intro ", "Reviewing & editing", 25, " Thesis ", " Intro ", now=T0)
    assert (t.title, t.task_type, t.minutes, t.project, t.aspect) == (
        "Draft intro", "reviewing-editing", 25, "Thesis", "Intro")
    assert not t.done and t.finished_utc is None and not t.deleted and len(t.id) == 32
    assert new_task("x", "admin", 10, "  ", None, now=T0).project is None
    with pytest.raises(ValueError, match="aspect"):
        new_task("x", "admin", 10, None, "Intro", now=T0)
    with pytest.raises(ValueError):
        replace(t, minutes=3)


def test_done_and_open_again():
    clock = FakeClock(T0)
    t = task()
    clock.advance(600)
    done = mark_done(t, clock.now_utc())
    assert done.done and done.finished_utc == T0 + timedelta(minutes=10) and not done.is_open
    assert mark_done(done, T0 + timedelta(days=1)) == done  # ticking twice keeps the first time
    again = mark_open(done)
    assert again.is_open and again.finished_utc is None


# --- batches ------------------------------------------------------------------------------

def test_batch_of_open_tasks_of_a_type_and_its_label():
    mails = [task(f"mail {i}", "communication", at=i) for i in range(4)]
    other = task("file taxes", "admin")
    done = mark_done(task("old mail", "communication", at=-5), T0)
    deleted = replace(task("spam", "communication", at=-4), deleted=True)
    batch = batch_for([mails[2], other, done, mails[0], deleted, mails[3], mails[1]], "communication")
    assert batch.task_ids == tuple(t.id for t in mails)  # oldest first, open only
    assert batch.label == "Batch: communication · 4 tasks"
    assert Batch("reviewing-editing", ("a",)).label == "Batch: reviewing & editing · 1 task"
    assert Batch("writing", ("a", "b"), "Writing").label == "Batch: Writing · 2 tasks"


def test_batch_ticks_only_its_own_tasks_in_batch_order():
    batch = Batch("communication", ("a", "b", "c", "d"))
    assert batch.tick(["c", "zzz", "a", "c"]) == ("a", "c")
    assert batch.tick([]) == ()
    assert batch.tick({"a", "b", "c"}) == ("a", "b", "c")  # three at once


def test_an_empty_or_doubled_batch_is_refused():
    with pytest.raises(ValueError, match="no open tasks"):
        batch_for([task("x", "admin")], "communication")
    with pytest.raises(ValueError):
        Batch("admin", ("a", "a"))


# --- resume card --------------------------------------------------------------------------

def test_resume_text_leaves_out_empty_parts():
    assert resume_text(SessionLog("para 3 of intro", "write the summary")) == (
        "Last time: stopped at para 3 of intro · Next: write the summary")
    assert resume_text(SessionLog("para 3", "")) == "Last time: stopped at para 3"
    assert resume_text(SessionLog("", "call Bob")) == "Last time · Next: call Bob"
    assert resume_text(SessionLog("  ", "", energy=4)) is None
    assert resume_text(None) is None


def test_resume_text_is_one_short_line():
    text = resume_text(SessionLog("line one\nline two", "x" * 500), limit=50)
    assert "\n" not in text and "line one line two" in text
    assert text.endswith("…") and len(text.split("Next: ")[1]) == 50


# --- projects -----------------------------------------------------------------------------

def thesis():
    intro1 = task("outline", project="Thesis", aspect="Intro", minutes=10, at=1)
    intro2 = mark_done(task("draft", project="Thesis", aspect="Intro", minutes=25, at=2), T0)
    method = task("protocol", project="Thesis", aspect="Method", minutes=20, at=3)
    method2 = task("ethics", project="Thesis", aspect="Method", minutes=5, at=4)
    refs = mark_done(task("bibliography", project="Thesis", aspect="References", at=5), T0)
    loose = task("ask supervisor", project="Thesis", minutes=5, at=6)
    gone = replace(task("dropped idea", project="Thesis", aspect="Intro", at=7), deleted=True)
    unrelated = task("groceries")
    return [intro1, intro2, method, method2, refs, loose, gone, unrelated]


def test_project_progress_counts_per_aspect():
    tasks = thesis()
    intro1, intro2, method, _, _, _, gone, unrelated = tasks
    spent = {
        intro1.id: [SessionSpent("s1", 600), SessionSpent("batch", 300)],
        intro2.id: [SessionSpent("s2", 1500), SessionSpent("batch", 300)],  # one batch, counted once
        gone.id: [SessionSpent("s3", 120)],  # deleted: its sessions still count
        method.id: [SessionSpent("s4", 1200)],
        unrelated.id: [SessionSpent("s5", 900)],
    }
    progress = project_progress(tasks, spent)
    assert progress == [
        AspectProgress("Thesis", "Intro", open=1, done=1, open_minutes=10, sessions=4, focused_minutes=42.0),
        AspectProgress("Thesis", "Method", open=2, done=0, open_minutes=25, sessions=1, focused_minutes=20.0),
        AspectProgress("Thesis", "References", open=0, done=1, open_minutes=0, sessions=0, focused_minutes=0.0),
        AspectProgress("Thesis", None, open=1, done=0, open_minutes=5, sessions=0, focused_minutes=0.0),
    ]
    assert progress[2].finished and not progress[0].finished


def test_smallest_open_aspect_and_the_task_to_start():
    tasks = thesis()
    progress = project_progress(tasks, {})
    smallest = smallest_open_aspect(progress)
    assert (smallest.aspect, smallest.open_minutes) == (None, 5)  # the loose 5-minute task
    named = smallest_open_aspect(p for p in progress if p.aspect is not None)
    assert named.aspect == "Intro"  # 10 open minutes beat Method's 25
    assert next_task(tasks, "Thesis", "Method").title == "ethics"  # the shortest open one
    assert next_task(tasks, "Thesis", "References") is None
    assert smallest_open_aspect([p for p in progress if p.open == 0]) is None


def test_core_tasks_imports_no_qt_no_sqlite():
    code = ("import sys, microsession.core.tasks;"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'apscheduler', 'sqlite3', '_sqlite3')];"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
