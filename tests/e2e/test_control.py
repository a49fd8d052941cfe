"""Control from outside on a real X server with a real tray: `microsession start 5`, `status
--json`, a second launch that hands over instead of showing a second icon, `quit`; and
`start` with no app running, which launches it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app_runner import RunningApp, app_windows
from desktop import Desktop


def test_start_status_second_launch_and_quit(desktop: Desktop, tmp_path: Path) -> None:
    app = RunningApp(desktop, tmp_path, scale=1)  # real time: 5 minutes outlast the test
    started = app.control("start", "5")
    assert (started.returncode, started.stdout, started.stderr) == (0, "focus 05:00\n", ""), started
    assert app.wait("session_started", kind="micro")["planned_s"] == 300

    status = app.control("status", "--json")
    assert status.returncode == 0, status
    fields = json.loads(status.stdout)
    assert fields["state"] == "running" and fields["phase"] == "focus" and fields["app_running"] is True
    assert 240 < fields["remaining_s"] <= 300 and fields["class"] == "focus"
    ring = desktop.wait_for(lambda: desktop.window_ids("^Micro-Session$"), what="the ring window")
    shown = set(app_windows(desktop))  # the tray icon and the ring

    # A second launch: it finds the first, asks it to show itself, and exits at once.
    second_trace = tmp_path / "second-trace.jsonl"
    second = desktop.spawn([sys.executable, "-m", "microsession"],
                           extra_env={**app.env, "MICROSESSION_TRACE": str(second_trace)},
                           log_path=tmp_path / "second.log")
    assert second.wait(timeout=20) == 0, (tmp_path / "second.log").read_text()
    app.wait("control", cmd="show", ok=True)
    assert app.proc.poll() is None
    assert set(app_windows(desktop)) == shown and desktop.window_ids("^Micro-Session$") == ring
    assert not [r for r in desktop.read_trace(second_trace) if r["event"] == "tray_visible"]

    paused = app.control("pause")
    assert paused.returncode == 0 and paused.stdout.startswith("paused"), paused
    again = app.control("pause")
    assert again.returncode == 1 and again.stderr.strip().count("\n") == 0, again
    text = app.control("status", "--format", "{state} {remaining} {task}")
    assert text.stdout.startswith("paused "), text

    bye = app.control("quit")
    assert bye.returncode == 0, bye
    assert app.wait_exit() == 0
    after = app.control("status", "--json")
    assert after.returncode == 0 and json.loads(after.stdout)["app_running"] is False
    gone = app.control("pause")
    assert (gone.returncode, gone.stderr) == (1, "Micro-Session is not running\n")
    with app.db() as conn:
        rows = conn.execute("SELECT planned_s, outcome FROM sessions WHERE kind = 'micro'").fetchall()
    assert [tuple(r) for r in rows] == [(300, None)]  # kept open: the next start resumes it


def pids_with(marker: str) -> list[int]:
    """Processes whose environment holds `marker` (ours: the launched app's trace path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_start_with_no_app_running_launches_it(desktop: Desktop, tmp_path: Path) -> None:
    trace = tmp_path / "launched-trace.jsonl"
    marker = f"MICROSESSION_TRACE={trace}"
    env = {**desktop.env, "MICROSESSION_DATA_DIR": str(tmp_path / "data"), "MICROSESSION_TRACE": str(trace),
           "MICROSESSION_TIME_SCALE": "1"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "microsession", *args], env=env, capture_output=True,
                              text=True, timeout=60)

    try:
        started = cli("start", "5")  # returns once the launched app has started the sprint
        assert (started.returncode, started.stdout) == (0, "focus 05:00\n"), started
        desktop.wait_trace(trace, "tray_visible", timeout=30)
        [pid] = pids_with(marker)
        fields = json.loads(cli("status", "--json").stdout)
        assert fields["state"] == "running" and fields["app_running"] is True
        assert cli("start", "5").returncode == 1  # one sprint at a time, and still one app
        assert pids_with(marker) == [pid]
        assert cli("quit").returncode == 0
        desktop.wait_for(lambda: not pids_with(marker), timeout=20, what="the launched app to exit")
    finally:
        for pid in pids_with(marker):  # only the app this test launched
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pids_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
