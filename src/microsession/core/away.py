"""Away in the middle of a focus session: the question, and what each answer does to the row.

The screen locked or the machine slept while a focus session ran; back after more than a
few minutes, the user is asked once: count the time away as a break, keep it as focus, or
drop the session. For a session still running, "break" is a pause that began when the user
left (the deadline moves on by it); for one that ended meanwhile, `corrected` gives the
focus time and outcome to store. A dropped session is kept (nothing is deleted) with no
focus time, as stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

ANSWERS = ("break", "focus", "drop")
CHOICES = (("away_break", "Count as break"), ("away_focus", "Keep as focus"), ("away_drop", "Drop session"))


@dataclass(frozen=True)
class Away:
    """Time away from a focus session: `seconds` of it inside the session."""

    session_id: str
    seconds: float

    @property
    def minutes(self) -> int:
        return max(1, round(self.seconds / 60))

    def question(self) -> str:
        return f"Away {self.minutes} min — count it as a break, keep it as focus, or drop the session?"

    def ring_text(self) -> str:
        """The ring's one line (180 px): its menu (right-click) holds the three answers."""
        return f"Away {self.minutes} min — right-click"


def overlap(away_s: float, left_s: float, ended: bool) -> float:
    """Seconds of `away_s` (on the elapsed clock: a wall clock set while asleep does not count)
    inside the session, which had `left_s` to go when the user left and may have ended meanwhile
    (at its deadline: nothing can pause it while nobody is there)."""
    return max(0.0, min(away_s, left_s) if ended else away_s)


def corrected(focused_s: float, outcome: str, away_s: float, answer: str) -> tuple[float, str]:
    """The focus time and outcome of an *ended* session after the answer."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}")
    if answer == "focus":
        return focused_s, outcome
    if answer == "drop":
        return 0.0, "stopped"
    left = max(0.0, focused_s - away_s)
    return round(left, 3), "stopped" if outcome == "completed" and away_s > 0 else outcome
