"""The trigger editor's calendar part: where the events come from (an .ics file, a
subscription address, a CalDAV account with its password for the keyring), which events
count; and the check of a calendar rule, run by a worker thread in a child process
(reading, fetching and expanding never happen on the UI thread, nor hold its GIL) with its
result as a queued signal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QLineEdit, QPushButton, QWidget

from microsession.core import triggers as core
from microsession.ui.windows.trigger_widgets import pair

SOURCES = (("file", "an .ics file"), ("url", "a subscription address (https://…)"), ("caldav", "a CalDAV account"))
HINTS = {"file": "an .ics file, e.g. exported from your calendar",
         "url": "the secret iCal address, e.g. https://calendar.google.com/calendar/ical/…/basic.ics",
         "caldav": "the server, e.g. https://cloud.example.org/remote.php/dav"}


class CalendarFields(QObject):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.source = QComboBox()
        for key, label in SOURCES:
            self.source.addItem(label, key)
        self.source.setAccessibleName("Calendar source")
        self.path, self.browse = QLineEdit(), QPushButton("Choose…")
        self.path.setAccessibleName("Calendar file or address")
        self.browse.clicked.connect(self._choose_file)
        self.user, self.password = QLineEdit(), QLineEdit()
        self.user.setAccessibleName("CalDAV user name")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("kept in the system keyring; empty: keep the stored one")
        self.password.setAccessibleName("CalDAV password")
        self.skip_free = QCheckBox("Skip events marked free")
        self.skip_free.setChecked(True)
        self.me = QLineEdit()
        self.me.setPlaceholderText("optional: your e-mail addresses, to skip events you declined")
        self.me.setAccessibleName("Your e-mail addresses")
        self.where = pair(self.path, self.browse)
        self.source.currentIndexChanged.connect(self._source_changed)
        self._source_changed()

    def rows(self) -> list[tuple[str, QWidget]]:
        return [("Calendar from", self.source), ("Calendar", self.where), ("User", self.user),
                ("Password", self.password), ("Events", self.skip_free), ("You", self.me)]

    def _source_changed(self, *_args) -> None:
        key = self.source.currentData()
        self.path.setPlaceholderText(HINTS[key])
        self.browse.setVisible(key == "file")

    def caldav_visible(self) -> bool:
        return self.source.currentData() == "caldav"

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Calendar file", self.path.text(),
                                              "Calendars (*.ics);;All files (*)")
        if path:
            self.path.setText(path)

    def show_condition(self, c: core.AfterEvents) -> None:
        self.source.setCurrentIndex(max(0, self.source.findData(c.source)))
        self.path.setText(c.path)
        self.user.setText(c.user)
        self.password.clear()
        self.skip_free.setChecked(c.skip_free)
        self.me.setText(", ".join(sorted(c.me)))

    def condition(self, after: int, work_from: core.HM, work_until: core.HM, days: frozenset[int]) -> core.AfterEvents:
        text = self.path.text().strip()
        source = self.source.currentData()
        if source == "file" and core.calendar_source_of(text) == "url":
            source = "url"  # an address pasted into the file field
        me = frozenset(filter(None, (m.strip() for m in self.me.text().split(","))))
        return core.AfterEvents(text, after, work_from, work_until, days, source,
                                self.user.text().strip() if source == "caldav" else "", self.skip_free.isChecked(), me)

    def store_password(self, cond: core.AfterEvents) -> None:
        """Put a typed password into the keyring (ValueError with one line if it cannot be kept safely)."""
        secret = self.password.text()
        if cond.source != "caldav" or not secret:
            return
        from microsession.schedule import caldav_source
        from microsession.schedule.calendar import CalendarError

        try:
            caldav_source.save_password(cond.path, cond.user, secret)
        except CalendarError as exc:
            raise ValueError(str(exc)) from None
        self.password.clear()


class CalendarChecks(QObject):
    """Next fire times and the problem of calendar rules, computed on worker threads."""

    done = Signal(str, object, object, object)  # rule id, condition, fire times, problem

    def __init__(self, tz: tzinfo, now_utc: Callable[[], datetime], folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tz, self.now_utc, self.folder = tz, now_utc, folder
        self.results: dict[str, tuple] = {}  # rule id -> (condition, times, problem)
        self._asked: set[tuple[str, object]] = set()
        self.done.connect(self._keep)

    def result(self, rule: core.Rule) -> tuple[list[datetime], str | None] | None:
        found = self.results.get(rule.id)
        return (found[1], found[2]) if found is not None and found[0] == rule.condition else None

    def ask(self, rule: core.Rule) -> None:
        key = (rule.id, rule.condition)
        if key in self._asked:
            return
        self._asked.add(key)
        threading.Thread(target=self._run, args=(rule, self.now_utc()), daemon=True, name="calendar-check").start()

    def _run(self, rule: core.Rule, now: datetime) -> None:
        """In a child process, as the trigger service does (calendar_child says why)."""
        from microsession.schedule import calendar_child

        assert isinstance(rule.condition, core.AfterEvents)
        try:
            specs = [calendar_child.spec(rule.id, rule.condition, self.folder, now, 5, False)]
            times, error, note = calendar_child.read(specs, self.tz)[rule.id]
        except Exception as exc:  # noqa: BLE001 - the check must answer, whatever the calendar
            times, error, note = [], " ".join(str(exc).split())[:120], None
        self.done.emit(rule.id, rule.condition, times, f"broken: {error}" if error else note)

    def _keep(self, rule_id: str, condition: object, times: object, problem: object) -> None:
        self.results[rule_id] = (condition, times, problem)
        self._asked.discard((rule_id, condition))
