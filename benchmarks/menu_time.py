"""What the tray menu reads when it opens, on ten years of history (issues 4 and 6).

The menu is rebuilt on every opening: its "Today: n / goal · streak" line reads the store,
and each submenu ("Start on task", "Batch", "Stack") reads it when it opens. A menu must
open within a frame or two, so each read should stay well under 16 ms.

    python benchmarks/menu_time.py [--db FILE] [--runs 21]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import history  # noqa: E402

from microsession.core.clock import local_offset_s  # noqa: E402
from microsession.store import db, metrics, stacks  # noqa: E402
from microsession.store import tasks as task_store  # noqa: E402

TARGET_MS = 16.0


def median_ms(fn, runs: int) -> float:
    fn()  # warm: the page cache and SQLite's statement cache, as on any opening after the first
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="an existing history database (default: generate ten years)")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "history.sqlite3"
        if args.db is None:
            history.generate(path, years=10)
        conn = db.connect(path)
        stacks.seed_templates(conn)
        now = datetime.now(timezone.utc)
        offset = local_offset_s(now)
        today = (now.astimezone()).date()
        open_tasks = len(task_store.list_tasks(conn))
        figures = {
            "Today: n / goal": lambda: metrics.today_count(conn, now, offset),
            "the streak": lambda: metrics.streak(conn, today, 3),
            "Start on task ▸ (8 recent open tasks)": lambda: task_store.recent_open(conn, 8),
            f"Batch ▸ (types of {open_tasks} open tasks)": lambda: (task_store.list_types(conn), task_store.open_counts_by_type(conn)),
            "Stack ▸": lambda: stacks.list_stacks(conn),
        }
        sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        print(f"{sessions} sessions, {open_tasks} open tasks; median of {args.runs} runs")
        print("| menu read | ms |\n| --- | --- |")
        worst = 0.0
        for name, fn in figures.items():
            ms = median_ms(fn, args.runs)
            worst = max(worst, ms)
            print(f"| {name} | {ms:.2f} |")
        conn.close()
    print(f"worst {worst:.2f} ms (target ≤ {TARGET_MS:g} ms)")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
