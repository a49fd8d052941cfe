"""The project view (issue 4, item 4): a project worn down one session at a time.

Pick a project; its aspects show the sessions spent, what is done and what is open. The main
button starts on the shortest open task of the smallest open aspect; Enter on an aspect's row
starts on that aspect. A small window of its own, built when first opened; Esc closes it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from microsession.core.format import minutes_text
from microsession.core.tasks import AspectProgress, Task, next_task, smallest_open_aspect
from microsession.store import tasks as store
from microsession.ui.keys import close_on_escape
from microsession.ui.palette import colors, is_dark

WINDOW_TITLE = "Micro-Session · Projects"
COLUMNS = ("Aspect", "Sessions", "Focused", "Done", "Open", "Left")
NO_ASPECT = "(no aspect)"
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ProjectView(QWidget):
    start_task_requested = Signal(str)  # task id

    def __init__(self, conn: sqlite3.Connection, now: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("project_view")
        self.conn, self.now = conn, now
        self.progress: list[AspectProgress] = []
        self.tasks: list[Task] = []

        self.project = QComboBox()
        self.project.setMinimumWidth(220)
        self.project.currentIndexChanged.connect(self._load_project)
        top = QHBoxLayout()
        top.addWidget(QLabel("Project"))
        top.addWidget(self.project, 1)

        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setShowGrid(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.resizeSection(col, 72)
        self.table.installEventFilter(self)
        close_on_escape(self)
        self.table.doubleClicked.connect(lambda index: self.start_aspect(index.row()))

        self.next_label = QLabel()
        self.next_label.setObjectName("next")
        self.next_label.setWordWrap(True)
        self.start_button = QPushButton("Start on the smallest open aspect")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start_smallest)
        buttons = QHBoxLayout()
        buttons.addWidget(self.next_label, 1)
        buttons.addWidget(self.start_button)
        self.hint = QLabel("⏎ on an aspect: start on it  ·  Esc close")
        self.hint.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.hint)
        self.resize(560, 380)
        self.refresh()

    # --- reading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the projects (tasks change from the task window, the tray and the CLI)."""
        chosen = self.project.currentText()
        try:
            names = store.projects(self.conn)
        except sqlite3.Error as exc:
            self._tell(f"Your projects cannot be read right now ({exc}).")
            return
        self.project.blockSignals(True)
        self.project.clear()
        self.project.addItems(names)
        if chosen in names:
            self.project.setCurrentText(chosen)
        self.project.blockSignals(False)
        self._load_project()

    def _load_project(self) -> None:
        name = self.project.currentText()
        self.progress, self.tasks = [], []
        if name:
            try:
                self.progress = store.progress_of_project(self.conn, name)
                self.tasks = store.list_tasks(self.conn, project=name)
            except sqlite3.Error as exc:
                self._tell(f"This project cannot be read right now ({exc}).")
        self._fill()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.progress))
        muted = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for row, p in enumerate(self.progress):
            focused = minutes_text(p.focused_minutes * 60) if p.sessions else "–"
            cells = ((p.aspect or NO_ASPECT), str(p.sessions), focused,
                     str(p.done), str(p.open), f"{p.open_minutes} min" if p.open else "✓")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(_RIGHT)
                if p.open == 0:
                    item.setForeground(muted)
                self.table.setItem(row, col, item)
        smallest = self.smallest()
        if smallest is not None:
            self.table.setCurrentCell(self.progress.index(smallest[0]), 0)
        self._update_texts()

    def _update_texts(self) -> None:
        self.summary.setStyleSheet("")
        if not self.project.count():
            self.summary.setText("No projects yet. In the task window, end a task's title with "
                                 "“@Project / Aspect” to file it under one.")
        else:
            open_n = sum(p.open for p in self.progress)
            left = sum(p.open_minutes for p in self.progress)
            done = sum(p.done for p in self.progress)
            sessions = sum(p.sessions for p in self.progress)
            focused = sum(p.focused_minutes for p in self.progress)
            self.summary.setText(
                f"{len(self.progress)} aspect{'s' * (len(self.progress) != 1)} · {open_n} open ({left} min left)"
                f" · {done} done · {sessions} session{'s' * (sessions != 1)}, {minutes_text(focused * 60)} focused")
        smallest = self.smallest()
        self.start_button.setEnabled(smallest is not None)
        if smallest is None:
            self.next_label.setText("Nothing open here." if self.project.count() else "")
        else:
            aspect, task = smallest
            self.next_label.setText(f"Next: “{task.title}” · {aspect.aspect or NO_ASPECT} · {task.minutes} min")

    def smallest(self) -> tuple[AspectProgress, Task] | None:
        """The smallest open aspect and the task to start there, or None when nothing is open."""
        aspect = smallest_open_aspect(self.progress)
        if aspect is None:
            return None
        task = next_task(self.tasks, aspect.project, aspect.aspect)
        return None if task is None else (aspect, task)

    # --- actions ---------------------------------------------------------------------------
    def start_smallest(self) -> None:
        found = self.smallest()
        if found is not None:
            self.start_task_requested.emit(found[1].id)

    def start_aspect(self, row: int) -> None:
        if not 0 <= row < len(self.progress):
            return
        p = self.progress[row]
        task = next_task(self.tasks, p.project, p.aspect)
        if task is None:
            self._tell(f"Nothing open in {p.aspect or NO_ASPECT}.")
        else:
            self.start_task_requested.emit(task.id)

    def _tell(self, text: str) -> None:
        self.summary.setStyleSheet(f"color: {colors('paused', is_dark(self.palette())).arc}")
        self.summary.setText(text)

    def showEvent(self, event) -> None:  # noqa: ANN001
        self.refresh()
        super().showEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.start_aspect(self.table.currentRow())
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.start_smallest()
            return
        super().keyPressEvent(event)
