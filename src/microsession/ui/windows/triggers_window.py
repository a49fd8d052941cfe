"""The trigger editor (F9): list, add, edit, switch on/off and delete rules; a preview of the
next five fire times; a broken calendar shown with its reason; the data's peak hours (F10)
offered for acceptance. Built the first time it is opened.

A calendar rule's preview and problem come from a worker thread (calendar_fields.CalendarChecks):
"Reading the calendar…" until they arrive, so a slow server or a calendar that repeats too
often never freezes the window.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import QTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
    QVBoxLayout, QWidget,
)

from microsession.core import triggers as core
from microsession.core.triggers import NOT_AVAILABLE, Rule
from microsession.schedule import jobs
from microsession.store import tasks as task_store
from microsession.store import triggers as store
from microsession.ui.keys import close_on_escape
from microsession.ui.windows.calendar_fields import CalendarChecks, CalendarFields
from microsession.ui.windows.trigger_widgets import PeakHoursOffer, hm_of, pair, spin, system_idle_available, time_edit

WINDOW_TITLE = "Micro-Session · Triggers"
KINDS = (("time", "At a time of day"), ("every", "Every N minutes"), ("calendar", "After calendar events"),
         ("idle", "Back at the desk"))
PICK_ENERGY, PICK_LIGHT = "", "·light"


def mark(problem: str) -> str:
    """The list's short mark of a problem: "broken", "offline", "repeats too often"…"""
    return problem.split(":")[0].replace(" on this system", "").replace("this calendar ", "")


class TriggersWindow(QWidget):
    rules_changed = Signal()  # a rule was added, saved, switched or deleted: rebuild the jobs

    def __init__(self, conn: sqlite3.Connection, now_utc: Callable[[], datetime], tz: tzinfo | None = None,
                 problems: Callable[[], dict[str, str]] | None = None,
                 idle_available: Callable[[], bool] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("triggers_window")
        self.conn, self.now_utc, self.tz = conn, now_utc, tz or jobs.local_zone()
        self._problems = problems or (lambda: {})
        self._idle_available = idle_available or system_idle_available
        self._idle_ok: bool | None = None
        self.current: str | None = None  # the id of the rule in the form (None: a new one)

        self.rules = QListWidget()
        self.rules.setMinimumWidth(300)
        self.rules.currentItemChanged.connect(lambda item, _old: self._show(item.data(Qt.ItemDataRole.UserRole) if item else None))
        self.rules.itemChanged.connect(self._toggled)
        self.new_button, self.delete_button = QPushButton("New rule"), QPushButton("Delete")
        self.new_button.clicked.connect(self.new_rule)
        self.delete_button.clicked.connect(self.delete_current)
        left = QVBoxLayout()
        left.addWidget(self.rules, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.delete_button)
        left.addLayout(row)

        self.name = QLineEdit()
        self.name.setMaxLength(core.MAX_NAME)
        self.enabled = QCheckBox("Enabled")
        self.kind = QComboBox()
        for key, label in KINDS:
            self.kind.addItem(label, key)
        self.at, self.every = time_edit(), spin(1, 24 * 60, 90)
        self.win_from, self.win_to = time_edit((13, 0)), time_edit((17, 0))
        self.calendar = CalendarFields(self)
        self.path = self.calendar.path
        from microsession.schedule.calendar_sources import data_folder

        self.checks = CalendarChecks(self.tz, now_utc, data_folder(conn), self)
        self.checks.done.connect(self._checked)
        self.after = spin(0, core.MAX_AFTER, 2)
        self.work_from, self.work_to = time_edit(core.WORK_FROM), time_edit(core.WORK_UNTIL)
        self.idle = spin(1, core.MAX_IDLE, 15)
        self.kind_rows = {"time": [("At", self.at)],
                          "every": [("Every", self.every), ("From", self.win_from), ("Until", self.win_to)],
                          "calendar": [*self.calendar.rows(), ("Minutes after the end", self.after),
                                       ("Working hours from", self.work_from), ("until", self.work_to)],
                          "idle": [("Away at least", self.idle)]}
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.calendar.source.currentIndexChanged.connect(self._source_changed)
        self.days = [QCheckBox(d.capitalize()) for d in core.DAY_NAMES]
        self.days_row = QWidget()
        days_layout = QHBoxLayout(self.days_row)
        days_layout.setContentsMargins(0, 0, 0, 0)
        for box in self.days:
            days_layout.addWidget(box)
        self.minutes = spin(core.MIN_MINUTES, core.MAX_MINUTES, 10)
        self.task_type = QComboBox()
        self.label = QLineEdit()
        self.label.setPlaceholderText("optional, e.g. planning")
        self.label.setMaxLength(40)
        self.when_busy = QComboBox()
        self.when_busy.addItem("wait for the break", "wait")
        self.when_busy.addItem("drop it", "drop")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.preview = QLabel()
        self.preview.setObjectName("preview")
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.form = form = QFormLayout()
        form.addRow("Name", pair(self.name, self.enabled))
        form.addRow("When", self.kind)
        for rows in self.kind_rows.values():
            for label, widget in rows:
                form.addRow(label, widget)
        form.addRow("On", self.days_row)
        form.addRow("Suggest", pair(self.minutes, self.task_type))
        form.addRow("Call it", self.label)
        form.addRow("During focus", self.when_busy)
        self._steady_labels(form)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.preview)
        right.addWidget(self.message)
        right.addStretch()
        right.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)

        self.peaks = PeakHoursOffer(conn, now_utc)
        self.peak_hours_accepted = self.peaks.accepted
        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(body, 1)
        outer.addWidget(self.peaks)
        self.resize(820, 480)
        close_on_escape(self)  # like the other windows; an open combo or time editor keeps its Esc
        self._fill_types()
        self.reload()

    @staticmethod
    def _steady_labels(form: QFormLayout) -> None:
        """Every label as wide as the widest, so the fields stay put when the kind's rows change."""
        labels = [form.itemAt(row, QFormLayout.ItemRole.LabelRole) for row in range(form.rowCount())]
        labels = [item.widget() for item in labels if item is not None and isinstance(item.widget(), QLabel)]
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)

    def new_rule(self) -> None:
        """An empty form for a new rule; no rule of the list stays highlighted."""
        self.rules.blockSignals(True)
        self.rules.setCurrentRow(-1)
        self.rules.clearSelection()
        self.rules.blockSignals(False)
        self._show(None)
        self.name.setFocus()
        self.name.selectAll()

    def _fill_types(self) -> None:
        self.task_type.addItem("a type for my energy", PICK_ENERGY)
        self.task_type.addItem("the lightest open type", PICK_LIGHT)
        for t in task_store.list_types(self.conn):
            self.task_type.addItem(t.label, t.slug)

    # --- the list -------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        problems = self._problems()
        self.rules.blockSignals(True)
        self.rules.clear()
        for rule in store.list_all(self.conn):
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, rule.id)
            if isinstance(rule, Rule):
                problem = (problems.get(rule.id) or rule.incomplete() or self._idle_problem(rule)
                           or self._calendar_problem(rule) or None)
                item.setText(rule.name + (f"  ⚠ {mark(problem)}" if problem else ""))
                item.setToolTip(f"{rule.condition.describe()} → {rule.suggestion.describe()}" + (f"\n{problem}" if problem else ""))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if rule.enabled else Qt.CheckState.Unchecked)
            else:
                item.setText(f"{rule.name}  ⚠ damaged")
                item.setToolTip(rule.reason)
            self.rules.addItem(item)
        self.rules.blockSignals(False)
        ids = [self.rules.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.rules.count())]
        wanted = select if select in ids else (ids[0] if ids else None)
        if wanted is not None:
            self.rules.setCurrentRow(ids.index(wanted))
        self._show(wanted)

    def _calendar_problem(self, rule: Rule) -> str | None:
        if rule.kind != "calendar" or rule.incomplete():
            return None
        found = self.checks.result(rule)
        if found is None:
            self.checks.ask(rule)
            return None
        return found[1]

    def _checked(self, rule_id: str, condition: object, _times: object, _problem: object) -> None:
        """A calendar check arrived: mark its list line, and show it if its rule is in the form."""
        rule = store.get(self.conn, rule_id)
        if not isinstance(rule, Rule) or rule.condition != condition:
            return
        for i in range(self.rules.count()):
            item = self.rules.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == rule_id:
                problem = self._problems().get(rule_id) or self._calendar_problem(rule)
                self.rules.blockSignals(True)
                item.setText(rule.name + (f"  ⚠ {mark(problem)}" if problem else ""))
                item.setToolTip(f"{rule.condition.describe()} → {rule.suggestion.describe()}" + (f"\n{problem}" if problem else ""))
                self.rules.blockSignals(False)
        if self.current == rule_id:
            self._preview(rule)

    def _idle_problem(self, rule: Rule) -> str | None:
        if rule.kind != "idle":
            return None
        if self._idle_ok is None:  # asked once per window, and only when an idle rule is shown
            self._idle_ok = self._idle_available()
        return None if self._idle_ok else NOT_AVAILABLE

    def _toggled(self, item: QListWidgetItem) -> None:
        rule_id = item.data(Qt.ItemDataRole.UserRole)
        on = item.checkState() == Qt.CheckState.Checked
        rule = store.get(self.conn, rule_id)
        if on and isinstance(rule, Rule) and rule.incomplete():
            self.reload(rule_id)
            self._say(f"{rule.name} is {rule.incomplete()}.", error=True)
            return
        store.set_enabled(self.conn, rule_id, on)
        self.rules_changed.emit()
        self.reload(rule_id)

    # --- the form ---------------------------------------------------------------------------------

    def _show(self, rule_id: str | None) -> None:
        rule = store.get(self.conn, rule_id) if rule_id else None
        self.current = rule_id if rule is not None else None
        self.delete_button.setEnabled(self.current is not None)
        self._say("")
        if not isinstance(rule, Rule):
            if rule is not None:
                self._say(f"This rule cannot be read ({rule.reason}). Save it anew or delete it.", error=True)
            rule = Rule("new", "New rule", True, core.AtTime((9, 0)), core.Suggestion(10))
            self.current = rule_id if rule_id else None
        c, s = rule.condition, rule.suggestion
        self.name.setText(rule.name)
        self.enabled.setChecked(rule.enabled)
        self.kind.setCurrentIndex([k for k, _ in KINDS].index(c.kind))
        self._kind_changed(self.kind.currentIndex())
        if isinstance(c, core.AtTime):
            self.at.setTime(QTime(*c.at))
        elif isinstance(c, core.Every):
            self.every.setValue(c.minutes)
            self.win_from.setTime(QTime(*c.start))
            self.win_to.setTime(QTime(*c.end))
        elif isinstance(c, core.AfterEvents):
            self.calendar.show_condition(c)
            self.after.setValue(c.after)
            self.work_from.setTime(QTime(*c.work_from))
            self.work_to.setTime(QTime(*c.work_until))
        else:
            self.idle.setValue(c.idle_minutes)
        for i, box in enumerate(self.days):
            box.setChecked(i in getattr(c, "days", core.WEEKDAYS))
        self.minutes.setValue(s.minutes)
        key = s.task_type or (PICK_LIGHT if s.pick == "light" else PICK_ENERGY)
        self.task_type.setCurrentIndex(max(0, self.task_type.findData(key)))
        self.label.setText(s.label)
        self.when_busy.setCurrentIndex(self.when_busy.findData(rule.when_busy))
        self._preview(rule)

    def _kind_changed(self, index: int) -> None:
        kind = KINDS[index][0]
        for key, rows in self.kind_rows.items():
            for _label, widget in rows:
                self.form.setRowVisible(widget, key == kind)
        self.form.setRowVisible(self.days_row, kind != "idle")
        self._source_changed()

    def _source_changed(self, *_args) -> None:
        dav = self.kind.currentData() == "calendar" and self.calendar.caldav_visible()
        self.form.setRowVisible(self.calendar.user, dav)
        self.form.setRowVisible(self.calendar.password, dav)

    def rule_from_form(self) -> Rule:
        """The rule the form describes; ValueError with one line when it does not fit."""
        kind = self.kind.currentData()
        days = frozenset(i for i, box in enumerate(self.days) if box.isChecked())
        if kind != "idle" and not days:
            raise ValueError("choose at least one weekday")
        if kind == "time":
            cond: core.Condition = core.AtTime(hm_of(self.at), days)
        elif kind == "every":
            cond = core.Every(self.every.value(), hm_of(self.win_from), hm_of(self.win_to), days)
        elif kind == "calendar":
            cond = self.calendar.condition(self.after.value(), hm_of(self.work_from), hm_of(self.work_to), days)
        else:
            cond = core.BackAtDesk(self.idle.value())
        pick = self.task_type.currentData()
        suggestion = core.Suggestion(self.minutes.value(), pick if pick not in (PICK_ENERGY, PICK_LIGHT) else None,
                                     None, None, self.label.text().strip(), "light" if pick == PICK_LIGHT else "energy")
        rule = Rule(self.current or "new", self.name.text().strip(), self.enabled.isChecked(), cond, suggestion,
                    self.when_busy.currentData())
        if rule.enabled and rule.incomplete():
            raise ValueError(f"{rule.name} is {rule.incomplete()}; choose the file or switch the rule off")
        return rule

    def save(self) -> bool:
        try:
            rule = self.rule_from_form()
        except ValueError as exc:
            self._say(str(exc)[:1].upper() + str(exc)[1:] + ".", error=True)
            return False
        try:
            if isinstance(rule.condition, core.AfterEvents):
                self.calendar.store_password(rule.condition)
        except ValueError as exc:
            self._say(str(exc)[:1].upper() + str(exc)[1:] + ".", error=True)
            return False
        existing = store.get(self.conn, self.current) if self.current else None
        if existing is None:
            rule = store.new_rule(rule.name, rule.condition, rule.suggestion, enabled=rule.enabled,
                                  when_busy=rule.when_busy)
            store.add(self.conn, rule, self.now_utc())
        else:
            store.update(self.conn, rule)
        self.rules_changed.emit()
        self.reload(rule.id)
        if not self.message.text():
            self._say("Saved.")
        return True

    def delete_current(self) -> None:
        removed = store.get(self.conn, self.current) if self.current is not None else None
        if self.current is not None and store.remove(self.conn, self.current):
            if isinstance(removed, Rule) and removed.kind == "calendar" and removed.condition.source == "caldav":  # type: ignore[union-attr]
                from microsession.schedule.caldav_source import forget_unused_password

                forget_unused_password(self.conn, removed)
            self.rules_changed.emit()
            self.reload()

    def _preview(self, rule: Rule) -> None:
        problem = self._problems().get(rule.id) if rule.kind != "calendar" else None
        if rule.kind == "calendar" and not rule.incomplete():
            found = self.checks.result(rule)
            if found is None:
                self.checks.ask(rule)
                self.preview.setText("Reading the calendar…")
                self.preview.setStyleSheet("")
                return
            times, why = found
        else:
            times, why = jobs.preview(rule, self.tz, self.now_utc(), 5)
        if rule.kind == "idle":
            why = self._idle_problem(rule) or why
        if times:
            self.preview.setText("Next:\n" + "\n".join(t.astimezone(self.tz).strftime("%a %d %b %H:%M") for t in times)
                                 + (f"\n{why[:1].upper() + why[1:]}" if why else ""))
        else:
            self.preview.setText("No fire times ahead" if not why else why[:1].upper() + why[1:])
        broken = bool(why) and (why.startswith(("broken", "incomplete")) or why == NOT_AVAILABLE) or bool(problem)
        self.preview.setStyleSheet("color: #c0392b;" if broken else "")

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c0392b;" if error else "")
