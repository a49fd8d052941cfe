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

import pytest

NOT_AT_START = (
    "microsession.core.stacks", "microsession.core.tasks", "microsession.core.figures.metrics",
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


IDLE_ENUMS = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
QSystemTrayIcon.isSystemTrayAvailable = staticmethod(lambda: True)  # offscreen: an icon all the same
exec_ = QApplication.exec

def exec_then_look(app):
    def look():
        import PySide6.QtCore as core
        print(json.dumps({"Qt": "Qt" in vars(core), "QEvent": "QEvent" in vars(core),
                          "shell": "microsession.ui.shell" in sys.modules,
                          "rules": "microsession.schedule.timer" in sys.modules}))
        app.quit()
    QTimer.singleShot(5000, look)  # past the delayed start-up checks and the trigger service's start
    return exec_()

QApplication.exec = exec_then_look
from microsession.app import run
sys.exit(run(sys.argv[1]))
"""


@pytest.mark.parametrize("rule", [False, True], ids=["no rule", "one time rule on"])
def test_the_idle_app_builds_no_qt_enum_namespace(tmp_path, rule):
    """PySide6 builds all 93 enums of `Qt` (~1.3 MB) on the first use of any, and QEvent's
    ~180 types on the first event that reaches Python: the idle tray icon needs neither,
    nor does the trigger service waiting for a rule."""
    if rule:
        from datetime import datetime, timezone

        from microsession.core.triggers import AtTime, Suggestion
        from microsession.store import db, triggers

        conn = db.connect(tmp_path / "data" / "microsession.sqlite3")
        triggers.add(conn, triggers.new_rule("coffee", AtTime((10, 0)), Suggestion(5, "admin")), datetime.now(timezone.utc))
        conn.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/none"}
    env.pop("MICROSESSION_TRACE", None)
    out = subprocess.run([sys.executable, "-c", IDLE_ENUMS, str(tmp_path / "data")], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"Qt": False, "QEvent": False, "shell": True, "rules": rule}


SOURCE_SCAN = """
import linecache, sys
import PySide6.QtCore
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "skip":
    from microsession import memory
    memory.skip_source_scans()
import planted_module
print(any(name.endswith("planted_module.py") for name in linecache.cache))
"""


def test_pyside_reads_no_source_of_modules_imported_after_it(tmp_path):
    """Left alone, PySide6 reads every later module's source into linecache (its __feature__
    check): ~2 MB for ours, which left the heap in holes. The control run shows it does."""
    (tmp_path / "planted_module.py").write_text("VALUE = 1\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    read = {}
    for mode in ("skip", "leave"):
        out = subprocess.run([sys.executable, "-c", SOURCE_SCAN, str(tmp_path), mode], env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        read[mode] = out.stdout.strip()
    assert read == {"skip": "False", "leave": "True"}
