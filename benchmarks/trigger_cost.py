"""What one enabled trigger rule costs the running app: RSS and PSS added by starting the
trigger service (`schedule.start.start_if_needed`), and how long that takes.

``python benchmarks/trigger_cost.py [--runs 7] [--json]``: each run is a fresh process
(offscreen QApplication, a fresh data folder with one time-of-day rule enabled) that reads
its own VmRSS and Pss (``/proc/self/smaps_rollup``) after ``memory.release()``, starts the
service, releases again and reads them once more. Medians of the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from datetime import datetime, timezone
from pathlib import Path

def mem():
    out = {}
    for line in open("/proc/self/smaps_rollup"):
        k, _, v = line.partition(":")
        if k in ("Rss", "Pss"):
            out[k] = int(v.split()[0])
    return out

from PySide6.QtWidgets import QApplication
app = QApplication([])
from microsession import memory
from microsession.core.clock import SystemClock
from microsession.core.triggers import EVERY_DAY, AtTime, Suggestion
from microsession.store import db, triggers as store
from microsession.schedule.start import start_if_needed

conn = db.connect(Path(sys.argv[1]) / "m.sqlite3")
rule = store.new_rule("bench", AtTime((10, 0), EVERY_DAY), Suggestion(10, "admin"))
store.add(conn, rule, datetime.now(timezone.utc))
memory.release()
before = mem()
t0 = time.perf_counter()
service = start_if_needed(conn, SystemClock(), lambda: False)
took = time.perf_counter() - t0
assert service is not None and service.next_run(rule.id) is not None
memory.release()
after = mem()
print(json.dumps({"ms": took * 1000, "rss_kib": after["Rss"] - before["Rss"],
                  "pss_kib": after["Pss"] - before["Pss"], "modules": len(sys.modules)}))
"""


def measure(runs: int = 7) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="ms-trigger-cost-") as tmp:
            out = subprocess.run([sys.executable, "-c", CHILD, tmp], capture_output=True, text=True,
                                 env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120)
            if out.returncode != 0:
                raise RuntimeError(f"trigger_cost child failed: {out.stderr.strip()[-2000:]}")
            samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(s[k] for s in samples) for k in ("ms", "rss_kib", "pss_kib", "modules")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    m = measure(args.runs)
    if args.json:
        print(json.dumps(m))
    else:
        print(f"one rule enabled: +{m['rss_kib'] / 1024:.1f} MiB RSS, +{m['pss_kib'] / 1024:.1f} MiB PSS,"
              f" start_if_needed {m['ms']:.0f} ms (median of {args.runs} fresh processes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
