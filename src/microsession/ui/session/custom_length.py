"""The menu's "Custom…": a sprint of any length from 1 to 240 minutes, said up front.

Every digit typed is shown (a spin box drops a third digit past its maximum without a word);
a length out of range says why under the field and Start waits until it fits. Enter starts,
Esc closes. From 90 minutes the session is deep work, and the line says so.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from microsession.core.format import KIND_LABELS, kind_for_minutes, minutes_text
from microsession.ui.keys import close_on_escape

TITLE = "Micro-Session · Custom length"
LOW, HIGH = 1, 240


class CustomLength(QWidget):
    chosen = Signal(int)  # minutes

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Dialog)
        self.setWindowTitle(TITLE)
        self.setObjectName("custom_length")
        self.label = label = QLabel(f"&Minutes ({LOW} to {HIGH}; deep work from 90):")
        self.field = QLineEdit()
        self.field.setMaxLength(6)
        self.field.setAccessibleName(f"Minutes, {LOW} to {HIGH}")
        label.setBuddy(self.field)
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.start = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.start.setText("Start")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.close)
        self.field.textChanged.connect(self._check)
        self.field.returnPressed.connect(self.accept)
        layout = QVBoxLayout(self)
        for widget in (label, self.field, self.hint, self.buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(300)
        close_on_escape(self)

    def ask(self, minutes: float) -> None:
        self.field.setText(f"{int(minutes)}")
        self.field.selectAll()
        if not self.isVisible():  # in the middle of the screen (a window manager may place it itself)
            self.adjustSize()
            self.move(self.screen().availableGeometry().center() - self.rect().center())
        self.show()
        self.raise_()
        self.activateWindow()
        self.field.setFocus()

    def minutes(self) -> int | None:
        text = self.field.text().strip()
        if not text.isdigit() or not LOW <= int(text) <= HIGH:
            return None
        return int(text)

    def _check(self) -> None:
        text, minutes = self.field.text().strip(), self.minutes()
        if minutes is not None:
            self.hint.setText(f"{KIND_LABELS[kind_for_minutes(minutes)]}: {minutes_text(minutes * 60)}")
        elif not text:
            self.hint.setText(f"Type a length from {LOW} to {HIGH} minutes.")
        elif not text.isdigit():
            self.hint.setText("Whole minutes only, e.g. 45.")
        else:
            self.hint.setText(f"{text} min is too {'long' if int(text) > HIGH else 'short'}: {LOW} to {HIGH} minutes.")
        self.start.setEnabled(minutes is not None)

    def accept(self) -> None:
        minutes = self.minutes()
        if minutes is not None:
            self.close()
            self.chosen.emit(minutes)
