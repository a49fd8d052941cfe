"""Do not disturb and "away in the middle of a session", in the real app on a real desktop.

* dunst is paused while a focus session runs (another app's notification waits), unpaused
  at its end, and our own "Session done" gets through with its buttons.
* A fake logind on a private system-like bus locks our session for 8 minutes (app time) of a
  running session; back, the app asks once in a notification with three buttons; "Count as
  break" is chosen in dunst, and the session's row has the time away left out of its focus.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

from app_runner import RunningApp
from desktop import Desktop

from microsession.store import db
from microsession.store import settings as settings_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
from fake_services import fake_logind, login1_lock, start_bus  # noqa: E402


def test_dunst_paused_while_focusing_and_our_end_gets_through(desktop: Desktop, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with contextlib.closing(db.connect(data / "microsession.sqlite3")) as conn:
        settings_store.save(conn, "dnd_while_focusing", True)
        settings_store.save(conn, "chime", False)  # no "no sound player" notice on this machine
    app = RunningApp(desktop, tmp_path, scale=60, data=data)  # 5 min in 5 s
    assert app.control("start", "5").returncode == 0
    app.wait("dnd_on", backend="dunst", before="false")
    assert desktop._run(["dunstctl", "is-paused"]).stdout.strip() == "true"
    desktop._run(["notify-send", "Chat", "someone wrote"])
    desktop.wait_for(lambda: desktop._run(["dunstctl", "count", "waiting"]).stdout.strip() == "1",
                     what="the other app's notification held back")
    assert desktop.notifications_displayed_count() == 0

    app.wait("session_ended", timeout=60, outcome="completed")
    app.wait("dnd_off", backend="dunst")
    assert desktop._run(["dunstctl", "is-paused"]).stdout.strip() == "false"
    desktop.wait_for(lambda: desktop.notifications_displayed_count() == 2, what="ours and the held one")
    desktop.wait_for(desktop.notification_windows, what="them painted (dunst draws one window)")
    desktop.screenshot(tmp_path / "after-dnd.png")
    desktop.invoke_notification_action("Skip break", summary="Session done ✓")
    app.wait("notification_action", key="skip")
    assert not (data / "dnd-restore.json").exists()
    assert app.quit() == 0


def test_sigterm_mid_session_gives_notifications_back(desktop: Desktop, tmp_path: Path) -> None:
    """A logout (SIGTERM) during a focus session: dunst unpaused on the way out."""
    data = tmp_path / "data"
    data.mkdir()
    with contextlib.closing(db.connect(data / "microsession.sqlite3")) as conn:
        settings_store.save(conn, "dnd_while_focusing", True)
    app = RunningApp(desktop, tmp_path, scale=1, data=data)
    assert app.control("start", "25").returncode == 0
    app.wait("dnd_on", backend="dunst")
    assert app.quit() == 0  # SIGTERM
    assert desktop._run(["dunstctl", "is-paused"]).stdout.strip() == "false"
    assert not (data / "dnd-restore.json").exists()


def test_locked_mid_session_counted_as_a_break(desktop: Desktop, tmp_path: Path) -> None:
    bus, address = start_bus(tmp_path / "system-bus")
    logind = fake_logind(address)
    try:
        app = RunningApp(desktop, tmp_path, scale=60, extra_env={"DBUS_SYSTEM_BUS_ADDRESS": address})
        assert app.control("start", "25").returncode == 0
        started = app.wait("session_started", kind="micro")
        app.wait("away_watching")
        login1_lock(logind, True)
        app.wait("away_left", why="lock")

        def remaining() -> float:
            out = app.control("status", "--json")
            return json.loads(out.stdout)["remaining_s"] if out.returncode == 0 else 1e9

        desktop.wait_for(lambda: remaining() <= 17 * 60, timeout=60, what="8 minutes (app time) away")
        login1_lock(logind, False)
        asked = app.wait("away_asked")
        assert asked["away_s"] >= 7 * 60
        desktop.wait_for(lambda: desktop.notification_windows(), what="the question")
        desktop.screenshot(tmp_path / "away-question.png")
        desktop.invoke_notification_action("Count as break", summary="Welcome back")
        app.wait("away_answered", answer="break")
        assert app.control("stop").returncode == 0
        app.wait("session_ended", id=started["id"])
        assert app.quit() == 0
    finally:
        logind.stop()
        bus.terminate()
        bus.wait(10)
    with contextlib.closing(app.db()) as conn:
        row = conn.execute("SELECT * FROM sessions WHERE id = ?", (started["id"],)).fetchone()
    from datetime import datetime

    ran = (datetime.fromisoformat(row["ended_utc"]) - datetime.fromisoformat(row["started_utc"])).total_seconds()
    assert row["away_answer"] == "break" and row["away_s"] == asked["away_s"]
    assert abs(row["focused_s"] - (ran - row["away_s"])) < 1.0  # the time away left out, exactly
    assert row["outcome"] == "stopped"
