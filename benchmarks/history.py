"""A synthetic history for the metrics benchmark: years of sessions, breaks, logs and tasks.

A user in Europe/Berlin (real DST changes, so offsets vary) who works most days: about 20 focus
sessions a day of 5-25 minutes (now and then a 90-minute deep-work block), each followed by
a break; 70 % of sessions rated, some interrupted; about one task per three sessions, most
finished. Written through the app's own `store.db.connect` (all migrations), in one
transaction, deterministic for a seed.

    python benchmarks/history.py OUT.sqlite3 [--years 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from microsession.core.ids import new_id
from microsession.store import db

try:
    ZONE = ZoneInfo("Europe/Berlin")
except ZoneInfoNotFoundError:  # no tzdata on this machine: a fixed offset (no DST changes)
    ZONE = timezone(timedelta(hours=1))
TYPES = ("communication", "brainstorming", "reviewing-editing", "learning-practice", "admin", "creative",
         "research", "social-media")
LENGTHS = (5, 10, 15, 15, 20, 25, 25)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def generate(path: Path, years: float = 10, seed: int = 1, last_day: date | None = None,
             per_day: int = 22) -> dict[str, int]:
    """Write the history into a new database at `path`; returns row counts. `per_day`: focus
    sessions on a working day, on average (days off: 12 %)."""
    rng = random.Random(seed)
    last_day = last_day or date.today()
    first_day = last_day - timedelta(days=int(years * 365.25))
    conn = db.connect(path)
    sessions, logs, interruptions, tasks = [], [], [], []
    open_tasks: list[tuple[str, str]] = []
    day = first_day
    while day <= last_day:
        n = 0 if rng.random() < 0.12 else rng.randint(per_day // 2, per_day * 3 // 2 + 2)
        # Arithmetic in UTC: adding to a zoned local time is wall-clock arithmetic, which on a
        # DST day makes sessions that end before they start.
        moment = datetime(day.year, day.month, day.day, rng.choice((7, 8, 9, 10)), rng.randrange(60),
                          tzinfo=ZONE).astimezone(timezone.utc)
        for _ in range(n):
            if not open_tasks or rng.random() < 0.34:
                task = (new_id(), rng.choice(TYPES))
                tasks.append([task[0], task[1], _iso(moment - timedelta(hours=1)), None])
                open_tasks.append(task)
            task_id, _task_type = rng.choice(open_tasks)
            deep = rng.random() < 0.04
            minutes = 90 if deep else rng.choice(LENGTHS)
            stopped = rng.random() < 0.1
            focused = minutes * 60 * (rng.uniform(0.3, 0.95) if stopped else 1.0)
            sid = new_id()
            offset = int(moment.astimezone(ZONE).utcoffset().total_seconds())
            end = moment + timedelta(seconds=focused)
            sessions.append((sid, "deep" if deep else "micro", minutes * 60.0, _iso(moment), offset, _iso(end),
                             offset, round(focused, 3), "stopped" if stopped else "completed", task_id))
            finished = rng.random() < 0.3
            if rng.random() < 0.7:
                logs.append((new_id(), sid, _iso(end + timedelta(seconds=20)), rng.randint(1, 5), int(finished),
                             int(rng.random() < 0.15)))
            if rng.random() < 0.05:
                interruptions.append((new_id(), sid, _iso(moment + timedelta(seconds=focused / 2))))
            if finished:
                for t in tasks[::-1]:
                    if t[0] == task_id:
                        t[3] = _iso(end)
                        break
                open_tasks.remove((task_id, _task_type))
            brk = rng.choice((5, 5, 5, 15)) * 60.0
            bid = new_id()
            sessions.append((bid, "break", brk, _iso(end), offset, _iso(end + timedelta(seconds=brk)), offset, brk,
                             "completed", None))
            moment = end + timedelta(seconds=brk + rng.randrange(0, 1800))
        day += timedelta(days=1)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO tasks (id, title, task_type, minutes, done, created_utc, finished_utc)"
        " VALUES (?, 'synthetic task', ?, 15, ?, ?, ?)",
        [(t[0], t[1], int(t[3] is not None), t[2], t[3]) for t in tasks])
    conn.executemany(
        "INSERT INTO sessions (id, kind, planned_s, started_utc, started_offset, ended_utc, ended_offset,"
        " focused_s, outcome, task_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sessions)
    conn.executemany("INSERT INTO session_logs (id, session_id, written_utc, energy, finished, interrupted)"
                     " VALUES (?, ?, ?, ?, ?, ?)", logs)
    conn.executemany("INSERT INTO interruptions (id, session_id, at_utc) VALUES (?, ?, ?)", interruptions)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"sessions": len(sessions), "focus sessions": sum(1 for s in sessions if s[1] != "break"),
            "logs": len(logs), "interruptions": len(interruptions), "tasks": len(tasks)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="the database file to write (must not exist)")
    parser.add_argument("--years", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-day", type=int, default=22, help="focus sessions on a working day (default 22: ~75,000 in 10 years)")
    args = parser.parse_args(argv)
    if args.out.exists():
        print(f"{args.out} exists; give a new file", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    counts = generate(args.out, args.years, args.seed, per_day=args.per_day)
    print(", ".join(f"{v} {k}" for k, v in counts.items()),
          f"in {time.perf_counter() - t0:.1f} s; {args.out.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
