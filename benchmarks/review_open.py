"""The weekly review window's first opening in the running app, on ten years of history.

``python benchmarks/review_open.py [--db FILE] [--runs 5]``: each run is a fresh app process
(offscreen; the real shell built by ``compose.build`` on a data folder holding a copy of the
history, past its delayed start-up checks), which then times ``shell.open_window("review")``
up to its first complete paint (``grab()``): the import of the window's code, its queries
and layout, the paint. The floor, in the same process just before: an empty top-level
QWidget of the review's size, shown and painted the same way. Medians of the runs. The
programs keep their compiled bytecode, as benchmarks/cli_figures.py's run has them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
from microsession.compose import build
running = build(app, None, sys.argv[1])
QTimer.singleShot(4000, app.quit)  # past the delayed start-up checks, as a user would open it
app.exec()
shell = running.shell
t0 = time.perf_counter()
empty = QWidget(); empty.resize(860, 640); empty.show(); app.processEvents(); empty.grab()
t1 = time.perf_counter()
window = shell.open_window("review"); app.processEvents(); window.grab()
t2 = time.perf_counter()
window.hide(); window.show(); app.processEvents(); window.grab()
t3 = time.perf_counter()
print(json.dumps({"floor_ms": (t1 - t0) * 1000, "first_ms": (t2 - t1) * 1000, "again_ms": (t3 - t2) * 1000}))
running.close()
"""


def measure(db_file: Path, runs: int = 5, env: dict[str, str] | None = None) -> dict[str, float]:
    samples = []
    with tempfile.TemporaryDirectory(prefix="ms-review-open-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        shutil.copy(db_file, data / "microsession.sqlite3")
        # compiled bytecode kept (in the folder) unless the caller says otherwise, as in a pip
        # install and in cli_figures' run: a shell's PYTHONDONTWRITEBYTECODE=1 would add the
        # compiling of the window's modules (~7 ms) to every run
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": f"{tmp}/pycache", **(env or {}),
               "QT_QPA_PLATFORM": "offscreen", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp}/no-bus"}
        for _ in range(runs + 1):  # the first run upgrades the copy and warms the caches
            out = subprocess.run([sys.executable, "-c", CHILD, str(data)], env=env, capture_output=True,
                                 text=True, timeout=180)
            if out.returncode != 0:
                raise RuntimeError(f"review_open child failed: {out.stderr.strip()[-2000:]}")
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    samples = samples[1:]
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a history database (default: generate ten years)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ms-review-db-") as tmp:
        db_file = args.db
        if db_file is None:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from history import generate

            db_file = Path(tmp) / "history.sqlite3"
            generate(db_file)
        m = measure(db_file, args.runs)
    print(f"review window, first open in the app: {m['first_ms']:.1f} ms (floor, an empty window:"
          f" {m['floor_ms']:.1f} ms); again: {m['again_ms']:.1f} ms — median of {args.runs} processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
