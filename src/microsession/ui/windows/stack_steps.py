"""The steps of one stack as an editable table (kind, minutes, label, task type), for the editor.

It holds the steps as entered; `steps()` turns them into core.stacks.Step objects, with a
ValueError naming the step that is wrong. A step's task id is kept, though not shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDoubleSpinBox, QHeaderView, QLineEdit, QTableWidget, QWidget,
)

from microsession.core.stacks import MINUTES_RANGE, Step

COLUMNS = ("Step", "Minutes", "Label", "Task type")
KINDS = (("Focus", "focus"), ("Break", "break"))
KIND, MINUTES, LABEL, TASK_TYPE = range(len(COLUMNS))


class _Minutes(QDoubleSpinBox):
    """Minutes as '10' or '12.5', never '10.0'."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.setDecimals(1)
        self.setRange(1, max(hi for _lo, hi in MINUTES_RANGE.values()))  # core.stacks says what fits a kind
        self.setValue(value)
        self.setSuffix(" min")

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"


class StepsTable(QTableWidget):
    edited = Signal()  # the user changed a step, added, moved or removed one

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.types: list[tuple[str, str]] = []  # (label, slug) offered for focus steps
        self._task_ids: list[str | None] = []
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(LABEL, QHeaderView.ResizeMode.Stretch)
        for col, width in ((KIND, 84), (MINUTES, 86), (TASK_TYPE, 160)):
            header.resizeSection(col, width)

    def set_steps(self, steps: Sequence[Step]) -> None:
        """Show these steps (no `edited`)."""
        self._set_rows([{"kind": s.kind, "minutes": s.minutes, "label": s.label, "task_type": s.task_type,
                         "task_id": s.task_id} for s in steps], 0, emit=False)

    def rows(self) -> list[dict]:
        """The steps as entered, in order."""
        out = []
        for row in range(self.rowCount()):
            kind, minutes, label, task_type = (self.cellWidget(row, c) for c in range(len(COLUMNS)))
            out.append({"kind": kind.currentData(), "minutes": minutes.value(), "label": label.text().strip(),
                        "task_type": task_type.currentData(), "task_id": self._task_ids[row]})
        return out

    def steps(self) -> tuple[Step, ...]:
        """The steps as core.stacks.Step; ValueError 'step N: …' for the first one that is wrong."""
        out = []
        for n, r in enumerate(self.rows(), start=1):
            focus = r["kind"] == "focus"
            try:
                out.append(Step(r["kind"], r["minutes"], r["label"], r["task_type"] if focus else None,
                                r["task_id"] if focus else None))
            except ValueError as exc:
                raise ValueError(f"step {n}: {exc}") from None
        return tuple(out)

    def totals(self) -> str:
        rows = self.rows()
        total = sum(r["minutes"] for r in rows)
        focus = sum(r["minutes"] for r in rows if r["kind"] == "focus")
        return f"{len(rows)} step{'s' * (len(rows) != 1)} · {total:g} min ({focus:g} focus)"

    # --- edits -----------------------------------------------------------------------------
    def add_step(self, kind: str) -> None:
        """A new step after the current one (at the end when none is chosen)."""
        rows, at = self.rows(), self.currentRow() + 1 or self.rowCount()
        rows.insert(at, {"kind": kind, "minutes": 5.0 if kind == "break" else 15.0,
                         "label": "Break" if kind == "break" else "", "task_type": None, "task_id": None})
        self._set_rows(rows, at)

    def move_step(self, delta: int) -> None:
        rows, i = self.rows(), self.currentRow()
        if 0 <= i < len(rows) and 0 <= i + delta < len(rows):
            rows.insert(i + delta, rows.pop(i))
            self._set_rows(rows, i + delta)

    def remove_current(self) -> None:
        rows, i = self.rows(), self.currentRow()
        if 0 <= i < len(rows):
            del rows[i]
            self._set_rows(rows, i)

    def _set_rows(self, rows: list[dict], current: int, *, emit: bool = True) -> None:
        self.setRowCount(0)
        self._task_ids = []
        for r in rows:
            self._append(r["kind"], r["minutes"], r["label"], r["task_type"], r["task_id"])
        if rows:
            self.setCurrentCell(max(0, min(current, len(rows) - 1)), 0)
        if emit:
            self.edited.emit()

    def _append(self, kind: str, minutes: float, label: str, task_type: str | None, task_id: str | None) -> None:
        row = self.rowCount()
        self.insertRow(row)
        self._task_ids.append(task_id)
        kind_box = QComboBox()
        for text, value in KINDS:
            kind_box.addItem(text, value)
        kind_box.setCurrentIndex(kind_box.findData(kind))
        minutes_box, label_box, type_box = _Minutes(minutes), QLineEdit(label), QComboBox()
        label_box.setPlaceholderText("Break" if kind == "break" else "What this step is for")
        type_box.addItem("–", None)
        for text, slug in self.types:
            type_box.addItem(text, slug)
        if task_type is not None and type_box.findData(task_type) < 0:
            type_box.addItem(task_type, task_type)  # a type not (or no longer) in the list: kept
        type_box.setCurrentIndex(max(0, type_box.findData(task_type)))
        type_box.setEnabled(kind == "focus")
        for col, widget in enumerate((kind_box, minutes_box, label_box, type_box)):
            self.setCellWidget(row, col, widget)
        kind_box.currentIndexChanged.connect(lambda _i: type_box.setEnabled(kind_box.currentData() == "focus"))
        kind_box.currentIndexChanged.connect(lambda _i: self.edited.emit())
        minutes_box.valueChanged.connect(lambda _v: self.edited.emit())
        label_box.textEdited.connect(lambda _t: self.edited.emit())
        type_box.currentIndexChanged.connect(lambda _i: self.edited.emit())
