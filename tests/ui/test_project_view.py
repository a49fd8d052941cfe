"""The project view: aspects with sessions and done/open; start on the smallest open aspect."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from microsession.core.tasks import new_task
from microsession.store import db
from microsession.store import tasks as store
from microsession.store.sessions import iso
from microsession.ui.windows.project_view import NO_ASPECT, ProjectView

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "x.sqlite3")
    yield c
    c.close()


def add(conn, title, minutes, project="Thesis", aspect=None, at=0):
    task = new_task(title, "research", minutes, project, aspect, now=T0 + timedelta(minutes=at))
    store.add(conn, task)
    return task


def spent(conn, task, n, minutes=10):
    """n finished focus sessions on a task, as the journal writes them."""
    for i in range(n):
        start = T0 + timedelta(hours=1 + i)
        conn.execute(
            "INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, ended_utc, ended_offset,"
            " focused_s, paused_s, outcome, task_id) VALUES (?, 'micro', ?, ?, 0, ?, 0, ?, 0, 'completed', ?)",
            (f"{task.id[:20]}{i:012d}", minutes * 60.0, iso(start), iso(start + timedelta(minutes=minutes)),
             minutes * 60.0, task.id))


@pytest.fixture
def thesis(conn):
    tasks = {
        "outline": add(conn, "Outline chapter 1", 25, aspect="Chapter 1", at=0),
        "quotes": add(conn, "Gather quotes", 20, aspect="Chapter 1", at=1),
        "sources": add(conn, "Collect sources", 15, aspect="Chapter 2", at=2),
        "sources_b": add(conn, "Skim sources", 15, aspect="Chapter 2", at=3),
        "read": add(conn, "Read paper", 10, aspect="Chapter 2", at=4),
        "title": add(conn, "Pick a title", 35, aspect=None, at=5),
        "other": add(conn, "Garden", 5, project="House", at=6),
    }
    store.set_done(conn, [tasks["read"].id], T0)
    spent(conn, tasks["read"], 2)
    spent(conn, tasks["outline"], 1, minutes=25)
    return tasks


@pytest.fixture
def view(qtbot, conn, thesis):
    v = ProjectView(conn, lambda: T0)
    qtbot.addWidget(v)
    v.project.setCurrentText("Thesis")
    v.show()
    qtbot.waitExposed(v)
    return v


def cells(view, row):
    return [view.table.item(row, col).text() for col in range(view.table.columnCount())]


def test_aspects_show_sessions_done_and_open(view):
    assert [view.project.itemText(i) for i in range(view.project.count())] == ["House", "Thesis"]
    assert cells(view, 0) == ["Chapter 1", "1", "25 min", "0", "2", "45 min"]
    assert cells(view, 1) == ["Chapter 2", "2", "20 min", "1", "2", "30 min"]
    assert cells(view, 2) == [NO_ASPECT, "0", "–", "0", "1", "35 min"]
    assert "5 open (110 min left)" in view.summary.text() and "3 sessions" in view.summary.text()


def test_the_start_button_picks_the_smallest_open_aspect(qtbot, view, conn, thesis):
    assert view.start_button.isEnabled()
    assert "Collect sources" in view.next_label.text()
    with qtbot.waitSignal(view.start_task_requested, timeout=5000) as started:
        qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    assert started.args == [thesis["sources"].id]  # Chapter 2: 30 min left; the oldest of its 15-min tasks
    store.set_done(conn, [thesis["sources"].id, thesis["sources_b"].id], T0)
    view.refresh()
    with qtbot.waitSignal(view.start_task_requested, timeout=5000) as started:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert started.args == [thesis["title"].id]  # no aspect, 35 min, beats Chapter 1's 45


def test_enter_on_an_aspect_row_starts_on_that_aspect(qtbot, view, thesis):
    view.table.setFocus()
    view.table.setCurrentCell(0, 0)
    with qtbot.waitSignal(view.start_task_requested, timeout=5000) as started:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert started.args == [thesis["quotes"].id]  # Chapter 1's shortest open task


def test_nothing_open_disables_the_button(qtbot, view, conn, thesis):
    store.set_done(conn, [t.id for t in thesis.values()], T0)
    view.refresh()
    assert view.project.currentText() == "Thesis"
    assert not view.start_button.isEnabled() and view.next_label.text() == "Nothing open here."
    with qtbot.assertNotEmitted(view.start_task_requested):
        qtbot.keyClick(view, Qt.Key.Key_Return)


def test_no_projects_says_how_to_make_one(qtbot, tmp_path):
    conn = db.connect(tmp_path / "empty.sqlite3")
    v = ProjectView(conn, lambda: T0)
    qtbot.addWidget(v)
    assert "@Project" in v.summary.text() and not v.start_button.isEnabled()
    conn.close()


def test_esc_closes(qtbot, view):
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=5000)
