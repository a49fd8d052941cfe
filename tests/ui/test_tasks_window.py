"""The task window driven by keys alone, against a real SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from esc_kit import esc_in_the_popup_keeps_the_window
from microsession.core.tasks import new_task
from microsession.store import db
from microsession.store import tasks as store
from microsession.ui.windows.tasks_model import DONE, DONE_MARK, MINUTES, PROJECT, TITLE, TYPE, parse_quick_add
from microsession.ui.windows.tasks_window import TasksWindow

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> datetime:
        self.t += timedelta(seconds=1)
        return self.t


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "x.sqlite3")
    yield c
    c.close()


@pytest.fixture
def window(qtbot, conn):
    w = TasksWindow(conn, Clock())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    w.new_title.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.new_title, timeout=5000)
    return w


def press(qtbot, key):
    """A key to whatever has the keyboard focus, as a user's key press would go."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the focus"
    qtbot.keyClick(target, key)


def type_text(qtbot, text):
    qtbot.keyClicks(QApplication.focusWidget(), text)


def add(conn, title, task_type="admin", minutes=10, project=None, aspect=None, at=0):
    task = new_task(title, task_type, minutes, project, aspect, now=T0 - timedelta(hours=1, minutes=-at))
    store.add(conn, task)
    return task


def titles(window):
    return [t.title for t in window.model.tasks]


def test_typing_a_title_and_enter_adds_it_to_the_database(qtbot, window, conn):
    window.new_type.setCurrentIndex(window.new_type.findData("communication"))
    window.new_minutes.setValue(10)
    type_text(qtbot, "Reply to Anna")
    press(qtbot, Qt.Key.Key_Return)
    [task] = store.list_tasks(conn)
    assert (task.title, task.task_type, task.minutes) == ("Reply to Anna", "communication", 10)
    assert titles(window) == ["Reply to Anna"]
    assert window.new_title.text() == "" and QApplication.focusWidget() is window.new_title
    type_text(qtbot, "Draft intro @Thesis / Chapter 1")
    press(qtbot, Qt.Key.Key_Enter)
    thesis = next(t for t in store.list_tasks(conn) if t.title == "Draft intro")
    assert (thesis.project, thesis.aspect) == ("Thesis", "Chapter 1")


def test_down_space_ticks_done_enter_starts_delete_soft_deletes(qtbot, window, conn):
    first, second = add(conn, "Pay invoice", at=0), add(conn, "File receipts", at=1)
    window.refresh()
    press(qtbot, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.table
    assert window.current_task_id() == first.id
    with qtbot.waitSignal(window.start_task_requested, timeout=5000) as started:
        press(qtbot, Qt.Key.Key_Return)
    assert started.args == [first.id]
    press(qtbot, Qt.Key.Key_Down)
    assert window.current_task_id() == second.id
    press(qtbot, Qt.Key.Key_Space)
    assert store.get(conn, second.id).done and not store.get(conn, first.id).done
    assert titles(window) == ["Pay invoice"]  # done tasks are hidden by default
    assert window.current_task_id() == first.id
    press(qtbot, Qt.Key.Key_Delete)
    gone = store.get(conn, first.id)
    assert gone is not None and gone.deleted  # the row stays: its sessions keep their history
    assert titles(window) == [] and "Ctrl+Z" in window.message.text()
    window.show_done.setChecked(True)
    assert titles(window) == ["File receipts"]
    window.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.table, timeout=5000)
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not store.get(conn, first.id).deleted
    assert titles(window) == ["Pay invoice", "File receipts"]


def test_space_on_a_done_task_opens_it_again_and_enter_does_not_start_it(qtbot, window, conn):
    task = add(conn, "Done already")
    store.set_done(conn, [task.id], T0)
    window.show_done.setChecked(True)
    press(qtbot, Qt.Key.Key_Down)
    with qtbot.assertNotEmitted(window.start_task_requested):
        press(qtbot, Qt.Key.Key_Return)
    assert "done" in window.message.text()
    press(qtbot, Qt.Key.Key_Space)
    assert not store.get(conn, task.id).done


@pytest.mark.parametrize("text", ["", "   ", "x" * 201, "Intro @ / an aspect without a project"])
def test_a_bad_title_is_told_inline_and_writes_nothing(qtbot, window, conn, text):
    window.new_title.setText(text)
    press(qtbot, Qt.Key.Key_Return)
    assert window.message.isVisible() and window.message.text()
    assert store.list_tasks(conn, include_done=True, include_deleted=True) == []


def test_edits_in_the_table_are_validated_and_stored(qtbot, window, conn):
    task = add(conn, "Edit me", minutes=10)
    window.refresh()
    model = window.model
    assert model.setData(model.index(0, MINUTES), 25)
    assert store.get(conn, task.id).minutes == 25
    assert not model.setData(model.index(0, MINUTES), 500)
    assert "120" in window.message.text() and store.get(conn, task.id).minutes == 25
    assert not model.setData(model.index(0, TITLE), "  ")
    assert store.get(conn, task.id).title == "Edit me"
    assert model.setData(model.index(0, PROJECT), "Garden")
    assert store.get(conn, task.id).project == "Garden"


def test_filter_by_type_and_batch_this_type(qtbot, window, conn):
    add(conn, "Mail Anna", "communication", at=0)
    add(conn, "Expenses", "admin", at=1)
    add(conn, "Mail Bob", "communication", at=2)
    window.refresh()
    assert titles(window) == ["Mail Anna", "Expenses", "Mail Bob"]
    window.type_filter.setCurrentIndex(window.type_filter.findData("communication"))
    assert titles(window) == ["Mail Anna", "Mail Bob"]
    assert window.batch_button.isEnabled() and "· 2" in window.batch_button.text()
    assert window.new_type.currentData() == "communication"  # new tasks take the filtered type
    with qtbot.waitSignal(window.start_batch_requested, timeout=5000) as batch:
        qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert batch.args == ["communication"]
    window.type_filter.setCurrentIndex(window.type_filter.findData("research"))
    assert titles(window) == [] and not window.batch_button.isEnabled()


def test_grouping_by_project_orders_rows_by_project_and_aspect(qtbot, window, conn):
    add(conn, "Loose", at=0)
    add(conn, "B2", project="Beta", aspect="Two", at=1)
    add(conn, "A1", project="alpha", aspect="One", at=2)
    add(conn, "B0", project="Beta", at=3)
    window.refresh()
    assert titles(window) == ["A1", "B0", "B2", "Loose"]
    window.group.setChecked(False)
    assert titles(window) == ["Loose", "B2", "A1", "B0"]


def test_esc_closes(qtbot, window):
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_quick_add_parsing():
    assert parse_quick_add("Write @Thesis") == ("Write", "Thesis", None)
    assert parse_quick_add("Mail a@b.c") == ("Mail a@b.c", None, None)
    assert parse_quick_add("@Thesis") == ("@Thesis", None, None)
    assert parse_quick_add("Write @Thesis / ") == ("Write", "Thesis", None)


def test_a_click_on_the_mark_ticks_done(qtbot, window, conn):
    task = add(conn, "Click me")
    window.show_done.setChecked(True)
    rect = window.table.visualRect(window.model.index(0, DONE))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert store.get(conn, task.id).done
    assert window.model.index(0, DONE).data() == DONE_MARK


def test_f2_edits_minutes_and_type_by_keys(qtbot, window, conn):
    task = add(conn, "Estimate me", minutes=10)
    window.refresh()
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Right)  # type
    press(qtbot, Qt.Key.Key_Right)  # minutes
    press(qtbot, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not window.table, timeout=5000)
    press(qtbot, Qt.Key.Key_Up)  # the spin box: 10 -> 11
    with qtbot.assertNotEmitted(window.start_task_requested):
        press(qtbot, Qt.Key.Key_Return)  # commits the edit; does not start a session
    qtbot.waitUntil(lambda: store.get(conn, task.id).minutes == 11, timeout=5000)
    press(qtbot, Qt.Key.Key_Left)  # type
    press(qtbot, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not window.table, timeout=5000)
    combo = QApplication.focusWidget()
    combo.setCurrentIndex(combo.findData("research"))
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: store.get(conn, task.id).task_type == "research", timeout=5000)


def test_group_by_project_shows_a_heading_above_each_group(qtbot, conn, window):
    add(conn, "Outline", project="Thesis", aspect="Chapter 1", at=1)
    add(conn, "Sources", project="Thesis", aspect="Chapter 1", at=2)
    add(conn, "Seeds", project="Garden", at=3)
    add(conn, "Call the bank", at=4)
    window.model.reload()
    QApplication.processEvents()
    headings = [window.model.heading(row) for row in range(window.model.rowCount())]
    assert headings == ["Garden", "Thesis / Chapter 1", "", "No project"], (titles(window), headings)
    table = window.table
    assert table.rowHeight(0) > table.rowHeight(2)  # room for the heading band
    image = table.viewport().grab().toImage()
    dpr = image.devicePixelRatio()
    band = table.visualRect(window.model.index(1, TITLE))
    inks = {image.pixelColor(int(x * dpr), int(y * dpr)).rgb()
            for x in range(band.left(), band.left() + 120) for y in range(band.top(), band.top() + 22)}
    assert len(inks) > 3, "no heading text drawn above the group"
    window.group.click()  # off: one flat list, no headings
    assert [window.model.heading(r) for r in range(window.model.rowCount())] == ["", "", "", ""]
    assert len({table.rowHeight(r) for r in range(window.model.rowCount())}) == 1


def test_the_key_hint_is_readable(window):
    from test_review import contrast
    from PySide6.QtGui import QPalette

    hint = window.hint
    group = QPalette.ColorGroup.Active if hint.isEnabled() else QPalette.ColorGroup.Disabled
    ink = hint.palette().color(group, hint.foregroundRole())
    assert contrast(ink, window.palette().color(window.backgroundRole())) >= 4.5


@pytest.mark.parametrize("column", [TITLE, TYPE])
def test_esc_in_an_open_cell_editor_closes_the_editor_not_the_window(qtbot, window, conn, column):
    task = add(conn, "Keep me", task_type="admin")
    window.refresh()
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(0, column))
    press(qtbot, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: window.table.state() == window.table.State.EditingState, timeout=5000)
    editor = QApplication.focusWidget()
    assert editor is not window.table and window.table.isAncestorOf(editor)
    if column == TITLE:
        qtbot.keyClicks(editor, " and this")  # typed, then thrown away by Esc
    else:
        editor.setCurrentIndex(editor.findData("research"))
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.table.state() != window.table.State.EditingState, timeout=5000)
    assert window.isVisible()
    saved = store.get(conn, task.id)
    assert (saved.title, saved.task_type) == ("Keep me", "admin")
    press(qtbot, Qt.Key.Key_Escape)  # the next Esc is the window's
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_esc_in_the_open_type_popup_closes_the_popup_not_the_window(qtbot, window):
    esc_in_the_popup_keeps_the_window(qtbot, window, window.new_type)
