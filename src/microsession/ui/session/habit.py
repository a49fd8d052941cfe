"""The habit loop in the shell (F13): "Today: 4 / 5" in the menu, a calm acknowledgement in
the tooltip after each completed session, and the gentle offer to raise the daily goal.

The offer comes at most once a day, only after the goal has been met seven days in a row,
and is never applied by itself; "Not now" is remembered (setting goal_offer_declined_on),
so it comes back only after another seven met days.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from PySide6.QtCore import QObject

from microsession.core.clock import local_offset_s
from microsession.core.events import Ended, Outcome
from microsession.store import settings as settings_store
from microsession.trace import trace
from microsession.ui.session.controller import Controller

DECLINED_KEY = "goal_offer_declined_on"  # ISO date; kept beside the settings, not one of them

Offer = Callable[[str, str, list[tuple[str, str]]], None]  # title, body, actions (key, label)


class HabitLoop(QObject):
    def __init__(self, controller: Controller, conn: sqlite3.Connection | None, offer: Offer,
                 acknowledge: Callable[[str], None]) -> None:
        super().__init__()
        self.c, self.conn = controller, conn
        self._offer, self._acknowledge = offer, acknowledge
        self._offered_on: date | None = None
        controller.focus_ended.connect(self.on_focus_ended)

    def _today(self) -> tuple[date, int]:
        now = self.c.clock.now_utc()
        offset = local_offset_s(now)
        return (now + timedelta(seconds=offset)).date(), offset

    def today_count(self) -> int:
        from microsession.store import metrics

        now = self.c.clock.now_utc()
        return metrics.today_count(self.conn, now, local_offset_s(now))

    def status_lines(self) -> list[str]:
        """The menu's lines: "Today: 2 / 3", and the streak when there is one."""
        if self.conn is None:
            return []
        from microsession.core.figures import habits

        try:
            from microsession.store import metrics

            goal = self.c.settings.daily_goal
            line = habits.today_text(self.today_count(), goal)
            run = metrics.streak(self.conn, self._today()[0], goal)
        except sqlite3.Error:
            return []
        return [f"{line} · {run.text}" if run.days >= 2 else line]

    def on_focus_ended(self, ended: Ended) -> None:
        if ended.outcome is not Outcome.COMPLETED or self.conn is None:
            return
        from microsession.core.figures import habits

        try:
            count = self.today_count()
            self._acknowledge(habits.acknowledgement(count, self.c.settings.daily_goal))
            if count >= self.c.settings.daily_goal:
                self._maybe_offer()
        except sqlite3.Error:
            pass  # a read that fails costs the user only a friendly line

    def _maybe_offer(self) -> None:
        from microsession.core.figures import habits
        from microsession.store import metrics

        today, _ = self._today()
        if self._offered_on == today:
            return
        goal = self.c.settings.daily_goal
        stored = settings_store.load(self.conn).get(DECLINED_KEY)
        try:
            declined = date.fromisoformat(stored) if isinstance(stored, str) else None
        except ValueError:
            declined = None
        daily = metrics.daily_counts(self.conn, today - timedelta(days=30), today + timedelta(days=1))
        offer = habits.goal_offer(daily, goal, today, declined)
        if offer is None:
            return
        self._offered_on = today
        trace("goal_offered", goal=offer)
        self._offer("Seven days in a row ✓", f"You met your goal of {goal} sessions every day this week. "
                    f"Make it {offer}?", [("goal_up", f"Make it {offer}"), ("goal_later", "Not now")])

    def answer(self, key: str) -> None:
        """The offer's notification was answered."""
        if self.conn is None:
            return
        try:
            if key == "goal_up":
                from microsession.core.figures.habits import MAX_GOAL

                goal = min(self.c.settings.daily_goal + 1, MAX_GOAL)
                settings_store.save(self.conn, "daily_goal", goal)
                self.c.set_settings(replace(self.c.settings, daily_goal=goal))
                trace("goal_raised", goal=goal)
            elif key == "goal_later":
                settings_store.save(self.conn, DECLINED_KEY, self._today()[0].isoformat())
                trace("goal_declined")
        except sqlite3.Error:
            pass
