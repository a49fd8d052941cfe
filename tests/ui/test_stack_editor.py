"""The stack editor against a real SQLite file: create, reorder, validate, delete, start."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from microsession.core.stacks import TEMPLATES, Stack, Step
from microsession.store import db
from microsession.store import stacks as store
from microsession.ui.windows.stack_editor import DAMAGED, StackEditor


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "x.sqlite3")
    yield c
    c.close()


@pytest.fixture
def editor(qtbot, conn):
    e = StackEditor(conn)
    qtbot.addWidget(e)
    e.show()
    qtbot.waitExposed(e)
    return e


def rows_table(conn):
    return [tuple(r) for r in conn.execute("SELECT * FROM stacks ORDER BY name")]


def listed(editor):
    return [editor.list.item(i).text() for i in range(editor.list.count())]


def cell(editor, row, col):
    return editor.steps.cellWidget(row, col)


def set_step(editor, row, kind=None, minutes=None, label=None, task_type=None):
    if kind is not None:
        box = cell(editor, row, 0)
        box.setCurrentIndex(box.findData(kind))
    if minutes is not None:
        cell(editor, row, 1).setValue(minutes)
    if label is not None:
        cell(editor, row, 2).setText(label)
        cell(editor, row, 2).textEdited.emit(label)
    if task_type is not None:
        box = cell(editor, row, 3)
        box.setCurrentIndex(box.findData(task_type))


def click(qtbot, button):
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_templates_are_listed_and_the_first_is_open(editor):
    assert listed(editor) == [t.name for t in TEMPLATES]
    assert editor.current == TEMPLATES[0].name and editor.built() == TEMPLATES[0]
    assert editor.total.text() == "5 steps · 45 min (35 focus)"


def test_create_a_stack_with_three_steps_reorder_and_save(qtbot, editor, conn):
    click(qtbot, editor.new_button)
    assert editor.current == "New stack" and listed(editor)[-1] == "New stack"
    editor.name.setText("Writing block")
    editor.name.textEdited.emit("Writing block")
    set_step(editor, 0, minutes=20, label="Draft", task_type="creative")
    click(qtbot, editor.add_break)
    set_step(editor, 1, minutes=4)
    click(qtbot, editor.add_focus)
    set_step(editor, 2, minutes=10, label="Edit", task_type="reviewing-editing")
    # the editing step first: select it, move it up twice
    editor.steps.setCurrentCell(2, 0)
    click(qtbot, editor.step_up)
    click(qtbot, editor.step_up)
    assert [r["label"] for r in editor.steps.rows()] == ["Edit", "Draft", "Break"]
    click(qtbot, editor.step_down)  # Draft, Edit, Break
    assert store.get(conn, "Writing block") is None  # nothing written before Save
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not editor.dirty and "Saved" in editor.message.text()
    assert store.get(conn, "New stack") is None
    assert store.get(conn, "Writing block") == Stack("Writing block", (
        Step("focus", 20, "Draft", "creative"), Step("focus", 10, "Edit", "reviewing-editing"), Step("break", 4, "Break")))
    assert listed(editor)[-1] == "Writing block"


@pytest.mark.parametrize("breakage", ["two breaks", "long break", "starts with a break", "empty name", "clash"])
def test_an_invalid_stack_shows_an_error_and_writes_nothing(qtbot, editor, conn, breakage):
    editor.list.setCurrentRow(1)  # Inbox zero
    before = rows_table(conn)
    if breakage == "two breaks":
        editor.steps.setCurrentCell(1, 0)
        click(qtbot, editor.add_break)
        expected = "both breaks"
    elif breakage == "long break":
        set_step(editor, 1, minutes=90)
        expected = "Step 2: minutes must be from 1 to 60 for a break step"
    elif breakage == "starts with a break":
        set_step(editor, 0, kind="break")
        expected = "cannot start with a break"
    elif breakage == "empty name":
        editor.name.setText("  ")
        editor.name.textEdited.emit("  ")
        expected = "Name must not be empty"
    else:
        editor.name.setText("deep MORNING")
        editor.name.textEdited.emit("deep MORNING")
        expected = "already a stack named 'Deep morning'"
    click(qtbot, editor.save_button)
    assert expected in editor.message.text()
    assert editor.dirty and rows_table(conn) == before
    with qtbot.assertNotEmitted(editor.start_stack_requested):
        click(qtbot, editor.start_button)  # Start saves first, and does not start what it cannot save
    assert rows_table(conn) == before


def test_a_draft_is_not_lost_by_picking_another_stack(qtbot, editor):
    set_step(editor, 0, minutes=12)
    editor.list.setCurrentRow(2)
    assert editor.current == TEMPLATES[0].name and cell(editor, 0, 1).value() == 12
    assert "Save (Ctrl+S) or revert" in editor.message.text()
    click(qtbot, editor.revert_button)
    assert cell(editor, 0, 1).value() == 10
    editor.list.setCurrentRow(2)
    assert editor.current == "Deep morning"


def test_delete_asks_once_more_and_a_deleted_template_stays_deleted(qtbot, editor, conn):
    editor.list.setCurrentRow(1)
    click(qtbot, editor.delete_button)
    assert store.get(conn, "Inbox zero") is not None and "again" in editor.message.text()
    click(qtbot, editor.delete_button)
    assert store.get(conn, "Inbox zero") is None
    assert editor.current == "Deep morning"  # the next one is chosen
    editor.reload()
    assert "Inbox zero" not in listed(editor)


def test_move_a_stack_in_the_menu_order(qtbot, editor, conn):
    editor.list.setCurrentRow(3)
    click(qtbot, editor.up_button)
    assert [s.name for s in store.list_stacks(conn)[0]][2] == "Three-session cluster"
    assert editor.current == "Three-session cluster" and editor.list.currentRow() == 2


def test_start_emits_the_stack_name_after_saving(qtbot, editor, conn):
    editor.list.setCurrentRow(2)
    set_step(editor, 0, minutes=100)
    with qtbot.waitSignal(editor.start_stack_requested, timeout=5000) as started:
        qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert started.args == ["Deep morning"]
    assert store.get(conn, "Deep morning").steps[0].minutes == 100


def test_a_damaged_row_is_listed_named_and_can_be_deleted(qtbot, conn):
    store.seed_templates(conn)
    conn.execute("INSERT INTO stacks (name, json, position) VALUES ('Broken', '{oops', -1)")
    e = StackEditor(conn)
    qtbot.addWidget(e)
    assert listed(e)[0] == "Broken" + DAMAGED and "'Broken' cannot be read" in e.message.text()
    assert not e.editor.isEnabled() and not e.start_button.isEnabled()
    click(qtbot, e.delete_button)
    click(qtbot, e.delete_button)
    assert "Broken" not in store.names(conn) and e.current == TEMPLATES[0].name


def test_esc_closes(qtbot, editor):
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)


def test_half_minutes_and_a_steps_task_survive_an_edit(qtbot, conn):
    own = Stack("Own", (Step("focus", 12.5, "Sketch", "creative", "a1b2c3"), Step("break", 2.5)))
    store.save(conn, own)
    e = StackEditor(conn)
    qtbot.addWidget(e)
    e.list.setCurrentRow(e.names.index("Own"))
    assert cell(e, 0, 1).text() == "12.5 min"
    set_step(e, 1, label="Tea")
    assert e.save()
    assert store.get(conn, "Own") == Stack("Own", (own.steps[0], Step("break", 2.5, "Tea")))
