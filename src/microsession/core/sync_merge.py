"""Merging one log kept on several computers: hybrid logical clocks and the merge rule.

Each computer (a "device") writes its own changes to files of its own in a synced folder;
every change is a whole row (or a tombstone: the row was deleted) stamped with a hybrid
logical clock. The rule, the same on every device: for one row, the version with the
greatest stamp wins; a delete is a version like any other, so an older edit that arrives
after it cannot bring the row back. Stamps are totally ordered (wall milliseconds, a
counter, the device id), so any set of versions, applied in any order, gives one result.

Pure Python: no SQLite, no Qt; the store applies what this module decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A day of clock difference between two computers is tolerated; a stamp further ahead is
# refused (a hostile or broken file could otherwise drag every later change into the future).
MAX_AHEAD_MS = 24 * 3600 * 1000
MAX_COUNTER = 9999

_STAMP = re.compile(r"(\d{13})\.(\d{4})\.([0-9a-f]{32})")
DEVICE_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, order=True)
class Stamp:
    ms: int  # wall clock, milliseconds since the epoch (UTC)
    counter: int  # orders changes within one millisecond
    device: str  # 32 hex digits: breaks the last ties

    def text(self) -> str:
        """Fixed width, so that text order is stamp order (SQLite compares the text)."""
        return f"{self.ms:013d}.{self.counter:04d}.{self.device}"


def parse_stamp(text: object) -> Stamp:
    """A stamp from its text; ValueError when it is not one."""
    if not isinstance(text, str):
        raise ValueError("a change's stamp is not text")
    match = _STAMP.fullmatch(text)
    if not match:
        raise ValueError(f"a change's stamp is malformed ({text[:60]!r})")
    return Stamp(int(match[1]), int(match[2]), match[3])


class HybridClock:
    """The device's clock for stamps: never goes back, always after anything it has seen."""

    def __init__(self, device: str, ms: int = 0, counter: int = 0) -> None:
        if not DEVICE_ID.fullmatch(device):
            raise ValueError("a device id is 32 hex digits")
        self.device, self.ms, self.counter = device, ms, counter

    def send(self, now_ms: int) -> Stamp:
        """The stamp of a local change made at wall time `now_ms`."""
        if now_ms > self.ms:
            self.ms, self.counter = now_ms, 0
        else:
            self._bump()
        return Stamp(self.ms, self.counter, self.device)

    def receive(self, stamp: Stamp, now_ms: int) -> None:
        """Note a stamp read from another device. ValueError if it is too far ahead of now."""
        if stamp.ms > now_ms + MAX_AHEAD_MS:
            raise ValueError("a change is dated more than a day ahead of this computer's clock")
        if stamp.ms > self.ms or (stamp.ms == self.ms and stamp.counter > self.counter):
            self.ms, self.counter = stamp.ms, stamp.counter

    def _bump(self) -> None:
        self.counter += 1
        if self.counter > MAX_COUNTER:  # ten thousand changes in one millisecond: borrow one
            self.ms, self.counter = self.ms + 1, 0


def wins(new: Stamp, current: Stamp | None) -> bool:
    """Whether a version stamped `new` replaces the one the device holds (stamped `current`)."""
    return current is None or new > current


@dataclass(frozen=True)
class Change:
    """One version of one row: `row` is None for a delete (a tombstone)."""
    table: str
    key: str
    stamp: Stamp
    row: dict | None


def merge(changes: list[Change]) -> dict[tuple[str, str], Change]:
    """The winning version of every row among `changes` (what a device ends up holding)."""
    held: dict[tuple[str, str], Change] = {}
    for change in changes:
        current = held.get((change.table, change.key))
        if wins(change.stamp, current.stamp if current else None):
            held[(change.table, change.key)] = change
    return held


def is_conflict_copy(name: str) -> bool:
    """A copy a sync engine made when a file changed in two places at once (Syncthing,
    Nextcloud, Dropbox, ownCloud): read and merged like the file itself."""
    lowered = name.lower()
    return ".sync-conflict-" in lowered or "conflicted copy" in lowered or "(conflict" in lowered
