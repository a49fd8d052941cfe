"""The task list as a Qt table model over the store (filter, order, add, edit, tick, delete),
and the delegate that edits its type and minutes cells.

Every change goes through core.tasks' validation and one store call; a refusal is told by
the `problem` signal (one sentence for the window), never raised into Qt.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QComboBox, QSpinBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from microsession.core import tasks as core
from microsession.core.tasks import Task
from microsession.store import tasks as store

COLUMNS = ("", "Task", "Type", "Minutes", "Project", "Aspect")
DONE, TITLE, TYPE, MINUTES, PROJECT, ASPECT = range(len(COLUMNS))
# Drawn as text, not as a check box indicator: those vanish on dark palettes under Fusion.
DONE_MARK, OPEN_MARK = "✓", "○"
Index = QModelIndex | QPersistentModelIndex
HEADING_BAND = 24  # px above a group's first row for its heading


def parse_quick_add(text: str) -> tuple[str, str | None, str | None]:
    """'Write intro @Thesis / Chapter 1' -> ('Write intro', 'Thesis', 'Chapter 1').

    Only a last ' @' followed by a name files the task under a project; the rest is the title.
    """
    head, sep, tail = text.rpartition(" @")
    if not sep or not head.strip() or not tail.strip():
        return text, None, None
    project, _, aspect = tail.partition("/")
    return head, project.strip() or None, aspect.strip() or None


def _sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class TasksModel(QAbstractTableModel):
    problem = Signal(str)  # a refused edit, as one sentence
    changed = Signal()  # rows were added, removed, or re-read

    def __init__(self, conn: sqlite3.Connection, now: Callable[[], datetime], parent: Any = None) -> None:
        super().__init__(parent)
        self.conn, self.now = conn, now
        self.task_type: str | None = None  # the type filter
        self.show_done = False
        self.by_project = True
        self.labels: dict[str, str] = dict(core.BUILTIN_LABELS)
        self.tasks: list[Task] = []

    # --- reading ---------------------------------------------------------------------------
    def reload(self) -> None:
        try:
            self.labels = {t.slug: t.label for t in store.list_types(self.conn)}
            found = store.list_tasks(self.conn, task_type=self.task_type, include_done=self.show_done)
        except sqlite3.Error as exc:
            self.problem.emit(f"Your tasks cannot be read right now ({exc}).")
            return
        if self.by_project:
            def key(t: Task) -> tuple:
                return (t.done, t.project is None, (t.project or "").casefold(), t.aspect is not None,
                        (t.aspect or "").casefold(), t.created_utc, t.id)
        else:
            def key(t: Task) -> tuple:
                return (t.done, t.created_utc, t.id)
        self.beginResetModel()
        self.tasks = sorted(found, key=key)
        self.endResetModel()
        self.changed.emit()

    def heading(self, row: int) -> str:
        """With "Group by project": the group's heading above the first row of each group
        ("Thesis / Chapter 1", "No project", "Done"); "" for the other rows."""
        task = self.task_at(row)
        if not self.by_project or task is None:
            return ""
        def group(t: Task) -> tuple:
            return ("done",) if t.done else (t.project, t.aspect)
        if row > 0 and group(self.tasks[row - 1]) == group(task):
            return ""
        if task.done:
            return "Done"
        if task.project is None:
            return "No project"
        return f"{task.project} / {task.aspect}" if task.aspect else task.project

    def task_at(self, row: int) -> Task | None:
        return self.tasks[row] if 0 <= row < len(self.tasks) else None

    def row_of(self, task_id: str) -> int:
        return next((i for i, t in enumerate(self.tasks) if t.id == task_id), -1)

    def label(self, slug: str) -> str:
        return core.type_label(slug, self.labels)

    def open_count(self, task_type: str) -> int:
        return sum(1 for t in self.tasks if t.is_open and t.task_type == task_type)

    # --- Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.tasks)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base if index.column() == DONE else base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        task = self.task_at(index.row())
        if task is None:
            return None
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            edit = role == Qt.ItemDataRole.EditRole
            if col == DONE:
                return DONE_MARK if task.done else OPEN_MARK
            if col == TITLE:
                return task.title
            if col == TYPE:
                return task.task_type if edit else self.label(task.task_type)
            if col == MINUTES:
                return task.minutes
            value = task.project if col == PROJECT else task.aspect
            return value or ""
        if role == Qt.ItemDataRole.ForegroundRole and task.done:
            return QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.FontRole and task.done and col == TITLE:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (DONE, MINUTES):
            horizontal = Qt.AlignmentFlag.AlignRight if col == MINUTES else Qt.AlignmentFlag.AlignHCenter
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == DONE:
            return "Done (Space or a click ticks it)"
        if role == Qt.ItemDataRole.ToolTipRole and col == TITLE:
            return "Enter: start a session · Space: done · F2: edit · Delete: delete"
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and col == TITLE and self.heading(index.row()):
            return f"First of {self.heading(index.row())}"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        task = self.task_at(index.row())
        if task is None:
            return False
        if role != Qt.ItemDataRole.EditRole or index.column() == DONE:
            return False
        try:
            edited = self._edited(task, index.column(), value)
            if edited == task:
                return False
            if not store.update(self.conn, edited):
                raise ValueError("this task was deleted meanwhile")
        except (ValueError, TypeError) as exc:
            self.problem.emit(_sentence(exc))
            return False
        except sqlite3.Error as exc:
            self.problem.emit(f"The change could not be saved ({exc}).")
            return False
        self.tasks[index.row()] = edited
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(COLUMNS) - 1))
        return True

    def _edited(self, task: Task, col: int, value: Any) -> Task:
        if col == TITLE:
            return replace(task, title=core.validate_title(str(value)))
        if col == TYPE:
            slug = store.resolve_type(self.conn, str(value))
            if slug is None:
                raise ValueError(f"there is no task type {value!r}")
            return replace(task, task_type=slug)
        if col == MINUTES:
            text = str(value).strip()
            if not text.isdigit():
                raise ValueError(f"minutes must be a whole number from {core.MIN_MINUTES} to {core.MAX_MINUTES}")
            return replace(task, minutes=core.validate_minutes(int(text)))
        if col == PROJECT:
            project = core.validate_name(str(value), "the project")
            return replace(task, project=project, aspect=task.aspect if project else None)
        return replace(task, aspect=core.validate_name(str(value), "the aspect"))

    # --- changes ---------------------------------------------------------------------------
    def add(self, text: str, task_type: str, minutes: int) -> Task | None:
        """Add a task from the quick-add line; None (and `problem`) when it is refused."""
        try:
            title, project, aspect = parse_quick_add(text)
            task = core.new_task(title, task_type, minutes, project, aspect, now=self.now())
            store.add(self.conn, task)
        except ValueError as exc:
            self.problem.emit(_sentence(exc))
            return None
        except sqlite3.Error as exc:
            self.problem.emit(f"The task could not be saved ({exc}).")
            return None
        self.reload()
        return task

    def set_done(self, row: int, done: bool) -> bool:
        task = self.task_at(row)
        if task is None or task.done == done:
            return False
        try:
            changed = (store.set_done(self.conn, [task.id], self.now()) == 1 if done
                       else store.set_open(self.conn, task.id))
        except sqlite3.Error as exc:
            self.problem.emit(f"The task could not be ticked ({exc}).")
            return False
        self.reload()
        return changed

    def toggle_done(self, row: int) -> bool:
        task = self.task_at(row)
        return task is not None and self.set_done(row, not task.done)

    def delete(self, row: int) -> Task | None:
        """Soft-delete: the row stays in the file, so its sessions keep their history."""
        task = self.task_at(row)
        if task is None:
            return None
        try:
            store.soft_delete(self.conn, task.id, self.now())
        except sqlite3.Error as exc:
            self.problem.emit(f"The task could not be deleted ({exc}).")
            return None
        self.reload()
        return task

    def restore(self, task_id: str) -> bool:
        try:
            restored = store.restore(self.conn, task_id)
        except sqlite3.Error as exc:
            self.problem.emit(f"The task could not be restored ({exc}).")
            return False
        self.reload()
        return restored


class TasksDelegate(QStyledItemDelegate):
    """A type picker for the type column, a 5-120 spin box for the minutes; with "Group by
    project", a heading band drawn above the first row of each group (the row made taller)."""

    def __init__(self, model: TasksModel, parent: QObject) -> None:
        super().__init__(parent)
        self.model = model

    def paint(self, painter, option, index: QModelIndex) -> None:  # noqa: ANN001
        heading = self.model.heading(index.row())
        if not heading:
            return super().paint(painter, option, index)
        band = QRect(option.rect)
        band.setHeight(HEADING_BAND)
        palette = option.palette
        painter.save()
        painter.fillRect(band, palette.color(QPalette.ColorRole.AlternateBase))
        if index.column() == TITLE:
            font = QFont(option.font)
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            text = QFontMetrics(font).elidedText(heading, Qt.TextElideMode.ElideRight, band.width() - 8)
            painter.drawText(band.adjusted(4, 0, -4, 0), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), text)
        painter.restore()
        below = QStyleOptionViewItem(option)
        below.rect = option.rect.adjusted(0, HEADING_BAND, 0, 0)
        super().paint(painter, below, index)

    def updateEditorGeometry(self, editor: QWidget, option, index: QModelIndex) -> None:  # noqa: ANN001
        super().updateEditorGeometry(editor, option, index)
        if self.model.heading(index.row()):
            editor.setGeometry(option.rect.adjusted(0, HEADING_BAND, 0, 0))

    def createEditor(self, parent: QWidget, option, index: QModelIndex) -> QWidget:  # noqa: ANN001
        if index.column() == TYPE:
            combo = QComboBox(parent)
            for slug, label in self.model.labels.items():
                combo.addItem(label, slug)
            return combo
        if index.column() == MINUTES:
            spin = QSpinBox(parent)
            spin.setRange(core.MIN_MINUTES, core.MAX_MINUTES)
            return spin
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:  # noqa: ANN001
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)
