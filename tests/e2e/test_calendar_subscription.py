"""A calendar subscription fires in the real app, on a real X desktop with a notification
daemon: an HTTP server on 127.0.0.1 serves an .ics whose meeting ends half a minute from
now; the rule is added with the command line (which fetches the address once, keeping the
local copy); the app reads that copy in a child process when its trigger service starts
(no fetch at start-up), and the meeting's end brings the suggestion as a notification whose
Start begins the suggested session; `triggers list` then shows the rule without a problem.
On the wall clock: about 40 seconds.
"""

from __future__ import annotations

import http.server
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from app_runner import RunningApp
from desktop import Desktop

RULE = "After the stand-up"


class Calendar(http.server.BaseHTTPRequestHandler):
    body = b""
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_a_subscribed_meeting_end_brings_the_suggestion(desktop: Desktop, tmp_path: Path) -> None:
    end = (datetime.now(timezone.utc) + timedelta(seconds=40)).replace(microsecond=0)
    start = end - timedelta(minutes=15)
    Calendar.body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//e2e//EN\r\nX-WR-TIMEZONE:Europe/Berlin\r\n"
                     f"BEGIN:VEVENT\r\nUID:standup@e2e\r\nSUMMARY:Stand-up\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
                     f"DTEND:{end:%Y%m%dT%H%M%SZ}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    Calendar.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Calendar)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/calendar/ical/secret/basic.ics"
    try:
        data = tmp_path / "data"
        setup = RunningApp.cli_for(data, "triggers", "add", "--name", RULE, "--calendar", url, "--after", "0",
                                   "--days", "daily", "--between", "00:00-23:59", "--minutes", "10",
                                   "--label", "email")
        assert setup.returncode == 0, setup.stderr
        assert len(Calendar.hits) == 1  # the command line's one check

        app = RunningApp(desktop, tmp_path, scale=100, data=data)
        app.wait("triggers_running", timeout=30)
        wait_s = (end - datetime.now(timezone.utc)).total_seconds() + 45
        offered = app.wait("suggestion_offered", timeout=wait_s)
        assert datetime.now(timezone.utc) >= end - timedelta(seconds=2)
        assert offered is not None
        assert len(Calendar.hits) == 1  # no fetch at start-up: the local copy was read
        chosen = desktop.invoke_notification_action("Start", summary=RULE, timeout=20)
        assert "trigger_start" in chosen
        started = app.wait("session_started", kind="micro", timeout=20)
        assert started["planned_s"] == 600
        assert app.quit() == 0
        listed = RunningApp.cli_for(data, "triggers", "list")
        assert listed.returncode == 0 and RULE in listed.stdout and "[" not in listed.stdout.split(RULE)[1].splitlines()[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
