"""Esc closes a window once, in one place (ui/keys.py): not while a cell editor is open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCompleter, QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from microsession.ui.keys import close_on_escape


def window_with_a_table(qtbot, action=None):
    w = QWidget()
    w.line = QLineEdit()
    w.table = QTableWidget(1, 1)
    w.table.setItem(0, 0, QTableWidgetItem("cell"))
    layout = QVBoxLayout(w)
    layout.addWidget(w.line)
    layout.addWidget(w.table)
    close_on_escape(w, action)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    return w


def test_esc_closes_from_any_child_that_does_not_take_it(qtbot):
    w = window_with_a_table(qtbot)
    qtbot.keyClick(w.line, Qt.Key.Key_Escape)
    assert not w.isVisible()


def test_esc_with_a_modifier_is_left_alone(qtbot):
    w = window_with_a_table(qtbot)
    qtbot.keyClick(w.line, Qt.Key.Key_Escape, Qt.KeyboardModifier.ShiftModifier)
    assert w.isVisible()


def test_esc_in_an_open_cell_editor_closes_only_the_editor(qtbot):
    w = window_with_a_table(qtbot)
    w.table.setFocus()
    w.table.editItem(w.table.item(0, 0))
    qtbot.waitUntil(lambda: w.table.state() == w.table.State.EditingState, timeout=5000)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit)
                    and QApplication.focusWidget() is not w.line, timeout=5000)
    editor = QApplication.focusWidget()
    qtbot.keyClicks(editor, "changed")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert w.isVisible() and w.table.state() != w.table.State.EditingState
    assert w.table.item(0, 0).text() == "cell"
    qtbot.keyClick(w.table, Qt.Key.Key_Escape)
    assert not w.isVisible()


def test_esc_in_an_open_completer_popup_closes_only_the_popup(qtbot):
    # A window-wide QShortcut fired here (and closed the window with the popup open).
    w = window_with_a_table(qtbot)
    w.line.setCompleter(QCompleter(["apple", "apricot"], w.line))
    w.line.setFocus()
    qtbot.keyClicks(w.line, "ap")
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=5000)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=5000)
    assert w.isVisible() and w.line.text() == "ap"
    qtbot.keyClick(w.line, Qt.Key.Key_Escape)
    assert not w.isVisible()


def test_esc_runs_the_given_action_instead_of_closing(qtbot):
    runs = []
    w = window_with_a_table(qtbot, lambda: runs.append("cancel"))
    qtbot.keyClick(w.line, Qt.Key.Key_Escape)
    assert runs == ["cancel"] and w.isVisible()


def test_esc_on_the_preparation_card_cancels_even_from_its_checklist_editor(qtbot):
    from microsession.ui.session.prep_card import PrepCard

    card = PrepCard()
    qtbot.addWidget(card)
    card.ask("Focus 15 min", "Water\nPhone away", 60)
    card.toggle_edit()  # the checklist's text editor has the focus
    with qtbot.waitSignal(card.cancelled, timeout=1000), qtbot.assertNotEmitted(card.start_now):
        qtbot.keyClick(card.editor, Qt.Key.Key_Escape)
    assert not card.isVisible()


def test_esc_on_the_custom_length_closes_it_without_a_start(qtbot):
    from microsession.ui.session.custom_length import CustomLength

    ask = CustomLength()
    qtbot.addWidget(ask)
    ask.ask(25)
    with qtbot.assertNotEmitted(ask.chosen):
        qtbot.keyClick(ask.field, Qt.Key.Key_Escape)
    assert not ask.isVisible()
