"""The end-of-session popup: five answers in under 30 seconds, keyboard alone.

Tab moves through the fields; 1-5 set the energy (Alt+1-5 from inside a text field);
Enter saves; Esc skips (the session itself is logged either way). A batch session lists
its tasks to tick off; a stack's step asks only for the energy and the next step. It is shown without
taking the keyboard: a click (or the notification's "Log it") gives it focus, so nothing
typed elsewhere lands in it by surprise. On Wayland, where a new window is placed by the
compositor and may take the keyboard as it maps, the shell puts it inside the ring's
window instead (RingWindow.host_form): then `window()` is the ring's.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QStyle, QVBoxLayout, QWidget,
)

from microsession.core.events import Ended, Outcome
from microsession.core.format import KIND_LABELS, minutes_text
from microsession.core.logbook import MAX_TEXT, SessionLog

TITLE = "Micro-Session · Session log"
MAX_BATCH_SHOWN = 12
WIDTH, MARGIN = 360, 16  # px: the popup's fixed width and its side margins


class EndPopup(QWidget):
    saved = Signal(str, object)  # session id, SessionLog
    skipped = Signal(str)  # session id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle(TITLE)
        self.setObjectName("end_popup")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAccessibleName("Session log")
        self._session_id = ""
        self.heading = QLabel()
        self.heading.setObjectName("heading")
        self.stopped_at = self._line("Where I stopped…")
        self.next_step = self._line("Next step…")
        self.energy = QButtonGroup(self)
        energy_row = QHBoxLayout()
        energy_row.addWidget(QLabel("Energy"))
        for value in range(1, 6):
            button = QPushButton(str(value))
            button.setCheckable(True)
            button.setFixedWidth(34)
            button.setToolTip(f"Energy {value} (key {value})")
            button.setAccessibleName(f"Energy {value} of 5")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus if value == 1 else Qt.FocusPolicy.ClickFocus)
            self.energy.addButton(button, value)
            energy_row.addWidget(button)
        energy_row.addStretch()
        self.finished = QCheckBox("Task finished")  # on its own line: a long title never touches the next box
        self.interrupted = QCheckBox("Interrupted")
        self.interrupted.setAccessibleName("Interrupted")
        checks = QHBoxLayout()
        checks.addWidget(self.interrupted)
        checks.addStretch()
        self.batch_box = QWidget()  # a batch's tasks, one check box each
        self.batch_layout = QVBoxLayout(self.batch_box)
        self.batch_layout.setContentsMargins(0, 0, 0, 0)
        self.batch_layout.setSpacing(2)
        self.task_checks: list[tuple[str, QCheckBox]] = []
        self._task_ids: tuple[str, ...] = ()
        save, skip = QPushButton("Save  ⏎"), QPushButton("Skip  Esc")
        save.setAccessibleName("Save the log")
        skip.setAccessibleName("Skip the log")
        save.setDefault(True)
        save.clicked.connect(self.save)
        skip.clicked.connect(self.skip)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(skip)
        buttons.addWidget(save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, 14, MARGIN, 14)
        layout.setSpacing(8)
        for item in (self.heading, self.stopped_at, self.next_step):
            layout.addWidget(item)
        layout.addLayout(energy_row)
        layout.addWidget(self.batch_box)
        layout.addWidget(self.finished)
        layout.addLayout(checks)
        layout.addLayout(buttons)
        self.setFixedWidth(WIDTH)

    def _line(self, placeholder: str) -> QLineEdit:
        line = QLineEdit()
        line.setPlaceholderText(placeholder)
        line.setAccessibleName(placeholder.rstrip("…"))
        line.setMaxLength(MAX_TEXT)
        line.returnPressed.connect(self.save)
        line.installEventFilter(self)
        return line

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Alt+1-5 inside a text field sets the energy instead of typing a digit."""
        if event.type() == QEvent.Type.KeyPress and event.modifiers() & Qt.KeyboardModifier.AltModifier:
            if Qt.Key.Key_1 <= event.key() <= Qt.Key.Key_5:
                self.energy.button(event.key() - Qt.Key.Key_0).setChecked(True)
                return True
        return super().eventFilter(watched, event)

    # --- showing -----------------------------------------------------------------
    def ask(self, ended: Ended, near: QRect | None = None, *, tasks: Sequence[tuple[str, str]] = (),
            interrupted: bool = False, step: str = "") -> None:
        """Show the popup for a session that just ended, near the tray icon if known.

        `tasks`: (id, title) of the tasks it was about — one gets "Finished: title", several
        (a batch) get a check box each. `interrupted`: an interruption was recorded.
        `step`: "step 2 of 5" for a stack's step, which asks only for energy and next step.
        """
        self._session_id = ended.session.id
        self._task_ids = tuple(task_id for task_id, _ in tasks)
        what = KIND_LABELS[ended.session.kind].lower()
        done = "done" if ended.outcome is Outcome.COMPLETED else "stopped"
        if step:
            self.heading.setText(f"<b>{step.capitalize()} {done}.</b> Energy and next step?")
        else:
            self.heading.setText(f"<b>{minutes_text(ended.focused_s, up=False)} of {what} — {done}.</b> How did it go?")
        for line in (self.stopped_at, self.next_step):
            line.clear()
        self.energy.setExclusive(False)
        for button in self.energy.buttons():
            button.setChecked(False)
        self.energy.setExclusive(True)
        self._fill_batch(tasks if len(tasks) > 1 else ())
        title = tasks[0][1] if len(tasks) == 1 else ""
        self._label_box(self.finished, f"Finished: {title}")
        self.finished.setChecked(False)
        self.interrupted.setChecked(interrupted or ended.outcome is Outcome.STOPPED)
        for widget in (self.stopped_at, self.interrupted):
            widget.setVisible(not step)
        self.finished.setVisible(not step and len(tasks) == 1)  # no task: nothing to finish
        self.adjustSize()
        if self.isWindow():
            self.move(self._place(near))
        self.show()
        self.raise_()

    def waiting(self) -> bool:
        """Asked and not answered yet (inside a hidden ring it is waiting, not visible)."""
        return not self.isHidden() and bool(self._session_id)

    def _fill_batch(self, tasks: Sequence[tuple[str, str]]) -> None:
        for _, box in self.task_checks:
            self.batch_layout.removeWidget(box)
            box.deleteLater()
        self.task_checks = []
        for task_id, title in tasks[:MAX_BATCH_SHOWN]:
            box = QCheckBox()
            self._label_box(box, title)
            self.batch_layout.addWidget(box)
            self.task_checks.append((task_id, box))
        self.batch_box.setVisible(bool(tasks))

    def _label_box(self, box: QCheckBox, text: str) -> None:
        """`text` on a check box elided (…) to the popup's real width; whole in its tooltip and name."""
        style = box.style()
        room = (WIDTH - 2 * MARGIN - style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, box)
                - style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing, None, box) - 6)
        box.setText(box.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room))
        box.setToolTip(text if box.text() != text else "")
        box.setAccessibleName(text)

    def done_task_ids(self) -> tuple[str, ...]:
        """The tasks ticked off: the batch's ticked ones, or the one task if "Finished"."""
        if self.task_checks:
            return tuple(task_id for task_id, box in self.task_checks if box.isChecked())
        if self.finished.isChecked() and not self.finished.isHidden():
            return self._task_ids[:1]
        return ()

    def focus_now(self) -> None:
        window = self.window()  # the ring's window when hosted there
        window.show()
        window.activateWindow()
        window.raise_()
        self._focus_first()

    def _focus_first(self) -> None:
        """The first text field, unless the keyboard is already somewhere in the popup."""
        inside = self.focusWidget()
        if inside is None or not self.isAncestorOf(inside) or not inside.isVisible():
            field = self.stopped_at if not self.stopped_at.isHidden() else self.next_step
            field.setFocus(Qt.FocusReason.MouseFocusReason)

    def _place(self, near: QRect | None) -> QPoint:
        """Below `near` (the ring or the tray icon), right edges aligned, kept on screen."""
        screen = QGuiApplication.primaryScreen().availableGeometry()
        w, h = self.width(), self.height()
        if near is not None and near.isValid() and screen.contains(near.center()):
            x = near.right() - w + 1
            y = near.bottom() + 8 if near.center().y() < screen.center().y() else near.top() - h - 8
        else:
            x, y = screen.right() - w - 16, screen.bottom() - h - 16
        x = min(max(screen.left() + 8, x), screen.right() - w - 8)
        y = min(max(screen.top() + 8, y), screen.bottom() - h - 8)
        return QPoint(x, y)

    # --- answering ---------------------------------------------------------------
    def current_log(self) -> SessionLog:
        energy = self.energy.checkedId()
        finished = self.finished.isChecked() or bool(self.task_checks and self.done_task_ids())
        return SessionLog(self.stopped_at.text().strip(), self.next_step.text().strip(),
                          energy if energy > 0 else None, finished, self.interrupted.isChecked())

    def save(self) -> None:
        if self.waiting():
            self.hide()
            self.saved.emit(self._session_id, self.current_log())

    def skip(self) -> None:
        if self.waiting():
            self.hide()
            self.skipped.emit(self._session_id)

    def mousePressEvent(self, event) -> None:  # a click anywhere takes the keyboard
        self.activateWindow()
        self._focus_first()  # inside the ring's window, that window may be active already
        event.accept()  # and goes no further: inside the ring it would press the ring's buttons

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        in_text = isinstance(self.focusWidget(), QLineEdit)
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_5 and not in_text:
            self.energy.button(key - Qt.Key.Key_0).setChecked(True)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save()
            return
        if key == Qt.Key.Key_Escape:
            self.skip()
            return
        super().keyPressEvent(event)
