"""The shell's voice: the timer's notifications, the chime, one-off notices and offers.

A mixin of Shell (it uses the shell's controller `c`, `tray`, `habit`, `triggers` and
`open_window`): kept apart so that each file stays readable on its own.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from microsession.core.settings import in_quiet_hours
from microsession.trace import trace

if TYPE_CHECKING:
    from microsession.ui.session.notify import Notifier


class Voice:
    """Notifications: the timer's own (`notifier`, replaced as the session moves on) and
    `notices` (one-off sentences and offers, which never replace the timer's)."""

    @property
    def notifier(self) -> Notifier:
        if self._notifier is None:
            from microsession.ui.session.notify import make_notifier

            self._notifier = make_notifier(self.tray.icon if self.tray else None, self)
            self._notifier.action_invoked.connect(self.on_notification_action)
        return self._notifier

    def announce(self, summary: str, body: str, actions: list[tuple[str, str]] | None = None) -> None:
        """A transition of the timer, as the notification style asks: with its buttons (full),
        without (quiet), or not at all (none: the ring and the tray say it)."""
        style = self.c.settings.notification_style
        trace("announce", summary=summary, style=style)
        if style == "none":
            return
        self.notifier.notify(summary, body, actions if style == "full" and actions else [])

    def chime(self) -> None:
        s = self.c.settings
        local_hour = self.c.clock.now_utc().astimezone().hour
        if not s.chime or s.notification_style != "full" or in_quiet_hours(s, local_hour):
            return
        if self._chime is None:
            from microsession.ui.session.chime import Chime

            self._chime = Chime()
        if self._chime.available:
            self._chime.play(self.c.settings.chime_volume)
        elif not self._told_silent:
            self._told_silent = True
            self.tell(self._chime.reason)

    @property
    def notices(self) -> Notifier:
        """The second notifier: one-off notices and offers (the timer's own is never replaced)."""
        if self._notices is None:
            from microsession.ui.session.notify import make_notifier

            self._notices = make_notifier(self.tray.icon if self.tray else None, self)
            self._notices.action_invoked.connect(self.on_notice_action)
        return self._notices

    def tell(self, message: str) -> None:
        """One calm sentence, in its own notification."""
        trace("notice", message=message)
        if self.notices.backend != "none":
            self.notices.notify("Micro-Session", message)
        else:
            print(f"microsession: {message}", file=sys.stderr)

    def offer(self, title: str, body: str, actions: list[tuple[str, str]]) -> None:
        """A question the user may answer later, or never (the daily goal, a suggestion)."""
        trace("offer", title=title)
        self.notices.notify(title, body, actions)

    def on_notice_action(self, key: str) -> None:
        trace("notice_action", key=key)
        self.notices.close()
        if key.startswith("goal_"):
            self.habit.answer(key)
        elif key.startswith("trigger_"):
            self.triggers.answer(key)
        elif key == "review":
            self.open_window("review")

    def remind_review(self) -> None:
        self.offer("Weekly review", "Your week in a minute: sessions, focus, and what works for you.",
                   [("review", "Open the review")])

    def acknowledge(self, text: str) -> None:
        """A calm line after a completed session: in the tooltip, never a pop-up of its own."""
        trace("acknowledged", text=text)
        if self.tray is not None:
            self.tray.note = text
            self.tray.refresh()
