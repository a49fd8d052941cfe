"""Idle RSS of the app with a calendar-address rule on vs off (issue 13).

Starts `python -m microsession` (offscreen, a fresh data folder each) in three states:
no rule on; one time-of-day rule on (APScheduler loaded); one calendar rule on whose
subscription address is served by a local HTTP server (the calendar is fetched and
expanded in a child process, calendar_child). Each app idles until its delayed start-up
work is over (and, for the calendar, until the server has answered and the child has
ended), then VmRSS is read from /proc. Medians of --runs starts per state, alternating.

    python benchmarks/calendar_rss.py [--runs 5]
"""

from __future__ import annotations

import argparse
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from procstat import memory_kib  # noqa: E402

from microsession.core.triggers import AfterEvents, AtTime, Suggestion  # noqa: E402
from microsession.store import db  # noqa: E402
from microsession.store import triggers as store  # noqa: E402

SETTLE_S = 12.0  # the delayed start-up checks run 3 s after start; the trigger service after them


def calendar() -> bytes:
    day = datetime.now(timezone.utc) + timedelta(days=1)
    events = "".join(f"BEGIN:VEVENT\r\nUID:e{i}@b\r\nDTSTART:{day:%Y%m%d}T{8 + i % 9:02d}0000Z\r\n"
                     f"DTEND:{day:%Y%m%d}T{8 + i % 9:02d}3000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n" for i in range(40))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//b//b//EN\r\n{events}END:VCALENDAR\r\n".encode()


class Serve(http.server.BaseHTTPRequestHandler):
    body = calendar()
    hits = 0

    def do_GET(self):  # noqa: N802
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def prepare(folder: Path, state: str, url: str) -> None:
    conn = db.connect(folder / "microsession.sqlite3")
    for r in store.list_all(conn):
        store.remove(conn, r.id)
    now = datetime.now(timezone.utc)
    if state == "time rule":
        store.add(conn, store.new_rule("Coffee", AtTime((9, 0)), Suggestion(10)), now)
    elif state == "calendar address":
        store.add(conn, store.new_rule("After meetings", AfterEvents(url, 2, source="url"), Suggestion(10)), now)
    conn.close()


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def one(state: str, url: str, tmp: Path) -> float:
    folder = Path(tempfile.mkdtemp(dir=tmp))
    prepare(folder, state, url)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MICROSESSION_DATA_DIR=str(folder), XDG_RUNTIME_DIR=str(folder))
    hits = Serve.hits
    proc = subprocess.Popen([sys.executable, "-m", "microsession"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        time.sleep(SETTLE_S)
        if state == "calendar address":
            while (Serve.hits == hits or children_of(proc.pid)) and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2.0)  # the result handed over, the child gone
        return memory_kib(proc.pid)["VmRSS"] / 1024
    finally:
        subprocess.run([sys.executable, "-m", "microsession", "quit"], env=env, capture_output=True, timeout=30)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/basic.ics"
    states = ("no rule", "time rule", "calendar address")
    got: dict[str, list[float]] = {s: [] for s in states}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            for state in states if run % 2 == 0 else reversed(states):
                got[state].append(one(state, url, Path(tmp)))
    httpd.shutdown()
    base = statistics.median(got["no rule"])
    for state in states:
        m = statistics.median(got[state])
        print(f"{state:>17}: idle RSS median {m:6.1f} MiB ({m - base:+.1f}); runs "
              + " ".join(f"{v:.1f}" for v in got[state]))


if __name__ == "__main__":
    main()
