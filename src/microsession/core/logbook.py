"""The end-of-session log: what the popup asks, validated."""

from __future__ import annotations

from dataclasses import dataclass

MAX_TEXT = 2000


@dataclass(frozen=True)
class SessionLog:
    stopped_at: str = ""
    next_step: str = ""
    energy: int | None = None  # 1..5, None = not answered
    finished: bool = False
    interrupted: bool = False

    def __post_init__(self) -> None:
        if self.energy is not None and not (isinstance(self.energy, int) and 1 <= self.energy <= 5):
            raise ValueError("energy must be 1 to 5")
        for text in (self.stopped_at, self.next_step):
            if len(text) > MAX_TEXT:
                raise ValueError(f"a log text is limited to {MAX_TEXT} characters")
