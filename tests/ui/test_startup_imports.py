"""What the app has loaded once it is up and idle: only what an idle tray timer needs.

Idle memory is a benchmark target (1.15 × a bare PySide6 tray icon); every module loaded at
start-up costs some. Features that are used now and then (stacks, tasks, metrics, windows,
triggers, the control server) must load on first use. Built for real in a subprocess:
QApplication (offscreen), compose.build() on a fresh data folder, events processed.
"""

import json
import os
import subprocess
import sys

NOT_AT_START = (
    "microsession.core.stacks", "microsession.core.tasks", "microsession.core.metrics",
    "microsession.store.metrics", "microsession.store.tasks", "microsession.ui.session.starts",
    "microsession.ui.tray.menu_picks", "microsession.ui.windows.opener",  # (the ring: offscreen has no tray, so it shows)
    "microsession.ui.session.end_popup", "microsession.ui.windows.review", "microsession.ui.windows.tasks_window",
    "microsession.ui.windows.settings_dialog", "microsession.ui.windows.triggers_window",
    "apscheduler", "icalendar", "recurring_ical_events", "tzlocal", "hashlib", "unicodedata",
    "PySide6.QtNetwork", "PySide6.QtSvg", "PySide6.QtMultimedia", "shlex",
    "microsession.ui.session.custom_length",
    "microsession.store.sync_journal", "microsession.store.sync_import", "microsession.store.sync_status",
    "microsession.core.sync_merge",
    # calendar sources (#13): only with a calendar rule on, and only on a worker thread
    "caldav", "keyring", "niquests", "lxml", "urllib.request", "http.client", "dateutil",
    "microsession.schedule.ics_fetch", "microsession.schedule.caldav_source", "microsession.schedule.calendar",
    "microsession.ui.session.dnd", "jeepney", "microsession.ui.session.away",
    "asyncio", "ssl", "importlib.metadata", "multiprocessing", "concurrent",  # even with a rule on: schedule/aps.py
)

SCRIPT = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from microsession.compose import build
running = build(app, None, sys.argv[1])
QTimer.singleShot(4000, app.quit)  # past the delayed start-up checks
app.exec()
print(json.dumps(sorted(sys.modules)))
"""


def test_idle_app_loads_only_what_it_needs(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/none"}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "data")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert "microsession.ui.shell" in loaded  # it did build
    early = sorted(m for m in loaded if m in NOT_AT_START or m.split(".")[0] in NOT_AT_START)
    assert early == [], f"loaded at start-up: {early}"
