"""Away in the middle of a focus session: noticed, asked about once, and the answer logged.

The screen locks or the machine sleeps while a focus session runs (away_bus.AwaySignals);
on return after more than `away_ask_minutes`, one calm question — as a notification with
three buttons, on the ring, and at the top of the menu: "Away 40 min — count it as a break,
keep it as focus, or drop the session?". The answer goes to the session's row (core.away);
no answer keeps it as focus. Built on the first focus session (start-up memory).
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from microsession.core.away import CHOICES, Away, overlap
from microsession.core.session import State
from microsession.store import away as away_store
from microsession.trace import trace
from microsession.ui.session.away_bus import AwaySignals


class AwayWatch(QObject):
    def __init__(self, shell) -> None:
        super().__init__(shell)
        self.shell, self.c = shell, shell.c
        self._since: tuple[str, float, float] | None = None  # (session id, elapsed clock, time left) when the user left
        self.pending: Away | None = None  # asked, not answered yet
        self._hint_before = ""
        self.why = ""  # what told us the user left: sleep | lock | screensaver
        self.signals = AwaySignals(self)
        self.signals.away.connect(self.left)
        self.signals.back.connect(self.came_back)
        self.c.started.connect(self._on_started)
        trace("away_watching", sources=self.signals.sources)

    @property
    def away(self) -> bool:
        return self._since is not None

    def left(self, why: str) -> None:
        e = self.c.engine
        if self._since is None and e.state is State.RUNNING and e.current is not None and e.current.kind.is_focus:
            self._since, self.why = (e.current.id, self.c.clock.elapsed(), e.remaining()), why
            trace("away_left", why=why, id=e.current.id)

    def came_back(self, why: str) -> None:
        if self._since is None:
            return
        session_id, since_el, left_s = self._since
        self._since = None
        self.c.wake()  # a deadline that passed while away ends the session first (at its deadline)
        e = self.c.engine
        ended = e.last_ended is not None and e.last_ended.session.id == session_id
        if not ended and (e.current is None or e.current.id != session_id):
            trace("away_back", why=why, id=session_id, away_s=None)
            return  # stopped or moved on meanwhile (a stack's break): nothing to ask
        seconds = overlap(self.c.clock.elapsed() - since_el, left_s, ended)
        trace("away_back", why=why, id=session_id, away_s=round(seconds, 3))
        limit = self.c.settings.away_ask_minutes * 60
        if not limit or seconds < limit:
            return
        self.pending = away = Away(session_id, seconds)
        self.c.journal.write(lambda conn: away_store.note(conn, session_id, seconds))
        trace("away_asked", id=session_id, away_s=round(seconds, 3))
        self.shell.sync_dnd()  # do not disturb off while we ask
        self.shell.offer("Welcome back", away.question(), list(CHOICES))
        ring = self.shell._ring
        if ring is not None:
            self._hint_before = getattr(ring, "_hint", "")
            ring.set_hint(away.ring_text())

    def menu_picks(self) -> list[tuple[str, object]]:
        if self.pending is None:
            return []
        m = self.pending.minutes
        return [(f"Away {m} min: {label.lower()}", lambda k=key: self.answer(k)) for key, label in CHOICES]

    def answer(self, key: str) -> None:
        away, answer = self.pending, key.removeprefix("away_")
        if away is None or answer not in ("break", "focus", "drop"):
            trace("stale_action", key=key)
            return
        self._forget()
        sid, seconds = away.session_id, away.seconds
        e = self.c.engine
        if e.current is not None and e.current.id == sid:  # still running
            if answer == "drop":
                self.c.stop()
                if self.shell.popup_visible():
                    self.shell.popup.skip()  # no log asked for a session that does not count
            else:
                if answer == "break":
                    self.c.count_away(seconds)
                self.c.journal.write(lambda conn: away_store.answer_running(conn, sid, seconds, answer))
        if e.current is None or e.current.id != sid:  # ended (now or before)
            self.c.journal.write(lambda conn: away_store.answer_ended(conn, sid, seconds, answer))
        trace("away_answered", id=sid, answer=answer, away_s=round(seconds, 3))

    def _on_started(self, info) -> None:
        if self.pending is not None and info.id != self.pending.session_id:
            trace("away_unanswered", id=self.pending.session_id)
            self._forget()  # the moment has passed: kept as focus

    def _forget(self) -> None:
        self.pending = None
        self.shell.notices.close()
        ring = self.shell._ring
        if ring is not None:
            ring.set_hint(self._hint_before)
        self.shell.sync_dnd()
