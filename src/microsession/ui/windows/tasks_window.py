"""The task window (F6), keyboard-first.

Type a title and press Enter to add it (with the type and minutes beside the line; a trailing
"@Project / Aspect" files it under a project). Down goes to the list: Enter starts a session
on the task, Space ticks it done, Delete deletes it (Ctrl+Z brings it back; its sessions keep
their history either way), F2 edits a cell. Ctrl+B batches the chosen type; Esc closes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QPushButton, QSpinBox, QTableView, QVBoxLayout, QWidget,
)

from microsession.core import tasks as core
from microsession.store import tasks as store
from microsession.ui.keys import close_on_escape
from microsession.ui.palette import colors, is_dark
from microsession.ui.windows.tasks_model import (
    ASPECT, DONE, HEADING_BAND, MINUTES, PROJECT, TITLE, TYPE, TasksDelegate, TasksModel,
)

WINDOW_TITLE = "Micro-Session · Tasks"
HINT = "⏎ start  ·  Space done  ·  Del delete  ·  F2 edit  ·  Ctrl+B batch  ·  Ctrl+L new task  ·  Esc close"
_KEYS_FOR_ROWS = {Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Delete}


class TasksWindow(QWidget):
    start_task_requested = Signal(str)  # task id
    start_batch_requested = Signal(str)  # task type slug

    def __init__(self, conn: sqlite3.Connection, now: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("tasks_window")
        self.conn = conn
        self.model = TasksModel(conn, now, self)
        self._last_deleted: str | None = None

        self.new_title = QLineEdit()
        self.new_title.setPlaceholderText("Add a task and press Enter   (“Draft intro @Thesis / Chapter 1” files it)")
        self.new_title.setClearButtonEnabled(True)
        self.new_type = QComboBox()
        self.new_type.setToolTip("Type of the new task")
        self.new_minutes = QSpinBox()
        self.new_minutes.setRange(core.MIN_MINUTES, core.MAX_MINUTES)
        self.new_minutes.setValue(core.DEFAULT_MINUTES)
        self.new_minutes.setSuffix(" min")
        self.new_minutes.setToolTip("Estimated session length of the new task")
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_title, 1)
        add_row.addWidget(self.new_type)
        add_row.addWidget(self.new_minutes)

        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        self.type_filter = QComboBox()
        self.type_filter.setToolTip("Show the tasks of one type")
        self.group = QCheckBox("Group by project")
        self.group.setChecked(True)
        self.show_done = QCheckBox("Show done")
        self.batch_button = QPushButton()
        self.batch_button.setToolTip("One session for all open tasks of this type (Ctrl+B)")
        self.start_button = QPushButton("Start  ⏎")
        self.start_button.setToolTip("A session of the task's estimated length")
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show"))
        filters.addWidget(self.type_filter)
        filters.addSpacing(8)
        filters.addWidget(self.group)
        filters.addWidget(self.show_done)
        filters.addStretch()
        filters.addWidget(self.batch_button)
        filters.addWidget(self.start_button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(TasksDelegate(self.model, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.DoubleClicked)
        self.table.setTabKeyNavigation(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        for col, width in ((DONE, 28), (TYPE, 150), (MINUTES, 70), (PROJECT, 120), (ASPECT, 120)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(DONE, QHeaderView.ResizeMode.Fixed)
        self.table.installEventFilter(self)
        self.new_title.installEventFilter(self)

        self.hint = QLabel(HINT)
        self.hint.setObjectName("hint")
        # in the normal text colour: the disabled grey was too faint to read

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(8)
        layout.addLayout(add_row)
        layout.addWidget(self.message)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        self.resize(760, 460)

        self.new_title.returnPressed.connect(self.add_task)
        self.new_title.textEdited.connect(lambda _text: self.show_message(""))
        self.type_filter.currentIndexChanged.connect(self._filter_changed)
        self.group.toggled.connect(self._options_changed)
        self.show_done.toggled.connect(self._options_changed)
        self.batch_button.clicked.connect(self.batch)
        self.start_button.clicked.connect(self.start_current)
        self.table.clicked.connect(lambda index: index.column() == DONE and self.toggle_current(index.row()))
        self.model.problem.connect(self.show_message)
        self.model.modelReset.connect(self._size_headings)
        self.model.changed.connect(self._update_buttons)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        QShortcut(QKeySequence("Ctrl+B"), self, self.batch)
        close_on_escape(self)  # an open cell editor or type popup keeps its own Esc
        QShortcut(QKeySequence("Ctrl+L"), self, self.new_title.setFocus)
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_title.setFocus)
        undo = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self.table, self.undo_delete)
        undo.setContext(Qt.ShortcutContext.WidgetShortcut)  # the title line keeps its own undo
        self.refresh()

    # --- reading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read types and tasks (they change from the tray, the popup and the command line)."""
        current = self.current_task_id()
        try:
            types = store.list_types(self.conn)
        except sqlite3.Error as exc:
            self.show_message(f"Your tasks cannot be read right now ({exc}).")
            return
        for combo, first in ((self.type_filter, "All types"), (self.new_type, None)):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if first:
                combo.addItem(first, None)
            for t in types:
                combo.addItem(t.label, t.slug)
            found = combo.findData(chosen if chosen is not None or first else core.DEFAULT_TYPE)
            combo.setCurrentIndex(max(0, found))
            combo.blockSignals(False)
        self.model.task_type = self.type_filter.currentData()
        self.model.reload()
        self.select_task(current)

    def current_task_id(self) -> str | None:
        task = self.model.task_at(self.table.currentIndex().row())
        return task.id if task else None

    def select_task(self, task_id: str | None, fallback_row: int = 0) -> None:
        row = self.model.row_of(task_id) if task_id else -1
        if row < 0:
            row = min(fallback_row, self.model.rowCount() - 1)
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, TITLE))
        self._update_buttons()

    def showEvent(self, event) -> None:  # noqa: ANN001
        self.refresh()
        super().showEvent(event)

    # --- actions ---------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        if text:  # a calm amber that reads on dark and light surfaces alike
            self.message.setStyleSheet(f"color: {colors('paused', is_dark(self.palette())).arc}")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def add_task(self) -> None:
        task = self.model.add(self.new_title.text(), self.new_type.currentData() or core.DEFAULT_TYPE,
                              self.new_minutes.value())
        if task is None:
            return
        self.new_title.clear()
        self.show_message("")
        self.select_task(task.id)

    def start_current(self) -> None:
        task = self.model.task_at(self.table.currentIndex().row())
        if task is None:
            self.show_message("Choose a task first (Down, then Enter).")
        elif task.done:
            self.show_message("This task is done; tick it open again (Space) to start on it.")
        else:
            self.start_task_requested.emit(task.id)

    def toggle_current(self, row: int | None = None) -> None:
        row = self.table.currentIndex().row() if row is None else row
        task = self.model.task_at(row)
        if task is not None and self.model.toggle_done(row):
            self.select_task(task.id, fallback_row=row)

    def delete_current(self) -> None:
        row = self.table.currentIndex().row()
        task = self.model.delete(row)
        if task is not None:
            self._last_deleted = task.id
            self.show_message(f"Deleted “{task.title}”. Ctrl+Z brings it back.")
            self.select_task(None, fallback_row=row)

    def undo_delete(self) -> None:
        if self._last_deleted and self.model.restore(self._last_deleted):
            self.select_task(self._last_deleted)
            self.show_message("")
        self._last_deleted = None

    def batch_type(self) -> str | None:
        """The filtered type, or the current task's type when all types are shown."""
        chosen = self.type_filter.currentData()
        if chosen is None:
            task = self.model.task_at(self.table.currentIndex().row())
            chosen = task.task_type if task else None
        return chosen

    def batch(self) -> None:
        slug = self.batch_type()
        if slug is None or not self.model.open_count(slug):
            self.show_message("No open tasks of this type to batch.")
            return
        self.start_batch_requested.emit(slug)

    def _update_buttons(self) -> None:
        slug = self.batch_type()
        count = self.model.open_count(slug) if slug else 0
        self.batch_button.setText(f"Batch {self.model.label(slug)} · {count}" if slug else "Batch")
        self.batch_button.setEnabled(count > 0)
        task = self.model.task_at(self.table.currentIndex().row())
        self.start_button.setEnabled(task is not None and not task.done)

    def _filter_changed(self) -> None:
        slug = self.type_filter.currentData()
        if slug is not None:  # new tasks default to the type being looked at
            self.new_type.setCurrentIndex(max(0, self.new_type.findData(slug)))
        self._options_changed()

    def _size_headings(self) -> None:
        """Rows under a group heading are taller by its band (only those rows: a long list stays cheap)."""
        header = self.table.verticalHeader()
        base = header.defaultSectionSize()
        for row in getattr(self, "_tall_rows", ()):
            if row < header.count():
                header.resizeSection(row, base)
        self._tall_rows = [row for row in range(self.model.rowCount()) if self.model.heading(row)]
        for row in self._tall_rows:
            header.resizeSection(row, base + HEADING_BAND)

    def _options_changed(self) -> None:
        current = self.current_task_id()
        self.model.task_type = self.type_filter.currentData()
        self.model.by_project = self.group.isChecked()
        self.model.show_done = self.show_done.isChecked()
        self.model.reload()
        self.select_task(current)

    # --- keys ------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key, mods = event.key(), event.modifiers()
        if watched is self.new_title and key == Qt.Key.Key_Down:
            if self.model.rowCount():
                self.table.setFocus()
                if not self.table.currentIndex().isValid():
                    self.select_task(None)
            return True
        if (watched is self.table and key in _KEYS_FOR_ROWS and not mods
                and self.table.state() != QAbstractItemView.State.EditingState):
            if key == Qt.Key.Key_Space:
                self.toggle_current()
            elif key == Qt.Key.Key_Delete:
                self.delete_current()
            else:
                self.start_current()
            return True
        if watched is self.table and key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
            self.new_title.setFocus()
            return True
        return super().eventFilter(watched, event)
