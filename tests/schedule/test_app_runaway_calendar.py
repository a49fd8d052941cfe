"""Issue 14: a five-line calendar froze the running app (status timed out, SIGTERM ignored,
memory to gigabytes). Now the real app, offscreen, with FREQ=SECONDLY and a rule that never
matches both enabled, answers the control socket while they are read, says what is wrong
with each, and ends on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

from microsession.core.triggers import EVERY_DAY, AfterEvents, Suggestion
from microsession.store import db
from microsession.store import triggers as store

SPAM = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nBEGIN:VEVENT\nUID:s@t\nSUMMARY:Spam\n"
        "DTSTART:20260301T090000Z\nDTEND:20260301T090001Z\nRRULE:{rule}\nEND:VEVENT\nEND:VCALENDAR\n")


def test_the_app_answers_while_runaway_calendars_are_read(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    conn = db.connect(folder / "microsession.sqlite3")
    for name, rule in (("secondly", "FREQ=SECONDLY"), ("never", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")):
        path = tmp_path / f"{name}.ics"
        path.write_text(SPAM.format(rule=rule))
        store.add(conn, store.new_rule(name, AfterEvents(str(path), 2, (0, 0), (23, 59), EVERY_DAY), Suggestion(10)),
                  datetime.now(timezone.utc))
    conn.close()
    trace = tmp_path / "trace.jsonl"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MICROSESSION_TRACE=str(trace), XDG_RUNTIME_DIR=str(tmp_path),
               MICROSESSION_DATA_DIR=str(folder))

    def events():
        if not trace.exists():
            return []
        return [json.loads(line) for line in trace.read_text().splitlines() if line.endswith("}")]

    def wait_for(event: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in events() if e["event"] == event]
            if found:
                return found[0]
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, f"no {event} within {timeout} s"
            time.sleep(0.05)  # polling a file for a condition, not a fixed wait

    proc = subprocess.Popen([sys.executable, "-m", "microsession"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for("triggers_running")
        status = subprocess.run([sys.executable, "-m", "microsession", "status"], env=env, timeout=60,
                                capture_output=True, text=True)
        assert status.returncode == 0 and status.stdout.strip() == "idle", status.stderr
        read = wait_for("calendars_read", timeout=120)
        problems = " | ".join(read["problems"])
        assert "'Spam' repeats too often (every second)" in problems and "takes too long" in problems
        status = subprocess.run([sys.executable, "-m", "microsession", "status"], env=env, timeout=60,
                                capture_output=True, text=True)
        assert status.returncode == 0, status.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
