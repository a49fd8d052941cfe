"""A test-only clock that lets a fault test move time under a running app.

app.py wraps its clock in `ShiftedClock` when MICROSESSION_CLOCK_SHIFT_FILE is set. The
file holds a small JSON object, e.g. ``{"wall": 3600, "suspend": 600}`` (seconds, in the
app's own time, i.e. after any time scale):

* ``wall`` moves ``now_utc()`` only: the user or NTP set the wall clock; the elapsed
  clock (what is left of a session) does not notice.
* ``suspend`` moves both clocks forward: the machine slept that long (our elapsed clock
  runs through suspend, so it jumps as well).

The file is read again only when it changes (a stat per reading: fine for tests). Write it
atomically (a temporary file, then os.replace) so the app never reads half of it. A
missing or unreadable file means no shift; a malformed one keeps the last good values.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from microsession.core.clock import Clock


def write_shift(path: Path, wall: float = 0.0, suspend: float = 0.0) -> None:
    """Atomically write a shift file (what a test calls to jump or suspend)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"wall": wall, "suspend": suspend}), encoding="utf-8")
    os.replace(tmp, path)


class ShiftedClock:
    def __init__(self, base: Clock, path: Path) -> None:
        self._base = base
        self._path = Path(path)
        self._seen: tuple[int, int, int] | None = None  # (mtime_ns, size, inode)
        self.wall_s = 0.0
        self.suspend_s = 0.0

    def now_utc(self) -> datetime:
        self._refresh()
        return self._base.now_utc() + timedelta(seconds=self.wall_s + self.suspend_s)

    def elapsed(self) -> float:
        self._refresh()
        return self._base.elapsed() + self.suspend_s

    def _refresh(self) -> None:
        try:
            st = os.stat(self._path)
        except OSError:
            self._seen, self.wall_s, self.suspend_s = None, 0.0, 0.0
            return
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        if key == self._seen:
            return
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            wall, suspend = float(data.get("wall", 0.0)), float(data.get("suspend", 0.0))
        except (OSError, ValueError, TypeError, AttributeError):
            return  # half-written or malformed: keep the last values, read again next time
        if not (abs(wall) < 1e9 and abs(suspend) < 1e9):  # NaN, inf and absurd values too
            return
        self._seen, self.wall_s, self.suspend_s = key, wall, suspend
