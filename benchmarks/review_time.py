"""How long the metrics take on ten years of history (issue 6). Prints a Markdown table.

    python benchmarks/review_time.py [--db FILE] [--runs 11] [--try-index]

Without --db it generates the history (benchmarks/history.py: ~75,000 focus sessions and
as many breaks, logs, tasks) into a temporary folder. In-process figures are medians of
`--runs` after one warm-up; whole-process ones medians of 5 fresh processes. --try-index
also times the review on a copy with a candidate index on session_logs, to show whether
an index migration would pay off.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import generate  # noqa: E402

from microsession.cli import main as cli_main  # noqa: E402
from microsession.core.figures import review_model  # noqa: E402
from microsession.core.clock import local_offset_s  # noqa: E402
from microsession.paths import DB_NAME  # noqa: E402
from microsession.store import db  # noqa: E402
from microsession.store import metrics as store  # noqa: E402

TARGET_MS = 100
CANDIDATE_INDEX = "CREATE INDEX bench_logs_latest ON session_logs (session_id, written_utc, energy, interrupted)"

WINDOW_SCRIPT = """
import sys, time
from datetime import datetime, timezone
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from microsession.store import db
conn = db.connect(Path(sys.argv[1]), migrate=False)
now = lambda: datetime.now(timezone.utc)
t0 = time.perf_counter()
from microsession.ui.windows.review import ReviewWindow
w = ReviewWindow(conn, now); w.show(); app.processEvents(); w.grab()
t1 = time.perf_counter()
w2 = ReviewWindow(conn, now); w2.show(); app.processEvents(); w2.grab()
t2 = time.perf_counter()
w2.prev_button.click(); app.processEvents(); w2.grab()
t3 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000)
"""


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def quiet_cli(*argv: str) -> Callable[[], None]:
    def run() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli_main(list(argv)) == 0

    return run


def process_ms(argv: list[str], env: dict[str, str], runs: int = 5) -> float:
    samples = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples[1:])


def window_ms(path: Path, env: dict[str, str], runs: int = 5) -> tuple[float, float, float]:
    rows = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", WINDOW_SCRIPT, str(path)], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        rows.append([float(x) for x in out])
    return tuple(statistics.median(r[i] for r in rows) for i in range(3))  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="an existing history database (default: generate one)")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--try-index", action="store_true", help="time the review with a candidate index too")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="review-bench-"))
    try:
        path = work / DB_NAME
        if args.db:
            shutil.copyfile(args.db, path)
        else:
            counts = generate(path)
            print("generated:", ", ".join(f"{v} {k}" for k, v in counts.items()))
        conn = db.connect(path, migrate=False)
        now = datetime.now(timezone.utc)
        offset = local_offset_s(now)
        today = date.today()
        n_sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        n_focus = conn.execute("SELECT count(*) FROM sessions WHERE kind != 'break'").fetchone()[0]
        week = review_model.energy_since(today - timedelta(days=today.weekday()))
        rows = store.sessions_between(conn, week, today + timedelta(days=7))
        tasks = store.tasks_finished_since(conn, datetime.now(timezone.utc) - timedelta(weeks=13))
        first = store.first_session_day(conn)
        monday = today - timedelta(days=today.weekday())
        d = str(work)
        figures: list[tuple[str, float, bool]] = [
            ("review model, with its queries (`store.metrics.review`)", median_ms(lambda: store.review(conn, now, offset), args.runs), True),
            ("review model, pure part (12 weeks of rows already loaded)", median_ms(
                lambda: review_model.build_review(monday, rows, tasks, offset, first), args.runs), True),
            ("`stats --week`, in-process (open, query, print)", median_ms(quiet_cli("--data-dir", d, "stats", "--week"), args.runs), True),
            ("`stats --week --json`, in-process", median_ms(quiet_cli("--data-dir", d, "stats", "--week", "--json"), args.runs), True),
            ("`stats --day`, in-process (tally, goal, streak)", median_ms(quiet_cli("--data-dir", d, "stats", "--day"), args.runs), True),
            ("`today_count` (tray menu's \"Today: 4 / 5\")", median_ms(lambda: store.today_count(conn, now, offset), args.runs * 10), True),
            ("`energy_by_hour` over 12 weeks", median_ms(lambda: store.energy_by_hour(conn, now - timedelta(weeks=12)), args.runs), True),
            ("streak (`store.metrics.streak`)", median_ms(lambda: store.streak(conn, today, 3), args.runs), True),
            ("`stats --all`, in-process (every row of ten years)", median_ms(quiet_cli("--data-dir", d, "stats", "--all"), 3), False),
        ]
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        figures.append(("`microsession stats --week`, whole process", process_ms(
            [sys.executable, "-m", "microsession", "--data-dir", d, "stats", "--week"], env), False))
        figures.append(("`python -c pass`, whole process (for scale)", process_ms([sys.executable, "-c", "pass"], env), False))
        first_open, second_open, previous = window_ms(path, env)
        figures += [("review window, first open (import + build + paint, offscreen)", first_open, False),
                    ("review window, another open", second_open, False),
                    ("review window, \"Previous week\" (query + repaint)", previous, False)]
        if args.try_index:
            copy = work / "indexed.sqlite3"
            conn.close()
            shutil.copyfile(path, copy)
            c2 = db.connect(copy, migrate=False)
            c2.execute(CANDIDATE_INDEX)
            figures.append(("review model with a candidate index on session_logs", median_ms(
                lambda: store.review(c2, now, offset), args.runs), True))
            c2.close()
        size = path.stat().st_size / 1e6
        print(f"\n{n_sessions} session rows ({n_focus} focus sessions), database {size:.1f} MB; "
              f"Python {sys.version.split()[0]}, SQLite {db.sqlite3.sqlite_version}; median of {args.runs}\n")
        print(f"| figure | ms | target ≤ {TARGET_MS} ms |\n| --- | --- | --- |")
        for name, ms, targeted in figures:
            mark = ("yes" if ms <= TARGET_MS else "**no**") if targeted else "—"
            print(f"| {name} | {ms:.2f} | {mark} |" if ms < 1 else f"| {name} | {ms:.1f} | {mark} |")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
