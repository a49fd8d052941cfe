"""Text for times, shared by the ring, the tray, notifications and the CLI."""

from __future__ import annotations

import math

from microsession.core.events import Kind


def clock_text(seconds: float) -> str:
    """Time left as the ring shows it: 'm:ss' or 'h:mm:ss', rounded up (0:01 until done)."""
    total = max(0, math.ceil(seconds - 1e-6))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def minutes_text(seconds: float, up: bool = True) -> str:
    """'12 min' / '1 h 30 min'. Time *left* is rounded up (a countdown's "12 min left" until
    11:00); time *spent* (`up=False`) to the nearest minute: 900.0017 s of focus is "15 min"."""
    minutes = max(0, math.ceil(seconds / 60 - 1e-6) if up else math.floor(seconds / 60 + 0.5))
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} h {m} min"
    return f"{h} h" if h else f"{m} min"


def left_text(seconds: float) -> str:
    """Time left, exactly enough to trust: '4 min 30 s' (not '5 min'), '1 h 29 min' from an hour."""
    total = max(0, math.ceil(seconds - 1e-6))
    if total >= 3600 or total % 60 == 0:
        return minutes_text(total - total % 60)  # whole minutes, never more than there is
    m, s = divmod(total, 60)
    return f"{m} min {s} s" if m else f"{s} s"


def count_text(n: int, noun: str) -> str:
    """'1 row' / '2 rows' / '1 task type' ('' for the plural's s: nouns here are regular)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


KIND_LABELS = {Kind.MICRO: "Focus", Kind.DEEP: "Deep work", Kind.BREAK: "Break"}


def kind_for_minutes(minutes: float) -> Kind:
    """Blocks of 90 minutes and more are deep work; shorter ones micro-sessions."""
    return Kind.DEEP if minutes >= 90 else Kind.MICRO


def clip(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut (menu lines, check boxes)."""
    return text if len(text) <= limit else text[:limit - 1] + "…"
