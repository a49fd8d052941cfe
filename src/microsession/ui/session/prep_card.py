"""The preparation card (F15): a one-minute checklist before a long session's clock starts.

"Start now" (Enter) starts at once, Esc cancels, and when the minute is over the session
starts by itself. The list is the user's own: "Edit" turns it into text, saved on close.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from microsession.core.format import clock_text
from microsession.ui.keys import close_on_escape

TITLE = "Micro-Session · Get ready"


class PrepCard(QWidget):
    start_now = Signal()
    cancelled = Signal()
    checklist_edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle(TITLE)
        self.setObjectName("prep_card")
        self.heading = QLabel()
        self.items = QVBoxLayout()
        self.items.setSpacing(2)
        self.editor = QPlainTextEdit()
        self.editor.setVisible(False)
        self.editor.setFixedHeight(90)
        self.countdown = QLabel()
        self.countdown.setObjectName("countdown")
        self.edit_button = QPushButton("Edit list")
        self.edit_button.setFlat(True)
        self.edit_button.clicked.connect(self.toggle_edit)
        cancel, start = QPushButton("Cancel  Esc"), QPushButton("Start now  ⏎")
        cancel.setAccessibleName("Cancel")  # not "Cancel Esc": the key is in the shortcut, not the name
        start.setAccessibleName("Start now")
        self.editor.setAccessibleName("Checklist, one item a line")
        start.setDefault(True)
        start.clicked.connect(self._start)
        cancel.clicked.connect(self._cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button)
        buttons.addStretch()
        buttons.addWidget(cancel)
        buttons.addWidget(start)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.addWidget(self.heading)
        layout.addLayout(self.items)
        layout.addWidget(self.editor)
        layout.addWidget(self.countdown)
        layout.addLayout(buttons)
        self.setFixedWidth(340)
        close_on_escape(self, self._cancel)
        self._checks: list[QCheckBox] = []
        self._left_ms = 0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)  # the countdown's digits, only while the card is shown
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._deadline = QTimer(self)  # the start itself: a deadline, not a count of ticks
        self._deadline.setSingleShot(True)
        self._deadline.setTimerType(Qt.TimerType.PreciseTimer)
        self._deadline.timeout.connect(self._start)

    def ask(self, heading: str, checklist: str, seconds: float) -> None:
        """Show the card; the session starts by itself after `seconds` (real seconds)."""
        self.heading.setText(f"<b>{heading}</b>")
        self._set_items(checklist)
        self.editor.setVisible(False)
        self.edit_button.setText("Edit list")
        self._left_ms = max(0, round(seconds * 1000))
        self._clock.start()
        self._tick()
        self._timer.start()
        self._deadline.start(self._left_ms)
        self.adjustSize()
        self.show()
        self.raise_()
        self.activateWindow()

    def seconds_left(self) -> float:
        return max(0.0, (self._left_ms - self._clock.elapsed()) / 1000)

    def checklist(self) -> list[str]:
        return [box.text() for box in self._checks]

    def _set_items(self, checklist: str) -> None:
        for box in self._checks:
            self.items.removeWidget(box)
            box.deleteLater()
        self._checks = [QCheckBox(line.strip()) for line in checklist.splitlines() if line.strip()]
        for box in self._checks:
            self.items.addWidget(box)

    def toggle_edit(self) -> None:
        if self.editor.isVisible():
            text = "\n".join(line.strip() for line in self.editor.toPlainText().splitlines() if line.strip())
            self._set_items(text)
            self.editor.setVisible(False)
            self.edit_button.setText("Edit list")
            self.checklist_edited.emit(text)
        else:
            self.editor.setPlainText("\n".join(self.checklist()))
            self.editor.setVisible(True)
            self.edit_button.setText("Done")
            self.editor.setFocus()
        self.adjustSize()

    def _tick(self) -> None:
        left = self.seconds_left()
        self.countdown.setText(f"The clock starts by itself in {clock_text(left)}.")

    def _finish(self) -> bool:
        if not self.isVisible():
            return False
        if self.editor.isVisible():
            self.toggle_edit()  # keep what was typed
        self._timer.stop()
        self._deadline.stop()
        self.hide()
        return True

    def _start(self) -> None:
        if self._finish():
            self.start_now.emit()

    def _cancel(self) -> None:
        if self._finish():
            self.cancelled.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.editor.hasFocus():
            self._start()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 — closing the window cancels
        self._cancel()
        super().closeEvent(event)
