"""Time sources for the engine.

Two readings are needed: `now_utc()` for what is stored and shown as a date, and
`elapsed()` for what is left of a session. `elapsed()` must keep running while the
machine is suspended (a 25-minute sprint that spans a 10-minute suspend ends on time)
and must not jump when the user or NTP sets the wall clock.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now_utc(self) -> datetime:
        """Aware UTC wall time."""

    def elapsed(self) -> float:
        """Seconds on a clock that runs through suspend and ignores wall-clock changes."""


def local_offset_s(moment: datetime) -> int:
    """The local UTC offset in seconds at `moment` (aware), as the OS sees it now."""
    offset = moment.astimezone().utcoffset()
    return int(offset.total_seconds()) if offset else 0


class SystemClock:
    """The real clock: CLOCK_BOOTTIME on Linux, a suspend-aware monotonic clock elsewhere.

    Python's time.monotonic() stops during suspend on Linux and macOS. Linux has
    CLOCK_BOOTTIME; macOS' CLOCK_MONOTONIC (clock_gettime) counts sleep; Windows'
    monotonic clock (QueryPerformanceCounter) counts sleep too.
    """

    def __init__(self) -> None:
        if sys.platform.startswith("linux") and hasattr(time, "CLOCK_BOOTTIME"):
            clk = time.CLOCK_BOOTTIME
            self._read = lambda: time.clock_gettime(clk)
        elif sys.platform == "darwin":
            clk = time.CLOCK_MONOTONIC
            self._read = lambda: time.clock_gettime(clk)
        elif sys.platform == "win32":
            self._read = time.monotonic
        else:
            self._read = WallJumpClock().elapsed

    def now_utc(self) -> datetime:
        return datetime.now(timezone.utc)

    def elapsed(self) -> float:
        return self._read()


class WallJumpClock:
    """Fallback for systems without a suspend-aware clock: wall time, jumps detected.

    Between two readings, the wall clock and time.monotonic() should advance alike. If
    the wall clock advanced much more, the machine slept (count it); if it went back or
    ran ahead while monotonic kept pace, someone set the clock (ignore it). Call often
    (the UI does, at least every 30 s while a session runs) for good detection.
    """

    _SLACK = 2.0

    def __init__(self) -> None:
        self._last_wall = time.time()
        self._last_mono = time.monotonic()
        self._total = 0.0

    def elapsed(self) -> float:
        wall, mono = time.time(), time.monotonic()
        d_wall, d_mono = wall - self._last_wall, mono - self._last_mono
        # Suspend: monotonic stood still while wall time moved on. A clock change happens
        # with monotonic still advancing normally, so it shows as d_wall far from d_mono
        # while d_mono is itself large; we cannot tell those apart perfectly, so only a
        # forward wall step while monotonic barely moved counts as sleep.
        if d_wall > d_mono + self._SLACK and d_mono < self._SLACK:
            self._total += d_wall
        else:
            self._total += d_mono
        self._last_wall, self._last_mono = wall, mono
        return self._total


class ScaledClock:
    """Runs another clock `scale` times faster, for demos and end-to-end tests.

    Both readings are scaled from the moment of creation, so stored times stay consistent
    with the remaining time the user sees.
    """

    def __init__(self, base: Clock, scale: float) -> None:
        self._base = base
        self._scale = scale
        self._wall0 = base.now_utc()
        self._el0 = base.elapsed()

    def elapsed(self) -> float:
        return self._el0 + (self._base.elapsed() - self._el0) * self._scale

    def now_utc(self) -> datetime:
        return self._wall0 + timedelta(seconds=self.elapsed() - self._el0) + self._wall_drift()

    def _wall_drift(self) -> timedelta:
        # Wall-clock changes of the real clock still show (e.g. the user sets the time).
        real = self._base.now_utc() - self._wall0
        real_el = timedelta(seconds=self._base.elapsed() - self._el0)
        return real - real_el


class FakeClock:
    """A clock for tests: time moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._wall = start or datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
        self._elapsed = 1000.0

    def now_utc(self) -> datetime:
        return self._wall

    def elapsed(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        """Time passes normally (also: a suspend, since our elapsed clock counts it)."""
        self._wall += timedelta(seconds=seconds)
        self._elapsed += seconds

    def set_wall(self, wall: datetime) -> None:
        """The user or NTP changes the wall clock; elapsed time is untouched."""
        self._wall = wall
