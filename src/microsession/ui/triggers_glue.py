"""Environmental triggers in the shell (F9, F10): the service, its suggestion, its window.

The trigger service (APScheduler, calendars, idle time) runs only while a rule is enabled;
`start()` is called a few seconds after start-up and again when the editor changes rules.
A suggestion shows as a notification (Start / Snooze 10 min / Dismiss) and as the tray
menu's first lines until it is answered. Its session starts through the shell like any other.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from microsession.core.session import State
from microsession.trace import trace

if TYPE_CHECKING:
    from microsession.core.triggers import Offer
    from microsession.schedule.service import TriggerService
    from microsession.ui.shell_api import ShellApi


class TriggerGlue(QObject):
    def __init__(self, shell: ShellApi) -> None:
        super().__init__()
        self.shell, self.c = shell, shell.c
        self.service: TriggerService | None = None
        self._suggestions = None  # made with the service (or by a test): nothing to offer before
        self.c.focus_ended.connect(lambda _ended: self.service and self.service.focus_ended())

    @property
    def suggestions(self):
        if self._suggestions is None:
            from microsession.ui.tray.suggestions import Suggestions

            self._suggestions = Suggestions(self)
            self._suggestions.offered.connect(self._offered)
            self._suggestions.start_requested.connect(self.start_offer)
        return self._suggestions

    def _focus_running(self) -> bool:
        return self.c.engine.state in (State.RUNNING, State.PAUSED)

    def start(self) -> None:
        """Start the service if a rule is enabled (or rebuild its jobs after an edit)."""
        if self.shell.conn is None:
            return
        from microsession.schedule.start import refresh

        had = self.service
        try:
            self.service = refresh(self.service, self.shell.conn, self.c.clock, self._focus_running,
                                   settings=lambda: self.c.settings)
        except sqlite3.Error as exc:
            self.shell.tell(f"Your reminder rules cannot be read right now ({exc}).")
            return
        if self.service is not None and self.service is not had:
            self.service.suggested.connect(self.suggestions.offer)
            service = self.service
            service.calendars_read.connect(lambda: trace("calendars_read", problems=sorted(service.problems.values())))
            trace("triggers_running")

    def shutdown(self) -> None:
        if self.service is not None:
            self.service.shutdown()

    def _offered(self, _offer: Offer) -> None:
        note = self.suggestions.notification()
        if note is not None:
            self.shell.offer(*note)

    def answer(self, key: str) -> bool:
        return self._suggestions is not None and self._suggestions.answer(key)

    def menu_picks(self) -> list[tuple[str, object]]:
        if self._suggestions is None:
            return []
        text = self.suggestions.menu_text()
        if text is None:
            return []
        return [(text, self.suggestions.start), ("Snooze 10 min", self.suggestions.snooze),
                ("Dismiss suggestion", self.suggestions.dismiss)]

    def start_offer(self, offer: Offer) -> None:
        """Start what a suggestion names: a stack, a task, a batch of a type, or a plain session."""
        trace("suggestion_started", rule=offer.rule_id)
        s = self.shell
        if offer.stack:
            s.try_start(s.start_stack, offer.stack)
        elif offer.task_id:
            s.try_start(s.start_task, offer.task_id)
        elif offer.task_type and any(slug == offer.task_type for slug, _, _ in s.starts.batch_types()):
            s.try_start(lambda t: s.starts.start_batch(t, offer.minutes), offer.task_type)
        else:
            s.try_start(s.start_minutes, offer.minutes)

    def window(self):
        from microsession.ui.windows.triggers_window import TriggersWindow

        window = TriggersWindow(self.shell.conn, self.c.clock.now_utc,
                                problems=lambda: self.service.problems if self.service else {})
        window.rules_changed.connect(self.start)
        window.peak_hours_accepted.connect(
            lambda hours: self.c.set_settings(replace(self.c.settings, peak_hours=hours)))
        return window
