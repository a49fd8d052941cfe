"""A trigger rule fires in the real app, on a real X desktop with a notification daemon.

A rule for the next wall-clock minute is added with the command line before the app starts
(the scheduler runs on the wall clock, not the test time scale, so this test waits up to a
minute and a half). The app starts its scheduler because a rule is on; the suggestion
arrives as a notification with Start / Snooze / Dismiss; choosing Start in dunst begins the
suggested session, which lands in the SQLite file.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from app_runner import RunningApp
from desktop import Desktop

RULE = "Coffee planning now"


def test_a_rule_fires_and_start_begins_its_session(desktop: Desktop, tmp_path: Path) -> None:
    data = tmp_path / "data"
    now = datetime.now().astimezone()
    at = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (at - now).total_seconds() < 15:  # room for the app to start and build its jobs
        at += timedelta(minutes=1)
    setup = RunningApp.cli_for(data, "triggers", "add", "--name", RULE, "--at", at.strftime("%H:%M"),
                               "--days", "daily", "--minutes", "5", "--label", "planning")
    assert setup.returncode == 0, setup.stderr

    app = RunningApp(desktop, tmp_path, scale=100, data=data)
    app.wait("triggers_running", timeout=30)
    wait_s = (at - datetime.now().astimezone()).total_seconds() + 45
    app.wait("suggestion_offered", timeout=wait_s)
    chosen = desktop.invoke_notification_action("Start", summary=RULE, timeout=20)
    assert "trigger_start" in chosen
    started = app.wait("session_started", kind="micro", timeout=20)
    assert started["planned_s"] == 300
    assert app.quit() == 0
    with app.db() as conn:
        row = conn.execute("SELECT planned_s FROM sessions WHERE id = ?", (started["id"],)).fetchone()
        fired = conn.execute("SELECT last_fired_utc FROM triggers WHERE name = ?", (RULE,)).fetchone()
    assert row["planned_s"] == 300 and fired[0]
