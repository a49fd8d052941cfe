"""No tray on Wayland (GNOME without the AppIndicator extension, a bare compositor): the ring
is the app's window there too, and a StatusNotifierWatcher that comes up later takes the
icon (headless sway, tests/e2e/wayland.py; our SNI host, tests/e2e/sni_host.py)."""

from __future__ import annotations

from pathlib import Path

from app_runner import RunningApp
from sni_host import SniHost
from test_wayland import sway  # noqa: F401 (the fixture)

APP_ID = "io.github.microsession.MicroSession"


def test_wayland_no_tray_window_then_a_late_sni_watcher(sway, tmp_path: Path) -> None:  # noqa: F811
    app = RunningApp(sway, tmp_path, scale=60, tray="none")

    def ours() -> list[dict]:
        return [w for w in sway.windows() if w.get("app_id") == APP_ID]

    [window] = sway.wait_for(ours, timeout=20, what="the no-tray window on Wayland")
    assert window["name"] == "Micro-Session" and window["visible"]
    assert window["rect"]["height"] > window["rect"]["width"]  # the ring and its hint
    assert app.control("start", "5").returncode == 0
    app.wait("session_started", kind="micro")
    with SniHost(sway.env["DBUS_SESSION_BUS_ADDRESS"]) as host:  # the panel comes up
        item = host.item(timeout=30)
        app.wait("tray_adopted", timeout=30)
        sway.wait_for(lambda: "min left" in host.prop(item, "ToolTip")[2], timeout=20, what="the tooltip")
        assert [w for w in ours() if w["visible"]]  # a session runs: the ring stays, as the ring
        assert app.control("quit").returncode == 0
        assert app.wait_exit() == 0
