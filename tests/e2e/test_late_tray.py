"""No tray at start (a panel that comes up after the app, GNOME without the AppIndicator
extension): the ring is the app's window, usable with the keyboard; when a tray comes up
later (a StatusNotifierWatcher, or an XEmbed tray host on X11) the icon moves into it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_runner import RunningApp, app_windows
from desktop import Desktop
from sni_host import SniHost


@pytest.fixture
def bare_desktop(tmp_path: Path, desktop_programs: None) -> Iterator[Desktop]:
    with Desktop(tmp_path / "desktop", xembed_tray=False) as desk:
        yield desk


def fallback_window(desk: Desktop) -> str:
    return desk.wait_for(lambda: desk.window_ids("^Micro-Session$"), timeout=20, what="the fallback window")[0]


def test_fallback_window_keyboard_then_a_late_sni_watcher(bare_desktop: Desktop, tmp_path: Path) -> None:
    desk = bare_desktop
    app = RunningApp(desk, tmp_path, scale=60, tray="none")
    wid = fallback_window(desk)
    if os.environ.get("MICROSESSION_SCREENSHOTS"):  # the window and a margin, for the README
        x, y, w, h = desk.window_geometry(wid)
        shot = desk.screenshot(tmp_path / "screen.png")
        out = Path(__file__).resolve().parents[2] / "docs/screenshots/no-tray-window.png"
        subprocess.run(["/usr/bin/convert", str(shot), "-crop", f"{w + 40}x{h + 40}+{x - 20}+{max(0, y - 20)}",
                        "+repage", str(out)], check=True)
    desk.activate(wid)
    desk.key("space")  # the tray's click: the default sprint
    assert app.wait("session_started", kind="micro")["planned_s"] == 900
    before = set(app_windows(desk))
    desk.key("shift+F10")  # the menu from the keyboard
    desk.wait_for(lambda: set(app_windows(desk)) - before, timeout=10, what="the menu")
    desk.key("Escape")
    desk.wait_for(lambda: set(app_windows(desk)) <= before, timeout=10, what="the menu to close")

    with SniHost(desk.bus_address) as host:  # the panel comes up
        item = host.item(timeout=30)
        app.wait("tray_adopted", timeout=30)
        assert "min left" in host.prop(item, "ToolTip")[2]  # the running session, in the icon
        assert app.control("status", "--json").returncode == 0
        assert app.control("quit").returncode == 0
        assert app.wait_exit() == 0


def test_a_late_xembed_tray_takes_the_icon(bare_desktop: Desktop, tmp_path: Path) -> None:
    desk = bare_desktop
    app = RunningApp(desk, tmp_path, scale=60, tray="none")
    fallback_window(desk)
    desk.start_tray()
    app.wait("tray_adopted", timeout=30)
    rec = app.wait("tray_visible", timeout=30)
    desk.wait_for(lambda: not desk.window_ids("^Micro-Session$"), timeout=10,
                  what="the fallback window to go (idle: the icon is the app now)")
    app.tray_center = (rec["x"] + rec["w"] // 2, rec["y"] + rec["h"] // 2)
    app.click_tray()
    assert app.wait("session_started", kind="micro")["planned_s"] == 900
    assert app.control("quit").returncode == 0
