"""Sync figures (issue 13). Prints a Markdown table.

    python benchmarks/sync_figures.py [--runs 5] [--skip-syncthing]

1. **Seen through Syncthing**: two real Syncthing instances on 127.0.0.1 (tests/e2e/syncthing.py),
   two data folders with the real app running on each (offscreen: no display needed). A
   one-minute session (time scale 60) ends on the first; the figure is the wall time from its
   `session_ended` trace line to the row being in the second computer's data file, median of
   `--runs`. It holds the first app's debounce (1 s), Syncthing's watcher delay (1 s) and
   transfer, and the second app's watcher and debounce (1 s).
2. **Merging a year**: a year of another computer's history (benchmarks/history.py, about 22
   focus sessions a working day, with breaks, logs and tasks) written to its journal, then
   merged into an empty data file (`store.sync_import.import_folder`), median of 3.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "e2e"))

from history import generate  # noqa: E402

from microsession.paths import DB_NAME  # noqa: E402
from microsession.store import db, sync_import, sync_journal  # noqa: E402


def year_merge(work: Path, runs: int = 3) -> tuple[float, int, float]:
    """(median seconds, changes, journal MB) of merging a year of another computer's history."""
    src = work / "year"
    src.mkdir()
    generate(src / DB_NAME, years=1, seed=3)
    folder = work / "year-folder"
    folder.mkdir()
    conn = db.connect(src / DB_NAME)
    sync_journal.enable(conn)
    sync_journal.claim(conn, folder, "other")
    changes = sync_journal.export(conn, folder)
    conn.close()
    size = sum(p.stat().st_size for p in (folder / "devices").rglob("*.jsonl")) / 1e6
    times = []
    for i in range(runs):
        dest = work / f"merge{i}"
        dest.mkdir()
        conn = db.connect(dest / DB_NAME)
        t0 = time.perf_counter()
        got = sync_import.import_folder(conn, folder, dest)
        times.append(time.perf_counter() - t0)
        assert got.applied > 0 and not got.problems, got
        conn.close()
    return statistics.median(times), changes, size


def _app(data: Path, trace: Path, log: Path, runtime: Path) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MICROSESSION_DATA_DIR": str(data),
           "MICROSESSION_TRACE": str(trace), "MICROSESSION_TIME_SCALE": "60", "XDG_RUNTIME_DIR": str(runtime),
           "DBUS_SESSION_BUS_ADDRESS": f"unix:path={runtime}/no-bus"}
    return subprocess.Popen([sys.executable, "-m", "microsession"], env=env, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT)


def _events(trace: Path, name: str) -> list[dict]:
    if not trace.exists():
        return []
    out = []
    for line in trace.read_text().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("event") == name:
            out.append(rec)
    return out


def _has(data: Path, sid: str) -> bool:
    try:
        conn = sqlite3.connect(f"file:{data / DB_NAME}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT 1 FROM sessions WHERE id = ? AND ended_utc IS NOT NULL", (sid,)).fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def seen_through_syncthing(work: Path, runs: int) -> list[float]:
    from syncthing import Pair, wait_until

    datas = [work / "laptop", work / "office"]
    runtime = work / "run"
    runtime.mkdir(mode=0o700)
    times = []
    with Pair(work / "st") as pair:
        for data, folder in zip(datas, (pair.a.folder, pair.b.folder)):
            subprocess.run([sys.executable, "-m", "microsession", "--data-dir", str(data), "sync", "folder",
                            str(folder)], check=True, capture_output=True)
        apps = [_app(d, work / f"{d.name}.trace", work / f"{d.name}.log", runtime) for d in datas]
        try:
            for d in datas:
                wait_until(lambda d=d: _events(work / f"{d.name}.trace", "sync_done"), 60, "the first round")
            env = {**os.environ, "MICROSESSION_DATA_DIR": str(datas[0]), "XDG_RUNTIME_DIR": str(runtime)}
            for n in range(1, runs + 1):
                subprocess.run([sys.executable, "-m", "microsession", "start", "1"], env=env, check=True,
                               capture_output=True, timeout=60)
                ended = wait_until(lambda: [r for r in _events(work / "laptop.trace", "session_ended")
                                            if r.get("kind") == "micro"][n - 1:], 120, "the session's end")[0]
                wait_until(lambda: _has(datas[1], ended["id"]), 120, "the session on the other computer", 0.01)
                times.append(time.time() - ended["t"])
                subprocess.run([sys.executable, "-m", "microsession", "skip-break"], env=env, capture_output=True)
        finally:
            for app in apps:
                app.terminate()
                app.wait(timeout=20)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-syncthing", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ms-sync-bench-"))
    try:
        merge_s, changes, size = year_merge(work)
        print("| figure | latest |\n| --- | --- |")
        print(f"| merging a year of another computer's changes ({changes} changes, {size:.1f} MB of journal)"
              f" into an empty data file, median of 3 | {merge_s:.2f} s |")
        if not args.skip_syncthing and shutil.which("syncthing"):
            seen = seen_through_syncthing(work, args.runs)
            print(f"| a session ended on one computer, in the other's data file through Syncthing on loopback,"
                  f" median of {len(seen)} (min {min(seen):.2f}, max {max(seen):.2f}) | {statistics.median(seen):.2f} s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
