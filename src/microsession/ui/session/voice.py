"""The shell's voice: the timer's notifications, the chime, one-off notices and offers.

A mixin of Shell (it uses the shell's controller `c`, `tray`, `habit`, `triggers` and
`open_window`): kept apart so that each file stays readable on its own.

Each timer announcement carries `valid`, a test of whether its moment still holds ("Session
done" while that session waits for its break, "Break over" until a session starts): once it
fails the notification is closed, and an action still clicked on it is ignored. Do not disturb
(the setting) is on while a focus session runs, and put back before its end is announced.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from microsession.core.session import State
from microsession.core.settings import in_quiet_hours
from microsession.trace import trace

if TYPE_CHECKING:
    from microsession.ui.session.dnd import DoNotDisturb
    from microsession.ui.session.notify import Notifier


def _PASSED() -> bool:  # noqa: N802 - the moment of a notification closed as stale
    return False


class Moments:
    """Tests of "this notification's moment still holds", made when it is announced."""

    def __init__(self, c) -> None:
        self.c = c
        self.starts = 0  # sessions and breaks started so far (the controller's `started`)
        c.started.connect(self._count)

    def _count(self, _info) -> None:
        self.starts += 1

    def finished(self, session_id: str) -> Callable[[], bool]:
        """While that focus session waits for its break (Start break / Skip break)."""
        e = self.c.engine
        return lambda: e.state is State.FINISHED and e.last_ended is not None and e.last_ended.session.id == session_id

    def running(self, session_id: str) -> Callable[[], bool]:
        e = self.c.engine
        return lambda: e.state is State.RUNNING and e.current is not None and e.current.id == session_id

    def no_start(self, allowed: int = 0) -> Callable[[], bool]:
        """Until a session or break starts (more than `allowed` of them, e.g. a stack's next step)."""
        n = self.starts + allowed
        return lambda: self.starts <= n


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

    def announce(self, summary: str, body: str, actions: list[tuple[str, str]] | None = None,
                 valid: Callable[[], bool] | None = None) -> None:
        """A transition of the timer, as the notification style asks: with its buttons (full),
        without (quiet), or not at all (none: the ring and the tray say it). `valid`: whether
        its moment still holds (see the module's docstring)."""
        style = self.c.settings.notification_style
        sound, self._server_sound = self._server_sound, False
        trace("announce", summary=summary, style=style)
        self._valid = valid
        if style == "none":
            return
        self.notifier.notify(summary, body, actions if style == "full" and actions else [], sound=sound)

    def drop_stale(self) -> None:
        """Close the timer's notification once its moment has passed (on every change)."""
        if self._valid is not None and self._valid is not _PASSED and not self._valid():
            self._valid = _PASSED  # its late actions are still ignored
            trace("notification_stale")
            if self._notifier is not None:
                self._notifier.close()

    def stale(self, key: str) -> bool:
        """An action of a notification whose moment has passed: ignored."""
        if self._valid is not None and not self._valid():
            trace("stale_action", key=key)
            return True
        return False

    @property
    def dnd(self) -> DoNotDisturb:
        if self._dnd is None:
            from microsession.ui.session.dnd import DoNotDisturb

            self._dnd = DoNotDisturb(self.hooks.folder, self.tell)
        return self._dnd

    def sync_dnd(self) -> None:
        """Do not disturb on while a focus session runs (if the setting asks), off otherwise."""
        e = self.c.engine
        on = (self.c.settings.dnd_while_focusing and e.state is State.RUNNING
              and e.current is not None and e.current.kind.is_focus
              and (self._away is None or self._away.pending is None))  # our question must get through
        if on or self._dnd is not None:
            self.dnd.want(on)

    def watch_away(self, info) -> None:
        """From the first focus session on: notice time away (screen locked, asleep)."""
        if self._away is None and info.kind.is_focus and self.c.settings.away_ask_minutes > 0:
            from microsession.ui.session.away import AwayWatch

            self._away = AwayWatch(self)

    def away_picks(self) -> list:
        return self._away.menu_picks() if self._away is not None else []

    def release_dnd(self) -> None:
        """Quitting (menu, `quit`, SIGTERM): the desktop as it was."""
        if self._dnd is not None:
            self._dnd.want(False)

    def chime(self) -> None:
        s = self.c.settings
        local_hour = self.c.clock.now_utc().astimezone().hour
        if not s.chime or s.notification_style != "full" or in_quiet_hours(s, local_hour):
            return
        if self.dnd.desktop_quiet():  # the user's do-not-disturb: no sound from us either
            trace("chime_held", why="dnd")
            return
        if self._chime is None:
            from microsession.ui.session.chime import Chime

            self._chime = Chime()
        if self._chime.available:
            self._chime.play(self.c.settings.chime_volume)
            return
        self._server_sound = True  # the notification server may play its own sound instead
        if not self._told_silent:
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
        elif key.startswith("away_") and self._away is not None:
            self._away.answer(key)

    def remind_review(self) -> None:
        self.offer("Weekly review", "Your week in a minute: sessions, focus, and what works for you.",
                   [("review", "Open the review")])

    def acknowledge(self, text: str) -> None:
        """A calm line after a completed session: in the tooltip, never a pop-up of its own."""
        trace("acknowledged", text=text)
        if self.tray is not None:
            self.tray.note = text
            self.tray.refresh()
