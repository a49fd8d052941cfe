"""A 24-hour soak in minutes: a day of sprints, popups and breaks on a real X desktop.

The app runs with a time scale (default 600: a 15-minute sprint in 1.5 s); each cycle
clicks the tray icon, waits for the end, answers the popup with Enter (which starts the
break) and waits for the break to end. After a warm-up cycle (lazy imports happen on the
first end) it compares RSS and open file descriptors at the start and at the end.

    python benchmarks/soak.py [--hours 24] [--scale 600]

Targets (issue 3): RSS at the end within 5 MB of the start; no growth in open fds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from desktop import Desktop  # noqa: E402

CYCLE_MIN = 15 + 5  # default sprint + break


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--scale", type=float, default=600.0)
    args = parser.parse_args()
    cycles = max(2, round(args.hours * 60 / CYCLE_MIN))
    with tempfile.TemporaryDirectory() as tmp, Desktop(Path(tmp)) as desk:
        trace = Path(tmp) / "trace.jsonl"
        env = {"MICROSESSION_TRACE": str(trace), "MICROSESSION_TIME_SCALE": str(args.scale),
               "MICROSESSION_DATA_DIR": str(Path(tmp) / "data")}
        app = desk.spawn([sys.executable, "-m", "microsession"], extra_env=env)
        rec = desk.wait_trace(trace, "tray_visible")
        tray = (rec["x"] + rec["w"] // 2, rec["y"] + rec["h"] // 2)
        seen: set[str] = set()

        def next_event(event: str, **match: object) -> dict:
            found = desk.wait_trace(trace, event, timeout=60, where=lambda r: r.get("id") not in seen
                                    and all(r.get(k) == v for k, v in match.items()))
            seen.add(found.get("id", ""))
            return found

        t0 = time.monotonic()
        base: tuple[int, int] | None = None
        for n in range(cycles):
            desk.click(*tray)
            sprint = next_event("session_started", kind="micro")
            desk.wait_trace(trace, "session_ended", timeout=60, where=lambda r: r.get("id") == sprint["id"])
            popup = desk.wait_for(lambda: desk.window_ids("Session log"), what="the popup")[0]
            desk.activate(popup)
            desk.key("Return")
            brk = next_event("session_started", kind="break")
            desk.wait_trace(trace, "session_ended", timeout=60, where=lambda r: r.get("id") == brk["id"])
            if n == 0:
                base = (rss_kb(app.pid), fds(app.pid))
                print(f"after warm-up: RSS {base[0] / 1024:.1f} MB, {base[1]} fds", flush=True)
        end = (rss_kb(app.pid), fds(app.pid))
        elapsed = time.monotonic() - t0
        assert base is not None
        growth_mb = (end[0] - base[0]) / 1024
        print(f"{cycles} cycles ({cycles * CYCLE_MIN / 60:.1f} h of app time) in {elapsed:.0f} s real")
        print(f"RSS {base[0] / 1024:.1f} -> {end[0] / 1024:.1f} MB ({growth_mb:+.1f} MB; target within 5 MB)")
        print(f"open fds {base[1]} -> {end[1]} (target: no growth)")
        ok = abs(growth_mb) <= 5 and end[1] <= base[1]
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
