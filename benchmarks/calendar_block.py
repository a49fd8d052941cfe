"""How long can a calendar block the UI thread? (issue 14: at most 50 ms.)

A real QApplication (offscreen) and TriggerService with calendar rules that used to freeze
the app (FREQ=SECONDLY, HOURLY since 1601, a rule that never matches, a large calendar of
5,000 events, and a subscription address whose server does not answer), all enabled at
once. A 2 ms QTimer on the UI thread records the longest gap between its ticks from the
rebuild until every calendar has been read; the figure is that gap minus the 2 ms.

    python benchmarks/calendar_block.py [--runs 3]
"""

from __future__ import annotations

import argparse
import http.server
import os
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from microsession.core.clock import SystemClock  # noqa: E402
from microsession.core.triggers import EVERY_DAY, AfterEvents, Suggestion  # noqa: E402
from microsession.schedule.service import TriggerService  # noqa: E402
from microsession.store import db  # noqa: E402
from microsession.store import triggers as store  # noqa: E402

TICK_MS = 2


def calendar(events: str) -> str:
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//b//b//EN\n{events}END:VCALENDAR\n"


def event(uid: str, rrule: str, dtstart: str) -> str:
    return (f"BEGIN:VEVENT\nUID:{uid}\nSUMMARY:{uid}\nDTSTART:{dtstart}\nDTEND:{dtstart[:-3]}59Z\n"
            + (f"RRULE:{rrule}\n" if rrule else "") + "END:VEVENT\n")


def files(folder: Path) -> dict[str, Path]:
    day = datetime.now(timezone.utc)
    big = "".join(event(f"e{i}", "", f"{(day + timedelta(hours=i)):%Y%m%dT%H%M}00Z") for i in range(5000))
    texts = {
        "secondly": calendar(event("s", "FREQ=SECONDLY", "20260301T090000Z")),
        "hourly since 1601": calendar(event("h", "FREQ=HOURLY", "16010101T090000Z")),
        "never matches": calendar(event("n", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "20260301T090000Z")),
        "5,000 events": calendar(big),
    }
    out = {}
    for name, text in texts.items():
        out[name] = folder / (name.replace(" ", "-").replace(",", "") + ".ics")
        out[name].write_text(text)
    return out


class Silent(http.server.BaseHTTPRequestHandler):
    release = threading.Event()

    def do_GET(self):  # noqa: N802
        self.release.wait(30)

    def log_message(self, *args):
        pass


def one_run(app: QApplication, folder: Path, url: str) -> tuple[float, float]:
    conn = db.connect(folder / f"m{time.monotonic_ns()}.sqlite3")
    for r in store.list_all(conn):
        store.remove(conn, r.id)
    for name, path in files(folder).items():
        store.add(conn, store.new_rule(name, AfterEvents(str(path), 2, (0, 0), (23, 59), EVERY_DAY), Suggestion(10)),
                  datetime.now(timezone.utc))
    store.add(conn, store.new_rule("silent server", AfterEvents(url, 2, source="url"), Suggestion(10)),
              datetime.now(timezone.utc))
    service = TriggerService(conn, SystemClock(), lambda: False, folder=folder)
    clock, worst = QElapsedTimer(), [0.0]
    last = [0]

    def tick() -> None:
        now = clock.nsecsElapsed()
        worst[0] = max(worst[0], (now - last[0]) / 1e6 - TICK_MS)
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    done = threading.Event()
    service.calendars_read.connect(done.set)
    clock.start()
    started = time.perf_counter()
    service.rebuild()
    rebuild_ms = (time.perf_counter() - started) * 1000
    last[0] = clock.nsecsElapsed()
    timer.start()
    deadline = time.monotonic() + 120
    while not done.is_set() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.0005)  # the loop's own pace; the timer measures the gaps
    timer.stop()
    problems = dict(service.problems)
    service.shutdown()
    conn.close()
    if not done.is_set():
        raise SystemExit("the calendars were not read within 120 s")
    for rule_id, text in problems.items():
        print(f"   {text[:110]}")
    return rebuild_ms, worst[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/silent.ics"
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for run in range(args.runs):
            rebuild_ms, worst_ms = one_run(app, Path(tmp), url)
            results.append((rebuild_ms, worst_ms))
            print(f"run {run + 1}: rebuild on the UI thread {rebuild_ms:.1f} ms; longest UI-thread gap "
                  f"while the calendars were read {worst_ms:.1f} ms")
    Silent.release.set()
    httpd.shutdown()
    print(f"worst of {args.runs}: rebuild {max(r for r, _ in results):.1f} ms, UI-thread gap "
          f"{max(w for _, w in results):.1f} ms (limit 50 ms)")


if __name__ == "__main__":
    main()
