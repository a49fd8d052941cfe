"""The settings dialog (F18, issue 7 item 2): every setting of core.settings.SPECS but the ring's place.

Number boxes take their range from SPECS, so nothing out of range can be typed; text fields
(hours, commands) are checked by Spec.check as they change, the problem shown under the
field and Save disabled until it is fixed. Save (Enter or Ctrl+S) writes only the keys that
changed, in one transaction, turns start at login on or off (a failure is shown, nothing is
saved then) and emits `settings_changed(Settings)`. Esc cancels. A stored value that was not
valid stays in the table untouched unless its field is changed here (the "kept aside" copy).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QPlainTextEdit, QPushButton, QSlider, QSpinBox, QTabWidget, QVBoxLayout, QWidget,
)

from microsession import autostart
from microsession.core import hooks
from microsession.core.settings import SPECS, Settings
from microsession.store import settings as settings_store
from microsession.store.tasks import transaction
from microsession.ui.palette import is_dark
from microsession.ui.windows.settings_fields import DEPENDS, GROUP_NOTES, HOOK_HINT, LABELS, STYLES, TABS, WEEKDAYS

TITLE = "Micro-Session · Settings"
HOOK_EVENTS = {setting: event for event, setting in hooks.SETTING_OF.items()}


class SettingsDialog(QDialog):
    settings_changed = Signal(object)  # the new Settings, after they are stored

    def __init__(self, conn: sqlite3.Connection | None, settings: Settings, *, hook_runner: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setObjectName("settings_dialog")
        self.conn, self.settings, self.hook_runner = conn, settings, hook_runner
        self.widgets: dict[str, QWidget] = {}
        self.getters: dict[str, Callable[[], Any]] = {}
        self.setters: dict[str, Callable[[Any], None]] = {}
        self.notes: dict[str, QLabel] = {}  # inline problems of text fields
        self.tabs = QTabWidget()
        for tab_title, groups in TABS:
            page = QWidget()
            column = QVBoxLayout(page)
            for group_title, keys in groups:
                box = QGroupBox(group_title)
                form = QFormLayout(box)
                form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
                if group_title in GROUP_NOTES:
                    hint = QLabel(GROUP_NOTES[group_title])
                    hint.setWordWrap(True)
                    hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
                    form.addRow(hint)
                for key in keys:
                    self._add_field(form, key)
                column.addWidget(box)
            column.addStretch()
            self.tabs.addTab(page, tab_title)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.cancel_button, self.save_button = QPushButton("Cancel  Esc"), QPushButton("Save  Ctrl+S")
        self.save_button.setDefault(True)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.resize(540, 520)
        self.load(settings)

    # --- building -----------------------------------------------------------------------------

    def _add_field(self, form: QFormLayout, key: str) -> None:
        spec, (label, suffix) = SPECS[key], LABELS[key]
        kind = type(spec.default)
        widget: QWidget
        if kind is bool:
            widget = QCheckBox(label)
            self.getters[key], self.setters[key] = widget.isChecked, widget.setChecked
            widget.toggled.connect(self._refresh)
            form.addRow(widget)
        elif key == "chime_volume":
            widget = QSlider(Qt.Orientation.Horizontal)
            widget.setRange(round(spec.lo * 100), round(spec.hi * 100))
            widget.setPageStep(10)
            shown = QLabel()
            widget.valueChanged.connect(lambda v, s=shown: s.setText(f"{v} %"))
            # untouched, it keeps the stored value exactly (0.555 is not rounded to 0.56 on save)
            self.getters[key] = lambda w=widget: (self.settings.chime_volume if w.value() == round(
                self.settings.chime_volume * 100) else w.value() / 100)
            self.setters[key] = lambda v, w=widget: w.setValue(round(v * 100))
            form.addRow(label, _row(widget, shown))
        elif kind is int and key != "review_weekday":
            widget = QSpinBox()
            widget.setRange(int(spec.lo), int(spec.hi))
            widget.setSuffix(suffix)
            widget.setMaximumWidth(150)  # a number, not a sentence
            self.getters[key], self.setters[key] = widget.value, widget.setValue
            form.addRow(label, widget)
        elif key in ("review_weekday", "notification_style"):
            widget = QComboBox()
            widget.setMaximumWidth(300)
            for value, text in (enumerate(WEEKDAYS) if key == "review_weekday" else STYLES):
                widget.addItem(text, value)
            self.getters[key] = widget.currentData
            self.setters[key] = lambda v, w=widget: w.setCurrentIndex(max(0, w.findData(v)))
            form.addRow(label, widget)
        else:  # free text, checked as it changes
            if key == "preparation_checklist":
                widget = QPlainTextEdit()
                widget.setTabChangesFocus(True)
                widget.setFixedHeight(74)
                self.getters[key], self.setters[key] = widget.toPlainText, widget.setPlainText
            else:
                widget = QLineEdit()
                widget.setPlaceholderText(HOOK_HINT if key in HOOK_EVENTS else "e.g. 9-12, 15-17")
                self.getters[key], self.setters[key] = widget.text, widget.setText
            widget.textChanged.connect(self._refresh)
            note = self.notes[key] = QLabel()
            note.setObjectName(f"note_{key}")
            note.setWordWrap(True)
            note.setVisible(False)
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(_row(widget, self._test_button(key)) if key in HOOK_EVENTS else widget)
            column.addWidget(note)
            form.addRow(label, holder)
        widget.setObjectName(key)
        self.widgets[key] = widget

    def _test_button(self, key: str) -> QWidget | None:
        if self.hook_runner is None:
            return None
        button = QPushButton("Test")
        button.setObjectName(f"test_{key}")
        button.setAutoDefault(False)
        button.setToolTip("Run the command now with sample facts; the result shows below")
        button.clicked.connect(lambda: self.test_hook(key))
        return button

    # --- state --------------------------------------------------------------------------------

    def load(self, settings: Settings) -> None:
        """Show `settings` (the app's current ones); unsaved edits are dropped."""
        self.settings = settings
        for key, setter in self.setters.items():
            setter(getattr(settings, key))
        self.message.clear()
        self._refresh()

    def values(self) -> dict[str, Any]:
        return {key: getter() for key, getter in self.getters.items()}

    def changed(self) -> dict[str, Any]:
        """The fields that differ from the settings the dialog was loaded with."""
        return {k: v for k, v in self.values().items() if v != getattr(self.settings, k)}

    def problems(self) -> dict[str, str]:
        found = {}
        for key in self.notes:
            try:
                SPECS[key].check(self.getters[key]())
            except ValueError as exc:
                found[key] = str(exc)[:1].upper() + str(exc)[1:] + "."
        return found

    def _refresh(self) -> None:
        values, problems = self.values(), self.problems()
        for key, note in self.notes.items():
            text, warn = problems.get(key, ""), False
            if not text and key in HOOK_EVENTS and values[key].strip():
                program = hooks.split_command(values[key])[0]
                if shutil.which(program) is None:
                    text, warn = f"{program!r} is not found: the command will fail when it runs.", True
            color = ("#d9b36c" if warn else "#e58c8c") if is_dark(self.palette()) else ("#8a6414" if warn else "#b03a3a")
            note.setStyleSheet(f"color: {color};")
            note.setText(text)
            note.setVisible(bool(text))
        for key, switch in DEPENDS.items():
            on = values[switch] and (switch not in DEPENDS or self.widgets[switch].isEnabled())
            self.widgets[key].setEnabled(bool(on))
        self.save_button.setEnabled(not problems)
        if problems:  # the field may be on another tab: name it and its tab
            names = ", ".join(f"{LABELS[k][0]} ({self._tab_of(k)})" for k in problems)
            self._say(f"Fix {names} to save.", error=False)
        elif self.message.text().startswith("Fix "):
            self.message.clear()

    def _tab_of(self, key: str) -> str:
        return next(t.replace("&&", "\0").replace("&", "").replace("\0", "&")
                    for t, groups in TABS for _, keys in groups if key in keys)

    def _say(self, text: str, error: bool = True) -> None:
        self.message.setStyleSheet(f"color: {'#e58c8c' if is_dark(self.palette()) else '#b03a3a'};" if error else "")
        self.message.setText(text)

    # --- actions ------------------------------------------------------------------------------

    def save(self) -> bool:
        """Store the changed keys in one transaction and emit settings_changed; False if not."""
        if self.problems():
            return False
        changed = self.changed()
        wanted, was = self.values()["start_at_login"], autostart.is_enabled()
        if "start_at_login" in changed or (wanted and not was):
            try:
                self._set_autostart(wanted)
            except autostart.AutostartError as exc:
                self._say(str(exc))
                return False
        if self.conn is not None and changed:
            try:
                with transaction(self.conn):
                    for key, value in changed.items():
                        settings_store.save(self.conn, key, value)
            except sqlite3.Error as exc:
                try:  # the login entry as it was: the stored setting still says so
                    self._set_autostart(was)
                except autostart.AutostartError:
                    pass
                self._say(f"Could not save the settings ({exc}); nothing was changed.")
                return False
        self.settings = replace(self.settings, **changed)
        self.message.clear()
        if changed:
            self.settings_changed.emit(self.settings)
        self.accept()
        return True

    def test_hook(self, key: str) -> None:
        note = self.notes[key]
        if key in self.problems() or not self.getters[key]().strip():
            return
        note.setStyleSheet("")
        note.setText("Running…")
        note.setVisible(True)

        def done(message: str) -> None:
            try:
                note.setText(message or "It ran and exited with 0.")
            except RuntimeError:  # the dialog was closed and deleted meanwhile
                pass

        self.hook_runner.test(HOOK_EVENTS[key], self.getters[key](), self.getters["hook_timeout_s"](), done)

    def _set_autostart(self, on: bool) -> None:
        autostart.enable(self._data_folder()) if on else autostart.disable()

    def _data_folder(self) -> Path | None:
        """The folder of the database file: passed to the login entry when not the default."""
        if self.conn is None:
            return None
        row = self.conn.execute("PRAGMA database_list").fetchone()
        return Path(row[2]).parent if row and row[2] else None


def _row(*widgets: QWidget | None) -> QWidget:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        if w is not None:
            row.addWidget(w, 1 if isinstance(w, (QLineEdit, QSlider)) else 0)
    return holder
