"""The real app on a real Wayland compositor (headless sway, no Xwayland).

A sprint is started from the ring's own menu (a right click through the compositor's
seat), runs to its end while the user types in another application, and the end-of-session
form must take nothing: no new window, the keyboard stays in the editor, the text typed
there stays there. Clicked, the form (inside the ring's window) is answered by keys and
the row lands in SQLite. With a bar's tray, the ring opens where sway puts it and is dragged
by the compositor; the task window and the preparation card are used by keys. The
compositor's idle protocol is read by the app's own source.

MICROSESSION_SCREENSHOTS=1 writes docs/screenshots/ring-wayland.png and popup-wayland.png.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wayland import APT, Sway, missing, serve_watcher

HERE = Path(__file__).resolve().parent
SHOTS = HERE.parent.parent / "docs" / "screenshots"
RING = "Micro-Session"


@pytest.fixture
def sway(request, tmp_path):
    absent = missing()
    if absent:
        reason = f"Wayland e2e needs {', '.join(absent)} (apt-get install {APT})"
        if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
            pytest.fail(reason + " -- CI=true, so this is an error", pytrace=False)
        pytest.skip(reason)
    desk = Sway(tmp_path / "sway")
    (tmp_path / "sway").mkdir()
    desk.start()
    try:
        yield desk
    finally:
        if getattr(request.node, "_e2e_report_call", None) and request.node._e2e_report_call.failed:
            try:
                print(f"\n[e2e] screen: {desk.screenshot(tmp_path / 'fail.png')}; logs in {desk.workdir}")
            except Exception as exc:  # noqa: BLE001 - the compositor may be what failed
                print(f"\n[e2e] no screenshot: {exc!r}")
        desk.stop()


def trace_event(desk: Sway, trace: Path, proc, event: str, timeout: float = 30.0, **match) -> dict:
    def find():
        for rec in desk.read_trace(trace):
            if rec.get("event") == event and all(rec.get(k) == v for k, v in match.items()):
                return rec
        if proc.poll() is not None:
            raise AssertionError(f"the app exited (rc {proc.returncode}) before {event}\n{desk.context()}")
        return None

    return desk.wait_for(find, timeout, what=f"trace event {event} {match}")


def content_rect(window: dict) -> dict:
    """The window's own surface on screen (sway's rect holds the border too)."""
    rect, inner = window["rect"], window["window_rect"]
    return {"x": rect["x"] + inner["x"], "y": rect["y"] + inner["y"],
            "width": inner["width"], "height": inner["height"]}


def open_ring_menu(sway: Sway, trace: Path, box: dict) -> None:
    """Right click on the ring until its menu shows (a click while the window is still
    being set up may be lost)."""
    def shown() -> int:
        return sum(r.get("event") == "menu_shown" for r in sway.read_trace(trace))

    def opened() -> bool:
        before = shown()
        sway.click(box["x"] + box["width"] // 2, box["y"] + box["height"] // 2, "button3")
        try:
            return bool(sway.wait_for(lambda: shown() > before, 5, what="the ring's menu"))
        except TimeoutError:
            return False

    sway.wait_for(opened, 60, what="the ring's menu, opened by a right click")


def shot_path(tmp_path: Path, name: str) -> Path:
    if os.environ.get("MICROSESSION_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        return SHOTS / name
    return tmp_path / name


def test_a_sprint_on_wayland_its_form_takes_nothing_and_is_answered_by_keys(sway, tmp_path):
    typed = tmp_path / "editor.txt"
    editor = sway.spawn([sys.executable, str(HERE / "wayland_editor.py"), str(typed)],
                        extra_env={"QT_QPA_PLATFORM": "wayland"})
    sway.wait_for(lambda: sway.window("Editor"), 30, what="the editor's window")
    trace, data = tmp_path / "trace.jsonl", tmp_path / "data"
    # No QT_QPA_PLATFORM: Qt's own choice on a Wayland session (no DISPLAY at all).
    app = sway.spawn([sys.executable, "-m", "microsession"], extra_env={
        "MICROSESSION_TRACE": str(trace), "MICROSESSION_TIME_SCALE": "100", "MICROSESSION_DATA_DIR": str(data)})
    assert trace_event(sway, trace, app, "ready")["platform"] == "wayland"
    ring = sway.wait_for(lambda: sway.window(RING), 30, what="the ring's window")
    assert ring["shell"] == "xdg_shell"  # a Wayland window (Xwayland is off anyway)

    open_ring_menu(sway, trace, content_rect(ring))  # Down = "Start 5 min"
    sway.type("-k", "Down", "-k", "Return")
    started = trace_event(sway, trace, app, "session_started", kind="micro")
    assert started["planned_s"] == 300
    sway.wait_for(lambda: sway.window(RING)["window_rect"]["height"] >= 170, 10, what="the ring drawn")
    ring_shot = sway.screenshot(tmp_path / "ring-main-window.png", content_rect(sway.window(RING)))

    sway.focus("Editor")  # the user goes on with other work while the sprint runs
    shown = trace_event(sway, trace, app, "popup_shown", timeout=60)
    assert shown["in_ring"] and shown["on_screen"]
    sway.wait_for(lambda: sway.window(RING)["window_rect"]["width"] >= 300, 10, what="the form in the ring")
    assert sorted(w["name"] for w in sway.windows()) == ["Editor", RING]  # no new window
    assert sway.focused() == "Editor"
    sway.type("typed elsewhere")
    sway.wait_for(lambda: typed.read_text() == "typed elsewhere", 20, what="the text in the editor")
    assert sway.focused() == "Editor"
    form = content_rect(sway.window(RING))
    popup_shot = sway.screenshot(shot_path(tmp_path, "popup-wayland.png"), form)

    sway.click(form["x"] + 60, form["y"] + 20)  # on the heading: the click gives the keyboard
    sway.wait_for(lambda: sway.focused() == RING, 10, what="the ring's window focused by the click")
    sway.type("chapter two", "-k", "Tab", "outline", "-M", "alt", "3", "-m", "alt", "-k", "Return")
    saved = trace_event(sway, trace, app, "log_saved", timeout=30)
    assert saved["session_id"] == started["id"]
    trace_event(sway, trace, app, "session_started", kind="break")  # Enter saved, the break began
    sway.wait_for(lambda: sway.window(RING)["window_rect"]["width"] < 300, 10, what="the ring back")

    conn = sqlite3.connect(data / "microsession.sqlite3")
    try:
        rows = conn.execute("SELECT stopped_at, next_step, energy FROM session_logs WHERE session_id = ?",
                            (started["id"],)).fetchall()
    finally:
        conn.close()
    assert rows == [("chapter two", "outline", 3)]
    assert typed.read_text() == "typed elsewhere"  # nothing of the answer went elsewhere
    for shot in (ring_shot, popup_shot):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 2000
    assert editor.poll() is None and app.poll() is None


def test_with_a_tray_the_ring_is_placed_by_sway_and_dragged_by_it(sway, tmp_path):
    """A bar's tray (a StatusNotifierWatcher): the app is a tray app, no window at idle; the
    ring opens where sway puts it and moves with the pointer (startSystemMove); nothing of
    its place is stored."""
    items = serve_watcher(sway.env["DBUS_SESSION_BUS_ADDRESS"])
    trace, data = tmp_path / "trace.jsonl", tmp_path / "data"
    app = sway.spawn([sys.executable, "-m", "microsession"], extra_env={
        "MICROSESSION_TRACE": str(trace), "MICROSESSION_TIME_SCALE": "1", "MICROSESSION_DATA_DIR": str(data)})
    trace_event(sway, trace, app, "ready")
    sway.wait_for(lambda: items, 30, what="the tray icon registered")
    assert sway.windows() == []  # a tray app: nothing on screen at idle
    out = subprocess.run([sys.executable, "-m", "microsession", "start", "25"], capture_output=True, text=True,
                         env={**sway.env, "MICROSESSION_DATA_DIR": str(data)}, timeout=60)
    assert out.returncode == 0, out.stderr
    ring = sway.wait_for(lambda: sway.window(RING), 30, what="the ring's window")
    box = content_rect(ring)
    assert (box["width"], box["height"]) == (180, 180)  # frameless: the card alone
    assert 0 <= box["x"] and box["x"] + box["width"] <= sway.width and 0 <= box["y"]  # on screen
    sway.wait_for(lambda: trace_event(sway, trace, app, "ring_shown"), 10, what="the ring painted")
    shot = sway.screenshot(shot_path(tmp_path, "ring-wayland.png"), {**box, "x": box["x"] - 12, "y": box["y"] - 12,
                                                                      "width": 204, "height": 204})
    assert shot.stat().st_size > 2000
    x, y = box["x"] + box["width"] // 2, box["y"] + 60  # on the title, not on a button
    sway.pointer.move(x, y)
    sway.pointer.button("button1", True)
    steps = []

    def dragged():  # the move starts once the app has asked for it: keep moving until then
        steps.append(len(steps) + 1)
        sway.pointer.move(x - 10 * len(steps), y + 7 * len(steps))
        w = sway.window(RING)
        return w if w and w["rect"]["x"] <= ring["rect"]["x"] - 100 else None

    moved = sway.wait_for(dragged, 20, what="the ring dragged by the compositor", interval=0.02)
    sway.pointer.button("button1", False)
    assert moved["rect"]["y"] >= ring["rect"]["y"] + 50

    open_ring_menu(sway, trace, content_rect(moved))
    sway.type("t")  # "&Tasks…": a window of its own, opened by the user, takes the keyboard
    sway.wait_for(lambda: sway.focused() == "Micro-Session · Tasks", 30, what="the task window focused")
    sway.type("Plan the week", "-k", "Return")

    def added():
        conn = sqlite3.connect(data / "microsession.sqlite3")
        try:
            return conn.execute("SELECT 1 FROM tasks WHERE title = 'Plan the week'").fetchall()
        finally:
            conn.close()

    sway.wait_for(added, 30, what="the task typed into the task window, in the file")
    conn = sqlite3.connect(data / "microsession.sqlite3")
    try:
        kept = conn.execute("SELECT key FROM settings WHERE key IN ('ring_x', 'ring_y')").fetchall()
    finally:
        conn.close()
    assert kept == []  # a place the app cannot know is not remembered
    assert app.poll() is None


def test_the_preparation_card_shows_and_is_answered_by_keys(sway, tmp_path):
    trace, data = tmp_path / "trace.jsonl", tmp_path / "data"
    env = {**sway.env, "MICROSESSION_DATA_DIR": str(data)}
    made = subprocess.run([sys.executable, "-m", "microsession", "tasks", "add", "Plan"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert made.returncode == 0, made.stderr  # the data file exists now
    conn = sqlite3.connect(data / "microsession.sqlite3")
    with conn:
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('preparation', 'true')")
    conn.close()
    app = sway.spawn([sys.executable, "-m", "microsession"], extra_env={
        "MICROSESSION_TRACE": str(trace), "MICROSESSION_TIME_SCALE": "1", "MICROSESSION_DATA_DIR": str(data)})
    trace_event(sway, trace, app, "ready")
    out = subprocess.run([sys.executable, "-m", "microsession", "start", "15"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    trace_event(sway, trace, app, "prep_shown", minutes=15)
    title = "Micro-Session · Get ready"  # asked for by the user's start: it may take the keyboard
    sway.wait_for(lambda: sway.focused() == title, 30, what="the preparation card focused")
    sway.type("-k", "Return")
    trace_event(sway, trace, app, "prep_done")
    assert trace_event(sway, trace, app, "session_started")["planned_s"] == 900
    sway.wait_for(lambda: sway.window(title) is None, 10, what="the card gone")


def test_idle_from_the_real_compositor(sway, monkeypatch):
    """sway 1.7 (Debian 12) offers org_kde_kwin_idle; ext-idle-notify-v1 is tested on a fake."""
    from microsession.schedule import idle, wayland_idle

    for key in ("WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("WAYLAND_DISPLAY", sway.socket)
    picked = idle.system_source()
    assert picked is not None and picked.name.startswith("Wayland ")
    picked.close()
    source = wayland_idle.WaylandIdleSource(timeout_s=1)
    try:
        assert source.protocol in wayland_idle.PROTOCOLS
        sway.wait_for(lambda: source.idle_seconds() >= 1.0, 30, what="idle after a second without input")
        sway.type("-k", "Shift_L")  # input through the seat: the compositor says "resumed"
        sway.wait_for(lambda: source.idle_seconds() == 0.0, 30, what="active again after a key")
        sway.wait_for(lambda: source.idle_seconds() >= 1.0, 30, what="idle again")
    finally:
        source.close()
