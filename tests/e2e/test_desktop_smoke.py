"""Proves the end-to-end harness (tests/e2e/desktop.py) on a real private desktop:
the tray host embeds a Qt tray icon whose traced geometry can be clicked, dunst shows
notifications whose actions a test can choose, windows can be focused and typed into,
screenshots work, and teardown leaves nothing running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from desktop import Desktop

# QSystemTrayIcon.ActivationReason values as traced by bare_tray.py.
TRIGGER = 3   # left click
CONTEXT = 1   # right click


def _pixel(png: Path, x: int, y: int) -> tuple[int, int, int]:
    """The RGB colour of one pixel, read with ImageMagick (by full path)."""
    out = subprocess.run(
        ["/usr/bin/convert", str(png), "-crop", f"1x1+{x}+{y}", "-depth", "8",
         "-format", "%[fx:int(255*r)],%[fx:int(255*g)],%[fx:int(255*b)]", "info:-"],
        capture_output=True, text=True, check=True)
    r, g, b = (int(v) for v in out.stdout.strip().split(","))
    return r, g, b


def test_tray_icon_is_embedded_clickable_and_visible(desktop: Desktop, bare_tray_path: Path,
                                                     tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    proc = desktop.spawn([sys.executable, str(bare_tray_path)],
                         extra_env={"MICROSESSION_TRACE": str(trace)})

    rec = desktop.wait_trace(trace, "tray_visible", timeout=15)
    x, y, w, h = rec["x"], rec["y"], rec["w"], rec["h"]
    # Entirely on screen, inside trayer's 32 px panel at the top-right corner.
    assert w > 0 and h > 0
    assert 0 <= x and x + w <= desktop.width and 0 <= y and y + h <= 32, rec
    assert x > desktop.width // 2, rec
    assert rec["since_mono"] <= rec["mono"]

    # A left click at the centre lands there and reaches the icon (Trigger).
    cx, cy = x + w // 2, y + h // 2
    desktop.click(cx, cy)
    assert desktop.mouse_location() == (cx, cy)
    desktop.wait_trace(trace, "tray_activated", where=lambda r: r["reason"] == TRIGGER,
                       timeout=10)
    desktop.wait_trace(trace, "ring_shown", timeout=10)  # the floor's first session (benchmarks)
    # The screenshot is a real PNG showing the icon (a #d9534f square) at the traced spot
    # (taken before the right-click: the floor's menu would cover the icon).
    shot = desktop.screenshot(tmp_path / "screen.png")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # IHDR: the image is the whole screen.
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (
        desktop.width, desktop.height)
    r, g, b = _pixel(shot, cx, cy)
    assert max(abs(r - 0xD9), abs(g - 0x53), abs(b - 0x4F)) < 8, (r, g, b)

    # Clicking again where the pointer already is must not stall (xdotool's --sync would).
    desktop.click(cx, cy, button=3)
    desktop.wait_trace(trace, "tray_activated", where=lambda r: r["reason"] == CONTEXT,
                       timeout=10)

    # SIGTERM quits cleanly.
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def _notify(desktop: Desktop, tmp_path: Path, name: str, summary: str) -> tuple[
        subprocess.Popen, Path]:
    """notify-send with two actions; it waits and prints the chosen action's key."""
    log = tmp_path / f"{name}.out"
    proc = desktop.spawn(
        ["notify-send", "-A", "skip=Skip", "-A", "start=Start", summary, f"body of {name}"],
        log_path=log)
    return proc, log


def test_notification_action_can_be_chosen(desktop: Desktop, tmp_path: Path) -> None:
    proc, log = _notify(desktop, tmp_path, "one", "Session done")
    chosen = desktop.invoke_notification_action("Skip")
    assert chosen.startswith("#Skip (Session done) [") and chosen.endswith(",skip]")
    assert proc.wait(timeout=10) == 0
    assert log.read_text().strip() == "skip"
    # Closed notifications move to dunst's history.
    history = desktop.wait_for(desktop.notifications_history, timeout=5, what="history")
    assert history[0]["summary"] == "Session done"
    assert history[0]["body"] == "body of one"
    assert desktop.notifications_displayed_count() == 0

    # With two on screen, the summary picks one; an unknown label is a LookupError.
    a, a_log = _notify(desktop, tmp_path, "a", "Session done")
    b, b_log = _notify(desktop, tmp_path, "b", "Break over")
    desktop.wait_for(lambda: desktop.notifications_displayed_count() == 2, timeout=10,
                     what="two notifications on screen")
    with pytest.raises(LookupError, match="Nope"):
        desktop.invoke_notification_action("Nope")
    desktop.invoke_notification_action("Start", summary="Break over")
    assert b.wait(timeout=10) == 0 and b_log.read_text().strip() == "start"
    assert a.poll() is None  # still waiting on screen
    desktop.invoke_notification_action("Skip", summary="Session done")
    assert a.wait(timeout=10) == 0 and a_log.read_text().strip() == "skip"


TYPING_APP = textwrap.dedent("""\
    # A window with a line edit; Return traces the text (tests activate + typing).
    import json, os, sys, time
    from PySide6.QtWidgets import QApplication, QLineEdit
    app = QApplication(sys.argv)
    edit = QLineEdit()
    edit.setWindowTitle("e2e-typing")
    def done():
        with open(os.environ["MICROSESSION_TRACE"], "a") as f:
            f.write(json.dumps({"t": time.time(), "mono": time.monotonic(),
                                "event": "typed", "text": edit.text()}) + "\\n")
    edit.returnPressed.connect(done)
    edit.resize(300, 40)
    edit.move(200, 200)
    edit.show()
    app.exec()
""")


def test_window_can_be_focused_and_typed_into(desktop: Desktop, tmp_path: Path) -> None:
    script = tmp_path / "typing_app.py"
    script.write_text(TYPING_APP)
    trace = tmp_path / "trace.jsonl"
    desktop.spawn([sys.executable, str(script)], extra_env={"MICROSESSION_TRACE": str(trace)})

    wid = desktop.wait_for(lambda: desktop.window_ids("^e2e-typing$"), timeout=15,
                           what="the e2e-typing window")[0]
    x, y, w, h = desktop.window_geometry(wid)
    assert (w, h) == (300, 40) and 0 <= x < desktop.width and 0 <= y < desktop.height
    desktop.activate(wid)
    assert desktop.focused_window() == wid
    desktop.type_text("hello world")
    desktop.key("Return")
    rec = desktop.wait_trace(trace, "typed", timeout=10)
    assert rec["text"] == "hello world"


def _x_socket(display: str) -> Path:
    return Path(f"/tmp/.X11-unix/X{display.lstrip(':')}")


# (After stop, the display's socket is not checked: a parallel run may already have taken
# the freed display number.)
def test_stop_leaves_nothing_running(tmp_path: Path, desktop_programs: None) -> None:
    desk = Desktop(tmp_path / "desk").start()
    child = desk.spawn(["sleep", "300"])
    procs = [p.popen for p in desk._daemons] + [child]
    display = desk.display
    assert display and _x_socket(display).exists()
    desk.stop()
    assert all(p.poll() is not None for p in procs)
    desk.stop()  # idempotent


def test_half_failed_start_cleans_up(tmp_path: Path, desktop_programs: None) -> None:
    desk = Desktop(tmp_path / "desk")
    desk.trayer_argv = ["sh", "-c", "exit 3"]  # the tray host dies at once
    started: list[subprocess.Popen] = []
    original = desk._start_daemon

    def recording(*args, **kwargs):
        proc = original(*args, **kwargs)
        started.append(proc.popen)
        return proc

    desk._start_daemon = recording  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="exited with 3"):
        desk.start(timeout=10)
    assert len(started) == 4  # xvfb, dbus, trayer, dunst
    assert all(p.poll() is not None for p in started)
    desk.stop()  # still fine


def test_env_is_for_the_private_desktop(desktop: Desktop) -> None:
    env = desktop.env
    assert env["DISPLAY"] == desktop.display
    assert env["QT_QPA_PLATFORM"] == "xcb"  # even when pytest itself runs offscreen
    assert env["DBUS_SESSION_BUS_ADDRESS"] == desktop.bus_address
    assert env["DBUS_SESSION_BUS_ADDRESS"] != os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    runtime = Path(env["XDG_RUNTIME_DIR"])
    assert runtime.is_dir() and (runtime.stat().st_mode & 0o777) == 0o700
    assert "WAYLAND_DISPLAY" not in env and "MICROSESSION_TRACE" not in env
