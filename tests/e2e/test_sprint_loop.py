"""The path a user walks ten times a day, on a real X server with a real tray and notifications.

Tray click -> ring -> gentle end (notification) -> popup answered by keys -> break -> quit,
then the SQLite file and `microsession log` hold the session and its log. The hidden time
scale makes the default 15-minute sprint last 9 seconds.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from app_runner import RunningApp
from desktop import Desktop


def test_sprint_popup_break_and_log(desktop: Desktop, tmp_path: Path) -> None:
    app = RunningApp(desktop, tmp_path, scale=100)
    app.click_tray()
    started = app.wait("session_started", kind="micro")
    assert started["planned_s"] == 900
    desktop.wait_for(lambda: desktop.window_ids("^Micro-Session$"), what="the ring window")
    desktop.screenshot(tmp_path / "running.png")

    app.wait("session_ended", timeout=60, kind="micro", outcome="completed")
    desktop.wait_for(lambda: any(n for n in desktop.notification_windows()), what="the end notification")
    popup = desktop.wait_for(lambda: desktop.window_ids("Session log"), what="the popup")[0]

    # A user clicks into the popup (it never takes the keyboard by itself), then types.
    x, y, w, h = desktop.window_geometry(popup)
    desktop.click(x + w // 2, y + 50)
    desktop.wait_for(lambda: desktop.focused_window() == popup, what="popup focus")
    desktop.type_text("the middle of section 2")
    desktop.key("Tab")
    desktop.type_text("write the conclusion")
    desktop.key("alt+4")
    desktop.key("Return")
    app.wait("log_saved")
    app.wait("session_started", kind="break")  # Enter saves and the break starts

    # Quit from the tray menu: right-click, Up wraps to the last item (Quit), Return.
    app.click_tray(button=3)
    desktop.wait_for(lambda: desktop.window_ids(".*", visible_only=True), what="the menu")
    desktop.key("Up")
    desktop.key("Return")
    assert app.wait_exit() == 0

    with app.db() as conn:
        row = conn.execute("SELECT * FROM sessions WHERE kind = 'micro'").fetchone()
        log = conn.execute("SELECT * FROM session_logs WHERE session_id = ?", (row["id"],)).fetchone()
    assert row["outcome"] == "completed" and row["focused_s"] == 900
    assert log["stopped_at"] == "the middle of section 2" and log["next_step"] == "write the conclusion"
    assert log["energy"] == 4

    out = app.cli("log", "--last", "1", "--json")
    assert out.returncode == 0, out.stderr
    [entry] = json.loads(out.stdout)
    assert entry["id"] == row["id"] and entry["log"]["energy"] == 4
    bad = app.cli("log", "--last", "x")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_notification_action_skips_the_break(desktop: Desktop, tmp_path: Path) -> None:
    app = RunningApp(desktop, tmp_path, scale=300)  # 15 min in 3 s
    app.click_tray()
    app.wait("session_ended", timeout=60, kind="micro")
    desktop.wait_for(lambda: desktop.notifications_displayed_count() >= 1, what="the end notification")
    desktop.invoke_notification_action("Skip break", summary="Session done ✓")
    app.wait("notification_action", key="skip")
    app.proc.send_signal(signal.SIGTERM)
    assert app.wait_exit() == 0
    with app.db() as conn:
        kinds = [r["kind"] for r in conn.execute("SELECT kind FROM sessions")]
    assert kinds == ["micro"]  # no break was started


def test_kill_9_mid_session_is_recovered(desktop: Desktop, tmp_path: Path) -> None:
    app = RunningApp(desktop, tmp_path, scale=10)  # 15 min take 90 s: still running at the kill
    app.click_tray()
    started = app.wait("session_started")
    os.kill(app.proc.pid, signal.SIGKILL)
    app.proc.wait(timeout=10)
    with app.db() as conn:
        assert conn.execute("SELECT ended_utc FROM sessions WHERE id = ?", (started["id"],)).fetchone()[0] is None

    again = RunningApp(desktop, tmp_path, scale=10, name="again")
    resumed = again.wait("session_resumed")
    assert resumed["id"] == started["id"] and 0 < resumed["remaining_s"] <= 900
    notice = again.wait("notice")
    assert "resumed" in notice["message"]
    desktop.wait_for(lambda: desktop.window_ids("^Micro-Session$"), what="the ring of the resumed session")
    again.proc.send_signal(signal.SIGTERM)
    assert again.wait_exit() == 0
