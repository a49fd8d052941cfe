"""The pending suggestion of a fired trigger rule: what the notification and the tray menu show.

One at a time: a new offer replaces the pending one. Start hands it to whoever starts
sessions (start_requested); Snooze offers it again after N minutes (one single-shot timer,
only while snoozed); Dismiss drops it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from microsession.trace import trace

if TYPE_CHECKING:  # not imported at run time: the app may build this at start-up for nothing
    from microsession.core.triggers import Offer

SNOOZE_MINUTES = 10
# The notification's actions; answer(key) acts on them (keys never clash with the shell's own).
ACTIONS = [("trigger_start", "Start"), ("trigger_snooze", f"Snooze {SNOOZE_MINUTES} min"), ("trigger_dismiss", "Dismiss")]


class Suggestions(QObject):
    offered = Signal(object)  # the Offer just made pending: show a notification
    changed = Signal()  # pending changed (offered, started, snoozed, dismissed): rebuild menus
    start_requested = Signal(object)  # the Offer to start now

    def __init__(self, parent: QObject | None = None, *, snooze_ms_per_minute: int = 60_000) -> None:
        super().__init__(parent)
        self.pending: Offer | None = None
        self.snoozed: Offer | None = None
        self._ms_per_minute = snooze_ms_per_minute  # tests: a minute in a few ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._snooze_over)

    def offer(self, offer: Offer) -> None:
        """Make an offer pending (replacing any other, a snoozed one too)."""
        self._timer.stop()
        self.snoozed = None
        self.pending = offer
        trace("suggestion_offered", rule=offer.rule_id)
        self.offered.emit(offer)
        self.changed.emit()

    def start(self) -> None:
        offer = self._take()
        if offer is not None:
            self.start_requested.emit(offer)

    def snooze(self, minutes: int = SNOOZE_MINUTES) -> None:
        offer = self._take()
        if offer is not None:
            self.snoozed = offer
            self._timer.start(max(1, int(minutes * self._ms_per_minute)))

    def dismiss(self) -> None:
        self._take()

    def answer(self, key: str) -> bool:
        """A notification action (ACTIONS' keys); False for a key that is not ours."""
        act = {"trigger_start": self.start, "trigger_snooze": self.snooze, "trigger_dismiss": self.dismiss}.get(key)
        if act is not None:
            act()
        return act is not None

    def notification(self) -> tuple[str, str, list[tuple[str, str]]] | None:
        """(title, body, actions) of the pending suggestion's notification, or None."""
        if self.pending is None:
            return None
        return self.pending.rule_name, self.pending.text().split(": ", 1)[-1], list(ACTIONS)

    def menu_text(self) -> str | None:
        """The tray menu's line for the pending suggestion, or None."""
        return f"Suggested: {self.pending.text()}" if self.pending is not None else None

    def _take(self) -> Offer | None:
        offer, self.pending = self.pending, None
        if offer is not None:
            self.changed.emit()
        return offer

    def _snooze_over(self) -> None:
        offer, self.snoozed = self.snoozed, None
        if offer is not None:
            self.offer(offer)
