"""The stack editor (issue 4, item 5): the user's stacks, and the steps of the one chosen.

Stacks: New (Ctrl+N), move up/down, Delete (asks once more, inline). Steps: add a focus step
or a break, set minutes, label and an optional task type, move (Alt+Up/Down), remove. Save
(Ctrl+S) checks everything with core.stacks and tells what is wrong inline, writing nothing
then; Start (Ctrl+Enter) saves and asks for the stack to run. Esc closes; a draft stays.
"""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QListWidget, QPushButton, QVBoxLayout, QWidget

from microsession.core.stacks import Stack, Step
from microsession.store import stacks as store
from microsession.store import tasks as task_store
from microsession.ui.keys import close_on_escape
from microsession.ui.palette import colors, is_dark
from microsession.ui.windows.stack_steps import StepsTable

WINDOW_TITLE = "Micro-Session · Stacks"
DAMAGED = "  (cannot be read)"


def _sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class StackEditor(QWidget):
    start_stack_requested = Signal(str)  # stack name

    def __init__(self, conn: sqlite3.Connection, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("stack_editor")
        self.conn = conn
        self.current: str | None = None  # the stored name of the stack being edited
        self.dirty = False
        self._confirm_delete: str | None = None

        self.list = QListWidget()
        self.list.setFixedWidth(210)
        self.list.setSpacing(2)
        self.list.currentRowChanged.connect(self._picked)
        self.new_button, self.up_button = QPushButton("New"), QPushButton("↑")
        self.down_button, self.delete_button = QPushButton("↓"), QPushButton("Delete")
        self.up_button.setToolTip("Move the stack up in the menu")
        self.down_button.setToolTip("Move the stack down in the menu")
        for b in (self.up_button, self.down_button):
            b.setFixedWidth(34)
        self.new_button.clicked.connect(self.new_stack)
        self.up_button.clicked.connect(lambda: self.move_stack(-1))
        self.down_button.clicked.connect(lambda: self.move_stack(1))
        self.delete_button.clicked.connect(self.delete_stack)
        list_buttons = QHBoxLayout()
        for b in (self.new_button, self.up_button, self.down_button, self.delete_button):
            list_buttons.addWidget(b)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addLayout(list_buttons)

        self.name = QLineEdit()
        self.name.setPlaceholderText("Name of the stack")
        self.name.textEdited.connect(self._edited)
        self.steps = StepsTable()
        self.steps.edited.connect(self._edited)
        self.add_focus, self.add_break = QPushButton("+ Focus"), QPushButton("+ Break")
        self.step_up, self.step_down = QPushButton("↑"), QPushButton("↓")
        self.remove_step = QPushButton("Remove")
        self.step_up.setToolTip("Move the step up (Alt+Up)")
        self.step_down.setToolTip("Move the step down (Alt+Down)")
        for b in (self.step_up, self.step_down):
            b.setFixedWidth(34)
        self.add_focus.clicked.connect(lambda: self.steps.add_step("focus"))
        self.add_break.clicked.connect(lambda: self.steps.add_step("break"))
        self.step_up.clicked.connect(lambda: self.steps.move_step(-1))
        self.step_down.clicked.connect(lambda: self.steps.move_step(1))
        self.remove_step.clicked.connect(self.steps.remove_current)
        step_buttons = QHBoxLayout()
        for b in (self.add_focus, self.add_break, self.step_up, self.step_down, self.remove_step):
            step_buttons.addWidget(b)
        step_buttons.addStretch()
        self.total = QLabel()
        step_buttons.addWidget(self.total)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.revert_button, self.save_button = QPushButton("Revert"), QPushButton("Save  Ctrl+S")
        self.start_button = QPushButton("Start  Ctrl+⏎")
        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(self.save)
        self.start_button.clicked.connect(self.start)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        for b in (self.revert_button, self.save_button, self.start_button):
            bottom.addWidget(b)
        self.editor = QWidget()
        right = QVBoxLayout(self.editor)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.name)
        right.addWidget(self.steps, 1)
        right.addLayout(step_buttons)

        body = QHBoxLayout()
        body.addLayout(left)
        body.addWidget(self.editor, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)
        self.resize(760, 420)
        for keys, slot in (("Ctrl+S", self.save), ("Ctrl+Return", self.start), ("Ctrl+Enter", self.start),
                           ("Ctrl+N", self.new_stack), ("Alt+Up", lambda: self.steps.move_step(-1)),
                           ("Alt+Down", lambda: self.steps.move_step(1))):
            QShortcut(QKeySequence(keys), self, slot)
        close_on_escape(self)
        self.steps.types = self._types()
        self.reload()

    # --- the list of stacks ----------------------------------------------------------------
    def _types(self) -> list[tuple[str, str]]:
        try:
            return [(t.label, t.slug) for t in task_store.list_types(self.conn)]
        except sqlite3.Error:
            return []

    def reload(self) -> None:
        """Re-read the stacks (seeding the templates once); a draft being edited is kept."""
        try:
            store.seed_templates(self.conn)
            stacks, problems = store.list_stacks(self.conn)
            names = store.names(self.conn)
        except sqlite3.Error as exc:
            self.tell(f"Your stacks cannot be read right now ({exc}).")
            return
        self.stacks = {s.name: s for s in stacks}
        self.names = names
        self.list.blockSignals(True)
        self.list.clear()
        for n in names:
            self.list.addItem(n if n in self.stacks else n + DAMAGED)
        self.list.blockSignals(False)
        if self.current not in names:
            self.current, self.dirty = None, False
        pick = self.current if self.current is not None else (names[0] if names else None)
        if pick is not None:
            self.list.setCurrentRow(names.index(pick))  # loads it unless a draft of it is open
        else:
            self._load(None)
        if problems:
            self.tell(" ".join(problems))

    def _picked(self, row: int) -> None:
        name = self.names[row] if 0 <= row < len(self.names) else None
        if self.dirty and name != self.current:
            self.list.blockSignals(True)
            self.list.setCurrentRow(self.names.index(self.current) if self.current in self.names else -1)
            self.list.blockSignals(False)
            self.tell(f"Save (Ctrl+S) or revert your changes to “{self.current}” first.")
            return
        self._confirm_delete = None
        self.delete_button.setText("Delete")
        if name != self.current or not self.dirty:
            self._load(name)

    def new_stack(self) -> None:
        if self.dirty:
            self.tell(f"Save (Ctrl+S) or revert your changes to “{self.current}” first.")
            return
        taken = {n.casefold() for n in self.names}
        name = next(n for n in (f"New stack{'' if i == 1 else f' {i}'}" for i in range(1, 10_000))
                    if n.casefold() not in taken)
        if self._store(lambda: store.save(self.conn, Stack(name, (Step("focus", 15, "Focus"),))), name):
            self.name.setFocus()
            self.name.selectAll()

    def move_stack(self, delta: int) -> None:
        if self.current is not None:
            self._store(lambda: store.move(self.conn, self.current, self.names.index(self.current) + delta),
                        self.current)

    def delete_stack(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.names):
            return
        name = self.names[row]
        if self._confirm_delete != name:
            self._confirm_delete = name
            self.delete_button.setText("Really?")
            self.tell(f"Press Delete again to delete “{name}”.")
            return
        self.current, self.dirty = None, False
        after = self.names[row + 1] if row + 1 < len(self.names) else (self.names[row - 1] if row else None)
        self._store(lambda: store.delete(self.conn, name), after)

    def _store(self, write, select: str | None) -> bool:  # noqa: ANN001
        try:
            write()
        except (ValueError, sqlite3.Error) as exc:
            self.tell(_sentence(exc))
            return False
        if not self.dirty:
            self.current = select
        self.reload()
        return True

    # --- the stack being edited ------------------------------------------------------------
    def _load(self, name: str | None) -> None:
        stack = self.stacks.get(name) if name is not None else None
        self.current, self.dirty = name, False
        self.editor.setEnabled(stack is not None)
        self.name.setText(stack.name if stack else (name or ""))
        self.steps.set_steps(stack.steps if stack else ())
        self._update()
        self.tell("" if stack is not None or name is None else f"“{name}” cannot be read; you can delete it.")

    def built(self) -> Stack:
        """The stack as entered; ValueError naming what is wrong."""
        return Stack(self.name.text().strip(), self.steps.steps())

    def _edited(self, *_args: object) -> None:
        if self.current is not None:
            self.dirty = True
            self._confirm_delete = None
            self.delete_button.setText("Delete")
        self._update()

    def _update(self) -> None:
        self.total.setText(self.steps.totals())
        self.save_button.setEnabled(self.dirty)
        self.revert_button.setEnabled(self.dirty)
        self.start_button.setEnabled(self.current is not None and self.current in self.stacks)
        for b in (self.up_button, self.down_button, self.delete_button):
            b.setEnabled(self.current is not None)

    def save(self) -> bool:
        if self.current is None:
            return False
        if not self.dirty:
            return True
        try:
            stack = self.built()
            store.save(self.conn, stack, old_name=self.current)
        except (ValueError, sqlite3.Error) as exc:
            self.tell(_sentence(exc))
            return False
        self.current, self.dirty = stack.name, False
        self.reload()
        self.tell(f"Saved “{stack.name}”.")
        return True

    def revert(self) -> None:
        self.dirty = False
        self._load(self.current)

    def start(self) -> None:
        if self.current is not None and self.save() and self.current in self.stacks:
            self.start_stack_requested.emit(self.current)

    def tell(self, text: str) -> None:
        self.message.setStyleSheet(f"color: {colors('paused', is_dark(self.palette())).arc}"
                                   if text and not text.startswith("Saved") else "")
        self.message.setText(text)

    def showEvent(self, event) -> None:  # noqa: ANN001
        self.steps.types = self._types()
        self.reload()
        super().showEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.list.hasFocus():
            self.delete_stack()
            return
        super().keyPressEvent(event)
