"""All-time figures from summary rows (`stats --all` on years of data). Pure: no I/O.

Time is cut into blocks of BLOCK_DAYS local days. A block's summary rows hold the sums of its
sessions by one dimension at a time, by core.metrics' rules (which sessions count, completed,
rated, interrupted):

- ("bucket", b): for each length bucket, and "break" (breaks taken), every sum;
- ("hour", h): ratings by local start hour (only hours with ratings);
- ("type", t): counted focus sessions by task type;
- ("days", first day): days with a counted focus session (in `counted`).

`block_rows(rows)` makes them from session rows; `all_time(rows)` folds any set of them into
the all-time figures: exactly what the row-by-row functions give (tests/store/test_summary.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from microsession.core.figures.metrics import BUCKETS, Figures, Mean, SessionRow

BLOCK_DAYS = 16  # as the triggers of store/migrations/0005_summaries.sql
BREAK = "break"
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class Sums(NamedTuple):
    dim: str  # bucket | hour | type | days
    key: str
    completed: int = 0
    counted: int = 0
    focused_s: float = 0.0
    interrupted: int = 0
    rated: int = 0
    energy_sum: int = 0
    breaks: int = 0


def block_of(day: int) -> int:
    return day // BLOCK_DAYS


def block_rows(rows: Iterable[SessionRow]) -> list[tuple[int, Sums]]:
    """(block, Sums) of the blocks these rows fall in."""
    acc: dict[tuple[int, str, str], list] = {}
    days: dict[int, set[int]] = {}

    def add(block: int, dim: str, key: str, i: int, value) -> None:
        s = acc.setdefault((block, dim, key), [0, 0, 0.0, 0, 0, 0, 0])
        s[i] += value

    for r in rows:
        day = r.local_s // 86400
        block = day // BLOCK_DAYS
        if r.is_break_taken:
            add(block, "bucket", BREAK, 6, 1)
            continue
        if not r.is_focus:
            continue
        days.setdefault(block, set()).add(day)
        b = r.bucket
        add(block, "bucket", b, 0, r.is_completed)
        add(block, "bucket", b, 1, 1)
        add(block, "bucket", b, 2, r.focused_s)
        add(block, "bucket", b, 3, r.interrupted)
        if r.energy is not None:
            add(block, "bucket", b, 4, 1)
            add(block, "bucket", b, 5, r.energy)
            add(block, "hour", str(r.hour), 4, 1)
            add(block, "hour", str(r.hour), 5, r.energy)
        if r.task_type:
            add(block, "type", r.task_type, 1, 1)
    out = [(block, Sums(dim, key, *s)) for (block, dim, key), s in acc.items()]
    out += [(block, Sums("days", str(min(ds)), counted=len(ds))) for block, ds in days.items()]
    return out


@dataclass(frozen=True)
class AllTime:
    figures: Figures  # tasks_finished left at 0: tasks are not sessions
    first_day: date | None  # the first local day with a counted focus session
    days: int  # local days with a counted focus session
    by_bucket: dict[str, Mean]  # every bucket, as core.metrics.energy_by_bucket
    by_hour: dict[int, Mean]  # hours with ratings, as core.metrics.energy_by_hour
    type_sessions: dict[str, int]  # counted focus sessions per task type


def all_time(rows: Iterable[Sums]) -> AllTime:
    f = dict(sessions=0, micro=0, deep=0, focused_s=0.0, micro_focused_s=0.0, deep_focused_s=0.0,
             counted=0, interrupted=0, rated=0, energy_sum=0, breaks=0)
    by_bucket = {b: [0.0, 0] for b in BUCKETS}
    by_hour: dict[int, list] = {}
    types: dict[str, int] = {}
    days, first = 0, None
    for s in rows:
        if s.dim == "days":
            days += s.counted
            first = int(s.key) if first is None else min(first, int(s.key))
        elif s.dim == "type":
            types[s.key] = types.get(s.key, 0) + s.counted
        elif s.dim == "hour":
            h = by_hour.setdefault(int(s.key), [0.0, 0])
            h[0] += s.energy_sum
            h[1] += s.rated
        elif s.key == BREAK:
            f["breaks"] += s.breaks
        else:
            deep = s.key == "deep"
            f["counted"] += s.counted
            f["focused_s"] += s.focused_s
            f["deep_focused_s" if deep else "micro_focused_s"] += s.focused_s
            f["sessions"] += s.completed
            f["deep" if deep else "micro"] += s.completed
            f["interrupted"] += s.interrupted
            f["rated"] += s.rated
            f["energy_sum"] += s.energy_sum
            by_bucket[s.key][0] += s.energy_sum
            by_bucket[s.key][1] += s.rated
    return AllTime(Figures(**f), None if first is None else date.fromordinal(_EPOCH_ORDINAL + first), days,
                   {b: Mean(t, n) for b, (t, n) in by_bucket.items()},
                   {h: Mean(t, n) for h, (t, n) in by_hour.items() if n}, types)
