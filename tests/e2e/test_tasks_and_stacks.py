"""Tasks and stacks as a user meets them, on a real X server with a real tray.

Tasks are added with the command line; the tray menu's "Start on task ▸" starts one; the
popup's log comes back as the ring's resume card the next time; "Stack ▸" runs a whole
stack through by itself. The screenshots go to the test's folder (and to docs/screenshots
when MICROSESSION_SCREENSHOTS=1, which is how the README's pictures are made).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from app_runner import RunningApp
from desktop import Desktop

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
IDLE_MENU_DOWNS = {"Start on task": 9, "Batch": 10, "Stack": 11}  # enabled items from the top


def shoot(desktop: Desktop, tmp_path: Path, name: str) -> None:
    path = desktop.screenshot(tmp_path / name)
    if os.environ.get("MICROSESSION_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / name)


def pick(app: RunningApp, submenu: str) -> None:
    """Idle tray menu -> submenu -> its first line (Right opens it with that line selected)."""
    app.menu(*(["Down"] * IDLE_MENU_DOWNS[submenu]), "Right")
    app.desktop.wait_for(lambda: len(app.desktop.window_ids(".*")) >= 2, what=f"the {submenu} submenu")
    app.desktop.key("Return")


def test_task_session_popup_and_resume_card(desktop: Desktop, tmp_path: Path) -> None:
    app = RunningApp(desktop, tmp_path, scale=300)
    for title in ("Write the intro", "Reply to Anna"):
        out = app.cli("tasks", "add", title, "--type", "communication", "--minutes", "10")
        assert out.returncode == 0, out.stderr
    [task_id] = [line.split()[0] for line in app.cli("tasks", "list").stdout.splitlines() if "Reply to Anna" in line]

    pick(app, "Start on task")  # the newest task comes first
    started = app.wait("session_started", kind="micro")
    assert started["task_id"].startswith(task_id) and started["planned_s"] == 600
    app.wait("session_ended", timeout=60, id=started["id"], outcome="completed")
    popup = desktop.wait_for(lambda: desktop.window_ids("Session log"), what="the popup")[0]
    x, y, w, h = desktop.window_geometry(popup)
    desktop.click(x + w // 2, y + 50)
    desktop.wait_for(lambda: desktop.focused_window() == popup, what="popup focus")
    desktop.type_text("the second paragraph")
    desktop.key("Tab")
    desktop.type_text("ask about the deadline")
    desktop.key("Return")
    app.wait("log_saved", session_id=started["id"])
    app.wait("session_started", kind="break")
    app.wait("session_ended", kind="break", outcome="completed")  # 5 minutes: one second here

    pick(app, "Start on task")  # the task worked on last is first now
    again = app.wait("session_started", kind="micro", where=lambda r: r["id"] != started["id"])
    assert again["task_id"] == started["task_id"]
    card = app.wait("resume_card", task_id=started["task_id"])
    assert card["text"] == "Last time: stopped at the second paragraph · Next: ask about the deadline"
    ring = desktop.wait_for(lambda: [w for w in desktop.window_ids("^Micro-Session$")
                                     if desktop.window_geometry(w)[3] > 200], what="the ring with its resume card")[0]
    x, y, w, h = desktop.window_geometry(ring)
    shot = desktop.screenshot(tmp_path / "resume-card.png")
    below_ring = colours(shot, x + 10, y + 185, w - 20, h - 195)
    assert below_ring > 10, f"no text under the ring ({below_ring} colours)"  # antialiased text: many
    shoot(desktop, tmp_path, "resume-card.png")

    app.menu("t")  # "&Tasks…": the task window
    window = desktop.wait_for(lambda: desktop.window_ids("Tasks"), what="the task window")[0]
    desktop.wait_for(lambda: desktop.focused_window() == window, what="the task window's focus")
    desktop.type_text("Plan the week @Home / Planning")
    desktop.key("Return")
    desktop.wait_for(lambda: "Plan the week" in app.cli("tasks", "list").stdout, what="the new task in the file")
    shoot(desktop, tmp_path, "task-window.png")
    assert app.quit() == 0
    with app.db() as conn:
        rows = conn.execute("SELECT task_id FROM sessions WHERE kind = 'micro' ORDER BY started_utc").fetchall()
    assert [r[0] for r in rows] == [started["task_id"]] * 2


def test_a_stack_runs_through_by_itself(desktop: Desktop, tmp_path: Path) -> None:
    app = RunningApp(desktop, tmp_path, scale=100)  # 45 minutes of stack in 27 seconds
    pick(app, "Stack")  # the first stack: "Research → Write → Edit"
    first = app.wait("stack_started")
    assert first["steps"] == 5
    for position, energy in ((0, 3), (2, 4), (4, 5)):  # each focus step's short popup, by keys
        step = app.wait("session_started", stack_position=position, timeout=30)
        if position == 2:
            shoot(desktop, tmp_path, "stack-step.png")
        app.wait("popup_shown", id=step["id"], timeout=30)
        popup = desktop.wait_for(lambda: desktop.window_ids("Session log"), what="the popup")[0]
        x, y, w, h = desktop.window_geometry(popup)
        desktop.click(x + w // 2, y + 20)  # on the heading: the window takes the keyboard
        desktop.wait_for(lambda: desktop.focused_window() == popup, what="popup focus")
        desktop.type_text(f"after step {position + 1}")
        desktop.key(f"alt+{energy}", "Return")
        app.wait("log_saved", session_id=step["id"])
    ended = app.wait("stack_ended", run_id=first["run_id"], timeout=60)
    assert ended["outcome"] == "completed"
    assert app.quit() == 0
    with app.db() as conn:
        steps = conn.execute("SELECT stack_position, kind, planned_s, outcome FROM sessions"
                             " WHERE stack_run_id = ? ORDER BY stack_position", (first["run_id"],)).fetchall()
        run = conn.execute("SELECT outcome, ended_utc FROM stack_runs WHERE id = ?", (first["run_id"],)).fetchone()
    assert [tuple(s) for s in steps] == [(0, "micro", 600.0, "completed"), (1, "break", 300.0, "completed"),
                                         (2, "micro", 900.0, "completed"), (3, "break", 300.0, "completed"),
                                         (4, "micro", 600.0, "completed")]
    assert run["outcome"] == "completed" and run["ended_utc"]
    with app.db() as conn:
        logs = conn.execute("SELECT s.stack_position, l.next_step, l.energy FROM session_logs l"
                            " JOIN sessions s ON s.id = l.session_id ORDER BY s.stack_position").fetchall()
    assert [tuple(r) for r in logs] == [(0, "after step 1", 3), (2, "after step 3", 4), (4, "after step 5", 5)]

    out = app.cli("stats", "--week", "--json")  # issue 6: the week's figures from the e2e data folder
    assert out.returncode == 0, out.stderr
    week = json.loads(out.stdout)
    assert (week["sessions"], week["focused_minutes"], week["breaks"], week["average_energy"]) == (3, 35.0, 2, 4.0)
    assert week["sentence"] == "3 sessions, 35 min of focus"


def colours(png: Path, x: int, y: int, w: int, h: int) -> int:
    """How many distinct colours a region of a screenshot holds (imagemagick's own convert)."""
    out = subprocess.run(["/usr/bin/convert", str(png), "-crop", f"{w}x{h}+{x}+{y}", "+repage",
                          "-format", "%k", "info:"], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())
